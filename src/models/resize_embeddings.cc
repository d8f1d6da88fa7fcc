#include "models/resize_embeddings.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"

namespace lmf {

Tensor mean_resized_rows(const Tensor& old_rows, const Tensor& z, double epsilon) {
  check_f32(old_rows, "mean_resized_rows", "old");
  check_f32(z, "mean_resized_rows", "z");
  if (old_rows.dim() != 2 || z.dim() != 2 || z.size(1) != old_rows.size(1))
    throw ShapeError("mean_resized_rows: old " + old_rows.str() + " and z " + z.str() + " must be (V, C) and (k, C)");
  const Tensor w = old_rows.contiguous(), zc = z.contiguous();
  const int64_t V = w.size(0), C = w.size(1), K = zc.size(0);
  if (V < 1) throw ShapeError("mean_resized_rows: no old rows");
  const float* W = w.data<float>();
  std::vector<double> mu(size_t(C), 0.0);  // (C)
  for (int64_t v = 0; v < V; ++v)
    for (int64_t c = 0; c < C; ++c) mu[size_t(c)] += W[v * C + c];
  for (double& m : mu) m /= double(V);
  // L (C, C), lower triangle: cholesky(eps * Σ), Σ = (W − μ)ᵀ(W − μ) / V.
  std::vector<double> S(size_t(C * C), 0.0);
  std::vector<double> row(static_cast<size_t>(C));
  for (int64_t v = 0; v < V; ++v) {
    for (int64_t c = 0; c < C; ++c) row[size_t(c)] = W[v * C + c] - mu[size_t(c)];
    for (int64_t i = 0; i < C; ++i)
      for (int64_t j = 0; j <= i; ++j) S[size_t(i * C + j)] += row[size_t(i)] * row[size_t(j)];
  }
  for (int64_t i = 0; i < C; ++i)
    for (int64_t j = 0; j <= i; ++j) S[size_t(i * C + j)] *= epsilon / double(V);
  std::vector<double> L(size_t(C * C), 0.0);
  bool pd = true;
  for (int64_t j = 0; j < C && pd; ++j) {
    double d = S[size_t(j * C + j)];
    for (int64_t k = 0; k < j; ++k) d -= L[size_t(j * C + k)] * L[size_t(j * C + k)];
    if (!(d > 0)) {
      pd = false;
      break;
    }
    L[size_t(j * C + j)] = std::sqrt(d);
    for (int64_t i = j + 1; i < C; ++i) {
      double s = S[size_t(i * C + j)];
      for (int64_t k = 0; k < j; ++k) s -= L[size_t(i * C + k)] * L[size_t(j * C + k)];
      L[size_t(i * C + j)] = s / L[size_t(j * C + j)];
    }
  }
  Tensor out = Tensor::empty({K, C});
  float* O = out.data<float>();
  const float* Z = zc.data<float>();
  for (int64_t r = 0; r < K; ++r)
    for (int64_t i = 0; i < C; ++i) {
      double s = mu[size_t(i)];
      if (pd)
        for (int64_t k = 0; k <= i; ++k) s += L[size_t(i * C + k)] * Z[r * C + k];
      O[r * C + i] = float(s);
    }
  return out;
}

Transformer resize_token_embeddings(const Transformer& model, int64_t new_vocab, uint64_t seed) {
  const ModelConfig& cfg = model.config();
  const int64_t V = cfg.vocab_size, C = cfg.n_embd;
  if (new_vocab < V)
    throw Error("resize_token_embeddings: cannot shrink the vocabulary from " + std::to_string(V) + " to " +
                std::to_string(new_vocab));
  ModelConfig grown = cfg;
  grown.vocab_size = new_vocab;
  Transformer out(grown);
  uint64_t stream = 0;
  for (Param& p : out.params()) {
    const Param* src = nullptr;
    for (const Param& q : model.params())
      if (q.name == p.name) src = &q;
    if (!src) throw Error("resize_token_embeddings: parameter " + p.name + " missing in the model");
    const Tensor old = src->value.detach().contiguous();
    if (old.shape() == p.value.shape()) {
      p.value.copy_from(old);
      continue;
    }
    // An embedding or LM head (V, C) → (new_vocab, C).
    if (old.dim() != 2 || old.size(0) != V || old.size(1) != C || p.value.size(0) != new_vocab)
      throw Error("resize_token_embeddings: unexpected shape change of " + p.name);
    std::memcpy(p.value.data<float>(), old.data<float>(), size_t(V * C) * sizeof(float));
    const Tensor z = Tensor::randn({new_vocab - V, C}, seed * 1000003ull + (++stream));
    const Tensor rows = mean_resized_rows(old, z);
    std::memcpy(p.value.data<float>() + V * C, rows.data<float>(), size_t((new_vocab - V) * C) * sizeof(float));
  }
  return out;
}

}  // namespace lmf
