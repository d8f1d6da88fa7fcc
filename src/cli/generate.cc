// lmforge generate: continue a prompt with a model, streaming the text (or the ids).
// With --chat the prompt is one user message in the ChatML template that `lmforge
// finetune` trains with, and generation stops at <|im_end|>. The prompt can be given
// demonstrations (--num-fewshot, augment/fewshot.h), a chain-of-thought cue (--cot,
// augment/chain_of_thought.h), or be answered from a retrieval index (--rag,
// augment/grounded_prompt.h); --samples N draws N replies and votes on their answers
// (self-consistency). --json prints the result as one JSON object. --watermark KEY
// watermarks the reply (infer/watermark.h) over the tokenizer's vocabulary. --safety puts the
// safety filter (eval/safety_filter.h) in front: a blocked prompt is refused without loading
// the model, a blocked reply cut where it crossed the line. --tools (a ChatML model) lets
// the model call tools: the prompt is a user message after the tools system message, and
// calls run through the tool loop (tools/tool_loop.h) as in `lmforge chat --tools`; with
// --tools retrieve, --rag INDEX is the index the retrieve tool searches.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "augment/grounded_prompt.h"
#include "cli/command.h"
#include "cli/flags.h"
#include "cli/tool_flags.h"
#include "cli/watermark_flags.h"
#include "eval/safety_filter.h"
#include "finetune/inference_model.h"
#include "infer/chat_template.h"
#include "infer/generate.h"
#include "infer/generate_text.h"
#include "tools/tool_prompt.h"
#include "tools/retrieve_tool.h"
#include "tools/tool_registry.h"

