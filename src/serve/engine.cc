#include "serve/engine.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <unordered_map>

#include "core/autograd.h"
#include "core/error.h"
#include "infer/decode_steps.h"
#include "infer/text_stream.h"

namespace lmf::serve {

using Clock = std::chrono::steady_clock;

struct Engine::Slot {
  KVCache cache;
  size_t model = std::numeric_limits<size_t>::max();  // whose values the cache holds
  std::vector<TokenId> cached;  // the ids in the cache, in order
  int64_t prefilled = 0;        // how many of them entered by prefill
  uint64_t last_used = 0;

  // The generation running here (null: free).
  std::shared_ptr<Generation> gen;
  size_t prefill_at = 0;  // prompt ids already in the cache
  bool decoding = false;  // the prompt is in; `next` is the sampled id still to run
  TokenId next = 0;
  std::unique_ptr<Sampler> sampler;
  std::unique_ptr<TextStream> stream;
  std::vector<TokenId> history;  // prompt and completion (the repetition penalty's)
  std::unordered_map<TokenId, int64_t> counts;  // the completion's ids
  int64_t generated = 0;
  Clock::time_point last_token;
  std::vector<float> work;
};

struct Engine::Task {
  std::function<void(Transformer&)> fn;
  std::exception_ptr error;
  bool done = false;
};

Engine::Engine(Transformer& model, const tok::Tokenizer& tk, std::vector<ForwardHooks*> hooks, EngineOptions opt,
               Metrics* metrics)
    : model_(model), tk_(tk), hooks_(std::move(hooks)), opt_(opt), metrics_(metrics) {
  if (hooks_.empty()) hooks_.push_back(nullptr);
  if (opt_.parallel < 1 || opt_.parallel > decode_max_rows())
    throw Error("serve: --parallel must be 1 to " + std::to_string(decode_max_rows()));
  const int64_t n_pos = model_.config().n_positions;
  ctx_ = opt_.ctx > 0 ? std::min(opt_.ctx, n_pos) : n_pos;
  if (opt_.watermark.on()) {
    opt_.watermark.vocab_size = int64_t(tk_.vocab_size());
    check_watermark(opt_.watermark);
    if (opt_.watermark.vocab_size > model_.config().vocab_size)
      throw Error("serve: --watermark: the tokenizer's vocabulary (" + std::to_string(opt_.watermark.vocab_size) +
                  " ids) is larger than the model's (" + std::to_string(model_.config().vocab_size) + ")");
  }
  for (int i = 0; i < opt_.parallel; ++i) {
    slots_.push_back(std::make_unique<Slot>());
    slots_.back()->cache = model_.make_cache(1, ctx_);
  }
}

Engine::~Engine() = default;

void Engine::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
}

std::shared_ptr<Generation> Engine::submit(GenerationRequest r) {
  auto g = std::make_shared<Generation>(std::move(r));
  {
    std::lock_guard<std::mutex> lk(mu_);
    // Free slots take queued generations at the next step; beyond them max_queue may wait.
    const int64_t free_slots = std::max<int64_t>(0, opt_.parallel - active_);
    if (stop_ || int64_t(queue_.size()) >= opt_.max_queue + free_slots) return nullptr;
    queue_.push_back(g);
  }
  cv_.notify_all();
  return g;
}

int64_t Engine::queue_length() const {
  std::lock_guard<std::mutex> lk(mu_);
  return int64_t(queue_.size());
}

int64_t Engine::active_slots() const { return active_; }

void Engine::cancel_all() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    for (auto& g : queue_) g->cancel();
    cancel_all_ = true;  // the slots' generations are the engine thread's: it cancels them
  }
  cv_.notify_all();
}

void Engine::run(const std::function<void(Transformer&)>& fn) {
  auto t = std::make_shared<Task>();
  t->fn = fn;
  std::unique_lock<std::mutex> lk(mu_);
  if (stop_) throw Error("serve: the server is shutting down");
  tasks_.push_back(t);
  cv_.notify_all();
  cv_.wait(lk, [&] { return t->done; });
  if (t->error) std::rethrow_exception(t->error);
}

