// The built-in `retrieve` tool: searches a retrieval index (augment/rag_index.h, what
// `lmforge rag index` builds) and gives the model the best chunks.
//
//   {"type": "function", "function": {"name": "retrieve",
//     "description": "Search the document index; returns the best passages with their ids",
//     "parameters": {"type": "object",
//                    "properties": {"query": {"type": "string", ...}, "k": {"type": "integer", ...}},
//                    "required": ["query"], "additionalProperties": false}}}
//
// Result: {"result": [{"id": DOC-ID, "chunk": N, "text": CHUNK}, ...]}, best first, at most
// k (default 4) entries, in the index's default retrieval mode (hybrid with dense vectors,
// else BM25). A k outside [1, 20] or an empty query is an error result; a query that finds
// nothing gives an empty list.
#pragma once
#include <string>
#include <vector>

#include "augment/rag_index.h"
#include "tools/tool_registry.h"

namespace lmf::tools {

inline constexpr int kRetrieveDefaultK = 4, kRetrieveMaxK = 20;

// Declares `retrieve` in `registry`, answering from `index` (which must outlive it).
void add_retrieve_tool(ToolRegistry& registry, const augment::RagIndex& index);

// The tools a --tools flag names, with `retrieve` among them answering from `index`
// (declared after the others); Error when `retrieve` is named without an index.
ToolRegistry registry_with_retrieve(const std::vector<std::string>& specs, const augment::RagIndex* index);

}  // namespace lmf::tools
