#include "eval/model_card_facts.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "core/error.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "models/config.h"
#include "tokenizer/tokenizer.h"
#include "train/metrics_log.h"
#include "train/run_state.h"

namespace lmf::eval {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

ojson read_json_file(const std::string& path) {
  const std::string text = io::read_file(path);
  try {
    return ojson::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw FormatError(path + ": not valid JSON (" + e.what() + ")");
  }
}

ojson read_json_object(const std::string& path) {
  ojson j = read_json_file(path);
  if (!j.is_object()) throw FormatError(path + ": expected a JSON object");
  return j;
}

std::string join_path(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

// A JSON field of `j` that must have a given type when present; `where` names file and field.
const ojson* field(const ojson& j, const char* key, nlohmann::json::value_t type, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  bool ok = it->type() == type;
  if (type == nlohmann::json::value_t::number_float) ok = it->is_number();
  if (type == nlohmann::json::value_t::number_integer) ok = it->is_number_integer();
  if (!ok) throw FormatError(where + ": field \"" + key + "\" has the wrong type (" + it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + ")");
  return &*it;
}

ojson architecture_of(const std::string& path) {
  const ModelConfig c = ModelConfig::load(path);
  const bool gpt2 = c.arch == Arch::GPT2;
  ojson a = {{"source", path},
             {"model_type", c.model_type()},
             {"layers", c.n_layer},
             {"hidden_size", c.n_embd},
             {"heads", c.n_head},
             {"kv_heads", c.n_kv_head},
             {"head_dim", c.head_dim()},
             {"mlp", c.mlp_dim()},
             {"context", c.n_positions},
             {"vocab_size", c.vocab_size},
             {"tied_embeddings", c.tie_word_embeddings},
             {"positions", gpt2 ? "learned absolute" : "RoPE (rotate-half)"},
             {"norm", gpt2 ? "LayerNorm" : "RMSNorm"},
             {"norm_eps", double(c.norm_eps)},
             {"rope_theta", gpt2 ? ojson(nullptr) : ojson(double(c.rope_theta))}};
  return a;
}

ojson weights_of(const std::string& path) {
  const io::SafetensorsFile f = io::SafetensorsFile::open(path);
  int64_t params = 0, tensors = 0;
  std::set<std::string> dtypes;
  for (const std::string& n : f.names()) {
    params += f.shape(n).numel();
    ++tensors;
    dtypes.insert(io::safetensors_dtype_name(f.dtype(n)));
  }
  return {{"source", path},
          {"parameters", params},
          {"tensors", tensors},
          {"dtypes", std::vector<std::string>(dtypes.begin(), dtypes.end())},
          {"bytes", int64_t(fs::file_size(path))}};
}

ojson tokenizer_of(const std::string& dir) {
  const std::string path = join_path(dir, "tokenizer.json");
  const ojson j = read_json_object(path);
  const tok::Tokenizer tk = tok::Tokenizer::load(path);
  auto type_of = [&](const char* key) -> ojson {
    const ojson* v = field(j, key, nlohmann::json::value_t::object, path);
    if (!v) return nullptr;
    const ojson* t = field(*v, "type", nlohmann::json::value_t::string, path + ": " + key);
    return t ? *t : ojson(nullptr);
  };
  ojson specials = ojson::array();
  for (const auto& s : tk.special_tokens())
    if (s.special) specials.push_back(s.content);
  ojson t = {{"source", path},
             {"type", type_of("model")},
             {"vocab_size", int64_t(tk.vocab_size())},
             {"pre_tokenizer", type_of("pre_tokenizer")},
             {"normalizer", type_of("normalizer")},
             {"special_tokens", specials},
             {"chat_template", false},
             {"bos_token_id", nullptr},
             {"eos_token_id", nullptr}};
  const std::string tc = join_path(dir, "tokenizer_config.json");
  if (fs::exists(tc)) t["chat_template"] = field(read_json_object(tc), "chat_template", nlohmann::json::value_t::string, tc) != nullptr;
  if (fs::exists(tc)) t["tokenizer_config_source"] = tc;
  const std::string gc = join_path(dir, "generation_config.json");
  if (fs::exists(gc)) {
    t["generation_config_source"] = gc;
    const ojson g = read_json_object(gc);
    for (const char* k : {"bos_token_id", "eos_token_id"})
      if (const ojson* v = field(g, k, nlohmann::json::value_t::number_integer, gc)) t[k] = *v;
  }
  return t;
}

// first / last / min / max of one numeric column of metrics.jsonl (rows without it skipped).
ojson series_of(const std::vector<nlohmann::json>& rows, const std::string& name) {
  int64_t points = 0, min_step = -1;
  double first = 0, last = 0, lo = INFINITY, hi = -INFINITY;
  for (const auto& r : rows) {
    auto it = r.find(name);
    if (it == r.end() || !it->is_number()) continue;
    const double v = it->get<double>();
    if (!std::isfinite(v)) continue;
    if (points == 0) first = v;
    last = v;
    if (v < lo) lo = v, min_step = r.value("step", int64_t(-1));
    hi = std::max(hi, v);
    ++points;
  }
  if (points == 0) return nullptr;
  return {{"points", points}, {"first", first}, {"last", last}, {"min", lo}, {"min_step", min_step}, {"max", hi}};
}

// What a run directory is, from the files its command leaves (docs/model_card.md).
ojson kind_of(const std::string& dir, const std::vector<nlohmann::json>& rows) {
  if (train::has_run_state(train::training_state_dir(dir))) return "pretraining";
  auto has = [&](const char* key) {
    return std::any_of(rows.begin(), rows.end(), [&](const nlohmann::json& r) { return r.contains(key); });
  };
  if (has("rewards/margins")) return "alignment (DPO)";
  if (has("env/reward_mean")) return "alignment (PPO)";
  const std::string cfg = join_path(dir, "config.json");
  if (fs::exists(cfg)) {
    const ojson j = read_json_object(cfg);
    if (const ojson* a = field(j, "architectures", nlohmann::json::value_t::array, cfg))
      for (const auto& x : *a)
        if (x.is_string() && x.get<std::string>().ends_with("ForSequenceClassification")) return "reward model";
  }
  if (has("step_s")) return "fine-tuning";
  return nullptr;
}

const char* const kPlots[] = {"loss.svg", "ppo.svg", "reward.svg"};
// The series a run of each kind is summarised by (the first is its loss curve).
std::vector<std::string> series_names(const ojson& kind) {
  const std::string k = kind.is_string() ? kind.get<std::string>() : "";
  if (k == "alignment (DPO)") return {"loss", "rewards/margins", "rewards/accuracies"};
  if (k == "alignment (PPO)") return {"env/reward_mean", "objective/kl", "ppo/loss/total"};
  if (k == "reward model") return {"loss", "accuracy", "eval_loss", "eval_accuracy"};
  return {"loss", "val_loss"};
}

ojson run_of(const std::string& dir) {
  if (!fs::is_directory(dir)) throw FormatError(dir + ": not a directory");
  const std::string metrics_path = join_path(dir, "metrics.jsonl");
  std::vector<nlohmann::json> rows;
  if (fs::exists(metrics_path)) rows = train::MetricsLog::read(metrics_path);
  ojson run = {{"dir", dir}, {"kind", kind_of(dir, rows)}, {"method", nullptr}, {"settings", nullptr},
               {"adapter", nullptr}, {"adapter_weights", nullptr}, {"metrics", nullptr}, {"plot", nullptr},
               {"report", nullptr}};

  const std::string state_dir = train::training_state_dir(dir);
  int64_t tokens_per_step = -1;
  if (train::has_run_state(state_dir)) {
    const std::string path = join_path(state_dir, train::kRunStateFile);
    const ojson st = read_json_object(path);
    ojson s = {{"source", path}};
    if (const ojson* o = field(st, "options", nlohmann::json::value_t::object, path))
      for (const auto& [k, v] : o->items()) s[k] = v;
    for (const char* k : {"step", "seed"})
      if (const ojson* v = field(st, k, nlohmann::json::value_t::number_integer, path)) s[k] = *v;
    const ojson* b = field(s, "batch", nlohmann::json::value_t::number_integer, path);
    const ojson* t = field(s, "seq", nlohmann::json::value_t::number_integer, path);
    const ojson* g = field(s, "grad_accum", nlohmann::json::value_t::number_integer, path);
    if (b && t && g) tokens_per_step = b->get<int64_t>() * t->get<int64_t>() * g->get<int64_t>();
    run["settings"] = s;
    run["method"] = "full";
  }
  const std::string adapter = join_path(dir, "adapter_config.json");
  if (fs::exists(adapter)) {
    ojson a = read_json_object(adapter);
    a["source"] = adapter;
    run["method"] = a.contains("peft_type") ? a["peft_type"] : ojson(nullptr);
    run["adapter"] = a;
    const std::string w = join_path(dir, "adapter_model.safetensors");
    if (fs::exists(w)) run["adapter_weights"] = weights_of(w);
  } else if (run["method"].is_null() && !run["kind"].is_null() && fs::exists(join_path(dir, "model.safetensors"))) {
    run["method"] = "full";
  }
  if (!rows.empty()) {
    ojson m = {{"source", metrics_path}, {"rows", int64_t(rows.size())}, {"last_step", nullptr}, {"tokens", nullptr},
               {"series", ojson::object()}};
    int64_t last = -1;
    for (const auto& r : rows)
      if (auto it = r.find("step"); it != r.end() && it->is_number_integer()) last = std::max(last, it->get<int64_t>());
    if (last >= 0) m["last_step"] = last;
    if (last >= 0 && tokens_per_step > 0) m["tokens"] = last * tokens_per_step;
    for (const std::string& name : series_names(run["kind"]))
      if (ojson s = series_of(rows, name); !s.is_null()) m["series"][name] = s;
    run["metrics"] = m;
  }
  for (const char* p : kPlots)
    if (fs::exists(join_path(dir, p))) {
      run["plot"] = join_path(dir, p);
      break;
    }
  const std::string report = join_path(dir, "report.json");
  if (fs::exists(report)) {
    ojson r = read_json_object(report);
    if (r.contains("before") && r.contains("after")) {
      r["source"] = report;
      run["report"] = r;
    }
  }
  return run;
}

ojson data_of(const std::string& path) {
  const ojson r = read_json_object(path);
  const ojson* docs = field(r, "documents", nlohmann::json::value_t::object, path);
  const ojson* stages = field(r, "stages", nlohmann::json::value_t::array, path);
  if (!docs || !stages)
    throw FormatError(path + ": not a data pipeline report (`lmforge data run` report.json has \"documents\" and \"stages\")");
  ojson d = {{"source", path}, {"inputs", r.value("inputs", ojson::array())}, {"documents", ojson::object()},
             {"bytes", r.value("bytes", ojson(nullptr))}, {"stages", ojson::array()}, {"tokens", nullptr}};
  for (const char* k : {"in", "kept", "removed"}) {
    const ojson* v = field(*docs, k, nlohmann::json::value_t::number_integer, path + ": documents");
    if (!v) throw FormatError(path + ": documents: field \"" + std::string(k) + "\" is missing");
    d["documents"][k] = *v;
  }
  for (const auto& s : *stages) {
    if (!s.is_object() || !s.contains("stage")) throw FormatError(path + ": stages: an entry without \"stage\"");
    ojson e = {{"stage", s["stage"]},
               {"documents_in", s.value("documents_in", ojson(nullptr))},
               {"documents_out", s.value("documents_out", ojson(nullptr))},
               {"removed", s.value("removed", ojson::object())},
               {"counts", s.value("counts", ojson::object())}};
    d["stages"].push_back(e);
  }
  // A pipeline ending in a tokenize step writes the token shards to OUT/tokens.
  const std::string meta = (fs::path(path).parent_path() / "tokens" / "meta.json").string();
  if (fs::exists(meta)) {
    const ojson m = read_json_object(meta);
    auto part = [&](const char* k, const char* f) -> ojson {
      auto it = m.find(k);
      return it != m.end() && it->is_object() ? it->value(f, ojson(nullptr)) : ojson(nullptr);
    };
    d["tokens"] = {{"source", meta},
                   {"tokenizer", m.value("tokenizer", ojson(nullptr))},
                   {"train", part("train", "tokens")},
                   {"val", part("val", "tokens")},
                   {"train_documents", part("train", "documents")},
                   {"val_documents", part("val", "documents")}};
  }
  return d;
}

void add_evaluations(const std::string& path, ojson& out) {
  const ojson r = read_json_object(path);
  const ojson* results = field(r, "results", nlohmann::json::value_t::object, path);
  if (!results) throw FormatError(path + ": not an lm-evaluation-harness results file (no \"results\" object)");
  auto task_field = [&](const char* group, const std::string& task) -> const ojson* {
    auto g = r.find(group);
    if (g == r.end() || !g->is_object()) return nullptr;
    auto t = g->find(task);
    return t == g->end() ? nullptr : &*t;
  };
  ojson model_args = nullptr;
  if (auto c = r.find("config"); c != r.end() && c->is_object() && c->contains("model_args")) model_args = (*c)["model_args"];
  for (const auto& [task, metrics] : results->items()) {
    if (!metrics.is_object()) throw FormatError(path + ": results." + task + " is not an object");
    ojson e = {{"source", path}, {"task", task}, {"bias_or_safety", is_bias_or_safety_task(task)},
               {"n_shot", nullptr}, {"split", nullptr}, {"samples", nullptr}, {"model_args", model_args},
               {"metrics", ojson::array()}};
    if (const ojson* n = task_field("n-shot", task)) e["n_shot"] = *n;
    if (const ojson* c = task_field("configs", task); c && c->is_object())
      e["split"] = c->contains("test_split") ? (*c)["test_split"] : c->value("validation_split", ojson(nullptr));
    if (const ojson* n = task_field("n-samples", task); n && n->is_object()) e["samples"] = n->value("effective", ojson(nullptr));
    // A minimal-pair bias task's intervals and the pairs that drive it (eval/bias_report.h).
    const ojson* b = task_field("bias", task);
    e["bias_summary"] = b && b->is_object() ? *b : ojson(nullptr);
    // "METRIC,FILTER" keys; "METRIC_stderr,FILTER" is the standard error of METRIC.
    for (const auto& [key, value] : metrics.items()) {
      const size_t comma = key.find(',');
      const std::string metric = key.substr(0, comma), filter = comma == std::string::npos ? "" : key.substr(comma + 1);
      if (metric == "alias" || metric.ends_with("_stderr")) continue;
      if (!value.is_number() && !(value.is_string() && value.get<std::string>() == "N/A")) continue;
      const std::string se_key = metric + "_stderr" + (comma == std::string::npos ? "" : "," + filter);
      e["metrics"].push_back({{"metric", metric}, {"filter", filter}, {"key", key}, {"value", value},
                              {"stderr", metrics.value(se_key, ojson(nullptr))}});
    }
    out.push_back(e);
  }
}

ojson text_of(const std::string& path) {
  if (path.empty()) return nullptr;
  return {{"source", path}, {"text", io::read_file(path)}};
}

}  // namespace

bool is_bias_or_safety_task(const std::string& task) { return task.starts_with("bias_") || task.starts_with("safety"); }

ojson gather_model_facts(const ModelCardInputs& in) {
  const std::string& dir = in.model_dir;
  if (!fs::is_directory(dir)) throw FormatError(dir + ": no such model directory");
  if (!fs::exists(join_path(dir, "config.json")) && !fs::exists(join_path(dir, "adapter_config.json")))
    throw FormatError(dir + ": not a model directory (no config.json or adapter_config.json)");
  fs::path canon = fs::weakly_canonical(dir);
  if (canon.filename().empty()) canon = canon.parent_path();
  ojson f = {{"model", {{"name", canon.filename().string()}, {"dir", dir}}},
             {"base_model", nullptr}, {"base_model_source", nullptr},
             {"license", in.license.empty() ? ojson(nullptr) : ojson(in.license)},
             {"architecture", nullptr}, {"weights", nullptr}, {"tokenizer", nullptr}, {"runs", ojson::array()},
             {"data", nullptr}, {"evaluations", ojson::array()},
             {"intended_use", text_of(in.intended_use_file)}, {"limitations", text_of(in.limitations_file)}};

  // The model's own files first, then the earlier runs newest first: an adapter directory
  // takes its architecture from the model it was trained on.
  std::vector<std::string> dirs = {dir};
  for (auto it = in.stage_dirs.rbegin(); it != in.stage_dirs.rend(); ++it) dirs.push_back(*it);
  for (const std::string& d : dirs) {
    if (f["architecture"].is_null() && fs::exists(join_path(d, "config.json")))
      f["architecture"] = architecture_of(join_path(d, "config.json"));
    if (f["weights"].is_null() && fs::exists(join_path(d, "model.safetensors")))
      f["weights"] = weights_of(join_path(d, "model.safetensors"));
    if (f["tokenizer"].is_null() && fs::exists(join_path(d, "tokenizer.json"))) f["tokenizer"] = tokenizer_of(d);
  }
  for (const std::string& d : in.stage_dirs) f["runs"].push_back(run_of(d));
  f["runs"].push_back(run_of(dir));

  if (!in.base_model.empty()) {
    f["base_model"] = in.base_model;
    f["base_model_source"] = "--base-model";
  } else if (const ojson& a = f["runs"].back()["adapter"]; a.is_object()) {
    auto it = a.find("base_model_name_or_path");
    if (it != a.end() && it->is_string() && !it->get<std::string>().empty()) {
      f["base_model"] = *it;
      f["base_model_source"] = a["source"];
    }
  }
  if (!in.data_report.empty()) f["data"] = data_of(in.data_report);
  for (const std::string& p : in.eval_results) add_evaluations(p, f["evaluations"]);
  return f;
}

}  // namespace lmf::eval
