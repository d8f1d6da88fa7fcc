#include "infer/json_vocab.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "infer/json_automaton.h"
#include "tokenizer/tokenizer.h"

namespace lmf {
namespace {

// The trie of the tokens `ids` (each with bytes). Sorted strings give it in preorder: each
// token shares with the previous one the nodes of their common prefix and opens new nodes
// for the rest.
JsonVocab::Trie build_trie(const std::vector<std::string>& bytes, std::vector<int32_t> ids) {
  JsonVocab::Trie t;
  std::stable_sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) { return bytes[size_t(a)] < bytes[size_t(b)]; });
  std::vector<int32_t> open;  // node index per depth - 1 along the current path
  const std::string* prev = nullptr;
  auto close_to = [&](size_t depth) {
    while (open.size() > depth) {
      t.nodes[size_t(open.back())].skip = int32_t(t.nodes.size());
      open.pop_back();
    }
  };
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string& s = bytes[size_t(ids[i])];
    size_t common = 0;
    if (prev)
      while (common < std::min(s.size(), open.size()) && s[common] == (*prev)[common]) ++common;
    close_to(common);
    for (size_t d = common; d < s.size(); ++d) {
      open.push_back(int32_t(t.nodes.size()));
      t.nodes.push_back(JsonVocab::TrieNode{uint8_t(s[d]), int32_t(d + 1), 0, int32_t(i), int32_t(i)});
    }
    t.nodes[size_t(open.back())].tokens_end = int32_t(i + 1);  // same bytes as the previous: same node
    prev = &s;
  }
  close_to(0);
  t.ids = std::move(ids);
  return t;
}

}  // namespace

JsonVocab::JsonVocab(std::vector<std::string> token_bytes) : bytes_(std::move(token_bytes)) {
  std::vector<int32_t> all, nonplain;
  std::vector<std::pair<int32_t, int32_t>> plain;  // (chars, id)
  bool seen[256] = {};
  for (size_t id = 0; id < bytes_.size(); ++id) {
    const std::string& b = bytes_[id];
    if (b.empty()) continue;
    max_len_ = std::max(max_len_, int32_t(b.size()));
    if (b.size() == 1) seen[uint8_t(b[0])] = true;
    all.push_back(int32_t(id));
    int64_t chars = JsonMachine::plain_string_chars(b);
    if (chars > 0) plain.emplace_back(int32_t(chars), int32_t(id));
    else nonplain.push_back(int32_t(id));
  }
  all_ = build_trie(bytes_, std::move(all));
  nonplain_ = build_trie(bytes_, std::move(nonplain));
  std::stable_sort(plain.begin(), plain.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (auto& [chars, id] : plain) plain_chars_.push_back(chars), plain_ids_.push_back(id);
  every_byte_ = std::all_of(std::begin(seen), std::end(seen), [](bool b) { return b; });
}

std::shared_ptr<const JsonVocab> JsonVocab::from_tokenizer(const tok::Tokenizer& tokenizer) {
  std::set<int64_t> special;
  for (const auto& s : tokenizer.special_tokens()) special.insert(int64_t(s.id));
  std::vector<std::string> bytes(tokenizer.vocab_size());
  for (size_t id = 0; id < bytes.size(); ++id)
    if (!special.count(int64_t(id)) && tokenizer.is_valid_id(int64_t(id))) bytes[id] = tokenizer.token_bytes(TokenId(id));
  return std::make_shared<const JsonVocab>(std::move(bytes));
}

}  // namespace lmf
