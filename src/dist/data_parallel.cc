#include "dist/data_parallel.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>

#include "core/autograd.h"
#include "core/error.h"
#include "core/grad_ready_hook.h"
#include "core/kernels/sum.h"

namespace lmf::dist {

RowSlice rank_rows(int64_t global_batch, int rank, int ranks, const std::string& flag) {
  if (global_batch % ranks != 0)
    throw Error(flag + " " + std::to_string(global_batch) + " is the global batch and must divide by the " +
                std::to_string(ranks) + " ranks of this job (give a multiple of " + std::to_string(ranks) + ")");
  const int64_t per = global_batch / ranks;
  return {int64_t(rank) * per, int64_t(rank + 1) * per};
}

Tensor take_rows(const Tensor& t, const RowSlice& rows) {
  return rows.begin == 0 && rows.end == t.size(0) ? t : t.slice(0, rows.begin, rows.end).contiguous();
}

struct DataParallel::Bucket {
  std::vector<int> params;  // in the order they become ready
  int ready = 0;
  std::vector<float> buffer;
  Request request;
  bool launched = false;
};

namespace {

// The gradient of p as a contiguous fp32 buffer, created (zero) when backward did not reach p.
float* grad_buffer(const Tensor& p) {
  if (!p.grad().defined()) autograd::GradSink(p).buffer();
  Tensor g = p.grad();
  check_f32(g, "data parallel", "gradient");
  return g.f32();
}

}  // namespace

DataParallel::DataParallel(const Comm& comm, std::vector<NamedParam> params, int64_t bucket_bytes, bool zero1)
    : comm_(comm), params_(std::move(params)), zero1_(zero1) {
  for (auto& p : params_) {
    check_f32(p.value, "data parallel", p.name.c_str());
    if (!p.value.requires_grad()) throw Error("data parallel: parameter " + p.name + " does not require grad");
    if (!p.value.is_contiguous()) throw Error("data parallel: parameter " + p.name + " is not contiguous");
  }
  const int n = int(params_.size());
  bucket_of_.assign(size_t(n), -1);
  if (zero1_) {
    // Whole tensors to ranks, each to the rank with the fewest elements so far (ties: lowest).
    owner_.assign(size_t(n), 0);
    rank_counts_.assign(size_t(comm_.size()), 0);
    for (int i = 0; i < n; ++i) {
      int best = 0;
      for (int r = 1; r < comm_.size(); ++r)
        if (rank_counts_[size_t(r)] < rank_counts_[size_t(best)]) best = r;
      owner_[size_t(i)] = best;
      rank_counts_[size_t(best)] += params_[size_t(i)].value.numel();
    }
    for (int r = 0; r < comm_.size(); ++r)
      for (int i = 0; i < n; ++i)
        if (owner_[size_t(i)] == r) flat_order_.push_back(i);
    int64_t total = 0;
    for (int64_t c : rank_counts_) total += c;
    flat_.resize(size_t(total));
    shard_.resize(size_t(rank_counts_[size_t(comm_.rank())]));
    return;
  }
  if (comm_.size() == 1) return;
  // Buckets over the parameters in reverse order.
  if (bucket_bytes > 0) {
    for (int i = n - 1; i >= 0; --i) {
      if (buckets_.empty() || int64_t(buckets_.back().buffer.size() * sizeof(float)) >= bucket_bytes)
        buckets_.emplace_back();
      Bucket& b = buckets_.back();
      b.params.push_back(i);
      b.buffer.resize(b.buffer.size() + size_t(params_[size_t(i)].value.numel()));
      bucket_of_[size_t(i)] = int(buckets_.size()) - 1;
    }
    for (int i = 0; i < n; ++i) autograd::set_grad_ready_hook(params_[size_t(i)].value, [this, i] { on_ready(i); });
    hooked_ = true;
  } else {
    buckets_.emplace_back();
    Bucket& b = buckets_.back();
    for (int i = n - 1; i >= 0; --i) {
      b.params.push_back(i);
      b.buffer.resize(b.buffer.size() + size_t(params_[size_t(i)].value.numel()));
      bucket_of_[size_t(i)] = 0;
    }
  }
}

DataParallel::~DataParallel() {
  if (hooked_)
    for (auto& p : params_) autograd::set_grad_ready_hook(p.value, nullptr);
}

void DataParallel::broadcast_parameters() {
  for (auto& p : params_) comm_.broadcast(p.value.f32(), p.value.numel(), 0);
}

void DataParallel::arm() {
  armed_ = hooked_;
  next_launch_ = 0;
  for (Bucket& b : buckets_) {
    b.ready = 0;
    b.launched = false;
  }
}

void DataParallel::on_ready(int param) {
  if (!armed_) return;
  Bucket& b = buckets_[size_t(bucket_of_[size_t(param)])];
  ++b.ready;
  launch_ready_buckets();
  // Let MPI progress the buckets in flight while backward goes on.
  for (size_t k = 0; k < next_launch_; ++k) buckets_[k].request.test();
}

void DataParallel::launch_ready_buckets() {
  while (next_launch_ < buckets_.size() &&
         buckets_[next_launch_].ready == int(buckets_[next_launch_].params.size()))
    launch(buckets_[next_launch_++]);
}

void DataParallel::launch(Bucket& b) {
  float* dst = b.buffer.data();
  for (int i : b.params) {
    const Tensor& p = params_[size_t(i)].value;
    std::memcpy(dst, grad_buffer(p), size_t(p.numel()) * sizeof(float));
    dst += p.numel();
  }
  b.request = comm_.iallreduce_sum(b.buffer.data(), int64_t(b.buffer.size()));
  b.launched = true;
}

void DataParallel::finish(float scale) {
  armed_ = false;
  const auto t0 = std::chrono::steady_clock::now();
  if (zero1_) {
    // Flat gradient in owner order, reduce-scattered: this rank's owned gradients summed.
    float* dst = flat_.data();
    for (int i : flat_order_) {
      const Tensor& p = params_[size_t(i)].value;
      std::memcpy(dst, grad_buffer(p), size_t(p.numel()) * sizeof(float));
      dst += p.numel();
    }
    comm_.reduce_scatter_sum(flat_.data(), shard_.data(), rank_counts_);
    const float* src = shard_.data();
    for (int i : flat_order_) {
      if (owner_[size_t(i)] != comm_.rank()) continue;
      const Tensor& p = params_[size_t(i)].value;
      float* g = grad_buffer(p);
      for (int64_t k = 0; k < p.numel(); ++k) g[k] = src[k] * scale;
      src += p.numel();
    }
  } else if (comm_.size() == 1) {
    if (scale != 1.0f)
      for (auto& p : params_)
        if (p.value.grad().defined()) {
          float* g = p.value.grad().f32();
          for (int64_t k = 0; k < p.value.numel(); ++k) g[k] *= scale;
        }
  } else {
    started_in_backward_ = int(next_launch_);
    for (size_t k = next_launch_; k < buckets_.size(); ++k) launch(buckets_[k]);  // not armed, or unused parameters
    next_launch_ = buckets_.size();
    for (Bucket& b : buckets_) {
      b.request.wait();
      const float* src = b.buffer.data();
      for (int i : b.params) {
        const Tensor& p = params_[size_t(i)].value;
        float* g = grad_buffer(p);
        for (int64_t k = 0; k < p.numel(); ++k) g[k] = src[k] * scale;
        src += p.numel();
      }
    }
  }
  wait_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int DataParallel::buckets() const { return int(buckets_.size()); }

bool DataParallel::owns(const std::string& name) const {
  if (!zero1_) return true;
  for (size_t i = 0; i < params_.size(); ++i)
    if (params_[i].name == name) return owner_[i] == comm_.rank();
  return false;
}

float DataParallel::global_grad_norm_clip(double max_norm) {
  double sq = 0;
  for (size_t i = 0; i < params_.size(); ++i)
    if (owns(params_[i].name) && params_[i].value.grad().defined())
      sq += kernels::sum_squares(params_[i].value.grad().f32(), params_[i].value.numel());
  comm_.allreduce_sum(&sq, 1);
  const float total = float(std::sqrt(sq));
  const float coef = float(max_norm) / (total + 1e-6f);
  if (coef < 1.0f)
    for (size_t i = 0; i < params_.size(); ++i)
      if (owns(params_[i].name) && params_[i].value.grad().defined()) {
        float* g = params_[i].value.grad().f32();
        for (int64_t k = 0; k < params_[i].value.numel(); ++k) g[k] *= coef;
      }
  return total;
}

void DataParallel::gather_parameters() {
  if (!zero1_ || comm_.size() == 1) return;
  float* mine = shard_.data();
  for (int i : flat_order_)
    if (owner_[size_t(i)] == comm_.rank()) {
      const Tensor& p = params_[size_t(i)].value;
      std::memcpy(mine, p.f32(), size_t(p.numel()) * sizeof(float));
      mine += p.numel();
    }
  comm_.allgather(shard_.data(), flat_.data(), rank_counts_);
  const float* src = flat_.data();
  for (int i : flat_order_) {
    const Tensor& p = params_[size_t(i)].value;
    std::memcpy(p.f32(), src, size_t(p.numel()) * sizeof(float));
    src += p.numel();
  }
}

std::vector<std::pair<std::string, Tensor>> DataParallel::gather_named(
    const std::vector<std::pair<std::string, Tensor>>& mine) const {
  if (comm_.size() == 1) return mine;
  // name length, name, dtype, rank, dims, data bytes: each field native-endian (one machine type).
  std::string out;
  auto put = [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
  for (const auto& [name, t0] : mine) {
    Tensor t = t0.contiguous();
    int64_t len = int64_t(name.size()), dt = int64_t(t.dtype()), nd = t.dim();
    put(&len, 8);
    put(name.data(), name.size());
    put(&dt, 8);
    put(&nd, 8);
    for (int d = 0; d < t.dim(); ++d) {
      int64_t s = t.size(d);
      put(&s, 8);
    }
    put(t.bytes(), t.nbytes());
  }
  std::vector<std::pair<std::string, Tensor>> all;
  for (const std::string& blob : comm_.allgatherv_bytes(out)) {
    size_t at = 0;
    auto get = [&](void* p, size_t n) {
      if (at + n > blob.size()) throw Error("data parallel: a rank sent a truncated tensor list");
      std::memcpy(p, blob.data() + at, n);
      at += n;
    };
    while (at < blob.size()) {
      int64_t len = 0, dt = 0, nd = 0;
      get(&len, 8);
      std::string name(size_t(len), '\0');
      get(name.data(), size_t(len));
      get(&dt, 8);
      get(&nd, 8);
      std::vector<int64_t> dims(static_cast<size_t>(nd), 0);
      for (auto& d : dims) get(&d, 8);
      Tensor t = Tensor::empty(Shape(dims), DType(dt));
      get(t.bytes(), t.nbytes());
      all.push_back({name, t});
    }
  }
  return all;
}

}  // namespace lmf::dist
