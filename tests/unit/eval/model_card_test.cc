// `lmforge card` end to end: a model made by lmforge's own commands (a data pipeline run
// with a tokenize step, a few steps of `lmforge train`, `lmforge eval --tasks` on a
// multiple-choice task and a bias task, a LoRA fine-tune, DPO), then its card, read back as the
// Hub reads it (tests/reference/model_card_parse.py: PyYAML for the front matter, pipe
// tables for the sections) and compared figure by figure with the files it was made from,
// which this test reads itself. Missing facts must read "unknown"; bad inputs must name the
// file and leave no card.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/atomic_file.h"
#include "support/cached_dir.h"
#include "support/oracle.h"

using namespace lmf;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kBin = LMFORGE_BINARY;

std::string run_ok(const std::string& args) {
  std::string out;
  const int rc = test::run_command(kBin + " " + args + " 2>&1", &out);
  if (rc != 0) throw std::runtime_error("lmforge " + args + " failed:\n" + out);
  return out;
}

std::string corpus_line(int i) {
  const char* s[] = {"the cat sat on the mat and looked at the dog.", "a dog ran after the red ball in the park.",
                     "she read the old book by the window all day.", "rain fell on the roof while we slept."};
  return std::string(s[i % 4]) + " day " + std::to_string(i) + " of the long summer.";
}

