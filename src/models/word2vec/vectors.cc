#include "models/word2vec/vectors.h"

#include <bit>
#include <charconv>
#include <cstring>
#include <ostream>

#include "core/error.h"
#include "io/atomic_file.h"

namespace lmf::word2vec {

static_assert(std::endian::native == std::endian::little, "binary vectors are written as little-endian float32");

int32_t Vectors::find(const std::string& w) const {
  const auto it = index.find(w);
  return it == index.end() ? -1 : it->second;
}

namespace {

void check_words(const std::string& path, const std::vector<std::string>& words) {
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w.empty() || w.find_first_of(" \t\n\r\v\f") != std::string::npos)
      throw Error(path + ": word " + std::to_string(i) + " ('" + w + "') is empty or holds whitespace");
  }
}

}  // namespace

void write_text(const std::string& path, const std::vector<std::string>& words, const float* data, int64_t dim) {
  check_words(path, words);
  io::write_file_atomic(path, [&](std::ostream& out) {
    out << words.size() << ' ' << dim << '\n';
    char buf[32];
    std::string line;
    for (size_t i = 0; i < words.size(); ++i) {
      line = words[i];
      for (int64_t k = 0; k < dim; ++k) {
        const auto r = std::to_chars(buf, buf + sizeof buf, data[i * dim + k]);  // shortest round-trip form
        line += ' ';
        line.append(buf, r.ptr);
      }
      line += '\n';
      out << line;
    }
  });
}

void write_binary(const std::string& path, const std::vector<std::string>& words, const float* data, int64_t dim) {
  check_words(path, words);
  io::write_file_atomic(path, [&](std::ostream& out) {
    out << words.size() << ' ' << dim << '\n';
    for (size_t i = 0; i < words.size(); ++i) {
      out << words[i] << ' ';
      out.write(reinterpret_cast<const char*>(data + i * dim), dim * (std::streamsize)sizeof(float));
      out << '\n';
    }
  });
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

struct Reader {
  const std::string& path;
  const std::string& s;
  size_t p = 0;
  int64_t record = 0;  // 1-based record (word) being read; 0 = the header

  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(path + ": " + (record ? "word " + std::to_string(record) : std::string("header")) + ": " + what);
  }
  void skip_space() {
    while (p < s.size() && is_space(s[p])) ++p;
  }
  std::string_view token() {
    skip_space();
    const size_t b = p;
    while (p < s.size() && !is_space(s[p])) ++p;
    if (p == b) fail("unexpected end of file");
    return std::string_view(s).substr(b, p - b);
  }
  int64_t integer() {
    const std::string_view t = token();
    int64_t v = -1;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size() || v < 0) fail("expected a count, got '" + std::string(t) + "'");
    return v;
  }
  float real() {
    const std::string_view t = token();
    float v = 0;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size()) fail("expected a number, got '" + std::string(t) + "'");
    return v;
  }
};

// True when the line after the first word holds exactly `dim` numbers (the text format).
bool first_record_is_text(const std::string& s, size_t p, int64_t dim) {
  while (p < s.size() && is_space(s[p])) ++p;
  while (p < s.size() && !is_space(s[p])) ++p;
  const size_t eol = s.find('\n', p);
  const std::string_view line = std::string_view(s).substr(p, eol == std::string::npos ? std::string::npos : eol - p);
  int64_t n = 0;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i >= line.size()) break;
    size_t j = i;
    while (j < line.size() && !is_space(line[j])) ++j;
    float v;
    const auto r = std::from_chars(line.data() + i, line.data() + j, v);
    if (r.ec != std::errc() || r.ptr != line.data() + j) return false;
    ++n;
    i = j;
  }
  return n == dim;
}

}  // namespace

Vectors read_vectors(const std::string& path) {
  const std::string s = io::read_file(path);
  Reader r{path, s};
  Vectors v;
  const int64_t n = r.integer();
  v.dim = r.integer();
  if (v.dim < 1) r.fail("the dimension must be at least 1");
  const size_t eol = s.find('\n', r.p);
  if (eol == std::string::npos && n > 0) r.fail("no line break after the header");
  if (eol != std::string::npos) r.p = eol + 1;
  if (n > 0 && (uint64_t)n * (uint64_t)v.dim * 4 > s.size() * 4 + 64) r.fail("the header's counts exceed the file");
  const bool text = n == 0 || first_record_is_text(s, r.p, v.dim);
  v.words.reserve(n);
  v.data.resize((size_t)n * v.dim);
  for (int64_t i = 0; i < n; ++i) {
    r.record = i + 1;
    v.words.emplace_back(r.token());
    float* row = v.data.data() + i * v.dim;
    if (text) {
      for (int64_t k = 0; k < v.dim; ++k) row[k] = r.real();
      r.skip_space();
    } else {
      if (r.p >= s.size() || s[r.p] != ' ') r.fail("expected a space after the word");
      ++r.p;
      const size_t bytes = (size_t)v.dim * sizeof(float);
      if (s.size() - r.p < bytes) r.fail("truncated: " + std::to_string(bytes) + " bytes of float32 expected");
      std::memcpy(row, s.data() + r.p, bytes);
      r.p += bytes;
    }
    v.index.try_emplace(v.words.back(), (int32_t)i);
  }
  r.record = 0;
  r.skip_space();
  if (r.p != s.size()) throw FormatError(path + ": data after the " + std::to_string(n) + " words the header announces");
  return v;
}

}  // namespace lmf::word2vec
