#include "core/autograd.h"

#include "core/grad_ready_hook.h"

#include <chrono>
#include <cstring>

#include "core/profiler.h"
#include "core/kernels/strided_copy.h"

namespace lmf::autograd {
namespace {

thread_local bool g_enabled = true;

struct Tape {
  std::vector<std::weak_ptr<Node>> nodes;
  size_t compact_at = 1024;
  void push(const std::shared_ptr<Node>& n) {
    if (nodes.size() >= compact_at) {  // drop nodes whose graphs were freed
      std::erase_if(nodes, [](const std::weak_ptr<Node>& w) { return w.expired(); });
      compact_at = std::max<size_t>(1024, nodes.size() * 2);
    }
    nodes.push_back(n);
  }
};
thread_local Tape g_tape;

// Grad-ready hooks (core/grad_ready_hook.h). A leaf's autograd state is owned by its
// tensor and by every gradient sink of it, which live in the closures of recorded nodes:
// when the tensor's own reference is the only one left, no node can add to its gradient.
struct Hook {
  std::weak_ptr<AutogradMeta> meta;
  std::function<void()> fn;
  bool fired = false;
};
thread_local std::vector<Hook> g_hooks;

// Runs the hooks (not yet run in this pass) of leaves that no live node refers to.
void fire_ready_hooks() {
  for (Hook& h : g_hooks) {
    if (h.fired) continue;
    std::shared_ptr<AutogradMeta> m = h.meta.lock();
    if (!m) continue;
    if (m.use_count() == 2) {  // the tensor's reference and `m`
      h.fired = true;
      h.fn();
    }
  }
}

}  // namespace

bool enabled() { return g_enabled; }
NoGradGuard::NoGradGuard() : prev_(g_enabled) { g_enabled = false; }
NoGradGuard::~NoGradGuard() { g_enabled = prev_; }

bool should_record(std::initializer_list<const Tensor*> ts) {
  if (!g_enabled) return false;
  for (const Tensor* t : ts)
    if (t && t->defined() && t->requires_grad()) return true;
  return false;
}

void set_grad_ready_hook(const Tensor& t, std::function<void()> hook) {
  LMF_CHECK_SHAPE(t.defined() && t.requires_grad() && t.impl()->ag->is_leaf, "set_grad_ready_hook",
                  "needs a leaf tensor that requires grad");
  const AutogradMeta* meta = t.impl()->ag.get();
  std::erase_if(g_hooks, [&](const Hook& h) { return h.meta.expired() || h.meta.lock().get() == meta; });
  if (hook) g_hooks.push_back({t.impl()->ag, std::move(hook)});
}

GradSink::GradSink(const Tensor& t) {
  if (t.defined() && t.requires_grad()) meta_ = t.impl()->ag;
}

float* GradSink::buffer() {
  if (!meta_->grad.defined()) meta_->grad = Tensor::zeros(meta_->shape);
  return meta_->grad.f32();
}

float* GradSink::buffer_for_write(bool* add) {
  *add = meta_->grad.defined();
  if (!*add) meta_->grad = Tensor::empty(meta_->shape);
  return meta_->grad.f32();
}

const Shape& GradSink::shape() const { return meta_->shape; }

void GradSink::accumulate(const Tensor& g) {
  LMF_CHECK_SHAPE(g.shape() == meta_->shape, "autograd", "gradient " + g.shape().str() +
                                                           " does not match tensor " + meta_->shape.str());
  check_f32(g, "autograd", "gradient");
  const bool add = meta_->grad.defined();
  if (!add) meta_->grad = Tensor::empty(meta_->shape);
  kernels::strided_copy(meta_->grad.f32(), contiguous_strides(meta_->shape),
                        static_cast<const float*>(g.impl()->storage->data()) + g.impl()->offset, g.strides(), g.shape(),
                        add);
}

void record(const char* name, std::initializer_list<Tensor*> outputs,
            std::function<void(const std::vector<Tensor>& dys)> fn) {
  auto node = std::make_shared<Node>();
  node->name = name;
  node->backward = std::move(fn);
  for (Tensor* out : outputs) {
    TensorImpl* impl = out->impl();
    auto meta = std::make_shared<AutogradMeta>();
    meta->requires_grad = true;
    meta->is_leaf = false;
    meta->shape = impl->shape;
    meta->grad_fn = node;
    impl->ag = meta;
    node->outputs.push_back(meta);
  }
  g_tape.push(node);
  if (profiler::enabled()) profiler::forward_done(name);
}

void record(const char* name, Tensor& output, std::function<void(const Tensor& dy)> fn) {
  record(name, {&output}, [f = std::move(fn)](const std::vector<Tensor>& dys) { f(dys[0]); });
}

void backward(const Tensor& root) {
  LMF_CHECK_SHAPE(root.defined() && root.numel() == 1, "backward",
                  "needs a scalar (one element) tensor, got " + (root.defined() ? root.str() : std::string("undefined")));
  LMF_CHECK_SHAPE(root.requires_grad(), "backward", "the tensor does not require grad");
  auto rmeta = root.impl()->ag;
  if (!rmeta->is_leaf && !rmeta->grad_fn)
    throw Error("backward: the graph of this tensor was already freed by an earlier backward()");
  GradSink(root).accumulate(Tensor::full(root.shape(), 1.0f));

  // Hold every live node and its outputs' autograd state for the whole pass: freeing a
  // node's closure drops the sinks it holds, which may be the only owners of upstream
  // outputs whose gradients are still to be read.
  struct Live {
    std::shared_ptr<Node> node;
    std::vector<std::shared_ptr<AutogradMeta>> outs;
  };
  std::vector<Live> live;
  live.reserve(g_tape.nodes.size());
  for (auto& w : g_tape.nodes)
    if (auto n = w.lock()) {
      Live l{n, {}};
      for (auto& o : n->outputs) l.outs.push_back(o.lock());
      live.push_back(std::move(l));
    }
  g_tape.nodes.clear();

  std::erase_if(g_hooks, [](const Hook& h) { return h.meta.expired(); });
  for (Hook& h : g_hooks) h.fired = false;
  if (!g_hooks.empty()) fire_ready_hooks();  // leaves that no node uses
  std::vector<Tensor> dys;
  for (size_t i = live.size(); i-- > 0;) {
    Live& l = live[i];
    dys.clear();
    bool any = false;
    for (auto& m : l.outs) {
      dys.push_back(m ? m->grad : Tensor());
      any = any || (m && m->grad.defined());
    }
    if (any && profiler::enabled()) {
      const auto t0 = std::chrono::steady_clock::now();
      l.node->backward(dys);
      profiler::backward_time(l.node->name, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    } else if (any) {
      l.node->backward(dys);
    }
    // The node's saved activations and its outputs' gradients are no longer needed.
    l.node->backward = nullptr;
    for (auto& m : l.outs)
      if (m) {
        m->grad = Tensor();
        m->grad_fn.reset();
      }
    l = Live{};
    if (!g_hooks.empty()) fire_ready_hooks();
  }
}

size_t tape_size() {
  size_t n = 0;
  for (auto& w : g_tape.nodes) n += !w.expired();
  return n;
}

void clear_tape() {
  for (auto& w : g_tape.nodes)
    if (auto node = w.lock()) {
      node->backward = nullptr;
      for (auto& o : node->outputs)
        if (auto m = o.lock()) m->grad_fn.reset();
    }
  g_tape.nodes.clear();
}

}  // namespace lmf::autograd
