// The exact calculator: hand-written precedence, associativity and formatting cases; errors
// with their kinds, positions and messages; the limits (refused without hanging); and
// thousands of random expressions against GMP's own arithmetic (mpq/mpz calls on the
// expression tree, here) and against Python's integers and fractions
// (tests/reference/calculator.py, its own parser of the same grammar).
#include "tools/calculator.h"

#include <gmp.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/oracle.h"

using namespace lmf::tools;
using nlohmann::json;

namespace {

std::string value_of(const std::string& e, const CalcLimits& limits = {}) {
  const Calculation c = calculate(e, limits);
  EXPECT_TRUE(c.ok()) << e << ": " << c.message;
  return c.value;
}

void expect_error(const std::string& e, CalcError kind, std::size_t position, const CalcLimits& limits = {}) {
  const Calculation c = calculate(e, limits);
  EXPECT_EQ(c.error, kind) << e << ": " << (c.ok() ? "= " + c.value : c.message);
  EXPECT_EQ(c.position, position) << e << ": " << c.message;
  EXPECT_TRUE(c.value.empty()) << e;
  if (kind != CalcError::empty) {
    EXPECT_NE(c.message.find("at position " + std::to_string(position)), std::string::npos) << c.message;
  }
}

}  // namespace

TEST(CalculatorCases, PrecedenceAndAssociativity) {
  EXPECT_EQ(value_of("-2^2"), "-4");
  EXPECT_EQ(value_of("(-2)^2"), "4");
  EXPECT_EQ(value_of("2^-1"), "1/2");
  EXPECT_EQ(value_of("-2^-2"), "-1/4");
  EXPECT_EQ(value_of("(1/3)*3"), "1");
  EXPECT_EQ(value_of("2^3^2"), "512");
  EXPECT_EQ(value_of("(2^3)^2"), "64");
  EXPECT_EQ(value_of("2^-3^2"), "1/512");  // 2^(-(3^2))
  EXPECT_EQ(value_of("7/-14"), "-1/2");
  EXPECT_EQ(value_of("2*3+4"), "10");
  EXPECT_EQ(value_of("2+3*4"), "14");
  EXPECT_EQ(value_of("10-4-3"), "3");
  EXPECT_EQ(value_of("64/4/2"), "8");
  EXPECT_EQ(value_of("1-2*3^2"), "-17");
  EXPECT_EQ(value_of("--3"), "3");
  EXPECT_EQ(value_of("2*-3"), "-6");
  EXPECT_EQ(value_of("1--1"), "2");
  EXPECT_EQ(value_of("1234+4321"), "5555");
  EXPECT_EQ(value_of(" 1 +\t2\n*\r3 "), "7");
}

TEST(CalculatorCases, ExactValuesAndFormat) {
  EXPECT_EQ(value_of("2^64"), "18446744073709551616");
  EXPECT_EQ(value_of("-(2^64)+1"), "-18446744073709551615");
  EXPECT_EQ(value_of("(2^64-1)/3"), "6148914691236517205");
  EXPECT_EQ(value_of("6/4"), "3/2");
  EXPECT_EQ(value_of("-6/4"), "-3/2");
  EXPECT_EQ(value_of("6/-4"), "-3/2");
  EXPECT_EQ(value_of("-6/-4"), "3/2");
  EXPECT_EQ(value_of("(1/2)^-3"), "8");
  EXPECT_EQ(value_of("(-2/3)^3"), "-8/27");
  EXPECT_EQ(value_of("0^0"), "1");
  EXPECT_EQ(value_of("0^5"), "0");
  EXPECT_EQ(value_of("-0"), "0");
  EXPECT_EQ(value_of("007"), "7");
  EXPECT_EQ(value_of("(-1)^100000000000000000000001"), "-1");
  EXPECT_EQ(value_of("1^-100000000000000000000000"), "1");
  // Decimals are read exactly as rationals.
  EXPECT_EQ(value_of("1.5+1"), "5/2");
  EXPECT_EQ(value_of("0.1*10"), "1");
  EXPECT_EQ(value_of("1.50"), "3/2");
  EXPECT_EQ(value_of("0.125^-1"), "8");
  EXPECT_EQ(value_of("2^2.0"), "4");  // an integer written with decimals is an integer exponent
}

