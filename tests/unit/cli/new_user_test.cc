// What a new user hit when trying the commands, each checked as the user runs it: numeric
// flags and config fields out of range, misleading messages, exit statuses, help of the
// command groups, the text generate and chat print, and folders left behind by a failure.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "data/token_shard.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"
#include "models/config.h"
#include "support/byte_tokenizer.h"
#include "support/oracle.h"
#include "support/tiny_models.h"
#include "core/utf8.h"

using namespace lmf;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kBin = LMFORGE_BINARY;

struct Outcome {
  int rc = 0;
  std::string out;  // stdout and stderr together unless the command redirects
};

Outcome lmforge(const std::string& args) {
  Outcome r;
  r.rc = test::run_command(kBin + " " + args, &r.out);
  return r;
}

// A random tiny GPT-2 over the byte tokenizer (<|endoftext|> 256, <|im_start|> 257,
// <|im_end|> 258), built once per test process.
const std::string& tiny_model() {
  static const std::string dir = [] {
    std::string d = test::temp_dir() + "/tiny";
    Transformer m(ModelConfig::from_json(test::tiny_gpt2_config({.vocab = 259, .width = 24, .positions = 64}), "tiny"));
    m.init_weights(7);
    save_model(m, d);
    test::byte_tokenizer(true).save_json(d + "/tokenizer.json");
    return d;
  }();
  return dir;
}

void expect_usage_error(const std::string& args, const std::string& names) {
  Outcome r = lmforge(args + " 2>&1");
  EXPECT_EQ(r.rc, 2) << args << "\n" << r.out;
  EXPECT_NE(r.out.find(names), std::string::npos) << args << "\n" << r.out;
}

void write_config(const std::string& dir, const json& patch) {
  json c = json::parse(io::read_file(tiny_model() + "/config.json"));
  c.merge_patch(patch);
  fs::create_directories(dir);
  io::write_text_atomic(dir + "/config.json", c.dump());
}

}  // namespace

TEST(NewUser, ThreadCountsOutOfRangeAreRefusedNotACrash) {
  const std::string gen = "generate --model " + tiny_model() + " --prompt hi --max-new-tokens 2";
  expect_usage_error(gen + " --threads 100000", "lmforge generate: error: --threads");
  expect_usage_error(gen + " --threads -1", "--threads");
  Outcome r;
  r.rc = test::run_command("LMFORGE_THREADS=100000 " + kBin + " " + gen + " 2>&1", &r.out);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("LMFORGE_THREADS must be an integer from 0 to 1024"), std::string::npos) << r.out;
  EXPECT_EQ(lmforge(gen + " --threads 0 >/dev/null 2>&1").rc, 0);  // 0: every core, as documented
  EXPECT_EQ(lmforge(gen + " --threads 1 >/dev/null 2>&1").rc, 0);
}

TEST(NewUser, NumericFlagsAreChecked) {
  const std::string gen = "generate --model " + tiny_model() + " --prompt hi";
  expect_usage_error(gen + " --max-new-tokens -5", "--max-new-tokens");
  expect_usage_error(gen + " --max-new-tokens 0", "--max-new-tokens");
  expect_usage_error(gen + " --temperature nan", "--temperature");
  expect_usage_error(gen + " --temperature -1", "--temperature");
  expect_usage_error(gen + " --top-p 1.5", "--top-p");
  expect_usage_error("chat --model " + tiny_model() + " --max-new-tokens -5 </dev/null", "lmforge chat: error: --max-new-tokens");
  expect_usage_error("train --data x --out y --preset tiny-gpt2 --steps -3", "--steps");
  expect_usage_error("train --data x --out y --preset tiny-gpt2 --lr nan", "--lr");
  expect_usage_error("finetune --model x --data y --out z --rank 0", "--rank");
  expect_usage_error("eval --model x --data y --batch 0", "--batch");
}

