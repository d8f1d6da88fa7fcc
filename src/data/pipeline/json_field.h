// Reading one string field out of a JSONL record without building the record: the reader
// needs only the text of each line (the line itself is kept and written back as read), so
// it checks the line's JSON grammar and decodes that one field in a single pass; and
// writing a string field back.
//
// Contract: for valid UTF-8 input, returns the same verdict as a full parse
// (nlohmann::json::parse): Invalid for anything that is not exactly one JSON value
// (RFC 8259; surrounding white space allowed; lone or misordered \u surrogates invalid),
// NotObject for a value that is not an object, and otherwise whether the top-level key
// `key` holds a string (the last one when the key repeats, as the full parse keeps), with
// that string decoded into `out`. With `span`, a Found field that occurs once also gives
// where its string literal (quotes included) lies in `line`: [span->first, span->second);
// {0, 0} otherwise.
#pragma once
#include <string>
#include <string_view>
#include <utility>

namespace lmf::data::pipeline {

enum class JsonField { Invalid, NotObject, Missing, NotString, Found };

JsonField read_json_string_field(std::string_view line, std::string_view key, std::string& out,
                                  std::pair<size_t, size_t>* span = nullptr);

// Decodes one JSON string literal (quotes included, nothing around it) into out; false
// when `literal` is not exactly that.
bool decode_json_string(std::string_view literal, std::string& out);

// Appends s (valid UTF-8) as a JSON string literal: quotes, backslashes and control
// characters escaped (\n, \t, ... or \u00XX), everything else as it is.
void append_json_string(std::string& out, std::string_view s);

}  // namespace lmf::data::pipeline
