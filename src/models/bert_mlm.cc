// BERT's masking, training windows and pseudo-log-likelihood.
#include "models/bert_mlm.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/autograd.h"
#include "core/ops/embedding.h"
#include "core/ops/loss.h"
#include "core/random.h"

#include <nlohmann/json.hpp>

namespace lmf::models {
namespace {

// One Philox key per (seed, step, purpose), scrambled so that nearby steps share nothing.
uint64_t step_key(uint64_t seed, int64_t step, uint64_t purpose) {
  SplitMix64 g{seed ^ (uint64_t(step) * 0x9E3779B97F4A7C15ull) ^ (purpose << 56)};
  g.next();
  return g.next();
}

}  // namespace

BertSpecialIds bert_special_ids(const tok::Tokenizer& tk, const std::string& where) {
  BertSpecialIds s;
  auto id = [&](const char* t) {
    std::optional<TokenId> v = tk.token_id(t);
    if (!v)
      throw Error(where + ": the tokenizer has no " + t +
                  " token; BERT needs [CLS], [SEP], [MASK] and [PAD] (e.g. `lmforge tokenizer train --special "
                  "\"[PAD]\" --special \"[UNK]\" --special \"[CLS]\" --special \"[SEP]\" --special \"[MASK]\" ...`)");
    return int32_t(*v);
  };
  s.cls = id("[CLS]");
  s.sep = id("[SEP]");
  s.mask = id("[MASK]");
  s.pad = id("[PAD]");
  for (const tok::SpecialToken& t : tk.special_tokens())
    if (t.special) s.all.push_back(int32_t(t.id));
  for (int32_t v : {s.cls, s.sep, s.mask, s.pad})
    if (std::find(s.all.begin(), s.all.end(), v) == s.all.end()) s.all.push_back(v);
  std::sort(s.all.begin(), s.all.end());
  return s;
}

tok::Tokenizer with_bert_special_tokens(const tok::Tokenizer& tk) {
  std::vector<const char*> missing;
  for (const char* t : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"})
    if (!tk.token_id(t)) missing.push_back(t);
  if (missing.empty()) return tk;
  nlohmann::json j = nlohmann::json::parse(tk.to_hf_json());
  if (!j.contains("added_tokens") || !j["added_tokens"].is_array()) j["added_tokens"] = nlohmann::json::array();
  int64_t next = int64_t(tk.vocab_size());
  for (const char* t : missing)
    j["added_tokens"].push_back({{"id", next++}, {"content", t}, {"single_word", false}, {"lstrip", false},
                                 {"rstrip", false}, {"normalized", false}, {"special", true}});
  return tok::Tokenizer::from_hf_json(j.dump(), tk.name());
}

MlmBatch mask_tokens(const Tensor& ids, const BertSpecialIds& specials, int64_t vocab_size, uint64_t seed,
                     int64_t step, const MlmOptions& opt) {
  LMF_CHECK_SHAPE(ids.dtype() == DType::I32 && ids.dim() == 2, "mask_tokens", "ids must be (B, T) i32, got " + ids.str());
  const int64_t n = ids.numel();
  MlmBatch b{Tensor::empty(ids.shape(), DType::I32), Tensor::empty(ids.shape(), DType::I32)};
  const int32_t* src = ids.contiguous().data<int32_t>();
  int32_t* in = b.inputs.data<int32_t>();
  int32_t* lab = b.labels.data<int32_t>();
  const uint64_t key = step_key(seed, step, 1);
  for (int64_t i = 0; i < n; ++i) {
    in[i] = src[i];
    lab[i] = -100;
    if (std::binary_search(specials.all.begin(), specials.all.end(), src[i])) continue;
    if (Philox::uniform_at(key, uint64_t(3 * i)) >= opt.mask_prob) continue;
    lab[i] = src[i];
    ++b.chosen;
    if (Philox::uniform_at(key, uint64_t(3 * i + 1)) < opt.replace_mask) {
      in[i] = specials.mask;
      ++b.masked;
    } else if (Philox::uniform_at(key, uint64_t(3 * i + 2)) < opt.replace_random) {
      // A fresh draw for the id: the one above decided "random" (it is < replace_random).
      const float u = Philox::uniform_at(step_key(seed, step, 2), uint64_t(i));
      in[i] = int32_t(std::min<int64_t>(vocab_size - 1, int64_t(double(u) * double(vocab_size))));
      ++b.randomized;
    }
  }
  return b;
}

Tensor mlm_windows(std::span<const int32_t> stream, int64_t B, int64_t seq, const BertSpecialIds& specials,
                   uint64_t seed, int64_t step) {
  const int64_t N = int64_t(stream.size());
  if (N < seq)
    throw Error("the token stream holds " + std::to_string(N) + " ids, fewer than a sequence of " + std::to_string(seq));
  Tensor out = Tensor::empty({B, seq + 2}, DType::I32);
  int32_t* o = out.data<int32_t>();
  const uint64_t key = step_key(seed, step, 3);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t start = std::min<int64_t>(N - seq, int64_t(double(Philox::uniform_at(key, uint64_t(b))) * double(N - seq + 1)));
    int32_t* row = o + b * (seq + 2);
    row[0] = specials.cls;
    std::copy(stream.begin() + start, stream.begin() + start + seq, row + 1);
    row[seq + 1] = specials.sep;
  }
  return out;
}

double PseudoLogLikelihood::pseudo_perplexity() const {
  return tokens > 0 ? std::exp(-log_likelihood / double(tokens)) : 0.0;
}

double PseudoLogLikelihood::bits_per_byte() const {
  return bytes > 0 ? -log_likelihood / (std::numbers::ln2 * double(bytes)) : 0.0;
}

PseudoLogLikelihood pseudo_log_likelihood(const Bert& model, std::span<const int32_t> stream, int64_t seq,
                                          int64_t max_tokens, const BertSpecialIds& specials, const tok::Tokenizer* tk,
                                          int64_t batch) {
  autograd::NoGradGuard ng;
  const int64_t N = int64_t(stream.size()), C = model.config().hidden_size, T = seq + 2;
  if (seq < 1 || N < seq)
    throw Error("pseudo-perplexity: the token stream holds " + std::to_string(N) + " ids, fewer than a window of " +
                std::to_string(seq));
  const int64_t windows = std::max<int64_t>(1, std::min(N / seq, (max_tokens + seq - 1) / seq));
  const int64_t total = std::min(windows * seq, std::max<int64_t>(1, max_tokens));
  PseudoLogLikelihood r;
  for (int64_t w = 0; w * seq < total; ++w) {
    const int64_t len = std::min(seq, total - w * seq);  // positions of this window scored
    std::vector<int32_t> row(static_cast<size_t>(T));
    row[0] = specials.cls;
    std::copy(stream.begin() + w * seq, stream.begin() + (w + 1) * seq, row.begin() + 1);
    row[size_t(T - 1)] = specials.sep;
    for (int64_t p0 = 0; p0 < len; p0 += batch) {
      const int64_t k = std::min(batch, len - p0);
      std::vector<int32_t> ids, at, targets;
      for (int64_t j = 0; j < k; ++j) {
        const int64_t pos = 1 + p0 + j;  // in the wrapped window
        std::vector<int32_t> masked = row;
        masked[size_t(pos)] = specials.mask;
        ids.insert(ids.end(), masked.begin(), masked.end());
        at.push_back(int32_t(j * T + pos));
        targets.push_back(row[size_t(pos)]);
      }
      const Tensor h = model.encode({Tensor::from_ints(ids, {k, T}), {}, {}});  // (k, T, C)
      const Tensor rows = embedding(Tensor::from_ints(at, {k}), h.reshape({k * T, C}));
      const std::vector<float> lp = token_logprobs(model.mlm_logits(rows), Tensor::from_ints(targets, {k})).to_vector();
      for (float v : lp) r.log_likelihood += double(v);
      r.tokens += k;
    }
  }
  if (tk) {
    std::vector<TokenId> scored(stream.begin(), stream.begin() + r.tokens);
    r.bytes = int64_t(tk->decode_bytes(scored).size());
  }
  return r;
}

}  // namespace lmf::models
