#include "tokenizer/builtin_encodings.h"

#include "tokenizer/tokenizer.h"

// LMFORGE_TIKTOKEN_DIR is the tiktoken package's encoders/ folder (set by CMakeLists.txt).
#ifndef LMFORGE_TIKTOKEN_DIR
#error "LMFORGE_TIKTOKEN_DIR must name the tiktoken encoders folder"
#endif

#define LMF_EMBED(sym, file)                                        \
  __asm__(".section .rodata\n"                                      \
          ".balign 16\n"                                            \
          ".global " #sym "_begin\n" #sym "_begin:\n"               \
          ".incbin \"" LMFORGE_TIKTOKEN_DIR "/" file "\"\n"         \
          ".global " #sym "_end\n" #sym "_end:\n"                   \
          ".byte 0\n"                                               \
          ".previous\n");                                           \
  extern "C" const char sym##_begin[];                              \
  extern "C" const char sym##_end[];

LMF_EMBED(lmf_tiktoken_gpt2, "gpt2.json")
LMF_EMBED(lmf_tiktoken_r50k_base, "r50k_base.json")
LMF_EMBED(lmf_tiktoken_p50k_base, "p50k_base.json")
LMF_EMBED(lmf_tiktoken_p50k_edit, "p50k_edit.json")
LMF_EMBED(lmf_tiktoken_cl100k_base, "cl100k_base.json")
LMF_EMBED(lmf_tiktoken_o200k_base, "o200k_base.json")

namespace lmf::tok {
namespace {
struct Builtin {
  const char* name;
  const char* begin;
  const char* end;
};
const Builtin kBuiltins[] = {
    {"gpt2", lmf_tiktoken_gpt2_begin, lmf_tiktoken_gpt2_end},
    {"r50k_base", lmf_tiktoken_r50k_base_begin, lmf_tiktoken_r50k_base_end},
    {"p50k_base", lmf_tiktoken_p50k_base_begin, lmf_tiktoken_p50k_base_end},
    {"p50k_edit", lmf_tiktoken_p50k_edit_begin, lmf_tiktoken_p50k_edit_end},
    {"cl100k_base", lmf_tiktoken_cl100k_base_begin, lmf_tiktoken_cl100k_base_end},
    {"o200k_base", lmf_tiktoken_o200k_base_begin, lmf_tiktoken_o200k_base_end},
};
}  // namespace

std::string_view builtin_tiktoken_json(const std::string& name) {
  for (auto& b : kBuiltins)
    if (name == b.name) return std::string_view(b.begin, size_t(b.end - b.begin));
  return {};
}

std::vector<std::string> tiktoken_encoding_names() {
  std::vector<std::string> names;
  for (auto& b : kBuiltins) names.push_back(b.name);
  return names;
}

}  // namespace lmf::tok