TEST(CalculatorCases, SyntaxErrorsNamePositions) {
  expect_error("", CalcError::empty, 1);
  expect_error(" \t ", CalcError::empty, 1);
  expect_error("1+", CalcError::missing_operand, 3);
  expect_error("*2", CalcError::missing_operand, 1);
  expect_error("()", CalcError::missing_operand, 2);
  expect_error("1+*2", CalcError::missing_operand, 3);
  expect_error("(-)", CalcError::missing_operand, 3);
  expect_error("2^", CalcError::missing_operand, 3);
  expect_error("+1", CalcError::missing_operand, 1);  // no unary plus
  expect_error("(1+2", CalcError::unbalanced_parentheses, 1);
  expect_error("1+2)", CalcError::unbalanced_parentheses, 4);
  expect_error("((1)", CalcError::unbalanced_parentheses, 1);
  expect_error("(1+(2", CalcError::unbalanced_parentheses, 4);  // the innermost unclosed '('
  expect_error(")(", CalcError::unbalanced_parentheses, 1);
  expect_error("2 3", CalcError::missing_operator, 3);
  expect_error("2(3)", CalcError::missing_operator, 2);
  expect_error("(1)(2)", CalcError::missing_operator, 4);
  expect_error("(1 2)", CalcError::missing_operator, 4);
  expect_error("1 + a", CalcError::unexpected_character, 5);
  expect_error("2**3", CalcError::missing_operand, 3);
  expect_error("1,000", CalcError::unexpected_character, 2);
  expect_error("1\xc3\x97" "2", CalcError::unexpected_character, 2);  // U+00D7 MULTIPLICATION SIGN
  expect_error("1.", CalcError::malformed_number, 2);
  expect_error(".5", CalcError::malformed_number, 1);
  expect_error("1.2.3", CalcError::malformed_number, 4);
  expect_error("1e5", CalcError::unexpected_character, 2);
  expect_error(std::string("1+\0", 3), CalcError::unexpected_character, 3);
}

TEST(CalculatorCases, ArithmeticErrorsNamePositions) {
  expect_error("1/0", CalcError::division_by_zero, 2);
  expect_error("1 + 2/(3-3)", CalcError::division_by_zero, 6);
  expect_error("0^-1", CalcError::division_by_zero, 2);
  expect_error("(1-1)^-2", CalcError::division_by_zero, 6);
  expect_error("4^(1/2)", CalcError::non_integer_exponent, 2);
  expect_error("2^0.5", CalcError::non_integer_exponent, 2);
  // The first problem in evaluation order: the left operand is evaluated first.
  expect_error("(1/0)^(1/2)", CalcError::division_by_zero, 3);
  expect_error("2^(1/2) + 1/0", CalcError::non_integer_exponent, 2);
  // Any syntax error wins over arithmetic.
  expect_error("1/0 + (", CalcError::unbalanced_parentheses, 7);
  expect_error("1/0 +", CalcError::missing_operand, 6);
  expect_error("1/0 + x", CalcError::unexpected_character, 7);
}

TEST(CalculatorCases, MessagesSayWhatAndWhere) {
  EXPECT_EQ(calculate("1/0").message, "division by zero at position 2");
  EXPECT_EQ(calculate("4^(1/2)").message, "non-integer exponent at position 2: 1/2");
  EXPECT_EQ(calculate("1 + a").message, "unexpected character at position 5: 'a'");
  EXPECT_EQ(calculate("1\xc3\x97" "2").message, "unexpected character at position 2: byte 0xC3");
  EXPECT_EQ(calculate("1+").message, "missing operand at position 3: found the end of the expression");
  EXPECT_EQ(calculate("2 3").message, "missing operator at position 3: found '3'");
  EXPECT_EQ(calculate("(1+2").message, "unbalanced parentheses at position 1: '(' is never closed");
  EXPECT_EQ(calculate("1)").message, "unbalanced parentheses at position 2: ')' has no matching '('");
  EXPECT_EQ(calculate("").message, "empty expression");
  EXPECT_EQ(calculate("2^100000").message, "result too large at position 2: more than 100000 bits");
}

// Computing any of these would take minutes and gigabytes: a refusal that came after
// computing would run into the test's timeout instead of passing.
TEST(CalculatorLimits, HugePowersAreRefusedBeforeComputing) {
  expect_error("10^10^10", CalcError::too_large, 3);
  expect_error("2^99999999", CalcError::too_large, 2);
  expect_error("(-3)^-99999999", CalcError::too_large, 5);
  expect_error("(1/3)^99999999", CalcError::too_large, 6);
  expect_error("7^100000000000000000000000000000", CalcError::too_large, 2);
  expect_error("10^10^10^10^10", CalcError::too_large, 9);  // 10^(10^10) on the way is refused
}

