// Few-shot prompts: K demonstrations from a pool before the query, in the form
// lm-evaluation-harness builds (the harness's tasks use the same builder, eval/task.h):
//
//   description + Σ over the shots (input + target_delimiter + output + fewshot_delimiter) + query
//
// with the harness's default delimiters: target_delimiter " ", fewshot_delimiter "\n\n";
// the description (default none) is taken verbatim; a shot with an empty output adds its
// input alone (the harness does the same). The pool is JSONL, one
// {"input": …, "output": …} a line (strings; FormatError naming FILE:LINE otherwise).
//
// Choosing the K shots for a query (pool entries whose input equals the query are never
// shown):
//   random   CPython's random.Random(seed).sample(pool, K) (eval/py_random.h), as the
//            harness samples (K + the entries left out, which are then dropped): the same
//            seed gives the same shots;
//   similar  the K pool inputs with the best BM25 score against the query
//            (augment/bm25_index.h), the most similar last, next to the query; when fewer
//            than K share a term with it, the rest are drawn as `random` draws them.
// K larger than the usable pool is an Error.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lmf::augment {

class Bm25Index;

struct FewshotExample {
  std::string input, output;
};

struct FewshotFormat {
  std::string description;
  std::string target_delimiter = " ";
  std::string fewshot_delimiter = "\n\n";
};

// The prompt for `query` after `shots` (in order).
std::string fewshot_prompt(const FewshotFormat& f, const std::vector<const FewshotExample*>& shots, std::string_view query);

enum class FewshotSelect { kRandom, kSimilar };
FewshotSelect parse_fewshot_select(std::string_view name);  // "random" | "similar"

class FewshotPool {
 public:
  explicit FewshotPool(std::vector<FewshotExample> examples);
  static FewshotPool read(const std::string& path);
  ~FewshotPool();
  FewshotPool(FewshotPool&&) noexcept;

  size_t size() const { return examples_.size(); }
  std::vector<const FewshotExample*> select(std::string_view query, int64_t k, FewshotSelect how, uint64_t seed) const;

 private:
  std::vector<FewshotExample> examples_;
  mutable std::unique_ptr<Bm25Index> index_;  // over the inputs, built on the first similar selection
};

// What the --num-fewshot flags ask for: each query becomes its few-shot prompt.
struct FewshotOptions {
  int64_t k = 0;
  std::string pool;  // JSONL path; needed when k > 0
  FewshotSelect select = FewshotSelect::kRandom;
  uint64_t seed = 1234;
  FewshotFormat format;
};

class FewshotPrompter {
 public:
  explicit FewshotPrompter(const FewshotOptions& o);  // reads the pool when k > 0
  ~FewshotPrompter();
  std::string prompt(std::string_view query) const;  // the query itself when k == 0

 private:
  FewshotOptions o_;
  std::unique_ptr<FewshotPool> pool_;
};

}  // namespace lmf::augment
