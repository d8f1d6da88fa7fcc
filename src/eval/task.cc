#include "eval/task.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>

#include "augment/fewshot.h"
#include "core/error.h"
#include "eval/metrics.h"
#include "eval/py_random.h"
#include "io/jsonl.h"

namespace lmf::eval {

namespace {

namespace fs = std::filesystem;

std::string at(const std::string& file, const YAML::Node& n, const std::string& field) {
  return file + ":" + std::to_string(n.Mark().line + 1) + ": field " + field;
}

[[noreturn]] void fail(const std::string& where, const std::string& msg) { throw FormatError(where + ": " + msg); }

// A YAML node as JSON (scalars as strings, except the integers and booleans the fields use).
nlohmann::ordered_json to_json(const YAML::Node& n) {
  if (n.IsSequence()) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const auto& x : n) a.push_back(to_json(x));
    return a;
  }
  if (n.IsMap()) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    for (const auto& kv : n) o[kv.first.as<std::string>()] = to_json(kv.second);
    return o;
  }
  if (n.IsNull()) return nullptr;
  const std::string s = n.as<std::string>();
  if (n.Tag() != "!") {  // plain scalars: integers and booleans keep their type
    if (!s.empty() && s.find_first_not_of("-0123456789") == std::string::npos && s != "-") return std::stoll(s);
    if (s == "true" || s == "True") return true;
    if (s == "false" || s == "False") return false;
  }
  return s;
}

std::string scalar(const YAML::Node& n, const std::string& where) {
  if (!n.IsScalar()) fail(where, "expected a string");
  return n.as<std::string>();
}

DocField doc_field(const YAML::Node& n, const std::string& where, bool list_ok) {
  DocField f;
  f.where = where;
  if (n.IsSequence()) {
    if (!list_ok) fail(where, "expected a string or an integer, not a list");
    f.kind = DocField::List;
    f.list = Doc::array();
    for (const auto& x : n) f.list.push_back(scalar(x, where));
    return f;
  }
  if (!n.IsScalar()) fail(where, "expected a string, an integer or a list");
  const std::string s = n.as<std::string>();
  if (n.Tag() != "!" && !s.empty() && s.find_first_not_of("0123456789") == std::string::npos) {
    f.kind = DocField::Integer;
    f.integer = std::stoll(s);
    return f;
  }
  f.kind = DocField::String;
  f.text = s;
  f.tmpl = Template::parse(s, where);
  return f;
}

bool all_digits(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

std::vector<Doc> read_docs(const std::string& path, const std::string& where) {
  if (!fs::exists(path)) fail(where, "data file " + path + " does not exist");
  std::vector<Doc> docs;
  io::for_each_jsonl_line(path, [&](const std::string& line, int64_t, const std::string& w) {
    try {
      docs.push_back(Doc::parse(line));
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(w + ": not a JSON object: " + e.what());
    }
    if (!docs.back().is_object()) throw FormatError(w + ": not a JSON object");
  });
  return docs;
}

}  // namespace

Doc Task::text(const Doc& doc) const {
  switch (doc_to_text.kind) {
    case DocField::Absent: return std::string();
    case DocField::Integer: return doc_to_text.integer;
    case DocField::List: fail(doc_to_text.where, "a list is not a text");
    case DocField::String: break;
  }
  if (doc.contains(doc_to_text.text)) return doc[doc_to_text.text];
  const std::string s = doc_to_text.tmpl.render(doc);
  if (all_digits(s) && doc_to_choice.kind != DocField::Absent) return std::stoll(s);
  return s;
}