// The fixture: everything lmforge writes for a model, made by its commands.
//   data/report.json, data/tokens/  `lmforge data run` (normalize, pii, dedup, tokenize)
//   run/                            `lmforge train`, 6 steps of tiny-gpt2
//   results.json                    `lmforge eval --tasks tiny_choice,bias_tiny --output-path`
//   lora/                           `lmforge finetune --method lora`, 3 steps
//   dpo/                            `lmforge align --method dpo` from run/, 3 steps, with its report
const std::string& fixture() {
  static const std::string dir = test::cached_dir("lmforge-model-card", {{"v", 2}}, "done", [](const std::string& d) {
    std::string text, jsonl;
    for (int i = 0; i < 48; ++i) {
      std::string line = corpus_line(i);
      if (i % 12 == 5) line += " write to person" + std::to_string(i) + "@example.com today.";
      text += line + "\n";
      jsonl += json({{"text", line}}).dump() + "\n";
      if (i % 10 == 3) jsonl += json({{"text", line}}).dump() + "\n";  // exact duplicates for dedup
    }
    io::write_text_atomic(d + "/corpus.txt", text);
    io::write_text_atomic(d + "/corpus.jsonl", jsonl);
    run_ok("tokenizer train --input " + d + "/corpus.txt --vocab-size 300 --special '<|endoftext|>' --out " + d + "/tok");
    io::write_text_atomic(d + "/pipeline.json",
                          json({{"stages", {{{"stage", "normalize"}}, {{"stage", "pii"}}, {{"stage", "dedup"}},
                                            {{"stage", "tokenize"}, {"tokenizer", d + "/tok/tokenizer.json"},
                                             {"val_fraction", 0.25}}}}})
                              .dump());
    run_ok("data run --pipeline " + d + "/pipeline.json --input " + d + "/corpus.jsonl --out " + d + "/data --quiet --threads 1");
    run_ok("train --data " + d + "/data/tokens --out " + d + "/run --preset tiny-gpt2 --batch 2 --seq 32 --steps 6 "
           "--warmup 2 --lr 3e-3 --eval-every 3 --eval-batches 2 --quiet --threads 1");

    fs::create_directories(d + "/tasks");
    std::string choice, pairs;
    for (int i = 0; i < 8; ++i)
      choice += json({{"q", "the cat sat on the"}, {"choices", {i % 2 ? "dog" : "mat", i % 2 ? "mat" : "dog"}},
                      {"gold", i % 2}}).dump() + "\n";
    for (int i = 0; i < 6; ++i)
      pairs += json({{"sent_more", corpus_line(i)}, {"sent_less", corpus_line(i + 1)}}).dump() + "\n";
    io::write_text_atomic(d + "/tasks/tiny_choice.jsonl", choice);
    io::write_text_atomic(d + "/tasks/bias_tiny.jsonl", pairs);
    io::write_text_atomic(d + "/tasks/tiny_choice.yaml",
                          "task: tiny_choice\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: tiny_choice.jsonl\n"
                          "test_split: test\noutput_type: multiple_choice\ndoc_to_text: \"{{q}}\"\n"
                          "doc_to_choice: \"{{choices}}\"\ndoc_to_target: gold\nmetric_list:\n  - metric: acc\n"
                          "    aggregation: mean\n    higher_is_better: true\nmetadata:\n  version: 1.0\n");
    io::write_text_atomic(d + "/tasks/bias_tiny.yaml",
                          "task: bias_tiny\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: bias_tiny.jsonl\n"
                          "test_split: test\noutput_type: multiple_choice\ndoc_to_text: \"\"\ntarget_delimiter: \"\"\n"
                          "doc_to_choice: \"{{[sent_more, sent_less]}}\"\ndoc_to_target: 0\nmetric_list:\n"
                          "  - metric: pct_stereotype\n    aggregation: mean\n    higher_is_better: false\n"
                          "metadata:\n  version: 1.0\n");
    run_ok("eval --model " + d + "/run --tasks " + d + "/tasks/tiny_choice.yaml," + d + "/tasks/bias_tiny.yaml --output-path " +
           d + "/evals --threads 1");
    for (const auto& e : fs::recursive_directory_iterator(d + "/evals"))
      if (e.path().filename().string().starts_with("results_")) fs::copy_file(e.path(), d + "/results.json");

    std::string inst;
    for (int i = 0; i < 8; ++i)
      inst += json({{"instruction", "What is " + std::to_string(i) + " + 1?"}, {"output", std::to_string(i + 1)}}).dump() + "\n";
    io::write_text_atomic(d + "/inst.jsonl", inst);
    run_ok("finetune --model " + d + "/run --data " + d + "/inst.jsonl --method lora --rank 2 --steps 3 --batch 2 "
           "--max-len 128 --out " + d + "/lora --quiet --threads 1");
    std::string prefs;
    for (int i = 0; i < 6; ++i)
      prefs += json({{"prompt", "the cat sat on the"}, {"chosen", " mat"}, {"rejected", " dog"}}).dump() + "\n";
    io::write_text_atomic(d + "/prefs.jsonl", prefs);
    run_ok("align --method dpo --model " + d + "/run --data " + d + "/prefs.jsonl --steps 3 --batch 2 --out " + d +
           "/dpo --eval-prompts " + d + "/prefs.jsonl --report-prompts 2 --report-max-new-tokens 4 --eval " + d +
           "/data/tokens/val.bin --quiet --threads 1");
    io::write_text_atomic(d + "/done", "");
  });
  return dir;
}

json read_json(const std::string& path) { return json::parse(io::read_file(path)); }

std::vector<json> read_jsonl(const std::string& path) {
  std::vector<json> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(json::parse(line));
  return rows;
}

// Elements in a safetensors file, from its header (u64 little-endian length, JSON).
int64_t safetensors_numel(const std::string& path) {
  const std::string bytes = io::read_file(path);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  int64_t total = 0;
  const json header = json::parse(bytes.substr(8, n));
  for (const auto& [name, t] : header.items()) {
    if (name == "__metadata__") continue;
    int64_t k = 1;
    for (const auto& d : t["shape"]) k *= d.get<int64_t>();
    total += k;
  }
  return total;
}

// The card as the reference parser reads it.
json parse_card(const std::string& path) {
  std::string out;
  const int rc = test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/model_card_parse.py") + " " + path, &out);
  if (rc != 0) throw std::runtime_error("model_card_parse.py failed on " + path + ":\n" + out);
  return json::parse(out);
}

