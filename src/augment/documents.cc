#include "augment/documents.h"

#include <algorithm>
#include <set>

#include "core/error.h"
#include "core/utf8.h"
#include "io/atomic_file.h"
#include "io/jsonl.h"

namespace lmf::augment {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

std::vector<Document> read_jsonl(const fs::path& path) {
  std::vector<Document> docs;
  io::for_each_jsonl_line(path.string(), [&](const std::string& line, int64_t n, const std::string& where) {
    json obj;
    try {
      obj = json::parse(line);
    } catch (const json::parse_error& e) {
      throw FormatError(where + ": not valid JSON (" + e.what() + ")");
    }
    if (!obj.is_object()) throw FormatError(where + ": expected a JSON object with a `text` field");
    auto text = obj.find("text");
    if (text == obj.end()) throw FormatError(where + ": missing field `text`");
    if (!text->is_string()) throw FormatError(where + ": field `text` must be a string");
    Document d;
    d.text = text->get<std::string>();
    if (blank(d.text)) throw FormatError(where + ": empty document (field `text` has no text)");
    auto id = obj.find("id");
    if (id != obj.end()) {
      if (!id->is_string() && !id->is_number_integer())
        throw FormatError(where + ": field `id` must be a string or an integer");
      d.id = *id;
    } else {
      d.id = n - 1;
    }
    obj.erase("text");
    obj.erase("id");
    d.metadata = std::move(obj);
    d.where = where;
    docs.push_back(std::move(d));
  });
  return docs;
}

std::vector<Document> read_folder(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(dir)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".txt" || ext == ".md")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw FormatError(dir.string() + ": no .txt or .md files");
  std::vector<Document> docs;
  for (const fs::path& f : files) {
    Document d;
    d.text = io::read_file(f.string());
    d.where = f.string();
    if (const size_t bad = utf8_valid_prefix(d.text); bad != d.text.size())
      throw FormatError(f.string() + ": invalid UTF-8 at byte " + std::to_string(bad));
    if (blank(d.text)) throw FormatError(f.string() + ": empty document");
    d.id = fs::relative(f, dir).generic_string();
    d.metadata = json::object();
    docs.push_back(std::move(d));
  }
  return docs;
}

}  // namespace

std::string id_text(const json& id) { return id.dump(); }

std::vector<Document> read_documents(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw FormatError(path.string() + ": no such file or folder");
  std::vector<Document> docs = fs::is_directory(path) ? read_folder(path) : read_jsonl(path);
  std::set<json> seen;
  for (const Document& d : docs)
    if (!seen.insert(d.id).second) throw FormatError(d.where + ": document id " + id_text(d.id) + " given twice");
  return docs;
}

}  // namespace lmf::augment