Doc Task::target(const Doc& doc) const {
  switch (doc_to_target.kind) {
    case DocField::Absent: fail(file + ": field doc_to_target", "missing");
    case DocField::Integer: return doc_to_target.integer;
    case DocField::List: return doc_to_target.list;
    case DocField::String: break;
  }
  if (doc.contains(doc_to_target.text)) return doc[doc_to_target.text];
  const std::string s = doc_to_target.tmpl.render(doc);
  if (all_digits(s) && doc_to_choice.kind != DocField::Absent) return std::stoll(s);
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') {
    try {
      return parse_python_literal(s, doc_to_target.where);
    } catch (const Error&) {
      return s;
    }
  }
  return s;
}

std::vector<std::string> Task::choices(const Doc& doc) const {
  Doc v;
  switch (doc_to_choice.kind) {
    case DocField::Absent: fail(file + ": field doc_to_choice", "missing (output_type multiple_choice needs it)");
    case DocField::Integer: fail(doc_to_choice.where, "expected a list");
    case DocField::List: v = doc_to_choice.list; break;
    case DocField::String:
      if (doc.contains(doc_to_choice.text)) v = doc[doc_to_choice.text];
      else {
        v = doc_to_choice.tmpl.evaluate(doc);
        if (v.is_string()) v = parse_python_literal(v.get<std::string>(), doc_to_choice.where);
      }
  }
  if (!v.is_array() || v.empty()) fail(doc_to_choice.where, "the choices are not a non-empty list");
  std::vector<std::string> out;
  for (const auto& c : v) out.push_back(value_text(c));
  return out;
}

std::string Task::target_text(const Doc& doc) const {
  const Doc t = target(doc);
  if (t.is_array()) return t.empty() ? std::string() : value_text(t[0]);
  if (t.is_number_integer() && doc_to_choice.kind != DocField::Absent) {
    const std::vector<std::string> c = choices(doc);
    const int64_t i = t.get<int64_t>();
    if (i < 0 || i >= int64_t(c.size())) fail(doc_to_target.where, "target index " + std::to_string(i) + " outside the " + std::to_string(c.size()) + " choices");
    return c[size_t(i)];
  }
  return value_text(t);
}

int64_t Task::gold(const Doc& doc) const {
  const Doc t = target(doc);
  const std::vector<std::string> c = choices(doc);
  if (t.is_number_integer()) {
    const int64_t i = t.get<int64_t>();
    if (i < 0 || i >= int64_t(c.size())) fail(doc_to_target.where, "target index " + std::to_string(i) + " outside the " + std::to_string(c.size()) + " choices");
    return i;
  }
  const std::string s = value_text(t.is_array() && !t.empty() ? t[0] : t);
  auto it = std::find(c.begin(), c.end(), s);
  if (it == c.end()) fail(doc_to_target.where, "target '" + s + "' is not among the choices");
  return int64_t(it - c.begin());
}

