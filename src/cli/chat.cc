// lmforge chat: an interactive conversation with a model. The conversation and its KV
// cache are kept across turns, so each turn only runs the new tokens. Each user line
// becomes "User: <line>\nAssistant:" and the reply streams until the model starts the
// next "\nUser:" turn, emits its end-of-text token, or reaches --max-new-tokens.
// Commands: /reset clears the conversation, /quit (or end of input) leaves.
// A model (or adapter) whose tokenizer_config.json holds the ChatML chat_template is
// prompted with that template instead, exactly as `lmforge finetune` trained it, and its
// reply stops at <|im_end|>.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "cli/model_flags.h"
#include "core/threads.h"
#include "infer/generate.h"
#include "infer/utf8_stream.h"
#include "finetune/chat_template.h"
#include "finetune/peft.h"
#include "models/checkpoint.h"
#include "tokenizer/tokenizer.h"

namespace lmf::cli {
namespace {

int run_chat(int argc, char** argv) {
  CLI::App app{"Chat with a model interactively (keeps the conversation and its cache)", "lmforge chat"};
  std::string model_dir, tok_spec, system;
  GenerateOptions opt;
  opt.max_new_tokens = 200;
  opt.sampling.temperature = 0.7f;
  int threads = 0;
  app.add_option("--model", model_dir, "model directory")->required();
  std::string adapter_dir;
  app.add_option("--adapter", adapter_dir, "PEFT adapter directory (adapter_config.json, adapter_model.safetensors) applied to the model");
  app.add_option("--tokenizer", tok_spec, "tokenizer SPEC (default: the model's tokenizer.json)");
  app.add_option("--system", system, "text placed before the conversation");
  app.add_option("--max-new-tokens", opt.max_new_tokens, "reply length limit")->capture_default_str();
  app.add_option("--threads", threads, "threads (default: LMFORGE_THREADS or all cores)");
  add_sampling_flags(app, opt.sampling);
  CLI11_PARSE(app, argc, argv);
  if (threads > 0) threads::set(threads);

  tok::Tokenizer tk = tok::Tokenizer::load(tokenizer_spec_for(model_dir, tok_spec));
  Transformer model = load_model(model_dir);
  std::unique_ptr<ft::PeftMethod> adapter = attach_adapter(model, adapter_dir);
  if (auto e = tk.eot_id()) opt.eos_id = int32_t(*e);
  const bool chatml = ft::has_chat_template(model_dir) || (!adapter_dir.empty() && ft::has_chat_template(adapter_dir));
  ft::ChatTemplate tmpl(tk);
  KVCache cache = model.make_cache(1, model.config().n_positions);
  std::vector<int32_t> history;
  const bool tty = ::isatty(0);
  auto encode = [&](const std::string& s) {
    std::vector<int32_t> v;
    for (uint32_t id : tk.encode(s)) v.push_back(int32_t(id));
    return v;
  };
  std::string pending_text = system.empty() ? "" : system + "\n";
  std::string line;
  while (true) {
    if (tty) std::fprintf(stderr, "you> ");
    if (!std::getline(std::cin, line) || line == "/quit") break;
    if (line == "/reset") {
      cache.clear();
      history.clear();
      pending_text = system.empty() ? "" : system + "\n";
      continue;
    }
    if (line.empty()) continue;
    // ChatML: the system message opens a conversation, each turn follows the previous "<|im_end|>" after a "\n".
    auto chat_prompt = [&](bool first) {
      ft::Conversation turn;
      if (first && !system.empty()) turn.push_back({"system", system});
      turn.push_back({"user", line});
      std::vector<int32_t> p = first ? std::vector<int32_t>() : encode("\n");
      std::vector<int32_t> rest = tmpl.prompt(turn);
      p.insert(p.end(), rest.begin(), rest.end());
      return p;
    };
    std::vector<int32_t> prompt = chatml ? chat_prompt(cache.len == 0) : encode(pending_text + "User: " + line + "\nAssistant:");
    pending_text = "\n";
    const int64_t used = cache.len == 0 ? model.reserved_positions() : cache.len;  // prompt / prefix tuning entries
    if (used + int64_t(prompt.size()) + 2 >= cache.max_len) {  // context full: start over, keep the system text
      std::fprintf(stderr, "[context of %lld tokens is full; starting a new conversation]\n", (long long)cache.max_len);
      cache.clear();
      history.clear();
      prompt = chatml ? chat_prompt(true) : encode((system.empty() ? "" : system + "\n") + "User: " + line + "\nAssistant:");
    }
    Utf8Stream stream;
    StopMatcher stop({chatml ? std::string(ft::kEndOfTurn) : std::string("\nUser:")});
    auto on_token = [&](int32_t id) {
      if (opt.eos_id && id == *opt.eos_id) return false;
      std::string out = stop.feed(stream.push(tk.token_bytes(uint32_t(id))));
      std::fwrite(out.data(), 1, out.size(), stdout);
      std::fflush(stdout);
      return !stop.stopped();
    };
    if (tty) std::fprintf(stderr, "model>");
    generate(model, prompt, opt, on_token, &cache, &history);
    if (!stop.stopped()) {
      std::string rest = stop.feed(stream.flush());
      rest += stop.flush();
      std::fwrite(rest.data(), 1, rest.size(), stdout);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  return 0;
}

Command reg("chat", "talk with a model interactively", run_chat);

}  // namespace
}  // namespace lmf::cli
