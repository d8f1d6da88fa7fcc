// lmforge reward train / reward score: train a reward model (a decoder with a scalar head,
// Bradley–Terry loss) on preference pairs, and score one prompt + response with it
// (src/align/reward_train.h, src/align/reward_model.h).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "align/reward_model.h"
#include "align/reward_train.h"
#include "cli/command.h"
#include "cli/flags.h"
#include "core/threads.h"
#include "models/checkpoint.h"

namespace lmf::cli {
namespace {

int run_reward_train(int argc, char** argv) {
  CLI::App app{"Train a reward model on preference pairs (Bradley-Terry loss); reports held-out pairwise accuracy",
               "lmforge reward train"};
  align::RewardTrainCommand c;
  bool json = false;
  int threads = 0;
  app.add_option("--model", c.model_dir,
                 "starting model: a causal LM directory (a score head is added) or a reward model to continue")
      ->required();
  app.add_option("--data", c.data_path,
                 "preference pairs, JSONL (prompt, chosen, rejected), or a directory with train.jsonl and test.jsonl")
      ->required();
  app.add_option("--out", c.out_dir, "output reward model directory (HF *ForSequenceClassification layout)")->required();
  app.add_option("--eval", c.eval_path, "held-out pairs, JSONL (default: test.jsonl when --data is a directory)");
  app.add_option("--tokenizer", c.tokenizer_spec, "tokenizer SPEC (default: the model's tokenizer.json)");
  app.add_option("--steps", c.train.steps, "optimizer steps")->capture_default_str();
  app.add_option("--batch", c.train.batch, "pairs per step")->capture_default_str();
  app.add_option("--lr", c.train.lr, "learning rate")->capture_default_str();
  app.add_option("--weight-decay", c.train.weight_decay, "AdamW weight decay")->capture_default_str();
  app.add_option("--grad-clip", c.train.grad_clip, "global gradient-norm clip (0 = off)")->capture_default_str();
  app.add_option("--eval-every", c.train.eval_every, "evaluate the held-out pairs every N steps (0: at the end only)")
      ->capture_default_str();
  app.add_option("--seed", c.train.seed, "random seed (data order, score head initialisation)")->capture_default_str();
  app.add_flag("--json", json, "print the result as JSON on stdout");
  app.add_flag("--quiet", c.train.quiet, "no progress output");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  align::RewardRunResult r = align::run_reward_train(c);
  if (json) {
    nlohmann::json j = {{"steps", r.train.steps},
                        {"loss", r.train.last_loss},
                        {"accuracy", r.train.last_accuracy},
                        {"parameters", r.train.parameters},
                        {"seconds_per_step", r.train.seconds_per_step},
                        {"out", c.out_dir}};
    if (r.evaluated) j["eval"] = align::reward_eval_json(r.eval);
    std::printf("%s\n", j.dump().c_str());
  }
  return 0;
}

int run_reward_score(int argc, char** argv) {
  CLI::App app{"Score a response to a prompt with a reward model: prints {\"score\": ...}", "lmforge reward score"};
  std::string model_dir, tokenizer, prompt, response;
  int threads = 0;
  app.add_option("--model", model_dir, "reward model directory")->required();
  app.add_option("--prompt", prompt, "prompt text (encoded as `lmforge tokenize` does)")->required();
  app.add_option("--response", response, "response text, scored after the prompt")->required();
  app.add_option("--tokenizer", tokenizer, "tokenizer SPEC (default: the model's tokenizer.json)");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  const tok::Tokenizer tk = tok::Tokenizer::load(model_tokenizer_spec(model_dir, tokenizer));
  align::RewardModel model = align::RewardModel::load(model_dir);
  std::printf("%s\n", nlohmann::json{{"score", align::score_text(model, tk, prompt, response)}}.dump().c_str());
  return 0;
}

Command reg_train("reward train", "train a reward model on preference pairs (Bradley-Terry)", run_reward_train);
Command reg_score("reward score", "score a prompt + response with a reward model (JSON)", run_reward_score);

}  // namespace
}  // namespace lmf::cli
