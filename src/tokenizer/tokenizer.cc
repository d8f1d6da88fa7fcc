// Encoding and decoding for every Tokenizer, whatever format it was loaded from.
#include "tokenizer/tokenizer.h"

#include <omp.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/threads.h"
#include "io/atomic_file.h"
#include "tokenizer/tokenizer_impl.h"
#include "core/utf8.h"
#include "tokenizer/word_cache.h"
#include "tokenizer/wordpiece_pipeline.h"

namespace lmf::tok {

// ---- SpecialMatcher ----

void SpecialMatcher::build(const std::vector<SpecialToken>& specials) {
  nodes_.assign(1, Node{});
  std::fill(std::begin(first_), std::end(first_), false);
  single_first_ = -1;
  bool mixed = false;
  for (size_t k = 0; k < specials.size(); ++k) {
    const std::string& s = specials[k].content;
    if (s.empty()) continue;
    unsigned char f = static_cast<unsigned char>(s[0]);
    first_[f] = true;
    if (single_first_ < 0 && !mixed) single_first_ = f;
    else if (single_first_ != f) mixed = true, single_first_ = -1;
    uint32_t node = 0;
    for (unsigned char c : s) {
      uint32_t next = 0;
      for (auto& [ch, idx] : nodes_[node].kids)
        if (ch == c) next = idx;
      if (!next) {
        next = uint32_t(nodes_.size());
        nodes_[node].kids.emplace_back(c, next);
        nodes_.emplace_back();
      }
      node = next;
    }
    if (nodes_[node].token < 0) nodes_[node].token = int32_t(k);
  }
}

bool SpecialMatcher::find(std::string_view text, size_t from, size_t& pos, size_t& len, size_t& index) const {
  if (empty()) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  for (size_t i = from; i < n; ++i) {
    if (single_first_ >= 0) {
      const void* hit = std::memchr(p + i, single_first_, n - i);
      if (!hit) return false;
      i = size_t(static_cast<const unsigned char*>(hit) - p);
    } else if (!first_[p[i]]) {
      continue;
    }
    uint32_t node = 0;
    int32_t best = -1;
    size_t best_len = 0;
    for (size_t j = i; j < n; ++j) {
      uint32_t next = 0;
      for (auto& [ch, idx] : nodes_[node].kids)
        if (ch == p[j]) next = idx;
      if (!next) break;
      node = next;
      if (nodes_[node].token >= 0) best = nodes_[node].token, best_len = j + 1 - i;
    }
    if (best >= 0) {
      pos = i;
      len = best_len;
      index = size_t(best);
      return true;
    }
  }
  return false;
}

// ---- Impl ----

std::shared_ptr<Tokenizer::Impl> make_impl() {
  static std::atomic<uint64_t> next_uid{1};
  auto impl = std::make_shared<Tokenizer::Impl>();
  impl->uid = next_uid++;
  return impl;
}

void Tokenizer::Impl::finish() {
  std::vector<std::shared_ptr<const Regex>> regexes;
  for (auto& p : patterns) regexes.push_back(std::make_shared<Regex>(p));
  pre = Pretokenizer(std::move(regexes));
  matcher.build(specials);
  size_t n = std::max(bpe.size(), wordpiece ? wordpiece->model().size() : 0);
  for (auto& s : specials) {
    if (s.id < 0) throw FormatError(name + ": special token '" + s.content + "' has a negative id " + std::to_string(s.id));
    n = std::max(n, size_t(s.id) + 1);
  }
  id_bytes.assign(n, nullptr);
  for (size_t id = 0; id < bpe.size(); ++id)
    if (!bpe.bytes(uint32_t(id)).empty()) id_bytes[id] = &bpe.bytes(uint32_t(id));
  if (wordpiece)
    for (size_t id = 0; id < wordpiece->model().size(); ++id)
      if (!wordpiece->model().token(TokenId(id)).empty()) id_bytes[id] = &wordpiece->model().token(TokenId(id));
  special_ids.assign(n, false);
  for (auto& s : specials) {
    const std::string*& slot = id_bytes[size_t(s.id)];
    if (slot && *slot != s.content)
      throw FormatError(name + ": special token '" + s.content + "' has id " + std::to_string(s.id) +
                        ", which is already the token '" + *slot + "'");
    slot = &s.content;
    if (s.special) special_ids[size_t(s.id)] = true;
  }
}

// ---- per-thread word caches ----

namespace {

WordCache& thread_cache(uint64_t uid) {
  struct Entry {
    uint64_t uid;
    std::unique_ptr<WordCache> cache;
  };
  thread_local std::vector<Entry> caches;
  for (auto& e : caches)
    if (e.uid == uid) return *e.cache;
  if (caches.size() >= 4) caches.erase(caches.begin());  // the oldest goes
  caches.push_back({uid, std::make_unique<WordCache>()});
  return *caches.back().cache;
}

void encode_plain(const Tokenizer::Impl& im, std::string_view text, std::vector<TokenId>& out) {
  if (text.empty()) return;
  std::string prefixed;
  if (im.add_prefix_space && text[0] != ' ') {
    prefixed.reserve(text.size() + 1);
    prefixed.push_back(' ');
    prefixed.append(text);
    text = prefixed;
  }
  thread_local std::vector<std::pair<uint32_t, uint32_t>> pieces;
  pieces.clear();
  im.pre.split(text, pieces);
  WordCache& cache = thread_cache(im.uid);
  const BpeModel& bpe = im.bpe;
  for (auto [b, e] : pieces) {
    std::string_view piece = text.substr(b, e - b);
    if (piece.size() == 1) {
      uint32_t t = bpe.byte_token(static_cast<unsigned char>(piece[0]));
      if (t != kNoToken) out.push_back(TokenId(t));
      continue;
    }
    if (piece.size() > WordCache::kMaxPieceLen) {
      bpe.encode_piece(piece, out);
      continue;
    }
    uint64_t h = XXH3_64bits(piece.data(), piece.size());
    if (cache.lookup(piece, h, out)) continue;
    size_t before = out.size();
    bpe.encode_piece(piece, out);
    cache.insert(piece, h, out.data() + before, out.size() - before);
  }
}

}  // namespace

// ---- Tokenizer ----

Tokenizer Tokenizer::load(const std::string& spec) {
  if (spec.rfind("tiktoken:", 0) == 0) return from_tiktoken(spec.substr(9));
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string path = spec;
  if (fs::is_directory(spec, ec)) {
    path = (fs::path(spec) / "tokenizer.json").string();
    if (!fs::exists(path, ec)) throw FormatError("tokenizer directory " + spec + " holds no tokenizer.json");
  } else if (!fs::exists(spec, ec)) {
    throw FormatError("unknown tokenizer '" + spec +
                      "': not tiktoken:NAME, nor a directory holding tokenizer.json, nor a tokenizer.json file");
  }
  return from_hf_json(io::read_file(path), path);
}

void Tokenizer::encode_append(std::string_view text, bool allow_special, std::vector<TokenId>& out) const {
  const Impl& im = *impl_;
  if (im.wordpiece) {
    im.wordpiece->encode(text, allow_special, out);
    return;
  }
  if (!allow_special || im.matcher.empty()) {
    encode_plain(im, text, out);
    return;
  }
  size_t start = 0, pos, len, index;
  while (im.matcher.find(text, start, pos, len, index)) {
    encode_plain(im, text.substr(start, pos - start), out);
    out.push_back(im.specials[index].id);
    start = pos + len;
  }
  encode_plain(im, text.substr(start), out);
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool allow_special) const {
  std::vector<TokenId> out;
  out.reserve(text.size() / 3 + 8);
  encode_append(text, allow_special, out);
  return out;
}

std::vector<std::vector<TokenId>> Tokenizer::encode_batch(const std::vector<std::string_view>& texts,
                                                          bool allow_special, int threads) const {
  std::vector<std::vector<TokenId>> out(texts.size());
  if (threads <= 0) threads = lmf::threads::get();
  threads = int(std::min<size_t>(size_t(threads), std::max<size_t>(texts.size(), 1)));
  // Errors inside the parallel region are carried out of it and rethrown.
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t i = 0; i < texts.size(); ++i) {
    try {
      out[i] = encode(texts[i], allow_special);
    } catch (...) {
#pragma omp critical
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  return out;
}

std::vector<std::vector<TokenId>> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                                          bool allow_special, int threads) const {
  std::vector<std::string_view> views(texts.begin(), texts.end());
  return encode_batch(views, allow_special, threads);
}

const std::string& Tokenizer::token_bytes(TokenId id) const {
  if (!is_valid_id(id))
    throw Error("token id " + std::to_string(id) + " is not in the vocabulary of " + impl_->name + " (size " +
                std::to_string(vocab_size()) + ")");
  return *impl_->id_bytes[size_t(id)];
}

void Tokenizer::check_ids(std::span<const TokenId> ids) const {
  for (size_t i = 0; i < ids.size(); ++i)
    if (!is_valid_id(ids[i]))
      throw Error("token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                  " is not in the vocabulary of " + impl_->name + " (size " + std::to_string(vocab_size()) + ")");
}

std::string Tokenizer::decode_bytes(std::span<const TokenId> ids) const {
  const Impl& im = *impl_;
  if (im.wordpiece) return decode(ids);
  check_ids(ids);
  size_t total = 0;
  for (TokenId id : ids) total += im.id_bytes[size_t(id)]->size();
  std::string out;
  out.reserve(total);
  for (TokenId id : ids) out += *im.id_bytes[size_t(id)];
  return out;
}

std::string Tokenizer::decode(std::span<const TokenId> ids, bool skip_special) const {
  const Impl& im = *impl_;
  check_ids(ids);
  if (im.wordpiece) {
    std::vector<const std::string*> tokens;
    tokens.reserve(ids.size());
    for (TokenId id : ids)
      if (!skip_special || !im.special_ids[size_t(id)]) tokens.push_back(im.id_bytes[size_t(id)]);
    return im.wordpiece->decode(tokens);
  }
  if (!skip_special) return utf8_lossy(decode_bytes(ids));
  std::vector<TokenId> kept;
  for (TokenId id : ids)
    if (!im.special_ids[size_t(id)]) kept.push_back(id);
  return utf8_lossy(decode_bytes(kept));
}

std::vector<TokenId> Tokenizer::wrap_single(std::span<const TokenId> ids) const {
  std::vector<TokenId> out(impl_->single_prefix);
  out.insert(out.end(), ids.begin(), ids.end());
  out.insert(out.end(), impl_->single_suffix.begin(), impl_->single_suffix.end());
  return out;
}

const std::vector<TokenId>& Tokenizer::single_prefix() const { return impl_->single_prefix; }
const std::vector<TokenId>& Tokenizer::single_suffix() const { return impl_->single_suffix; }
bool Tokenizer::is_wordpiece() const { return impl_->wordpiece != nullptr; }

size_t Tokenizer::vocab_size() const { return impl_->id_bytes.size(); }

bool Tokenizer::is_valid_id(int64_t id) const {
  return id >= 0 && uint64_t(id) < impl_->id_bytes.size() && impl_->id_bytes[size_t(id)];
}

namespace {
constexpr const char* kEotNames[] = {"<|endoftext|>", "<|end_of_text|>", "<|eot_id|>"};
}

bool has_eot_token(const std::vector<std::string>& specials) {
  for (const char* name : kEotNames)
    for (const std::string& s : specials)
      if (s == name) return true;
  return false;
}

std::optional<TokenId> Tokenizer::eot_id() const {
  for (const char* name : kEotNames)
    for (auto& s : impl_->specials)
      if (s.content == name) return s.id;
  return std::nullopt;
}

std::optional<TokenId> Tokenizer::token_id(std::string_view token) const {
  for (auto& s : impl_->specials)
    if (s.content == token) return s.id;
  if (impl_->wordpiece) {
    int64_t wid = impl_->wordpiece->model().find(token);
    return wid >= 0 ? std::optional<TokenId>(TokenId(wid)) : std::nullopt;
  }
  uint32_t id = impl_->bpe.find(token);
  if (id != kNoToken) return id;
  return std::nullopt;
}

const std::vector<SpecialToken>& Tokenizer::special_tokens() const { return impl_->specials; }
const std::string& Tokenizer::name() const { return impl_->name; }
const std::vector<std::string>& Tokenizer::patterns() const { return impl_->patterns; }

void Tokenizer::save_json(const std::string& path) const { io::write_text_atomic(path, to_hf_json()); }

Tokenizer Tokenizer::from_merges(std::vector<std::string> token_bytes,
                                 const std::vector<std::pair<uint32_t, uint32_t>>& merges,
                                 std::vector<SpecialToken> specials, const std::string& pattern,
                                 const std::string& name) {
  auto impl = make_impl();
  impl->name = name;
  impl->patterns = {pattern};
  impl->bpe = BpeModel::from_vocab(std::move(token_bytes), /*ignore_merges=*/false);
  for (size_t k = 0; k < merges.size(); ++k) {
    auto [a, b] = merges[k];
    if (a >= impl->bpe.size() || b >= impl->bpe.size() || !impl->bpe.add_merge(a, b))
      throw Error(name + ": merge " + std::to_string(k) + " (" + std::to_string(a) + ", " + std::to_string(b) +
                  ") does not produce a token of the vocabulary");
  }
  impl->specials = std::move(specials);
  impl->finish();
  return Tokenizer(impl);
}

}  // namespace lmf::tok
