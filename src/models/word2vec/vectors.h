// Word vectors in word2vec.c's file formats, which gensim, fastText and most tools read:
//   text:   "V D\n", then per word "word v1 v2 ... vD\n" (decimal floats)
//   binary: "V D\n", then per word "word " followed by D little-endian float32 and "\n"
// Writing is atomic (io/atomic_file.h). Reading accepts either format (told apart by the
// first record) and fails with a FormatError naming the file and the record for a
// truncated or malformed file.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace lmf::word2vec {

struct Vectors {
  std::vector<std::string> words;  // (V,)
  int64_t dim = 0;
  std::vector<float> data;  // (V, D) row-major
  std::unordered_map<std::string, int32_t> index;  // first row of each word

  const float* row(int64_t i) const { return data.data() + i * dim; }
  int32_t find(const std::string& w) const;  // -1 when absent
};

// words (V,), data (V, D).
void write_text(const std::string& path, const std::vector<std::string>& words, const float* data, int64_t dim);
void write_binary(const std::string& path, const std::vector<std::string>& words, const float* data, int64_t dim);

Vectors read_vectors(const std::string& path);

}  // namespace lmf::word2vec
