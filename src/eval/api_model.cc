#include "eval/api_model.h"

#include <httplib.h>

#include <algorithm>

#include "core/error.h"
#include "eval/generate_until.h"
#include "models/config.h"

namespace lmf::eval {

using nlohmann::json;

struct ApiModel::Client {
  explicit Client(const std::string& scheme_host_port) : http(scheme_host_port) {}
  httplib::Client http;
};

ApiModel::ApiModel(ApiOptions o, tok::Tokenizer tk) : o_(std::move(o)), tk_(std::move(tk)) {
  if (o_.url.empty()) throw Error("API model: no server URL given");
  if (o_.max_length < 2) throw Error("API model: max_length must be at least 2 tokens, not " + std::to_string(o_.max_length));
  if (o_.batch < 1) throw Error("API model: batch must be positive");
  const size_t scheme = o_.url.find("://");
  if (scheme == std::string::npos || (o_.url.compare(0, scheme, "http") != 0 && o_.url.compare(0, scheme, "https") != 0))
    throw Error("API model: URL " + o_.url + " must start with http:// or https://");
  const size_t slash = o_.url.find('/', scheme + 3);
  host_ = o_.url.substr(0, slash);
  std::string path = slash == std::string::npos ? std::string() : o_.url.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.ends_with("/v1/completions")) path_ = path;
  else if (path.ends_with("/v1")) path_ = path + "/completions";
  else path_ = path + "/v1/completions";
  endpoint_ = host_ + path_;
  client_ = std::make_unique<Client>(host_);
  if (!client_->http.is_valid()) throw Error("API model: cannot use URL " + o_.url);
  const auto secs = std::chrono::duration<double>(o_.timeout_s);
  client_->http.set_connection_timeout(std::chrono::duration_cast<std::chrono::microseconds>(std::min(secs, std::chrono::duration<double>(30))));
  client_->http.set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(secs));
  client_->http.set_write_timeout(std::chrono::duration_cast<std::chrono::microseconds>(secs));
  if (!o_.api_key.empty()) client_->http.set_bearer_token_auth(o_.api_key);
  prefix_ = prefix_token(tk_, ModelConfig{});
}

ApiModel::~ApiModel() = default;