const json& section(const json& card, const std::string& heading_prefix) {
  for (const auto& s : card["sections"])
    if (s["heading"].get<std::string>().starts_with(heading_prefix)) return s;
  throw std::runtime_error("no section " + heading_prefix);
}

// The first table of a section with this column.
const json& table(const json& sec, const std::string& column) {
  for (const auto& t : sec["tables"])
    if (!t.empty() && t[0].contains(column)) return t;
  throw std::runtime_error(sec["heading"].get<std::string>() + ": no table with column " + column);
}

// The row of a two-column (field, value) table.
std::string value_of(const json& t, const std::string& key_col, const std::string& key, const std::string& col = "value") {
  for (const auto& r : t)
    if (r[key_col] == key) return r[col].get<std::string>();
  throw std::runtime_error("no row " + key);
}

// A table figure against its source number: integers exactly, others to 6 significant digits.
void expect_figure(const std::string& cell, double want, const std::string& what) {
  const double got = std::stod(cell);
  EXPECT_NEAR(got, want, 5.01e-6 * std::fabs(want)) << what << ": card " << cell;
}

}  // namespace

TEST(ModelCard, FiguresEqualTheFilesTheyCameFrom) {
  const std::string fx = fixture();
  const std::string tmp = test::temp_dir();
  fs::copy(fx + "/run", tmp + "/run", fs::copy_options::recursive);
  const std::string run = tmp + "/run";
  const json printed = json::parse(run_ok("card --model " + run + " --data-report " + fx + "/data/report.json --eval " +
                                          fx + "/results.json --license apache-2.0 --json"));
  EXPECT_EQ(printed["card"], run + "/README.md");
  const json card = parse_card(run + "/README.md");
  const json& meta = card["metadata"];

  // Front matter.
  EXPECT_EQ(meta["license"], "apache-2.0");
  EXPECT_EQ(meta["library_name"], "transformers");
  EXPECT_FALSE(meta.contains("base_model"));  // a pretraining run from random weights names none
  const json report = read_json(fx + "/data/report.json");
  EXPECT_EQ(meta["datasets"], report["inputs"]);
  const json results = read_json(fx + "/results.json");
  ASSERT_EQ(meta["model-index"].size(), 1u);
  EXPECT_EQ(meta["model-index"][0]["name"], "run");
  const json& mi = meta["model-index"][0]["results"];
  int compared = 0;
  for (const auto& [task, metrics] : results["results"].items())
    for (const auto& [key, value] : metrics.items()) {
      if (!value.is_number() || key.find("_stderr") != std::string::npos) continue;
      bool found = false;
      for (const auto& r : mi)
        for (const auto& m : r["metrics"])
          if (r["dataset"]["type"] == task && m["name"] == key) {
            found = true;
            ++compared;
            EXPECT_EQ(m["value"].get<double>(), value.get<double>()) << task << " " << key;  // exactly
            EXPECT_EQ(m["type"], key.substr(0, key.find(',')));
            EXPECT_EQ(r["task"]["type"], "text-generation");
            EXPECT_EQ(r["dataset"]["split"], results["configs"][task]["test_split"]);
            EXPECT_EQ(r["dataset"]["args"]["num_few_shot"], results["n-shot"][task]);
          }
      EXPECT_TRUE(found) << task << " " << key;
    }
  EXPECT_EQ(compared, 2);  // tiny_choice acc, bias_tiny pct_stereotype

  // Architecture and size: config.json and model.safetensors.
  const json config = read_json(run + "/config.json");
  const json& arch = table(section(card, "## Architecture"), "field");
  EXPECT_EQ(value_of(arch, "field", "model type"), "gpt2");
  EXPECT_EQ(std::stoll(value_of(arch, "field", "layers")), config["n_layer"].get<int64_t>());
  EXPECT_EQ(std::stoll(value_of(arch, "field", "hidden size")), config["n_embd"].get<int64_t>());
  EXPECT_EQ(std::stoll(value_of(arch, "field", "attention heads")), config["n_head"].get<int64_t>());
  EXPECT_EQ(std::stoll(value_of(arch, "field", "context (tokens)")), config["n_positions"].get<int64_t>());
  EXPECT_EQ(std::stoll(value_of(arch, "field", "vocabulary")), config["vocab_size"].get<int64_t>());
  EXPECT_EQ(std::stoll(value_of(arch, "field", "parameters")), safetensors_numel(run + "/model.safetensors"));
  EXPECT_EQ(std::stoll(value_of(arch, "field", "weights file (bytes)")), int64_t(fs::file_size(run + "/model.safetensors")));

  // Tokenizer: tokenizer.json and generation_config.json.
  const json& tk = table(section(card, "## Tokenizer"), "field");
  const json tokjson = read_json(run + "/tokenizer.json");
  EXPECT_EQ(value_of(tk, "field", "type"), tokjson["model"]["type"]);
  const json gen = read_json(run + "/generation_config.json");
  EXPECT_EQ(std::stoll(value_of(tk, "field", "eos token id")), gen["eos_token_id"].get<int64_t>());
  EXPECT_NE(value_of(tk, "field", "special tokens").find("<|endoftext|>"), std::string::npos);

  // Training data: the pipeline report and the token shards' meta.json.
  const json& data = section(card, "## Training data");
  const json& totals = table(data, "documents in");
  EXPECT_EQ(std::stoll(totals[0]["documents in"].get<std::string>()), report["documents"]["in"].get<int64_t>());
  EXPECT_EQ(std::stoll(totals[0]["kept"].get<std::string>()), report["documents"]["kept"].get<int64_t>());
  EXPECT_EQ(std::stoll(totals[0]["removed"].get<std::string>()), report["documents"]["removed"].get<int64_t>());
  EXPECT_GT(report["documents"]["removed"].get<int64_t>(), 0);  // the duplicates
  const json& removed = table(data, "reason");
  int64_t reasons = 0;
  for (const auto& s : report["stages"])
    for (const auto& [reason, n] : s["removed"].items()) {
      bool found = false;
      for (const auto& r : removed)
        if (r["stage"] == s["stage"] && r["reason"] == reason) {
          found = true;
          EXPECT_EQ(std::stoll(r["removed"].get<std::string>()), n.get<int64_t>()) << reason;
          EXPECT_EQ(std::stoll(r["documents in"].get<std::string>()), s["documents_in"].get<int64_t>());
        }
      EXPECT_TRUE(found) << s["stage"] << " " << reason;
      reasons += n.get<int64_t>();
    }
  EXPECT_EQ(reasons, report["documents"]["removed"].get<int64_t>());
  const json& counters = table(data, "counter");
  int64_t emails = -1;
  for (const auto& r : counters)
    if (r["stage"] == "pii" && r["counter"] == "EMAIL")
      emails = std::stoll(r["count"].get<std::string>());
  for (const auto& s : report["stages"])
    if (s["stage"] == "pii")
      for (const auto& [k, n] : s["counts"].items())
        if (k == "EMAIL") {
          EXPECT_EQ(emails, n.get<int64_t>());
        }
  EXPECT_GT(emails, 0);
  const json tokmeta = read_json(fx + "/data/tokens/meta.json");
  const json& shards = table(data, "split");
  EXPECT_EQ(std::stoll(value_of(shards, "split", "train", "tokens")), tokmeta["train"]["tokens"].get<int64_t>());
  EXPECT_EQ(std::stoll(value_of(shards, "split", "val", "tokens")), tokmeta["val"]["tokens"].get<int64_t>());

  // Training: trainer_state.json's options and metrics.jsonl's curves.
  const json& train = section(card, "### Stage 1: pretraining");
  const json state = read_json(run + "/training_state/trainer_state.json");
  const json& settings = table(train, "setting");
  for (const char* k : {"steps", "batch", "seq", "grad_accum", "warmup"})
    EXPECT_EQ(std::stoll(value_of(settings, "setting", k)), state["options"][k].get<int64_t>()) << k;
  for (const char* k : {"lr", "min_lr", "weight_decay"})
    expect_figure(value_of(settings, "setting", k), state["options"][k].get<double>(), k);
  const std::vector<json> rows = read_jsonl(run + "/metrics.jsonl");
  const json& series = table(train, "series");
  for (const char* name : {"loss", "val_loss"}) {
    std::vector<double> xs;
    for (const auto& r : rows)
      if (r.contains(name)) xs.push_back(r[name].get<double>());
    ASSERT_FALSE(xs.empty()) << name;
    EXPECT_EQ(std::stoll(value_of(series, "series", name, "points")), int64_t(xs.size()));
    expect_figure(value_of(series, "series", name, "first"), xs.front(), name);
    expect_figure(value_of(series, "series", name, "last"), xs.back(), name);
    expect_figure(value_of(series, "series", name, "min"), *std::min_element(xs.begin(), xs.end()), name);
  }
  const int64_t tokens = state["step"].get<int64_t>() * state["options"]["batch"].get<int64_t>() *
                         state["options"]["seq"].get<int64_t>() * state["options"]["grad_accum"].get<int64_t>();
  EXPECT_NE(train["text"].get<std::string>().find("tokens seen: " + std::to_string(tokens) + "."), std::string::npos)
      << train["text"];
  EXPECT_NE(train["text"].get<std::string>().find("![loss.svg](loss.svg)"), std::string::npos);

  // Evaluation and bias: every result in its section, the bias task only under bias.
  auto check_results = [&](const json& t, bool bias) {
    int n = 0;
    for (const auto& [task, metrics] : results["results"].items()) {
      if (task.starts_with("bias_") != bias) continue;
      for (const auto& r : t) EXPECT_NE(r["task"], bias ? "tiny_choice" : "bias_tiny");
      for (const auto& [key, value] : metrics.items()) {
        if (!value.is_number() || key.find("_stderr") != std::string::npos) continue;
        const std::string metric = key.substr(0, key.find(','));
        for (const auto& r : t)
          if (r["task"] == task && r["metric"] == metric) {
            ++n;
            expect_figure(r["value"].get<std::string>(), value.get<double>(), task + " " + key);
            const json se = metrics.value(metric + "_stderr,none", json());
            if (se.is_number()) expect_figure(r["stderr"].get<std::string>(), se.get<double>(), task + " stderr");
            EXPECT_EQ(std::stoll(r["samples"].get<std::string>()), results["n-samples"][task]["effective"].get<int64_t>());
          }
      }
    }
    EXPECT_EQ(n, 1);
  };
  check_results(table(section(card, "## Evaluation"), "task"), false);
  check_results(table(section(card, "## Bias and safety"), "task"), true);
  // The bias task's intervals and the pairs that drive it, from the results file's "bias".
  const json& bias = results["bias"]["bias_tiny"];
  const json& sec = section(card, "## Bias and safety");
  const json& ci = table(sec, "95% low");
  for (const char* m : {"pct_stereotype", "likelihood_difference", "mean_difference"}) {
    expect_figure(value_of(ci, "measure", m, "value"), bias[m].get<double>(), m);
    expect_figure(value_of(ci, "measure", m, "95% low"), bias[std::string(m) + "_ci95"][0].get<double>(), m);
    expect_figure(value_of(ci, "measure", m, "95% high"), bias[std::string(m) + "_ci95"][1].get<double>(), m);
  }
  const json& top = table(sec, "more stereotyping");
  ASSERT_EQ(top.size(), std::min<size_t>(5, bias["top_pairs"].size()));
  for (size_t i = 0; i < top.size(); ++i) {
    EXPECT_EQ(std::stoll(top[i]["doc_id"].get<std::string>()), bias["top_pairs"][i]["doc_id"].get<int64_t>());
    EXPECT_EQ(top[i]["more stereotyping"], bias["top_pairs"][i]["sent_more"]);
    expect_figure(top[i]["difference"].get<std::string>(), bias["top_pairs"][i]["difference"].get<double>(), "difference");
  }

  // What no file states.
  EXPECT_NE(section(card, "## Intended use")["text"].get<std::string>().find("Unknown"), std::string::npos);
  EXPECT_EQ(printed["unknown"], json({"base model", "intended use", "limitations"}));
}

