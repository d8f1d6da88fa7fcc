// Errors raised by lmforge. Everything thrown derives from lmf::Error, so a command-line
// front end can catch one type and print what() — a message that names the problem
// (op, shapes, file, position) so the user can act on it.
#pragma once
#include <stdexcept>
#include <string>

namespace lmf {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An op received tensors whose shapes (or dtypes, devices) do not fit together.
// The message names the op and the offending shapes, e.g. "linear: x [4, 3] and w [5, 7] ...".
struct ShapeError : Error {
  using Error::Error;
};

// A file is missing, unreadable, truncated or malformed. The message names the file.
struct FormatError : Error {
  using Error::Error;
};

// Throws ShapeError(op + ": " + msg).
[[noreturn]] inline void throw_shape_error(const char* op, const std::string& msg) {
  throw ShapeError(std::string(op) + ": " + msg);
}

}  // namespace lmf

// LMF_CHECK_SHAPE(cond, op, msg...): throws ShapeError(op + ": " + msg) when cond is false.
// The message expression (string concatenations, shape formatting) is evaluated only when
// the check fails, so a passing check costs one branch. The message may contain commas;
// a condition with a top-level comma (a braced list) needs parentheses.
#define LMF_CHECK_SHAPE(cond, op, ...)                                        \
  do {                                                                        \
    if (!(cond)) [[unlikely]] ::lmf::throw_shape_error((op), (__VA_ARGS__)); \
  } while (0)

