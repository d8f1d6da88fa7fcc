// Grounded generation: a question answered from retrieved sources. The prompt numbers the
// sources and asks for citations; the reply cites them as [1], [2]; a reply that finds no
// answer in them says kNotInSources. `generate --rag`, `chat --rag`, `serve --rag` and the
// instruction data of `lmforge data rag-sft` all build the prompt here, so a model tuned on
// that data sees at run time exactly the form it was taught.
//
// The prompt (the user message; sources in retrieval order, each chunk's text trimmed):
//
//   Answer the question from the sources below and cite them as [1], [2].
//   If they do not contain the answer, reply: The answer is not in the sources.
//
//   Sources:
//   [1] <text of the first source>
//   [2] <text of the second source>
//
//   Question: <question>
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "augment/rag_index.h"

namespace lmf::augment {

inline constexpr const char* kNotInSources = "The answer is not in the sources.";

std::string grounded_prompt(std::string_view question, const std::vector<std::string>& sources);

// The source numbers a reply cites ("[n]" with 1 <= n <= count), in order of first citation.
std::vector<int> cited_sources(std::string_view reply, int count);

// A question with its retrieved sources, ready to generate from. The sources point into the
// index: keep it alive while the Grounding is used.
struct Grounding {
  std::string prompt;
  std::vector<RagHit> sources;  // [n-1] is source n
};

// Retrieves the k best chunks for `question` (the index's default mode) and builds the prompt.
Grounding ground(const RagIndex& index, std::string_view question, int k);

// {"reply", "citations": [the cited sources], "sources": [every retrieved source]}, each
// source {"n", "id", "chunk", "start", "end", "score", "text"}: what --json prints.
nlohmann::json grounded_reply_json(const std::string& reply, const Grounding& g);

}  // namespace lmf::augment
