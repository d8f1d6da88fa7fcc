// How far a model's next-token distributions are from a reference model's over a token
// shard — the statistics of llama.cpp's `perplexity --kl-divergence`, for judging a
// quantized model against the model it was quantized from.
//
// Windows are those of `lmforge eval --data` (eval/perplexity.h): window i = 0, 1, ... has
// inputs ids[iT : iT+T] and targets ids[iT+1 : iT+T+1], for every i with iT+T+1 <= N. Of
// each window only positions t in [first, T) are scored (the prediction of ids[iT+t+1]
// from ids[iT : iT+t+1]), so every scored prediction sees at least `first` tokens of
// context; `lmforge eval --reference` takes first = T/2, as llama.cpp scores the second
// half of each context window. Both models see exactly the same windows.
//
// At each scored position, with P the reference's softmax and Q the model's (in double):
//   KL(P || Q) = Σ_v P(v) (log P(v) − log Q(v))    (nats)
//   the negative log-likelihood of the target under each model,
//   whether argmax P = argmax Q (the first index among equal maxima),
//   Δp = Q(target) − P(target).
// The report aggregates them as llama.cpp does: mean KL with the standard error of the
// mean, sqrt((mean(KL²) − mean(KL)²) / (n − 1)); KL percentiles by linear interpolation
// between the sorted values (numpy's default); top-1 agreement p with its standard error
// sqrt(p(1 − p) / (n − 1)); RMS Δp; each model's mean NLL and perplexity exp(mean NLL).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/transformer.h"

namespace lmf::eval {

struct KlDivergenceReport {
  int64_t windows = 0;    // windows scored
  int64_t T = 0;          // window length
  int64_t first = 0;      // first scored position of each window
  int64_t positions = 0;  // predictions scored: windows · (T − first)
  double loss_reference = 0, loss_model = 0;  // mean NLL of the targets (nats)
  double ppl_reference = 0, ppl_model = 0;    // exp of the mean NLL
  double kl_mean = 0, kl_stderr = 0;          // mean KL(reference || model) and its standard error
  double kl_median = 0, kl_p99 = 0, kl_p999 = 0, kl_max = 0;
  double top1_agreement = 0, top1_stderr = 0;  // share of positions with the same argmax
  double rms_delta_p = 0;                      // sqrt(mean((Q(target) − P(target))²))
};

// The measures at one position.
struct PositionDivergence {
  double kl = 0;                            // KL(P || Q)
  double nll_reference = 0, nll_model = 0;  // −log P(target), −log Q(target)
  double delta_p = 0;                       // Q(target) − P(target)
  bool same_top1 = false;                   // argmax P = argmax Q
};

// One position: the two models' logits over a vocabulary of V and the target id (< V).
PositionDivergence position_divergence(const float* reference_logits, const float* model_logits, int64_t V,
                                       int32_t target);

// Accumulates the statistics above one position at a time.
class KlDivergenceStats {
 public:
  void add(const PositionDivergence& d);
  int64_t count() const { return int64_t(kl_.size()); }
  // The report of the positions added so far (windows, T and first left 0); Error when
  // fewer than 2 positions were added (no standard error).
  KlDivergenceReport report() const;

 private:
  std::vector<double> kl_;  // per position, in the order added
  double nll_reference_ = 0, nll_model_ = 0, delta_p2_ = 0;
  int64_t same_top1_ = 0;
};

// Percentile by linear interpolation between sorted values (numpy's default):
// v[floor(f·(n−1))] and the next, weighted by the fractional part. `sorted` non-empty.
double interpolated_percentile(const std::vector<double>& sorted, double fraction);

// `model` against `reference` over the token shard at `shard_path`: windows of T tokens
// (T = 0: the smaller of the two context lengths), scored from position `first` (< 0:
// T/2), B windows a forward pass, the first max_windows windows (0 = all). Errors, naming
// the shard or the model paths given: vocabularies of different sizes, T beyond either
// context, first >= T, a shard too short for one window, an id outside the
// vocabulary.
KlDivergenceReport model_kl_divergence(Transformer& reference, Transformer& model, const std::string& reference_path,
                                       const std::string& model_path, const std::string& shard_path, int64_t T,
                                       int64_t first, int64_t B, int64_t max_windows = 0);

}  // namespace lmf::eval
