#include "eval/model_card.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "io/atomic_file.h"
#include "train/metrics_log.h"
#include "train/plot_svg.h"

namespace lmf::eval {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

const char* const kUnknown = "unknown";

// ---- YAML (block style; strings always double-quoted, so no value changes type) ----

bool plain_key(const std::string& k) {
  if (k.empty() || k[0] == '-') return false;
  for (char c : k)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

// JSON text of a value; bytes that are not UTF-8 become U+FFFD.
std::string json_text(const ojson& v) { return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// A YAML 1.1 float needs a '.' and a signed exponent (PyYAML's resolver): "1e-05" would read
// back as a string, so it becomes "1.0e-05".
std::string yaml_scalar(const ojson& v) {
  if (v.is_number_float()) {
    const double x = v.get<double>();
    if (std::isnan(x)) return ".nan";
    if (std::isinf(x)) return x > 0 ? ".inf" : "-.inf";
    std::string s = v.dump();
    const size_t e = s.find_first_of("eE");
    if (e != std::string::npos && s.find('.') == std::string::npos) s.insert(e, ".0");
    return s;
  }
  if (v.is_object()) return "{}";
  if (v.is_array()) return "[]";
  return json_text(v);  // strings as JSON strings (valid YAML double-quoted scalars), numbers, bools, null
}

void emit_yaml(const ojson& v, int indent, std::string& out) {
  const std::string pad(size_t(indent), ' ');
  auto nested = [](const ojson& x) { return (x.is_object() || x.is_array()) && !x.empty(); };
  if (v.is_object()) {
    for (const auto& [k, x] : v.items()) {
      out += pad + (plain_key(k) ? k : json_text(ojson(k))) + ":";
      if (nested(x)) {
        out += "\n";
        emit_yaml(x, indent + 2, out);
      } else {
        out += " " + yaml_scalar(x) + "\n";
      }
    }
  } else if (v.is_array()) {
    for (const auto& x : v) {
      if (nested(x)) {
        std::string item;
        emit_yaml(x, indent + 2, item);
        out += pad + "- " + item.substr(size_t(indent) + 2);
      } else {
        out += pad + "- " + yaml_scalar(x) + "\n";
      }
    }
  }
}

// ---- Markdown ----

std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

// A figure as the tables print it: integers exactly, other numbers to 6 significant digits,
// null as "unknown".
std::string figure(const ojson& v) {
  if (v.is_null()) return kUnknown;
  if (v.is_number_integer()) return v.dump();
  if (v.is_number_float()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
    return buf;
  }
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + figure(x);
    return s.empty() ? "none" : s;
  }
  return json_text(v);
}

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string render() const {
    if (rows.empty()) return "";
    std::string out = "|";
    for (const auto& h : header) out += " " + cell(h) + " |";
    out += "\n|";
    for (size_t i = 0; i < header.size(); ++i) out += " --- |";
    out += "\n";
    for (const auto& r : rows) {
      out += "|";
      for (const auto& c : r) out += " " + cell(c) + " |";
      out += "\n";
    }
    return out + "\n";
  }
};

std::string code(const std::string& s) { return "`" + s + "`"; }
std::string file_name(const ojson& path) { return path.is_string() ? fs::path(path.get<std::string>()).filename().string() : kUnknown; }
const ojson& at(const ojson& j, const char* k) {
  static const ojson null;
  if (!j.is_object()) return null;
  auto it = j.find(k);
  return it == j.end() ? null : *it;
}

std::string architecture_section(const ojson& f) {
  std::string out = "## Architecture and size\n\n";
  const ojson& a = f["architecture"];
  const ojson& w = f["weights"];
  if (a.is_null() && w.is_null())
    return out + "Architecture: unknown (no `config.json` in the model directory or the runs it was made from).\n\n";
  Table t{{"field", "value"}, {}};
  if (!a.is_null()) {
    const std::pair<const char*, const char*> rows[] = {
        {"model type", "model_type"}, {"layers", "layers"},     {"hidden size", "hidden_size"},
        {"attention heads", "heads"}, {"key/value heads", "kv_heads"}, {"head size", "head_dim"},
        {"MLP width", "mlp"},         {"context (tokens)", "context"}, {"vocabulary", "vocab_size"},
        {"tied embeddings", "tied_embeddings"}, {"positions", "positions"}, {"norm", "norm"},
        {"norm epsilon", "norm_eps"}, {"RoPE theta", "rope_theta"}};
    for (const auto& [label, key] : rows)
      if (!(std::string(key) == "rope_theta" && a[key].is_null())) t.rows.push_back({label, figure(a[key])});
  }
  t.rows.push_back({"parameters", figure(at(w, "parameters"))});
  t.rows.push_back({"tensors", figure(at(w, "tensors"))});
  t.rows.push_back({"weight dtypes", figure(at(w, "dtypes"))});
  t.rows.push_back({"weights file (bytes)", figure(at(w, "bytes"))});
  const ojson& aw = f["runs"].back()["adapter_weights"];
  if (!aw.is_null()) t.rows.push_back({"adapter parameters", figure(aw["parameters"])});
  out += t.render();
  out += "From " + (a.is_null() ? std::string("no config.json (architecture unknown)") : code(a["source"].get<std::string>())) +
         " and " + (w.is_null() ? std::string("no model.safetensors (size unknown)") : code(w["source"].get<std::string>())) +
         ".\n\n";
  return out;
}

std::string tokenizer_section(const ojson& f) {
  std::string out = "## Tokenizer\n\n";
  const ojson& t = f["tokenizer"];
  if (t.is_null()) return out + "Tokenizer: unknown (no `tokenizer.json`).\n\n";
  Table tb{{"field", "value"},
           {{"type", figure(t["type"])},
            {"vocabulary", figure(t["vocab_size"])},
            {"pre-tokenizer", figure(t["pre_tokenizer"])},
            {"normalizer", t["normalizer"].is_null() ? "none" : figure(t["normalizer"])},
            {"special tokens", figure(t["special_tokens"])},
            {"chat template", t["chat_template"].get<bool>() ? "ChatML (tokenizer_config.json)" : "none"},
            {"bos token id", figure(t["bos_token_id"])},
            {"eos token id", figure(t["eos_token_id"])}}};
  return out + tb.render() + "From " + code(t["source"].get<std::string>()) + ".\n\n";
}

std::string data_section(const ojson& f) {
  std::string out = "## Training data\n\n";
  const ojson& d = f["data"];
  if (d.is_null())
    return out + "Training data: unknown (no data pipeline report was given; `lmforge card --data-report "
                 "OUT/report.json` reads the one `lmforge data run` writes).\n\n";
  out += "Inputs: " + (d["inputs"].empty() ? std::string(kUnknown) : figure(d["inputs"])) + ".\n\n";
  Table totals{{"documents in", "kept", "removed", "bytes in", "bytes kept"},
               {{figure(d["documents"]["in"]), figure(d["documents"]["kept"]), figure(d["documents"]["removed"]),
                 figure(at(d["bytes"], "in")), figure(at(d["bytes"], "kept"))}}};
  out += totals.render();
  out += "What each stage of the pipeline removed:\n\n";
  Table removed{{"stage", "documents in", "documents out", "reason", "removed"}, {}};
  Table counts{{"stage", "counter", "count"}, {}};
  for (const auto& s : d["stages"]) {
    const std::string name = figure(s["stage"]);
    if (s["removed"].empty())
      removed.rows.push_back({name, figure(s["documents_in"]), figure(s["documents_out"]), "none", "0"});
    for (const auto& [reason, n] : s["removed"].items())
      removed.rows.push_back({name, figure(s["documents_in"]), figure(s["documents_out"]), reason, figure(n)});
    for (const auto& [counter, n] : s["counts"].items()) counts.rows.push_back({name, counter, figure(n)});
  }
  out += removed.render();
  if (!counts.rows.empty()) out += "Counters (PII matches per type, lines dropped, repairs):\n\n" + counts.render();
  const ojson& tk = d["tokens"];
  if (!tk.is_null()) {
    Table t{{"split", "tokens", "documents"},
            {{"train", figure(tk["train"]), figure(tk["train_documents"])},
             {"val", figure(tk["val"]), figure(tk["val_documents"])}}};
    out += "Token shards (tokenizer " + code(figure(tk["tokenizer"])) + "):\n\n" + t.render();
  }
  return out + "From " + code(d["source"].get<std::string>()) + (tk.is_null() ? "" : " and " + code(tk["source"].get<std::string>())) + ".\n\n";
}

std::string run_body(const ojson& run, const std::string& card_dir) {
  std::string out;
  const ojson& s = run["settings"];
  if (s.is_null()) {
    out += "Settings: unknown (the run keeps no settings file).\n\n";
  } else {
    Table t{{"setting", "value"}, {}};
    for (const auto& [k, v] : s.items())
      if (k != "source") t.rows.push_back({k, figure(v)});
    out += "Settings, from " + code(s["source"].get<std::string>()) + ":\n\n" + t.render();
  }
  const ojson& a = run["adapter"];
  if (!a.is_null()) {
    Table t{{"adapter setting", "value"}, {}};
    for (const auto& [k, v] : a.items())
      if (k != "source" && !v.is_object()) t.rows.push_back({k, figure(v)});
    out += "Adapter, from " + code(a["source"].get<std::string>()) + ":\n\n" + t.render();
    const ojson& w = run["adapter_weights"];
    if (!w.is_null()) out += "Trainable parameters: " + figure(w["parameters"]) + " (" + code(w["source"].get<std::string>()) + ").\n\n";
  }
  const ojson& m = run["metrics"];
  if (m.is_null()) {
    out += "Metrics: unknown (no `metrics.jsonl`).\n\n";
  } else {
    out += "Steps: " + figure(m["last_step"]) + "; tokens seen: " + figure(m["tokens"]) + ".\n\n";
    Table t{{"series", "points", "first", "last", "min", "min at step", "max"}, {}};
    for (const auto& [name, x] : m["series"].items())
      t.rows.push_back({name, figure(x["points"]), figure(x["first"]), figure(x["last"]), figure(x["min"]),
                        figure(x["min_step"]), figure(x["max"])});
    out += t.render() + "From " + code(m["source"].get<std::string>()) + ".\n\n";
    if (run["plot"].is_string()) {
      const fs::path plot = fs::weakly_canonical(run["plot"].get<std::string>());
      out += "![" + file_name(run["plot"]) + "](" + fs::relative(plot, fs::weakly_canonical(card_dir)).generic_string() + ")\n\n";
    } else if (m["series"].contains("loss")) {
      // No plot beside the run (fine-tuning writes none): the loss curve inline, without the
      // XML declaration a standalone file has.
      std::string svg = train::loss_chart_svg(train::MetricsLog::read(m["source"].get<std::string>()), "loss");
      if (svg.starts_with("<?xml")) svg.erase(0, svg.find('\n') + 1);
      out += svg + "\n\n";
    }
  }
  const ojson& r = run["report"];
  if (!r.is_null()) {
    Table t{{"measure", "before", "after"}, {}};
    for (const char* k : {"reward_score", "judged_good", "perplexity"})
      t.rows.push_back({k, figure(at(r["before"], k)), figure(at(r["after"], k))});
    out += "Before and after, on " + figure(r.value("prompts", ojson(nullptr))) + " held-out prompts (win rate " +
           figure(r.value("win_rate", ojson(nullptr))) + "), from " + code(r["source"].get<std::string>()) + ":\n\n" +
           t.render();
  }
  return out;
}

std::string runs_section(const ojson& f, const std::string& card_dir, bool pretraining) {
  std::string out = pretraining ? "## Training\n\n" : "## Fine-tuning and alignment\n\n";
  int shown = 0, i = 0;
  for (const auto& run : f["runs"]) {
    ++i;
    const bool pre = run["kind"] == "pretraining";
    if (pre != pretraining) continue;
    if (!pretraining && run["kind"].is_null() && run["metrics"].is_null() && run["adapter"].is_null()) continue;
    ++shown;
    const std::string method = run["method"].is_null() ? "" : ", " + figure(run["method"]);
    out += "### Stage " + std::to_string(i) + ": " + figure(run["kind"]) + method + " (" + code(run["dir"].get<std::string>()) + ")\n\n";
    out += run_body(run, card_dir);
  }
  if (shown == 0)
    out += pretraining ? "Pretraining: unknown (no `lmforge train` run among the files: give it with `--stage RUN_DIR`).\n\n"
                       : "None recorded (no fine-tuning or alignment run among the files).\n\n";
  return out;
}

std::string results_table(const ojson& evals, bool bias) {
  Table t{{"task", "metric", "filter", "value", "stderr", "n-shot", "split", "samples", "source"}, {}};
  for (const auto& e : evals) {
    if (e["bias_or_safety"].get<bool>() != bias) continue;
    for (const auto& m : e["metrics"])
      t.rows.push_back({e["task"].get<std::string>(), m["metric"].get<std::string>(), m["filter"].get<std::string>(),
                        figure(m["value"]), m["stderr"].is_null() ? "N/A" : figure(m["stderr"]), figure(e["n_shot"]),
                        figure(e["split"]), figure(e["samples"]), file_name(e["source"])});
  }
  return t.render();
}

// A minimal-pair task's 95% intervals, the pairs that push its score most and the groups
// (words, templates, …) that do, as the results file's "bias" entry holds them.
std::string bias_summary(const ojson& e) {
  const ojson& b = e["bias_summary"];
  const std::string task = e["task"].get<std::string>();
  std::string out;
  Table t{{"task", "measure", "value", "95% low", "95% high"}, {}};
  for (const char* m : {"pct_stereotype", "likelihood_difference", "mean_difference"}) {
    if (!b.contains(m)) continue;
    const ojson& ci = at(b, (std::string(m) + "_ci95").c_str());
    const bool two = ci.is_array() && ci.size() == 2;
    t.rows.push_back({task, m, figure(b[m]), two ? figure(ci[0]) : kUnknown, two ? figure(ci[1]) : kUnknown});
  }
  out += code(task) + ", " + figure(at(b, "pairs")) + " pairs (" + file_name(e["source"]) + "):\n\n" + t.render();
  const ojson& top = at(b, "top_pairs");
  if (top.is_array() && !top.empty()) {
    Table p{{"task", "doc_id", "more stereotyping", "less stereotyping", "difference"}, {}};
    for (size_t i = 0; i < std::min<size_t>(5, top.size()); ++i)
      p.rows.push_back({task, figure(at(top[i], "doc_id")), figure(at(top[i], "sent_more")), figure(at(top[i], "sent_less")),
                        figure(at(top[i], "difference"))});
    out += "The pairs that push the score most (log-likelihood difference, more − less):\n\n" + p.render();
  }
  for (const auto& [key, groups] : b.items()) {
    if (!key.starts_with("by_") || !groups.is_array() || groups.empty()) continue;
    const std::string field = key.substr(3);
    Table g{{"task", field, "pairs", "pct_stereotype", "mean_difference"}, {}};
    for (size_t i = 0; i < std::min<size_t>(5, groups.size()); ++i)
      g.rows.push_back({task, figure(at(groups[i], field.c_str())), figure(at(groups[i], "pairs")),
                        figure(at(groups[i], "pct_stereotype")), figure(at(groups[i], "mean_difference"))});
    out += "By " + field + ", largest mean difference first:\n\n" + g.render();
  }
  return out;
}

std::string evaluation_sections(const ojson& f) {
  std::string out = "## Evaluation\n\n";
  const std::string general = results_table(f["evaluations"], false);
  out += general.empty() ? "Not evaluated: no results file was given (`--eval results.json`).\n\n"
                         : "lm-evaluation-harness results (`lmforge eval --tasks`):\n\n" + general;
  std::vector<std::string> evaluated;
  for (const auto& e : f["evaluations"]) {
    const std::string line = "`" + e["source"].get<std::string>() + "`: " + figure(e["model_args"]);
    if (std::find(evaluated.begin(), evaluated.end(), line) == evaluated.end()) evaluated.push_back(line);
  }
  for (const auto& l : evaluated) out += "- " + l + "\n";
  if (!evaluated.empty()) out += "\n";
  out += "## Bias and safety\n\n";
  const std::string bias = results_table(f["evaluations"], true);
  out += bias.empty() ? "Unknown: not evaluated (no `bias_*` or `safety*` task results were given).\n\n"
                      : "Tasks named `bias_*` and `safety*`:\n\n" + bias;
  for (const auto& e : f["evaluations"])
    if (e["bias_or_safety"].get<bool>() && e["bias_summary"].is_object()) out += bias_summary(e);
  return out;
}

std::string text_section(const char* title, const ojson& t, const char* flag) {
  std::string out = std::string("## ") + title + "\n\n";
  if (t.is_null()) return out + "Unknown: no file states it (`" + flag + " FILE`).\n\n";
  std::string text = t["text"].get<std::string>();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return out + text + "\n\n(From " + code(t["source"].get<std::string>()) + ".)\n\n";
}

// Limitations that follow from the files.
std::string known_limits(const ojson& f) {
  std::string out = "Known from the files:\n\n";
  const ojson& a = f["architecture"];
  out += "- Context: " + (a.is_null() ? std::string(kUnknown) : figure(a["context"]) + " tokens") + ".\n";
  int64_t tokens = -1;
  for (const auto& run : f["runs"])
    if (run["kind"] == "pretraining" && at(run["metrics"], "tokens").is_number_integer())
      tokens = std::max<int64_t>(0, tokens) + run["metrics"]["tokens"].get<int64_t>();
  out += "- Pretraining tokens: " + (tokens < 0 ? std::string(kUnknown) : std::to_string(tokens)) + ".\n";
  bool bias = false;
  for (const auto& e : f["evaluations"]) bias = bias || e["bias_or_safety"].get<bool>();
  out += std::string("- Bias and safety: ") + (bias ? "see above" : "not evaluated") + ".\n";
  out += "- Languages: unknown.\n\n";
  return out;
}

void collect_sources(const ojson& j, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      const bool source = k == "source" || (k.ends_with("_source") && v.is_string() && fs::exists(v.get<std::string>()));
      if (source && v.is_string() && std::find(out.begin(), out.end(), v.get<std::string>()) == out.end())
        out.push_back(v.get<std::string>());
      else
        collect_sources(v, out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) collect_sources(v, out);
  }
}

}  // namespace

