#include "core/kernels/gemm.h"

#include <algorithm>
#include <cstring>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>

#include "core/error.h"
#include "core/threads.h"

namespace lmf::kernels {
namespace {

constexpr int kMax = Shape::kMaxDims;

// The layout of one gemm call after normalisation: everything a primitive depends on.
struct Key {
  int32_t ndim = 0;
  int32_t flags = 0;  // bit 0: bias, bit 1: accumulate
  int64_t src_dims[kMax] = {}, src_strides[kMax] = {};
  int64_t wei_dims[kMax] = {}, wei_strides[kMax] = {};
  bool operator==(const Key& o) const { return std::memcmp(this, &o, sizeof(Key)) == 0; }
};

struct KeyHash {
  size_t operator()(const Key& k) const {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(&k);
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (size_t i = 0; i < sizeof(Key); ++i) h = (h ^ p[i]) * 1099511628211ull;
    return size_t(h);
  }
};

// A ready primitive and the memory objects it runs on (rebound to new pointers per call).
struct Entry {
  dnnl::matmul prim;
  dnnl::memory src, wei, bias, dst;
};

const dnnl::engine& cpu_engine() {
  static const dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

struct Cache {
  dnnl::stream stream{cpu_engine()};
  std::unordered_map<Key, Entry, KeyHash> entries;
  int64_t created = 0;
};

Cache& cache() {
  thread_local Cache c;
  return c;
}

// Layouts seen by one thread are few (one per distinct shape); a workload whose shapes
// never repeat (e.g. a growing sequence) is bounded by clearing the cache.
constexpr size_t kMaxEntries = 512;

dnnl::memory::desc strided_md(int nd, const int64_t* dims, const int64_t* strides) {
  dnnl::memory::dims d(dims, dims + nd), s(strides, strides + nd);
  return dnnl::memory::desc(d, dnnl::memory::data_type::f32, s);
}

dnnl::memory::desc dense_md(int nd, const int64_t* dims) {
  int64_t st[kMax];
  int64_t acc = 1;
  for (int i = nd - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= dims[i];
  }
  return strided_md(nd, dims, st);
}

Entry make_entry(const Key& k) {
  const int nd = k.ndim;
  int64_t dst_dims[kMax], bias_dims[kMax];
  for (int i = 0; i < nd - 2; ++i) {
    dst_dims[i] = k.src_dims[i];
    bias_dims[i] = 1;
  }
  dst_dims[nd - 2] = k.src_dims[nd - 2];
  dst_dims[nd - 1] = k.wei_dims[nd - 1];
  bias_dims[nd - 2] = 1;
  bias_dims[nd - 1] = k.wei_dims[nd - 1];
  auto src_md = strided_md(nd, k.src_dims, k.src_strides);
  auto wei_md = strided_md(nd, k.wei_dims, k.wei_strides);
  auto dst_md = dense_md(nd, dst_dims);
  const bool has_bias = k.flags & 1;
  auto bias_md = has_bias ? dense_md(nd, bias_dims) : dnnl::memory::desc();
  dnnl::primitive_attr attr;
  if (k.flags & 2) {
    dnnl::post_ops po;
    po.append_sum(1.0f);
    attr.set_post_ops(po);
  }
  const auto& eng = cpu_engine();
  dnnl::matmul::desc desc = has_bias ? dnnl::matmul::desc(src_md, wei_md, bias_md, dst_md)
                                     : dnnl::matmul::desc(src_md, wei_md, dst_md);
  dnnl::matmul::primitive_desc pd(desc, attr, eng);
  Entry e;
  e.prim = dnnl::matmul(pd);
  e.src = dnnl::memory(src_md, eng, DNNL_MEMORY_NONE);
  e.wei = dnnl::memory(wei_md, eng, DNNL_MEMORY_NONE);
  e.dst = dnnl::memory(dst_md, eng, DNNL_MEMORY_NONE);
  if (has_bias) e.bias = dnnl::memory(bias_md, eng, DNNL_MEMORY_NONE);
  return e;
}

// Removes batch dim i from an operand.
void erase_dim(GemmOperand& op, int i) {
  for (int j = i; j + 1 < op.ndim; ++j) {
    op.dims[j] = op.dims[j + 1];
    op.strides[j] = op.strides[j + 1];
  }
  --op.ndim;
}

// Can batch dims i and i+1 of op be addressed as one dim?
bool mergeable(const GemmOperand& op, int i) {
  if (op.dims[i] == 1 && op.dims[i + 1] == 1) return true;  // broadcast over both
  return op.strides[i] == op.dims[i + 1] * op.strides[i + 1];
}

void merge(GemmOperand& op, int i) {
  op.dims[i + 1] *= op.dims[i];
  erase_dim(op, i);
}

}  // namespace

GemmOperand transposed(GemmOperand op) {
  int n = op.ndim;
  std::swap(op.dims[n - 1], op.dims[n - 2]);
  std::swap(op.strides[n - 1], op.strides[n - 2]);
  return op;
}

GemmOperand padded(GemmOperand op, int ndim) {
  while (op.ndim < ndim) {
    for (int j = op.ndim; j > 0; --j) {
      op.dims[j] = op.dims[j - 1];
      op.strides[j] = op.strides[j - 1];
    }
    op.dims[0] = 1;
    op.strides[0] = op.dims[1] * op.strides[1];
    ++op.ndim;
  }
  return op;
}

GemmOperand matrix(const float* data, int64_t rows, int64_t cols, int64_t ld) {
  GemmOperand op;
  op.data = data;
  op.ndim = 2;
  op.dims[0] = rows;
  op.dims[1] = cols;
  op.strides[0] = ld;
  op.strides[1] = 1;
  return op;
}

void gemm(const GemmOperand& src_in, const GemmOperand& wei_in, const float* bias, float* dst, bool accumulate) {
  GemmOperand src = src_in, wei = wei_in;
  // ---- normalise the batch dims ----
  for (int i = src.ndim - 3; i >= 0; --i)
    if (src.dims[i] == 1) {
      erase_dim(src, i);
      erase_dim(wei, i);
    }
  bool shared = true;  // wei is the same matrix for every batch
  for (int i = 0; i < wei.ndim - 2; ++i) shared = shared && wei.dims[i] == 1;
  for (int i = src.ndim - 4; i >= 0; --i)
    if (mergeable(src, i) && mergeable(wei, i)) {
      merge(src, i);
      merge(wei, i);
    }
  // A shared weight with src rows that continue across the batch: one tall 2-D GEMM.
  while (shared && src.ndim > 2 && src.strides[src.ndim - 3] == src.dims[src.ndim - 2] * src.strides[src.ndim - 2]) {
    int b = src.ndim - 3;
    src.dims[b + 1] *= src.dims[b];
    erase_dim(src, b);
    erase_dim(wei, b);
  }
  const int nd = src.ndim;
  const int64_t M = src.dims[nd - 2], K = src.dims[nd - 1], N = wei.dims[nd - 1];
  int64_t batch = 1;
  for (int i = 0; i < nd - 2; ++i) batch *= src.dims[i];
  if (batch == 0 || M == 0 || N == 0) return;
  if (K == 0) {  // an empty sum: dst = [dst +] 0 [+ bias]
    for (int64_t r = 0; r < batch * M; ++r)
      for (int64_t c = 0; c < N; ++c) {
        float v = bias ? bias[c] : 0.0f;
        dst[r * N + c] = accumulate ? dst[r * N + c] + v : v;
      }
    return;
  }
  // Size-1 dims have arbitrary strides; give them canonical ones so equal layouts share a key.
  for (GemmOperand* op : {&src, &wei})
    for (int i = nd - 1; i >= 0; --i)
      if (op->dims[i] == 1) op->strides[i] = i == nd - 1 ? 1 : op->dims[i + 1] * op->strides[i + 1];

  Key key;
  key.ndim = nd;
  key.flags = (bias ? 1 : 0) | (accumulate ? 2 : 0);
  for (int i = 0; i < nd; ++i) {
    key.src_dims[i] = src.dims[i];
    key.src_strides[i] = src.strides[i];
    key.wei_dims[i] = wei.dims[i];
    key.wei_strides[i] = wei.strides[i];
  }
  threads::init_from_env();
  Cache& c = cache();
  auto it = c.entries.find(key);
  if (it == c.entries.end()) {
    if (c.entries.size() >= kMaxEntries) c.entries.clear();
    it = c.entries.emplace(key, make_entry(key)).first;
    ++c.created;
  }
  Entry& e = it->second;
  e.src.set_data_handle(const_cast<float*>(src.data));
  e.wei.set_data_handle(const_cast<float*>(wei.data));
  e.dst.set_data_handle(dst);
  dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, e.src.get()}, {DNNL_ARG_WEIGHTS, e.wei.get()}, {DNNL_ARG_DST, e.dst.get()}};
  int nargs = 3;
  if (bias) {
    e.bias.set_data_handle(const_cast<float*>(bias));
    args[nargs++] = {DNNL_ARG_BIAS, e.bias.get()};
  }
  dnnl_status_t st = dnnl_primitive_execute(e.prim.get(), c.stream.get(), nargs, args);
  if (st != dnnl_success) throw Error("gemm: oneDNN matmul failed with status " + std::to_string(int(st)));
}

int64_t gemm_primitives_created() { return cache().created; }

}  // namespace lmf::kernels