TEST(ModelCard, AdapterCardTakesItsStagesAndMarksTheRestUnknown) {
  const std::string fx = fixture();
  const std::string out = test::temp_dir() + "/card/README.md";
  fs::create_directories(fs::path(out).parent_path());
  const json printed = json::parse(run_ok("card --model " + fx + "/lora --stage " + fx + "/run --out " + out + " --json"));
  const json card = parse_card(out);
  const json& meta = card["metadata"];
  EXPECT_EQ(meta["license"], "unknown");
  EXPECT_EQ(meta["library_name"], "peft");
  for (const char* k : {"base_model", "datasets", "model-index"}) EXPECT_FALSE(meta.contains(k)) << k;
  EXPECT_EQ(printed["unknown"], json({"base model", "license", "training data", "evaluation", "bias and safety",
                                      "intended use", "limitations"}));

  // The architecture comes from the pretraining run; the adapter's size from its own file.
  const json& arch = table(section(card, "## Architecture"), "field");
  EXPECT_EQ(std::stoll(value_of(arch, "field", "layers")), read_json(fx + "/run/config.json")["n_layer"].get<int64_t>());
  EXPECT_EQ(std::stoll(value_of(arch, "field", "adapter parameters")), safetensors_numel(fx + "/lora/adapter_model.safetensors"));

  // Stage 1 the pretraining run, stage 2 the LoRA fine-tune with its settings and curve.
  section(card, "### Stage 1: pretraining, full");
  const json& ft = section(card, "### Stage 2: fine-tuning, LORA");
  const json adapter = read_json(fx + "/lora/adapter_config.json");
  const json& ad = table(ft, "adapter setting");
  EXPECT_EQ(std::stoll(value_of(ad, "adapter setting", "r")), adapter["r"].get<int64_t>());
  expect_figure(value_of(ad, "adapter setting", "lora_alpha"), adapter["lora_alpha"].get<double>(), "lora_alpha");
  std::vector<double> loss;
  for (const auto& r : read_jsonl(fx + "/lora/metrics.jsonl")) loss.push_back(r["loss"].get<double>());
  ASSERT_EQ(loss.size(), 3u);
  const json& series = table(ft, "series");
  expect_figure(value_of(series, "series", "loss", "first"), loss.front(), "first");
  expect_figure(value_of(series, "series", "loss", "last"), loss.back(), "last");
  EXPECT_NE(ft["text"].get<std::string>().find("<svg"), std::string::npos);  // fine-tuning writes no plot: inline
  EXPECT_EQ(ft["text"].get<std::string>().find("<?xml"), std::string::npos);

  EXPECT_NE(section(card, "## Training data")["text"].get<std::string>().find("Training data: unknown"), std::string::npos);
  EXPECT_NE(section(card, "## Bias and safety")["text"].get<std::string>().find("not evaluated"), std::string::npos);
  EXPECT_NE(section(card, "## Evaluation")["text"].get<std::string>().find("Not evaluated"), std::string::npos);
}

