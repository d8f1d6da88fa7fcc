// Text embeddings (augment/embedding.h, `lmforge embed`) against the PyTorch reference
// (tests/reference/embedding.py): random tiny GPT-2 and Llama models over bytes, every
// pooling, with and without a LoRA adapter, texts of different lengths in one call; through
// the library and through the CLI in both output formats (the .npy read back by numpy).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "augment/embedding.h"
#include "core/error.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"
#include "support/byte_tokenizer.h"
#include "support/oracle.h"
#include "support/tiny_models.h"

using namespace lmf;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kBin = LMFORGE_BINARY;

// Lengths 1 to 47 bytes (the models' context is 48), one with multi-byte UTF-8.
const std::vector<std::string> kTexts = {"a", "The jury said", "Fulton County Grand Jury, ünïcode and all!",
                                         "An investigation of the recent election."};

struct Case {
  std::string model, adapter, pooling;
};

// The models (gpt2/, llama/, llama-lora/ the adapter), written once, and the reference's
// embeddings of kTexts for every case.
struct Fixture {
  std::string dir;
  std::vector<Case> cases;
  std::vector<Tensor> want;  // (n, C) a case
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture f;
    f.dir = test::temp_dir();
    const json gpt2 = test::tiny_gpt2_config({.vocab = 257, .width = 24, .positions = 48});
    const json llama = test::tiny_llama_config({.vocab = 257, .width = 24, .mlp = 40, .positions = 48});
    const json acfg = {{"peft_type", "LORA"}, {"r", 4}, {"lora_alpha", 8}, {"lora_dropout", 0.0}, {"bias", "none"},
                       {"target_modules", {"q_proj", "v_proj", "down_proj"}}};
    for (const char* p : {"mean", "last", "cls"}) {
      f.cases.push_back({"gpt2", "", p});
      f.cases.push_back({"llama", "", p});
    }
    f.cases.push_back({"llama", "llama-lora", "mean"});
    json cases = json::array();
    for (const Case& c : f.cases) {
      json j = {{"model_dir", f.dir + "/" + c.model}, {"pooling", c.pooling}, {"texts", kTexts}};
      if (!c.adapter.empty()) j["adapter_dir"] = f.dir + "/" + c.adapter;
      cases.push_back(j);
    }
    const test::TensorMap ref = test::torch_ref(
        "embedding", "cases", {{"dummy", Tensor::zeros({1})}},
        {{"write", {{{"dir", f.dir + "/gpt2"}, {"config", gpt2}, {"seed", 3}}, {{"dir", f.dir + "/llama"}, {"config", llama}, {"seed", 4}}}},
         {"adapters", {{{"dir", f.dir + "/llama-lora"}, {"config", llama}, {"adapter_config", acfg}, {"seed", 5}}}},
         {"cases", cases}});
    for (size_t i = 0; i < f.cases.size(); ++i) f.want.push_back(ref.at("c" + std::to_string(i) + ".embeddings"));
    for (const char* m : {"gpt2", "llama"}) test::byte_tokenizer(false).save_json(f.dir + "/" + m + "/tokenizer.json");
    return f;
  }();
  return f;
}

double max_abs_diff(const std::vector<float>& got, const Tensor& want) {
  const std::vector<float> w = want.to_vector();
  EXPECT_EQ(got.size(), w.size());
  double d = 0;
  for (size_t i = 0; i < std::min(got.size(), w.size()); ++i) d = std::max(d, std::abs(double(got[i]) - w[i]));
  return d;
}

// Runs `lmforge ARGS` with stderr joined to stdout; returns the exit status.
int run_bin(const std::string& args, std::string* out) { return test::run_command(kBin + " " + args + " 2>&1", out); }

std::string write_input(const std::string& dir, const std::string& name, const std::string& lines) {
  const std::string path = dir + "/" + name;
  io::write_text_atomic(path, lines);
  return path;
}

std::string jsonl_of(const std::vector<std::string>& texts, bool with_ids) {
  std::string s;
  for (size_t i = 0; i < texts.size(); ++i) {
    json j = {{"text", texts[i]}};
    if (with_ids) j["id"] = "doc-" + std::to_string(i);
    s += j.dump() + "\n";
  }
  return s;
}

}  // namespace

