#include "data/wordnet.h"

#include <fstream>
#include <sstream>

#include "core/error.h"

namespace lmf::data {

std::vector<WordNetSynset> read_wordnet(const std::string& dir, const std::string& pos) {
  const std::string path = dir + "/data." + pos;
  std::ifstream in(path);
  if (!in) throw Error("cannot open " + path + " (Debian package wordnet-base)");
  std::vector<WordNetSynset> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == ' ') continue;
    const size_t bar = line.find(" | ");
    if (bar == std::string::npos) continue;
    std::istringstream f(line.substr(0, bar));
    std::string offset, lex, type, count_hex;
    if (!(f >> offset >> lex >> type >> count_hex)) continue;
    size_t count = 0;
    try {
      count = std::stoul(count_hex, nullptr, 16);
    } catch (const std::exception&) {
      continue;
    }
    WordNetSynset s;
    std::string word, lex_id;
    for (size_t i = 0; i < count && f >> word >> lex_id; ++i) {
      if (const size_t paren = word.find('('); paren != std::string::npos && word.back() == ')') word.erase(paren);
      s.words.push_back(word);
    }
    if (s.words.size() != count || count == 0) continue;
    s.definition = line.substr(bar + 3);
    s.definition = s.definition.substr(0, s.definition.find(';'));
    while (!s.definition.empty() && s.definition.back() == ' ') s.definition.pop_back();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace lmf::data