ojson model_card_metadata(const ojson& f) {
  ojson m = ojson::object();
  m["license"] = f["license"].is_null() ? ojson(kUnknown) : f["license"];
  const bool adapter = !f["runs"].back()["adapter"].is_null();
  if (adapter || !f["architecture"].is_null()) m["library_name"] = adapter ? "peft" : "transformers";
  m["pipeline_tag"] = "text-generation";
  ojson tags = {"lmforge"};
  if (!f["architecture"].is_null()) tags.push_back(f["architecture"]["model_type"]);
  m["tags"] = tags;
  if (!f["base_model"].is_null()) m["base_model"] = f["base_model"];
  if (!f["data"].is_null() && !f["data"]["inputs"].empty()) m["datasets"] = f["data"]["inputs"];
  ojson results = ojson::array();
  for (const auto& e : f["evaluations"]) {
    ojson metrics = ojson::array();
    for (const auto& x : e["metrics"]) {
      if (!x["value"].is_number() || !std::isfinite(x["value"].get<double>())) continue;
      metrics.push_back({{"type", x["metric"]}, {"value", x["value"]}, {"name", x["key"]}});
    }
    if (metrics.empty()) continue;
    ojson dataset = {{"type", e["task"]}, {"name", e["task"]}};
    if (e["split"].is_string()) dataset["split"] = e["split"];
    if (e["n_shot"].is_number_integer()) dataset["args"] = {{"num_few_shot", e["n_shot"]}};
    results.push_back({{"task", {{"type", "text-generation"}, {"name", "Text Generation"}}},
                       {"dataset", dataset},
                       {"metrics", metrics}});
  }
  if (!results.empty()) m["model-index"] = ojson::array({{{"name", f["model"]["name"]}, {"results", results}}});
  return m;
}

