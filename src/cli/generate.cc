// lmforge generate: continue a prompt with a model, streaming the text (or the ids).
// With --chat the prompt is one user message in the ChatML template that `lmforge
// finetune` trains with, and generation stops at <|im_end|>.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "finetune/inference_model.h"
#include "infer/chat_template.h"
#include "infer/generate.h"
#include "infer/text_stream.h"

namespace lmf::cli {
namespace {

int run_generate(int argc, char** argv) {
  CLI::App app{"Generate a continuation of a prompt (KV cache; greedy or sampled)", "lmforge generate"};
  ModelFlags mf;
  std::string prompt;
  GenerateOptions opt;
  opt.sampling.temperature = 0.8f;
  std::vector<std::string> stops;
  bool print_ids = false, chat = false;
  int threads = 0;
  add_model_flags(app, mf);
  app.add_option("--prompt", prompt, "prompt text, encoded as `lmforge tokenize` does (no special tokens)")->required();
  add_max_new_tokens_flag(app, opt.max_new_tokens, "tokens to generate");
  app.add_option("--stop", stops, "stop when the text produces this string (repeatable)");
  app.add_flag("--chat", chat, "wrap the prompt as a user message in the ChatML template; stop at <|im_end|>");
  app.add_flag("--ids", print_ids, "print only the new token ids, space-separated");
  add_threads_flag(app, threads);
  add_sampling_flags(app, opt.sampling);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);

  ft::InferenceModel m({mf.model_dir, mf.tokenizer, mf.adapter_dir});
  const tok::Tokenizer& tk = m.tokenizer;
  opt.eos_id = m.eos_id();
  std::vector<int32_t> ids;
  if (chat) {
    ids = ChatTemplate(tk).prompt({{"user", prompt}});
    stops.push_back(kEndOfTurn);
  } else {
    ids = tk.encode(prompt);
  }

  TextStream stream(tk, stops);
  bool first = true;
  auto on_token = [&](int32_t id) {
    if (print_ids) {
      std::printf(first ? "%d" : " %d", id);
      first = false;
      return true;
    }
    if (opt.eos_id && id == *opt.eos_id) return false;
    std::string out = stream.push(id);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    return !stream.stopped();
  };
  generate(m.model, ids, opt, on_token);
  if (!print_ids) {
    std::string rest = stream.finish();
    std::fwrite(rest.data(), 1, rest.size(), stdout);
  }
  std::printf("\n");
  return 0;
}

Command reg("generate", "continue a prompt with a model (streamed text or --ids)", run_generate);

}  // namespace
}  // namespace lmf::cli