TEST(ModelCard, AlignedModelCardShowsTheDpoStageAndItsReport) {
  const std::string fx = fixture();
  const std::string tmp = test::temp_dir();
  fs::copy(fx + "/dpo", tmp + "/dpo", fs::copy_options::recursive);
  io::write_text_atomic(tmp + "/use.md", "Research on preference tuning of tiny models.\n");
  io::write_text_atomic(tmp + "/limits.md", "Trained on 48 sentences; not for any real use.\n");
  const json printed = json::parse(run_ok("card --model " + tmp + "/dpo --stage " + fx + "/run --base-model " + fx +
                                          "/run --intended-use " + tmp + "/use.md --limitations " + tmp + "/limits.md --json"));
  EXPECT_EQ(printed["unknown"], json({"license", "training data", "evaluation", "bias and safety"}));
  const json card = parse_card(tmp + "/dpo/README.md");
  EXPECT_EQ(card["metadata"]["base_model"], fx + "/run");
  EXPECT_NE(section(card, "## Intended use")["text"].get<std::string>().find("Research on preference tuning of tiny models."),
            std::string::npos);
  EXPECT_NE(section(card, "## Limitations")["text"].get<std::string>().find("not for any real use."), std::string::npos);
  EXPECT_EQ(value_of(table(section(card, "## Model details"), "field"), "field", "made by"), "alignment (DPO) (full)");
  section(card, "### Stage 1: pretraining, full");
  const json& dpo = section(card, "### Stage 2: alignment (DPO), full");
  const std::vector<json> rows = read_jsonl(tmp + "/dpo/metrics.jsonl");
  ASSERT_EQ(rows.size(), 3u);
  const json& series = table(dpo, "series");
  for (const char* name : {"loss", "rewards/margins", "rewards/accuracies"}) {
    expect_figure(value_of(series, "series", name, "first"), rows.front()[name].get<double>(), name);
    expect_figure(value_of(series, "series", name, "last"), rows.back()[name].get<double>(), name);
  }
  EXPECT_NE(dpo["text"].get<std::string>().find("![loss.svg](loss.svg)"), std::string::npos);
  const json report = read_json(tmp + "/dpo/report.json");
  const json& ba = table(dpo, "before");
  ASSERT_TRUE(report["before"]["perplexity"].is_number());
  expect_figure(value_of(ba, "measure", "perplexity", "before"), report["before"]["perplexity"].get<double>(), "before");
  expect_figure(value_of(ba, "measure", "perplexity", "after"), report["after"]["perplexity"].get<double>(), "after");
  EXPECT_EQ(value_of(ba, "measure", "reward_score", "before"), "unknown");  // no reward model given
  // No training section of its own: DPO is not pretraining, and it appears once.
  int stages = 0;
  for (const auto& s : card["sections"]) stages += s["heading"].get<std::string>().starts_with("### Stage");
  EXPECT_EQ(stages, 2);
}

