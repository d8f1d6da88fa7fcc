#include "data/brown.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "io/atomic_file.h"

namespace lmf::data {
namespace {

bool attaches_left(const std::string& w) {
  static const char* const kLeft[] = {",", ".", ";", ":", "?", "!", ")", "'s", "n't", "'", "''", "'re", "'ll", "'d", "'ve", "'m"};
  for (const char* s : kLeft)
    if (w == s) return true;
  return false;
}

}  // namespace

std::string brown_to_text(const std::string& tagged) {
  std::ostringstream out;
  std::istringstream lines(tagged);
  std::string line;
  bool first_para = true;
  while (std::getline(lines, line)) {
    std::istringstream toks(line);
    std::string tok, para;
    bool glue_next = false;  // after an opening quote or bracket
    while (toks >> tok) {
      size_t slash = tok.rfind('/');
      std::string w = slash == std::string::npos || slash == 0 ? tok : tok.substr(0, slash);
      bool left = attaches_left(w);
      if (w == "``") w = "\"";
      if (w == "''") w = "\"";
      if (!para.empty() && !left && !glue_next) para += ' ';
      para += w;
      glue_next = (tok.rfind("``/", 0) == 0) || w == "(";
    }
    if (para.empty()) continue;
    if (!first_para) out << '\n';
    out << para;
    first_para = false;
  }
  return out.str();
}

std::vector<BrownDocument> read_brown_corpus(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<BrownDocument> docs;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    // Document files are two letters and two digits: ca01 … cr09.
    if (name.size() != 4 || name[0] != 'c' || !std::islower(static_cast<unsigned char>(name[1])) ||
        !std::isdigit(static_cast<unsigned char>(name[2])) || !std::isdigit(static_cast<unsigned char>(name[3])))
      continue;
    docs.push_back({name, brown_to_text(io::read_file(e.path().string()))});
  }
  if (ec) throw FormatError("cannot read the Brown corpus directory " + dir + ": " + ec.message());
  if (docs.empty()) throw FormatError(dir + " holds no Brown corpus files (ca01 … cr09)");
  std::sort(docs.begin(), docs.end(), [](auto& a, auto& b) { return a.id < b.id; });
  return docs;
}

size_t write_brown_corpus(const std::vector<BrownDocument>& docs, const std::string& path) {
  const bool jsonl = path.size() >= 6 && path.compare(path.size() - 6, 6, ".jsonl") == 0;
  size_t bytes = 0;
  io::write_file_atomic(path, [&](std::ostream& os) {
    for (size_t i = 0; i < docs.size(); ++i) {
      if (jsonl)
        os << nlohmann::json{{"id", docs[i].id}, {"text", docs[i].text}}.dump() << '\n';
      else
        os << (i ? "\n\n" : "") << docs[i].text;
      bytes += docs[i].text.size();
    }
  });
  return bytes;
}

}  // namespace lmf::data
