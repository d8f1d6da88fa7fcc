// The exact calculator: an arithmetic expression in, its exact value out, as the
// `calculator` tool gives it to a model (docs/tools.md).
//
// Values are arbitrary-precision rationals (GMP's mpq). The grammar, loosest first:
//
//   expression := term (("+" | "-") term)*          left-associative
//   term       := unary (("*" | "/") unary)*        left-associative
//   unary      := "-" unary | power                 so -2^2 = -(2^2) = -4
//   power      := primary ("^" unary)?              right-associative: 2^3^2 = 2^9; 2^-1 = 1/2
//   primary    := number | "(" expression ")"
//   number     := digits ("." digits)?              1.25 is exactly 5/4; no exponent notation
//
// Spaces, tabs and line breaks may stand between tokens. An exponent must be an integer
// (a rational exponent is an error, even 1/2 of a perfect square); a negative one inverts;
// 0^0 = 1, 0^-n is a division by zero.
//
// The result is an integer in decimal ("-12") or, when not an integer, the reduced
// fraction "p/q" with q > 0 and the sign on p ("-1/2"). Decimals are read, never written.
//
// Nothing throws on bad input: every problem comes back as a Calculation with an error
// kind, the 1-based byte position it points at, and a message that names both. Errors are
// found in this order: the length limit, characters and numbers (left to right),
// parentheses, the grammar, then evaluation (left operand before right), so the message
// names the first problem met. Limits (Limits below) are checked before the work they
// bound, so no input hangs or exhausts memory: `10^10^10` and `2^99999999` are refused in
// microseconds.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace lmf::tools {

enum class CalcError {
  none,
  too_long,              // the expression has more than max_length bytes
  unexpected_character,  // a character outside digits, . + - * / ^ ( ) and whitespace
  malformed_number,      // "1." or ".5" or "1.2.3"
  unbalanced_parentheses,
  empty,                 // nothing but whitespace
  missing_operand,       // "1+", "*2", "()", "(-)"
  missing_operator,      // "2 3", "2(3)", "(1)(2)"
  too_deep,              // parentheses, unary minuses and exponents nested more than max_depth
  division_by_zero,      // x/0, 0^-n
  non_integer_exponent,  // 4^(1/2)
  too_large,             // a number (literal, intermediate or result) over max_bits
};

// The name used in messages ("division by zero").
const char* calc_error_name(CalcError e);

struct CalcLimits {
  // Longest expression, in bytes.
  std::size_t max_length = 10000;
  // Most nested parentheses, unary minuses and exponents together (each "(", each unary
  // "-" and each "^" nests its operand one level deeper).
  int max_depth = 256;
  // Largest numerator and denominator of any value met — a literal, an intermediate
  // result, the result — in bits (100,000 bits: 30,103 decimal digits). A power whose
  // result must be larger is refused before it is computed.
  std::size_t max_bits = 100000;
};

struct Calculation {
  std::string value;  // the exact result when ok(): "5555", "-1/2"
  CalcError error = CalcError::none;
  std::size_t position = 0;  // 1-based byte offset the error points at (one past the end: the end)
  std::string message;       // e.g. "division by zero at position 4"
  bool ok() const { return error == CalcError::none; }
};

// Evaluates `expression` exactly; never throws for any input.
Calculation calculate(std::string_view expression, const CalcLimits& limits = {});

}  // namespace lmf::tools