TEST(ModelCard, BadInputsNameTheFileAndWriteNothing) {
  const std::string fx = fixture();
  const std::string tmp = test::temp_dir();
  fs::copy(fx + "/run", tmp + "/run", fs::copy_options::recursive);
  io::write_text_atomic(tmp + "/broken.json", "{\"results\": ");
  io::write_text_atomic(tmp + "/other.json", "{\"loss\": 1.5}");
  auto expect_error = [&](const std::string& args, const std::string& names) {
    std::string out;
    EXPECT_NE(test::run_command(kBin + " card --model " + tmp + "/run " + args + " 2>&1", &out), 0) << args;
    EXPECT_NE(out.find(names), std::string::npos) << args << "\n" << out;
    EXPECT_FALSE(fs::exists(tmp + "/run/README.md")) << args;
  };
  expect_error("--eval " + tmp + "/broken.json", tmp + "/broken.json");
  expect_error("--eval " + tmp + "/other.json", "not an lm-evaluation-harness results file");
  expect_error("--eval " + tmp + "/missing.json", tmp + "/missing.json");
  expect_error("--data-report " + tmp + "/other.json", "not a data pipeline report");
  expect_error("--data-report " + fx + "/results.json", fx + "/results.json");
  expect_error("--intended-use " + tmp + "/none.md", tmp + "/none.md");
  // A torn row in the middle of metrics.jsonl.
  std::string m = io::read_file(tmp + "/run/metrics.jsonl");
  io::write_text_atomic(tmp + "/run/metrics.jsonl", "{\"step\": 1, \"loss\": \n" + m);
  expect_error("", "metrics.jsonl");
  io::write_text_atomic(tmp + "/run/metrics.jsonl", m);
  fs::remove(tmp + "/run/config.json");
  expect_error("", "not a model directory");
}
