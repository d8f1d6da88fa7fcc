#include "core/ops/attention.h"

#include <cmath>

#include "core/autograd.h"
#include "core/kernels/flash_attention.h"
#include "core/threads.h"
#include "core/threads.h"

namespace lmf {
namespace {

using kernels::AttentionGeometry;
using kernels::AttentionRows;

AttentionRows rows_of(const Tensor& t) { return {t.f32(), t.stride(0), t.stride(1), t.stride(2)}; }

// t itself when its last dim has unit stride, else a contiguous copy.
Tensor unit_last(const Tensor& t) { return t.stride(-1) == 1 || t.size(-1) == 1 ? t : t.contiguous(); }

}  // namespace

Tensor attention(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, const AttentionOptions& opt) {
  const char* op = "attention";
  check_f32(q_in, op, "q");
  check_f32(k_in, op, "k");
  check_f32(v_in, op, "v");
  auto shapes = [&] { return "q " + q_in.str() + ", k " + k_in.str() + ", v " + v_in.str(); };
  LMF_CHECK_SHAPE(q_in.dim() == 4 && k_in.dim() == 4 && k_in.shape() == v_in.shape(), op,
                  shapes() + ": need q (B, Hq, T, D) and k, v (B, Hkv, S, D)");
  const int64_t B = q_in.size(0), Hq = q_in.size(1), T = q_in.size(2), D = q_in.size(3);
  const int64_t Hkv = k_in.size(1), S = k_in.size(2);
  LMF_CHECK_SHAPE(k_in.size(0) == B && k_in.size(3) == D, op, shapes() + ": batch or head size differ");
  LMF_CHECK_SHAPE(Hkv > 0 && Hq % Hkv == 0, op, shapes() + ": Hq must be a multiple of Hkv");
  LMF_CHECK_SHAPE(D > 0 && (S > 0 || T == 0), op, shapes() + ": empty head size or no keys");
  LMF_CHECK_SHAPE(!opt.causal || T <= S, op, shapes() + ": causal attention needs T <= S");
  Tensor mask;
  int64_t mask_bstride = 0;
  if (opt.mask.defined()) {
    check_f32(opt.mask, op, "mask");
    const Shape& ms = opt.mask.shape();
    const bool plain = ms == Shape({T, S}), batched = ms == Shape({B, 1, T, S});
    LMF_CHECK_SHAPE(plain || batched, op, shapes() + ", mask " + opt.mask.str() + ": mask must be (T, S) or (B, 1, T, S)");
    if (opt.mask.requires_grad() && autograd::enabled())
      throw Error("attention: the mask requires grad, but attention gives no gradient for it");
    mask = opt.mask.contiguous();
    mask_bstride = batched ? T * S : 0;
  }
  Tensor q = unit_last(q_in), k = unit_last(k_in), v = unit_last(v_in);

  AttentionGeometry G{B, Hq, Hkv, T, S, D, kernels::round16(D), kernels::round16(S),
                      opt.scale != 0.0f ? opt.scale : 1.0f / std::sqrt(float(D)), opt.causal,
                      mask.defined() ? mask.f32() : nullptr, mask_bstride};
  threads::init_from_env();
  Tensor y_mem = Tensor::empty({B, T, Hq, D});
  Tensor lse = Tensor::empty({B, Hq, T});
  if (y_mem.numel() > 0)
    kernels::flash_attention_forward(G, rows_of(q), rows_of(k), rows_of(v), y_mem.f32(), lse.f32());
  Tensor y = y_mem.transpose(1, 2);  // (B, Hq, T, D) view; y_mem takes no part in autograd

  if (autograd::should_record({&q_in, &k_in, &v_in})) {
    autograd::GradSink gq(q_in), gk(k_in), gv(v_in);
    autograd::record("attention", y,
                     [gq, gk, gv, G, q = q.detach(), k = k.detach(), v = v.detach(), o = y.detach(), lse,
                      mask](const Tensor& dy_in) mutable {
                       Tensor dy = unit_last(dy_in);
                       AttentionGeometry g = G;
                       g.mask = mask.defined() ? mask.f32() : nullptr;
                       if (o.numel() == 0) return;
                       // Every element of each wanted gradient is written once: store when fresh, else add.
                       bool add_q = false, add_k = false, add_v = false;
                       float* dq = gq.wanted() ? gq.buffer_for_write(&add_q) : nullptr;
                       float* dk = gk.wanted() ? gk.buffer_for_write(&add_k) : nullptr;
                       float* dv = gv.wanted() ? gv.buffer_for_write(&add_v) : nullptr;
                       kernels::flash_attention_backward(g, rows_of(q), rows_of(k), rows_of(v), rows_of(o),
                                                         rows_of(dy), lse.f32(), dq, dk, dv, add_q, add_k, add_v);
                     });
  }
  return y;
}

}  // namespace lmf
