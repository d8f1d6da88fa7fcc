// Data-parallel gradient synchronisation for the training loops (train, finetune, align):
// the one object they talk to about other ranks. It knows nothing of models or losses.
//
//  - broadcast_parameters(): rank 0's parameter values copied to every rank (at start, so
//    every rank begins from the same weights however it built them).
//  - Buckets: the parameters, in reverse registration order (the order backward makes
//    their gradients final), are packed into buckets of about `bucket_bytes`. During the
//    backward pass marked by arm(), a grad-ready hook (core/grad_ready_hook.h) on every
//    parameter counts the bucket's final gradients; when a bucket is complete (and every
//    earlier bucket has started, so all ranks start them in the same order) its gradients
//    are copied into the bucket's buffer and a non-blocking all-reduce starts, overlapping
//    the rest of backward. bucket_bytes 0: no hooks, one blocking all-reduce after backward.
//  - finish(scale): waits for every bucket, and writes sum-over-ranks × scale back into each
//    parameter's gradient (scale 1/N averages per-rank mean losses; 1 when each rank's loss
//    is already its share of a global mean). Every rank then holds the same gradient, so a
//    later clip_grad_norm computes the global norm.
//  - ZeRO stage 1 (zero1 = true): the parameters are owned by ranks (whole tensors, assigned
//    greedily by size, in order); finish() reduce-scatters the gradients so each rank gets
//    its own parameters' summed gradients only (no overlap), the caller builds its
//    optimizer over owned() parameters only (so the AdamW moments are sharded), uses
//    global_grad_norm_clip() and, after its step, gather_parameters() all-gathers the
//    updated values to every rank.
//
// With one rank every call is a no-op apart from finish()'s scaling (1 rank × scale 1 leaves
// the gradient as it is).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "dist/comm.h"

namespace lmf::dist {

inline constexpr int64_t kDefaultBucketBytes = int64_t(25) << 20;  // PyTorch DDP's default, 25 MiB

// The rows [begin, end) of a global batch of `global_batch` rows that `rank` of `ranks`
// takes: [r·B/N, (r+1)·B/N). Error naming `flag` when B does not divide by N.
struct RowSlice {
  int64_t begin = 0, end = 0;
  int64_t rows() const { return end - begin; }
};
RowSlice rank_rows(int64_t global_batch, int rank, int ranks, const std::string& flag);
// The rows [begin, end) of a (B, ...) tensor: t itself when they are all of it, else a copy.
Tensor take_rows(const Tensor& t, const RowSlice& rows);

struct NamedParam {
  std::string name;
  Tensor value;  // a leaf fp32 tensor that requires grad
};

class DataParallel {
 public:
  DataParallel(const Comm& comm, std::vector<NamedParam> params, int64_t bucket_bytes = kDefaultBucketBytes,
               bool zero1 = false);
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  const Comm& comm() const { return comm_; }
  bool zero1() const { return zero1_; }

  void broadcast_parameters();
  // The next backward pass is the last of this step: its ready gradients are all-reduced
  // as buckets fill. Passes not armed (earlier micro-batches of an accumulation) only accumulate.
  void arm();
  void finish(float scale);

  // ZeRO-1: whether this rank owns parameter `name`; the owned subset of `params` in order.
  bool owns(const std::string& name) const;
  // Σ over owned gradients of g², summed over ranks, then clipped as clip_grad_norm does
  // (coef = max_norm / (total + 1e-6) when < 1, on the owned gradients). Returns total.
  float global_grad_norm_clip(double max_norm);
  void gather_parameters();
  // Every rank's named tensors (e.g. its optimizer state shard), concatenated in rank
  // order, on every rank: the full optimizer state for a checkpoint.
  std::vector<std::pair<std::string, Tensor>> gather_named(const std::vector<std::pair<std::string, Tensor>>& mine) const;

  // Seconds this rank spent blocked in finish() (the all-reduce time not hidden behind
  // backward), and the number of buckets; cumulative.
  double wait_seconds() const { return wait_s_; }
  int buckets() const;
  // Buckets whose all-reduce the last finish() found already started during backward.
  int buckets_started_in_backward() const { return started_in_backward_; }

 private:
  struct Bucket;
  void on_ready(int param);
  void launch_ready_buckets();
  void launch(Bucket& b);

  const Comm& comm_;
  std::vector<NamedParam> params_;
  bool zero1_ = false, armed_ = false, hooked_ = false;
  std::vector<Bucket> buckets_;
  std::vector<int> bucket_of_;  // parameter -> bucket
  size_t next_launch_ = 0;
  int started_in_backward_ = 0;
  // ZeRO-1: owner rank of each parameter; parameter order in the flat buffer (by owner);
  // element counts per rank; the flat gradient/value buffer.
  std::vector<int> owner_;
  std::vector<int> flat_order_;
  std::vector<int64_t> rank_counts_;
  std::vector<float> flat_, shard_;
  double wait_s_ = 0;
};

}  // namespace lmf::dist
