#include "data/pipeline/decontaminate.h"

#include <algorithm>
#include <set>

#include "core/error.h"
#include "core/utf8.h"
#include "data/pipeline/options.h"
#include "data/pipeline/reader.h"
#include "data/pipeline/words.h"

namespace lmf::data::pipeline {

DecontaminateOptions DecontaminateOptions::from_json(const nlohmann::json& j) {
  DecontaminateOptions o;
  OptionReader r("decontaminate", j);
  r.get_list("eval", o.eval);
  r.get("eval_text_field", o.eval_text_field);
  r.get("ngram", o.ngram);
  r.get("mode", o.mode);
  r.done();
  if (o.eval.empty()) throw Error("decontaminate: no evaluation set given (setting \"eval\": FILE or [FILES])");
  if (o.ngram < 1) throw Error("decontaminate: ngram must be positive");
  if (o.mode != "remove" && o.mode != "flag") throw Error("decontaminate: mode must be \"remove\" or \"flag\"");
  return o;
}

DecontaminateStage::DecontaminateStage(DecontaminateOptions o) : o_(std::move(o)) {
  DocumentReader reader(o_.eval, TextUnit::paragraph);
  std::vector<RawDocument> batch;
  std::vector<uint64_t> words;
  std::set<int> lengths = {o_.ngram};
  vocabulary_.assign(size_t(1) << 14, 0);
  while (reader.next_batch(batch, size_t(16) << 20)) {
    for (RawDocument& raw : batch) {
      std::string text = utf8_lossy(raw.bytes);
      if (raw.json) text = json_text_field(text, raw.source, o_.eval_text_field);
      // Text input: one item per line.
      std::vector<std::string> texts;
      if (raw.json) texts.push_back(std::move(text));
      else
        for (size_t at = 0; at <= text.size();) {
          size_t nl = text.find('\n', at);
          if (nl == std::string::npos) nl = text.size();
          if (nl > at) texts.push_back(text.substr(at, nl - at));
          at = nl + 1;
        }
      for (size_t t = 0; t < texts.size(); ++t) {
        word_hashes(texts[t], words);
        if (words.empty()) continue;
        const uint32_t id = uint32_t(items_.size());
        items_.push_back(raw.json ? raw.source : raw.source + " line " + std::to_string(t + 1));
        const int n = std::min<int>(o_.ngram, int(words.size()));
        lengths.insert(n);
        for (uint64_t w : words) vocabulary_[w >> 50] |= uint64_t(1) << (w >> 44 & 63);
        for (size_t i = 0; i + size_t(n) <= words.size(); ++i) {
          const uint64_t h = ngram_hash(&words[i], n);
          auto [it, fresh] = grams_.emplace(h, id);
          if (fresh || it->second == id) continue;
          std::vector<uint32_t>& later = shared_[h];
          if (later.empty() || later.back() != id) later.push_back(id);
        }
      }
    }
    batch.clear();
  }
  if (items_.empty()) throw FormatError("decontaminate: the evaluation set holds no items");
  lengths_.assign(lengths.begin(), lengths.end());
  hits_ = std::make_unique<std::atomic<int64_t>[]>(items_.size());
}

void DecontaminateStage::process(Document& doc, int64_t, int64_t* counters) const {
  thread_local std::vector<uint64_t> words;
  thread_local std::vector<uint32_t> run;  // per word: how many words from it on are eval words (maybe)
  word_hashes(doc.text, words);
  run.resize(words.size() + 1);
  run[words.size()] = 0;
  for (size_t i = words.size(); i-- > 0;)
    run[i] = vocabulary_[words[i] >> 50] >> (words[i] >> 44 & 63) & 1 ? run[i + 1] + 1 : 0;
  std::vector<uint32_t> found;
  for (int n : lengths_)
    for (size_t i = 0; i + size_t(n) <= words.size(); ++i) {
      if (run[i] < uint32_t(n)) continue;  // a word of this n-gram is in no eval item
      const uint64_t h = ngram_hash(&words[i], n);
      auto it = grams_.find(h);
      if (it == grams_.end()) continue;
      found.push_back(it->second);
      if (shared_.empty()) continue;
      if (auto more = shared_.find(h); more != shared_.end()) found.insert(found.end(), more->second.begin(), more->second.end());
    }
  if (found.empty()) return;
  ++counters[0];
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  for (uint32_t id : found) hits_[id].fetch_add(1, std::memory_order_relaxed);
  if (o_.mode == "flag") {
    if (!doc.fields.is_object()) doc.fields = nlohmann::ordered_json::object();
    auto& list = doc.fields["contamination"] = nlohmann::ordered_json::array();
    for (uint32_t id : found) list.push_back(items_[id]);
  } else {
    doc.remove(name(), "contaminated", "shares a " + std::to_string(o_.ngram) + "-gram with " + items_[found[0]] +
                                           (found.size() > 1 ? " and " + std::to_string(found.size() - 1) + " more" : ""));
  }
}

void DecontaminateStage::report(nlohmann::ordered_json& out) const {
  out["settings"] = {{"eval", o_.eval}, {"ngram", o_.ngram}, {"mode", o_.mode}};
  out["eval_items"] = items_.size();
  nlohmann::ordered_json leaked = nlohmann::ordered_json::array();
  for (size_t i = 0; i < items_.size(); ++i)
    if (int64_t h = hits_[i].load()) leaked.push_back({{"item", items_[i]}, {"documents", h}});
  out["leaked_items"] = std::move(leaked);
}

}  // namespace lmf::data::pipeline
