// `lmforge align --method dpo` end to end on the alignment fixture's model, with a JSONL
// written from the fixture's pairs: metrics.jsonl rows carry TRL's names and equal an
// in-process train_dpo run with the same options (step 1: loss log 2); OUT is a model
// directory that loads (full), or a PEFT adapter that loads onto the base (--lora);
// --ref-model takes another reference; a bad line is an error naming FILE:LINE and the
// field, a pair too long for the model's positions names FILE:LINE.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "align/dpo.h"
#include "core/threads.h"
#include "finetune/peft.h"
#include "models/checkpoint.h"
#include "support/align_fixture.h"
#include "support/oracle.h"
#include "train/metrics_log.h"

using namespace lmf;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kBin = LMFORGE_BINARY;

// Runs `lmforge align --method dpo ARGS`; returns the exit status, stdout (the summary
// JSON) in *out and stderr in *err.
int align_dpo(const std::string& args, std::string* out, std::string* err) {
  const std::string errf = test::temp_dir() + "/stderr";
  const int rc = test::run_command(kBin + " align --method dpo --threads 1 " + args + " 2>" + errf, out);
  std::ifstream in(errf);
  err->assign(std::istreambuf_iterator<char>(in), {});
  return rc;
}

std::string write_prefs(const std::vector<align::PreferencePair>& pairs, const std::string& path) {
  std::ofstream out(path);
  for (const align::PreferencePair& p : pairs)
    out << json{{"prompt", p.prompt}, {"chosen", p.chosen}, {"rejected", p.rejected}}.dump() << "\n";
  return path;
}

const char* kTrlNames[] = {"step", "loss", "rewards/chosen", "rewards/rejected", "rewards/margins",
                           "rewards/accuracies", "logps/chosen", "logps/rejected"};

// The metrics rows of an in-process run with the CLI's options.
std::vector<align::DpoMetrics> in_process(const std::string& ref_dir, bool lora, const align::DpoOptions& opt) {
  threads::set(1);
  const test::AlignFixture& f = test::align_fixture();
  tok::Tokenizer tk = tok::Tokenizer::load(f.model_dir);
  align::PreferenceEncoder enc(tk);
  std::vector<align::EncodedPair> pairs;
  for (const align::PreferencePair& p : f.train) pairs.push_back(enc.encode(p));
  Transformer model = load_model(f.model_dir);
  std::unique_ptr<Transformer> ref;
  if (!ref_dir.empty()) ref = std::make_unique<Transformer>(load_model(ref_dir));
  std::unique_ptr<ft::PeftMethod> method;
  if (lora) method = ft::create_method(model, {.method = "lora", .seed = opt.seed});
  std::vector<align::DpoMetrics> rows;
  align::train_dpo(model, method.get(), ref.get(), pairs, opt, [&](const align::DpoMetrics& m) { rows.push_back(m); });
  return rows;
}

void expect_rows_equal(const std::vector<json>& got, const std::vector<align::DpoMetrics>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    for (const char* k : kTrlNames) ASSERT_TRUE(got[i].contains(k)) << "row " << i << " lacks " << k;
    const json w = want[i].to_json();
    for (const char* k : kTrlNames)
      EXPECT_NEAR(got[i][k].get<double>(), w[k].get<double>(), 1e-5 * (1 + std::abs(w[k].get<double>())))
          << "row " << i << " " << k;
  }
}

}  // namespace

