#include "align/report.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

#include "align/judge.h"
#include "align/preference_tasks.h"
#include "align/reward_model.h"
#include "core/autograd.h"
#include "core/error.h"
#include "data/token_shard.h"
#include "eval/perplexity.h"
#include "finetune/peft.h"
#include "infer/greedy.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"

namespace lmf::align {
namespace {

double perplexity(Transformer& m, const ReportOptions& opt) {
  if (opt.eval_shard.empty()) return NAN;
  autograd::NoGradGuard ng;
  const data::TokenShard shard = data::TokenShard::open(opt.eval_shard);
  const int64_t T = opt.eval_T > 0 ? opt.eval_T : std::min<int64_t>(m.config().n_positions, 256);
  auto loss = [&](const Tensor& x, const Tensor& y) { return double(m.loss(x, y).item()); };
  return eval::evaluate_perplexity(shard, T, opt.eval_batch, loss, opt.eval_windows).ppl;
}

}  // namespace

AlignReport compare_models(const std::function<Transformer&(bool aligned)>& model, const tok::Tokenizer& tk,
                           const std::vector<PreferencePair>& prompts, const ReportOptions& opt) {
  if (!opt.judge) throw Error("align report: no judge");
  if (prompts.empty()) throw Error("align report: no held-out prompts");
  PreferenceEncoder enc(tk);
  AlignReport r;
  r.prompts = int64_t(prompts.size());
  std::vector<double> judged[2];
  for (int side = 0; side < 2; ++side) {
    Transformer& m = model(side == 1);
    ReportSide& s = side ? r.after : r.before;
    double reward = 0;
    for (const PreferencePair& p : prompts) {
      const std::vector<int32_t> prompt = enc.prompt(p);
      const std::vector<int32_t> reply = greedy_reply(m, prompt, opt.max_new_tokens, enc.stop_ids(p));
      s.replies.push_back(enc.decode_response(p, reply));
      judged[side].push_back(opt.judge(p, s.replies.back()));
      if (opt.reward) reward += opt.reward(prompt, reply);
    }
    if (opt.reward) s.reward = reward / double(prompts.size());
    s.ppl = perplexity(m, opt);
  }
  double sum[2] = {0, 0}, wins = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const double b = judged[0][i], a = judged[1][i];
    if (std::isnan(a) || std::isnan(b)) continue;
    ++r.judged_prompts;
    sum[0] += b, sum[1] += a;
    wins += a > b ? 1.0 : a == b ? 0.5 : 0.0;
  }
  if (r.judged_prompts > 0) {
    const double n = double(r.judged_prompts);
    r.before.judged = sum[0] / n, r.after.judged = sum[1] / n, r.win_rate = wins / n;
  }
  return r;
}

std::string format_report(const AlignReport& r) {
  auto row = [](const char* label, double before, double after) {
    auto cell = [](double v) {
      char buf[32];
      if (std::isnan(v)) return std::string("-");
      std::snprintf(buf, sizeof buf, "%.3f", v);
      return std::string(buf);
    };
    char buf[128];
    std::snprintf(buf, sizeof buf, "%-20s %10s %10s\n", label, cell(before).c_str(), cell(after).c_str());
    return std::string(buf);
  };
  std::string s = "held-out prompts: " + std::to_string(r.prompts) + " (" + std::to_string(r.judged_prompts) + " judged)\n";
  char head[128];
  std::snprintf(head, sizeof head, "%-20s %10s %10s\n", "", "before", "after");
  s += head;
  s += row("reward score", r.before.reward, r.after.reward);
  s += row("judged good", r.before.judged, r.after.judged);
  s += row("perplexity (tax)", r.before.ppl, r.after.ppl);
  if (std::isnan(r.win_rate)) return s + "win rate of the aligned model (judged): -\n";
  char buf[96];
  std::snprintf(buf, sizeof buf, "win rate of the aligned model (judged): %.3f\n", r.win_rate);
  return s + buf;
}

nlohmann::json report_json(const AlignReport& r) {
  auto num = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
  auto side = [&](const ReportSide& s) {
    return nlohmann::json{{"reward_score", num(s.reward)}, {"judged_good", num(s.judged)}, {"perplexity", num(s.ppl)}};
  };
  return {{"prompts", r.prompts},        {"judged_prompts", r.judged_prompts}, {"before", side(r.before)},
          {"after", side(r.after)},       {"win_rate", num(r.win_rate)}};
}

AlignReport run_align_report(const AlignReportCommand& c) {
  std::vector<PreferencePair> prompts =
      c.prompts_path.empty() ? preference_tasks(3000, 1).test : read_preferences_jsonl(c.prompts_path, false);
  if (int64_t(prompts.size()) > c.max_prompts) prompts.resize(size_t(c.max_prompts));
  tok::Tokenizer tk = tok::Tokenizer::load(c.tokenizer_spec);
  Transformer before = load_model(c.model_dir);
  std::optional<Transformer> after;
  std::unique_ptr<ft::PeftMethod> adapter;
  if (c.adapter) {
    after.emplace(load_model(c.model_dir));
    adapter = ft::attach_adapter(*after, c.out_dir);
  } else {
    after.emplace(load_model(c.out_dir));
  }
  std::optional<RewardModel> rm;
  ReportOptions opt;
  opt.max_new_tokens = c.max_new_tokens;
  opt.eval_shard = c.eval_shard;
  opt.judge = [](const PreferencePair& p, const std::string& reply) {
    TaskKind kind;
    return task_kind(p, &kind) ? judge(p, reply) : NAN;
  };
  if (!c.reward.empty() && c.reward != "judge") {  // the judge is the judged columns already
    rm.emplace(RewardModel::load(c.reward));
    opt.reward = [&](const std::vector<int32_t>& prompt, const std::vector<int32_t>& reply) { return rm->score(prompt, reply); };
  }
  if (!c.quiet) std::fprintf(stderr, "align: comparing before and after on %zu held-out prompts\n", prompts.size());
  AlignReport r = compare_models([&](bool aligned) -> Transformer& { return aligned ? *after : before; }, tk, prompts, opt);
  io::write_text_atomic(c.out_dir + "/report.json", report_json(r).dump(2) + "\n");
  return r;
}

}  // namespace lmf::align
