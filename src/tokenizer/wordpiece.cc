// WordPiece model and decoder (see wordpiece.h).
#include "tokenizer/wordpiece.h"

#include <algorithm>

#include "core/error.h"
#include "core/utf8.h"

namespace lmf::tok {

WordPieceModel::WordPieceModel(std::vector<std::string> tokens, const std::string& unk, std::string prefix,
                               size_t max_input_chars_per_word)
    : tokens_(std::move(tokens)), prefix_(std::move(prefix)), max_chars_(max_input_chars_per_word) {
  ids_.reserve(tokens_.size());
  for (size_t id = 0; id < tokens_.size(); ++id) {
    if (tokens_[id].empty()) continue;
    ids_.emplace(tokens_[id], TokenId(id));
    max_token_bytes_ = std::max(max_token_bytes_, tokens_[id].size());
  }
  int64_t u = find(unk);
  if (u < 0) throw Error("the unk token '" + unk + "' is not in the vocabulary");
  unk_id_ = TokenId(u);
}

int64_t WordPieceModel::find(std::string_view token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? -1 : int64_t(it->second);
}

void WordPieceModel::encode_word(std::string_view word, std::vector<TokenId>& out) const {
  if (utf8_code_points(word) > max_chars_) {
    out.push_back(unk_id_);
    return;
  }
  const size_t before = out.size();
  thread_local std::string key;
  for (size_t start = 0; start < word.size();) {
    // Longest piece first: ends from the longest a token can be down to one character.
    size_t lead = start > 0 ? prefix_.size() : 0;
    size_t end = word.size();
    if (end - start + lead > max_token_bytes_) {
      end = start + (max_token_bytes_ > lead ? max_token_bytes_ - lead : 0);
      while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) --end;  // a character boundary
    }
    int64_t id = -1;
    for (; end > start; ) {
      std::string_view piece = word.substr(start, end - start);
      if (start > 0) {
        key.assign(prefix_);
        key.append(piece);
        piece = key;
      }
      id = find(piece);
      if (id >= 0) break;
      do --end;
      while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
    }
    if (id < 0) {
      out.resize(before);
      out.push_back(unk_id_);
      return;
    }
    out.push_back(TokenId(id));
    start = end;
  }
}

std::string cleanup_tokenization(std::string s) {
  static const std::pair<const char*, const char*> kRules[] = {
      {" .", "."},     {" ?", "?"},     {" !", "!"},     {" ,", ","},           {" ' ", "'"},    {" n't", "n't"},
      {" 'm", "'m"},   {" do not", " don't"},            {" 's", "'s"},         {" 've", "'ve"}, {" 're", "'re"}};
  for (auto [from, to] : kRules) {
    std::string_view f(from), t(to);
    if (s.find(f) == std::string::npos) continue;
    std::string out;
    size_t pos = 0;
    for (size_t hit; (hit = s.find(f, pos)) != std::string::npos; pos = hit + f.size()) {
      out.append(s, pos, hit - pos);
      out.append(t);
    }
    out.append(s, pos);
    s.swap(out);
  }
  return s;
}

std::string WordPieceDecoder::decode(const std::vector<const std::string*>& tokens) const {
  std::string out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = *tokens[i];
    if (!present) {
      if (i) out.push_back(' ');
      out += t;
      continue;
    }
    std::string piece;
    if (i == 0) piece = t;
    else if (t.compare(0, prefix.size(), prefix) == 0) piece = t.substr(prefix.size());
    else piece = " " + t;
    out += cleanup ? cleanup_tokenization(std::move(piece)) : piece;
  }
  return out;
}

}  // namespace lmf::tok
