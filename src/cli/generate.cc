// lmforge generate: continue a prompt with a model, streaming the text (or the ids).
// With --chat the prompt is one user message in the ChatML template that `lmforge
// finetune` trains with, and generation stops at <|im_end|>. With --rag INDEX the prompt is a
// question answered from the index's best chunks (augment/grounded_prompt.h); --json prints
// the reply with the sources it cites.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "augment/grounded_prompt.h"
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
  bool print_ids = false, chat = false, as_json = false;
  int threads = 0, rag_k = 4;
  std::string rag;
  add_model_flags(app, mf);
  app.add_option("--prompt", prompt, "prompt text, encoded as `lmforge tokenize` does (no special tokens)")->required();
  add_max_new_tokens_flag(app, opt.max_new_tokens, "tokens to generate");
  app.add_option("--stop", stops, "stop when the text produces this string (repeatable)");
  app.add_flag("--chat", chat, "wrap the prompt as a user message in the ChatML template; stop at <|im_end|>");
  app.add_flag("--ids", print_ids, "print only the new token ids, space-separated");
  app.add_option("--rag", rag, "retrieval index (`lmforge rag index`): the prompt is a question answered from its best "
                               "chunks, given as numbered sources that the reply cites as [1], [2]; in the chat template "
                               "when --chat or the model has one, else followed by \"\\nAnswer:\"");
  app.add_option("--rag-k", rag_k, "chunks retrieved for --rag")->check(int_range(1, 100))->capture_default_str();
  app.add_flag("--json", as_json, "print one JSON object when done: {\"reply\"} and, with --rag, the cited and retrieved "
                                  "sources (id, chunk, start, end, score, text)")
      ->excludes("--ids");
  add_threads_flag(app, threads);
  add_sampling_flags(app, opt.sampling);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);

  ft::InferenceModel m({mf.model_dir, mf.tokenizer, mf.adapter_dir});
  const tok::Tokenizer& tk = m.tokenizer;
  opt.eos_id = m.eos_id();
  std::optional<augment::RagIndex> index;
  std::optional<augment::Grounding> grounding;  // points into *index
  if (!rag.empty()) {
    index.emplace(rag);
    grounding = augment::ground(*index, prompt, rag_k);
    prompt = grounding->prompt;
    if (!chat && !m.chatml) prompt += "\nAnswer:";
    chat = chat || m.chatml;
  }
  std::vector<int32_t> ids;
  if (chat) {
    ids = ChatTemplate(tk).prompt({{"user", prompt}});
    stops.push_back(kEndOfTurn);
  } else {
    ids = tk.encode(prompt);
  }

  TextStream stream(tk, stops);
  bool first = true;
  std::string reply;
  auto on_token = [&](int32_t id) {
    if (print_ids) {
      std::printf(first ? "%d" : " %d", id);
      first = false;
      return true;
    }
    if (opt.eos_id && id == *opt.eos_id) return false;
    std::string out = stream.push(id);
    if (as_json) {
      reply += out;
    } else {
      std::fwrite(out.data(), 1, out.size(), stdout);
      std::fflush(stdout);
    }
    return !stream.stopped();
  };
  generate(m.model, ids, opt, on_token);
  if (as_json) {
    reply += stream.finish();
    const nlohmann::json j = grounding ? augment::grounded_reply_json(reply, *grounding) : nlohmann::json{{"reply", reply}};
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
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
