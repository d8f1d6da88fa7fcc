#include "data/pipeline/spill.h"

#include <cstring>

#include "core/error.h"
#include "data/pipeline/json_field.h"

namespace lmf::data::pipeline {
namespace {

using json = nlohmann::ordered_json;

void put_u64(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }
void put_str(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s);
}

struct Cursor {
  std::string_view p;
  uint64_t u64() {
    if (p.size() < 8) throw FormatError("data: torn spill record");
    uint64_t v;
    std::memcpy(&v, p.data(), 8);
    p.remove_prefix(8);
    return v;
  }
  std::string_view str() {
    const uint64_t n = u64();
    if (p.size() < n) throw FormatError("data: torn spill record");
    std::string_view s = p.substr(0, n);
    p.remove_prefix(n);
    return s;
  }
};

}  // namespace

std::string spill_record(const Document& d) {
  std::string out;
  out.reserve(64 + d.source.size() + d.text.size() + d.line.size());
  put_u64(out, 0);  // the payload size, set below
  put_u64(out, uint64_t(d.index));
  put_str(out, d.source);
  // The text itself only when it is not the one the line holds (then it is decoded from there).
  const bool in_line = !d.line.empty() && d.text_end > d.text_begin && text_hash(d.text) == d.line_text_hash;
  put_u64(out, in_line);
  if (!in_line) put_str(out, d.text);
  put_str(out, d.line);
  put_u64(out, d.line_text_hash);
  put_u64(out, d.text_begin);
  put_u64(out, d.text_end);
  put_str(out, d.line.empty() && !d.record.is_null() ? d.record.dump(-1, ' ', false, json::error_handler_t::replace)
                                                     : std::string());
  put_str(out, d.fields.is_null() ? std::string() : d.fields.dump(-1, ' ', false, json::error_handler_t::replace));
  const uint64_t size = out.size() - 8;
  std::memcpy(out.data(), &size, 8);
  return out;
}

void unspill(std::string_view payload, Document& d) {
  Cursor c{payload};
  d.index = int64_t(c.u64());
  d.source = c.str();
  const bool in_line = c.u64() != 0;
  if (!in_line) d.text = c.str();
  d.line = c.str();
  d.line_text_hash = c.u64();
  d.text_begin = size_t(c.u64());
  d.text_end = size_t(c.u64());
  if (in_line && (d.text_end > d.line.size() || d.text_end <= d.text_begin ||
                  !decode_json_string(std::string_view(d.line).substr(d.text_begin, d.text_end - d.text_begin), d.text)))
    throw FormatError("data: torn spill record (text span)");
  const std::string_view record = c.str(), fields = c.str();
  if (!record.empty()) d.record = json::parse(record);
  if (!fields.empty()) d.fields = json::parse(fields);
}

SpillReader::SpillReader(const std::string& path) : path_(path), src_(ByteSource::open(path)) {}

bool SpillReader::fill(size_t n) {
  while (buf_.size() - pos_ < n) {
    buf_.erase(0, pos_);
    pos_ = 0;
    const size_t old = buf_.size(), chunk = std::max<size_t>(n, 1 << 20);
    buf_.resize(old + chunk);
    const size_t got = src_->read(buf_.data() + old, chunk);
    buf_.resize(old + got);
    if (got == 0) return false;
  }
  return true;
}

bool SpillReader::next(std::string& out) {
  if (!fill(8)) {
    if (buf_.size() != pos_) throw FormatError(path_ + ": truncated spill file");
    return false;
  }
  uint64_t n;
  std::memcpy(&n, buf_.data() + pos_, 8);
  if (!fill(8 + n)) throw FormatError(path_ + ": truncated spill file");
  out.assign(buf_, pos_ + 8, n);
  pos_ += 8 + n;
  return true;
}

}  // namespace lmf::data::pipeline
