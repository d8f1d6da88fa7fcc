// `lmforge eval --tasks` on the built-in tasks (tasks/) with a small random model: the
// harness's results file (results with "acc,none" / "acc_stderr,none", configs, versions,
// n-shot, higher_is_better, n-samples) whose means and standard errors agree with the
// samples files, the samples' hashes equal Python's hashlib.sha256, the --data mode still
// answers, and an unknown task name is an error naming it.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/oracle.h"
#include "support/tiny_models.h"
#include "tokenizer/trainer.h"

using namespace lmf;
using nlohmann::json;
namespace fs = std::filesystem;

TEST(EvalTasksCli, WritesTheHarnessFiles) {
  const std::string dir = test::temp_dir();
  const std::string model = dir + "/tiny model";
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", model}, {"config", test::tiny_gpt2_config({.vocab = 300, .positions = 128})}, {"seed", 3}});
  tok::TrainerOptions o;
  o.vocab_size = 268;
  o.special_tokens = {"<|endoftext|>"};
  o.pattern = tok::builtin_pattern("gpt2");
  o.threads = 1;
  tok::train_bpe_texts({"Pick the definition of each word. Is this e-mail spam or ham? Answer: spam ham the of a"}, o)
      .save_json(model + "/tokenizer.json");

  const std::string out_dir = dir + "/out";
  std::string out;
  const std::string cmd = std::string(LMFORGE_BINARY) + " eval --model '" + model +
                          "' --tasks 'wordnet_*,spam_assassin,brown_perplexity' --limit 4 --num-fewshot 1 --output-path " +
                          out_dir + " --log-samples 2>&1";
  ASSERT_EQ(test::run_command(cmd, &out), 0) << out;
  EXPECT_NE(out.find("|wordnet_definitions"), std::string::npos) << out;
  EXPECT_NE(out.find("bits_per_byte"), std::string::npos) << out;

  // DIR/<model name>/results_<time>.json: the model path with '/' runs as "__".
  std::string sub;
  for (char c : model) sub += c == '/' ? std::string("__") : std::string(1, c);
  std::string results_path;
  std::map<std::string, std::string> samples;
  for (const auto& e : fs::directory_iterator(out_dir + "/" + sub)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("results_", 0) == 0) results_path = e.path().string();
    for (const char* t : {"wordnet_definitions", "spam_assassin", "brown_perplexity"})
      if (name.rfind(std::string("samples_") + t + "_", 0) == 0) samples[t] = e.path().string();
  }
  ASSERT_FALSE(results_path.empty()) << out;
  ASSERT_EQ(samples.size(), 3u);
  const json r = json::parse(std::ifstream(results_path));
  for (const char* key : {"results", "configs", "versions", "n-shot", "higher_is_better", "n-samples"})
    EXPECT_TRUE(r.contains(key)) << key;
  EXPECT_EQ(r["n-shot"]["wordnet_definitions"], 1);
  EXPECT_EQ(r["n-samples"]["spam_assassin"]["effective"], 4);
  EXPECT_EQ(r["n-samples"]["spam_assassin"]["original"], 200);
  EXPECT_EQ(r["higher_is_better"]["brown_perplexity"]["bits_per_byte"], false);
  EXPECT_EQ(r["results"]["brown_perplexity"]["bits_per_byte_stderr,none"], "N/A");
  EXPECT_EQ(r["configs"]["spam_assassin"]["output_type"], "multiple_choice");

  for (const char* task : {"wordnet_definitions", "spam_assassin"}) {
    std::ifstream in(samples[task]);
    std::vector<double> acc;
    for (std::string line; std::getline(in, line);) {
      const json s = json::parse(line);
      acc.push_back(s["acc"]);
      EXPECT_EQ(s["arguments"].size(), s["doc"].contains("choices") ? s["doc"]["choices"].size() : 2u);
      if (acc.size() == 1) {
        // The prompt hash is hashlib's sha256 of the prompt.
        const std::string prompt_file = dir + "/prompt.txt";
        std::ofstream(prompt_file) << s["arguments"]["gen_args_0"]["arg_0"].get<std::string>();
        std::string h;
        ASSERT_EQ(test::run_command("/usr/bin/python3 -c \"import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest(), end='')\" " + prompt_file, &h), 0);
        EXPECT_EQ(s["prompt_hash"], h) << task;
        EXPECT_EQ(s["doc_hash"].get<std::string>().size(), 64u);
      }
    }
    ASSERT_EQ(acc.size(), 4u) << task;
    double mean = 0, var = 0;
    for (double a : acc) mean += a / 4;
    for (double a : acc) var += (a - mean) * (a - mean) / 3;
    EXPECT_NEAR(r["results"][task]["acc,none"].get<double>(), mean, 1e-12) << task;
    EXPECT_NEAR(r["results"][task]["acc_stderr,none"].get<double>(), std::sqrt(var / 4), 1e-12) << task;
  }

  // An unknown task is an error naming it; the other modes still parse.
  std::string err;
  EXPECT_NE(test::run_command(std::string(LMFORGE_BINARY) + " eval --model '" + model + "' --tasks nosuch_task 2>&1", &err), 0);
  EXPECT_NE(err.find("nosuch_task"), std::string::npos) << err;
  EXPECT_NE(test::run_command(std::string(LMFORGE_BINARY) + " eval --model '" + model + "' --tasks spam_assassin --data x.bin 2>&1", &err), 0);
}

