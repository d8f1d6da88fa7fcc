// Documents for a retrieval index, read as `lmforge rag index --docs` takes them:
//   - a JSONL file: one object a line with a non-empty string `text` and an optional `id`
//     (a string or an integer, kept exactly as given; without one, the 0-based line number
//     as an integer); every other field is the document's metadata;
//   - a folder: every .txt and .md file under it (recursively, in path order), the path
//     relative to the folder as the id.
// A bad line or file is a FormatError naming it ("PATH:LINE" or the file and byte offset):
// invalid JSON or UTF-8, a missing or empty `text`, an id of another type, an id given twice.
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lmf::augment {

struct Document {
  nlohmann::json id;        // string or integer
  std::string text;         // valid UTF-8, not empty
  nlohmann::json metadata;  // an object (empty when there is none)
  std::string where;        // "PATH:LINE" or the file, for messages
};

std::vector<Document> read_documents(const std::filesystem::path& path);

// "3" for 3, "\"a.txt\"" for "a.txt": how an id is shown in messages.
std::string id_text(const nlohmann::json& id);

}  // namespace lmf::augment
