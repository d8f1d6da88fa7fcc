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

// Throws ShapeError(op + ": " + msg) when cond is false.
inline void check_shape(bool cond, const char* op, const std::string& msg) {
  if (!cond) throw ShapeError(std::string(op) + ": " + msg);
}

}  // namespace lmf
