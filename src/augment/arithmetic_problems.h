// Arithmetic problems for the tool-use and chain-of-thought training data (`lmforge data
// tool-sft`, `data cot-sft`): two non-negative integers and an operation, with the exact
// result, drawn from a seed, and split into training and held-out problems by a rule that
// does not depend on the seed.
//
//   operands   each with a number of digits drawn uniformly in [min_digits, max_digits]
//              (no leading zero; 1 to 18 digits), then its digits uniformly
//   operation  drawn uniformly from `ops` ('+', '-', '*'); a − b may be negative
//   held out   fnv1a64(expression()) % 10 == 0 (FNV-1a, 64 bits, of "A + B", "A - B" or
//              "A * B"): about one problem in ten. Training data never holds such a
//              problem and test data holds only such problems, for every seed, so no
//              training run ever saw a test problem.
//
// Deterministic in the seed; draw_problems gives distinct problems.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lmf::augment {

struct ArithmeticProblem {
  uint64_t a = 0, b = 0;
  char op = '+';       // '+', '-' or '*'
  std::string result;  // exact, in decimal ("-12")

  std::string expression() const;  // "A op B", ASCII operators: what the calculator reads
  bool held_out() const;
};

struct ProblemOptions {
  int min_digits = 4, max_digits = 8;
  std::string ops = "+-*";
};

// Error naming the field for digits outside [1, 18], min > max, or ops empty or holding
// anything but '+', '-', '*'.
void check_problem_options(const ProblemOptions& o);

// `v` in decimal (the results of 18-digit operands do not fit 64 bits).
std::string decimal(unsigned __int128 v);

// The problem of two operands and an operation, result computed exactly.
ArithmeticProblem make_problem(uint64_t a, char op, uint64_t b);

// `n` distinct problems of one split (held_out true: only held-out problems, false: none),
// drawn from `seed`. Error when the ranges cannot give n distinct problems of the split.
std::vector<ArithmeticProblem> draw_problems(int64_t n, bool held_out, const ProblemOptions& o, uint64_t seed);

// The question a user asks: one of a few phrasings ("What is A + B?", "Calculate A * B.",
// "A - B = ?"), chosen by `variant` (any integer, taken modulo the number of phrasings).
std::string problem_question(const ArithmeticProblem& p, uint64_t variant);

}  // namespace lmf::augment
