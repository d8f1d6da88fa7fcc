#include "tools/retrieve_tool.h"

#include <algorithm>

#include "core/error.h"

namespace lmf::tools {

void add_retrieve_tool(ToolRegistry& registry, const augment::RagIndex& index) {
  const nlohmann::json definition = {
      {"type", "function"},
      {"function",
       {{"name", "retrieve"},
        {"description", "Search the document index; returns the best passages with their ids"},
        {"parameters",
         {{"type", "object"},
          {"properties",
           {{"query", {{"type", "string"}, {"description", "what to search for"}}},
            {"k", {{"type", "integer"}, {"description", "how many passages (1 to 20, default 4)"}}}}},
          {"required", {"query"}},
          {"additionalProperties", false}}}}}};
  registry.add(definition, [&index](const nlohmann::json& args) {
    const std::string query = args.at("query").get<std::string>();
    const double k = args.contains("k") ? args["k"].get<double>() : kRetrieveDefaultK;
    if (k < 1 || k > kRetrieveMaxK)
      return ToolResult::failure("k must be from 1 to " + std::to_string(kRetrieveMaxK) + ", got " +
                                 nlohmann::json(args["k"]).dump());
    if (query.find_first_not_of(" \t\r\n") == std::string::npos) return ToolResult::failure("the query is empty");
    nlohmann::json hits = nlohmann::json::array();
    for (const augment::RagHit& h : index.query(query, int(k)))
      hits.push_back({{"id", h.doc->id}, {"chunk", h.chunk}, {"text", std::string(h.text())}});
    return ToolResult::success(hits);
  });
}

ToolRegistry registry_with_retrieve(const std::vector<std::string>& specs, const augment::RagIndex* index) {
  std::vector<std::string> others;
  std::copy_if(specs.begin(), specs.end(), std::back_inserter(others), [](const std::string& s) { return s != "retrieve"; });
  ToolRegistry r = ToolRegistry::from_specs(others);
  if (others.size() < specs.size()) {
    if (!index) throw Error("--tools retrieve needs a retrieval index: --rag INDEX");
    add_retrieve_tool(r, *index);
  }
  return r;
}

}  // namespace lmf::tools
