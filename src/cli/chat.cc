// lmforge chat: an interactive conversation with a model (infer/chat_session.h: the
// conversation and its KV cache are kept across turns). Reads one user turn a line from
// stdin, prints each reply on stdout as it is generated. Commands: /reset clears the
// conversation, /quit (or end of input) leaves. A model (or adapter) whose
// tokenizer_config.json holds the ChatML chat_template is prompted with that template,
// exactly as `lmforge finetune` trained it; otherwise with "User: ...\nAssistant:" turns.
// --num-fewshot K puts demonstrations before each user turn (augment/fewshot.h), --cot a
// chain-of-thought cue after it. With --rag INDEX each user turn is answered from the index's best chunks
// (augment/grounded_prompt.h) and the sources the reply cites are listed after it.
// With --tools retrieve and --rag INDEX the model searches the index itself through the
// retrieve tool (tools/retrieve_tool.h) instead. With --tools (a ChatML model) the system message lists the tools (tools/tool_prompt.h),
// each reply is generated whole from the conversation's ChatML prompt, and the model's
// tool calls run through the tool loop (tools/tool_loop.h), up to --max-tool-calls a turn;
// each call and its result are printed as they happen:
//   [tool call] calculator {"expression":"2+3"}
//   [tool result] {"result":"5"}
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "augment/grounded_prompt.h"
#include "cli/command.h"
#include "cli/flags.h"
#include "cli/tool_flags.h"
#include "eval/safety_filter.h"
#include "finetune/inference_model.h"
#include "infer/chat_session.h"
#include "infer/chat_template.h"
#include "infer/generate_text.h"
#include "tools/tool_loop.h"
#include "tools/tool_prompt.h"
#include "tools/retrieve_tool.h"
#include "tools/tool_registry.h"

