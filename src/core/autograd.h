// Reverse-mode automatic differentiation, define-by-run.
//
// While grad mode is on, every op whose inputs include a tensor that requires grad
// records a Node: a backward closure that reads the gradients of the op's outputs and
// adds into the gradients of its inputs. Nodes are kept in recording order on a
// thread-local tape (weakly) and owned by their outputs, so a graph nobody holds is
// freed with its saved activations. backward(root) walks the tape in reverse, then frees
// every node (saved activations and intermediate gradients) and clears the tape.
//
// Gradients accumulate: leaves (parameters) keep their .grad across backward calls until
// zero_grad(). An op skips the work for an input that does not require grad (no dW for
// frozen weights), because its GradSink reports !wanted().
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "core/tensor.h"

namespace lmf {

struct Node;

struct AutogradMeta {
  bool requires_grad = false;
  bool is_leaf = true;
  Shape shape;                    // shape of the tensor (grad has it too)
  Tensor grad;                    // contiguous fp32; undefined until first accumulation
  std::shared_ptr<Node> grad_fn;  // the node that produced this tensor (non-leaves)
};

struct Node {
  const char* name = "";
  std::vector<std::weak_ptr<AutogradMeta>> outputs;
  // dys[i] is the gradient of outputs[i] (contiguous), or undefined if nothing reached it.
  std::function<void(const std::vector<Tensor>& dys)> backward;
};

namespace autograd {

// Grad mode (thread-local). Off inside a NoGradGuard.
bool enabled();

class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// True when grad mode is on and any defined tensor among `ts` requires grad.
bool should_record(std::initializer_list<const Tensor*> ts);

// Where a backward closure adds an input's gradient. Holds the input's autograd state,
// not its data, so capturing a sink does not keep an activation alive.
class GradSink {
 public:
  GradSink() = default;
  explicit GradSink(const Tensor& t);  // empty sink unless t requires grad
  bool wanted() const { return meta_ != nullptr; }
  // The contiguous gradient buffer, zero-filled when first used; kernels add into it.
  float* buffer();
  // The gradient buffer for a kernel that writes every element: when none exists yet it
  // is allocated uninitialised and *add is set false (the kernel stores its values);
  // otherwise *add is true (the kernel adds into it). Saves buffer()'s zero fill.
  float* buffer_for_write(bool* add);
  // buffer += g (g has the input's shape, any layout).
  void accumulate(const Tensor& g);
  const Shape& shape() const;

 private:
  std::shared_ptr<AutogradMeta> meta_;
};

// Records a node producing `outputs`; marks them as requiring grad. Call only when
// should_record(...) is true.
void record(const char* name, std::initializer_list<Tensor*> outputs,
            std::function<void(const std::vector<Tensor>& dys)> fn);
// Single-output convenience: fn(dy).
void record(const char* name, Tensor& output, std::function<void(const Tensor& dy)> fn);

// Runs the backward pass from `root` (numel 1), then frees the recorded graph.
void backward(const Tensor& root);

// Number of live nodes on this thread's tape (for tests).
size_t tape_size();
// Drops every recorded node (e.g. after a forward pass that will not be differentiated).
void clear_tape();

}  // namespace autograd
}  // namespace lmf
