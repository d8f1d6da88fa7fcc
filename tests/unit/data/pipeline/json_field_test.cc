// read_json_string_field against nlohmann::json::parse (the full parser the reader used
// before): the same verdict and the same decoded text on hand-picked records and on many
// random mutations of them. append_json_string: nlohmann reads back what it wrote. Kept
// lines that gain fields: written as nlohmann writes them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "core/utf8.h"
#include "data/pipeline/document.h"
#include "data/pipeline/json_field.h"

using namespace lmf::data::pipeline;

namespace {

// What the full parse says: the same enum, text decoded into `out`.
JsonField full_parse(const std::string& line, const std::string& key, std::string& out) {
  auto j = nlohmann::ordered_json::parse(line, nullptr, false);
  out.clear();
  if (j.is_discarded()) return JsonField::Invalid;
  if (!j.is_object()) return JsonField::NotObject;
  auto it = j.find(key);
  if (it == j.end()) return JsonField::Missing;
  if (!it->is_string()) return JsonField::NotString;
  out = it->get<std::string>();
  return JsonField::Found;
}

const std::vector<std::string> kSeeds = {
    R"({"text": "hello\nworld", "id": 3})",
    R"({"id": [1, 2.5e-3, -0, true, false, null, {"a": "b"}], "text": "caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \b\f\r\t"})",
    R"(  {"meta": {"text": 1}, "text": "x"}  )",
    R"({"text": 12})",
    R"({"te\u0078t": "escaped key"})",
    R"({"text": "first", "text": "last"})",
    R"({"text": "a", "text": null})",
    R"({})",
    R"([1, 2])",
    R"("just a string")",
    R"({"text": "unterminated)",
    R"({"text": "bad \x escape"})",
    R"({"text": "lone \ud800 surrogate"})",
    R"({"text": "low first \udc00"})",
    R"({"n": 01, "text": "t"})",
    R"({"n": 1., "text": "t"})",
    R"({"n": -, "text": "t"})",
    R"({"text": "t",})",
    R"({"text": "t"} {})",
    R"({"text" "t"})",
    R"({"a": tru, "text": "t"})",
    R"({"text": "ü ß 漢字"})",
};

}  // namespace

TEST(JsonField, MatchesTheFullParserOnHandPickedRecords) {
  for (const std::string& line : kSeeds) {
    std::string want, got = "stale";
    const JsonField w = full_parse(line, "text", want);
    EXPECT_EQ(int(read_json_string_field(line, "text", got)), int(w)) << line;
    if (w == JsonField::Found) {
      EXPECT_EQ(got, want) << line;
    }
  }
}

TEST(JsonField, MatchesTheFullParserOnRandomMutations) {
  std::mt19937_64 rng(42);
  const std::string alphabet = "{}[]\",:\\/ u0123456789abcdefnrtxe.-+\x01\xc3\xa9";
  int found = 0, invalid = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string line = kSeeds[rng() % kSeeds.size()];
    const int edits = 1 + int(rng() % 3);
    for (int e = 0; e < edits && !line.empty(); ++e) {
      const size_t at = rng() % line.size();
      switch (rng() % 3) {
        case 0: line.erase(at, 1); break;
        case 1: line.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        default: line[at] = alphabet[rng() % alphabet.size()];
      }
    }
    if (!lmf::utf8_valid(line)) continue;  // the reader repairs UTF-8 first
    std::string want, got;
    const JsonField w = full_parse(line, "text", want);
    ASSERT_EQ(int(read_json_string_field(line, "text", got)), int(w)) << line;
    if (w == JsonField::Found) {
      ASSERT_EQ(got, want) << line;
    }
    found += w == JsonField::Found, invalid += w == JsonField::Invalid;
  }
  EXPECT_GT(found, 1000);
  EXPECT_GT(invalid, 1000);
}

TEST(JsonField, WrittenStringsReadBackExactly) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> pieces = {"a", "plain text ", "\"", "\\", "/", "\n", "\r", "\t", "\b", "\f",
                                           std::string(1, '\0'), "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe6\xbc\xa2",
                                           "\xf0\x9f\x98\x80", "<EMAIL>"};
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    for (int k = int(rng() % 40); k > 0; --k) s += pieces[rng() % pieces.size()];
    std::string line = "{\"id\": 1, \"text\": ";
    append_json_string(line, s);
    line += "}";
    ASSERT_EQ(nlohmann::json::parse(line)["text"].get<std::string>(), s) << line;
    std::string got;
    ASSERT_EQ(int(read_json_string_field(line, "text", got)), int(JsonField::Found));
    ASSERT_EQ(got, s);
    std::string literal;  // the literal alone, as the spill decodes it
    append_json_string(literal, s);
    ASSERT_TRUE(decode_json_string(literal, got));
    ASSERT_EQ(got, s);
    EXPECT_FALSE(decode_json_string(literal + " ", got));
    EXPECT_FALSE(decode_json_string(literal.substr(0, literal.size() - 1), got));
  }
  std::string got;
  EXPECT_FALSE(decode_json_string("abc", got));
  EXPECT_FALSE(decode_json_string("\"a\\q\"", got));  // an unknown escape
  EXPECT_TRUE(decode_json_string("\"\\u00e9\\n\"", got));
  EXPECT_EQ(got, "\xC3\xA9\n");
}

// A kept JSONL line whose text changed and that gains fields is written as the full parser
// writes the record with the new text and the fields (the writer parses it without its text
// and splices the text in): compared with nlohmann doing the whole of it.
TEST(JsonField, KeptLinesWithFieldsMatchTheFullWriter) {
  using ojson = nlohmann::ordered_json;
  const std::vector<std::string> lines = {
      R"({"id": 1, "text": "old\ntext", "x": {"y": [1, 2.50, "z"], "text": ""}, "quality_score": 3})",
      R"({"text":"a"})",
      R"(  {"meta": null, "n": -0.0, "e": 1E5, "text": "\u00e9\ud83d\ude00", "s": "\u0001lmforge text\u0002"} )",
      R"({"s": "\u0001lmforge text\u0002", "t": "\u0001lmforge text\u0002", "text": "x", "u": true})"};
  const std::vector<std::string> texts = {"new \"text\"\n\t\x01 caf\xC3\xA9 \\ / end", "", "a"};
  for (const std::string& line : lines) {
    for (const std::string& text : texts) {
      Document d;
      d.line = line;
      std::string decoded;
      std::pair<size_t, size_t> span;
      ASSERT_EQ(read_json_string_field(line, "text", decoded, &span), JsonField::Found);
      d.line_text_hash = text_hash(decoded);
      d.text_begin = span.first, d.text_end = span.second;
      d.text = text;
      d.fields = ojson{{"quality_score", 0.25}, {"contamination", ojson::array({"item 1"})}};
      ojson want = ojson::parse(line);
      want["text"] = text;
      for (auto& [k, v] : d.fields.items()) want[k] = v;
      EXPECT_EQ(document_to_jsonl(d, "text"), want.dump(-1, ' ', false, ojson::error_handler_t::replace)) << line;
    }
  }
}
