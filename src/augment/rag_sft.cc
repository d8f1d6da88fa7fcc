#include "augment/rag_sft.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "augment/grounded_prompt.h"
#include "augment/rag_index.h"
#include "core/error.h"
#include "core/random.h"
#include "io/atomic_file.h"
#include "io/output_dir.h"
#include "io/temp_dir.h"

namespace lmf::augment {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {


struct Rng : SplitMix64 {
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[next() % i]);
  }
};

// An index over some of the world's documents (`keep(entity)`), in a folder of its own.
class FactIndex {
 public:
  template <class Keep>
  FactIndex(const FactWorld& w, Keep keep) {
    std::vector<Document> docs;
    for (const FactDocument& d : w.documents)
      if (keep(d.entity)) docs.push_back({d.id, d.text, json::object(), d.id});
    RagIndexOptions opt;
    opt.progress = false;
    RagIndex::create(dir_.path() / "index", docs, opt);
    index_ = std::make_unique<RagIndex>(dir_.path() / "index");
  }
  const RagIndex& index() const { return *index_; }

 private:
  io::TempDir dir_{"lmforge-rag-sft"};
  std::unique_ptr<RagIndex> index_;
};

std::string doc_id(const RagHit& h) { return h.doc->id.get<std::string>(); }

RagExample make_example(const FactQuestion& q, std::vector<RagHit> sources, int answer_source, const char* kind) {
  RagExample e;
  e.kind = kind;
  e.question_id = q.id;
  std::vector<std::string> texts;
  for (const RagHit& h : sources) {
    texts.emplace_back(h.text());
    e.source_ids.push_back(doc_id(h));
  }
  e.prompt = grounded_prompt(q.question, texts);
  e.answer_source = answer_source;
  e.reply = answer_source ? q.answer + " [" + std::to_string(answer_source) + "]" : kNotInSources;
  return e;
}

// The k best chunks, as retrieved.
RagExample retrieved(const RagIndex& index, const FactQuestion& q, int k) {
  std::vector<RagHit> hits = index.query(q.question, k, RetrievalMode::kBm25);
  const auto it = std::find_if(hits.begin(), hits.end(), [&](const RagHit& h) { return doc_id(h) == q.doc; });
  const int n = it == hits.end() ? 0 : int(it - hits.begin()) + 1;
  return make_example(q, std::move(hits), n, "retrieved");
}

// The k best chunks with the answer's chunk among them (the k-th replaced when missing),
// shuffled when `shuffle`.
RagExample positive(const RagIndex& index, const FactQuestion& q, int k, bool shuffle, Rng& rng) {
  std::vector<RagHit> hits = index.query(q.question, k, RetrievalMode::kBm25);
  auto gold = [&](const RagHit& h) { return doc_id(h) == q.doc; };
  if (std::none_of(hits.begin(), hits.end(), gold)) {
    const std::vector<RagHit> deep = index.query(q.question, int(index.chunks().size()), RetrievalMode::kBm25);
    const auto it = std::find_if(deep.begin(), deep.end(), gold);
    if (it == deep.end()) throw Error("rag-sft: the index has no chunk of " + q.doc);
    if (int(hits.size()) < k) hits.push_back(*it);
    else hits.back() = *it;
  }
  if (shuffle) rng.shuffle(hits);
  const int n = int(std::find_if(hits.begin(), hits.end(), gold) - hits.begin()) + 1;
  return make_example(q, std::move(hits), n, "positive");
}

// The k best chunks that do not contain the answer.
RagExample negative(const RagIndex& index, const FactQuestion& q, int k) {
  std::vector<RagHit> kept;
  for (int depth = 4 * k;; depth *= 4) {
    const std::vector<RagHit> hits = index.query(q.question, depth, RetrievalMode::kBm25);
    kept.clear();
    for (const RagHit& h : hits)
      if (!contains_word(h.text(), q.answer) && int(kept.size()) < k) kept.push_back(h);
    if (int(kept.size()) == k || int(hits.size()) < depth) break;
  }
  if (int(kept.size()) < k)
    throw Error("rag-sft: too few documents without the answer to fill " + std::to_string(k) + " sources; add entities");
  return make_example(q, std::move(kept), 0, "negative");
}

}  // namespace

