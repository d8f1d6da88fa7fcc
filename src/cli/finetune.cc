// lmforge finetune: instruction-tune a model on JSONL (Alpaca or chat form) with every
// weight trained or with a parameter-efficient method (LoRA, Houlsby adapters, prefix or
// prompt tuning), writing a model or a PEFT adapter directory (src/finetune/sft.h).
// --tools first adds the tool-call tags to the model as special tokens, growing its
// embeddings (tools/tool_tokens.h), into the output directory, and trains from there.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "core/error.h"
#include "core/threads.h"
#include "finetune/sft.h"
#include "tools/tool_tokens.h"

namespace lmf::cli {
namespace {

int run_finetune_cmd(int argc, char** argv) {
  CLI::App app{"Instruction-tune a model: full fine-tuning or LoRA / adapter / prefix / prompt tuning", "lmforge finetune"};
  ft::FinetuneCommand c;
  c.peft.method = "lora";
  int threads = 0;
  app.add_option("--model", c.model_dir, "base model directory")->required();
  app.add_option("--data", c.data_path, "instruction data, JSONL (Alpaca or chat messages)")->required();
  app.add_option("--out", c.out_dir, "output directory (a model for full, else an adapter)")->required();
  app.add_option("--method", c.peft.method, "full | lora | adapter | prefix | prompt")
      ->check(CLI::IsMember({"full", "lora", "adapter", "prefix", "prompt"}))
      ->capture_default_str();
  app.add_option("--tokenizer", c.tokenizer_spec, "tokenizer SPEC (default: the model's tokenizer.json)");
  app.add_option("--steps", c.sft.steps, "optimizer steps")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--batch", c.sft.batch, "examples per step")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--max-len", c.sft.max_len, "tokens per example (longer ones are cut)")->check(int_at_least<int64_t>(2))->capture_default_str();
  app.add_flag("--pack", c.sft.pack,
               "pack several examples into each row of --max-len tokens (no attention across examples)");
  app.add_option("--lr", c.sft.lr, "learning rate")->check(real_positive())->capture_default_str();
  app.add_option("--weight-decay", c.sft.weight_decay, "AdamW weight decay")->check(real_at_least(0))->capture_default_str();
  app.add_option("--grad-clip", c.sft.grad_clip, "global gradient-norm clip (0 = off)")->check(real_at_least(0))->capture_default_str();
  app.add_option("--seed", c.sft.seed, "random seed (data order, initialisation)")->capture_default_str();
  app.add_option("--rank", c.peft.rank, "LoRA rank r")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--alpha", c.peft.alpha, "LoRA alpha (scaling alpha/r)")->check(real_positive())->capture_default_str();
  app.add_option("--dropout", c.peft.dropout, "LoRA dropout")->check(real_range(0, 0.999))->capture_default_str();
  app.add_option("--target", c.peft.target, "LoRA target module names (repeatable; default attention and MLP)");
  app.add_option("--bottleneck", c.peft.bottleneck, "adapter bottleneck width")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--prefix-length", c.peft.num_virtual_tokens, "prefix tuning: prefix positions per layer")->check(int_at_least<int64_t>(1));
  app.add_option("--prefix-hidden", c.peft.prefix_hidden,
                 "prefix tuning: train the prefix through an MLP of this width (PEFT's prefix_projection); 0: none")->check(int_at_least<int64_t>(0))
      ->capture_default_str();
  app.add_option("--num-virtual-tokens", c.peft.num_virtual_tokens, "prompt tuning: virtual tokens")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--init", c.peft.prompt_init, "prompt tuning init: text | random")->capture_default_str();
  app.add_option("--init-text", c.init_text, "prompt tuning: the text whose embeddings start the prompt");
  bool tool_tokens = false;
  app.add_flag("--tools", tool_tokens,
               "add <tool_call>, </tool_call>, <tool_response>, </tool_response> as special tokens when the model "
               "lacks them (embeddings resized as Hugging Face does) before training; needs --method full");
  app.add_flag("--quiet", c.sft.quiet, "no progress output");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  c.peft.seed = c.sft.seed;
  if (tool_tokens) {
    if (c.peft.method != "full") throw Error("--tools needs --method full (the new token rows must be trained)");
    if (!c.tokenizer_spec.empty()) throw Error("--tools uses the model's own tokenizer.json; drop --tokenizer");
    const tools::ToolTokensResult t = tools::add_tool_tokens(c.model_dir, c.out_dir, c.sft.seed);
    if (!c.sft.quiet)
      std::fprintf(stderr, "[tool tokens: %lld added, vocabulary %lld -> %lld]\n", (long long)t.added,
                   (long long)t.old_vocab, (long long)t.new_vocab);
    c.model_dir = c.out_dir;
  }
  ft::SftResult r = ft::run_finetune(c);
  std::printf("{\"method\": \"%s\", \"steps\": %lld, \"loss\": %.6f, \"trainable\": %lld, \"total\": %lld}\n",
              c.peft.method.c_str(), (long long)r.steps, r.last_loss, (long long)r.trainable, (long long)r.total);
  return 0;
}

Command reg("finetune", "instruction-tune a model (full, lora, adapter, prefix, prompt)", run_finetune_cmd);

}  // namespace
}  // namespace lmf::cli