Task load_task(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw FormatError(path + ": cannot read the task file");
  } catch (const YAML::Exception& e) {
    throw FormatError(path + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  if (!root.IsMap()) throw FormatError(path + ": a task file is a YAML mapping of fields");
  static const std::set<std::string> known = {
      "task", "dataset_path", "dataset_kwargs", "test_split", "validation_split", "training_split", "fewshot_split",
      "doc_to_text", "doc_to_target", "doc_to_choice", "output_type", "target_delimiter", "fewshot_delimiter",
      "description", "metric_list", "num_fewshot", "metadata", "generation_kwargs", "filter_list", "repeats"};
  Task t;
  t.file = path;
  t.output_type = "generate_until";  // the harness's default
  std::map<std::string, std::string> data_files;
  std::string validation_split, training_split;
  std::string where_type = path + ": field output_type", where_test = path + ": field test_split";
  YAML::Node metric_node, gen_node, filter_node;
  bool has_metrics = false, has_gen = false, has_filters = false;
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    const std::string w = at(path, kv.first, key);
    const YAML::Node& v = kv.second;
    if (!known.count(key)) fail(w, "unknown field (supported: task, dataset_path, dataset_kwargs, test_split, validation_split, training_split, fewshot_split, doc_to_text, doc_to_target, doc_to_choice, output_type, target_delimiter, fewshot_delimiter, description, metric_list, num_fewshot, metadata, generation_kwargs, filter_list, repeats)");
    t.config[key] = to_json(v);
    if (key == "task") t.name = scalar(v, w);
    else if (key == "dataset_path") {
      if (scalar(v, w) != "json") fail(w, "only 'json' (local JSONL files in dataset_kwargs.data_files) is supported, not '" + v.as<std::string>() + "'");
    } else if (key == "dataset_kwargs") {
      if (!v.IsMap()) fail(w, "expected a mapping with data_files");
      for (const auto& d : v) {
        const std::string dk = d.first.as<std::string>();
        if (dk != "data_files") fail(at(path, d.first, "dataset_kwargs." + dk), "unknown field (supported: data_files)");
        if (!d.second.IsMap()) fail(at(path, d.first, "dataset_kwargs.data_files"), "expected a mapping of split names to files");
        for (const auto& f : d.second) {
          const std::string wf = at(path, f.first, "dataset_kwargs.data_files." + f.first.as<std::string>());
          data_files[f.first.as<std::string>()] = (fs::path(path).parent_path() / scalar(f.second, wf)).string();
        }
      }
    } else if (key == "test_split") t.test_split = scalar(v, w), where_test = w;
    else if (key == "validation_split") validation_split = scalar(v, w);
    else if (key == "training_split") training_split = scalar(v, w);
    else if (key == "fewshot_split") t.fewshot_split = scalar(v, w);
    else if (key == "doc_to_text") t.doc_to_text = doc_field(v, w, false);
    else if (key == "doc_to_target") t.doc_to_target = doc_field(v, w, true);
    else if (key == "doc_to_choice") t.doc_to_choice = doc_field(v, w, true);
    else if (key == "output_type") t.output_type = scalar(v, w), where_type = w;
    else if (key == "target_delimiter") t.target_delimiter = scalar(v, w);
    else if (key == "fewshot_delimiter") t.fewshot_delimiter = scalar(v, w);
    else if (key == "description") t.description = scalar(v, w), t.description_tmpl = Template::parse(t.description, w);
    else if (key == "num_fewshot") {
      const std::string s = scalar(v, w);
      if (!all_digits(s)) fail(w, "expected a count, not '" + s + "'");
      t.num_fewshot = std::stoll(s);
    } else if (key == "metric_list") metric_node = v, has_metrics = true;
    else if (key == "generation_kwargs") gen_node = v, has_gen = true;
    else if (key == "filter_list") filter_node = v, has_filters = true;
    else if (key == "repeats") {
      const std::string s = scalar(v, w);
      if (!all_digits(s) || std::stoll(s) < 1) fail(w, "expected a count of at least 1, not '" + s + "'");
      t.repeats = std::stoll(s);
    }
    else if (key == "metadata") {
      if (v.IsMap() && v["version"]) t.version = to_json(v["version"]);
    }
  }
  if (t.name.empty()) fail(path + ": field task", "missing (every task needs a name)");
  static const std::set<std::string> types = {"multiple_choice", "loglikelihood", "loglikelihood_rolling", "generate_until"};
  if (!types.count(t.output_type))
    fail(where_type, "output_type '" + t.output_type + "' is not supported (multiple_choice, loglikelihood, loglikelihood_rolling, generate_until)");
  if (t.output_type != "generate_until") {
    if (has_gen) fail(at(path, gen_node, "generation_kwargs"), "applies to output_type generate_until only");
    if (has_filters) fail(at(path, filter_node, "filter_list"), "applies to output_type generate_until only");
  }
  // generation_kwargs as TaskConfig completes them: until defaults to [fewshot_delimiter].
  t.until = {t.fewshot_delimiter};
  if (has_gen) {
    if (!gen_node.IsMap()) fail(at(path, gen_node, "generation_kwargs"), "expected a mapping (until, max_gen_toks, do_sample, temperature)");
    for (const auto& kv : gen_node) {
      const std::string k = kv.first.as<std::string>();
      const std::string w = at(path, kv.first, "generation_kwargs." + k);
      const YAML::Node& v = kv.second;
      if (k == "until") {
        t.until.clear();
        if (v.IsSequence())
          for (const auto& x : v) t.until.push_back(scalar(x, w));
        else t.until.push_back(scalar(v, w));
      } else if (k == "max_gen_toks") {
        const std::string s = scalar(v, w);
        if (!all_digits(s) || std::stoll(s) < 1) fail(w, "expected a count of at least 1, not '" + s + "'");
        t.max_gen_toks = std::stoll(s);
      } else if (k == "do_sample") {
        if (scalar(v, w) != "false" && scalar(v, w) != "False") fail(w, "only greedy generation (do_sample: false) is supported");
      } else if (k == "temperature") {
        if (std::stod(scalar(v, w)) != 0.0) fail(w, "only greedy generation (temperature: 0) is supported");
      } else {
        fail(w, "unknown field (supported: until, max_gen_toks, do_sample, temperature)");
      }
    }
  }
  if (has_filters) {
    if (!filter_node.IsSequence()) fail(at(path, filter_node, "filter_list"), "expected a list of {name, filter}");
    for (const auto& fe : filter_node) {
      const std::string w = at(path, fe, "filter_list");
      if (!fe.IsMap() || !fe["name"] || !fe["filter"] || !fe["filter"].IsSequence())
        fail(w, "each entry needs 'name' and a list 'filter'");
      Filter f;
      f.name = scalar(fe["name"], w);
      for (const auto& kv : fe)
        if (kv.first.as<std::string>() != "name" && kv.first.as<std::string>() != "filter")
          fail(at(path, kv.first, "filter_list." + kv.first.as<std::string>()), "unknown field (supported: name, filter)");
      for (const auto& st : fe["filter"]) {
        const std::string ws = at(path, st, "filter_list.filter");
        if (!st.IsMap() || !st["function"]) fail(ws, "each step needs 'function'");
        const std::string fn = scalar(st["function"], ws);
        if (fn == "regex") {
          std::string pattern = "#### (\\-?[0-9\\.\\,]+)", fallback = "[invalid]";
          int64_t group = 0;
          for (const auto& kv : st) {
            const std::string k = kv.first.as<std::string>();
            const std::string wk = at(path, kv.first, "filter_list.filter." + k);
            if (k == "function") continue;
            if (k == "regex_pattern") pattern = scalar(kv.second, wk);
            else if (k == "fallback") fallback = scalar(kv.second, wk);
            else if (k == "group_select") {
              const std::string s = scalar(kv.second, wk);
              try {
                group = std::stoll(s);
              } catch (const std::exception&) {
                fail(wk, "expected an integer, not '" + s + "'");
              }
            } else fail(wk, "unknown field of a regex filter (supported: regex_pattern, group_select, fallback)");
          }
          f.steps.push_back(regex_step(pattern, group, fallback, at(path, st, "filter_list.filter.regex_pattern")));
        } else if (fn == "take_first" || fn == "majority_vote") {
          for (const auto& kv : st)
            if (kv.first.as<std::string>() != "function")
              fail(at(path, kv.first, "filter_list.filter." + kv.first.as<std::string>()), "unknown field of a " + fn + " filter");
          f.steps.push_back(simple_step(fn));
        } else {
          fail(at(path, st["function"], "filter_list.filter.function"), "unknown filter '" + fn + "' (supported: regex, take_first, majority_vote)");
        }
      }
      if (f.steps.empty() || (f.steps.back().function != "take_first" && f.steps.back().function != "majority_vote"))
        fail(w, "filter '" + f.name + "' must end with take_first or majority_vote (one answer a document)");
      t.filters.push_back(std::move(f));
    }
  }
  if (t.filters.empty()) t.filters.push_back({"none", {simple_step("take_first")}});
  if (t.output_type == "multiple_choice" && t.doc_to_choice.kind == DocField::Absent)
    fail(where_type, "multiple_choice needs doc_to_choice");
  if (t.doc_to_target.kind == DocField::Absent) fail(path + ": field doc_to_target", "missing");

  // Splits: the test split, else the validation split; shots from fewshot_split, else the
  // training split, else the validation split.
  if (t.test_split.empty()) t.test_split = validation_split;
  if (t.test_split.empty()) fail(where_test, "missing: name test_split (or validation_split)");
  if (!data_files.count(t.test_split))
    fail(where_test, "split '" + t.test_split + "' has no file in dataset_kwargs.data_files");
  if (t.fewshot_split.empty()) t.fewshot_split = !training_split.empty() ? training_split : validation_split;
  if (!t.fewshot_split.empty() && !data_files.count(t.fewshot_split))
    fail(path + ": field fewshot_split", "split '" + t.fewshot_split + "' has no file in dataset_kwargs.data_files");
  t.test_docs = read_docs(data_files[t.test_split], where_test);
  if (!t.fewshot_split.empty()) t.fewshot_docs = read_docs(data_files[t.fewshot_split], path + ": field fewshot_split");

  if (has_metrics) {
    if (!metric_node.IsSequence()) fail(at(path, metric_node, "metric_list"), "expected a list of {metric: NAME}");
    for (const auto& m : metric_node) {
      const std::string w = at(path, m, "metric_list");
      if (!m.IsMap() || !m["metric"]) fail(w, "each entry needs 'metric'");
      for (const auto& kv : m) {
        const std::string k = kv.first.as<std::string>();
        if (k != "metric" && k != "aggregation" && k != "higher_is_better" && k != "ignore_case" &&
            k != "ignore_punctuation" && k != "ignore_numbers" && k != "regexes_to_ignore")
          fail(at(path, kv.first, "metric_list." + k), "unknown field (supported: metric, aggregation, higher_is_better; for exact_match ignore_case, ignore_punctuation, ignore_numbers, regexes_to_ignore)");
        const std::string wk = at(path, kv.first, "metric_list." + k);
        if (k == "ignore_case") t.exact_match.ignore_case = kv.second.as<bool>();
        else if (k == "ignore_punctuation") t.exact_match.ignore_punctuation = kv.second.as<bool>();
        else if (k == "ignore_numbers") t.exact_match.ignore_numbers = kv.second.as<bool>();
        else if (k == "regexes_to_ignore") {
          if (!kv.second.IsSequence()) fail(wk, "expected a list of regular expressions");
          for (const auto& x : kv.second) {
            const std::string re = scalar(x, wk);
            try {
              (void)std::regex(re, std::regex::ECMAScript);
            } catch (const std::regex_error&) {
              fail(wk, "'" + re + "' is not a regular expression this reads (ECMAScript syntax)");
            }
            t.exact_match.regexes_to_ignore.push_back(re);
          }
        }
      }
      const std::string name = scalar(m["metric"], w);
      const std::string wm = at(path, m["metric"], "metric_list.metric");
      const MetricInfo* info = find_metric(name);
      if (!info) fail(wm, "unknown metric '" + name + "' (" + metric_names() + ")");
      if (std::find(info->output_types.begin(), info->output_types.end(), t.output_type) == info->output_types.end())
        fail(wm, "metric '" + name + "' does not apply to output_type " + t.output_type);
      bool hib = info->higher_is_better;
      if (m["higher_is_better"]) hib = m["higher_is_better"].as<bool>();
      t.metrics.push_back(name);
      t.higher_is_better.push_back(hib);
    }
  } else {
    for (const std::string& name : default_metrics(t.output_type)) {
      t.metrics.push_back(name);
      t.higher_is_better.push_back(find_metric(name)->higher_is_better);
    }
  }
  if (t.test_docs.empty()) fail(where_test, "split '" + t.test_split + "' holds no documents");
  // Render the first document as the harness does, so template errors surface at load.
  const Doc& d0 = t.test_docs[0];
  (void)t.text(d0);
  (void)t.target(d0);
  if (t.output_type == "multiple_choice") (void)t.gold(d0);
  t.config["task"] = t.name;
  return t;
}