TEST(EmbedVectors, MatchPyTorchForEveryPoolingAndFamily) {
  const Fixture& f = fixture();
  for (size_t i = 0; i < f.cases.size(); ++i) {
    const Case& c = f.cases[i];
    SCOPED_TRACE(c.model + " " + c.adapter + " " + c.pooling);
    augment::Embedder e({f.dir + "/" + c.model, "", c.adapter.empty() ? "" : f.dir + "/" + c.adapter,
                         augment::parse_pooling(c.pooling)});
    EXPECT_EQ(e.dim(), 24);
    EXPECT_EQ(e.max_tokens(), 48);
    const std::vector<float> got = e.embed(kTexts);
    EXPECT_LE(max_abs_diff(got, f.want[i]), 1e-4);
    for (size_t r = 0; r < kTexts.size(); ++r) {  // unit rows
      double ss = 0;
      for (int k = 0; k < e.dim(); ++k) ss += double(got[r * 24 + k]) * got[r * 24 + k];
      EXPECT_NEAR(ss, 1.0, 1e-5);
    }
    // A text's vector does not depend on the others of the call (the padding of a batch).
    const std::vector<float> alone = e.embed({kTexts[2]});
    for (int k = 0; k < 24; ++k) EXPECT_NEAR(alone[k], got[2 * 24 + k], 1e-6);
  }
  // The three poolings differ (a test that would catch one pooling standing in for another).
  EXPECT_GT(test::rel_error(f.want[0], f.want[2]), 1e-2);
  EXPECT_GT(test::rel_error(f.want[2], f.want[4]), 1e-2);
}

TEST(EmbedVectors, BadTextsNameTheirIndex) {
  const Fixture& f = fixture();
  augment::Embedder e({f.dir + "/gpt2"});
  try {
    e.embed({"fine", std::string(49, 'x')});
    FAIL() << "a text longer than the context was embedded";
  } catch (const Error& err) {
    EXPECT_EQ(std::string(err.what()), "text 1: the text has 49 tokens, more than the model's context of 48");
  }
  EXPECT_NO_THROW(e.embed({std::string(48, 'x')}));
  try {
    e.embed({"", "x"});
    FAIL() << "an empty text was embedded";
  } catch (const Error& err) {
    EXPECT_EQ(std::string(err.what()), "text 0: the text is empty");
  }
  EXPECT_THROW(augment::parse_pooling("max"), Error);
  for (augment::Pooling p : {augment::Pooling::kMean, augment::Pooling::kLast, augment::Pooling::kCls})
    EXPECT_EQ(augment::parse_pooling(augment::pooling_name(p)), p);
}

TEST(EmbedVectors, WeightsHashFollowsTheWeights) {
  const std::string dir = test::temp_dir();
  Transformer m(ModelConfig::from_json(test::tiny_gpt2_config({.vocab = 257}), "tiny"));
  m.init_weights(1);
  save_model(m, dir);
  test::byte_tokenizer(false).save_json(dir + "/tokenizer.json");
  const std::string h1 = augment::Embedder({dir}).weights_hash();
  EXPECT_EQ(h1.size(), 16u);
  EXPECT_EQ(augment::Embedder({dir}).weights_hash(), h1);
  m.params()[3].value.f32()[0] += 1e-3f;
  save_model(m, dir);
  EXPECT_NE(augment::Embedder({dir}).weights_hash(), h1);
}

