#include "align/rollout.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops/elementwise.h"
#include "core/ops/loss.h"
#include "core/kernels/vec_math.h"
#include "core/random.h"

namespace lmf::align {
namespace {

// One draw from softmax(logits / temperature) over V values by the inverse CDF in id order
// at u ∈ [0, 1); `entropy` receives the distribution's entropy (nats). One pass of
// exponentials, no sort.
int32_t draw(const float* logits, int64_t V, float temperature, float u, double* entropy, std::vector<float>& e) {
  const float inv = 1.0f / temperature;
  float m = -INFINITY;
  for (int64_t i = 0; i < V; ++i) m = std::max(m, logits[i] * inv);
  e.resize(size_t(V));
  float* ep = e.data();
  double z = 0, s = 0;
#pragma omp simd reduction(+ : z, s)
  for (int64_t i = 0; i < V; ++i) {
    const float x = logits[i] * inv - m;
    ep[i] = vmath::vexp(x);
    z += ep[i];
    s += double(ep[i]) * x;
  }
  *entropy = std::log(z) - s / z;
  const double target = double(u) * z;
  double cum = 0;
  int64_t last = 0;
  for (int64_t i = 0; i < V; ++i) {
    if (ep[i] <= 0) continue;
    last = i;
    cum += ep[i];
    if (cum > target) return int32_t(i);
  }
  return int32_t(last);  // rounding left the target beyond the sum: the last possible id
}

bool ends_with(const Ids& seq, const std::vector<int32_t>& stop) {
  return !stop.empty() && seq.size() >= stop.size() && std::equal(stop.begin(), stop.end(), seq.end() - int64_t(stop.size()));
}

// Restores a model's hooks when the scope ends.
struct HooksOff {
  Transformer& m;
  ForwardHooks* saved;
  explicit HooksOff(Transformer& model) : m(model), saved(model.hooks()) { m.set_hooks(nullptr); }
  ~HooksOff() { m.set_hooks(saved); }
};

}  // namespace

std::vector<Ids> sample_responses(Transformer& model, const std::vector<Ids>& prompts, const RolloutOptions& opt,
                                  double* entropy_sum) {
  if (opt.max_new_tokens <= 0) throw Error("rollout: max new tokens must be positive");
  if (!(opt.temperature > 0)) throw Error("rollout: temperature must be positive (PPO samples from the policy)");
  autograd::NoGradGuard ng;
  const ModelConfig& cfg = model.config();
  const int64_t V = cfg.vocab_size, ctx = cfg.n_positions - model.reserved_positions();
  std::map<size_t, std::vector<size_t>> by_len;  // prompts of one length decode together
  for (size_t i = 0; i < prompts.size(); ++i) {
    const int64_t P = int64_t(prompts[i].size());
    if (P == 0) throw Error("rollout: prompt " + std::to_string(i) + " encodes to no tokens");
    if (P >= ctx)
      throw Error("rollout: prompt " + std::to_string(i) + " has " + std::to_string(P) +
                  " tokens, leaving no room for a response in the model's " + std::to_string(ctx) + " positions");
    by_len[size_t(P)].push_back(i);
  }
  std::vector<Ids> out(prompts.size());
  double ent = 0;
  for (const auto& [len, rows] : by_len) {
    const int64_t G = int64_t(rows.size()), P = int64_t(len);
    // Sample k needs P + k tokens fed: at most ctx − P + 1 samples.
    const int64_t steps = std::min(opt.max_new_tokens, ctx - P + 1);
    KVCache cache = model.make_cache(G, std::min(ctx, P + steps - 1) + model.reserved_positions());
    std::vector<Ids> history(static_cast<size_t>(G));
    std::vector<int32_t> feed;
    for (int64_t g = 0; g < G; ++g) {
      history[size_t(g)] = prompts[rows[size_t(g)]];
      feed.insert(feed.end(), history[size_t(g)].begin(), history[size_t(g)].end());
    }
    std::vector<float> work;
    std::vector<bool> done(static_cast<size_t>(G), false);
    int64_t live = G, T = P;
    ForwardOptions fo;
    fo.cache = &cache;
    for (int64_t k = 0; k < steps && live > 0; ++k) {
      Tensor h = model.hidden(Tensor::from_ints(feed, {G, T}), fo);              // (G, T, C)
      Tensor logits = model.lm_head(h.slice(1, T - 1, T)).contiguous();          // (G, 1, V)
      const float* l = logits.f32();
      feed.assign(size_t(G), 0);
      for (int64_t g = 0; g < G; ++g) {
        Ids& hist = history[size_t(g)];
        if (done[size_t(g)]) {
          feed[size_t(g)] = hist.back();  // keeps the batch in step; never read
          continue;
        }
        const uint64_t stream = opt.seed * 1000003ull + uint64_t(rows[size_t(g)]);
        double h_tok = 0;
        const int32_t next = draw(l + g * V, V, opt.temperature, Philox::uniform_at(stream, uint64_t(k)), &h_tok, work);
        ent += h_tok;
        hist.push_back(next);
        Ids& resp = out[rows[size_t(g)]];
        resp.push_back(next);
        feed[size_t(g)] = next;
        if (ends_with(resp, opt.stop)) done[size_t(g)] = true, --live;
      }
      T = 1;
    }
  }
  if (entropy_sum) *entropy_sum = ent;
  return out;
}

Tensor response_mask(const ScoredBatch& b) {
  Tensor t = b.targets.contiguous();
  const int32_t* y = t.data<int32_t>();
  std::vector<float> m(size_t(t.numel()));
  for (size_t i = 0; i < m.size(); ++i) m[i] = y[i] != -100 ? 1.0f : 0.0f;
  return Tensor::from_vector(m, t.shape());
}

// ids (N, T) → logp (N, T), values (N, T).
PolicyOutput policy_forward(Transformer& model, const ValueHead& vh, const ScoredBatch& b, float temperature) {
  Tensor h = model.hidden(b.ids);  // (N, T, C); only response positions reach the LM head
  return {scatter_windows(window_logprobs(model, h, b, temperature), b), vh.forward(h)};
}

Rollout rollout(Transformer& policy, const ValueHead& vh, Transformer& reference, const std::vector<Ids>& prompts,
                const RolloutOptions& opt) {
  Rollout r;
  r.prompts = prompts;
  double ent = 0;
  r.responses = sample_responses(policy, prompts, opt, &ent);
  autograd::NoGradGuard ng;
  r.batch = make_scored_batch(r.prompts, r.responses, policy.config().n_positions);
  r.mask = response_mask(r.batch);
  for (const Ids& resp : r.responses) r.tokens += int64_t(resp.size());
  r.entropy = r.tokens ? ent / double(r.tokens) : 0.0;
  PolicyOutput po = policy_forward(policy, vh, r.batch, opt.temperature);
  r.logp = po.logp.detach();
  r.values = mul(po.values, r.mask).detach();
  {
    HooksOff off(reference);
    Tensor h = reference.hidden(r.batch.ids);
    r.ref_logp = scatter_windows(window_logprobs(reference, h, r.batch, opt.temperature), r.batch).detach();
  }
  return r;
}

}  // namespace lmf::align
