// lmforge train --arch bert: BERT pretrained with the masked-LM objective (models/bert_train.h)
// on token shards; the model directory loads into Hugging Face's BertForMaskedLM, and
// `lmforge fill-mask` and `lmforge embed` read it. Prints the result as one JSON line.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/train_arch.h"
#include "models/bert_train.h"

namespace lmf::cli {
namespace {

int run_train_bert(int argc, char** argv) {
  CLI::App app{"Train BERT (an encoder-only Transformer, Hugging Face's BertForMaskedLM layout) with the masked-LM "
               "objective: sequences of --seq tokens wrapped [CLS] ... [SEP]; 15% of the non-special tokens are "
               "chosen, of those 80% become [MASK], 10% a random token, 10% stay; the loss is the cross-entropy at "
               "the chosen positions. [PAD] [UNK] [CLS] [SEP] [MASK] are added to the data's tokenizer when it lacks them",
               "lmforge train --arch bert"};
  std::string arch;
  int threads = 0;
  models::BertTrainOptions o;
  app.add_option("--arch", arch, "model family: bert")->required();
  app.add_option("--data", o.data_dir,
                 "directory with train.bin, tokenizer.json (and val.bin, meta.json) from `lmforge data tokenize`")
      ->required();
  app.add_option("--out", o.out_dir,
                 "model directory: config.json, model.safetensors, tokenizer.json, metrics.jsonl, loss.svg, "
                 "results.json, training_state/")
      ->required();
  app.add_option("--hidden", o.model.hidden_size, "hidden size (hidden_size)")->check(int_range<int64_t>(1, 65536))->capture_default_str();
  app.add_option("--layers", o.model.num_hidden_layers, "encoder layers (num_hidden_layers)")
      ->check(int_range<int64_t>(1, 256))
      ->capture_default_str();
  app.add_option("--heads", o.model.num_attention_heads, "attention heads (num_attention_heads; divides --hidden)")
      ->check(int_range<int64_t>(1, 1024))
      ->capture_default_str();
  app.add_option("--intermediate", o.model.intermediate_size, "feed-forward size (intermediate_size)")
      ->check(int_range<int64_t>(1, 1 << 20))
      ->capture_default_str();
  app.add_option("--max-positions", o.model.max_position_embeddings, "learned positions (max_position_embeddings; >= --seq + 2)")
      ->check(int_range<int64_t>(3, 1 << 16))
      ->capture_default_str();
  app.add_option("--dropout", o.model.hidden_dropout_prob, "hidden dropout while training (hidden_dropout_prob)")
      ->check(real_range(0, 0.99))
      ->capture_default_str();
  app.add_option("--seq", o.seq, "tokens a sequence, without [CLS] and [SEP]")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--batch", o.batch, "sequences a step")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--steps", o.steps, "optimizer steps in total (with --resume: the total to reach)")
      ->check(int_at_least<int64_t>(1))
      ->capture_default_str();
  app.add_option("--lr", o.lr, "AdamW learning rate")->check(real_positive())->capture_default_str();
  app.add_option("--warmup", o.warmup, "linear warm-up steps (0: constant learning rate)")
      ->check(int_at_least<int64_t>(0))
      ->capture_default_str();
  app.add_option("--weight-decay", o.weight_decay, "AdamW decoupled weight decay on >= 2-D tensors")
      ->check(real_at_least(0))
      ->capture_default_str();
  app.add_option("--grad-clip", o.grad_clip, "global gradient-norm clip (0 = off)")->check(real_at_least(0))->capture_default_str();
  app.add_option("--seed", o.seed, "seed for initialisation, sequences and masks")->capture_default_str();
  app.add_option("--eval-every", o.eval_every, "validation every N steps (0 = at the end only)")
      ->check(int_at_least<int64_t>(0))
      ->capture_default_str();
  app.add_option("--eval-windows", o.eval_windows, "sequences of val.bin in the validation loss")
      ->check(int_at_least<int64_t>(1))
      ->capture_default_str();
  app.add_option("--pppl-tokens", o.pppl_tokens, "tokens of val.bin scored for the pseudo-perplexity at the end (0 = none)")
      ->check(int_at_least<int64_t>(0))
      ->capture_default_str();
  app.add_option("--save-every", o.save_every, "also save the model and training state every N steps (0 = at the end only)")
      ->check(int_at_least<int64_t>(0))
      ->capture_default_str();
  app.add_option("--time-limit", o.time_limit_s, "stop and save after this many seconds of training (0 = none)")
      ->check(real_at_least(0));
  app.add_flag("--resume", o.resume, "continue the run saved in --out (its model, optimizer state and step)");
  app.add_flag("--quiet", o.quiet, "no progress output");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  std::printf("%s\n", models::bert_result_json(models::run_bert_training(o)).dump().c_str());
  return 0;
}

TrainArch reg_bert("bert", "BERT: encoder-only Transformer, masked-LM objective (Hugging Face BertForMaskedLM layout)",
                   run_train_bert);

}  // namespace
}  // namespace lmf::cli
