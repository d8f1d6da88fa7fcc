// Engine: continuous batching over `parallel` slots that share one model. The thread that
// calls run_steps() runs steps until stop() (the server gives it the thread that loaded the
// model: one thread doing all the OpenMP work keeps one team of OpenMP workers, which spin
// between a step's parallel regions; a second team makes libgomp put them to sleep instead,
// and each region then waits for them to wake). Each step
//   1. admits queued generations into free slots (the slot whose cache shares the longest
//      reusable prefix with the prompt, infer/decode_steps.h; else the least recently used),
//   2. prefills one chunk (kPrefillChunk positions) of one admitted prompt, so a long prompt
//      never stalls the other streams for longer than a chunk,
//   3. decodes one token for every running slot: the slots of one model (the base or one
//      adapter) go through one forward pass (infer/decode_steps.h: a row's values do not
//      depend on its neighbours, so a request's tokens never depend on load),
//   4. frees the slots of finished and cancelled generations (a cancelled one within a step).
// Each slot keeps its KV cache (--ctx positions) and the ids in it after a request, for the
// next one to reuse.
//
// Per token: log-probabilities of the model's distribution (log-softmax of the logits,
// before penalties, temperature and filters) when asked; OpenAI's presence and frequency
// penalties over the completion's tokens; the JSON constraint's mask; then the sampler
// (infer/sampler.h). Text goes through TextStream (valid UTF-8, no special tokens, stop
// strings). A generation ends at eos ("stop"), a stop string ("stop"), a complete JSON
// document ("stop"), max_tokens or a full context ("length").
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "models/kv_cache.h"
#include "models/transformer.h"
#include "serve/generation.h"
#include "serve/metrics.h"
#include "tokenizer/tokenizer.h"

namespace lmf::serve {

struct EngineOptions {
  int parallel = 4;        // slots (1 to decode_max_rows())
  int64_t ctx = 0;         // positions per slot; 0: the model's n_positions
  int64_t max_queue = 64;  // generations waiting for a slot beyond this are refused
  WatermarkOptions watermark;  // key set: every generation is watermarked (infer/watermark.h) over the tokenizer's vocabulary
};

class Engine {
 public:
  // hooks[i]: what model i runs with (nullptr: the base model alone). The model, tokenizer
  // and hooks outlive the engine.
  Engine(Transformer& model, const tok::Tokenizer& tk, std::vector<ForwardHooks*> hooks, EngineOptions opt,
         Metrics* metrics);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // The step loop, on the calling thread, until stop(); then unfinished generations end
  // "cancelled" and waiting tasks fail.
  void run_steps();
  void stop();

  // Queues a generation; null when the queue is full. Its prompt fits the context (the
  // caller checks with context()).
  std::shared_ptr<Generation> submit(GenerationRequest r);
  int64_t context() const { return ctx_; }
  // The most generations it holds at once: the slots and the queue.
  int64_t capacity() const { return opt_.parallel + opt_.max_queue; }
  int64_t queue_length() const;
  int64_t active_slots() const;
  // Ends every generation ("cancelled") at the next step.
  void cancel_all();
  // Runs `task` on the steps' thread between two steps (work that needs the model, such as
  // embeddings, never runs beside a step) and waits for it; its exception is rethrown here.
  void run(const std::function<void(Transformer&)>& task);

 private:
  struct Slot;
  bool admit();                      // under mu_
  void prefill_step(Slot& s);
  void decode_step();
  void sample(Slot& s, const float* logits);  // picks and emits the next token
  void finish(Slot& s, const std::string& reason, const std::string& error = "");

  Transformer& model_;
  const tok::Tokenizer& tk_;
  std::vector<ForwardHooks*> hooks_;
  EngineOptions opt_;
  Metrics* metrics_;
  int64_t ctx_ = 0;
  std::vector<std::unique_ptr<Slot>> slots_;
  uint64_t clock_ = 0;  // for least recently used

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Generation>> queue_;
  struct Task;
  std::deque<std::shared_ptr<Task>> tasks_;
  std::atomic<int64_t> active_{0};
  std::atomic<bool> cancel_all_{false};
  bool stop_ = false;
};

}  // namespace lmf::serve
