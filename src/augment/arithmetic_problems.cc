#include "augment/arithmetic_problems.h"

#include <set>

#include "core/error.h"
#include "core/random.h"

namespace lmf::augment {
namespace {

uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t draw_operand(SplitMix64& rng, const ProblemOptions& o) {
  const int digits = o.min_digits + int(rng.below(o.max_digits - o.min_digits + 1));
  uint64_t v = 1 + uint64_t(rng.below(9));
  for (int i = 1; i < digits; ++i) v = v * 10 + uint64_t(rng.below(10));
  return v;
}

}  // namespace

std::string decimal(unsigned __int128 v) {
  if (v == 0) return "0";
  std::string s;
  for (; v > 0; v /= 10) s.insert(s.begin(), char('0' + int(v % 10)));
  return s;
}

std::string ArithmeticProblem::expression() const {
  return std::to_string(a) + " " + op + " " + std::to_string(b);
}

bool ArithmeticProblem::held_out() const { return fnv1a64(expression()) % 10 == 0; }

void check_problem_options(const ProblemOptions& o) {
  if (o.min_digits < 1 || o.min_digits > 18) throw Error("min digits must be in [1, 18], got " + std::to_string(o.min_digits));
  if (o.max_digits < 1 || o.max_digits > 18) throw Error("max digits must be in [1, 18], got " + std::to_string(o.max_digits));
  if (o.min_digits > o.max_digits)
    throw Error("min digits (" + std::to_string(o.min_digits) + ") exceeds max digits (" + std::to_string(o.max_digits) + ")");
  if (o.ops.empty()) throw Error("ops: no operation given (any of + - *)");
  for (char c : o.ops)
    if (c != '+' && c != '-' && c != '*') throw Error(std::string("ops: unknown operation '") + c + "' (any of + - *)");
}

ArithmeticProblem make_problem(uint64_t a, char op, uint64_t b) {
  ArithmeticProblem p{a, b, op, ""};
  if (op == '+') p.result = decimal((unsigned __int128)a + b);
  else if (op == '-') p.result = a >= b ? std::to_string(a - b) : "-" + std::to_string(b - a);
  else if (op == '*') p.result = decimal((unsigned __int128)a * b);
  else throw Error(std::string("unknown operation '") + op + "'");
  return p;
}

std::vector<ArithmeticProblem> draw_problems(int64_t n, bool held_out, const ProblemOptions& o, uint64_t seed) {
  check_problem_options(o);
  SplitMix64 rng{seed};
  std::set<std::string> seen;
  std::vector<ArithmeticProblem> out;
  // A held-out problem is one draw in ten: 200 draws per wanted problem leave room.
  for (int64_t tries = 0; int64_t(out.size()) < n; ++tries) {
    if (tries > 200 * n + 1000)
      throw Error("cannot draw " + std::to_string(n) + " distinct " + (held_out ? "held-out" : "training") +
                  " problems of " + std::to_string(o.min_digits) + " to " + std::to_string(o.max_digits) + " digits");
    const uint64_t a = draw_operand(rng, o);
    const char op = o.ops[size_t(rng.below(int64_t(o.ops.size())))];
    const uint64_t b = draw_operand(rng, o);
    ArithmeticProblem p = make_problem(a, op, b);
    if (p.held_out() != held_out || !seen.insert(p.expression()).second) continue;
    out.push_back(std::move(p));
  }
  return out;
}

std::string problem_question(const ArithmeticProblem& p, uint64_t variant) {
  const std::string e = p.expression();
  switch (variant % 3) {
    case 0: return "What is " + e + "?";
    case 1: return "Calculate " + e + ".";
    default: return e + " = ?";
  }
}

}  // namespace lmf::augment
