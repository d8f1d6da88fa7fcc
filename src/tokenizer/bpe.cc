#include "tokenizer/bpe.h"

#include <xxhash.h>

#include <cstring>
#include <queue>

#include "core/error.h"

namespace lmf::tok {

// ---- BytesMap ----

uint64_t BytesMap::hash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

void BytesMap::reserve(size_t n) {
  size_t cap = 16;
  while (cap < n * 2) cap <<= 1;
  if (cap <= slots_.size()) return;
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(cap, Slot{0, 0, 0, kNoToken});
  mask_ = cap - 1;
  for (const Slot& s : old) {
    if (s.id == kNoToken) continue;
    size_t i = s.hash & mask_;
    while (slots_[i].id != kNoToken) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

void BytesMap::grow() { reserve(slots_.empty() ? 8 : slots_.size()); }

bool BytesMap::insert(std::string_view key, uint32_t id) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  uint64_t h = hash(key);
  size_t i = h & mask_;
  while (slots_[i].id != kNoToken) {
    const Slot& s = slots_[i];
    if (s.hash == h && s.len == key.size() && std::memcmp(arena_.data() + s.off, key.data(), key.size()) == 0)
      return false;
    i = (i + 1) & mask_;
  }
  slots_[i] = Slot{h, uint32_t(arena_.size()), uint32_t(key.size()), id};
  arena_.append(key);
  ++size_;
  return true;
}

uint32_t BytesMap::find(std::string_view key, uint64_t h) const {
  if (slots_.empty()) return kNoToken;
  size_t i = h & mask_;
  while (true) {
    const Slot& s = slots_[i];
    if (s.id == kNoToken) return kNoToken;
    if (s.hash == h && s.len == key.size() && std::memcmp(arena_.data() + s.off, key.data(), key.size()) == 0)
      return s.id;
    i = (i + 1) & mask_;
  }
}

uint32_t BytesMap::find(std::string_view key) const { return find(key, hash(key)); }

// ---- PairMap ----

void PairMap::reserve(size_t n) {
  size_t cap = 16;
  int bits = 4;
  while (cap < n * 2) cap <<= 1, ++bits;
  if (cap <= entries_.size()) return;
  std::vector<Entry> old = std::move(entries_);
  entries_.assign(cap, Entry{});
  mask_ = cap - 1;
  shift_ = 64 - bits;
  for (const Entry& e : old) {
    if (e.key == kEmpty) continue;
    size_t i = slot_of(e.key);
    while (entries_[i].key != kEmpty) i = (i + 1) & mask_;
    entries_[i] = e;
  }
}

void PairMap::grow() { reserve(entries_.empty() ? 8 : entries_.size()); }

void PairMap::insert(uint32_t a, uint32_t b, uint64_t value) {
  if ((size_ + 1) * 2 > entries_.size()) grow();
  uint64_t key = (uint64_t(a) << 32) | b;
  size_t i = slot_of(key);
  while (entries_[i].key != kEmpty) {
    if (entries_[i].key == key) return;
    i = (i + 1) & mask_;
  }
  entries_[i] = Entry{key, value};
  ++size_;
}

// ---- BpeModel ----

void BpeModel::index_bytes() {
  by_bytes_ = BytesMap();
  by_bytes_.reserve(bytes_.size());
  for (size_t id = 0; id < bytes_.size(); ++id) {
    if (bytes_[id].empty()) continue;
    if (!by_bytes_.insert(bytes_[id], uint32_t(id)))
      throw FormatError("token " + std::to_string(id) + " repeats the bytes of token " +
                        std::to_string(by_bytes_.find(bytes_[id])));
  }
  for (int b = 0; b < 256; ++b) {
    char c = char(b);
    byte_token_[b] = by_bytes_.find(std::string_view(&c, 1));
  }
}

BpeModel BpeModel::from_ranks(std::vector<std::string> token_bytes) {
  BpeModel m;
  m.bytes_ = std::move(token_bytes);
  m.ignore_merges_ = true;
  m.rank_is_id_ = true;
  m.index_bytes();
  m.merges_.reserve(m.bytes_.size() * 2);
  for (size_t t = 0; t < m.bytes_.size(); ++t) {
    std::string_view s = m.bytes_[t];
    for (size_t k = 1; k < s.size(); ++k) {
      uint32_t a = m.by_bytes_.find(s.substr(0, k));
      if (a == kNoToken) continue;
      uint32_t b = m.by_bytes_.find(s.substr(k));
      if (b == kNoToken) continue;
      m.merges_.insert(a, b, (uint64_t(t) << 32) | t);
    }
  }
  m.num_merges_ = m.merges_.size();
  return m;
}

BpeModel BpeModel::from_vocab(std::vector<std::string> token_bytes, bool ignore_merges) {
  BpeModel m;
  m.bytes_ = std::move(token_bytes);
  m.ignore_merges_ = ignore_merges;
  m.rank_is_id_ = false;
  m.index_bytes();
  m.merges_.reserve(m.bytes_.size());
  return m;
}

bool BpeModel::add_merge(uint32_t a, uint32_t b) {
  std::string joined = bytes_[a] + bytes_[b];
  uint32_t c = by_bytes_.find(joined);
  if (c == kNoToken) return false;
  merges_.insert(a, b, (uint64_t(num_merges_) << 32) | c);
  ++num_merges_;
  return true;
}

void BpeModel::encode_piece(std::string_view piece, std::vector<TokenId>& out) const {
  if (piece.size() == 1) {
    uint32_t t = byte_token_[static_cast<unsigned char>(piece[0])];
    if (t != kNoToken) out.push_back(t);
    return;
  }
  if (ignore_merges_) {
    uint32_t t = by_bytes_.find(piece);
    if (t != kNoToken) {
      out.push_back(t);
      return;
    }
  }
  if (piece.size() <= 128) merge_small(piece, out);
  else merge_large(piece, out);
}

// Short pieces: tokens and pair ranks in small arrays; each step scans for the lowest rank
// and closes the gap (n is small, so the quadratic scan beats any bookkeeping).
void BpeModel::merge_small(std::string_view piece, std::vector<TokenId>& out) const {
  uint32_t tok[128];
  uint64_t rank[128];
  int n = 0;
  for (unsigned char b : piece) {
    uint32_t t = byte_token_[b];
    if (t != kNoToken) tok[n++] = t;  // bytes missing from the vocabulary are dropped (as HF does)
  }
  for (int i = 0; i + 1 < n; ++i) rank[i] = merges_.find(tok[i], tok[i + 1]);
  while (n > 1) {
    uint64_t best = PairMap::kNone;
    int bi = -1;
    for (int i = 0; i + 1 < n; ++i)
      if (rank[i] < best) best = rank[i], bi = i;
    if (bi < 0) break;
    tok[bi] = uint32_t(best);
    std::memmove(tok + bi + 1, tok + bi + 2, sizeof(uint32_t) * (n - bi - 2));
    std::memmove(rank + bi + 1, rank + bi + 2, sizeof(uint64_t) * (n - bi - 2 > 0 ? n - bi - 2 : 0));
    --n;
    if (bi > 0) rank[bi - 1] = merges_.find(tok[bi - 1], tok[bi]);
    if (bi + 1 < n) rank[bi] = merges_.find(tok[bi], tok[bi + 1]);
  }
  out.insert(out.end(), tok, tok + n);
}

// Long pieces (long runs of spaces, very long words): a linked list of symbols and a
// min-heap of (rank, position) with lazy deletion, O(n log n).
void BpeModel::merge_large(std::string_view piece, std::vector<TokenId>& out) const {
  std::vector<uint32_t> tok;
  tok.reserve(piece.size());
  for (unsigned char b : piece) {
    uint32_t t = byte_token_[b];
    if (t != kNoToken) tok.push_back(t);
  }
  int n = int(tok.size());
  std::vector<int> prev(n), next(n);
  for (int i = 0; i < n; ++i) prev[i] = i - 1, next[i] = i + 1 < n ? i + 1 : -1;
  struct Item {
    uint64_t rank;
    int pos;
    bool operator>(const Item& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  for (int i = 0; i + 1 < n; ++i) {
    uint64_t r = merges_.find(tok[i], tok[i + 1]);
    if (r != PairMap::kNone) heap.push({r, i});
  }
  std::vector<char> alive(n, 1);
  while (!heap.empty()) {
    Item it = heap.top();
    heap.pop();
    int i = it.pos;
    if (!alive[i] || next[i] < 0) continue;
    int j = next[i];
    if (merges_.find(tok[i], tok[j]) != it.rank) continue;  // stale entry
    tok[i] = uint32_t(it.rank);
    alive[j] = 0;
    next[i] = next[j];
    if (next[j] >= 0) prev[next[j]] = i;
    if (prev[i] >= 0) {
      uint64_t r = merges_.find(tok[prev[i]], tok[i]);
      if (r != PairMap::kNone) heap.push({r, prev[i]});
    }
    if (next[i] >= 0) {
      uint64_t r = merges_.find(tok[i], tok[next[i]]);
      if (r != PairMap::kNone) heap.push({r, i});
    }
  }
  for (int i = 0; i >= 0 && i < n; i = next[i]) out.push_back(tok[i]);
}

}  // namespace lmf::tok
