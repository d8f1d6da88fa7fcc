#include "eval/harness.h"

#include <fnmatch.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "align/judge.h"
#include "core/error.h"
#include "core/sha256.h"
#include "eval/api_model.h"
#include "eval/bias_report.h"
#include "eval/contamination.h"
#include "eval/local_model.h"
#include "eval/safety_filter.h"
#include "eval/task.h"
#include "infer/chat_template.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"

namespace lmf::eval {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

std::string default_tasks_dir() {
  if (const char* env = std::getenv("LMFORGE_TASKS_DIR"); env && *env) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path dir = exe.parent_path();
    for (const fs::path& p : {dir / ".." / "tasks", dir / "tasks", dir / ".." / "share" / "lmforge" / "tasks"})
      if (fs::is_directory(p)) return fs::weakly_canonical(p).string();
  }
  return "";
}

std::vector<std::string> resolve_tasks(const std::vector<std::string>& names, const std::string& tasks_dir) {
  // The task names of the folder's YAML files.
  std::vector<std::pair<std::string, std::string>> known;  // (name, file), sorted by name
  if (!tasks_dir.empty() && fs::is_directory(tasks_dir)) {
    for (const auto& e : fs::recursive_directory_iterator(tasks_dir)) {
      const std::string ext = e.path().extension().string();
      if (!e.is_regular_file() || (ext != ".yaml" && ext != ".yml")) continue;
      try {
        const YAML::Node n = YAML::LoadFile(e.path().string());
        if (n.IsMap() && n["task"]) known.emplace_back(n["task"].as<std::string>(), e.path().string());
      } catch (const YAML::Exception&) {
      }
    }
  }
  std::sort(known.begin(), known.end());
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const std::string& name : names) {
    const std::string ext = fs::path(name).extension().string();
    if (ext == ".yaml" || ext == ".yml") {
      if (!fs::exists(name)) throw Error("task file " + name + " does not exist");
      if (seen.insert(name).second) out.push_back(name);
      continue;
    }
    bool hit = false;
    for (const auto& [task, file] : known)
      if (fnmatch(name.c_str(), task.c_str(), 0) == 0) {
        hit = true;
        if (seen.insert(file).second) out.push_back(file);
      }
    if (!hit) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k.first;
      throw Error("no task named '" + name + "' in " + (tasks_dir.empty() ? std::string("(no tasks folder found)") : tasks_dir) +
                  (list.empty() ? "" : " (tasks: " + list + ")") + "; pass a path to a .yaml file for a task of your own");
    }
  }
  return out;
}

namespace {

std::string sanitize_model_name(const std::string& s) {
  return std::regex_replace(s, std::regex(R"(["<>:/\|\\?\*\[\]]+)"), "__");
}

std::string now_stamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H-%M-%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lld", (long long)us);
  return std::string(buf) + frac;
}

ojson number_or_na(double x) { return std::isnan(x) ? ojson("N/A") : ojson(x); }

}  // namespace