// Under mu_: queued generations into free slots.
bool Engine::admit() {
  bool any = false;
  while (!queue_.empty()) {
    std::shared_ptr<Generation> g = queue_.front();
    if (g->cancelled()) {
      queue_.pop_front();
      GenerationEvent e;
      e.done = true;
      e.finish_reason = "cancelled";
      g->push(std::move(e));
      continue;
    }
    const GenerationRequest& r = g->request;
    Slot* best = nullptr;
    int64_t best_keep = -1;
    for (auto& sp : slots_) {
      Slot& s = *sp;
      if (s.gen) continue;
      const int64_t keep = s.model == r.model && !r.prompt_logprobs
                               ? reusable_prefix(s.cached, s.prefilled, r.prompt, s.cache) : 0;
      if (keep > best_keep || (keep == best_keep && s.last_used < best->last_used)) {
        best = &s;
        best_keep = keep;
      }
    }
    if (!best) break;
    queue_.pop_front();
    Slot& s = *best;
    if (best_keep > 0) {
      if (metrics_) metrics_->cached_tokens(best_keep);
      s.cache.len = best_keep;
      s.cached.resize(size_t(best_keep));
    } else {
      s.cache.clear();
      s.cached.clear();
    }
    s.model = r.model;
    s.prefilled = int64_t(r.prompt.size());
    s.last_used = ++clock_;
    s.gen = g;
    s.prefill_at = size_t(best_keep);
    s.decoding = false;
    s.history = r.prompt;
    s.counts.clear();
    s.generated = 0;
    ++active_;
    any = true;
    try {
      SamplingOptions so = r.sampling;
      so.watermark = opt_.watermark;
      s.sampler = std::make_unique<Sampler>(so);
      s.stream = std::make_unique<TextStream>(tk_, r.stop);
    } catch (const std::exception& ex) {  // a request the engine cannot run ends with its error
      s.stream.reset();
      finish(s, "error", ex.what());
    }
  }
  return any;
}

void Engine::finish(Slot& s, const std::string& reason, const std::string& error) {
  GenerationEvent e;
  if (error.empty() && reason != "cancelled") e.text = s.stream->finish();
  e.done = true;
  e.finish_reason = reason;
  e.error = error;
  e.prompt_tokens = int64_t(s.gen->request.prompt.size());
  e.completion_tokens = s.generated;
  if (metrics_) metrics_->tokens(int64_t(s.prefill_at), s.generated);
  if (!error.empty()) {  // the cache may be half written
    s.cache.clear();
    s.cached.clear();
    s.prefilled = 0;
  }
  s.gen->push(std::move(e));
  s.gen.reset();
  s.decoding = false;
  --active_;
}

// log-softmax of the raw logits: the chosen id's value and the top n.
static TokenLogprob logprobs_of(const float* logits, int64_t V, TokenId id, int n) {
  double mx = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < V; ++i) mx = std::max(mx, double(logits[i]));
  double sum = 0;
  for (int64_t i = 0; i < V; ++i) sum += std::exp(double(logits[i]) - mx);
  const double lse = mx + std::log(sum);
  TokenLogprob t;
  t.id = id;
  t.logprob = double(logits[id]) - lse;
  if (n > 0) {
    std::vector<TokenId> order(static_cast<size_t>(V));
    for (int64_t i = 0; i < V; ++i) order[size_t(i)] = TokenId(i);
    const size_t k = std::min<size_t>(size_t(n), order.size());
    std::partial_sort(order.begin(), order.begin() + int64_t(k), order.end(), [&](TokenId a, TokenId b) {
      return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    });
    for (size_t i = 0; i < k; ++i) t.top.emplace_back(order[i], double(logits[order[i]]) - lse);
  }
  return t;
}

void Engine::sample(Slot& s, const float* logits) {
  const GenerationRequest& r = s.gen->request;
  const int64_t V = model_.config().vocab_size;
  s.work.assign(logits, logits + V);
  for (const auto& [id, c] : s.counts)
    s.work[size_t(id)] -= r.presence_penalty * (c > 0 ? 1.f : 0.f) + r.frequency_penalty * float(c);
  // Tokens left, this one included: max_tokens, and what the cache can still take (each
  // token after this one needs its predecessor's entry), so a document closes before either.
  const int64_t left = std::min<int64_t>(r.max_tokens - s.generated, 1 + s.cache.max_len - s.cache.len);
  if (r.constraint) r.constraint->mask(s.work.data(), V, left, r.eos ? *r.eos : -1);
  const TokenId id = s.sampler->sample(s.work.data(), V, s.history);
  GenerationEvent e;
  if (r.top_logprobs >= 0) e.tokens.push_back(logprobs_of(logits, V, id, r.top_logprobs));
  else e.tokens.push_back({id, 0, {}});
  ++s.generated;
  ++s.counts[id];
  s.history.push_back(id);
  const Clock::time_point now = Clock::now();
  if (metrics_) {
    if (s.generated == 1) metrics_->time_to_first_token.observe(std::chrono::duration<double>(now - s.gen->submitted).count());
    else metrics_->inter_token_latency.observe(std::chrono::duration<double>(now - s.last_token).count());
  }
  s.last_token = now;
  const bool eos = r.eos && id == *r.eos;
  if (!eos) {
    if (r.constraint) r.constraint->accept(id);
    e.text = s.stream->push(id);
  }
  s.gen->push(std::move(e));
  if (eos || s.stream->stopped() || (r.constraint && r.constraint->complete())) return finish(s, "stop");
  if (s.generated >= r.max_tokens) return finish(s, "length");
  s.next = id;
  s.decoding = true;
}

