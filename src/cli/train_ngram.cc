// lmforge train --arch ngram: an interpolated modified Kneser-Ney n-gram model (orders 1-5)
// over words (text) or tokens (shards), written as model.arpa + config.json.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/train_arch.h"
#include "models/ngram/train.h"

namespace lmf::cli {
namespace {

int run_train_ngram(int argc, char** argv) {
  CLI::App app{"Train an n-gram language model with interpolated modified Kneser-Ney smoothing (Chen & Goodman); "
               "sentences are <s> w1 .. wn </s>: every line of a text file, every document of a token shard",
               "lmforge train --arch ngram"};
  std::string arch;
  ngram::NgramTrainOptions o;
  app.add_option("--arch", arch, "model family: ngram")->required();
  app.add_option("--ngram-order", o.order, "n-gram order N (1 to 5)")->check(int_range(1, 5))->capture_default_str();
  app.add_option("--data", o.data, "a `lmforge data tokenize` directory (train.bin; val.bin is scored), a token shard, "
                                   "or a text file (a sentence a line, whitespace-split words)")
      ->required();
  app.add_option("--out", o.out_dir, "model directory: model.arpa and config.json")->required();
  app.add_option("--val", o.val, "held-out data of the same kind to measure perplexity on (default: the directory's val.bin)");
  app.add_option("--eot", o.eot_id, "token shards: the id that separates documents (default: meta.json's eot_id beside "
                                    "the shard; -1 for none)")
      ->check(int_range<int64_t>(-1, 1LL << 31));
  LMF_PARSE(app, argc, argv);
  const ngram::NgramTrainReport r = ngram::train_ngram(o);
  nlohmann::json j = {{"arch", "ngram"},
                      {"order", r.order},
                      {"unit", ngram::unit_name(r.unit)},
                      {"vocab_size", r.vocab_size},
                      {"ngrams", r.ngrams},
                      {"train_sentences", r.train.sentences},
                      {"train_words", r.train.words},
                      {"seconds", r.seconds}};
  nlohmann::json d = nlohmann::json::array();
  for (const ngram::OrderDiscounts& x : r.discounts) {
    d.push_back(x.d);
    if (x.fallback)
      std::fprintf(stderr, "train --arch ngram: %s: Chen & Goodman's discounts are undefined, using D1 0.5, D2 1, D3+ 1.5\n",
                   x.why.c_str());
  }
  j["discounts"] = d;
  if (r.val) {
    j["val_perplexity"] = r.val->perplexity();
    j["val_predictions"] = r.val->scored;
    j["val_oov"] = r.val->oov;
    j["val_log10_prob"] = r.val->log10_prob;
  }
  std::printf("%s\n", j.dump().c_str());
  return 0;
}

TrainArch reg("ngram", "interpolated modified Kneser-Ney n-gram LM (orders 1-5; ARPA)", run_train_ngram);

}  // namespace
}  // namespace lmf::cli