TEST(CalculatorLimits, SizeLimitIsExact) {
  // 100,000 bits: 2^99999 has exactly 100000 bits, 2^100000 one more.
  EXPECT_EQ(value_of("2^99999").size(), 30103u);  // floor(99999 log10 2) + 1 digits
  expect_error("2^100000", CalcError::too_large, 2);
  expect_error("(1/2)^100000", CalcError::too_large, 6);
  // 3^63092 has 99999 bits and 3^63093 100001: the second is computed, then refused.
  EXPECT_EQ(value_of("3^63092").size(), 30103u);  // floor(63092 log10 3) + 1
  expect_error("3^63093", CalcError::too_large, 2);
  expect_error("2^99999*2", CalcError::too_large, 8);
  expect_error("2^99999+2^99999", CalcError::too_large, 8);
  EXPECT_EQ(value_of("2^99999-2^99999"), "0");
  // A smaller limit applies to literals too.
  const CalcLimits small{.max_bits = 64};
  EXPECT_EQ(value_of("2^63", small), "9223372036854775808");
  EXPECT_EQ(value_of("18446744073709551615", small), "18446744073709551615");
  expect_error("2^64", CalcError::too_large, 2, small);
  expect_error("1 + 18446744073709551616", CalcError::too_large, 5, small);
  expect_error("2^62*4", CalcError::too_large, 5, small);
  expect_error("1/18446744073709551616", CalcError::too_large, 3, small);
}

TEST(CalculatorLimits, NestingAndLength) {
  const std::string ok = std::string(256, '(') + "1" + std::string(256, ')');
  EXPECT_EQ(value_of(ok), "1");
  expect_error(std::string(257, '(') + "1" + std::string(257, ')'), CalcError::too_deep, 257);
  expect_error(std::string(4000, '(') + "1" + std::string(4000, ')'), CalcError::too_deep, 257);
  EXPECT_EQ(value_of(std::string(256, '-') + "1"), "1");
  expect_error(std::string(9000, '-') + "1", CalcError::too_deep, 257);
  std::string tower;
  for (int i = 0; i < 300; ++i) tower += "1^";
  expect_error(tower + "1", CalcError::too_deep, 2 * 257);
  // Long flat chains are loops, not recursion.
  std::string chain = "1";
  for (int i = 0; i < 4999; ++i) chain += "+1";
  EXPECT_EQ(value_of(chain), "5000");
  expect_error(std::string(10001, '1'), CalcError::too_long, 10001);
  EXPECT_EQ(value_of(std::string(10000, '9')).size(), 10000u);
}

// ---------------------------------------------------------------------------------------
// Random expressions: a tree, written out with the fewest parentheses the grammar needs
// (plus some redundant ones and random whitespace), evaluated directly with GMP.

namespace {

struct Node {
  enum Op { num, neg, add, sub, mul, div, pow } op;
  std::string text;  // num
  std::unique_ptr<Node> a, b;
};
using NodeP = std::unique_ptr<Node>;

NodeP leaf(std::string t) { return NodeP(new Node{Node::num, std::move(t), nullptr, nullptr}); }
NodeP unary(NodeP a) { return NodeP(new Node{Node::neg, "", std::move(a), nullptr}); }
NodeP binary(Node::Op op, NodeP a, NodeP b) { return NodeP(new Node{op, "", std::move(a), std::move(b)}); }

struct Gen {
  std::mt19937_64 rng;
  int pick(int n) { return int(rng() % unsigned(n)); }

  std::string digits(int n) {
    std::string s(1, char('1' + pick(9)));
    while (int(s.size()) < n) s += char('0' + pick(10));
    return s;
  }
  std::string number() {
    switch (pick(10)) {
      case 0: return "0";
      case 1: case 2: case 3: return std::to_string(pick(20));
      case 4: case 5: return digits(1 + pick(19));
      case 6: return digits(20 + pick(300));  // huge
      case 7: return digits(1 + pick(4)) + "." + std::to_string(pick(1000));  // decimal
      default: return std::to_string(1 + pick(1000));
    }
  }
  NodeP exponent() {
    switch (pick(8)) {
      case 0: return unary(leaf(std::to_string(pick(6))));
      case 1: return tree(1);  // anything small: may be non-integer, negative or too large
      default: return leaf(std::to_string(pick(6)));
    }
  }
  NodeP tree(int depth) {
    if (depth == 0 || pick(4) == 0) return leaf(number());
    switch (pick(7)) {
      case 0: return unary(tree(depth - 1));
      case 1: return binary(Node::add, tree(depth - 1), tree(depth - 1));
      case 2: return binary(Node::sub, tree(depth - 1), tree(depth - 1));
      case 3: return binary(Node::mul, tree(depth - 1), tree(depth - 1));
      case 4: return binary(Node::div, tree(depth - 1), tree(depth - 1));
      default: return binary(Node::pow, tree(depth - 1), exponent());
    }
  }