namespace {

// What scoring one task gave, per document (index = doc_id).
struct TaskScores {
  std::map<std::string, std::map<std::string, std::vector<double>>> per_filter;  // filter -> metric -> a value per document
  std::vector<Weighted> words, bytes;                                            // loglikelihood_rolling
  std::vector<ojson> lines;                                                      // samples (with log_samples)
  std::vector<PairScores> pairs;  // two-choice minimal pairs (pair metrics): a document each
};

bool wants(const Task& t, const std::string& metric) {
  return std::find(t.metrics.begin(), t.metrics.end(), metric) != t.metrics.end();
}

TaskScores score_task(const Task& t, const std::vector<DocRequest>& docs, LanguageModel& lm, const TasksOptions& o,
                      const std::function<void(int64_t)>& report) {
  TaskScores ts;
  const int64_t N = int64_t(docs.size());
  const tok::Tokenizer& tk = lm.tokenizer();
  if (t.output_type == "generate_until") {
    std::vector<TokenId> stop_ids;
    if (o.apply_chat_template)
      if (const std::vector<TokenId> e = tk.encode(kEndOfTurn, true); e.size() == 1) stop_ids = e;
    int64_t done = 0;
    for (const auto& d : docs) {
      std::vector<TokenId> prompt;
      std::string arg0 = d.context;
      if (o.apply_chat_template) {
        Conversation conv;
        arg0.clear();
        if (!d.system.empty()) {
          conv.push_back({"system", d.system});
          arg0 += "<|im_start|>system\n" + d.system + "<|im_end|>\n";
        }
        conv.push_back({"user", d.user});
        arg0 += "<|im_start|>user\n" + d.user + "<|im_end|>\n<|im_start|>assistant\n";
        prompt = ChatTemplate(tk).prompt(conv);
      } else {
        prompt = tk.encode(d.context);
      }
      std::string text;
      std::optional<SafetyMatch> blocked;
      if (o.safety && (blocked = o.safety->check(o.apply_chat_template ? d.user : d.context))) {
        text = SafetyFilter::refusal(*blocked);  // a blocked request: the refusal, no generation
      } else {
        text = lm.generate_until(prompt, t.until, t.max_gen_toks, stop_ids);
        if (o.safety && (blocked = o.safety->check(text))) text.resize(blocked->begin);  // cut where it crossed the line
      }
      const std::vector<std::string> resps(size_t(t.repeats), text);
      for (const Filter& f : t.filters) {
        const std::string answer = apply_filter(f, resps);
        double em = 0;
        for (const std::string& ref : d.targets) em = std::max(em, exact_match_score(answer, ref, t.exact_match));
        ts.per_filter[f.name]["exact_match"].push_back(em);
        const double refusal = align::refusal_score(answer);
        ts.per_filter[f.name]["refusal"].push_back(refusal);
        if (o.log_samples) {
          ojson line{{"doc_id", d.doc_id},
                     {"doc", *d.doc},
                     {"target", d.targets.size() == 1 ? ojson(d.targets[0]) : ojson(d.targets)},
                     {"arguments", {{"gen_args_0", {{"arg_0", arg0}, {"arg_1", {{"until", t.until}, {"max_gen_toks", t.max_gen_toks}}}}}}},
                     {"resps", ojson::array({resps})},
                     {"filtered_resps", ojson::array({answer})},
                     {"filter", f.name},
                     {"metrics", t.metrics},
                     {"exact_match", em}};
          if (wants(t, "refusal")) line["refusal"] = refusal;
          if (blocked) line["safety"] = {{"category", blocked->category}, {"phrase", blocked->phrase}};
          line["doc_hash"] = sha256_hex(line["doc"].dump(2, ' ', false));
          line["prompt_hash"] = sha256_hex(arg0);
          line["target_hash"] = sha256_hex(line["target"].is_string() ? line["target"].get<std::string>() : line["target"].dump());
          ts.lines.push_back(std::move(line));
        }
      }
      report(++done);
    }
  } else if (t.output_type == "loglikelihood_rolling") {
    std::vector<std::string> texts;
    for (const auto& d : docs) texts.push_back(d.rolling_text);
    const std::vector<double> lls = lm.loglikelihood_rolling(texts, report);
    for (size_t i = 0; i < docs.size(); ++i) {
      ts.words.push_back({lls[i], double(count_words(texts[i]))});
      ts.bytes.push_back({lls[i], double(texts[i].size())});
      if (o.log_samples) {
        ojson line{{"doc_id", docs[i].doc_id}, {"doc", *docs[i].doc}, {"target", docs[i].target},
                   {"arguments", {{"gen_args_0", {{"arg_0", texts[i]}}}}}, {"resps", {{lls[i]}}},
                   {"filtered_resps", {lls[i]}}, {"filter", "none"},
                   {"word_perplexity", {lls[i], ts.words.back().second}},
                   {"byte_perplexity", {lls[i], ts.bytes.back().second}},
                   {"bits_per_byte", {lls[i], ts.bytes.back().second}}};
        line["doc_hash"] = sha256_hex(line["doc"].dump(2, ' ', false));
        line["prompt_hash"] = sha256_hex(texts[i]);
        line["target_hash"] = sha256_hex(docs[i].target);
        ts.lines.push_back(std::move(line));
      }
    }
  } else {
    std::map<std::string, std::vector<double>>& per_doc = ts.per_filter["none"];
    std::vector<LoglikelihoodRequest> reqs;
    for (const auto& d : docs)
      for (const auto& c : d.continuations) reqs.push_back({d.context, c});
    const int64_t total_reqs = int64_t(reqs.size());
    // is_greedy feeds loglikelihood's acc, multiple_choice's exact_match and the samples.
    const bool need_greedy = o.log_samples || (t.output_type == "multiple_choice" ? wants(t, "exact_match") : wants(t, "acc"));
    const std::vector<LoglikelihoodResult> res =
        lm.loglikelihood(reqs, need_greedy, [&](int64_t done) { report(total_reqs ? done * N / total_reqs : N); });
    size_t at = 0;
    for (const auto& d : docs) {
      std::vector<double> lls;
      std::vector<bool> greedy;
      ojson args = ojson::object(), resps = ojson::array(), filtered = ojson::array();
      for (size_t c = 0; c < d.continuations.size(); ++c, ++at) {
        lls.push_back(res[at].logprob);
        greedy.push_back(res[at].is_greedy);
        args["gen_args_" + std::to_string(c)] = {{"arg_0", d.context}, {"arg_1", d.continuations[c]}};
        resps.push_back(ojson::array({ojson::array({res[at].logprob, res[at].is_greedy})}));
        filtered.push_back(ojson::array({res[at].logprob, res[at].is_greedy}));
      }
      ojson line{{"doc_id", d.doc_id}, {"doc", *d.doc}, {"target", t.output_type == "multiple_choice" ? ojson(d.gold) : ojson(d.target)},
                 {"arguments", args}, {"resps", resps}, {"filtered_resps", filtered}, {"filter", "none"}};
      if (t.output_type == "multiple_choice") {
        const ChoiceScores s = score_choices(lls, greedy, d.choices, d.gold);
        per_doc["acc"].push_back(s.acc);
        per_doc["acc_norm"].push_back(s.acc_norm);
        per_doc["exact_match"].push_back(s.exact_match);
        line["acc"] = s.acc, line["acc_norm"] = s.acc_norm, line["exact_match"] = s.exact_match;
        for (const std::string& name : t.metrics)
          if (is_pair_metric(name)) {
            if (lls.size() != 2)
              throw Error(t.file + ": field metric_list: " + name + " compares two choices (the more and the less stereotyping sentence); document " +
                          std::to_string(d.doc_id) + " has " + std::to_string(lls.size()));
            const double v = name == "pct_stereotype" ? s.pct_stereotype : s.likelihood_diff;
            per_doc[name].push_back(v);
            line[name] = v;
          }
        if (std::any_of(t.metrics.begin(), t.metrics.end(), is_pair_metric)) ts.pairs.push_back({lls[0], lls[1]});
      } else {
        per_doc["perplexity"].push_back(lls[0]);
        per_doc["acc"].push_back(greedy[0] ? 1.0 : 0.0);
        line["perplexity"] = lls[0], line["acc"] = greedy[0] ? 1.0 : 0.0;
      }
      if (o.log_samples) {
        line["doc_hash"] = sha256_hex(line["doc"].dump(2, ' ', false));
        line["prompt_hash"] = sha256_hex(d.context);
        line["target_hash"] = sha256_hex(line["target"].is_string() ? line["target"].get<std::string>() : line["target"].dump());
        ts.lines.push_back(std::move(line));
      }
    }
  }
  return ts;
}

// The documents' values without the dropped ones (dropped null: all).
template <typename T>
std::vector<T> kept(const std::vector<T>& xs, const std::vector<bool>* dropped) {
  if (!dropped) return xs;
  std::vector<T> out;
  for (size_t i = 0; i < xs.size(); ++i)
    if (!(*dropped)[i]) out.push_back(xs[i]);
  return out;
}

}  // namespace