namespace lmf::cli {
namespace {

using nlohmann::json;

int run_generate(int argc, char** argv) {
  CLI::App app{"Generate a continuation of a prompt (KV cache; greedy or sampled)", "lmforge generate"};
  ModelFlags mf;
  std::string prompt;
  GenerateOptions opt;
  opt.sampling.temperature = 0.8f;
  std::vector<std::string> stops;
  bool print_ids = false, chat = false, as_json = false;
  int threads = 0, rag_k = 4, samples = 1;
  std::string rag, vote = "majority", answer_regex = augment::kDefaultAnswerRegex;
  FewshotFlags fewshot;
  CotFlags cot;
  add_model_flags(app, mf);
  app.add_option("--prompt", prompt, "prompt text, encoded as `lmforge tokenize` does (no special tokens)")->required();
  add_max_new_tokens_flag(app, opt.max_new_tokens, "tokens to generate");
  app.add_option("--stop", stops, "stop when the text produces this string (repeatable)");
  app.add_flag("--chat", chat, "wrap the prompt as a user message in the ChatML template; stop at <|im_end|>");
  auto* ids_flag = app.add_flag("--ids", print_ids, "print only the new token ids, space-separated");
  app.add_option("--rag", rag, "retrieval index (`lmforge rag index`): the prompt is a question answered from its best "
                               "chunks, given as numbered sources that the reply cites as [1], [2]; in the chat template "
                               "when --chat or the model has one, else followed by \"\\nAnswer:\"");
  app.add_option("--rag-k", rag_k, "chunks retrieved for --rag")->check(int_range(1, 100))->capture_default_str();
  add_fewshot_flags(app, fewshot);
  add_cot_flags(app, cot);
  app.add_option("--samples", samples, "replies to draw (seeds --seed, --seed + 1, ...); more than one: their answers "
                                       "(--answer-regex) are voted on")
      ->check(int_range(1, 1000))
      ->capture_default_str()
      ->excludes(ids_flag);
  app.add_option("--vote", vote, "how --samples replies decide: majority (self-consistency)")
      ->check(CLI::IsMember({"majority"}))
      ->capture_default_str();
  app.add_option("--answer-regex", answer_regex, "a reply's answer: the last match of this ECMAScript regular expression "
                                                 "(its first non-empty group when it has groups)")
      ->capture_default_str();
  app.add_flag("--json", as_json, "print one JSON object when done: {\"reply\"}; with --rag also the cited and retrieved "
                                  "sources (id, chunk, start, end, score, text); with --samples the replies, their answers "
                                  "and the vote")
      ->excludes(ids_flag);
  ToolFlags tool_flags;
  add_tool_flags(app, tool_flags);
  add_threads_flag(app, threads);
  add_sampling_flags(app, opt.sampling);
  add_watermark_flags(app, opt.sampling.watermark);
  std::string safety;
  add_safety_flag(app, safety);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  if (!safety.empty() && print_ids) throw Error("--safety checks text: it cannot be combined with --ids");
  std::optional<eval::SafetyFilter> filter;
  if (!safety.empty()) filter.emplace(eval::SafetyFilter::load(safety));
  if (filter)
    if (const auto blocked = filter->check(prompt)) {  // refused before the model loads
      const std::string refusal = eval::SafetyFilter::refusal(*blocked);
      if (as_json) std::printf("%s\n", json{{"reply", refusal}, {"safety", safety_json(*blocked, "input")}}.dump().c_str());
      else std::printf("%s\n", refusal.c_str());
      return 0;
    }
  if (!rag.empty() && fewshot.k > 0) throw Error("--rag and --num-fewshot cannot be combined");
  if (tool_flags.on() && (print_ids || samples > 1)) throw Error("--tools cannot be combined with --ids or --samples");
  if (!rag.empty() && tool_flags.on() && !tool_flags.names("retrieve"))
    throw Error("--rag and --tools cannot be combined, except with --tools retrieve (the model searches the index)");
  if (samples > 1) augment::check_answer_regex(answer_regex);
  prompt = cot.apply(augment::FewshotPrompter(fewshot.options(opt.sampling.seed)).prompt(prompt));

  ft::InferenceModel m({mf.model_dir, mf.tokenizer, mf.adapter_dir});
  const tok::Tokenizer& tk = m.tokenizer;
  opt.eos_id = m.eos_id();
  opt.sampling.watermark.vocab_size = int64_t(tk.vocab_size());
  std::optional<augment::RagIndex> index;
  std::optional<augment::Grounding> grounding;  // points into *index
  if (!rag.empty()) index.emplace(rag);
  const tools::ToolRegistry registry = tools::registry_with_retrieve(tool_flags.specs, index ? &*index : nullptr);
  if (!rag.empty() && !tool_flags.on()) {
    grounding = augment::ground(*index, prompt, rag_k);
    prompt = grounding->prompt;
    if (!chat && !m.chatml) prompt += "\nAnswer:";
    chat = chat || m.chatml;
  }
  if (tool_flags.on()) {
    if (!m.chatml) throw Error("--tools needs a model (or adapter) with the ChatML chat_template in its tokenizer_config.json");
    const ChatTemplate tmpl(tk);
    stops.push_back(kEndOfTurn);
    Conversation conv = {{"system", tools::tools_system_message("", registry)}, {"user", prompt}};
    json calls = json::array();
    tools::ToolLoopResult r = tools::run_tool_loop(
        registry, conv, [&](const Conversation& c) { return generate_text(m.model, tk, tmpl.prompt(c), opt, stops); },
        tool_flags.max_calls, [&](const tools::ToolEvent& e) {
          if (!as_json) print_tool_event(e);
          else if (e.kind == tools::ToolEvent::Result) calls.push_back(tool_call_json(e));
        });
    std::optional<eval::SafetyMatch> cut;
    if (filter && (cut = filter->check(r.reply))) r.reply.resize(cut->begin);
    if (as_json) {
      json j = {{"reply", r.reply}, {"tool_calls", calls}, {"finish_reason", cut ? "content_filter" : r.finish_reason}};
      if (cut) j["safety"] = safety_json(*cut, "output");
      std::printf("%s\n", compact(j).c_str());
    } else {
      std::printf("%s\n", r.reply.c_str());
      if (cut) std::fprintf(stderr, "[cut by the safety filter: %s]\n", cut->category.c_str());
      if (r.finish_reason == "tool_calls_limit")
        std::fprintf(stderr, "[%d tool calls: the limit; the last call was not run]\n", r.tool_calls);
    }
    return 0;
  }
  std::vector<int32_t> ids;
  if (chat) {
    ids = ChatTemplate(tk).prompt({{"user", prompt}});
    stops.push_back(kEndOfTurn);
  } else {
    ids = tk.encode(prompt);
  }

  if (print_ids) {
    bool first = true;
    generate(m.model, ids, opt, [&](int32_t id) {
      std::printf(first ? "%d" : " %d", id);
      first = false;
      return true;
    });
    std::printf("\n");
    return 0;
  }
  const std::function<void(const std::string&)> print = [](const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  };
  if (samples == 1) {
    eval::OutputGuard guard(filter ? &*filter : nullptr);
    std::string reply = generate_text(m.model, tk, ids, opt, stops, [&](const std::string& text) {
      if (!as_json) print(guard.feed(text));
    });
    if (!as_json) print(guard.finish());
    std::optional<eval::SafetyMatch> cut = guard.match();
    if (as_json && filter && (cut = filter->check(reply))) reply.resize(cut->begin);
    if (cut && !as_json) reply = guard.released();
    if (as_json) {
      json j = grounding ? augment::grounded_reply_json(reply, *grounding) : json{{"reply", reply}};
      if (cut) j["safety"] = safety_json(*cut, "output");
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("\n");
      if (cut) std::fprintf(stderr, "[cut by the safety filter: %s]\n", cut->category.c_str());
    }
    return 0;
  }
  std::vector<std::string> replies;
  const uint64_t seed = opt.sampling.seed;
  for (int i = 0; i < samples; ++i) {
    opt.sampling.seed = seed + uint64_t(i);
    replies.push_back(generate_text(m.model, tk, ids, opt, stops));
    if (filter)
      if (const auto cut = filter->check(replies.back())) replies.back().resize(cut->begin);  // cut where it crossed the line
    if (!as_json) std::printf("--- sample %d\n%s\n", i + 1, replies.back().c_str());
  }
  const augment::Vote v = augment::majority_vote(replies, answer_regex);
  if (as_json) {
    json rs = json::array();
    for (size_t i = 0; i < replies.size(); ++i) rs.push_back({{"reply", replies[i]}, {"answer", v.answers[i]}});
    json counts = json::array();
    for (const auto& [a, c] : v.counts) counts.push_back({{"answer", a}, {"votes", c}});
    std::printf("%s\n", json{{"answer", v.answer}, {"votes", v.votes}, {"valid", v.valid}, {"samples", v.total},
                             {"share", v.share}, {"counts", counts}, {"replies", rs}}
                            .dump()
                            .c_str());
  } else {
    std::printf("--- answer: %s (%lld of %lld samples, share %.3f)\n", v.answer.empty() ? "(none)" : v.answer.c_str(),
                (long long)v.votes, (long long)v.total, v.share);
  }
  return 0;
}

Command reg("generate", "continue a prompt with a model (streamed text or --ids)", run_generate);

}  // namespace
}  // namespace lmf::cli