std::string fewshot_context(const Task& t, const Doc& doc, int64_t k, PyRandom& rnd) {
  augment::FewshotFormat format{t.description.empty() ? std::string() : t.description_tmpl.render(doc), t.target_delimiter,
                                t.fewshot_delimiter};
  std::vector<augment::FewshotExample> shots;
  if (k > 0) {
    if (t.fewshot_docs.empty()) fail(t.file + ": field fewshot_split", "num_fewshot " + std::to_string(k) + " needs a few-shot split (fewshot_split, training_split or validation_split)");
    const int64_t n = t.fewshot_split == t.test_split ? k + 1 : k;
    if (n > int64_t(t.fewshot_docs.size()))
      fail(t.file + ": field fewshot_split", std::to_string(n) + " shots asked of a split of " + std::to_string(t.fewshot_docs.size()) + " documents");
    for (int64_t i : rnd.sample(int64_t(t.fewshot_docs.size()), n)) {
      const Doc& shot = t.fewshot_docs[size_t(i)];
      if (shot == doc || int64_t(shots.size()) == k) continue;
      const Doc text = t.text(shot);
      if (!text.is_string()) fail(t.doc_to_text.where, "an index as the text (several inputs) is not supported");
      shots.push_back({text.get<std::string>(), t.target_text(shot)});
    }
  }
  const Doc text = t.text(doc);
  if (!text.is_string()) fail(t.doc_to_text.where, "an index as the text (several inputs) is not supported");
  std::vector<const augment::FewshotExample*> ptrs;
  for (const augment::FewshotExample& s : shots) ptrs.push_back(&s);
  return augment::fewshot_prompt(format, ptrs, text.get<std::string>());
}

