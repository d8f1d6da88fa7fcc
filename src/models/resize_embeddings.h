// Growing a model's vocabulary, as Hugging Face's `resize_token_embeddings(n)` does with its
// default `mean_resizing=True` (transformers ≥ 4.46): the token embedding (V, C) — and the
// LM head when it is not tied to it — gains rows for new token ids; old rows are kept
// exactly, and each new row is drawn from a multivariate normal with the old rows' mean
// and a tiny covariance (Hewitt 2021, "Initializing new word embeddings"):
//
//   μ = mean of the V old rows                     (C)
//   Σ = (W − μ)ᵀ(W − μ) / V                        (C, C), the biased covariance
//   new row = μ + L z,  L = cholesky(1e-9 · Σ),  z ~ N(0, I_C)
//
// When 1e-9·Σ is not positive definite (Cholesky fails: e.g. fewer rows than C, or rows
// that are all equal), every new row is μ — HF's fallback. HF draws z from torch's global
// generator; we draw it from Philox (Tensor::randn) with a seed, so a run repeats exactly:
// the rule is HF's, the samples are not bit-equal to one torch run. The arithmetic is in
// double precision (HF's in float32); the rows are stored as float32. The LM head's new
// rows are drawn by the same rule from its own old rows, with its own z.
#pragma once
#include <cstdint>

#include "core/tensor.h"
#include "models/transformer.h"

namespace lmf {

inline constexpr double kMeanResizeEpsilon = 1e-9;  // HF's epsilon on the covariance

// The k new rows (k, C) for old rows `old` (V, C) and standard normals `z` (k, C): the
// rule above with `epsilon` in place of 1e-9. Exposed so that tests can compare it with a
// reference on the same z.
Tensor mean_resized_rows(const Tensor& old, const Tensor& z, double epsilon = kMeanResizeEpsilon);

// A copy of `model` whose vocabulary is `new_vocab` (>= the old one; equal returns an
// unchanged copy): config vocab_size updated, every other parameter copied, new
// embedding (and untied LM head) rows drawn as above from `seed`. Error for a smaller
// new_vocab.
Transformer resize_token_embeddings(const Transformer& model, int64_t new_vocab, uint64_t seed);

}  // namespace lmf
