// lmforge data rag-sft: instruction data for answering from retrieved sources — facts about
// invented countries as documents, questions with gold answers, and grounded examples
// (augment/rag_sft.h) for training countries (train.jsonl) and held-out ones (test.jsonl).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "augment/rag_sft.h"
#include "cli/command.h"
#include "cli/flags.h"

namespace lmf::cli {
namespace {

int run_data_rag_sft(int argc, char** argv) {
  CLI::App app{"Write instruction data for answering from retrieved sources: invented facts as documents, questions, "
               "and grounded examples (train.jsonl: training entities; test.jsonl: held-out entities)",
               "lmforge data rag-sft"};
  std::string out, docs_out, questions_out;
  augment::RagSftOptions o;
  app.add_option("--out", out, "output directory (train.jsonl, test.jsonl; docs.jsonl, questions.jsonl unless moved)")
      ->required();
  app.add_option("--docs-out", docs_out, "the documents as JSONL {\"id\",\"text\"} (default OUT/docs.jsonl)");
  app.add_option("--questions-out", questions_out,
                 "the questions as JSONL {\"id\",\"question\",\"answer\",\"doc\",\"split\"} (default OUT/questions.jsonl)");
  app.add_option("--entities", o.world.entities, "training entities (invented countries, six facts each)")
      ->check(int_range<int64_t>(2, 10000))
      ->capture_default_str();
  app.add_option("--held-out", o.world.held_out, "held-out entities: never in train.jsonl, asked about in test.jsonl")
      ->check(int_range<int64_t>(0, 10000))
      ->capture_default_str();
  app.add_option("--examples", o.examples, "training examples")->check(int_range<int64_t>(1, 10000000))->capture_default_str();
  app.add_option("--negatives", o.negative_fraction, "share of training examples whose sources lack the answer")
      ->check(real_range(0, 1))
      ->capture_default_str();
  app.add_option("--shuffled", o.shuffled_fraction, "share of positive training examples with their sources in random order")
      ->check(real_range(0, 1))
      ->capture_default_str();
  app.add_option("-k,--k", o.k, "sources per example")->check(int_range(1, 64))->capture_default_str();
  app.add_option("--seed", o.world.seed, "random seed")->capture_default_str();
  LMF_PARSE(app, argc, argv);
  const augment::RagSftData d = augment::make_rag_sft(o);
  augment::write_rag_sft(d, out, docs_out, questions_out);
  int64_t negatives = 0;
  for (const augment::RagExample& e : d.train) negatives += e.answer_source == 0;
  const nlohmann::json summary = {{"documents", d.world.documents.size()},
                                  {"questions", d.world.questions.size()},
                                  {"train", d.train.size()},
                                  {"train_negatives", negatives},
                                  {"test", d.test.size()}};
  std::printf("%s\n", summary.dump().c_str());
  return 0;
}

Command reg("data rag-sft", "instruction data for answering from retrieved sources (invented facts, grounded prompts)",
            run_data_rag_sft);

}  // namespace
}  // namespace lmf::cli
