// One LSTM layer: forward over the sequence and backpropagation through time, side by side.
#include "core/ops/lstm.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lmf {

using rnn_detail::sigmoid;
using rnn_detail::time_of;

LstmOutput lstm_layer(const Tensor& x_in, const Tensor& h0_in, const Tensor& c0_in, const RnnWeights& w_in,
                      bool reverse) {
  const int64_t H = rnn_detail::check_rnn_shapes("lstm", 4, x_in, h0_in, w_in);
  check_f32(c0_in, "lstm", "c0");
  LMF_CHECK_SHAPE(c0_in.shape() == h0_in.shape(), "lstm",
                  "c0 must have h0's shape " + h0_in.shape().str() + ", got " + c0_in.shape().str());
  const int64_t T = x_in.size(0), B = x_in.size(1), BH = B * H, G = 4 * H;
  LMF_CHECK_SHAPE(T > 0 && B > 0, "lstm", "x " + x_in.shape().str() + " has no time step or no batch row");
  Tensor x = x_in.contiguous().detach(), h0 = h0_in.contiguous().detach(), c0 = c0_in.contiguous().detach();
  RnnWeights w{w_in.w_ih.contiguous().detach(), w_in.w_hh.contiguous().detach(),
               w_in.b_ih.defined() ? w_in.b_ih.contiguous().detach() : Tensor(),
               w_in.b_hh.defined() ? w_in.b_hh.contiguous().detach() : Tensor()};

  // acts (T, B, 4H): x[t]·W_ihᵀ + b_ih, then in place the activated gates i, f, g, o.
  Tensor acts = Tensor::empty({T, B, G}), cs = Tensor::empty({T, B, H}), y = Tensor::empty({T, B, H});
  rnn_detail::project(x.f32(), T * B, w.w_ih, w.b_ih, acts.f32());
  std::vector<float> hg(size_t(B * G));  // h·W_hhᵀ + b_hh for the current step
  const float* hprev = h0.f32();
  const float* cprev = c0.f32();
  for (int64_t s = 0; s < T; ++s) {
    const int64_t t = time_of(s, T, reverse);
    rnn_detail::project(hprev, B, w.w_hh, w.b_hh, hg.data());
    float* a = acts.f32() + t * B * G;
    float* ct = cs.f32() + t * BH;
    float* ht = y.f32() + t * BH;
    for (int64_t b = 0; b < B; ++b) {
      float* ab = a + b * G;
      const float* hb = hg.data() + b * G;
      for (int64_t j = 0; j < H; ++j) {
        const float i = sigmoid(ab[j] + hb[j]);
        const float f = sigmoid(ab[H + j] + hb[H + j]);
        const float g = std::tanh(ab[2 * H + j] + hb[2 * H + j]);
        const float o = sigmoid(ab[3 * H + j] + hb[3 * H + j]);
        ab[j] = i, ab[H + j] = f, ab[2 * H + j] = g, ab[3 * H + j] = o;
        const float c = f * cprev[b * H + j] + i * g;
        ct[b * H + j] = c;
        ht[b * H + j] = o * std::tanh(c);
      }
    }
    hprev = ht;
    cprev = ct;
  }
  const int64_t last = time_of(T - 1, T, reverse);
  Tensor hT = y.slice(0, last, last + 1).reshape({B, H}).clone();
  Tensor cT = cs.slice(0, last, last + 1).reshape({B, H}).clone();

  LstmOutput out{y, hT, cT};
  if (autograd::should_record({&x_in, &h0_in, &c0_in, &w_in.w_ih, &w_in.w_hh, &w_in.b_ih, &w_in.b_hh})) {
    using autograd::GradSink;
    GradSink gx(x_in), gh0(h0_in), gc0(c0_in), gwih(w_in.w_ih), gwhh(w_in.w_hh), gbih(w_in.b_ih), gbhh(w_in.b_hh);
    Tensor ys = y.detach();
    autograd::record(
        "lstm", {&out.y, &out.h, &out.c},
        [=](const std::vector<Tensor>& dys) mutable {
          const Tensor dy = dys[0].defined() ? dys[0].contiguous() : Tensor();
          std::vector<float> dh(size_t(BH), 0.0f), dc(size_t(BH), 0.0f);
          if (dys[1].defined()) dh = dys[1].contiguous().to_vector();
          if (dys[2].defined()) dc = dys[2].contiguous().to_vector();
          // dg (T, B, 4H): gradient of each step's gate pre-activations (= of x·W_ihᵀ + b_ih
          // and of h·W_hhᵀ + b_hh alike).
          Tensor dg = Tensor::empty({T, B, G});
          for (int64_t s = T - 1; s >= 0; --s) {
            const int64_t t = time_of(s, T, reverse);
            const float* cp = s == 0 ? c0.f32() : cs.f32() + time_of(s - 1, T, reverse) * BH;
            const float* a = acts.f32() + t * B * G;
            const float* ct = cs.f32() + t * BH;
            const float* dyt = dy.defined() ? dy.f32() + t * BH : nullptr;
            float* d = dg.f32() + t * B * G;
            for (int64_t b = 0; b < B; ++b)
              for (int64_t j = 0; j < H; ++j) {
                const int64_t k = b * H + j, q = b * G + j;
                const float i = a[q], f = a[q + H], g = a[q + 2 * H], o = a[q + 3 * H];
                const float dhv = dh[size_t(k)] + (dyt ? dyt[k] : 0.0f);
                const float tc = std::tanh(ct[k]);
                const float dcv = dc[size_t(k)] + dhv * o * (1.0f - tc * tc);
                d[q] = dcv * g * i * (1.0f - i);
                d[q + H] = dcv * cp[k] * f * (1.0f - f);
                d[q + 2 * H] = dcv * i * (1.0f - g * g);
                d[q + 3 * H] = dhv * tc * o * (1.0f - o);
                dc[size_t(k)] = dcv * f;
              }
            rnn_detail::state_backward(d, B, w.w_hh, dh.data(), false);
          }
          if (gh0.wanted()) gh0.accumulate(Tensor::from_vector(dh, {B, H}));
          if (gc0.wanted()) gc0.accumulate(Tensor::from_vector(dc, {B, H}));
          GradSink none;
          rnn_detail::project_backward(dg.f32(), T * B, x.f32(), w.w_ih, gx, gwih, gbih);
          if (gwhh.wanted() || gbhh.wanted()) {
            // hp (T, B, H): the state each step read, indexed by the step's t.
            Tensor hp = Tensor::empty({T, B, H});
            for (int64_t s = 0; s < T; ++s) {
              const float* src = s == 0 ? h0.f32() : ys.f32() + time_of(s - 1, T, reverse) * BH;
              std::copy(src, src + BH, hp.f32() + time_of(s, T, reverse) * BH);
            }
            rnn_detail::project_backward(dg.f32(), T * B, hp.f32(), w.w_hh, none, gwhh, gbhh);
          }
        });
  }
  return out;
}

}  // namespace lmf
