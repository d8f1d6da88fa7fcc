#include "augment/fewshot.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "augment/bm25_index.h"
#include "core/error.h"
#include "eval/py_random.h"
#include "io/jsonl.h"

namespace lmf::augment {

std::string fewshot_prompt(const FewshotFormat& f, const std::vector<const FewshotExample*>& shots, std::string_view query) {
  std::string out = f.description;
  for (const FewshotExample* s : shots) {
    out += s->input;
    if (s->output.empty()) continue;  // as the harness: an empty target adds the input alone
    out += f.target_delimiter;
    out += s->output;
    out += f.fewshot_delimiter;
  }
  out += query;
  return out;
}

FewshotSelect parse_fewshot_select(std::string_view name) {
  if (name == "random") return FewshotSelect::kRandom;
  if (name == "similar") return FewshotSelect::kSimilar;
  throw Error("unknown few-shot selection '" + std::string(name) + "' (expected random or similar)");
}

FewshotPool::FewshotPool(std::vector<FewshotExample> examples) : examples_(std::move(examples)) {}
FewshotPool::~FewshotPool() = default;
FewshotPool::FewshotPool(FewshotPool&&) noexcept = default;

FewshotPool FewshotPool::read(const std::string& path) {
  std::vector<FewshotExample> examples;
  io::for_each_jsonl_line(path, [&](const std::string& line, int64_t, const std::string& where) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      throw FormatError(where + ": not valid JSON (" + e.what() + ")");
    }
    for (const char* field : {"input", "output"})
      if (!j.is_object() || !j.contains(field) || !j[field].is_string())
        throw FormatError(where + ": a few-shot example needs string fields `input` and `output` (`" + field + "`)");
    examples.push_back({j["input"].get<std::string>(), j["output"].get<std::string>()});
  });
  return FewshotPool(std::move(examples));
}

std::vector<const FewshotExample*> FewshotPool::select(std::string_view query, int64_t k, FewshotSelect how,
                                                       uint64_t seed) const {
  if (k <= 0) return {};
  std::vector<bool> usable(examples_.size());
  int64_t n_usable = 0;
  for (size_t i = 0; i < examples_.size(); ++i) n_usable += usable[i] = examples_[i].input != query;
  if (k > n_usable)
    throw Error(std::to_string(k) + " few-shot examples asked of a pool of " + std::to_string(n_usable) +
                " (examples whose input is the query itself are left out)");
  std::vector<size_t> chosen;
  std::vector<bool> taken(examples_.size(), false);
  if (how == FewshotSelect::kSimilar) {
    if (!index_) {
      index_ = std::make_unique<Bm25Index>();
      for (const FewshotExample& e : examples_) index_->add(e.input);
    }
    for (const Bm25Hit& h : index_->search(query, int(examples_.size()))) {
      if (int64_t(chosen.size()) == k) break;
      if (!usable[h.row]) continue;
      chosen.push_back(h.row);
      taken[h.row] = true;
    }
    std::reverse(chosen.begin(), chosen.end());  // the most similar last, next to the query
  }
  if (int64_t(chosen.size()) < k) {
    // Random shots (or the rest of the similar ones): the harness's sampler, drawing enough
    // to skip the entries that cannot be shown.
    // Exactly sample(pool, k) when nothing is left out, as the harness draws.
    eval::PyRandom rnd(seed);
    std::vector<size_t> drawn;
    const int64_t n = int64_t(examples_.size());
    const int64_t skipped = (n - n_usable) + int64_t(chosen.size());
    for (int64_t i : rnd.sample(n, std::min(n, k - int64_t(chosen.size()) + skipped))) {
      if (int64_t(chosen.size() + drawn.size()) == k) break;
      if (usable[size_t(i)] && !taken[size_t(i)]) drawn.push_back(size_t(i));
    }
    chosen.insert(chosen.begin(), drawn.begin(), drawn.end());
  }
  std::vector<const FewshotExample*> shots;
  for (size_t i : chosen) shots.push_back(&examples_[i]);
  return shots;
}

FewshotPrompter::FewshotPrompter(const FewshotOptions& o) : o_(o) {
  if (o.k > 0) {
    if (o.pool.empty()) throw Error("--num-fewshot " + std::to_string(o.k) + " needs --fewshot-pool FILE.jsonl");
    pool_ = std::make_unique<FewshotPool>(FewshotPool::read(o.pool));
  }
}
FewshotPrompter::~FewshotPrompter() = default;

std::string FewshotPrompter::prompt(std::string_view query) const {
  if (!pool_) return std::string(query);
  return fewshot_prompt(o_.format, pool_->select(query, o_.k, o_.select, o_.seed), query);
}

}  // namespace lmf::augment
