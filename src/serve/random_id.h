// Identifiers of responses and tool calls: a prefix ("chatcmpl-", "cmpl-", "call_") and 24
// random hex digits, as OpenAI's look.
#pragma once
#include <random>
#include <string>

namespace lmf::serve {

inline std::string random_id(const char* prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string s = prefix;
  for (int i = 0; i < 24; ++i) s += hex[rng() % 16];
  return s;
}

}  // namespace lmf::serve
