#include "augment/cot_sft.h"

#include <nlohmann/json.hpp>

#include "augment/chain_of_thought.h"
#include "core/error.h"
#include "io/atomic_file.h"
#include "io/output_dir.h"

namespace lmf::augment {
namespace {

std::string addition_steps(uint64_t a, uint64_t b) {
  std::string s = "Add the digits from right to left, carrying:\n";
  int carry = 0;
  while (a > 0 || b > 0) {
    const int da = int(a % 10), db = int(b % 10), sum = da + db + carry;
    s += std::to_string(da) + " + " + std::to_string(db) + " + " + std::to_string(carry) + " = " + std::to_string(sum) +
         ", write " + std::to_string(sum % 10) + ", carry " + std::to_string(sum / 10) + "\n";
    carry = sum / 10;
    a /= 10;
    b /= 10;
  }
  if (carry) s += "write the carry " + std::to_string(carry) + "\n";
  return s;
}

std::string multiplication_steps(uint64_t a, uint64_t b) {
  const std::string as = std::to_string(a), bs = std::to_string(b);
  std::string s = "Multiply " + as + " by each digit of " + bs + ", from the right:\n";
  std::vector<unsigned __int128> partials;
  for (size_t k = 0; k < bs.size(); ++k) {
    const int d = bs[bs.size() - 1 - k] - '0';
    const std::string p = decimal((unsigned __int128)a * unsigned(d));
    s += as + " * " + std::to_string(d) + " = " + p;
    unsigned __int128 shifted = (unsigned __int128)a * unsigned(d);
    for (size_t z = 0; z < k; ++z) shifted *= 10;
    if (k > 0) s += ", shifted " + std::to_string(k) + (k == 1 ? " place: " : " places: ") + decimal(shifted);
    s += "\n";
    partials.push_back(shifted);
  }
  if (partials.size() > 1) {
    s += "Add the partial products:\n";
    unsigned __int128 total = partials[0];
    for (size_t k = 1; k < partials.size(); ++k) {
      s += decimal(total) + " + " + decimal(partials[k]) + " = " + decimal(total + partials[k]) + "\n";
      total += partials[k];
    }
  }
  return s;
}

void check_style(const std::string& style) {
  if (style != "cot" && style != "direct") throw Error("style must be cot or direct, got '" + style + "'");
}

}  // namespace

std::string worked_solution(const ArithmeticProblem& p) {
  std::string steps;
  if (p.op == '+') steps = addition_steps(p.a, p.b);
  else if (p.op == '*') steps = multiplication_steps(p.a, p.b);
  else throw Error(std::string("worked solutions cover + and * only, got '") + p.op + "'");
  return steps + "The answer is " + p.result + ".";
}

Conversation cot_sft_conversation(const ArithmeticProblem& p, uint64_t variant, const std::string& style) {
  check_style(style);
  const std::string q = problem_question(p, variant);
  if (style == "direct") return {{"user", q}, {"assistant", "The answer is " + p.result + "."}};
  return {{"user", cot_prompt(q)}, {"assistant", worked_solution(p)}};
}

std::string cot_sft_json(const ArithmeticProblem& p, uint64_t variant, const std::string& style) {
  nlohmann::json messages = nlohmann::json::array();
  for (const Message& m : cot_sft_conversation(p, variant, style))
    messages.push_back({{"role", m.role}, {"content", m.content}});
  return nlohmann::json{{"messages", messages}, {"expression", p.expression()}, {"answer", p.result}}.dump();
}

ArithmeticSftData make_cot_sft(const CotSftOptions& o) {
  check_style(o.style);
  check_problem_options(o.problems);
  if (o.problems.ops.find('-') != std::string::npos) throw Error("ops: worked solutions cover + and * only");
  return {draw_problems(o.train, false, o.problems, o.seed), draw_problems(o.test, true, o.problems, o.seed + 1)};
}

void write_cot_sft(const ArithmeticSftData& d, const std::string& style, const std::string& out_dir) {
  check_style(style);
  auto jsonl = [&](const std::vector<ArithmeticProblem>& ps, uint64_t v0) {
    std::string s;
    for (size_t i = 0; i < ps.size(); ++i) s += cot_sft_json(ps[i], v0 + i, style) + "\n";
    return s;
  };
  io::OutputDir out(out_dir);
  io::write_text_atomic(out_dir + "/train.jsonl", jsonl(d.train, 0));
  io::write_text_atomic(out_dir + "/test.jsonl", jsonl(d.test, 1));
}

}  // namespace lmf::augment
