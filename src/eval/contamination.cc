#include "eval/contamination.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/utf8.h"
#include "data/pipeline/decontaminate.h"
#include "data/pipeline/document.h"
#include "data/pipeline/reader.h"
#include "data/pipeline/words.h"
#include "data/token_shard.h"
#include "io/temp_dir.h"

namespace lmf::eval {

namespace fs = std::filesystem;
using namespace data::pipeline;

void check_corpus_paths(const std::vector<std::string>& corpus) {
  for (const std::string& p : corpus)
    if (!fs::exists(p)) throw Error("contamination corpus " + p + " does not exist");
}

std::vector<bool> contaminated_documents(const std::vector<std::string>& texts, const std::vector<std::string>& corpus,
                                         const tok::Tokenizer* tk, int ngram) {
  if (ngram < 1) throw Error("contamination: the n-gram length must be positive, not " + std::to_string(ngram));
  // Check every corpus path before any work.
  std::vector<std::string> shards, files;
  check_corpus_paths(corpus);
  for (const std::string& f : list_input_files(corpus)) {
    if (fs::path(f).extension() != ".bin") {
      files.push_back(f);
      continue;
    }
    if (!tk) throw Error("contamination corpus " + f + ": a token shard is decoded with the model's tokenizer, and none was given");
    if (!tk->eot_id())
      throw Error("contamination corpus " + f + ": tokenizer " + tk->name() +
                  " has no end-of-text token to split the token shard into documents");
    shards.push_back(f);
  }

  std::vector<bool> out(texts.size(), false);
  std::vector<uint64_t> words;
  bool any_words = false;
  for (const std::string& t : texts) {
    word_hashes(t, words);
    if (!words.empty()) any_words = true;
  }
  if (!any_words) return out;  // nothing to match (the stage refuses an empty evaluation set)

  // The texts as the stage's evaluation set: one JSONL line each, so an item's source is
  // "FILE:LINE" with LINE the text's position + 1.
  const io::TempDir dir("lmforge-contamination");
  const std::string items = (dir.path() / "documents.jsonl").string();
  {
    std::ofstream f(items, std::ios::binary);
    for (const std::string& t : texts)
      f << nlohmann::json{{"text", t}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (!f.flush()) throw Error("cannot write " + items);
  }
  DecontaminateOptions o;
  o.eval = {items};
  o.ngram = ngram;
  o.mode = "flag";
  const DecontaminateStage stage(o);

  int64_t counter = 0;
  Document d;
  auto check = [&](std::string text) {
    d.text = std::move(text);
    d.fields = nullptr;
    stage.process(d, 0, &counter);
  };
  for (const std::string& p : shards) {
    const data::TokenShard shard = data::TokenShard::open(p);
    const TokenId eot = *tk->eot_id();
    std::vector<TokenId> doc;
    for (size_t i = 0; i <= shard.size(); ++i) {
      if (i == shard.size() || shard[i] == eot) {
        if (!doc.empty()) check(tk->decode(doc));
        doc.clear();
      } else {
        doc.push_back(shard[i]);
      }
    }
  }
  if (!files.empty()) {
    DocumentReader reader(files, TextUnit::paragraph);
    std::vector<RawDocument> batch;
    while (reader.next_batch(batch, size_t(16) << 20)) {
      for (RawDocument& raw : batch) {
        std::string text = utf8_lossy(raw.bytes);
        check(raw.json ? json_text_field(text, raw.source, "text") : std::move(text));
      }
      batch.clear();
    }
  }

  nlohmann::ordered_json rep;
  stage.report(rep);
  const std::string prefix = items + ":";
  for (const auto& leak : rep["leaked_items"]) {
    const std::string item = leak["item"];
    if (item.rfind(prefix, 0) != 0) continue;
    const size_t line = std::stoul(item.substr(prefix.size()));
    if (line >= 1 && line <= out.size()) out[line - 1] = true;
  }
  return out;
}

}  // namespace lmf::eval
