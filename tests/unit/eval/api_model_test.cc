// `lmforge eval --api URL --api-model NAME` (eval/api_model.h) against `lmforge serve` on
// 127.0.0.1 with a small random model: every per-choice log-likelihood and is_greedy of a
// multiple-choice and a cloze task, the rolling log-likelihoods of a perplexity task and
// the replies of a generation task equal those of `eval --model` on the same model (to
// 1e-4), and so do the aggregated metrics (relative 1e-4); a server error is an error naming the URL and
// the server's message.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "support/oracle.h"
#include "support/serve_process.h"
#include "support/tiny_models.h"
#include "tokenizer/trainer.h"

using namespace lmf;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// task -> the samples file's lines, and the results file, of one run.
struct EvalRun {
  std::map<std::string, std::vector<json>> samples;
  json results;
};

EvalRun read_run(const std::string& out_dir) {
  EvalRun r;
  for (const auto& e : fs::recursive_directory_iterator(out_dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("results_", 0) == 0) r.results = json::parse(std::ifstream(e.path()));
    if (name.rfind("samples_", 0) != 0) continue;
    const std::string task = name.substr(8, name.rfind('_') - 8);
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) r.samples[task].push_back(json::parse(line));
  }
  return r;
}

const char* kLongText =
    "The jury further said in term-end presentments that the City Executive Committee, which had over-all charge of "
    "the election, deserves the praise and thanks of the City of Atlanta for the manner in which the election was "
    "conducted.";

}  // namespace

