// Contamination of evaluation documents against a training corpus (eval/contamination.h,
// `lmforge eval --decontaminate-against`):
//   - a corpus holding some documents' texts (a JSONL line with changed case and
//     punctuation, a blank-line paragraph of a text file, a document of a token shard)
//     flags exactly those documents: 13-grams for long texts, the whole word sequence for
//     short ones, and every document that holds a shared 13-gram;
//   - end to end on a fixture multiple-choice task: the results' contamination counts, the
//     samples' "contaminated" flags on exactly the planted documents, and TASK_clean's acc,
//     acc_norm and standard errors equal tests/reference/harness_metrics.py over only the
//     clean documents' log-likelihoods;
//   - a missing corpus file is an error naming it.
#include <gtest/gtest.h>

#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <set>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "data/token_shard.h"
#include "eval/contamination.h"
#include "support/oracle.h"
#include "support/tiny_models.h"
#include "tokenizer/trainer.h"

using namespace lmf;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

tok::Tokenizer small_tokenizer() {
  tok::TrainerOptions o;
  o.vocab_size = 268;
  o.min_frequency = 1;
  o.special_tokens = {"<|endoftext|>"};
  o.pattern = tok::builtin_pattern("gpt2");
  o.threads = 1;
  return tok::train_bpe_texts({"the of a and to in is was he for it with as his on be at by"}, o);
}

}  // namespace

TEST(EvalContamination, FlagsExactlyTheDocumentsTheCorpusHolds) {
  const std::string dir = test::temp_dir();
  const tok::Tokenizer tk = small_tokenizer();
  const std::vector<std::string> texts = {
      "the quick brown fox jumps over the lazy dog while the farmer sleeps under an old oak tree",  // 0: JSONL, case/punctuation changed
      "seven silver spoons were found beneath the floor of the abandoned railway station last winter",  // 1: JSONL
      "the owl hoots twice",                                                                            // 2: short, text file
      "a violin concerto in d major was performed by the city orchestra to a sold out hall",           // 3: token shard
      "nobody has ever measured how many grains of sand lie along the northern coast of the island",    // 4: clean
      "reports say seven silver spoons were found beneath the floor of the abandoned railway station",  // 5: shares a 13-gram with 1
      "twice the owl hoots",                                                                            // 6: clean (its words are in the corpus, not in this order)
  };
  write(dir + "/corpus.jsonl",
        json{{"text", "Intro. THE QUICK BROWN FOX -- jumps over the lazy dog, while the farmer sleeps under an old oak. Tree!"}}.dump() + "\n" +
            json{{"text", "unrelated text about the owl that hoots at night"}}.dump() + "\n" +
            json{{"text", "In the news: seven silver spoons were found beneath the floor of the abandoned railway station last winter."}}.dump() +
            "\n");
  write(dir + "/corpus.txt", "A first paragraph about birds.\n\nAt dusk the owl hoots twice and leaves.\n");
  std::vector<TokenId> ids = tk.encode("something else entirely");
  ids.push_back(*tk.eot_id());
  for (TokenId id : tk.encode("Tonight: a violin concerto in D major was performed by the city orchestra to a sold-out hall.")) ids.push_back(id);
  ids.push_back(*tk.eot_id());
  for (TokenId id : tk.encode("the owl")) ids.push_back(id);
  data::write_token_shard(dir + "/corpus.bin", ids);

  // A temporary folder of this test's own (other tests' evaluations run beside it).
  const std::string tmp = dir + "/tmp";
  fs::create_directories(tmp);
  const char* old_tmpdir = std::getenv("TMPDIR");
  const std::string saved = old_tmpdir ? old_tmpdir : "";
  ::setenv("TMPDIR", tmp.c_str(), 1);
  auto temp_folders = [] {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(fs::temp_directory_path()))
      if (e.path().filename().string().rfind("lmforge-contamination-", 0) == 0) names.insert(e.path().string());
    return names;
  };
  const std::set<std::string> before = temp_folders();
  const std::vector<bool> got =
      eval::contaminated_documents(texts, {dir + "/corpus.jsonl", dir + "/corpus.txt", dir + "/corpus.bin"}, &tk);
  EXPECT_EQ(got, (std::vector<bool>{true, true, true, true, false, true, false}));
  // Each corpus alone flags its own documents.
  EXPECT_EQ(eval::contaminated_documents(texts, {dir + "/corpus.bin"}, &tk),
            (std::vector<bool>{false, false, false, true, false, false, false}));
  EXPECT_EQ(eval::contaminated_documents(texts, {dir + "/corpus.txt"}, nullptr),
            (std::vector<bool>{false, false, true, false, false, false, false}));

  // Errors name the file.
  try {
    eval::contaminated_documents(texts, {dir + "/corpus.jsonl", dir + "/missing.jsonl"}, &tk);
    FAIL() << "no error for a missing corpus";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/missing.jsonl"), std::string::npos) << e.what();
  }
  try {
    eval::contaminated_documents(texts, {dir + "/corpus.bin"}, nullptr);
    FAIL() << "no error for a shard without a tokenizer";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/corpus.bin"), std::string::npos) << e.what();
  }
  write(dir + "/bad.jsonl", "{\"body\": \"no text field\"}\n");
  EXPECT_THROW(eval::contaminated_documents(texts, {dir + "/bad.jsonl"}, &tk), Error);
  // No temporary folder is left behind, an error's included.
  EXPECT_EQ(temp_folders(), before);
  if (old_tmpdir) ::setenv("TMPDIR", saved.c_str(), 1);
  else ::unsetenv("TMPDIR");
}