TEST(NewUser, UnknownFlagsAreUsageErrorsNamingTheCommand) {
  expect_usage_error("generate --model " + tiny_model() + " --prompt hi --no-such-flag", "lmforge generate: error:");
  expect_usage_error("train --bogus", "lmforge train: error:");
  expect_usage_error("no-such-command", "unknown command");
}

TEST(NewUser, ConfigFieldsMustBeSoundSizes) {
  const std::string d = test::temp_dir();
  write_config(d + "/half", {{"n_embd", 64.5}});
  Outcome r = lmforge("generate --model " + d + "/half --prompt hi --tokenizer " + tiny_model() + " 2>&1");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("field 'n_embd' must be a whole number, got 64.5"), std::string::npos) << r.out;

  write_config(d + "/huge", {{"n_layer", 1e12}});
  r = lmforge("generate --model " + d + "/huge --prompt hi --tokenizer " + tiny_model() + " 2>&1");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("the layer count 1000000000000 is more than 1024"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("bad_alloc"), std::string::npos) << r.out;

  write_config(d + "/wide", {{"n_embd", 60000}, {"n_head", 1}, {"vocab_size", 16000000}});
  EXPECT_THROW(ModelConfig::load(d + "/wide/config.json"), FormatError);  // ~3.6 TiB of weights
}

TEST(NewUser, GenerationConfigIsAnObjectEvenWithoutEos) {
  // A model saved without bos/eos ids writes {} (Hugging Face reads it), never `null`.
  EXPECT_EQ(json::parse(io::read_file(tiny_model() + "/generation_config.json")), json::object());
}

TEST(NewUser, MessagesNameTheRealProblem) {
  const std::string d = test::temp_dir();
  Outcome r = lmforge("generate --model " + d + "/missing --prompt hi 2>&1");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find(d + "/missing: no such model directory"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("--tokenizer"), std::string::npos) << r.out;

  // A broken config.json is reported before the missing tokenizer.
  fs::create_directories(d + "/broken");
  io::write_text_atomic(d + "/broken/config.json", "{\"model_type\": ");
  r = lmforge("chat --model " + d + "/broken </dev/null 2>&1");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("broken/config.json: not valid JSON"), std::string::npos) << r.out;

  r = lmforge("eval --model " + tiny_model() + " --data " + d + " 2>&1");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("not a token shard file (a directory)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("No such device"), std::string::npos) << r.out;

  r = lmforge("train --data " + d + "/nodata --out " + d + "/run --preset tiny-gpt2 --quiet 2>&1");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("--data " + d + "/nodata: no such directory"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("meta.json"), std::string::npos) << r.out;
}

TEST(NewUser, AFailedRunLeavesNoEmptyOutputFolder) {
  const std::string d = test::temp_dir();
  fs::create_directories(d + "/data");
  io::write_text_atomic(d + "/data/train.bin", "not a shard");
  Outcome r = lmforge("train --data " + d + "/data --out " + d + "/new/run --preset tiny-gpt2 --quiet 2>&1");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_FALSE(fs::exists(d + "/new")) << r.out;
  r = lmforge("finetune --model " + tiny_model() + " --data " + d + "/none.jsonl --out " + d + "/ft --quiet 2>&1");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_FALSE(fs::exists(d + "/ft")) << r.out;
  // A folder that was there before is kept.
  fs::create_directories(d + "/kept");
  lmforge("train --data " + d + "/data --out " + d + "/kept --preset tiny-gpt2 --quiet 2>&1");
  EXPECT_TRUE(fs::exists(d + "/kept"));
}

