// One GRU layer: forward over the sequence and backpropagation through time, side by side.
#include "core/ops/gru.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lmf {

using rnn_detail::sigmoid;
using rnn_detail::time_of;

GruOutput gru_layer(const Tensor& x_in, const Tensor& h0_in, const RnnWeights& w_in, bool reverse) {
  const int64_t H = rnn_detail::check_rnn_shapes("gru", 3, x_in, h0_in, w_in);
  const int64_t T = x_in.size(0), B = x_in.size(1), BH = B * H, G = 3 * H;
  LMF_CHECK_SHAPE(T > 0 && B > 0, "gru", "x " + x_in.shape().str() + " has no time step or no batch row");
  Tensor x = x_in.contiguous().detach(), h0 = h0_in.contiguous().detach();
  RnnWeights w{w_in.w_ih.contiguous().detach(), w_in.w_hh.contiguous().detach(),
               w_in.b_ih.defined() ? w_in.b_ih.contiguous().detach() : Tensor(),
               w_in.b_hh.defined() ? w_in.b_hh.contiguous().detach() : Tensor()};

  // acts (T, B, 3H): x[t]·W_ihᵀ + b_ih, then in place the gates r, z, n.
  // hn (T, B, H): W_hn h + b_hn of each step (n's backward needs it).
  Tensor acts = Tensor::empty({T, B, G}), hn = Tensor::empty({T, B, H}), y = Tensor::empty({T, B, H});
  rnn_detail::project(x.f32(), T * B, w.w_ih, w.b_ih, acts.f32());
  std::vector<float> hg(size_t(B * G));
  const float* hprev = h0.f32();
  for (int64_t s = 0; s < T; ++s) {
    const int64_t t = time_of(s, T, reverse);
    rnn_detail::project(hprev, B, w.w_hh, w.b_hh, hg.data());
    float* a = acts.f32() + t * B * G;
    float* hnt = hn.f32() + t * BH;
    float* ht = y.f32() + t * BH;
    for (int64_t b = 0; b < B; ++b) {
      float* ab = a + b * G;
      const float* hb = hg.data() + b * G;
      for (int64_t j = 0; j < H; ++j) {
        const float r = sigmoid(ab[j] + hb[j]);
        const float z = sigmoid(ab[H + j] + hb[H + j]);
        const float n = std::tanh(ab[2 * H + j] + r * hb[2 * H + j]);
        ab[j] = r, ab[H + j] = z, ab[2 * H + j] = n;
        hnt[b * H + j] = hb[2 * H + j];
        ht[b * H + j] = (1.0f - z) * n + z * hprev[b * H + j];
      }
    }
    hprev = ht;
  }
  const int64_t last = time_of(T - 1, T, reverse);
  Tensor hT = y.slice(0, last, last + 1).reshape({B, H}).clone();

  GruOutput out{y, hT};
  if (autograd::should_record({&x_in, &h0_in, &w_in.w_ih, &w_in.w_hh, &w_in.b_ih, &w_in.b_hh})) {
    using autograd::GradSink;
    GradSink gx(x_in), gh0(h0_in), gwih(w_in.w_ih), gwhh(w_in.w_hh), gbih(w_in.b_ih), gbhh(w_in.b_hh);
    Tensor ys = y.detach();
    autograd::record("gru", {&out.y, &out.h}, [=](const std::vector<Tensor>& dys) mutable {
      const Tensor dy = dys[0].defined() ? dys[0].contiguous() : Tensor();
      std::vector<float> dh(size_t(BH), 0.0f), dprev(size_t(BH), 0.0f);
      if (dys[1].defined()) dh = dys[1].contiguous().to_vector();
      // dxg (T, B, 3H): gradient of x·W_ihᵀ + b_ih; dhg (T, B, 3H): of h·W_hhᵀ + b_hh.
      // They agree on r and z; for n, dxg holds d(pre-tanh) and dhg holds r ⊙ that.
      Tensor dxg = Tensor::empty({T, B, G}), dhg = Tensor::empty({T, B, G});
      for (int64_t s = T - 1; s >= 0; --s) {
        const int64_t t = time_of(s, T, reverse);
        const float* hp = s == 0 ? h0.f32() : ys.f32() + time_of(s - 1, T, reverse) * BH;
        const float* a = acts.f32() + t * B * G;
        const float* hnt = hn.f32() + t * BH;
        const float* dyt = dy.defined() ? dy.f32() + t * BH : nullptr;
        float* dx = dxg.f32() + t * B * G;
        float* dhh = dhg.f32() + t * B * G;
        for (int64_t b = 0; b < B; ++b)
          for (int64_t j = 0; j < H; ++j) {
            const int64_t k = b * H + j, q = b * G + j;
            const float r = a[q], z = a[q + H], n = a[q + 2 * H];
            const float dhv = dh[size_t(k)] + (dyt ? dyt[k] : 0.0f);
            const float dn = dhv * (1.0f - z) * (1.0f - n * n);
            const float dr = dn * hnt[k] * r * (1.0f - r);
            const float dz = dhv * (hp[k] - n) * z * (1.0f - z);
            dx[q] = dhh[q] = dr;
            dx[q + H] = dhh[q + H] = dz;
            dx[q + 2 * H] = dn;
            dhh[q + 2 * H] = dn * r;
            dprev[size_t(k)] = dhv * z;
          }
        rnn_detail::state_backward(dhh, B, w.w_hh, dprev.data(), true);
        dh.swap(dprev);
      }
      if (gh0.wanted()) gh0.accumulate(Tensor::from_vector(dh, {B, H}));
      GradSink none;
      rnn_detail::project_backward(dxg.f32(), T * B, x.f32(), w.w_ih, gx, gwih, gbih);
      if (gwhh.wanted() || gbhh.wanted()) {
        Tensor hp = Tensor::empty({T, B, H});  // the state each step read, indexed by the step's t
        for (int64_t s = 0; s < T; ++s) {
          const float* src = s == 0 ? h0.f32() : ys.f32() + time_of(s - 1, T, reverse) * BH;
          std::copy(src, src + BH, hp.f32() + time_of(s, T, reverse) * BH);
        }
        rnn_detail::project_backward(dhg.f32(), T * B, hp.f32(), w.w_hh, none, gwhh, gbhh);
      }
    });
  }
  return out;
}

}  // namespace lmf
