// Grad-ready hooks: a callback on a leaf tensor (a parameter) that runs during backward()
// as soon as the leaf's gradient is final for that pass. Data-parallel training starts a
// gradient bucket's all-reduce from it while the rest of the backward pass goes on (the
// way PyTorch DDP overlaps communication with computation).
//
// Promise: during each autograd::backward() on this thread, the hook of every hooked leaf
// that is still alive runs exactly once, on the thread running backward, after the last
// node holding a gradient sink of that leaf has run and been freed — so the leaf's .grad
// then holds everything the pass adds to it (undefined when nothing reached it; a leaf
// no node uses fires before the first node runs). Hooks are per thread, like the tape.
#pragma once
#include <functional>

#include "core/tensor.h"

namespace lmf::autograd {

// Sets (or, with an empty hook, removes) the grad-ready hook of `t`, a leaf that requires
// grad (ShapeError otherwise).
void set_grad_ready_hook(const Tensor& t, std::function<void()> hook);

}  // namespace lmf::autograd
