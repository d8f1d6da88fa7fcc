// The exact calculator (calculator.h): a lexer, a parenthesis check, then one recursive-
// descent parser run twice — first to check the grammar alone, then to evaluate on GMP
// rationals — so a syntax error anywhere wins over an arithmetic error before it, and the
// recursion is bounded by the nesting limit (chains of + - * / are loops).
#include "tools/calculator.h"

#include <gmp.h>

#include <cstdio>
#include <optional>
#include <vector>

namespace lmf::tools {

const char* calc_error_name(CalcError e) {
  switch (e) {
    case CalcError::none: return "none";
    case CalcError::too_long: return "expression too long";
    case CalcError::unexpected_character: return "unexpected character";
    case CalcError::malformed_number: return "malformed number";
    case CalcError::unbalanced_parentheses: return "unbalanced parentheses";
    case CalcError::empty: return "empty expression";
    case CalcError::missing_operand: return "missing operand";
    case CalcError::missing_operator: return "missing operator";
    case CalcError::too_deep: return "nesting too deep";
    case CalcError::division_by_zero: return "division by zero";
    case CalcError::non_integer_exponent: return "non-integer exponent";
    case CalcError::too_large: return "result too large";
  }
  return "error";
}

namespace {

// An mpq_t that owns its limbs; moved, never copied.
struct Q {
  mpq_t v;
  Q() { mpq_init(v); }
  Q(Q&& o) noexcept {
    mpq_init(v);
    mpq_swap(v, o.v);
  }
  Q& operator=(Q&& o) noexcept {
    mpq_swap(v, o.v);
    return *this;
  }
  Q(const Q&) = delete;
  ~Q() { mpq_clear(v); }
};

std::size_t bits(mpz_srcptr z) { return mpz_sizeinbase(z, 2); }

// "-1/2", "12": GMP's own formatting of a canonical rational.
std::string to_string(mpq_srcptr q) {
  char* s = mpq_get_str(nullptr, 10, q);
  std::string out(s);
  void (*free_fn)(void*, std::size_t);
  mp_get_memory_functions(nullptr, nullptr, &free_fn);
  free_fn(s, out.size() + 1);
  return out;
}

enum class Tok { number, plus, minus, star, slash, caret, lparen, rparen, end };

struct Token {
  Tok kind;
  std::size_t pos;         // 1-based
  std::string_view text;   // the number's characters
};

// Thrown inside this file only; calculate() turns it into a Calculation.
struct Fail {
  CalcError kind;
  std::size_t pos;
  std::string detail;  // appended after ": " when not empty
};

std::string show_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02X", u);
  return buf;
}

std::string show_token(const Token& t) {
  switch (t.kind) {
    case Tok::number: return "'" + std::string(t.text) + "'";
    case Tok::plus: return "'+'";
    case Tok::minus: return "'-'";
    case Tok::star: return "'*'";
    case Tok::slash: return "'/'";
    case Tok::caret: return "'^'";
    case Tok::lparen: return "'('";
    case Tok::rparen: return "')'";
    case Tok::end: return "the end of the expression";
  }
  return "?";
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::vector<Token> lex(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (is_space(c)) {
      ++i;
      continue;
    }
    if (is_digit(c)) {
      const std::size_t start = i;
      while (i < s.size() && is_digit(s[i])) ++i;
      if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
        ++i;
        while (i < s.size() && is_digit(s[i])) ++i;
      }
      out.push_back({Tok::number, start + 1, s.substr(start, i - start)});
      continue;
    }
    Tok k;
    switch (c) {
      case '+': k = Tok::plus; break;
      case '-': k = Tok::minus; break;
      case '*': k = Tok::star; break;
      case '/': k = Tok::slash; break;
      case '^': k = Tok::caret; break;
      case '(': k = Tok::lparen; break;
      case ')': k = Tok::rparen; break;
      case '.': throw Fail{CalcError::malformed_number, i + 1, "a '.' needs digits on both sides"};
      default: throw Fail{CalcError::unexpected_character, i + 1, show_char(c)};
    }
    out.push_back({k, i + 1, {}});
    ++i;
  }
  out.push_back({Tok::end, s.size() + 1, {}});
  return out;
}