TEST(EmbedCli, NpyAndJsonlMatchPyTorch) {
  const Fixture& f = fixture();
  const std::string work = test::temp_dir();
  const std::string plain = write_input(work, "plain.jsonl", jsonl_of(kTexts, false));
  const std::string named = write_input(work, "named.jsonl", jsonl_of(kTexts, true));
  std::string out;

  // gpt2, mean (case 0) → .npy, read by numpy.
  ASSERT_EQ(run_bin("embed --model " + f.dir + "/gpt2 --input " + plain + " --out " + work + "/e.npy --threads 1", &out), 0)
      << out;
  std::string py;
  ASSERT_EQ(test::run_command("/usr/bin/python3 -c \"import json, numpy; a = numpy.load('" + work +
                                  "/e.npy'); print(json.dumps({'dtype': str(a.dtype), 'shape': list(a.shape), "
                                  "'values': [float(x) for x in a.reshape(-1)]}))\"",
                              &py),
            0)
      << py;
  const json npy = json::parse(py);
  EXPECT_EQ(npy["dtype"], "float32");
  EXPECT_EQ(npy["shape"], json({4, 24}));
  EXPECT_LE(max_abs_diff(npy["values"].get<std::vector<float>>(), f.want[0]), 1e-4);

  // llama, last (case 3) → .jsonl with the given ids; cls (case 5) → stdout with line numbers.
  ASSERT_EQ(run_bin("embed --model " + f.dir + "/llama --pooling last --input " + named + " --out " + work + "/e.jsonl", &out),
            0)
      << out;
  auto check_lines = [&](const std::string& text, const Tensor& want, bool ids) {
    std::istringstream in(text);
    std::vector<float> all;
    size_t n = 0;
    for (std::string line; std::getline(in, line); ++n) {
      const json j = json::parse(line);
      EXPECT_EQ(j["id"], ids ? json("doc-" + std::to_string(n)) : json(n));
      for (float v : j["embedding"].get<std::vector<float>>()) all.push_back(v);
    }
    EXPECT_EQ(n, kTexts.size());
    EXPECT_LE(max_abs_diff(all, want), 1e-4);
  };
  check_lines(io::read_file(work + "/e.jsonl"), f.want[3], true);
  std::string stdout_text;
  ASSERT_EQ(test::run_command(kBin + " embed --model " + f.dir + "/llama --pooling cls --input " + plain, &stdout_text), 0);
  check_lines(stdout_text, f.want[5], false);
}

TEST(EmbedCli, BadInputIsAClearErrorAndWritesNothing) {
  const Fixture& f = fixture();
  const std::string work = test::temp_dir(), model = f.dir + "/gpt2";
  struct Bad {
    std::string lines, message;
  };
  const std::vector<Bad> bad = {
      {"{\"text\": \"ok\"}\n{\"id\": 3}\n", "in.jsonl:2: missing string field 'text'"},
      {"{\"text\": \"ok\"}\n\n{\"text\": \"ok\"\n", "in.jsonl:3: not a JSON object"},
      {"{\"text\": 5}\n", "in.jsonl:1: 'text' must be a string"},
      {"{\"text\": \"\"}\n", "in.jsonl:1: the text is empty"},
      {"{\"text\": \"ok\"}\n{\"text\": \"" + std::string(60, 'y') + "\"}\n",
       "in.jsonl:2: the text has 60 tokens, more than the model's context of 48"},
  };
  for (const Bad& b : bad) {
    const std::string in = write_input(work, "in.jsonl", b.lines);
    for (const char* out_name : {"e.npy", "e.jsonl"}) {
      std::string out;
      EXPECT_EQ(run_bin("embed --model " + model + " --input " + in + " --out " + work + "/" + out_name, &out), 1) << out;
      EXPECT_NE(out.find("lmforge embed: error: "), std::string::npos) << out;
      EXPECT_NE(out.find(b.message), std::string::npos) << out;
      EXPECT_FALSE(fs::exists(work + "/" + out_name)) << b.message;
    }
  }
  const std::string in = write_input(work, "in.jsonl", "{\"text\": \"ok\"}\n");
  std::string out;
  EXPECT_EQ(run_bin("embed --model " + model + " --pooling max --input " + in + " --out " + work + "/e.npy", &out), 2) << out;
  EXPECT_NE(out.find("unknown pooling 'max' (mean, last or cls)"), std::string::npos) << out;
  EXPECT_EQ(run_bin("embed --model " + model + " --input " + in + " --out " + work + "/e.txt", &out), 2) << out;
  EXPECT_NE(out.find("must end in .npy or .jsonl"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(work + "/e.npy"));
}