namespace lmf::cli {
namespace {

int run_chat(int argc, char** argv) {
  CLI::App app{"Chat with a model interactively (keeps the conversation and its cache)", "lmforge chat"};
  ModelFlags mf;
  ChatOptions opt;
  opt.generate.max_new_tokens = 200;
  opt.generate.sampling.temperature = 0.7f;
  int threads = 0, rag_k = 4;
  std::string rag;
  bool as_json = false;
  ToolFlags tool_flags;
  add_model_flags(app, mf);
  app.add_option("--system", opt.system, "system message (ChatML) or text placed before the conversation");
  add_max_new_tokens_flag(app, opt.generate.max_new_tokens, "reply length limit");
  app.add_option("--rag", rag, "retrieval index (`lmforge rag index`): each turn is answered from its best chunks, "
                               "given as numbered sources; the cited ones are listed after the reply");
  app.add_option("--rag-k", rag_k, "chunks retrieved a turn for --rag")->check(int_range(1, 100))->capture_default_str();
  app.add_flag("--json", as_json, "print each reply as one JSON line when it is done ({\"reply\"}, and with --rag the "
                                  "cited and retrieved sources)");
  add_tool_flags(app, tool_flags);
  std::string safety;
  add_safety_flag(app, safety);
  FewshotFlags fewshot;
  CotFlags cot;
  add_fewshot_flags(app, fewshot);
  add_cot_flags(app, cot);
  add_threads_flag(app, threads);
  add_sampling_flags(app, opt.generate.sampling);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  if (!rag.empty() && fewshot.k > 0) throw Error("--rag and --num-fewshot cannot be combined");
  if (!rag.empty() && tool_flags.on() && !tool_flags.names("retrieve"))
    throw Error("--rag and --tools cannot be combined, except with --tools retrieve (the model searches the index)");
  std::optional<eval::SafetyFilter> filter;
  if (!safety.empty()) filter.emplace(eval::SafetyFilter::load(safety));
  // A blocked message: the refusal is the reply and the model does not see the message.
  auto refuse = [&](const eval::SafetyMatch& m) {
    const std::string refusal = eval::SafetyFilter::refusal(m);
    if (as_json) std::printf("%s\n", nlohmann::json{{"reply", refusal}, {"safety", safety_json(m, "input")}}.dump().c_str());
    else std::printf("%s\n", refusal.c_str());
    std::fflush(stdout);
  };
  const augment::FewshotPrompter prompter(fewshot.options(opt.generate.sampling.seed));
  std::optional<augment::RagIndex> index;
  if (!rag.empty()) index.emplace(rag);
  const tools::ToolRegistry registry = tools::registry_with_retrieve(tool_flags.specs, index ? &*index : nullptr);

  ft::InferenceModel m({mf.model_dir, mf.tokenizer, mf.adapter_dir});
  opt.chatml = m.chatml;
  opt.generate.eos_id = m.eos_id();
  opt.on_restart = [](int64_t context) {
    std::fprintf(stderr, "[context of %lld tokens is full; starting a new conversation]\n", (long long)context);
  };
  if (tool_flags.on() && !m.chatml)
    throw Error("--tools needs a model (or adapter) with the ChatML chat_template in its tokenizer_config.json");
  ChatSession session(m.model, m.tokenizer, opt);
  // --tools: the conversation kept as messages, each reply generated from its whole prompt.
  const ChatTemplate tmpl(m.tokenizer);
  Conversation conv;
  auto start_conversation = [&] {
    conv.clear();
    const std::string system = tools::tools_system_message(opt.system, registry);
    if (!system.empty()) conv.push_back({"system", system});
  };
  start_conversation();
  const tools::ReplyFn generate_reply = [&](const Conversation& c) {
    return generate_text(m.model, m.tokenizer, tmpl.prompt(c), opt.generate, {kEndOfTurn});
  };
  const bool tty = ::isatty(0);
  std::string line;
  while (true) {
    if (tty) std::fprintf(stderr, "you> ");
    if (!std::getline(std::cin, line) || line == "/quit") break;
    if (line == "/reset") {
      session.reset();
      start_conversation();
      continue;
    }
    if (line.empty()) continue;
    if (tty) std::fprintf(stderr, "model>");
    if (filter)
      if (const auto m = filter->check(line)) {
        refuse(*m);
        continue;
      }
    line = cot.apply(prompter.prompt(line));
    if (tool_flags.on()) {
      if (tty) std::fprintf(stderr, "\n");
      conv.push_back({"user", line});
      nlohmann::json calls = nlohmann::json::array();
      tools::ToolLoopResult r;
      try {
        r = tools::run_tool_loop(registry, conv, generate_reply, tool_flags.max_calls, [&](const tools::ToolEvent& e) {
          if (as_json) {
            if (e.kind == tools::ToolEvent::Result)
              calls.push_back(tool_call_json(e));
          } else {
            print_tool_event(e);
          }
        });
      } catch (const Error& e) {  // e.g. the conversation no longer fits the context
        std::fprintf(stderr, "[%s; starting a new conversation]\n", e.what());
        start_conversation();
        continue;
      }
      std::optional<eval::SafetyMatch> cut;
      if (filter && (cut = filter->check(r.reply))) {
        r.reply.resize(cut->begin);
        start_conversation();  // the blocked reply is not kept
      }
      if (as_json) {
        nlohmann::json j = {{"reply", r.reply}, {"tool_calls", calls}, {"finish_reason", cut ? "content_filter" : r.finish_reason}};
        if (cut) j["safety"] = safety_json(*cut, "output");
        std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
      } else {
        std::printf("%s\n", r.reply.c_str());
        if (cut) std::fprintf(stderr, "[cut by the safety filter: %s]\n", cut->category.c_str());
        if (r.finish_reason == "tool_calls_limit")
          std::fprintf(stderr, "[%d tool calls this turn: the limit; the last call was not run]\n", r.tool_calls);
      }
      std::fflush(stdout);
      continue;
    }
    std::optional<augment::Grounding> grounding;
    if (index) grounding = augment::ground(*index, line, rag_k);
    eval::OutputGuard guard(filter ? &*filter : nullptr);
    auto show = [&](const std::string& text) {
      if (as_json || text.empty()) return;
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    };
    ChatReply reply = session.say(grounding ? grounding->prompt : line, [&](const std::string& text) { show(guard.feed(text)); });
    show(guard.finish());
    if (guard.blocked()) {
      reply.text = guard.released();
      session.reset();  // the blocked reply is not kept in the conversation
    }
    if (as_json) {
      nlohmann::json j = grounding ? augment::grounded_reply_json(reply.text, *grounding) : nlohmann::json{{"reply", reply.text}};
      if (guard.blocked()) j["safety"] = safety_json(*guard.match(), "output");
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("\n");
      if (guard.blocked()) std::fprintf(stderr, "[cut by the safety filter: %s; starting a new conversation]\n", guard.match()->category.c_str());
      if (grounding)
        for (const nlohmann::json& c : augment::grounded_reply_json(reply.text, *grounding)["citations"])
          std::printf("  [%d] %s, chunk %d, bytes %llu-%llu\n", c["n"].get<int>(), c["id"].dump().c_str(), c["chunk"].get<int>(),
                      c["start"].get<unsigned long long>(), c["end"].get<unsigned long long>());
    }
    std::fflush(stdout);
  }
  return 0;
}

Command reg("chat", "talk with a model interactively", run_chat);

}  // namespace
}  // namespace lmf::cli