void check_parentheses(const std::vector<Token>& toks) {
  std::vector<std::size_t> open;
  for (const Token& t : toks) {
    if (t.kind == Tok::lparen) open.push_back(t.pos);
    if (t.kind == Tok::rparen) {
      if (open.empty()) throw Fail{CalcError::unbalanced_parentheses, t.pos, "')' has no matching '('"};
      open.pop_back();
    }
  }
  if (!open.empty()) throw Fail{CalcError::unbalanced_parentheses, open.back(), "'(' is never closed"};
}

class Parser {
 public:
  Parser(const std::vector<Token>& toks, const CalcLimits& limits, bool evaluate)
      : toks_(toks), limits_(limits), eval_(evaluate) {}

  Q run() {
    Q v = expression(0);
    if (peek().kind != Tok::end) missing_operator();
    return v;
  }

 private:
  const Token& peek() const { return toks_[i_]; }
  const Token& next() { return toks_[i_++]; }

  [[noreturn]] void missing_operator() const {
    throw Fail{CalcError::missing_operator, peek().pos, "found " + show_token(peek())};
  }

  void deeper(int depth, const Token& at) const {
    if (depth > limits_.max_depth)
      throw Fail{CalcError::too_deep, at.pos, "more than " + std::to_string(limits_.max_depth) + " levels"};
  }

  void check_size(const Q& q, std::size_t pos) const {
    if (bits(mpq_numref(q.v)) > limits_.max_bits || bits(mpq_denref(q.v)) > limits_.max_bits)
      throw Fail{CalcError::too_large, pos, "more than " + std::to_string(limits_.max_bits) + " bits"};
  }

  Q expression(int depth) {
    Q acc = term(depth);
    while (peek().kind == Tok::plus || peek().kind == Tok::minus) {
      const Token& op = next();
      Q rhs = term(depth);
      if (!eval_) continue;
      if (op.kind == Tok::plus)
        mpq_add(acc.v, acc.v, rhs.v);
      else
        mpq_sub(acc.v, acc.v, rhs.v);
      check_size(acc, op.pos);
    }
    return acc;
  }

  Q term(int depth) {
    Q acc = unary(depth);
    while (peek().kind == Tok::star || peek().kind == Tok::slash) {
      const Token& op = next();
      Q rhs = unary(depth);
      if (!eval_) continue;
      if (op.kind == Tok::star) {
        mpq_mul(acc.v, acc.v, rhs.v);
      } else {
        if (mpq_sgn(rhs.v) == 0) throw Fail{CalcError::division_by_zero, op.pos, ""};
        mpq_div(acc.v, acc.v, rhs.v);
      }
      check_size(acc, op.pos);
    }
    return acc;
  }

  Q unary(int depth) {
    if (peek().kind != Tok::minus) return power(depth);
    const Token& op = next();
    deeper(depth + 1, op);
    Q v = unary(depth + 1);
    if (eval_) mpq_neg(v.v, v.v);
    return v;
  }

  Q power(int depth) {
    Q base = primary(depth);
    if (peek().kind != Tok::caret) return base;
    const Token& op = next();
    deeper(depth + 1, op);
    Q exp = unary(depth + 1);
    if (eval_) raise(base, exp, op.pos);
    return base;
  }

  Q primary(int depth) {
    const Token& t = peek();
    if (t.kind == Tok::number) {
      ++i_;
      Q v;
      if (eval_) literal(t, v);
      return v;
    }
    if (t.kind == Tok::lparen) {
      ++i_;
      deeper(depth + 1, t);
      Q v = expression(depth + 1);
      if (peek().kind != Tok::rparen) missing_operator();  // balanced: only a number or '(' can stand here
      ++i_;
      return v;
    }
    throw Fail{CalcError::missing_operand, t.pos, "found " + show_token(t)};
  }