void Engine::prefill_step(Slot& s) {
  const GenerationRequest& r = s.gen->request;
  model_.set_hooks(hooks_[r.model]);
  const size_t room = size_t(kPrefillChunk - s.cache.len % kPrefillChunk);
  const size_t n = std::min(r.prompt.size() - s.prefill_at, room);
  std::span<const TokenId> ids(r.prompt.data() + s.prefill_at, n);
  Tensor all;
  Tensor last = prefill(model_, ids, s.cache, r.prompt_logprobs ? &all : nullptr);
  if (r.prompt_logprobs) {  // row j predicts prompt id prefill_at + j + 1
    GenerationEvent e;
    const int64_t V = model_.config().vocab_size;
    Tensor c = all.contiguous();
    for (size_t j = 0; j < n && s.prefill_at + j + 1 < r.prompt.size(); ++j)
      e.prompt_logprobs.push_back(logprobs_of(c.f32() + int64_t(j) * V, V, r.prompt[s.prefill_at + j + 1], 0).logprob);
    if (!e.prompt_logprobs.empty()) s.gen->push(std::move(e));
  }
  s.cached.insert(s.cached.end(), ids.begin(), ids.end());
  s.prefill_at += n;
  if (s.prefill_at == r.prompt.size()) {
    if (r.max_tokens == 0) return finish(s, "length");  // only the prompt's log-probabilities
    Tensor l = last.contiguous();
    sample(s, l.f32());
  }
}

void Engine::decode_step() {
  const int64_t V = model_.config().vocab_size;
  for (size_t m = 0; m < hooks_.size(); ++m) {
    std::vector<Slot*> group;
    for (auto& sp : slots_)
      if (sp->gen && sp->decoding && sp->gen->request.model == m) {
        Slot& s = *sp;
        const bool full = s.cache.len + 1 > s.cache.max_len;
        if (full) finish(s, "length");
        else group.push_back(&s);
      }
    if (group.empty()) continue;
    std::vector<TokenId> ids;
    std::vector<KVCache*> caches;
    for (Slot* s : group) {
      ids.push_back(s->next);
      caches.push_back(&s->cache);
    }
    model_.set_hooks(hooks_[m]);
    Tensor logits;
    try {
      logits = decode(model_, ids, caches).contiguous();  // (B, V)
    } catch (const std::exception& ex) {
      for (Slot* s : group) finish(*s, "error", ex.what());
      continue;
    }
    for (size_t b = 0; b < group.size(); ++b) {
      Slot& s = *group[b];
      s.cached.push_back(ids[b]);
      try {
        sample(s, logits.f32() + int64_t(b) * V);
      } catch (const std::exception& ex) {
        finish(s, "error", ex.what());
      }
    }
  }
}

void Engine::run_steps() {
  autograd::NoGradGuard ng;
  for (;;) {
    std::vector<std::shared_ptr<Task>> tasks;
    {
      std::unique_lock<std::mutex> lk(mu_);
      auto free_slot = [&] {
        return std::any_of(slots_.begin(), slots_.end(), [](const auto& s) { return !s->gen; });
      };
      cv_.wait(lk, [&] { return stop_ || !tasks_.empty() || active_ > 0 || (!queue_.empty() && free_slot()); });
      if (stop_) break;
      admit();
      tasks.assign(tasks_.begin(), tasks_.end());
      tasks_.clear();
    }
    for (auto& t : tasks) {
      try {
        model_.set_hooks(hooks_[0]);
        t->fn(model_);
      } catch (...) {
        t->error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lk(mu_);
        t->done = true;
      }
      cv_.notify_all();
    }
    const bool cancel_all = cancel_all_.exchange(false);
    for (auto& sp : slots_)
      if (sp->gen && (cancel_all || sp->gen->cancelled())) finish(*sp, "cancelled");
    // One chunk of the earliest admitted prompt still prefilling.
    Slot* pre = nullptr;
    for (auto& sp : slots_)
      if (sp->gen && !sp->decoding && (!pre || sp->last_used < pre->last_used)) pre = sp.get();
    if (pre) {
      try {
        prefill_step(*pre);
      } catch (const std::exception& ex) {
        finish(*pre, "error", ex.what());
      }
    }
    decode_step();
  }
  std::lock_guard<std::mutex> lk(mu_);
  for (auto& sp : slots_)
    if (sp->gen) finish(*sp, "cancelled");
  for (auto& g : queue_) {
    GenerationEvent e;
    e.done = true;
    e.finish_reason = "cancelled";
    g->push(std::move(e));
  }
  queue_.clear();
  for (auto& t : tasks_) {
    t->error = std::make_exception_ptr(Error("serve: the server is shutting down"));
    t->done = true;
  }
  cv_.notify_all();
}

}  // namespace lmf::serve