RagSftData make_rag_sft(const RagSftOptions& o) {
  if (o.examples < 1) throw Error("rag-sft: examples must be at least 1, got " + std::to_string(o.examples));
  if (!(o.negative_fraction >= 0 && o.negative_fraction <= 1))
    throw Error("rag-sft: the negative fraction must be from 0 to 1, got " + std::to_string(o.negative_fraction));
  if (!(o.shuffled_fraction >= 0 && o.shuffled_fraction <= 1))
    throw Error("rag-sft: the shuffled fraction must be from 0 to 1, got " + std::to_string(o.shuffled_fraction));
  if (o.k < 1 || o.k > 64) throw Error("rag-sft: k must be from 1 to 64, got " + std::to_string(o.k));
  RagSftData d;
  d.world = make_fact_world(o.world);
  const FactWorld& w = d.world;
  // A negative needs k documents without the answer: training countries' documents must be
  // more than k even when every one of them shares the answer's country.
  if (w.training * kFactRelations < o.k + 1)
    throw Error("rag-sft: " + std::to_string(w.training) + " training entities give too few documents for k = " +
                std::to_string(o.k));
  Rng rng{o.world.seed ^ 0xA0761D6478BD642Full};

  {
    const FactIndex train_index(w, [&](int64_t e) { return !w.held_out(e); });
    std::vector<size_t> order;
    for (size_t i = 0; i < w.questions.size(); ++i)
      if (!w.held_out(w.questions[i].entity)) order.push_back(i);
    size_t next = order.size();
    for (int64_t i = 0; i < o.examples; ++i) {
      if (next == order.size()) rng.shuffle(order), next = 0;  // every question once a pass
      const FactQuestion& q = w.questions[order[next++]];
      if (rng.uniform() < o.negative_fraction) d.train.push_back(negative(train_index.index(), q, o.k));
      else d.train.push_back(positive(train_index.index(), q, o.k, rng.uniform() < o.shuffled_fraction, rng));
    }
  }
  if (w.training < int64_t(w.entities.size())) {
    const FactIndex all(w, [](int64_t) { return true; });
    for (const FactQuestion& q : w.questions) {
      if (!w.held_out(q.entity)) continue;
      d.test.push_back(retrieved(all.index(), q, o.k));
      d.test.push_back(negative(all.index(), q, o.k));
    }
  }
  return d;
}

std::string example_json(const RagExample& e) {
  const json j = {{"messages", json::array({{{"role", "user"}, {"content", e.prompt}},
                                            {{"role", "assistant"}, {"content", e.reply}}})},
                  {"question_id", e.question_id},
                  {"source_ids", e.source_ids},
                  {"answer_source", e.answer_source},
                  {"kind", e.kind}};
  return j.dump();
}

std::string examples_jsonl(const std::vector<RagExample>& xs) {
  std::string out;
  for (const RagExample& e : xs) out += example_json(e) + "\n";
  return out;
}

std::string embedding_pairs_jsonl(const FactWorld& w) {
  std::string out;
  for (size_t i = 0; i < w.questions.size(); ++i) {
    const FactQuestion& q = w.questions[i];
    if (w.held_out(q.entity)) continue;
    // The next document of the same country (its six documents are consecutive).
    const size_t first = i - i % kFactRelations;
    const FactDocument& other = w.documents[first + (i - first + 1) % kFactRelations];
    out += json{{"anchor", q.question}, {"positive", w.documents[i].text}, {"negative", other.text}}.dump() + "\n";
  }
  return out;
}

std::string documents_jsonl(const FactWorld& w) {
  std::string out;
  for (const FactDocument& d : w.documents) out += json{{"id", d.id}, {"text", d.text}}.dump() + "\n";
  return out;
}

std::string questions_jsonl(const FactWorld& w) {
  std::string out;
  for (const FactQuestion& q : w.questions)
    out += json{{"id", q.id},
                {"question", q.question},
                {"answer", q.answer},
                {"doc", q.doc},
                {"split", w.held_out(q.entity) ? "held_out" : "train"}}
               .dump() +
           "\n";
  return out;
}

void write_rag_sft(const RagSftData& d, const std::string& out_dir, std::string docs_path, std::string questions_path) {
  io::OutputDir out(out_dir);
  if (docs_path.empty()) docs_path = out_dir + "/docs.jsonl";
  if (questions_path.empty()) questions_path = out_dir + "/questions.jsonl";
  io::write_text_atomic(out_dir + "/train.jsonl", examples_jsonl(d.train));
  io::write_text_atomic(out_dir + "/test.jsonl", examples_jsonl(d.test));
  io::write_text_atomic(out_dir + "/pairs.jsonl", embedding_pairs_jsonl(d.world));
  io::write_text_atomic(docs_path, documents_jsonl(d.world));
  io::write_text_atomic(questions_path, questions_jsonl(d.world));
}

}  // namespace lmf::augment