std::vector<DocRequest> build_requests(const Task& t, int64_t k, int64_t limit, uint64_t seed) {
  PyRandom rnd(seed);
  const size_t n = limit > 0 ? std::min(t.test_docs.size(), size_t(limit)) : t.test_docs.size();
  std::vector<DocRequest> out;
  for (size_t i = 0; i < n; ++i) {
    const Doc& doc = t.test_docs[i];
    DocRequest r;
    r.doc_id = int64_t(i);
    r.doc = &doc;
    if (t.output_type == "loglikelihood_rolling") {
      r.rolling_text = r.target = r.decontamination_text = t.target_text(doc);
      out.push_back(std::move(r));
      continue;
    }
    r.context = fewshot_context(t, doc, k, rnd);
    if (t.output_type == "multiple_choice") {
      r.choices = t.choices(doc);
      r.gold = t.gold(doc);
      r.target = r.choices[size_t(r.gold)];
      for (const auto& c : r.choices) r.continuations.push_back(t.target_delimiter + c);
    } else {
      r.target = t.target_text(doc);
      r.continuations = {t.target_delimiter + r.target};
    }
    if (t.output_type == "generate_until") {
      r.continuations.clear();
      // process_results: a list target is several references (any may match); an index
      // with choices is the choice; anything else is str(target).
      const Doc target = t.target(doc);
      if (target.is_array())
        for (const auto& x : target) r.targets.push_back(value_text(x));
      else r.targets.push_back(t.target_text(doc));
      r.target = r.targets.empty() ? std::string() : r.targets[0];
    }
    r.decontamination_text = value_text(t.text(doc)) + t.target_delimiter + r.target;
    r.system = t.description.empty() ? std::string() : t.description_tmpl.render(doc);
    r.user = r.context.substr(r.system.size());
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace lmf::eval
