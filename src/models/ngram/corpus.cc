#include "models/ngram/corpus.h"

#include <cstring>
#include <fstream>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "data/token_shard.h"

namespace lmf::ngram {

const char* unit_name(Unit u) { return u == Unit::Word ? "word" : "token"; }

bool is_token_shard(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  int32_t magic = 0;
  if (!in.read(reinterpret_cast<char*>(&magic), sizeof magic)) return false;
  return magic == data::kShardMagic || magic == data::kShardMagicLlmcLlama3;
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

WordId lookup(Vocabulary& vocab, bool grow, std::string_view w, CorpusStats& st) {
  if (grow) return vocab.add(w);
  WordId id = vocab.find(w);
  if (id == kUnk && w != kUnkWord) ++st.oov;
  return id;
}

CorpusStats read_text(const CorpusFile& file, Vocabulary& vocab, bool grow,
                      const std::function<void(std::span<const WordId>)>& fn) {
  std::ifstream in(file.path, std::ios::binary);
  if (!in) throw FormatError(file.path + ": cannot open");
  CorpusStats st;
  std::string line;
  std::vector<std::string_view> words;
  std::vector<WordId> ids;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    words.clear();
    for (size_t i = 0; i < line.size();) {
      while (i < line.size() && is_space(line[i])) ++i;
      size_t j = i;
      while (j < line.size() && !is_space(line[j])) ++j;
      if (j > i) words.emplace_back(line.data() + i, j - i);
      i = j;
    }
    size_t begin = 0, end = words.size();
    if (begin < end && words[begin] == kBosWord) ++begin;
    if (begin < end && words[end - 1] == kEosWord) --end;
    if (begin == end) continue;
    ids.clear();
    for (size_t k = begin; k < end; ++k) {
      if (words[k] == kBosWord || words[k] == kEosWord)
        throw FormatError(file.path + ":" + std::to_string(line_no) + ": " + std::string(words[k]) +
                          " inside a sentence (it may only open or close a line)");
      ids.push_back(lookup(vocab, grow, words[k], st));
    }
    st.sentences += 1;
    st.words += int64_t(ids.size());
    fn(ids);
  }
  if (in.bad()) throw FormatError(file.path + ": read error");
  return st;
}

CorpusStats read_shard(const CorpusFile& file, Vocabulary& vocab, bool grow,
                       const std::function<void(std::span<const WordId>)>& fn) {
  const data::TokenShard shard = data::TokenShard::open(file.path);
  CorpusStats st;
  std::vector<WordId> ids;
  std::vector<WordId> memo;  // token id -> word id + 1 (0: not looked up yet)
  auto flush = [&] {
    if (ids.empty()) return;
    st.sentences += 1;
    st.words += int64_t(ids.size());
    fn(ids);
    ids.clear();
  };
  for (size_t i = 0; i < shard.size(); ++i) {
    const TokenId t = shard[i];
    if (file.eot_id >= 0 && int64_t(t) == file.eot_id) {
      flush();
      continue;
    }
    const size_t k = size_t(uint32_t(t));
    if (k >= memo.size()) memo.resize(k + 1, 0);
    if (memo[k] == 0) {
      CorpusStats probe;
      memo[k] = lookup(vocab, grow, std::to_string(k), probe) + 1;
      if (probe.oov) memo[k] = kUnk + 1 + 0x80000000u;  // remembered as out of vocabulary
    }
    if (memo[k] & 0x80000000u) ++st.oov;
    ids.push_back((memo[k] & 0x7fffffffu) - 1);
  }
  flush();
  return st;
}

}  // namespace

CorpusStats for_each_sentence(const CorpusFile& file, Vocabulary& vocab, bool grow,
                              const std::function<void(std::span<const WordId>)>& fn) {
  return file.unit == Unit::Word ? read_text(file, vocab, grow, fn) : read_shard(file, vocab, grow, fn);
}

}  // namespace lmf::ngram