  // Binding strength: + - 1, * / 2, unary minus 3, ^ 4, a number 5.
  static int level(const Node& n) {
    switch (n.op) {
      case Node::add: case Node::sub: return 1;
      case Node::mul: case Node::div: return 2;
      case Node::neg: return 3;
      case Node::pow: return 4;
      default: return 5;
    }
  }
  std::string space() { return pick(4) == 0 ? std::string(1 + pick(2), " \t\n"[pick(3)]) : ""; }
  std::string wrap(const Node& n, bool need) {
    std::string s = write(n);
    if (!need && pick(12) != 0) return s;
    std::string out(1, '(');
    out += space();
    out += s;
    out += space();
    out += ')';
    return out;
  }
  // Parts written left to right (the random draws in a fixed order).
  std::string write(const Node& n) {
    static const char* sym = "  +-*/^";
    if (n.op == Node::num) return n.text;
    std::string out;
    if (n.op == Node::neg) {
      out += '-';
      out += space();
      out += wrap(*n.a, level(*n.a) < 3);
      return out;
    }
    const int l = level(n);
    out += wrap(*n.a, n.op == Node::pow ? level(*n.a) < 5 : level(*n.a) < l);
    out += space();
    out += sym[n.op];
    out += space();
    out += wrap(*n.b, n.op == Node::pow ? level(*n.b) < 3 : level(*n.b) <= l);
    return out;
  }
};

struct Mpq {
  mpq_t v;
  Mpq() { mpq_init(v); }
  ~Mpq() { mpq_clear(v); }
  Mpq(const Mpq&) = delete;
};

std::string mpq_string(const mpq_t q) {
  std::unique_ptr<char, void (*)(void*)> s(mpq_get_str(nullptr, 10, q), [](void* p) {
    void (*free_fn)(void*, size_t);
    mp_get_memory_functions(nullptr, nullptr, &free_fn);
    free_fn(p, std::strlen(static_cast<char*>(p)) + 1);
  });
  return s.get();
}

// The tree's value with GMP's operations, or the kind of the first error met (left
// operand first). Powers too large are recognised from log2 |x| without computing them.
std::optional<CalcError> gmp_eval(const Node& n, mpq_t out, std::size_t max_bits) {
  auto too_big = [&](const mpq_t q) {
    return mpz_sizeinbase(mpq_numref(q), 2) > max_bits || mpz_sizeinbase(mpq_denref(q), 2) > max_bits;
  };
  if (n.op == Node::num) {
    std::string t = n.text;
    const auto dot = t.find('.');
    if (dot != std::string::npos) {
      const std::size_t decimals = t.size() - dot - 1;
      t.erase(dot, 1);
      t += "/1" + std::string(decimals, '0');
    }
    mpq_set_str(out, t.c_str(), 10);
    mpq_canonicalize(out);
    if (too_big(out)) return CalcError::too_large;
    return std::nullopt;
  }
  if (auto e = gmp_eval(*n.a, out, max_bits)) return e;
  if (n.op == Node::neg) {
    mpq_neg(out, out);
    return std::nullopt;
  }
  Mpq r;
  if (auto e = gmp_eval(*n.b, r.v, max_bits)) return e;
  switch (n.op) {
    case Node::add: mpq_add(out, out, r.v); break;
    case Node::sub: mpq_sub(out, out, r.v); break;
    case Node::mul: mpq_mul(out, out, r.v); break;
    case Node::div:
      if (mpq_sgn(r.v) == 0) return CalcError::division_by_zero;
      mpq_div(out, out, r.v);
      break;
    default: {
      if (mpz_cmp_ui(mpq_denref(r.v), 1) != 0) return CalcError::non_integer_exponent;
      const int esign = mpz_sgn(mpq_numref(r.v));
      if (mpq_sgn(out) == 0) {
        if (esign < 0) return CalcError::division_by_zero;
        mpq_set_ui(out, esign == 0 ? 1 : 0, 1);
        break;
      }
      if (mpz_cmpabs_ui(mpq_numref(out), 1) == 0 && mpz_cmp_ui(mpq_denref(out), 1) == 0) {  // (+-1)^n
        if (mpz_even_p(mpq_numref(r.v))) mpq_set_ui(out, 1, 1);
        break;
      }
      // log2 of the power's numerator and denominator: |n| * log2|x|.
      const double e = std::abs(mpz_get_d(mpq_numref(r.v)));
      for (mpz_ptr x : {mpq_numref(out), mpq_denref(out)}) {
        long exp2 = 0;
        const double mant = std::abs(mpz_get_d_2exp(&exp2, x));
        const double lg = double(exp2) + std::log2(mant);  // log2 |x|
        if (lg > 0 && e * lg > double(max_bits) + 2) return CalcError::too_large;
      }
      const unsigned long ue = static_cast<unsigned long>(e);
      Mpq p;
      mpz_pow_ui(mpq_numref(p.v), mpq_numref(out), ue);
      mpz_pow_ui(mpq_denref(p.v), mpq_denref(out), ue);
      if (esign < 0) mpq_inv(p.v, p.v);
      mpq_set(out, p.v);
    }
  }
  if (too_big(out)) return CalcError::too_large;
  return std::nullopt;
}

}  // namespace

