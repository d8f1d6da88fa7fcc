#include "eval/loglikelihood.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <span>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops/concat.h"
#include "eval/log_sum_exp.h"
#include "eval/metrics.h"
#include "infer/decode_steps.h"

namespace lmf::eval {

namespace {

// Whether the code point is whitespace to Python's str.isspace.
bool py_space(uint32_t c) { return python_isspace(c); }

// Log-softmax of `row` (V floats) at `id`, and whether id is the row's first maximum.
std::pair<double, bool> logprob_of(const float* row, int64_t V, TokenId id) {
  int64_t arg = 0;
  const double lse = log_sum_exp(row, V, &arg);
  return {double(row[id]) - lse, arg == int64_t(id)};
}

}  // namespace

size_t rstrip_length(const std::string& s) {
  size_t end = s.size();
  while (end > 0) {
    // The last code point before `end` (UTF-8; a stray byte counts as itself).
    size_t start = end - 1;
    while (start > 0 && (uint8_t(s[start]) & 0xc0) == 0x80 && end - start < 4) --start;
    const uint8_t b0 = uint8_t(s[start]);
    uint32_t c = b0;
    const size_t len = end - start;
    if (len == 2 && (b0 & 0xe0) == 0xc0) c = ((b0 & 0x1fu) << 6) | (uint8_t(s[start + 1]) & 0x3fu);
    else if (len == 3 && (b0 & 0xf0) == 0xe0)
      c = ((b0 & 0x0fu) << 12) | ((uint8_t(s[start + 1]) & 0x3fu) << 6) | (uint8_t(s[start + 2]) & 0x3fu);
    else if (len != 1) c = 0xfffd;
    if (!py_space(c)) break;
    end = start;
  }
  return end;
}

EncodedPair encode_pair(const tok::Tokenizer& tk, const std::string& context, const std::string& continuation,
                        TokenId prefix_token) {
  EncodedPair p;
  if (context.empty()) {
    p.context = {prefix_token};
    p.continuation = tk.encode(continuation);
    return p;
  }
  const size_t keep = rstrip_length(context);
  const std::string ctx = context.substr(0, keep);
  const std::string cont = context.substr(keep) + continuation;
  const std::vector<TokenId> whole = tk.encode(ctx + cont);
  p.context = tk.encode(ctx);
  if (p.context.size() < whole.size())
    p.continuation.assign(whole.begin() + int64_t(p.context.size()), whole.end());
  return p;
}

TokenId prefix_token(const tok::Tokenizer& tk, const ModelConfig& cfg) {
  if (auto e = tk.eot_id()) return *e;
  if (cfg.bos_token_id >= 0) return TokenId(cfg.bos_token_id);
  for (const char* name : {"<s>", "<|begin_of_text|>"})
    if (auto b = tk.token_id(name)) return *b;
  throw Error("tokenizer " + tk.name() +
              " has no end-of-text token (<|endoftext|>, <|end_of_text|>, <|eot_id|>) and no BOS token "
              "(config bos_token_id, <s>, <|begin_of_text|>) to condition the first token on");
}

std::vector<TokenWindow> rolling_token_windows(const std::vector<TokenId>& t, TokenId prefix, int64_t L,
                                               int64_t context_len) {
  if (context_len < 1 || context_len > L) throw Error("rolling windows: need 1 <= context_len <= max_seq_len");
  std::vector<TokenWindow> out;
  const int64_t n = int64_t(t.size());
  if (n == 0) return out;
  const int64_t pred_len = L - context_len + 1;
  // Window 1: [prefix] + t[0:first-1] predicting t[0:first].
  const int64_t first = std::min(L, n);
  TokenWindow w;
  w.prediction.assign(t.begin(), t.begin() + first);
  std::vector<TokenId> input = {prefix};
  input.insert(input.end(), t.begin(), t.begin() + first - 1);
  w.context.assign(input.begin(), input.begin() + int64_t(input.size()) - first + 1);  // make_disjoint_window
  out.push_back(std::move(w));
  int64_t predicted = first;
  while (predicted < n) {
    const int64_t wlen = std::min(n - predicted, pred_len);
    const int64_t end = predicted + wlen;
    TokenWindow x;
    std::vector<TokenId> in(t.begin() + (end - L - 1), t.begin() + (end - 1));
    x.prediction.assign(t.begin() + (end - wlen), t.begin() + end);
    x.context.assign(in.begin(), in.begin() + int64_t(in.size()) - wlen + 1);
    out.push_back(std::move(x));
    predicted += wlen;
  }
  return out;
}

LoglikelihoodScorer::LoglikelihoodScorer(Transformer& model, const tok::Tokenizer& tk)
    : model_(model), tk_(tk), max_len_(model.config().n_positions - model.reserved_positions()),
      prefix_(prefix_token(tk, model.config())) {
  if (max_len_ < 1) throw Error("the model leaves no positions for tokens");
}

std::vector<LoglikelihoodResult> LoglikelihoodScorer::score_tokens(
    const std::vector<TokenId>& context, const std::vector<std::vector<TokenId>>& continuations) {
  autograd::NoGradGuard ng;
  if (context.empty()) throw Error("log-likelihood: empty context (the prefix token stands for none)");
  const int64_t V = model_.config().vocab_size;
  const int64_t positions = model_.config().n_positions;
  std::vector<LoglikelihoodResult> out(continuations.size());
  KVCache cache;
  Tensor last;           // logits (V) after the context
  int64_t ctx_len = -1;  // cache entries holding the context
  for (size_t i = 0; i < continuations.size(); ++i) {
    const std::vector<TokenId>& cont = continuations[i];
    if (cont.empty()) throw Error("log-likelihood: the continuation has no tokens");
    for (TokenId id : cont)
      if (int64_t(id) >= V) throw Error("log-likelihood: token " + std::to_string(id) + " outside the model's vocabulary");
    const int64_t total = int64_t(context.size() + cont.size());
    Tensor rows;  // (n, V): rows[j] predicts cont[j]
    if (int64_t(cont.size()) > max_len_)
      throw Error("log-likelihood: a continuation of " + std::to_string(cont.size()) +
                  " tokens does not fit the model's context of " + std::to_string(max_len_) + " tokens");
    if (total > max_len_ + 1) {
      // Truncated from the left to L tokens of input, in a forward of its own.
      std::vector<TokenId> all(context);
      all.insert(all.end(), cont.begin(), cont.end());
      std::vector<TokenId> in(all.end() - (max_len_ + 1), all.end() - 1);
      KVCache own = model_.make_cache(1, positions);
      Tensor logits;
      prefill(model_, in, own, &logits);
      rows = logits.slice(0, max_len_ - int64_t(cont.size()), max_len_).contiguous();
    } else {
      if (ctx_len < 0) {
        cache = model_.make_cache(1, positions);
        last = prefill(model_, context, cache).contiguous();
        ctx_len = cache.len;
        ++prefills_;
      }
      cache.len = ctx_len;
      if (cont.size() == 1) {
        rows = last.reshape({1, V});
      } else {
        Tensor rest;
        prefill(model_, std::span<const TokenId>(cont.data(), cont.size() - 1), cache, &rest);
        rows = concat({last.reshape({1, V}), rest.contiguous()}, 0).contiguous();
      }
    }
    const float* r = rows.f32();
    bool greedy = true;
    double sum = 0;
    for (size_t j = 0; j < cont.size(); ++j) {
      auto [lp, is_max] = logprob_of(r + int64_t(j) * V, V, cont[j]);
      sum += lp;
      greedy = greedy && is_max;
    }
    out[i] = {sum, greedy};
  }
  return out;
}

std::vector<LoglikelihoodResult> LoglikelihoodScorer::loglikelihood(const std::vector<LoglikelihoodRequest>& requests,
                                                                    const std::function<void(int64_t)>& on_done) {
  std::vector<LoglikelihoodResult> out(requests.size());
  // Groups of requests by context string, in order of first appearance.
  std::map<std::string, size_t> group_of;
  std::vector<std::vector<size_t>> groups;
  for (size_t i = 0; i < requests.size(); ++i) {
    auto [it, fresh] = group_of.try_emplace(requests[i].context, groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  int64_t done = 0;
  for (const std::vector<size_t>& g : groups) {
    // Requests of one context string may still split it differently (the whitespace rule
    // moves the same suffix for all, so their context tokens agree); group by tokens.
    std::map<std::vector<TokenId>, std::vector<std::pair<size_t, std::vector<TokenId>>>> by_tokens;
    for (size_t i : g) {
      EncodedPair p = encode_pair(tk_, requests[i].context, requests[i].continuation, prefix_);
      by_tokens[p.context].emplace_back(i, std::move(p.continuation));
    }
    for (auto& [ctx, items] : by_tokens) {
      std::vector<std::vector<TokenId>> conts;
      for (auto& it : items) conts.push_back(it.second);
      std::vector<LoglikelihoodResult> r = score_tokens(ctx, conts);
      for (size_t k = 0; k < items.size(); ++k) out[items[k].first] = r[k];
    }
    done += int64_t(g.size());
    if (on_done) on_done(done);
  }
  return out;
}

std::vector<double> LoglikelihoodScorer::loglikelihood_rolling(const std::vector<std::string>& texts,
                                                               const std::function<void(int64_t)>& on_done) {
  std::vector<double> out;
  for (const std::string& text : texts) {
    double sum = 0;
    for (const TokenWindow& w : rolling_token_windows(tk_.encode(text), prefix_, max_len_, 1))
      sum += score_tokens(w.context, {w.prediction})[0].logprob;
    out.push_back(sum);
    if (on_done) on_done(int64_t(out.size()));
  }
  return out;
}

}  // namespace lmf::eval