// The built-in generate_until, cloze and preference tasks end to end: the results keys by
// filter ("exact_match,get-answer"), exact_match in the samples equal to the filtered answer
// against the target, and --apply-chat-template prompts as ChatML turns (an error for a
// task that is not generate_until).
TEST(EvalTasksCli, GenerationClozeAndPreferenceTasks) {
  const std::string dir = test::temp_dir();
  const std::string model = dir + "/model";
  tok::TrainerOptions o;
  o.vocab_size = 280;
  o.min_frequency = 1;
  o.special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
  o.pattern = tok::builtin_pattern("gpt2");
  o.threads = 1;
  const tok::Tokenizer tk = tok::train_bpe_texts({"Question: What is 23 + 9? Answer: 32\nWord: Synonym: the of a 0123456789"}, o);
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", model}, {"config", test::tiny_gpt2_config({.vocab = int64_t(tk.vocab_size()), .positions = 128})}, {"seed", 4}});
  tk.save_json(model + "/tokenizer.json");

  const std::string out_dir = dir + "/out";
  std::string out;
  ASSERT_EQ(test::run_command(std::string(LMFORGE_BINARY) + " eval --model " + model +
                                  " --tasks arithmetic,brown_cloze,wordnet_synonyms,preferences --limit 3 --output-path " +
                                  out_dir + " --log-samples 2>&1",
                              &out),
            0)
      << out;
  EXPECT_NE(out.find("get-answer"), std::string::npos) << out;
  auto files = [&](const std::string& prefix) {
    std::vector<std::string> v;
    for (const auto& e : fs::recursive_directory_iterator(out_dir))
      if (e.path().filename().string().rfind(prefix, 0) == 0) v.push_back(e.path().string());
    return v;
  };
  ASSERT_EQ(files("results_").size(), 1u);
  const json r = json::parse(std::ifstream(files("results_")[0]));
  EXPECT_TRUE(r["results"]["arithmetic"].contains("exact_match,get-answer")) << r["results"]["arithmetic"].dump();
  EXPECT_TRUE(r["results"]["arithmetic"].contains("exact_match_stderr,get-answer"));
  EXPECT_TRUE(r["results"]["brown_cloze"].contains("perplexity,none"));
  EXPECT_TRUE(r["results"]["brown_cloze"].contains("acc,none"));
  EXPECT_TRUE(r["results"]["preferences"].contains("acc,none"));
  EXPECT_TRUE(r["results"]["wordnet_synonyms"].contains("acc_norm,none"));
  EXPECT_EQ(r["configs"]["arithmetic"]["output_type"], "generate_until");

  const std::vector<std::string> arith = files("samples_arithmetic_");
  ASSERT_EQ(arith.size(), 1u);
  std::ifstream in(arith[0]);
  double sum = 0;
  int n = 0;
  for (std::string line; std::getline(in, line); ++n) {
    const json s = json::parse(line);
    EXPECT_EQ(s["filter"], "get-answer");
    EXPECT_EQ(s["arguments"]["gen_args_0"]["arg_1"]["until"], json::array({"\n"}));
    EXPECT_EQ(s["exact_match"].get<double>(), s["filtered_resps"][0] == s["target"] ? 1.0 : 0.0);
    EXPECT_EQ(s["arguments"]["gen_args_0"]["arg_0"].get<std::string>().rfind("Question: ", 0), 0u);
    sum += s["exact_match"].get<double>();
  }
  ASSERT_EQ(n, 3);
  EXPECT_NEAR(r["results"]["arithmetic"]["exact_match,get-answer"].get<double>(), sum / 3, 1e-12);
  const std::vector<std::string> prefs = files("samples_preferences_");
  ASSERT_EQ(prefs.size(), 1u);
  std::ifstream pin(prefs[0]);
  std::string pline;
  std::getline(pin, pline);
  const json ps = json::parse(pline);
  EXPECT_EQ(ps["arguments"]["gen_args_0"]["arg_1"], ps["doc"]["chosen"]);
  EXPECT_EQ(ps["target"], 0);

  // ChatML prompts: the user turn holds the shots and the question.
  const std::string chat_dir = dir + "/chat";
  ASSERT_EQ(test::run_command(std::string(LMFORGE_BINARY) + " eval --model " + model +
                                  " --tasks arithmetic --limit 2 --num-fewshot 1 --apply-chat-template --output-path " + chat_dir + " --log-samples 2>&1",
                              &out),
            0)
      << out;
  for (const auto& e : fs::recursive_directory_iterator(chat_dir))
    if (e.path().filename().string().rfind("samples_arithmetic_", 0) == 0) {
      std::ifstream cin_(e.path());
      std::string line;
      std::getline(cin_, line);
      const std::string prompt = json::parse(line)["arguments"]["gen_args_0"]["arg_0"];
      EXPECT_EQ(prompt.rfind("<|im_start|>user\nQuestion: What is ", 0), 0u) << prompt;
      EXPECT_TRUE(prompt.ends_with("\nAnswer:<|im_end|>\n<|im_start|>assistant\n")) << prompt;
    }
  std::string err;
  EXPECT_NE(test::run_command(std::string(LMFORGE_BINARY) + " eval --model " + model + " --tasks spam_assassin --apply-chat-template 2>&1", &err), 0);
  EXPECT_NE(err.find("generate_until"), std::string::npos) << err;
}
