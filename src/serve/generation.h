// One generation as the server's engine runs it: the request (prompt ids, limits, sampling,
// stop strings, logprobs, an optional JSON constraint) and the channel its results come back
// on. The engine thread pushes events; the HTTP thread that owns the request waits on them
// and may cancel (a client that went away). Thread-safe.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/token_id.h"
#include "infer/json_constraint.h"
#include "infer/sampler.h"

namespace lmf::serve {

struct GenerationRequest {
  size_t model = 0;                  // 0: the base model, i ≥ 1: adapter i - 1 (ServedModels)
  std::vector<TokenId> prompt;
  int64_t max_tokens = 16;           // ≥ 1, or 0 for the prompt's log-probabilities only
  SamplingOptions sampling;          // temperature 0: greedy
  float presence_penalty = 0, frequency_penalty = 0;  // OpenAI's, over the completion's tokens
  std::vector<std::string> stop;     // the text ends before the first of these
  std::optional<TokenId> eos;        // ends the completion (not shown)
  int top_logprobs = -1;             // < 0: no logprobs; else logprob of each token and the top N
  bool prompt_logprobs = false;      // also the prompt's log-probabilities (echo)
  std::shared_ptr<JsonConstraint> constraint;  // response_format; owned by this generation
};

struct TokenLogprob {
  TokenId id = 0;
  double logprob = 0;
  std::vector<std::pair<TokenId, double>> top;  // most likely first
};

// What happened since the last event: visible text, the tokens sampled, and at the end the
// finish reason and the counts.
struct GenerationEvent {
  std::string text;
  std::vector<TokenLogprob> tokens;
  bool done = false;
  std::string finish_reason;           // when done: "stop", "length", "cancelled" or "error"
  std::string error;                   // when done because of an error
  int64_t prompt_tokens = 0, completion_tokens = 0;
  std::vector<double> prompt_logprobs;  // with prompt_logprobs: one per prompt id after the first, over the prefill chunks' events in order
};

class Generation {
 public:
  explicit Generation(GenerationRequest r) : request(std::move(r)), submitted(std::chrono::steady_clock::now()) {}
  const GenerationRequest request;
  const std::chrono::steady_clock::time_point submitted;

  // Consumer: the next event, waiting up to `wait`; nullopt on timeout.
  std::optional<GenerationEvent> next(std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lk(mu_);
    if (!cv_.wait_for(lk, wait, [&] { return !events_.empty(); })) return std::nullopt;
    GenerationEvent e = std::move(events_.front());
    events_.pop_front();
    return e;
  }
  // Everything until done, merged into one event.
  GenerationEvent wait_all() {
    GenerationEvent all;
    for (;;) {
      std::optional<GenerationEvent> e = next(std::chrono::milliseconds(1000));
      if (!e) continue;
      all.text += e->text;
      all.tokens.insert(all.tokens.end(), e->tokens.begin(), e->tokens.end());
      all.prompt_logprobs.insert(all.prompt_logprobs.end(), e->prompt_logprobs.begin(), e->prompt_logprobs.end());
      if (e->done) {
        all.done = true;
        all.finish_reason = e->finish_reason;
        all.error = e->error;
        all.prompt_tokens = e->prompt_tokens;
        all.completion_tokens = e->completion_tokens;
        return all;
      }
    }
  }
  void cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }

  // Producer (the engine).
  void push(GenerationEvent e) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      events_.push_back(std::move(e));
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<GenerationEvent> events_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace lmf::serve