TEST(CalculatorRandom, EqualsGmpOnRandomExpressions) {
  Gen g{std::mt19937_64(19)};
  int values = 0, errors = 0, too_large = 0;
  for (int i = 0; i < 4000; ++i) {
    const NodeP t = g.tree(1 + g.pick(5));
    const std::string text = g.space() + g.write(*t) + g.space();
    const std::size_t max_bits = i % 2 ? 100000 : 4000;
    Mpq want;
    const std::optional<CalcError> want_error = gmp_eval(*t, want.v, max_bits);
    const Calculation got = calculate(text, CalcLimits{.max_bits = max_bits});
    if (want_error) {
      ++errors;
      too_large += *want_error == CalcError::too_large;
      EXPECT_EQ(got.error, *want_error) << text << "\n" << got.message;
    } else {
      ++values;
      ASSERT_TRUE(got.ok()) << text << "\n" << got.message;
      EXPECT_EQ(got.value, mpq_string(want.v)) << text;
    }
  }
  // The generator reaches every path it is meant to.
  EXPECT_GT(values, 2500);
  EXPECT_GT(errors, 100);
  EXPECT_GT(too_large, 10);
}

TEST(CalculatorRandom, EqualsPythonFractions) {
  Gen g{std::mt19937_64(4321)};
  std::vector<std::pair<std::string, std::size_t>> cases;
  for (int i = 0; i < 3000; ++i) {
    std::string text = g.space() + g.write(*g.tree(1 + g.pick(5))) + g.space();
    if (i % 3 == 0 && !text.empty()) {  // malformed: a character dropped, or one inserted
      const std::size_t at = std::size_t(g.pick(int(text.size())));
      if (g.pick(2))
        text.erase(at, 1);
      else
        text.insert(at, 1, "()+-*/^. x9"[g.pick(11)]);
    }
    cases.push_back({text, i % 2 ? 100000 : 4000});
  }
  const std::string dir = lmf::test::temp_dir();
  {
    std::ofstream in(dir + "/in.jsonl");
    for (auto& [text, bits] : cases) in << json{{"expression", text}, {"max_bits", bits}}.dump() << "\n";
  }
  std::string out;
  ASSERT_EQ(lmf::test::run_command("/usr/bin/python3 " + lmf::test::source_path("tests/reference/calculator.py") +
                                       " < " + dir + "/in.jsonl",
                                   &out),
            0);
  std::istringstream lines(out);
  std::string line;
  std::size_t i = 0;
  int values = 0, syntax = 0;
  for (; std::getline(lines, line) && i < cases.size(); ++i) {
    const json want = json::parse(line);
    const auto& [text, bits] = cases[i];
    const Calculation got = calculate(text, CalcLimits{.max_bits = bits});
    if (want.contains("value")) {
      ++values;
      ASSERT_TRUE(got.ok()) << text << "\n" << got.message;
      EXPECT_EQ(got.value, want["value"].get<std::string>()) << text;
    } else {
      syntax += got.error != CalcError::division_by_zero && got.error != CalcError::non_integer_exponent &&
                got.error != CalcError::too_large;
      EXPECT_EQ(std::string(calc_error_name(got.error)), want["error"].get<std::string>()) << text << "\n" << got.message;
      EXPECT_EQ(got.position, want["position"].get<std::size_t>()) << text << "\n" << got.message;
    }
  }
  EXPECT_EQ(i, cases.size());
  EXPECT_GT(values, 1500);
  EXPECT_GT(syntax, 300);
}
