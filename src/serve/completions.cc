#include "serve/completions.h"

#include <chrono>
#include <random>

#include "core/error.h"
#include "core/version.h"
#include "infer/chat_template.h"
#include "serve/random_id.h"
#include "serve/request_fields.h"
#include "serve/tool_calls.h"
#include "tools/tool_call.h"

namespace lmf::serve {
namespace {

using json = nlohmann::ordered_json;

// The fields chat and completions share: sampling, limits, stop, n, stream.
struct Common {
  GenerationRequest base;
  int64_t n = 1;
  bool max_given = false;
};

Common parse_common(const RequestFields& f, const ServedModels& m, int64_t context, bool chat, CompletionJob& job) {
  Common c;
  job.model_id = m.ids[m.find(f.string("model").value_or(""))];
  c.base.model = m.find(job.model_id);
  GenerationRequest& r = c.base;
  const int64_t lo_max = chat ? 1 : 0;
  std::optional<int64_t> max = f.integer("max_completion_tokens", lo_max, context);
  if (!max) max = f.integer("max_tokens", lo_max, context);
  c.max_given = max.has_value();
  r.max_tokens = max.value_or(chat ? context : 16);
  r.sampling.temperature = float(f.number("temperature", 0, 2).value_or(1.0));
  r.sampling.top_p = float(f.number("top_p", 0, 1).value_or(1.0));
  if (r.sampling.top_p <= 0) throw ApiError(400, "'top_p' must be greater than 0", "top_p", "invalid_value");
  r.sampling.top_k = int(f.integer("top_k", 0, 1 << 30).value_or(0));
  r.sampling.min_p = float(f.number("min_p", 0, 1).value_or(0));
  r.sampling.repetition_penalty = float(f.number("repetition_penalty", 1e-6, 100).value_or(1.0));
  if (auto seed = f.integer("seed", INT64_MIN, INT64_MAX)) r.sampling.seed = uint64_t(*seed);
  else r.sampling.seed = std::random_device{}() * 0x9E3779B97F4A7C15ull + std::random_device{}();
  r.presence_penalty = float(f.number("presence_penalty", -2, 2).value_or(0));
  r.frequency_penalty = float(f.number("frequency_penalty", -2, 2).value_or(0));
  r.stop = f.strings("stop", 16);
  r.eos = m.eos;
  c.n = f.integer("n", 1, 16).value_or(1);
  job.stream = f.boolean("stream").value_or(false);
  if (f.has("stream_options")) {
    const json& so = f.body()["stream_options"];
    if (!so.is_object()) throw ApiError(400, "'stream_options' must be an object", "stream_options", "invalid_type");
    RequestFields sf(so);
    try {
      job.include_usage = sf.boolean("include_usage").value_or(false);
    } catch (const ApiError& e) {
      throw ApiError(400, e.what(), "stream_options.include_usage", e.code);
    }
  }
  job.created = int64_t(std::time(nullptr));
  return c;
}

// response_format → a constraint per choice (null for text).
std::shared_ptr<JsonConstraint> constraint_for(const RequestFields& f, const ServedModels& m) {
  if (!f.has("response_format")) return nullptr;
  const json& rf = f.body()["response_format"];
  if (!rf.is_object() || !rf.contains("type") || !rf["type"].is_string())
    throw ApiError(400, "'response_format' must be an object with a 'type'", "response_format", "invalid_type");
  const std::string type = rf["type"];
  if (type == "text") return nullptr;
  if (type == "json_object") return std::make_shared<JsonConstraint>(JsonConstraint::any_object(m.json_vocab));
  if (type != "json_schema")
    throw ApiError(400, "'response_format.type' must be text, json_object or json_schema, got '" + type + "'",
                   "response_format.type", "invalid_value");
  if (!rf.contains("json_schema") || !rf["json_schema"].is_object() || !rf["json_schema"].contains("schema") ||
      !rf["json_schema"]["schema"].is_object())
    throw ApiError(400, "'response_format.json_schema.schema' must be a JSON Schema object",
                   "response_format.json_schema.schema", "invalid_type");
  try {
    return std::make_shared<JsonConstraint>(JsonConstraint::from_schema(rf["json_schema"]["schema"], m.json_vocab));
  } catch (const JsonSchemaError& e) {
    throw ApiError(400, e.what(),
                   "response_format.json_schema.schema" + (e.path.empty() ? "" : "." + e.path), "unsupported_schema");
  }
}

void check_fits(const std::vector<TokenId>& prompt, const ServedModels& m, int64_t context, const std::string& param) {
  if (prompt.empty()) throw ApiError(400, "the prompt is empty", param, "invalid_value");
  const int64_t need = int64_t(prompt.size()) + m.model.reserved_positions() + 1;
  if (need > context)
    throw ApiError(400, "the prompt has " + std::to_string(prompt.size()) + " tokens; this server's context is " +
                            std::to_string(context) + " tokens per request (--ctx)",
                   param, "context_length_exceeded");
}

using MakeConstraint = std::function<std::shared_ptr<JsonConstraint>()>;

// n choices of one prompt; `first_constraint` for the job's first choice (made up front, so
// that a bad schema is refused before anything runs), `make` for every other.
void add_choices(CompletionJob& job, const Common& c, std::vector<TokenId> prompt,
                 const std::shared_ptr<JsonConstraint>& first_constraint, const MakeConstraint& make,
                 const ServedModels& m, const std::string& echo) {
  for (int64_t i = 0; i < c.n; ++i) {
    GenerationRequest r = c.base;
    r.prompt = prompt;
    r.sampling.seed = c.base.sampling.seed + uint64_t(i);
    r.constraint = i == 0 && job.choices.empty() ? first_constraint : make();
    if (r.constraint) {
      const int64_t need = r.constraint->closing_bytes();
      if (m.json_vocab->has_every_byte() && need > r.max_tokens)
        throw ApiError(400, "max_tokens " + std::to_string(r.max_tokens) + " cannot hold the shortest document (" +
                                std::to_string(need) + " tokens) the response_format asks for",
                       "max_tokens", "invalid_value");
    }
    job.choices.push_back(std::move(r));
    job.echo_text.push_back(echo);
  }
}

json token_entry(const tok::Tokenizer& tk, TokenId id, double lp) {
  const std::string bytes = tk.decode_bytes(std::span<const TokenId>(&id, 1));
  json b = json::array();
  for (unsigned char ch : bytes) b.push_back(int(ch));
  return {{"token", tk.decode(std::span<const TokenId>(&id, 1))}, {"logprob", lp}, {"bytes", b}};
}

json chat_logprobs(const tok::Tokenizer& tk, const std::vector<TokenLogprob>& toks) {
  json content = json::array();
  for (const TokenLogprob& t : toks) {
    json e = token_entry(tk, t.id, t.logprob);
    json top = json::array();
    for (const auto& [id, lp] : t.top) top.push_back(token_entry(tk, id, lp));
    e["top_logprobs"] = top;
    content.push_back(e);
  }
  return {{"content", content}, {"refusal", nullptr}};
}

// Legacy completions logprobs: tokens, token_logprobs, top_logprobs, text_offset.
json completion_logprobs(const tok::Tokenizer& tk, const GenerationRequest& r, const GenerationEvent& e, bool echo,
                         size_t text_start) {
  json tokens = json::array(), lps = json::array(), tops = json::array(), offsets = json::array();
  size_t offset = text_start;
  auto add = [&](TokenId id, json lp, json top) {
    const std::string s = tk.decode(std::span<const TokenId>(&id, 1));
    tokens.push_back(s);
    lps.push_back(lp);
    tops.push_back(top);
    offsets.push_back(offset);
    offset += s.size();
  };
  if (echo)
    for (size_t i = 0; i < r.prompt.size(); ++i)
      add(r.prompt[i], i == 0 || i - 1 >= e.prompt_logprobs.size() ? json(nullptr) : json(e.prompt_logprobs[i - 1]), nullptr);
  for (const TokenLogprob& t : e.tokens) {
    json top = json::object();
    for (const auto& [id, lp] : t.top) top[tk.decode(std::span<const TokenId>(&id, 1))] = lp;
    add(t.id, t.logprob, top);
  }
  return {{"tokens", tokens}, {"token_logprobs", lps}, {"top_logprobs", tops}, {"text_offset", offsets}};
}

json usage_of(const CompletionJob& job, const std::vector<GenerationEvent>& ends) {
  int64_t prompt = 0, completion = 0;
  for (size_t i = 0; i < ends.size(); ++i) {
    completion += ends[i].completion_tokens;
    if (i == 0 || job.choices[i].prompt != job.choices[i - 1].prompt) prompt += ends[i].prompt_tokens;
  }
  return {{"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", prompt + completion}};
}

json envelope(const CompletionJob& job, bool chunk) {
  return {{"id", job.id},
          {"object", job.chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion"},
          {"created", job.created},
          {"model", job.model_id},
          {"system_fingerprint", std::string("lmforge-") + kVersion}};
}

// A forced call's reply is its JSON body: the whole call is the prefix, the body and, when
// the body was finished, the closing tag.
std::string reply_with_call(const CompletionJob& job, const std::string& text, const std::string& finish_reason) {
  if (job.call_prefix.empty()) return text;
  return job.call_prefix + text + (finish_reason == "stop" ? tools::kToolCallClose : "");
}

std::string sse(const json& j) { return "data: " + j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n"; }

}  // namespace

CompletionJob parse_chat_request(const json& body, const ServedModels& m, int64_t context, const GroundFn& ground) {
  RequestFields f(body);
  CompletionJob job;
  job.chat = true;
  job.id = random_id("chatcmpl-");
  Common c = parse_common(f, m, context, true, job);
  const ChatTools chat_tools = parse_chat_tools(body);
  if (!f.has("messages") || !body["messages"].is_array() || body["messages"].empty())
    throw ApiError(400, "'messages' must be a non-empty list of messages", "messages", "invalid_type");
  Conversation conv;
  for (size_t i = 0; i < body["messages"].size(); ++i) {
    const json& msg = body["messages"][i];
    const std::string at = "messages[" + std::to_string(i) + "]";
    if (!msg.is_object() || !msg.contains("role") || !msg["role"].is_string())
      throw ApiError(400, "'" + at + "' must be an object with a 'role'", at, "invalid_type");
    std::string role = msg["role"];
    if (role == "developer") role = "system";
    if (role != "system" && role != "user" && role != "assistant" && role != "tool")
      throw ApiError(400, "'" + at + ".role' must be system, user, assistant or tool, got '" + role + "'", at + ".role",
                     "invalid_value");
    std::string text;
    const json content = msg.contains("content") ? msg["content"] : json();
    if (content.is_string()) {
      text = content;
    } else if (content.is_array()) {
      for (size_t k = 0; k < content.size(); ++k) {
        const json& part = content[k];
        if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string())
          throw ApiError(400, "'" + at + ".content[" + std::to_string(k) + "]' must be a text part ({\"type\":\"text\",\"text\":…})",
                         at + ".content", "invalid_value");
        text += part["text"].get<std::string>();
      }
    } else if (!(content.is_null() && role == "assistant")) {
      throw ApiError(400, "'" + at + ".content' must be a string or a list of text parts", at + ".content", "invalid_type");
    }
    if (role == "assistant" && msg.contains("tool_calls") && !msg["tool_calls"].is_null())
      text = assistant_tool_calls_text(text, msg, at);
    if (role == "tool") text = tool_message_text(text, msg, at);
    if (role != "assistant") job.input_text.push_back(text);
    conv.push_back({role, text});
  }
  if (ground) {
    for (size_t i = conv.size(); i-- > 0;) {
      if (conv[i].role != "user") continue;
      std::shared_ptr<augment::Grounding> g;
      try {
        g = std::make_shared<augment::Grounding>(ground(conv[i].content));
      } catch (const Error& e) {  // e.g. a question longer than the embedding model's context
        const std::string at = "messages[" + std::to_string(i) + "].content";
        throw ApiError(400, "retrieval for '" + at + "' failed: " + e.what(), at, "invalid_value");
      }
      conv[i].content = g->prompt;
      job.grounding = std::move(g);
      break;
    }
  }
  job.logprobs = f.boolean("logprobs").value_or(false);
  const int64_t top = f.integer("top_logprobs", 0, 20).value_or(0);
  if (f.has("top_logprobs") && !job.logprobs)
    throw ApiError(400, "'top_logprobs' needs 'logprobs': true", "top_logprobs", "invalid_value");
  c.base.top_logprobs = job.logprobs ? int(top) : -1;
  c.base.stop.push_back(kEndOfTurn);
  show_tools(conv, chat_tools);
  job.tools = chat_tools.shown();
  std::vector<TokenId> prompt = ChatTemplate(m.tokenizer).prompt(conv);
  MakeConstraint make = [&] { return constraint_for(f, m); };
  if (chat_tools.forced()) {  // the reply is one call: "<tool_call>" given, its JSON body constrained
    if (f.has("response_format"))
      throw ApiError(400, "'response_format' cannot be combined with 'tool_choice' " + chat_tools.choice, "response_format",
                     "invalid_value");
    job.call_prefix = tools::kToolCallOpen;
    const std::optional<TokenId> tag = m.tokenizer.token_id(job.call_prefix);
    bool special = false;
    for (const tok::SpecialToken& t : m.tokenizer.special_tokens()) special |= t.content == job.call_prefix;
    if (special && tag) prompt.push_back(*tag);
    else m.tokenizer.encode_append(job.call_prefix, false, prompt);
    const json schema = forced_call_schema(chat_tools);
    make = [schema, &m] {
      try {
        return std::make_shared<JsonConstraint>(JsonConstraint::from_schema(schema, m.json_vocab));
      } catch (const JsonSchemaError& e) {
        throw ApiError(400, std::string("a tool's parameters cannot be enforced: ") + e.what(), "tools", "unsupported_schema");
      }
    };
  }
  check_fits(prompt, m, context, "messages");
  if (!c.max_given) c.base.max_tokens = context - int64_t(prompt.size()) - m.model.reserved_positions();
  add_choices(job, c, prompt, make(), make, m, "");
  return job;
}

CompletionJob parse_completion_request(const json& body, const ServedModels& m, int64_t context) {
  RequestFields f(body);
  CompletionJob job;
  job.id = random_id("cmpl-");
  Common c = parse_common(f, m, context, false, job);
  job.echo = f.boolean("echo").value_or(false);
  if (f.has("logprobs")) {
    job.logprobs = true;
    c.base.top_logprobs = int(f.integer("logprobs", 0, 20).value());
  }
  c.base.prompt_logprobs = job.echo && job.logprobs;
  if (c.base.max_tokens == 0 && !job.echo)
    throw ApiError(400, "'max_tokens' may be 0 only with 'echo': true", "max_tokens", "invalid_value");
  if (!f.has("prompt")) throw ApiError(400, "'prompt' is required", "prompt", "missing_required_parameter");
  const json& p = body["prompt"];
  std::vector<std::vector<TokenId>> prompts;
  auto ids_of = [&](const json& a, const std::string& at) {
    std::vector<TokenId> ids;
    for (const json& x : a) {
      if (!x.is_number_integer() || x.get<int64_t>() < 0 || x.get<int64_t>() >= m.model.config().vocab_size)
        throw ApiError(400, "'" + at + "' token ids must be integers from 0 to " +
                                std::to_string(m.model.config().vocab_size - 1),
                       "prompt", "invalid_value");
      ids.push_back(TokenId(x.get<int64_t>()));
    }
    return ids;
  };
  if (p.is_string()) {
    prompts.push_back(m.tokenizer.encode(p.get<std::string>()));
  } else if (p.is_array() && !p.empty() && p[0].is_number()) {
    prompts.push_back(ids_of(p, "prompt"));
  } else if (p.is_array() && !p.empty()) {
    for (size_t i = 0; i < p.size(); ++i) {
      if (p[i].is_string()) prompts.push_back(m.tokenizer.encode(p[i].get<std::string>()));
      else if (p[i].is_array()) prompts.push_back(ids_of(p[i], "prompt[" + std::to_string(i) + "]"));
      else throw ApiError(400, "'prompt' must be a string, a list of strings, or token ids", "prompt", "invalid_type");
    }
  } else {
    throw ApiError(400, "'prompt' must be a string, a list of strings, or token ids", "prompt", "invalid_type");
  }
  if (prompts.size() > 64) throw ApiError(400, "'prompt' takes at most 64 prompts", "prompt", "invalid_value");
  for (const auto& ids : prompts) job.input_text.push_back(m.tokenizer.decode(ids));
  std::shared_ptr<JsonConstraint> first = constraint_for(f, m);
  for (auto& ids : prompts) {
    check_fits(ids, m, context, "prompt");
    const std::string echo = job.echo ? m.tokenizer.decode(ids) : "";
    add_choices(job, c, std::move(ids), first, [&] { return constraint_for(f, m); }, m, echo);
  }
  return job;
}

std::optional<eval::SafetyMatch> check_request(const CompletionJob& job) {
  if (!job.safety) return std::nullopt;
  for (const std::string& text : job.input_text)
    if (std::optional<eval::SafetyMatch> m = job.safety->check(text)) return m;
  return std::nullopt;
}

std::vector<std::shared_ptr<Generation>> refuse_job(CompletionJob& job, const eval::SafetyMatch& m) {
  job.refused = m;
  std::vector<std::shared_ptr<Generation>> gens;
  for (const GenerationRequest& r : job.choices) {
    auto g = std::make_shared<Generation>(r);
    GenerationEvent e;
    e.text = eval::SafetyFilter::refusal(m);
    e.done = true;
    e.finish_reason = "content_filter";
    e.prompt_tokens = int64_t(r.prompt.size());
    g->push(std::move(e));
    gens.push_back(std::move(g));
  }
  return gens;
}

json safety_of(const eval::SafetyMatch& m, const char* where) {
  return {{"category", m.category}, {"phrase", m.phrase}, {"where", where}};
}

std::vector<std::shared_ptr<Generation>> submit_job(Engine& engine, const CompletionJob& job) {
  if (int64_t(job.choices.size()) > engine.capacity())
    throw ApiError(400, "the request asks for " + std::to_string(job.choices.size()) +
                            " generations (prompts times n); the server holds at most " +
                            std::to_string(engine.capacity()) + " at once",
                   "n", "invalid_value");
  std::vector<std::shared_ptr<Generation>> gens;
  for (const GenerationRequest& r : job.choices) {
    std::shared_ptr<Generation> g = engine.submit(r);
    if (!g) {
      for (auto& x : gens) x->cancel();
      throw ApiError(429, "The server's queue is full; retry later", "", "queue_full", "rate_limit_error");
    }
    gens.push_back(g);
  }
  return gens;
}

json complete_job(const CompletionJob& job, const std::vector<std::shared_ptr<Generation>>& gens,
                  const tok::Tokenizer& tk) {
  std::vector<GenerationEvent> ends;
  for (auto& g : gens) ends.push_back(g->wait_all());
  json choices = json::array();
  for (size_t i = 0; i < ends.size(); ++i) {
    const GenerationEvent& e = ends[i];
    if (!e.error.empty()) throw ApiError(500, "generation failed: " + e.error, "", "internal_error", "server_error");
    std::string text = e.text;
    json ch = {{"index", i}, {"finish_reason", e.finish_reason}};
    if (job.refused) {
      ch["safety"] = safety_of(*job.refused, "input");
    } else if (job.safety) {
      if (const std::optional<eval::SafetyMatch> cut = job.safety->check(text)) {
        text.resize(cut->begin);
        ch["finish_reason"] = "content_filter";
        ch["safety"] = safety_of(*cut, "output");
      }
    }
    if (job.chat && job.tools && !job.refused) {
      const ReplyCalls rc = split_tool_calls(reply_with_call(job, text, e.finish_reason));
      ch["message"] = {{"role", "assistant"}, {"content", rc.content}, {"refusal", nullptr}};
      if (!rc.tool_calls.empty()) {
        ch["message"]["tool_calls"] = rc.tool_calls;
        ch["finish_reason"] = "tool_calls";
      }
      ch["logprobs"] = job.logprobs ? chat_logprobs(tk, e.tokens) : json(nullptr);
    } else if (job.chat) {
      ch["message"] = {{"role", "assistant"}, {"content", text}, {"refusal", job.refused ? json(text) : json(nullptr)}};
      if (job.grounding) ch["message"]["citations"] = augment::cited_sources(text, int(job.grounding->sources.size()));
      ch["logprobs"] = job.logprobs ? chat_logprobs(tk, e.tokens) : json(nullptr);
    } else {
      ch["text"] = job.echo_text[i] + text;
      ch["logprobs"] = job.logprobs ? completion_logprobs(tk, job.choices[i], e, job.echo, 0) : json(nullptr);
    }
    choices.push_back(ch);
  }
  json out = envelope(job, false);
  out["choices"] = choices;
  out["usage"] = usage_of(job, ends);
  if (job.grounding) out["sources"] = augment::grounded_reply_json("", *job.grounding)["sources"];
  return out;
}

bool stream_job(const CompletionJob& job, const std::vector<std::shared_ptr<Generation>>& gens,
                const tok::Tokenizer& tk, const std::function<bool(const std::string&)>& write) {
  auto cancel_all = [&] {
    for (auto& g : gens) g->cancel();
    return false;
  };
  auto chunk = [&](size_t i, json delta_or_text, json finish, json logprobs, bool with_sources = false, json safety = nullptr) {
    json c = envelope(job, true);
    if (with_sources) c["sources"] = augment::grounded_reply_json("", *job.grounding)["sources"];
    json ch = {{"index", i}, {"finish_reason", finish}, {"logprobs", logprobs}};
    if (!safety.is_null()) ch["safety"] = safety;
    if (job.chat) ch["delta"] = delta_or_text;
    else ch["text"] = delta_or_text;
    c["choices"] = json::array({ch});
    if (job.include_usage) c["usage"] = nullptr;
    return sse(c);
  };
  std::vector<GenerationEvent> ends(gens.size());
  std::vector<bool> done(gens.size(), false);
  // With a safety filter each choice's text goes through a guard: it is sent as it is
  // cleared, and a choice that crosses the line is cancelled and finished there.
  std::vector<eval::OutputGuard> guards(gens.size(), eval::OutputGuard(job.refused ? nullptr : job.safety));
  std::vector<int64_t> sampled(gens.size(), 0);
  // With echo and logprobs the echoed prompt's chunk waits for its log-probabilities, which
  // come in events of their own while the prompt is prefilled.
  const bool echo_logprobs = !job.chat && job.echo && job.logprobs;
  std::vector<std::vector<double>> prompt_lps(gens.size());
  std::vector<bool> echoed(gens.size(), !echo_logprobs);
  // Completions' text_offset runs over the whole text, as in one response: each chunk's
  // logprobs start where the previous chunk's tokens ended.
  std::vector<size_t> offset(gens.size(), 0);
  // With tools, each choice's text goes through a ToolCallStream, which turns calls into
  // tool_calls deltas.
  const bool tool_stream = job.chat && job.tools && !job.refused;
  std::vector<ToolCallStream> calls(gens.size());
  if (tool_stream)
    for (ToolCallStream& s : calls) s.feed(job.call_prefix);
  auto offsets_of = [&](size_t i, const GenerationEvent& e, bool echo) {
    json lp = completion_logprobs(tk, job.choices[i], e, echo, offset[i]);
    if (!lp["tokens"].empty())
      offset[i] = lp["text_offset"].back().get<size_t>() + lp["tokens"].back().get<std::string>().size();
    return lp;
  };
  for (size_t i = 0; i < gens.size(); ++i) {
    json first = job.chat ? json{{"role", "assistant"}, {"content", ""}} : json(job.echo_text[i]);
    if (job.chat || (job.echo && !echo_logprobs))
      if (!write(chunk(i, first, nullptr, nullptr, i == 0 && job.grounding))) return cancel_all();
  }
  size_t left = gens.size();
  while (left > 0) {
    for (size_t i = 0; i < gens.size(); ++i) {
      if (done[i]) continue;
      std::optional<GenerationEvent> e = gens[i]->next(std::chrono::milliseconds(left == 1 ? 200 : 5));
      if (!e) {
        if (!write("")) return cancel_all();  // the client is gone
        continue;
      }
      if (!e->error.empty()) {
        json err = error_body("generation failed: " + e->error, "server_error", "", "internal_error");
        write(sse(err));
        return cancel_all();
      }
      if (!echoed[i]) {
        prompt_lps[i].insert(prompt_lps[i].end(), e->prompt_logprobs.begin(), e->prompt_logprobs.end());
        if (e->tokens.empty() && e->text.empty() && !e->done) continue;  // still prefilling
        GenerationEvent prompt;
        prompt.prompt_logprobs = std::move(prompt_lps[i]);
        if (!write(chunk(i, job.echo_text[i], nullptr, offsets_of(i, prompt, true))))
          return cancel_all();
        echoed[i] = true;
      }
      json lp = nullptr;
      if (job.logprobs && !e->tokens.empty()) {
        lp = job.chat ? chat_logprobs(tk, e->tokens) : offsets_of(i, *e, false);
      }
      sampled[i] += int64_t(e->tokens.size());
      std::string text = guards[i].feed(e->text);
      if (e->done || guards[i].blocked()) text += guards[i].finish();
      if (tool_stream) {
        std::vector<json> deltas = calls[i].feed(text);
        if (e->done && !guards[i].blocked()) {
          const std::string close = reply_with_call(job, "", e->finish_reason).substr(job.call_prefix.size());
          for (json& d : calls[i].feed(close)) deltas.push_back(std::move(d));
        }
        if (e->done || guards[i].blocked())
          for (json& d : calls[i].finish()) deltas.push_back(std::move(d));
        if (deltas.empty() && !lp.is_null()) deltas.push_back({{"content", ""}});
        for (size_t k = 0; k < deltas.size(); ++k)
          if (!write(chunk(i, deltas[k], nullptr, k == 0 ? lp : json(nullptr)))) return cancel_all();
      } else if (!text.empty() || !lp.is_null()) {
        json d = job.chat ? json{{"content", text}} : json(text);
        if (job.chat && job.refused) d["refusal"] = text;
        if (!write(chunk(i, d, nullptr, lp))) return cancel_all();
      }
      if (e->done || guards[i].blocked()) {
        done[i] = true;
        --left;
        ends[i] = *e;
        std::string finish = e->finish_reason;
        std::optional<eval::SafetyMatch> match = job.refused ? job.refused : guards[i].match();
        if (guards[i].blocked() && !e->done) {
          gens[i]->cancel();  // no more tokens for a choice that crossed the line
          ends[i].prompt_tokens = int64_t(job.choices[i].prompt.size());
          ends[i].completion_tokens = sampled[i];
        }
        if (guards[i].blocked()) finish = "content_filter";
        else if (tool_stream && calls[i].called()) finish = "tool_calls";
        const json safety = match ? safety_of(*match, job.refused ? "input" : "output") : json(nullptr);
        if (!write(chunk(i, job.chat ? json::object() : json(""), finish, nullptr, false, safety))) return cancel_all();
      }
    }
  }
  if (job.include_usage) {
    json u = envelope(job, true);
    u["choices"] = json::array();
    u["usage"] = usage_of(job, ends);
    if (!write(sse(u))) return false;
  }
  return write("data: [DONE]\n\n");
}

}  // namespace lmf::serve
