#include "data/pipeline/utf8.h"

#include "tokenizer/utf8.h"

namespace lmf::data::pipeline {

size_t find_invalid_utf8(std::string_view s) {
  const size_t valid = tok::utf8_valid_prefix(s);
  return valid == s.size() ? std::string_view::npos : valid;
}

std::string repair_utf8(std::string_view s, size_t* replaced) { return tok::utf8_lossy(s, replaced); }

}  // namespace lmf::data::pipeline