TEST(DpoCli, FullRefModelAndLora) {
  const test::AlignFixture& f = test::align_fixture();
  const std::string dir = test::temp_dir();
  const std::string prefs = write_prefs(f.train, dir + "/prefs.jsonl");
  const std::string common = " --data " + prefs + " --beta 0.5 --steps 4 --batch 8 --order sequential --lr 1e-3 --seed 7";
  align::DpoOptions opt;
  opt.beta = 0.5;
  opt.steps = 4;
  opt.batch = 8;
  opt.order = "sequential";
  opt.lr = 1e-3;
  opt.seed = 7;
  opt.quiet = true;

  // Full weights.
  std::string out, err;
  ASSERT_EQ(align_dpo("--model " + f.model_dir + " --out " + dir + "/full" + common, &out, &err), 0) << err;
  const json summary = json::parse(out);
  EXPECT_EQ(summary["steps"], 4);
  EXPECT_NE(err.find("step 4/4"), std::string::npos) << "progress on stderr:\n" << err;
  std::vector<json> rows = train::MetricsLog::read(dir + "/full/metrics.jsonl");
  EXPECT_NEAR(rows.at(0)["loss"].get<double>(), std::log(2.0), 1e-6);
  expect_rows_equal(rows, in_process("", false, opt));
  EXPECT_TRUE(fs::exists(dir + "/full/loss.svg"));
  EXPECT_TRUE(fs::exists(dir + "/full/tokenizer.json"));
  Transformer tuned = load_model(dir + "/full");
  Transformer start = load_model(f.model_dir);
  EXPECT_GT(test::rel_error(tuned.params()[0].value, start.params()[0].value), 0) << "OUT holds the trained weights";

  // --ref-model: the fixture model trained against the model just written.
  ASSERT_EQ(align_dpo("--model " + f.model_dir + " --ref-model " + dir + "/full --out " + dir + "/ref --quiet" + common,
                      &out, &err),
            0)
      << err;
  rows = train::MetricsLog::read(dir + "/ref/metrics.jsonl");
  EXPECT_GT(std::abs(rows.at(0)["loss"].get<double>() - std::log(2.0)), 1e-4);
  expect_rows_equal(rows, in_process(dir + "/full", false, opt));

  // --lora: an adapter on the frozen model, the reference the model without it.
  ASSERT_EQ(align_dpo("--model " + f.model_dir + " --lora --rank 4 --alpha 8 --out " + dir + "/lora --quiet" + common,
                      &out, &err),
            0)
      << err;
  EXPECT_TRUE(fs::exists(dir + "/lora/adapter_config.json"));
  EXPECT_FALSE(fs::exists(dir + "/lora/model.safetensors"));
  Transformer base = load_model(f.model_dir);
  std::unique_ptr<ft::PeftMethod> adapter = ft::load_adapter(base, dir + "/lora");
  EXPECT_EQ(adapter->config()["r"], 4);
  rows = train::MetricsLog::read(dir + "/lora/metrics.jsonl");
  EXPECT_NEAR(rows.at(0)["loss"].get<double>(), std::log(2.0), 1e-6);
  EXPECT_EQ(rows.size(), 4u);
}

TEST(DpoCli, BadDataNamesFileAndLine) {
  const test::AlignFixture& f = test::align_fixture();
  const std::string dir = test::temp_dir();
  {
    std::ofstream out(dir + "/bad.jsonl");
    out << json{{"prompt", "1+2="}, {"chosen", "3;"}, {"rejected", "4;"}}.dump() << "\n\n";
    out << json{{"prompt", "1+3="}, {"chosen", "4;"}}.dump() << "\n";
  }
  std::string out, err;
  EXPECT_NE(align_dpo("--model " + f.model_dir + " --data " + dir + "/bad.jsonl --out " + dir + "/o --steps 1", &out, &err), 0);
  EXPECT_NE(err.find("bad.jsonl:3"), std::string::npos) << err;
  EXPECT_NE(err.find("rejected"), std::string::npos) << err;
  {
    std::ofstream out(dir + "/long.jsonl");
    out << json{{"prompt", "1+2="}, {"chosen", "3;"}, {"rejected", "4;"}}.dump() << "\n";
    out << json{{"prompt", std::string(40, '1') + "+2="}, {"chosen", "3;"}, {"rejected", "4;"}}.dump() << "\n";
  }
  EXPECT_NE(align_dpo("--model " + f.model_dir + " --data " + dir + "/long.jsonl --out " + dir + "/o --steps 1", &out, &err), 0);
  EXPECT_NE(err.find("long.jsonl:2"), std::string::npos) << err;
  EXPECT_NE(align_dpo("--model " + f.model_dir + " --out " + dir + "/o --steps 1", &out, &err), 0);
  EXPECT_NE(err.find("--data"), std::string::npos) << err;
  EXPECT_NE(align_dpo("--model " + f.model_dir + " --data " + dir + "/long.jsonl --order random --out " + dir + "/o", &out, &err), 0);
}