json ApiModel::complete(json body, size_t expected_choices) {
  body["model"] = o_.model;
  const std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
  httplib::Result res = client_->http.Post(path_, text, "application/json");
  if (!res) throw Error("POST " + endpoint_ + ": no answer (" + httplib::to_string(res.error()) + ")");
  json answer;
  try {
    answer = json::parse(res->body);
  } catch (const json::exception&) {
    std::string shown = res->body.substr(0, 300);
    throw Error("POST " + endpoint_ + ": HTTP " + std::to_string(res->status) + ", not JSON: " + shown);
  }
  auto message_of = [&](const json& e) {
    if (e.is_object() && e.contains("message") && e["message"].is_string()) return e["message"].get<std::string>();
    return e.dump();
  };
  if (answer.is_object() && answer.contains("error") && !answer["error"].is_null())
    throw Error("POST " + endpoint_ + ": HTTP " + std::to_string(res->status) + ": " + message_of(answer["error"]));
  if (res->status != 200) throw Error("POST " + endpoint_ + ": HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 300));
  if (!answer.is_object() || !answer.contains("choices") || !answer["choices"].is_array() ||
      answer["choices"].size() != expected_choices)
    throw Error("POST " + endpoint_ + ": the answer does not hold " + std::to_string(expected_choices) + " choices");
  json choices = answer["choices"];
  std::vector<json> sorted(choices.begin(), choices.end());
  for (const json& c : sorted)
    if (!c.is_object() || !c.contains("index") || !c["index"].is_number_integer())
      throw Error("POST " + endpoint_ + ": a choice without an index");
  std::stable_sort(sorted.begin(), sorted.end(), [](const json& a, const json& b) { return a["index"].get<int64_t>() < b["index"].get<int64_t>(); });
  return json(sorted);
}

std::vector<json> ApiModel::echo_logprobs(const std::vector<std::vector<TokenId>>& prompts) {
  std::vector<json> out;
  for (size_t at = 0; at < prompts.size(); at += size_t(o_.batch)) {
    const size_t n = std::min(prompts.size() - at, size_t(o_.batch));
    json list = json::array();
    for (size_t i = 0; i < n; ++i) list.push_back(prompts[at + i]);
    const json choices = complete({{"prompt", list}, {"max_tokens", 0}, {"echo", true}, {"logprobs", 1}, {"temperature", 0}}, n);
    for (size_t i = 0; i < n; ++i) {
      const json& c = choices[i];
      if (!c.contains("logprobs") || !c["logprobs"].is_object() || !c["logprobs"].contains("token_logprobs") ||
          !c["logprobs"]["token_logprobs"].is_array())
        throw Error("POST " + endpoint_ + ": a choice without logprobs.token_logprobs (does the server support echo with logprobs?)");
      const json& lps = c["logprobs"]["token_logprobs"];
      if (lps.size() < prompts[at + i].size())
        throw Error("POST " + endpoint_ + ": " + std::to_string(lps.size()) + " echoed log-probabilities for a prompt of " +
                    std::to_string(prompts[at + i].size()) + " tokens");
      out.push_back(lps);
    }
  }
  return out;
}

namespace {

double sum_from(const json& lps, size_t from, size_t to, const std::string& endpoint) {
  double sum = 0;
  for (size_t j = from; j < to; ++j) {
    if (!lps[j].is_number())
      throw Error("POST " + endpoint + ": the echoed prompt of " + std::to_string(to) + " tokens has no log-probability for token " +
                  std::to_string(j) + " (got " + lps[j].dump() + ")");
    sum += lps[j].get<double>();
  }
  return sum;
}

}  // namespace

std::vector<LoglikelihoodResult> ApiModel::loglikelihood(const std::vector<LoglikelihoodRequest>& requests, bool need_greedy,
                                                         const std::function<void(int64_t)>& on_done) {
  std::vector<LoglikelihoodResult> out(requests.size());
  std::vector<std::vector<TokenId>> prompts;
  std::vector<size_t> ctxlens, contlens;
  std::vector<std::vector<TokenId>> conts;
  for (const LoglikelihoodRequest& r : requests) {
    EncodedPair p = encode_pair(tk_, r.context, r.continuation, prefix_);
    if (p.continuation.empty()) throw Error("log-likelihood: the continuation has no tokens");
    if (int64_t(p.continuation.size()) >= o_.max_length)
      throw Error("log-likelihood: a continuation of " + std::to_string(p.continuation.size()) +
                  " tokens does not fit max_length " + std::to_string(o_.max_length) + " with a token of context");
    std::vector<TokenId> all = p.context;
    all.insert(all.end(), p.continuation.begin(), p.continuation.end());
    if (int64_t(all.size()) > o_.max_length) all.erase(all.begin(), all.end() - o_.max_length);
    ctxlens.push_back(all.size() - p.continuation.size());
    contlens.push_back(p.continuation.size());
    prompts.push_back(std::move(all));
    conts.push_back(std::move(p.continuation));
  }
  for (size_t at = 0; at < prompts.size(); at += size_t(o_.batch)) {
    const size_t n = std::min(prompts.size() - at, size_t(o_.batch));
    const std::vector<std::vector<TokenId>> part(prompts.begin() + int64_t(at), prompts.begin() + int64_t(at + n));
    const std::vector<json> lps = echo_logprobs(part);
    for (size_t i = 0; i < n; ++i) {
      const size_t k = at + i;
      out[k].logprob = sum_from(lps[i], ctxlens[k], prompts[k].size(), endpoint_);
      if (need_greedy) {
        const std::vector<TokenId> ctx(prompts[k].begin(), prompts[k].begin() + int64_t(ctxlens[k]));
        const json c = complete({{"prompt", ctx}, {"max_tokens", contlens[k]}, {"temperature", 0}, {"logprobs", 0}}, 1)[0];
        if (!c.contains("logprobs") || !c["logprobs"].is_object() || !c["logprobs"].contains("tokens") || !c["logprobs"]["tokens"].is_array())
          throw Error("POST " + endpoint_ + ": a greedy reply without logprobs.tokens");
        const json& toks = c["logprobs"]["tokens"];
        bool greedy = toks.size() == conts[k].size();
        for (size_t j = 0; greedy && j < conts[k].size(); ++j)
          greedy = toks[j].is_string() && toks[j].get<std::string>() == tk_.decode(std::span<const TokenId>(&conts[k][j], 1));
        out[k].is_greedy = greedy;
      }
    }
    if (on_done) on_done(int64_t(at + n));
  }
  return out;
}

std::vector<double> ApiModel::loglikelihood_rolling(const std::vector<std::string>& texts,
                                                    const std::function<void(int64_t)>& on_done) {
  std::vector<double> out;
  for (const std::string& text : texts) {
    std::vector<std::vector<TokenId>> prompts;
    std::vector<size_t> starts;
    for (const TokenWindow& w : rolling_token_windows(tk_.encode(text), prefix_, o_.max_length - 1, 1)) {
      std::vector<TokenId> p = w.context;
      p.insert(p.end(), w.prediction.begin(), w.prediction.end());
      starts.push_back(w.context.size());
      prompts.push_back(std::move(p));
    }
    const std::vector<json> lps = echo_logprobs(prompts);
    double sum = 0;
    for (size_t i = 0; i < prompts.size(); ++i) sum += sum_from(lps[i], starts[i], prompts[i].size(), endpoint_);
    out.push_back(sum);
    if (on_done) on_done(int64_t(out.size()));
  }
  return out;
}

std::string ApiModel::generate_until(const std::vector<TokenId>& prompt, const std::vector<std::string>& until,
                                     int64_t max_gen_toks, const std::vector<TokenId>& stop_ids) {
  if (!stop_ids.empty()) throw Error("generation through " + endpoint_ + " takes stop strings only, not stop token ids");
  const int64_t room = o_.max_length - max_gen_toks;
  if (room < 1)
    throw Error("generate_until: max_gen_toks " + std::to_string(max_gen_toks) + " leaves no room for the prompt in max_length " +
                std::to_string(o_.max_length));
  std::vector<TokenId> p = prompt;
  if (int64_t(p.size()) > room) p.erase(p.begin(), p.end() - room);
  json stop = json::array();
  for (const std::string& s : until)
    if (!s.empty()) stop.push_back(s);
  json body = {{"prompt", p}, {"max_tokens", max_gen_toks}, {"temperature", 0}};
  if (!stop.empty()) body["stop"] = stop;
  const json c = complete(body, 1)[0];
  if (!c.contains("text") || !c["text"].is_string()) throw Error("POST " + endpoint_ + ": a choice without text");
  return cut_at_stops(c["text"].get<std::string>(), until);
}

}  // namespace lmf::eval
