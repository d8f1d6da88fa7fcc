// The model commands end to end, against the PyTorch reference: `lmforge eval` on a
// reference checkpoint, `lmforge generate --ids` greedy, and `lmforge train` from raw
// text to a run directory whose checkpoint the reference loads and scores identically.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/token_shard.h"
#include "io/atomic_file.h"
#include "support/oracle.h"
#include "tokenizer/tokenizer.h"

using namespace lmf;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kBin = LMFORGE_BINARY;

std::string run_ok(const std::string& args) {
  std::string out;
  int rc = test::run_command(kBin + " " + args + " 2>&1", &out);
  EXPECT_EQ(rc, 0) << kBin << " " << args << "\n" << out;
  return out;
}

// Reference loss of `lmforge eval`'s windows over a shard.
std::pair<double, int64_t> reference_eval(const std::string& model_dir, const std::string& shard, int64_t T) {
  auto s = data::TokenShard::open(shard);
  std::vector<int32_t> ids(s.size());
  s.read(0, s.size(), ids.data());
  auto r = test::torch_ref("models", "eval_windows", {{"tokens", Tensor::from_ints(ids, {int64_t(ids.size())})}},
                           {{"dir", model_dir}, {"T", T}});
  return {r.at("loss").to_vector()[0], int64_t(r.at("tokens").to_vector()[0])};
}

std::string corpus_text() {
  std::ostringstream os;
  const char* lines[] = {"the cat sat on the mat and looked at the dog", "a dog ran after the red ball in the park",
                         "she read the old book by the window all day", "rain fell on the roof while we slept"};
  for (int i = 0; i < 60; ++i) os << lines[i % 4] << " " << i << "\n";
  return os.str();
}

}  // namespace

TEST(ModelCommands, EvalMatchesReferenceWindows) {
  std::string dir = test::temp_dir();
  json cfg = {{"model_type", "llama"},    {"vocab_size", 97},       {"hidden_size", 48},
              {"intermediate_size", 100}, {"num_hidden_layers", 2}, {"num_attention_heads", 6},
              {"num_key_value_heads", 2}, {"max_position_embeddings", 64}};
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", dir + "/m"}, {"config", cfg}, {"seed", 5}});
  std::vector<TokenId> ids;
  for (uint32_t i = 0; i < 203; ++i) ids.push_back((i * 37 + i / 7) % 97);  // 203 tokens: 12 windows of 16, 10 left over
  data::write_token_shard(dir + "/val.bin", ids);
  json got = json::parse(run_ok("eval --model " + dir + "/m --data " + dir + "/val.bin --seq 16 --batch 5"));
  auto [loss, tokens] = reference_eval(dir + "/m", dir + "/val.bin", 16);
  EXPECT_EQ(got["tokens"].get<int64_t>(), 12 * 16);
  EXPECT_EQ(tokens, 12 * 16);
  EXPECT_NEAR(got["loss"].get<double>(), loss, 1e-4 * loss);
  EXPECT_NEAR(got["ppl"].get<double>(), std::exp(loss), 1e-3 * std::exp(loss));

  std::string out;
  EXPECT_NE(test::run_command(kBin + " eval --model " + dir + "/m --data " + dir + "/val.bin --seq 65 2>&1", &out), 0);
  EXPECT_NE(out.find("context length 64"), std::string::npos) << out;
  EXPECT_NE(test::run_command(kBin + " eval --model " + dir + "/nope --data " + dir + "/val.bin 2>&1", &out), 0);
  EXPECT_NE(out.find("nope"), std::string::npos) << out;
}

TEST(ModelCommands, TrainThenGenerateAndEvalAgreeWithReference) {
  std::string dir = test::temp_dir();
  io::write_text_atomic(dir + "/corpus.txt", corpus_text());
  run_ok("tokenizer train --input " + dir + "/corpus.txt --vocab-size 300 --special '<|endoftext|>' --out " + dir + "/tok");
  run_ok("data tokenize --tokenizer " + dir + "/tok --input " + dir + "/corpus.txt --out " + dir +
         "/data --val-fraction 0.25");
  std::string log = run_ok("train --data " + dir + "/data --out " + dir + "/run --preset tiny-gpt2 --batch 2 --seq 32 "
                           "--steps 6 --warmup 2 --lr 3e-3 --eval-every 3 --eval-batches 2 --quiet --threads 1");

  // The run directory: HF layout plus the training record.
  for (const char* f : {"config.json", "model.safetensors", "generation_config.json", "tokenizer.json",
                        "metrics.jsonl", "loss.svg", "training_state/trainer_state.json"})
    EXPECT_TRUE(fs::exists(dir + "/run/" + f)) << f;
  // Model and training state apart: no optimizer state beside the model's files.
  for (const auto& e : fs::directory_iterator(dir + "/run"))
    EXPECT_FALSE(e.path().filename().string().starts_with("optimizer-")) << e.path();
  EXPECT_FALSE(fs::exists(dir + "/run/trainer_state.json"));
  // The end-of-text token is the model's bos and eos, in both files Hugging Face reads, and
  // generation_config.json holds nothing lmforge does not honour.
  const int64_t eot = int64_t(*tok::Tokenizer::load(dir + "/tok").eot_id());
  const json config = json::parse(io::read_file(dir + "/run/config.json"));
  EXPECT_EQ(config.value("bos_token_id", int64_t(-1)), eot);
  EXPECT_EQ(config.value("eos_token_id", int64_t(-1)), eot);
  EXPECT_EQ(json::parse(io::read_file(dir + "/run/generation_config.json")),
            json({{"bos_token_id", eot}, {"eos_token_id", eot}}));
  std::ifstream metrics(dir + "/run/metrics.jsonl");
  std::string line;
  int train_rows = 0, val_rows = 0;
  while (std::getline(metrics, line)) {
    json row = json::parse(line);
    if (row.contains("val_loss")) ++val_rows;
    if (row.contains("loss")) {
      ++train_rows;
      for (const char* k : {"step", "lr", "tokens_per_s"}) EXPECT_TRUE(row.contains(k)) << line;
    }
  }
  EXPECT_EQ(train_rows, 6);
  EXPECT_GE(val_rows, 2);

  // The trained checkpoint scores the same here and in the reference.
  json got = json::parse(run_ok("eval --model " + dir + "/run --data " + dir + "/data/val.bin --seq 32"));
  auto [loss, tokens] = reference_eval(dir + "/run", dir + "/data/val.bin", 32);
  EXPECT_EQ(got["tokens"].get<int64_t>(), tokens);
  EXPECT_NEAR(got["loss"].get<double>(), loss, 1e-4 * loss);

  // Greedy --ids: the prompt is encoded as `lmforge tokenize` does; 12 new ids equal the reference's.
  auto tk = tok::Tokenizer::load(dir + "/run/tokenizer.json");
  std::vector<int32_t> prompt;
  tk.encode_append("the dog ran", false, prompt);
  std::string ids_out =
      run_ok("generate --model " + dir + "/run --prompt 'the dog ran' --max-new-tokens 12 --temperature 0 --ids");
  auto ref = test::torch_ref("models", "greedy", {{"prompt", Tensor::from_ints(prompt, {1, int64_t(prompt.size())})}},
                             {{"dir", dir + "/run"}, {"n", 12}});
  std::ostringstream want;
  bool first = true;
  for (float x : ref.at("ids").to_vector()) {
    want << (first ? "" : " ") << int(x);
    first = false;
  }
  EXPECT_EQ(ids_out, want.str() + "\n");
}