std::vector<std::string> unknown_facts(const ojson& f) {
  std::vector<std::string> u;
  if (f["base_model"].is_null()) u.push_back("base model");
  if (f["license"].is_null()) u.push_back("license");
  if (f["architecture"].is_null()) u.push_back("architecture");
  if (f["weights"].is_null()) u.push_back("size");
  if (f["tokenizer"].is_null()) u.push_back("tokenizer");
  if (f["data"].is_null()) u.push_back("training data");
  bool pre = false, bias = false;
  for (const auto& r : f["runs"]) pre = pre || r["kind"] == "pretraining";
  if (!pre) u.push_back("pretraining");
  if (f["evaluations"].empty()) u.push_back("evaluation");
  for (const auto& e : f["evaluations"]) bias = bias || e["bias_or_safety"].get<bool>();
  if (!bias) u.push_back("bias and safety");
  if (f["intended_use"].is_null()) u.push_back("intended use");
  if (f["limitations"].is_null()) u.push_back("limitations");
  return u;
}

std::string render_model_card(const ojson& f, const std::string& card_dir) {
  std::string out = "---\n";
  emit_yaml(model_card_metadata(f), 0, out);
  out += "---\n\n";
  const std::string name = f["model"]["name"].get<std::string>();
  out += "# " + name + "\n\n";
  out += "This card was written by `lmforge card` from the files listed under Sources. What no file states is "
         "marked unknown.\n\n";
  out += "## Model details\n\n";
  const ojson& last = f["runs"].back();
  Table d{{"field", "value"},
          {{"model", name},
           {"directory", f["model"]["dir"].get<std::string>()},
           {"made by", last["kind"].is_null() ? kUnknown : figure(last["kind"]) + (last["method"].is_null() ? "" : " (" + figure(last["method"]) + ")")},
           {"base model", f["base_model"].is_null() ? kUnknown : figure(f["base_model"]) + " (" + figure(f["base_model_source"]) + ")"},
           {"license", f["license"].is_null() ? kUnknown : figure(f["license"])}}};
  out += d.render();
  out += architecture_section(f);
  out += tokenizer_section(f);
  out += data_section(f);
  out += runs_section(f, card_dir, true);
  out += runs_section(f, card_dir, false);
  out += evaluation_sections(f);
  out += text_section("Intended use", f["intended_use"], "--intended-use");
  out += text_section("Limitations", f["limitations"], "--limitations");
  out += known_limits(f);
  out += "## Sources\n\n";
  std::vector<std::string> sources;
  collect_sources(f, sources);
  for (const auto& s : sources) out += "- `" + s + "`\n";
  return out;
}

ModelCard write_model_card(const ModelCardOptions& o) {
  ModelCard card;
  card.facts = gather_model_facts(o.inputs);
  card.path = o.out.empty() ? (fs::path(o.inputs.model_dir) / "README.md").string() : o.out;
  fs::path dir = fs::path(card.path).parent_path();
  if (dir.empty()) dir = ".";
  const std::string text = render_model_card(card.facts, dir.string());
  io::write_text_atomic(card.path, text);
  card.unknown = unknown_facts(card.facts);
  return card;
}

}  // namespace lmf::eval
