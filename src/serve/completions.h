// POST /v1/chat/completions and POST /v1/completions: an OpenAI request body becomes one
// generation per choice (n choices for each prompt), run on the engine, and the results
// become OpenAI's response objects — whole, or as Server-Sent Events chunks.
//
// Prompts: completions encode `prompt` exactly as `lmforge generate` does (no BOS, special
// tokens in the text not parsed) or take token ids; chat renders `messages` in the ChatML
// template (infer/chat_template.h) with the generation prompt and stops at <|im_end|>;
// `tools`, `tool_choice`, assistant `tool_calls` and `tool` messages as
// serve/tool_calls.h says.
// Log-probabilities are those of the model's distribution (engine.h). Choice i of prompt p
// samples with seed + i (greedy choices are equal).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "augment/grounded_prompt.h"
#include "eval/safety_filter.h"
#include "serve/engine.h"
#include "serve/generation.h"
#include "serve/served_models.h"

namespace lmf::serve {

// A validated request, ready to run.
struct CompletionJob {
  bool chat = false;
  bool stream = false, include_usage = false;
  std::string model_id, id;  // id: "chatcmpl-…" / "cmpl-…"
  int64_t created = 0;
  bool logprobs = false;     // chat: logprobs; completions: logprobs (an integer) given
  bool echo = false;         // completions: prompt text (and its logprobs) first
  std::vector<GenerationRequest> choices;
  std::vector<std::string> echo_text;  // per choice, with echo
  std::shared_ptr<const augment::Grounding> grounding;  // chat with retrieval: the last user message's sources
  // What a safety filter checks of the request: chat, the system and user messages (before
  // retrieval); completions, each prompt's text.
  std::vector<std::string> input_text;
  // `serve --safety` (null: none): each choice's text is cut where a match begins, with
  // finish_reason "content_filter" and the choice's "safety": {category, phrase, where}.
  const eval::SafetyFilter* safety = nullptr;
  std::optional<eval::SafetyMatch> refused;  // the request itself was blocked (refuse_job)
  // Chat with tools shown (serve/tool_calls.h): replies are split into content and
  // tool_calls; call_prefix is "<tool_call>" when the call is forced (the prompt ends
  // with it and the generated text is the call's JSON body).
  bool tools = false;
  std::string call_prefix;
};

// Retrieval for chat requests (`serve --rag`): the last user message -> its sources and
// grounded prompt (augment/grounded_prompt.h). Empty: none.
using GroundFn = std::function<augment::Grounding(const std::string& question)>;

// ApiError (400, naming the field) for a bad request. With `ground`, the last user message
// is replaced by its grounded prompt; the response then carries `sources` (every retrieved
// source: n, id, chunk, start, end, score, text; on the first chunk when streaming) and
// each choice's message its `citations` (the source numbers its reply cites).
CompletionJob parse_chat_request(const nlohmann::ordered_json& body, const ServedModels& m, int64_t context,
                                 const GroundFn& ground = nullptr);
CompletionJob parse_completion_request(const nlohmann::ordered_json& body, const ServedModels& m, int64_t context);

// The first safety match in job.input_text (nullopt without job.safety or a match).
std::optional<eval::SafetyMatch> check_request(const CompletionJob& job);
// A blocked request: each choice is finished at once with the refusal (SafetyFilter::refusal,
// naming the category) as its text — chat messages also carry it as `refusal` — and
// finish_reason "content_filter"; the model is not run. Sets job.refused.
std::vector<std::shared_ptr<Generation>> refuse_job(CompletionJob& job, const eval::SafetyMatch& m);

// Submits every choice; ApiError 429 when the queue cannot take them all.
std::vector<std::shared_ptr<Generation>> submit_job(Engine& engine, const CompletionJob& job);

// Waits for every choice and builds the response object (ApiError 500 if one failed).
nlohmann::ordered_json complete_job(const CompletionJob& job, const std::vector<std::shared_ptr<Generation>>& gens,
                            const tok::Tokenizer& tk);

// Streams the job: `write` gets each SSE event ("data: {...}\n\n", and "data: [DONE]\n\n"
// last) and returns false when the client is gone, which cancels every choice; an empty
// string asks only whether the client is still there.
// Returns false if it stopped because of the client.
bool stream_job(const CompletionJob& job, const std::vector<std::shared_ptr<Generation>>& gens,
                const tok::Tokenizer& tk, const std::function<bool(const std::string&)>& write);

}  // namespace lmf::serve