TasksReport run_tasks(const TasksOptions& o, const std::function<void(const std::string&, int64_t, int64_t)>& progress) {
  const std::string dir = o.tasks_dir.empty() ? default_tasks_dir() : o.tasks_dir;
  const std::vector<std::string> files = resolve_tasks(o.tasks, dir);
  std::vector<Task> tasks;
  for (const std::string& f : files) tasks.push_back(load_task(f));  // every file checked before the model loads
  const bool api = !o.api.url.empty();
  if (o.apply_chat_template) {
    if (api) throw Error("--apply-chat-template is not available with a model behind a URL (--api)");
    for (const Task& t : tasks)
      if (t.output_type != "generate_until")
        throw Error("--apply-chat-template applies to generate_until tasks; " + t.name + " is " + t.output_type);
  }
  check_corpus_paths(o.decontaminate_against);

  std::unique_ptr<LanguageModel> lm;
  std::string model_name_raw, model_type, model_args;
  if (api) {
    if (o.api.model.empty()) throw Error("a model behind a URL needs its name (--api-model NAME)");
    if (o.tokenizer.empty() && o.model_dir.empty())
      throw Error("a model behind a URL needs the served model's tokenizer (--tokenizer SPEC, or --model DIR for DIR's tokenizer)");
    if (!o.adapter_dir.empty()) throw Error("--adapter applies to a local model, not one behind a URL (--api)");
    const std::string spec = o.tokenizer.empty() ? model_tokenizer_spec(o.model_dir, "") : o.tokenizer;
    auto a = std::make_unique<ApiModel>(o.api, load_tokenizer(spec));
    model_name_raw = o.api.model;
    model_type = "local-completions";
    model_args = "model=" + o.api.model + ",base_url=" + a->endpoint() + ",tokenizer=" + spec +
                 ",max_length=" + std::to_string(o.api.max_length);
    lm = std::move(a);
  } else {
    lm = std::make_unique<LocalModel>(ft::InferenceModelSpec{o.model_dir, o.tokenizer, o.adapter_dir});
    model_name_raw = o.model_dir;
    model_type = "lmforge";
    model_args = "pretrained=" + o.model_dir + (o.adapter_dir.empty() ? "" : ",peft=" + o.adapter_dir);
  }
  const std::string stamp = now_stamp();
  const std::string model_name = sanitize_model_name(model_name_raw);

  TasksReport rep;
  ojson results = ojson::object(), configs = ojson::object(), versions = ojson::object(), nshot = ojson::object(),
        hib = ojson::object(), nsamples = ojson::object(), subtasks = ojson::object(), contamination = ojson::object(),
        bias = ojson::object();
  std::map<std::string, std::vector<ojson>> samples;
  for (const Task& t : tasks) {
    const int64_t k = o.num_fewshot >= 0 ? o.num_fewshot : t.num_fewshot;
    const std::vector<DocRequest> docs = build_requests(t, t.output_type == "loglikelihood_rolling" ? 0 : k, o.limit, o.seed);
    const int64_t N = int64_t(docs.size());
    std::vector<bool> dirty;
    if (!o.decontaminate_against.empty()) {
      std::vector<std::string> texts;
      for (const auto& d : docs) texts.push_back(d.decontamination_text);
      dirty = contaminated_documents(texts, o.decontaminate_against, &lm->tokenizer(), kContaminationNgram);
    }
    TaskScores ts = score_task(t, docs, *lm, o, [&](int64_t done) {
      if (progress) progress(t.name, done, N);
    });

    // The metrics over the documents that are not dropped, as results[key].
    auto aggregate = [&](const std::string& key, const std::string& alias, const std::vector<bool>* dropped) {
      ojson r = {{"alias", alias}};
      ojson h = ojson::object();
      const std::vector<Weighted> words = kept(ts.words, dropped), bytes = kept(ts.bytes, dropped);
      for (const Filter& f : t.filters)
        for (size_t mi = 0; mi < t.metrics.size(); ++mi) {
          const std::string& name = t.metrics[mi];
          const std::vector<double> xs = kept(ts.per_filter[f.name][name], dropped);
          double value = 0, se = std::nan("");
          if (name == "acc" || name == "acc_norm" || name == "exact_match" || name == "refusal" || is_pair_metric(name)) {
            value = mean(xs);
            se = mean_stderr(xs);
          } else if (name == "perplexity") {
            value = perplexity(xs);
            se = bootstrap_stderr([](const std::vector<double>& v) { return perplexity(v); }, xs, o.bootstrap_iters);
          } else if (name == "word_perplexity") {
            value = weighted_perplexity(words);
          } else if (name == "byte_perplexity") {
            value = weighted_perplexity(bytes);
          } else if (name == "bits_per_byte") {
            value = bits_per_byte(bytes);
          }
          r[name + "," + f.name] = number_or_na(value);
          r[name + "_stderr," + f.name] = number_or_na(se);
          h[name] = bool(t.higher_is_better[mi]);
          rep.rows.push_back({key, name, value, se, bool(t.higher_is_better[mi]), k, f.name});
        }
      results[key] = r;
      versions[key] = t.version;
      nshot[key] = k;
      hib[key] = h;
    };
    aggregate(t.name, t.name, nullptr);
    if (!ts.pairs.empty()) {
      std::vector<const ojson*> pair_docs;
      std::vector<int64_t> ids;
      for (const DocRequest& d : docs) pair_docs.push_back(d.doc), ids.push_back(d.doc_id);
      bias[t.name] = bias_summary(ts.pairs, pair_docs, ids);
    }
    nsamples[t.name] = {{"original", t.test_docs.size()}, {"effective", N}};
    if (!o.decontaminate_against.empty()) {
      const int64_t K = std::count(dirty.begin(), dirty.end(), true);
      const std::string clean = t.name + kCleanSuffix;
      aggregate(clean, t.name + " (clean)", &dirty);
      nsamples[clean] = {{"original", t.test_docs.size()}, {"effective", N - K}};
      contamination[t.name] = {{"corpus", o.decontaminate_against},
                               {"ngram", kContaminationNgram},
                               {"documents", N},
                               {"contaminated", K},
                               {"share", N ? double(K) / double(N) : 0.0},
                               {"clean", clean}};
      rep.contamination.push_back({t.name, N, K});
      for (ojson& l : ts.lines) l["contaminated"] = bool(dirty[size_t(l["doc_id"].get<int64_t>())]);
    }
    ojson cfg = t.config;
    cfg["num_fewshot"] = k;
    configs[t.name] = cfg;
    subtasks[t.name] = ojson::array();
    samples[t.name] = std::move(ts.lines);
  }
  rep.results = {{"results", results},
                 {"group_subtasks", subtasks},
                 {"configs", configs},
                 {"versions", versions},
                 {"n-shot", nshot},
                 {"higher_is_better", hib},
                 {"n-samples", nsamples}};
  if (!o.decontaminate_against.empty()) rep.results["contamination"] = contamination;
  if (!bias.empty()) rep.results["bias"] = bias;
  rep.results["config"] = {{"model", model_type},
                           {"model_args", model_args},
                           {"batch_size", api ? o.api.batch : 1},
                           {"apply_chat_template", o.apply_chat_template},
                           {"limit", o.limit > 0 ? ojson(o.limit) : ojson(nullptr)},
                           {"bootstrap_iters", o.bootstrap_iters},
                           {"fewshot_seed", o.seed}};
  rep.results["model_name"] = model_name_raw;
  rep.results["date"] = stamp;
  if (!o.output_path.empty()) {
    const fs::path out = fs::path(o.output_path) / model_name;
    fs::create_directories(out);
    rep.results_file = (out / ("results_" + stamp + ".json")).string();
    io::write_text_atomic(rep.results_file, rep.results.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    if (o.log_samples)
      for (const auto& [task, lines] : samples) {
        const std::string path = (out / ("samples_" + task + "_" + stamp + ".jsonl")).string();
        std::string text;
        for (const auto& l : lines) text += l.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        io::write_text_atomic(path, text);
        rep.samples_files.push_back(path);
      }
  }
  return rep;
}

std::string results_table(const std::vector<MetricRow>& rows, const ojson& versions) {
  std::ostringstream os;
  std::vector<std::vector<std::string>> cells = {{"Tasks", "Version", "Filter", "n-shot", "Metric", "", "Value", "", "Stderr"}};
  std::string last;
  for (const auto& r : rows) {
    char v[32], s[32];
    if (std::isnan(r.value)) std::snprintf(v, sizeof v, "N/A");
    else std::snprintf(v, sizeof v, "%.4f", r.value);
    std::snprintf(s, sizeof s, "%.4f", r.stderr_);
    const bool first = r.task != last;
    last = r.task;
    cells.push_back({first ? r.task : "", first ? versions.value(r.task, ojson(0)).dump() : "", r.filter, first ? std::to_string(r.n_shot) : "",
                     r.metric, r.higher_is_better ? "\xe2\x86\x91" : "\xe2\x86\x93", v, std::isnan(r.stderr_) ? "" : "\xc2\xb1",
                     std::isnan(r.stderr_) ? "N/A" : s});
  }
  std::vector<size_t> width(cells[0].size(), 0);
  auto cols = [](const std::string& c) {
    size_t n = 0;
    for (unsigned char ch : c) n += (ch & 0xc0) != 0x80;
    return n;
  };
  for (const auto& row : cells)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], cols(row[i]));
  for (size_t ri = 0; ri < cells.size(); ++ri) {
    os << "|";
    for (size_t i = 0; i < cells[ri].size(); ++i) os << cells[ri][i] << std::string(width[i] - cols(cells[ri][i]), ' ') << "|";
    os << "\n";
    if (ri == 0) {
      os << "|";
      for (size_t w : width) os << std::string(std::max<size_t>(w, 1), '-') << "|";
      os << "\n";
    }
  }
  return os.str();
}

}  // namespace lmf::eval
