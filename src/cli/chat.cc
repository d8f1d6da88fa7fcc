// lmforge chat: an interactive conversation with a model (infer/chat_session.h: the
// conversation and its KV cache are kept across turns). Reads one user turn a line from
// stdin, prints each reply on stdout as it is generated. Commands: /reset clears the
// conversation, /quit (or end of input) leaves. A model (or adapter) whose
// tokenizer_config.json holds the ChatML chat_template is prompted with that template,
// exactly as `lmforge finetune` trained it; otherwise with "User: ...\nAssistant:" turns.
// --num-fewshot K puts demonstrations before each user turn (augment/fewshot.h), --cot a
// chain-of-thought cue after it. With --rag INDEX each user turn is answered from the index's best chunks
// (augment/grounded_prompt.h) and the sources the reply cites are listed after it.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "augment/grounded_prompt.h"
#include "cli/command.h"
#include "cli/flags.h"
#include "finetune/inference_model.h"
#include "infer/chat_session.h"

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
  add_model_flags(app, mf);
  app.add_option("--system", opt.system, "system message (ChatML) or text placed before the conversation");
  add_max_new_tokens_flag(app, opt.generate.max_new_tokens, "reply length limit");
  app.add_option("--rag", rag, "retrieval index (`lmforge rag index`): each turn is answered from its best chunks, "
                               "given as numbered sources; the cited ones are listed after the reply");
  app.add_option("--rag-k", rag_k, "chunks retrieved a turn for --rag")->check(int_range(1, 100))->capture_default_str();
  app.add_flag("--json", as_json, "print each reply as one JSON line when it is done ({\"reply\"}, and with --rag the "
                                  "cited and retrieved sources)");
  FewshotFlags fewshot;
  CotFlags cot;
  add_fewshot_flags(app, fewshot);
  add_cot_flags(app, cot);
  add_threads_flag(app, threads);
  add_sampling_flags(app, opt.generate.sampling);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  if (!rag.empty() && fewshot.k > 0) throw Error("--rag and --num-fewshot cannot be combined");
  const augment::FewshotPrompter prompter(fewshot.options(opt.generate.sampling.seed));
  std::optional<augment::RagIndex> index;
  if (!rag.empty()) index.emplace(rag);

  ft::InferenceModel m({mf.model_dir, mf.tokenizer, mf.adapter_dir});
  opt.chatml = m.chatml;
  opt.generate.eos_id = m.eos_id();
  opt.on_restart = [](int64_t context) {
    std::fprintf(stderr, "[context of %lld tokens is full; starting a new conversation]\n", (long long)context);
  };
  ChatSession session(m.model, m.tokenizer, opt);
  const bool tty = ::isatty(0);
  std::string line;
  while (true) {
    if (tty) std::fprintf(stderr, "you> ");
    if (!std::getline(std::cin, line) || line == "/quit") break;
    if (line == "/reset") {
      session.reset();
      continue;
    }
    if (line.empty()) continue;
    if (tty) std::fprintf(stderr, "model>");
    line = cot.apply(prompter.prompt(line));
    std::optional<augment::Grounding> grounding;
    if (index) grounding = augment::ground(*index, line, rag_k);
    const ChatReply reply = session.say(grounding ? grounding->prompt : line, [&](const std::string& text) {
      if (as_json) return;
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    });
    if (as_json) {
      const nlohmann::json j = grounding ? augment::grounded_reply_json(reply.text, *grounding) : nlohmann::json{{"reply", reply.text}};
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("\n");
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