TEST(EvalApi, ServedModelScoresAsTheLocalOne) {
  const std::string dir = test::temp_dir();
  const std::string model = dir + "/model";
  tok::TrainerOptions o;
  o.vocab_size = 300;
  o.min_frequency = 1;
  o.special_tokens = {"<|endoftext|>"};
  o.pattern = tok::builtin_pattern("gpt2");
  o.threads = 1;
  const tok::Tokenizer tk =
      tok::train_bpe_texts({"Question: What is 23 + 9? Answer: 32\nthe of a and to in is was he for it with as his on be at by"}, o);
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", model}, {"config", test::tiny_gpt2_config({.vocab = int64_t(tk.vocab_size()), .positions = 1024})}, {"seed", 6}});
  tk.save_json(model + "/tokenizer.json");
  ASSERT_GT(tk.encode(kLongText).size(), 64u);
  // Fixture tasks: multiple choice, greedy generation of 4 tokens, a cloze whose targets
  // are those greedy replies (is_greedy true) and others, and texts for perplexity (one
  // rolling window either way), one of them longer than the server's 64-position prefill
  // chunk.
  auto write = [](const std::string& path, const std::string& text) { std::ofstream(path) << text; };
  const std::string yaml_head = "dataset_path: json\ndataset_kwargs:\n  data_files:\n    test: ";
  std::string mc_docs, gen_docs;
  const char* animals[] = {"cat", "dog", "owl", "cow"};
  const char* sounds[] = {"meows", "barks", "hoots", "moos"};
  for (int i = 0; i < 4; ++i) {
    mc_docs += json{{"animal", animals[i]}, {"options", {sounds[i], sounds[(i + 1) % 4], sounds[(i + 2) % 4]}}, {"label", 0}}.dump() + "\n";
    gen_docs += json{{"text", std::string("The ") + animals[i] + " says"}, {"target", sounds[i]}}.dump() + "\n";
  }
  write(dir + "/mc.jsonl", mc_docs);
  write(dir + "/mc.yaml", "task: sounds_mc\n" + yaml_head + "mc.jsonl\ntest_split: test\noutput_type: multiple_choice\n"
                          "doc_to_text: \"What does the {{animal}} do?\\nAnswer:\"\ndoc_to_target: label\ndoc_to_choice: options\n"
                          "metric_list:\n  - metric: acc\n  - metric: acc_norm\n  - metric: exact_match\n");
  write(dir + "/gen.jsonl", gen_docs);
  write(dir + "/gen.yaml", "task: sounds_gen\n" + yaml_head + "gen.jsonl\ntest_split: test\noutput_type: generate_until\n"
                           "doc_to_text: text\ndoc_to_target: target\ngeneration_kwargs:\n  until: [\"@@@\"]\n  max_gen_toks: 4\n");
  write(dir + "/texts.jsonl", json{{"text", "The jury said the election was conducted well."}}.dump() + "\n" +
                                  json{{"text", "It rained on the hills for three days."}}.dump() + "\n" +
                                  json{{"text", kLongText}}.dump() + "\n");
  write(dir + "/rolling.yaml", "task: short_texts\n" + yaml_head + "texts.jsonl\ntest_split: test\noutput_type: loglikelihood_rolling\n"
                               "doc_to_text: \"\"\ndoc_to_target: text\n");
  const std::string eval_local = std::string(LMFORGE_BINARY) + " eval --model " + model + " --num-fewshot 0 --log-samples";
  std::string out;
  ASSERT_EQ(test::run_command(eval_local + " --tasks " + dir + "/gen.yaml --output-path " + dir + "/replies 2>&1", &out), 0) << out;
  std::string cloze_docs;
  const EvalRun replies = read_run(dir + "/replies");
  ASSERT_EQ(replies.samples.count("sounds_gen"), 1u);
  for (const json& s : replies.samples.at("sounds_gen")) {
    const std::string reply = s["resps"][0][0];
    if (!reply.empty()) cloze_docs += json{{"text", s["arguments"]["gen_args_0"]["arg_0"]}, {"word", reply}}.dump() + "\n";
    cloze_docs += json{{"text", s["arguments"]["gen_args_0"]["arg_0"]}, {"word", " " + s["target"].get<std::string>()}}.dump() + "\n";
  }
  write(dir + "/cloze.jsonl", cloze_docs);
  write(dir + "/cloze.yaml", "task: sounds_cloze\n" + yaml_head + "cloze.jsonl\ntest_split: test\noutput_type: loglikelihood\n"
                             "doc_to_text: text\ndoc_to_target: word\ntarget_delimiter: \"\"\n");

  const std::string tasks = " --tasks " + dir + "/mc.yaml," + dir + "/gen.yaml," + dir + "/cloze.yaml," + dir + "/rolling.yaml,arithmetic --limit 8";
  ASSERT_EQ(test::run_command(eval_local + tasks + " --output-path " + dir + "/local 2>&1", &out), 0) << out;
  test::ServeProcess server({"--model", model, "--alias", "tiny", "--parallel", "2"});
  ASSERT_EQ(test::run_command(std::string(LMFORGE_BINARY) + " eval --api " + server.url() + " --api-model tiny --tokenizer " + model +
                                  "/tokenizer.json --batch 4 --num-fewshot 0 --log-samples" + tasks + " --output-path " + dir + "/api 2>&1",
                              &out),
            0)
      << out << "\n" << server.log();
  EXPECT_NE(out.find("|sounds_mc"), std::string::npos) << out;

  const EvalRun local = read_run(dir + "/local"), api = read_run(dir + "/api");
  ASSERT_EQ(local.samples.size(), 5u);
  EXPECT_EQ(api.results["config"]["model"], "local-completions");
  EXPECT_EQ(api.results["model_name"], "tiny");
  int greedy_seen = 0;
  for (const auto& [task, lines] : local.samples) {
    ASSERT_EQ(api.samples.count(task), 1u) << task;
    const std::vector<json>& other = api.samples.at(task);
    ASSERT_EQ(other.size(), lines.size()) << task;
    for (size_t i = 0; i < lines.size(); ++i) {
      const json& a = lines[i]["filtered_resps"];
      const json& b = other[i]["filtered_resps"];
      ASSERT_EQ(a.size(), b.size()) << task;
      for (size_t c = 0; c < a.size(); ++c) {
        if (task == "arithmetic" || task == "sounds_gen") {
          EXPECT_EQ(a[c], b[c]) << task << " doc " << i;
          EXPECT_EQ(lines[i]["resps"], other[i]["resps"]) << task << " doc " << i;
        } else if (a[c].is_array()) {
          EXPECT_NEAR(a[c][0].get<double>(), b[c][0].get<double>(), 1e-4) << task << " doc " << i << " choice " << c;
          EXPECT_EQ(a[c][1], b[c][1]) << task << " doc " << i << " choice " << c;  // is_greedy
          greedy_seen += a[c][1].get<bool>();
        } else {
          EXPECT_NEAR(a[c].get<double>(), b[c].get<double>(), 1e-4) << task << " doc " << i;
        }
      }
    }
    const json& want = local.results["results"][task];
    for (auto it = want.begin(); it != want.end(); ++it)
      if (it->is_number())
        EXPECT_NEAR(it->get<double>(), api.results["results"][task][it.key()].get<double>(), 1e-4 * std::max(1.0, std::abs(it->get<double>())))
            << task << " " << it.key();  // relative for the perplexities of a random model
  }
  EXPECT_GT(greedy_seen, 0);  // is_greedy true was compared too

  // A server error names the URL and the server's message.
  EXPECT_NE(test::run_command(std::string(LMFORGE_BINARY) + " eval --api " + server.url() + " --api-model nosuch --model " + model +
                                  " --tasks " + dir + "/mc.yaml --limit 1 2>&1",
                              &out),
            0);
  EXPECT_NE(out.find(server.url() + "/v1/completions"), std::string::npos) << out;
  EXPECT_NE(out.find("'nosuch' does not exist"), std::string::npos) << out;
}
