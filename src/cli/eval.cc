// lmforge eval: mean next-token loss and perplexity of a model over a token shard.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/model_flags.h"
#include "core/autograd.h"
#include "core/threads.h"
#include "data/token_shard.h"
#include "eval/perplexity.h"
#include "finetune/peft.h"
#include "models/checkpoint.h"

namespace lmf::cli {
namespace {

int run_eval(int argc, char** argv) {
  CLI::App app{"Perplexity of a model over a token shard (non-overlapping windows of T tokens)", "lmforge eval"};
  std::string model_dir, data_path;
  int64_t seq = 0, batch = 8, max_windows = 0;
  int threads = 0;
  app.add_option("--model", model_dir, "model directory (config.json, model.safetensors)")->required();
  std::string adapter_dir;
  app.add_option("--adapter", adapter_dir, "PEFT adapter directory (adapter_config.json, adapter_model.safetensors) applied to the model");
  app.add_option("--data", data_path, "token shard (.bin, llm.c format)")->required();
  app.add_option("--seq", seq, "window length T (default: the model's context length)");
  app.add_option("--batch", batch, "windows per forward pass")->capture_default_str();
  app.add_option("--max-windows", max_windows, "score only the first N windows (0 = all)")->capture_default_str();
  app.add_option("--threads", threads, "threads (default: LMFORGE_THREADS or all cores)");
  CLI11_PARSE(app, argc, argv);
  if (threads > 0) threads::set(threads);

  Transformer model = load_model(model_dir);
  std::unique_ptr<ft::PeftMethod> adapter = attach_adapter(model, adapter_dir);
  if (seq <= 0) seq = model.config().n_positions;
  if (seq > model.config().n_positions)
    throw Error("--seq " + std::to_string(seq) + " exceeds the model's context length " +
                std::to_string(model.config().n_positions));
  data::TokenShard shard = data::TokenShard::open(data_path);
  autograd::NoGradGuard no_grad;
  eval::PerplexityResult r = eval::evaluate_perplexity(
      shard, seq, batch, [&](const Tensor& x, const Tensor& y) { return double(model.loss(x, y).item()); },
      max_windows);
  nlohmann::json out = {{"loss", r.loss}, {"ppl", r.ppl}, {"tokens", r.tokens}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

Command reg("eval", "perplexity of a model over a token shard, as JSON", run_eval);

}  // namespace
}  // namespace lmf::cli