  void literal(const Token& t, Q& v) const {
    std::string digits;
    digits.reserve(t.text.size());
    std::size_t decimals = 0;
    bool after_point = false;
    for (char c : t.text) {
      if (c == '.') {
        after_point = true;
        continue;
      }
      digits += c;
      decimals += after_point;
    }
    mpz_set_str(mpq_numref(v.v), digits.c_str(), 10);
    mpz_ui_pow_ui(mpq_denref(v.v), 10, decimals);
    mpq_canonicalize(v.v);
    check_size(v, t.pos);
  }

  // base = base ^ exp, refusing before computing a power whose size is certain to exceed the limit.
  void raise(Q& base, const Q& exp, std::size_t pos) const {
    if (mpz_cmp_ui(mpq_denref(exp.v), 1) != 0) {
      throw Fail{CalcError::non_integer_exponent, pos, to_string(exp.v)};
    }
    const mpz_srcptr e = mpq_numref(exp.v);
    const int esign = mpz_sgn(e);
    mpz_ptr num = mpq_numref(base.v);
    mpz_ptr den = mpq_denref(base.v);
    if (mpz_sgn(num) == 0) {
      if (esign < 0) throw Fail{CalcError::division_by_zero, pos, "0 to a negative power"};
      if (esign == 0) mpq_set_ui(base.v, 1, 1);
      return;
    }
    if (mpz_cmpabs_ui(num, 1) == 0 && mpz_cmp_ui(den, 1) == 0) {  // 1 or -1
      if (mpz_even_p(e)) mpq_set_ui(base.v, 1, 1);
      return;
    }
    // |base| != 0, 1: some part x has |x| >= 2, and |x|^n has at least (bits(x) - 1) * n + 1 bits.
    const std::size_t most = limits_.max_bits;
    const std::string too_big = "more than " + std::to_string(most) + " bits";
    if (bits(e) > 62) throw Fail{CalcError::too_large, pos, too_big};
    mpz_t absn;
    mpz_init(absn);
    mpz_abs(absn, e);
    const unsigned long n = mpz_get_ui(absn);
    mpz_clear(absn);
    for (mpz_srcptr x : {static_cast<mpz_srcptr>(num), static_cast<mpz_srcptr>(den)}) {
      const std::size_t b = bits(x);
      if (b >= 2 && n > 0 && (b - 1) > (most - 1) / n) throw Fail{CalcError::too_large, pos, too_big};
    }
    mpz_pow_ui(num, num, n);
    mpz_pow_ui(den, den, n);  // still coprime, den > 0
    if (esign < 0) mpq_inv(base.v, base.v);
    check_size(base, pos);
  }

  const std::vector<Token>& toks_;
  const CalcLimits& limits_;
  const bool eval_;
  std::size_t i_ = 0;
};

}  // namespace

Calculation calculate(std::string_view expression, const CalcLimits& limits) {
  Calculation c;
  try {
    if (expression.size() > limits.max_length)
      throw Fail{CalcError::too_long, limits.max_length + 1,
                 "at most " + std::to_string(limits.max_length) + " bytes, got " + std::to_string(expression.size())};
    const std::vector<Token> toks = lex(expression);
    check_parentheses(toks);
    if (toks.size() == 1) throw Fail{CalcError::empty, 1, ""};
    Parser(toks, limits, false).run();
    c.value = to_string(Parser(toks, limits, true).run().v);
  } catch (const Fail& f) {
    c.error = f.kind;
    c.position = f.pos;
    c.message = f.kind == CalcError::empty ? "empty expression"
                                           : std::string(calc_error_name(f.kind)) + " at position " + std::to_string(f.pos);
    if (!f.detail.empty()) c.message += ": " + f.detail;
  }
  return c;
}

}  // namespace lmf::tools