TEST(EvalContamination, CleanSubsetScoredBesideTheFullOne) {
  const std::string dir = test::temp_dir();
  const tok::Tokenizer tk = small_tokenizer();
  const std::string model = dir + "/model";
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", model}, {"config", test::tiny_gpt2_config({.vocab = int64_t(tk.vocab_size()), .positions = 128})}, {"seed", 5}});
  tk.save_json(model + "/tokenizer.json");

  // Eight documents; the corpus holds documents 1 and 4 (JSONL) and 6 (token shard) as
  // doc_to_text + " " + the right choice.
  const char* animals[] = {"cat", "dog", "owl", "cow", "bee", "eel", "fox", "yak"};
  const char* sounds[] = {"meows", "barks", "hoots", "moos", "buzzes", "zaps", "yips", "grunts"};
  std::string test_docs;
  std::vector<std::string> planted(8);
  for (int i = 0; i < 8; ++i) {
    const int gold = i % 3;
    json options = {sounds[(i + 1) % 8], sounds[(i + 2) % 8], sounds[(i + 3) % 8]};
    options[size_t(gold)] = sounds[i];
    test_docs += json{{"animal", animals[i]}, {"options", options}, {"label", gold}}.dump() + "\n";
    planted[size_t(i)] = std::string("What does the ") + animals[i] + " do in the morning?\nAnswer: " + sounds[i];
  }
  write(dir + "/test.jsonl", test_docs);
  write(dir + "/task.yaml",
        "task: fixture_sounds\n"
        "dataset_path: json\n"
        "dataset_kwargs:\n"
        "  data_files:\n"
        "    test: test.jsonl\n"
        "test_split: test\n"
        "output_type: multiple_choice\n"
        "doc_to_text: \"What does the {{animal}} do in the morning?\\nAnswer:\"\n"
        "doc_to_target: label\n"
        "doc_to_choice: options\n");
  write(dir + "/corpus.jsonl", json{{"text", "Notes. " + planted[1] + ". More notes."}}.dump() + "\n" +
                                   json{{"text", "unrelated: what does the owl do at night"}}.dump() + "\n" +
                                   json{{"text", planted[4]}}.dump() + "\n");
  std::vector<TokenId> ids = tk.encode(planted[6]);
  ids.push_back(*tk.eot_id());
  data::write_token_shard(dir + "/corpus.bin", ids);

  const std::string out_dir = dir + "/out";
  std::string out;
  const std::string base = std::string(LMFORGE_BINARY) + " eval --model " + model + " --tasks " + dir + "/task.yaml";
  ASSERT_EQ(test::run_command(base + " --decontaminate-against " + dir + "/corpus.jsonl," + dir +
                                  "/corpus.bin --output-path " + out_dir + " --log-samples 2>&1",
                              &out),
            0)
      << out;
  EXPECT_NE(out.find("|fixture_sounds_clean"), std::string::npos) << out;
  EXPECT_NE(out.find("contamination: fixture_sounds: 3 of 8 documents"), std::string::npos) << out;

  std::string results_path, samples_path;
  for (const auto& e : fs::recursive_directory_iterator(out_dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("results_", 0) == 0) results_path = e.path().string();
    if (name.rfind("samples_fixture_sounds_", 0) == 0) samples_path = e.path().string();
  }
  ASSERT_FALSE(results_path.empty());
  ASSERT_FALSE(samples_path.empty());
  const json r = json::parse(std::ifstream(results_path));
  const json& c = r["contamination"]["fixture_sounds"];
  EXPECT_EQ(c["documents"], 8);
  EXPECT_EQ(c["contaminated"], 3);
  EXPECT_DOUBLE_EQ(c["share"].get<double>(), 3.0 / 8.0);
  EXPECT_EQ(c["ngram"], 13);
  EXPECT_EQ(c["corpus"], json::array({dir + "/corpus.jsonl", dir + "/corpus.bin"}));
  EXPECT_EQ(c["clean"], "fixture_sounds_clean");
  EXPECT_EQ(r["n-samples"]["fixture_sounds_clean"]["effective"], 5);

  // The clean subset through the Python restatement of the harness's metrics.
  json all = {{"mc", json::array()}}, clean = {{"mc", json::array()}};
  std::ifstream in(samples_path);
  std::vector<int64_t> flagged;
  for (std::string line; std::getline(in, line);) {
    const json s = json::parse(line);
    json doc = {{"lls", json::array()}, {"greedy", json::array()}, {"choices", s["doc"]["options"]}, {"gold", s["target"]}};
    for (const json& f : s["filtered_resps"]) doc["lls"].push_back(f[0]), doc["greedy"].push_back(f[1]);
    all["mc"].push_back(doc);
    if (s["contaminated"].get<bool>()) flagged.push_back(s["doc_id"]);
    else clean["mc"].push_back(doc);
  }
  EXPECT_EQ(flagged, (std::vector<int64_t>{1, 4, 6}));
  auto reference = [&](const json& spec) {
    const std::string path = dir + "/spec.json";
    std::ofstream(path) << spec.dump();
    std::string py;
    EXPECT_EQ(test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/harness_metrics.py") + " " + path, &py), 0) << py;
    return json::parse(py);
  };
  const json want_all = reference(all), want_clean = reference(clean);
  for (const char* m : {"acc", "acc_norm"}) {
    EXPECT_NEAR(r["results"]["fixture_sounds_clean"][std::string(m) + ",none"].get<double>(), want_clean[m].get<double>(), 1e-12) << m;
    EXPECT_NEAR(r["results"]["fixture_sounds_clean"][std::string(m) + "_stderr,none"].get<double>(), want_clean[std::string(m) + "_stderr"].get<double>(), 1e-12) << m;
    EXPECT_NEAR(r["results"]["fixture_sounds"][std::string(m) + ",none"].get<double>(), want_all[m].get<double>(), 1e-12) << m;
  }

  // A corpus file that does not exist is an error naming it, before any scoring.
  std::string err;
  EXPECT_NE(test::run_command(base + " --decontaminate-against " + dir + "/nosuch.jsonl 2>&1", &err), 0);
  EXPECT_NE(err.find(dir + "/nosuch.jsonl"), std::string::npos) << err;
}
