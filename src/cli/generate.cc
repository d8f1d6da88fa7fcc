// lmforge generate: continue a prompt with a model, streaming the text (or the ids).
// With --chat the prompt is one user message in the ChatML template that `lmforge
// finetune` trains with, and generation stops at <|im_end|>.
#include <CLI/CLI.hpp>
#include <cstdio>

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

int run_generate(int argc, char** argv) {
  CLI::App app{"Generate a continuation of a prompt (KV cache; greedy or sampled)", "lmforge generate"};
  std::string model_dir, prompt, tok_spec;
  GenerateOptions opt;
  opt.sampling.temperature = 0.8f;
  std::vector<std::string> stops;
  bool print_ids = false, chat = false;
  int threads = 0;
  app.add_option("--model", model_dir, "model directory (config.json, model.safetensors, tokenizer.json)")->required();
  std::string adapter_dir;
  app.add_option("--adapter", adapter_dir, "PEFT adapter directory (adapter_config.json, adapter_model.safetensors) applied to the model");
  app.add_option("--prompt", prompt, "prompt text, encoded as `lmforge tokenize` does (no special tokens)")->required();
  app.add_option("--max-new-tokens", opt.max_new_tokens, "tokens to generate")->capture_default_str();
  app.add_option("--stop", stops, "stop when the text produces this string (repeatable)");
  app.add_option("--tokenizer", tok_spec, "tokenizer SPEC (default: the model's tokenizer.json)");
  app.add_flag("--chat", chat, "wrap the prompt as a user message in the ChatML template; stop at <|im_end|>");
  app.add_flag("--ids", print_ids, "print only the new token ids, space-separated");
  app.add_option("--threads", threads, "threads (default: LMFORGE_THREADS or all cores)");
  add_sampling_flags(app, opt.sampling);
  CLI11_PARSE(app, argc, argv);
  if (threads > 0) threads::set(threads);

  tok::Tokenizer tk = tok::Tokenizer::load(tokenizer_spec_for(model_dir, tok_spec));
  Transformer model = load_model(model_dir);
  std::unique_ptr<ft::PeftMethod> adapter = attach_adapter(model, adapter_dir);
  if (auto e = tk.eot_id()) opt.eos_id = int32_t(*e);
  std::vector<int32_t> ids;
  if (chat) {
    ids = ft::ChatTemplate(tk).prompt({{"user", prompt}});
    stops.push_back(ft::kEndOfTurn);
  } else {
    for (uint32_t id : tk.encode(prompt)) ids.push_back(int32_t(id));
  }

  Utf8Stream stream;
  StopMatcher stop(stops);
  bool first = true;
  auto on_token = [&](int32_t id) {
    if (print_ids) {
      std::printf(first ? "%d" : " %d", id);
      first = false;
      return true;
    }
    if (opt.eos_id && id == *opt.eos_id) return false;
    std::string out = stop.feed(stream.push(tk.token_bytes(uint32_t(id))));
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    return !stop.stopped();
  };
  generate(model, ids, opt, on_token);
  if (!print_ids) {
    std::string rest;
    if (!stop.stopped()) {
      rest = stop.feed(stream.flush());
      rest += stop.flush();
    }
    std::fwrite(rest.data(), 1, rest.size(), stdout);
  }
  std::printf("\n");
  return 0;
}

Command reg("generate", "continue a prompt with a model (streamed text or --ids)", run_generate);

}  // namespace
}  // namespace lmf::cli
