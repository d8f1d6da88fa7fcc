// lmforge ngram perplexity: the perplexity of a text file or token shard under an n-gram
// model (a `train --arch ngram` directory or any ARPA file).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/flags.h"
#include "models/ngram/perplexity.h"

namespace lmf::cli {
namespace {

int run_ngram_perplexity(int argc, char** argv) {
  CLI::App app{"Perplexity of a file under an n-gram model: each line (text) or document (shard) is scored as "
               "<s> w1 .. wn </s>; unknown words as <unk>",
               "lmforge ngram perplexity"};
  ngram::NgramPerplexityOptions o;
  bool as_json = false;
  app.add_option("--model", o.model, "model directory (`lmforge train --arch ngram`) or an ARPA file")->required();
  auto* text = app.add_option("--text", o.text, "text file: a sentence a line, whitespace-split words");
  auto* shard = app.add_option("--shard", o.shard, "token shard (a token model)");
  text->excludes(shard);
  app.add_option("--eot", o.eot_id, "token shards: the id that separates documents (default: the model's eot_id; -1 for none)")
      ->check(int_range<int64_t>(-1, 1LL << 31));
  app.add_flag("--per-token", o.per_token, "with --json: every prediction's word, log10 probability and n-gram order");
  app.add_flag("--json", as_json, "print the result as JSON");
  LMF_PARSE(app, argc, argv);
  if (o.text.empty() && o.shard.empty()) {
    std::fprintf(stderr, "lmforge ngram perplexity: error: give --text FILE or --shard FILE\n");
    return kExitUsage;
  }
  const ngram::NgramPerplexity r = ngram::ngram_perplexity(o);
  const ngram::CorpusScore& s = r.score;
  if (!as_json) {
    std::printf("%s: perplexity %.4f over %lld predictions (%lld sentences, %lld words, %lld OOV), log10 prob %.4f\n",
                r.corpus.c_str(), s.perplexity(), (long long)s.scored, (long long)s.sentences, (long long)s.words,
                (long long)s.oov, s.log10_prob);
    return 0;
  }
  nlohmann::json j = {{"file", r.corpus},        {"order", r.order},           {"unit", ngram::unit_name(r.unit)},
                      {"sentences", s.sentences}, {"words", s.words},           {"oov", s.oov},
                      {"skipped", s.skipped},     {"predictions", s.scored},    {"log10_prob", s.log10_prob},
                      {"perplexity", s.perplexity()}};
  if (s.bytes) {
    j["bytes"] = s.bytes;
    j["bits_per_byte"] = s.bits_per_byte();
  }
  if (o.per_token) {
    nlohmann::json t = nlohmann::json::array();
    for (const ngram::TokenScore& x : s.tokens)
      t.push_back({{"word", x.word}, {"log10_prob", x.log10_prob}, {"ngram_order", x.ngram_order}});
    j["tokens"] = t;
  }
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

Command reg("ngram perplexity", "perplexity of a text file or token shard under an n-gram model (ARPA)", run_ngram_perplexity);

}  // namespace
}  // namespace lmf::cli