TEST(NewUser, PresetContextIsThePresets) {
  // tiny-gpt2's context is 128 positions (docs/models.md): --seq 129 is refused, not
  // silently made the context.
  const std::string d = test::temp_dir();
  std::vector<TokenId> ids(4000);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = TokenId(i % 250);
  fs::create_directories(d + "/data");
  data::write_token_shard(d + "/data/train.bin", ids);
  io::write_text_atomic(d + "/data/meta.json", R"({"vocab_size": 259, "eot_id": 256})");
  Outcome r = lmforge("train --data " + d + "/data --out " + d + "/run --preset tiny-gpt2 --seq 129 --steps 1 --quiet 2>&1");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("--seq 129 exceeds the model's context of 128"), std::string::npos) << r.out;
  r = lmforge("train --data " + d + "/data --out " + d + "/run --preset tiny-gpt2 --seq 128 --batch 1 --steps 1 --quiet "
              "--threads 1 2>&1");
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(json::parse(io::read_file(d + "/run/config.json"))["n_positions"], 128);
}

TEST(NewUser, GroupsHaveHelpAndThereIsAVersion) {
  for (const char* group : {"data", "reward", "tokenizer", "data classifier"}) {
    Outcome r = lmforge(std::string(group) + " --help");
    EXPECT_EQ(r.rc, 0) << group << "\n" << r.out;
    EXPECT_NE(r.out.find("usage: lmforge " + std::string(group) + " <command>"), std::string::npos) << r.out;
  }
  EXPECT_NE(lmforge("data --help").out.find("data tokenize"), std::string::npos);
  EXPECT_NE(lmforge("reward --help").out.find("reward score"), std::string::npos);
  Outcome v = lmforge("--version");
  EXPECT_EQ(v.rc, 0);
  EXPECT_TRUE(v.out.starts_with("lmforge ")) << v.out;
  Outcome h = lmforge("data classifier train --help");
  EXPECT_EQ(h.rc, 0);
  EXPECT_EQ(h.out.find("train train"), std::string::npos) << h.out;
}

TEST(NewUser, GenerateAndChatPrintValidUtf8AndNoSpecialTokens) {
  // A random byte-level model samples arbitrary bytes and special tokens: what is printed
  // must still be valid UTF-8 with no special token spelled out.
  for (int seed = 1; seed <= 3; ++seed) {
    Outcome g = lmforge("generate --model " + tiny_model() + " --prompt abc --max-new-tokens 60 --temperature 2 --seed " +
                    std::to_string(seed) + " --threads 1 2>/dev/null");
    ASSERT_EQ(g.rc, 0) << g.out;
    EXPECT_TRUE(utf8_valid(g.out)) << "seed " << seed;
    EXPECT_EQ(g.out.find("<|"), std::string::npos) << g.out;
  }
  Outcome c = lmforge("chat --model " + tiny_model() + " --max-new-tokens 40 --temperature 2 --threads 1 2>/dev/null <<'EOF'\n"
                  "hello\nhow are you\n/reset\nagain\nEOF");
  ASSERT_EQ(c.rc, 0) << c.out;
  EXPECT_TRUE(utf8_valid(c.out));
  EXPECT_EQ(c.out.find("<|"), std::string::npos) << c.out;
}

TEST(NewUser, TokenizerTrainKeepsTheEndOfTextTokenByDefault) {
  const std::string d = test::temp_dir();
  std::string text;
  for (int i = 0; i < 50; ++i) text += "the cat sat on the mat number " + std::to_string(i) + "\n";
  io::write_text_atomic(d + "/c.txt", text);
  ASSERT_EQ(lmforge("tokenizer train --input " + d + "/c.txt --vocab-size 270 --out " + d + "/tok >/dev/null 2>&1").rc, 0);
  EXPECT_TRUE(tok::Tokenizer::load(d + "/tok").eot_id().has_value());
  EXPECT_EQ(lmforge("data tokenize --tokenizer " + d + "/tok --input " + d + "/c.txt --out " + d + "/data 2>&1").rc, 0);
  // Without it, the user is told at once.
  Outcome r = lmforge("tokenizer train --input " + d + "/c.txt --vocab-size 270 --special '<|sep|>' --out " + d + "/tok2 2>&1");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("no end-of-text token"), std::string::npos) << r.out;
}
