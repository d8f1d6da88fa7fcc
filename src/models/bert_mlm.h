// The masked-language-model objective of BERT (Devlin et al. 2019, §3.1) and its
// evaluation by pseudo-perplexity (Salazar et al. 2020).
//
// Masking (as transformers' DataCollatorForLanguageModeling with mlm_probability 0.15):
// every token that is not a special token is chosen independently with probability 0.15;
// a chosen token becomes [MASK] with probability 0.8, else a uniformly random id in
// [0, vocab_size) with probability 0.5 (10% overall), else stays (10%). Labels are the
// original ids at chosen positions and −100 elsewhere (the loss ignores them). Every draw is
// Philox at (key(seed, step), 3·i + k) for element i of the batch, so the masks depend only on
// (seed, step, the ids), never on earlier steps: a resumed run masks exactly as an
// uninterrupted one.
//
// Pseudo-log-likelihood: PLL(W) = Σ_t log P(w_t | W with w_t masked). Each window of `seq`
// consecutive ids of a token stream is wrapped [CLS] … [SEP] and every one of its positions
// is masked in turn (one forward pass per position, run in batches); the pseudo-perplexity is
// exp(−PLL / tokens) and bits per byte −PLL / (ln 2 · bytes), bytes being the length of the
// text the scored ids decode to (Tokenizer::decode_bytes).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "core/tensor.h"
#include "models/bert.h"
#include "tokenizer/tokenizer.h"

namespace lmf::models {

// The ids of BERT's special tokens in a tokenizer.
struct BertSpecialIds {
  int32_t cls = 0, sep = 0, mask = 0, pad = 0;
  std::vector<int32_t> all;  // every special token of the tokenizer (never chosen for masking)
};
// [CLS], [SEP], [MASK] and [PAD] of `tk`; Error naming `where` and the missing token otherwise.
BertSpecialIds bert_special_ids(const tok::Tokenizer& tk, const std::string& where);
// `tk` with those of [PAD], [UNK], [CLS], [SEP], [MASK] that it lacks added as special tokens
// (HF added tokens) at the ids after its last one, in that order; `tk` itself when it has
// them all. Ids the tokenizer already gives keep their meaning, so its token shards stay valid.
tok::Tokenizer with_bert_special_tokens(const tok::Tokenizer& tk);

struct MlmOptions {
  double mask_prob = 0.15;    // chosen tokens
  double replace_mask = 0.8;  // of the chosen: [MASK]
  double replace_random = 0.5;  // of the chosen that are not [MASK]: a random id (10% overall)
};

struct MlmBatch {
  Tensor inputs;  // (B, T) I32, the ids after masking
  Tensor labels;  // (B, T) I32, the original id at chosen positions, −100 elsewhere
  int64_t chosen = 0, masked = 0, randomized = 0;  // counts
};

// ids (B, T) I32 → the masked batch; see the header comment.
MlmBatch mask_tokens(const Tensor& ids, const BertSpecialIds& specials, int64_t vocab_size, uint64_t seed,
                     int64_t step, const MlmOptions& opt = {});

// Sequences of the training batch at `step`: B windows of `seq` consecutive ids of `stream`,
// each starting at a uniform offset drawn from Philox at (key(seed, step), b), wrapped
// [CLS] … [SEP] → (B, seq + 2) I32. Error when the stream is shorter than seq.
Tensor mlm_windows(std::span<const int32_t> stream, int64_t B, int64_t seq, const BertSpecialIds& specials,
                   uint64_t seed, int64_t step);

struct PseudoLogLikelihood {
  double log_likelihood = 0;  // Σ log P(w_t | rest), nats
  int64_t tokens = 0;         // positions scored
  int64_t bytes = 0;          // bytes of the text they decode to (0 without a tokenizer)
  double pseudo_perplexity() const;  // exp(−log_likelihood / tokens)
  double bits_per_byte() const;      // −log_likelihood / (ln 2 · bytes); 0 when bytes is 0
};

// Scores the first min(max_tokens, ⌊|stream| / seq⌋·seq) ids of `stream` in windows of `seq`
// ids (each wrapped [CLS] … [SEP], seq ≤ max_position_embeddings − 2), `batch` masked copies
// per forward pass. With `tk`, bytes is the length of decode_bytes of the scored ids.
// Error when the stream holds fewer than seq ids. Runs without autograd.
PseudoLogLikelihood pseudo_log_likelihood(const Bert& model, std::span<const int32_t> stream, int64_t seq,
                                          int64_t max_tokens, const BertSpecialIds& specials,
                                          const tok::Tokenizer* tk = nullptr, int64_t batch = 32);

}  // namespace lmf::models
