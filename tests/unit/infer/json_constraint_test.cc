// Constrained JSON decoding: random walks through the mask over the byte tokenizer and
// GPT-2's vocabulary always end in a document that parses (nlohmann) and validates against
// its schema (Python's jsonschema, tests/reference/json_schema_validate.py), within the token
// budget; hand-written documents are accepted or rejected as the grammar says; unsupported
// keywords are errors naming their path.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <random>

#include "infer/json_constraint.h"
#include "support/byte_tokenizer.h"
#include "support/oracle.h"
#include "tokenizer/tokenizer.h"

using namespace lmf;
using ojson = nlohmann::ordered_json;

namespace {

struct Vocab {
  std::string name;
  std::shared_ptr<const JsonVocab> vocab;
  int32_t eos;
  int64_t V;  // logits width: padded past the vocabulary, as models often are
};

const Vocab& byte_vocab() {
  static Vocab v{"bytes", JsonVocab::from_tokenizer(test::byte_tokenizer(false)), 256, 260};
  return v;
}

const Vocab& gpt2_vocab() {
  static Vocab v = [] {
    tok::Tokenizer t = tok::Tokenizer::load("tiktoken:gpt2");
    return Vocab{"gpt2", JsonVocab::from_tokenizer(t), *t.eot_id(), 50304};
  }();
  return v;
}

std::vector<int32_t> allowed_tokens(const JsonConstraint& c, const Vocab& v, int64_t remaining) {
  std::vector<float> logits(size_t(v.V), 0.0f);
  c.mask(logits.data(), v.V, remaining, v.eos);
  std::vector<int32_t> out;
  for (int64_t i = 0; i < v.V; ++i)
    if (std::isfinite(logits[size_t(i)])) out.push_back(int32_t(i));
  return out;
}

bool is_only_eos(const std::vector<int32_t>& a, const Vocab& v) { return a.size() == 1 && a[0] == v.eos; }

// One random generation through the mask: each step picks uniformly among the allowed
// tokens, or (to make documents of many shapes) among those with a closing byte, or stops at
// eos when it is allowed. Checks on the way that a token is always allowed and that the
// shortest closing text fits the budget. Returns the text; `complete` whether it is a document.
std::string random_document(JsonConstraint c, const Vocab& v, int64_t budget, std::mt19937& rng, bool& complete) {
  for (int64_t remaining = budget; remaining > 0; --remaining) {
    EXPECT_LE(c.closing_bytes(), remaining) << v.name << " after " << c.text();
    std::vector<int32_t> a = allowed_tokens(c, v, remaining);
    EXPECT_FALSE(a.empty());
    if (a.empty()) break;
    bool eos_ok = std::find(a.begin(), a.end(), v.eos) != a.end();
    if (eos_ok) {
      EXPECT_TRUE(c.complete()) << "eos allowed after " << c.text();
      if (a.size() == 1 || rng() % 2) break;
      a.erase(std::find(a.begin(), a.end(), v.eos));
    }
    if (rng() % 3 == 0) {
      std::vector<int32_t> closers;
      for (int32_t t : a)
        if (v.vocab->bytes(t).find_first_of("\"]},") != std::string::npos) closers.push_back(t);
      if (!closers.empty()) a = closers;
    }
    c.accept(a[rng() % a.size()]);
  }
  complete = c.complete();
  return c.text();
}

// Python's verdict per document ("" when it parses and validates).
std::vector<std::string> python_validate(const ojson& schema, const std::vector<std::string>& docs) {
  std::string dir = test::temp_dir(), in = dir + "/in.json";
  std::ofstream(in) << ojson{{"schema", schema}, {"documents", docs}}.dump();
  std::string out;
  int rc = test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/json_schema_validate.py") +
                                 " " + in + " 2>&1",
                             &out);
  if (rc != 0) throw std::runtime_error("json_schema_validate.py failed:\n" + out);
  return nlohmann::json::parse(out).get<std::vector<std::string>>();
}

const ojson kPerson = ojson::parse(R"({
  "type": "object",
  "title": "Person",
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 12, "description": "full name"},
    "age": {"type": "integer"},
    "email": {"type": ["string", "null"]},
    "tags": {"type": "array", "items": {"type": "string", "maxLength": 5}, "minItems": 1, "maxItems": 3},
    "score": {"type": "number"},
    "active": {"type": "boolean"}
  },
  "required": ["name", "age", "tags"],
  "additionalProperties": false
})");

const ojson kNested = ojson::parse(R"({
  "type": "object",
  "properties": {
    "kind": {"enum": ["a", 1, null, true, {"x": [1, 2]}, "é\"\\"]},
    "value": {"anyOf": [
      {"type": "integer"},
      {"type": "object", "properties": {"v": {"anyOf": [
        {"type": "string", "maxLength": 3},
        {"type": "array", "items": {"type": "number"}, "maxItems": 2}]}}, "required": ["v"]},
      {"const": "fixed"}]},
    "choice": {"type": "string", "enum": ["x", "y", 3]}
  },
  "required": ["kind", "value"]
})");

const ojson kArrayRoot = ojson::parse(R"({
  "type": "array",
  "items": {"anyOf": [{"type": "number"}, {"type": "string", "minLength": 2, "maxLength": 4}]},
  "minItems": 2, "maxItems": 5
})");

struct Case {
  std::string name;
  ojson schema;  // null: any_object
};

std::vector<Case> cases() {
  return {{"json_object", nullptr},
          {"person", kPerson},
          {"nested", kNested},
          {"array_root", kArrayRoot},
          {"any_value", ojson::parse(R"({"description": "anything", "$schema": "https://json-schema.org/draft/2020-12/schema"})")},
          {"int_or_string", ojson::parse(R"({"type": ["integer", "string"], "maxLength": 4})")}};
}

JsonConstraint make(const Case& c, const Vocab& v) {
  return c.schema.is_null() ? JsonConstraint::any_object(v.vocab) : JsonConstraint::from_schema(c.schema, v.vocab);
}

// Feeds `text` byte by byte; whether every byte is accepted and the result is a document.
bool accepts(const ojson& schema, const std::string& text) {
  JsonConstraint c = schema.is_null() ? JsonConstraint::any_object(byte_vocab().vocab)
                                      : JsonConstraint::from_schema(schema, byte_vocab().vocab);
  try {
    for (char ch : text) c.accept(int32_t(uint8_t(ch)));
  } catch (const Error&) {
    return false;
  }
  return c.complete();
}

void random_walks(const Vocab& v, int runs, int64_t max_extra, uint32_t seed) {
  std::mt19937 rng(seed);
  for (const Case& k : cases()) {
    std::vector<std::string> docs;
    int64_t shortest = make(k, v).shortest_document_bytes();
    for (int r = 0; r < runs; ++r) {
      // Every fourth run has the tightest budget that fits a document at all.
      int64_t budget = shortest + (r % 4 == 0 ? 0 : int64_t(rng() % uint32_t(max_extra + 1)));
      bool complete = false;
      std::string text = random_document(make(k, v), v, budget, rng, complete);
      EXPECT_TRUE(complete) << k.name << " budget " << budget << ": " << text;
      ojson parsed;
      EXPECT_NO_THROW(parsed = ojson::parse(text)) << k.name << ": " << text;
      if (k.name == "person" && parsed.is_object()) {  // properties in schema order
        std::vector<std::string> order;
        for (auto& [name, _] : kPerson["properties"].items()) order.push_back(name);
        size_t at = 0;
        for (auto& [name, _] : parsed.items()) {
          auto it = std::find(order.begin() + long(at), order.end(), name);
          EXPECT_NE(it, order.end()) << "property out of order: " << text;
          at = size_t(it - order.begin()) + 1;
        }
      }
      docs.push_back(text);
    }
    ojson schema = k.schema.is_null() ? ojson{{"type", "object"}} : k.schema;
    std::vector<std::string> verdicts = python_validate(schema, docs);
    ASSERT_EQ(verdicts.size(), docs.size());
    for (size_t i = 0; i < docs.size(); ++i) EXPECT_EQ(verdicts[i], "") << v.name << " " << k.name << ": " << docs[i];
    std::printf("[ %s / %-13s ] %zu documents valid, e.g. %s\n", v.name.c_str(), k.name.c_str(), docs.size(),
                docs.back().substr(0, 100).c_str());
  }
}

}  // namespace

TEST(JsonConstraint, RandomWalksOverBytesGiveValidDocumentsWithinBudget) {
  random_walks(byte_vocab(), 60, 120, 1);
}

TEST(JsonConstraint, RandomWalksOverGpt2GiveValidDocumentsWithinBudget) {
  ASSERT_TRUE(gpt2_vocab().vocab->has_every_byte());
  random_walks(gpt2_vocab(), 16, 40, 2);
}

TEST(JsonConstraint, GrammarAcceptsAndRejectsByteByByte) {
  const ojson any = nullptr;
  // Strings: every escape, surrogate pairs, raw UTF-8, DEL.
  EXPECT_TRUE(accepts(any, R"({"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\uD83D\uDE00\ud83d\ude00é😀"})"));
  EXPECT_TRUE(accepts(any, "{\"\":\"\x7f\"}"));
  EXPECT_TRUE(accepts(any, R"({"a":{},"b":[],"a":[[{}],null,true,false,"x"]})"));
  EXPECT_FALSE(accepts(any, "{\"s\":\"\x01\"}"));              // raw control byte
  EXPECT_FALSE(accepts(any, "{\"s\":\"\xC0\x80\"}"));          // overlong
  EXPECT_FALSE(accepts(any, "{\"s\":\"\xED\xA0\x80\"}"));      // encoded surrogate
  EXPECT_FALSE(accepts(any, "{\"s\":\"\xF4\x90\x80\x80\"}"));  // above U+10FFFF
  EXPECT_FALSE(accepts(any, "{\"s\":\"\xE2\x82\"}"));          // truncated sequence
  EXPECT_FALSE(accepts(any, R"({"s":"\uDC00"})"));              // lone low surrogate
  EXPECT_FALSE(accepts(any, R"({"s":"\uD800x"})"));             // lone high surrogate
  EXPECT_FALSE(accepts(any, R"({"s":"\uD800\u0041"})"));
  EXPECT_FALSE(accepts(any, R"({"s":"\x"})"));
  // Numbers.
  EXPECT_TRUE(accepts(any, R"({"n":[-0,1e5,1.5E-3,0.0,-12.25e+10,3E-0,1234567890123456]})"));
  for (const char* bad : {"01", "-", "1.", ".5", "1e", "+1", "1e+", "--1", "12345678901234567", "1e100", "0x1", "NaN"})
    EXPECT_FALSE(accepts(any, std::string("{\"n\":") + bad + "}")) << bad;
  const ojson integer = {{"type", "integer"}};
  EXPECT_TRUE(accepts(integer, "-0"));
  EXPECT_TRUE(accepts(integer, "120"));
  EXPECT_FALSE(accepts(integer, "1.0"));
  EXPECT_FALSE(accepts(integer, "1e5"));
  // Whitespace: none outside strings; the top level must be an object for json_object.
  EXPECT_FALSE(accepts(any, R"({ "a":1})"));
  EXPECT_FALSE(accepts(any, R"({"a": 1})"));
  EXPECT_FALSE(accepts(any, "{\"a\":1} "));
  EXPECT_FALSE(accepts(any, R"([1])"));
  EXPECT_FALSE(accepts(any, R"({"a":1,})"));
  EXPECT_FALSE(accepts(any, R"({"a"})"));
  // Lengths count characters.
  const ojson two = {{"type", "string"}, {"minLength", 2}, {"maxLength", 2}};
  for (const char* ok : {"\"é😀\"", R"("\u00e9a")", R"("\uD83D\uDE00a")", R"("\\\"")"}) EXPECT_TRUE(accepts(two, ok)) << ok;
  for (const char* bad : {"\"é\"", R"("abc")", R"("")"}) EXPECT_FALSE(accepts(two, bad)) << bad;
  // Listed properties: schema order, required ones present, nothing else.
  EXPECT_TRUE(accepts(kPerson, R"({"name":"Ann","age":31,"tags":["a"]})"));
  EXPECT_TRUE(accepts(kPerson, R"({"name":"Ann","age":-1,"email":null,"tags":["a","bb",""],"score":1.5E-3,"active":false})"));
  EXPECT_FALSE(accepts(kPerson, R"({"age":31,"name":"Ann","tags":["a"]})"));
  EXPECT_FALSE(accepts(kPerson, R"({"name":"Ann","tags":["a"]})"));
  EXPECT_FALSE(accepts(kPerson, R"({"name":"Ann","age":31,"tags":[]})"));
  EXPECT_FALSE(accepts(kPerson, R"({"name":"Ann","age":31,"tags":["a","b","c","d"]})"));
  EXPECT_FALSE(accepts(kPerson, R"({"name":"Ann","age":31,"tags":["abcdef"]})"));
  EXPECT_FALSE(accepts(kPerson, R"({"name":"","age":31,"tags":["a"]})"));
  EXPECT_FALSE(accepts(kPerson, R"({"name":"Ann","age":31,"tags":["a"],"other":1})"));
  // Nested anyOf and enums of mixed types.
  const std::vector<std::string> nested_ok = {
      R"({"kind":"a","value":{"v":"abc"}})", R"({"kind":1,"value":{"v":[1.5,-2]}})",
      R"({"kind":{"x":[1,2]},"value":"fixed","choice":"x"})", R"({"kind":null,"value":-7,"choice":"y"})",
      R"({"kind":true,"value":{"v":[]}})", "{\"kind\":\"é\\\"\\\\\",\"value\":0}"};
  for (const std::string& ok : nested_ok) EXPECT_TRUE(accepts(kNested, ok)) << ok;
  EXPECT_EQ(python_validate(kNested, nested_ok), std::vector<std::string>(nested_ok.size()));  // the cases are right
  for (const char* bad : {R"({"kind":"b","value":1})", R"({"kind":"a","value":{"v":"abcd"}})",
                          R"({"kind":"a","value":{"v":[1,2,3]}})", R"({"value":1,"kind":"a"})", R"({"kind":"a"})",
                          R"({"kind":"a","value":1,"choice":"z"})", R"({"kind":"a","value":1.5})",
                          R"({"kind":false,"value":1})", R"({"kind":1,"value":1,"choice":3})", R"({"kind":{"x":[1, 2]},"value":1})"})
    EXPECT_FALSE(accepts(kNested, bad)) << bad;
  const ojson mixed = ojson::parse(R"({"enum": [1, "1", [1], {"a": 1}, null, false, 2.5, 12]})");
  for (const char* ok : {"1", "\"1\"", "[1]", R"({"a":1})", "null", "false", "2.5", "12"})
    EXPECT_TRUE(accepts(mixed, ok)) << ok;
  for (const char* bad : {"true", "\"2\"", "2", "1.0", "123", "[1,1]"}) EXPECT_FALSE(accepts(mixed, bad)) << bad;
  EXPECT_TRUE(accepts(kArrayRoot, R"([1,"ab"])"));
  EXPECT_FALSE(accepts(kArrayRoot, R"([1])"));
  EXPECT_FALSE(accepts(kArrayRoot, R"(["a",1])"));
  EXPECT_FALSE(accepts(kArrayRoot, R"([1,2,3,4,5,6])"));
  // enum beside type keeps the values of that type; const inside enum.
  EXPECT_FALSE(accepts(ojson::parse(R"({"type": "string", "enum": ["x", 3]})"), "3"));
  EXPECT_TRUE(accepts(ojson::parse(R"({"enum": ["x", 3], "const": 3})"), "3"));
  EXPECT_FALSE(accepts(ojson::parse(R"({"enum": ["x", 3], "const": 3})"), "\"x\""));
  // additionalProperties false without properties: only {}.
  EXPECT_TRUE(accepts(ojson::parse(R"({"type": "object", "additionalProperties": false})"), "{}"));
  EXPECT_FALSE(accepts(ojson::parse(R"({"type": "object", "additionalProperties": false})"), R"({"a":1})"));
}

// Real tokens: documents tokenized by GPT-2 are allowed by the mask token after token.
TEST(JsonConstraint, MaskAllowsTheTokensOfValidDocuments) {
  const Vocab& v = gpt2_vocab();
  tok::Tokenizer t = tok::Tokenizer::load("tiktoken:gpt2");
  struct Doc { ojson schema; std::string text; };
  std::vector<Doc> docs = {
      {nullptr, R"({"s":"a\"b\\c\/d\n\t\u00e9\uD83D\uDE00é😀 日本語","n":[-0,1e5,1.5E-3],"o":{"x":null,"y":true}})"},
      {kPerson, R"({"name":"Ann Lee","age":31,"email":"ann@example.com","tags":["a","bb"],"score":-0.25,"active":true})"},
      {kNested, R"({"kind":{"x":[1,2]},"value":{"v":[1.5,-2]},"choice":"y"})"},
      {kArrayRoot, R"([12.5,"abcd",-3])"}};
  for (const Doc& d : docs) {
    JsonConstraint c = d.schema.is_null() ? JsonConstraint::any_object(v.vocab) : JsonConstraint::from_schema(d.schema, v.vocab);
    std::vector<TokenId> ids = t.encode(d.text);
    for (size_t i = 0; i < ids.size(); ++i) {
      std::vector<int32_t> a = allowed_tokens(c, v, 1000);
      ASSERT_TRUE(std::binary_search(a.begin(), a.end(), ids[i])) << "token " << i << " " << t.token_bytes(ids[i]) << " of " << d.text;
      EXPECT_FALSE(std::binary_search(a.begin(), a.end(), v.eos));
      c.accept(ids[i]);
    }
    EXPECT_TRUE(c.complete()) << d.text;
    EXPECT_EQ(c.text(), d.text);
    EXPECT_TRUE(is_only_eos(allowed_tokens(c, v, 1000), v)) << d.text;
    // ids past the vocabulary (the padded logits) and special tokens are never allowed mid-document.
    JsonConstraint fresh = d.schema.is_null() ? JsonConstraint::any_object(v.vocab) : JsonConstraint::from_schema(d.schema, v.vocab);
    std::vector<int32_t> first = allowed_tokens(fresh, v, 1000);
    EXPECT_LT(first.back(), v.vocab->size());
    EXPECT_THROW(fresh.accept(v.eos), Error);
  }
}

// The mask's trie walk (and its counting of plain tokens inside strings) lets through
// exactly the tokens whose bytes, stepped one by one, continue the document within budget.
TEST(JsonConstraint, MaskEqualsByteByByteStepping) {
  const Vocab& v = gpt2_vocab();
  tok::Tokenizer t = tok::Tokenizer::load("tiktoken:gpt2");
  struct State { ojson schema; std::string prefix; int64_t remaining; };
  for (const State& s : {State{nullptr, "{\"a\":\"hel", 1000}, State{nullptr, "{\"a\":\"hel", 6},
                         State{nullptr, "{\"a\":\"\\u", 1000}, State{nullptr, "{\"a\":\"\xE6", 1000},
                         State{nullptr, "{\"a\":1", 1000}, State{nullptr, "{\"", 8},
                         State{kPerson, "{\"name\":\"Ann", 1000}, State{kPerson, "{\"name\":\"Ann", 24},
                         State{kPerson, "{\"name\":\"A", 1000}, State{kNested, "{\"kind\":1,\"value\":", 1000},
                         State{kNested, "{\"kind\":1,\"value\":{\"v\":\"", 1000},
                         State{kArrayRoot, "[1,\"", 1000}}) {
    JsonConstraint c = s.schema.is_null() ? JsonConstraint::any_object(v.vocab) : JsonConstraint::from_schema(s.schema, v.vocab);
    for (char ch : s.prefix) c.accept(*t.token_id(std::string(1, ch)));
    std::vector<int32_t> a = allowed_tokens(c, v, s.remaining);
    std::vector<int32_t> want;
    for (int32_t id = 0; id < v.V; ++id)
      if (c.allows(id, s.remaining) || (id == v.eos && c.complete())) want.push_back(id);
    EXPECT_EQ(a, want) << s.prefix << " remaining " << s.remaining;
    EXPECT_GT(a.size(), 0u);
  }
}

TEST(JsonConstraint, BudgetIsTheShortestClosingText) {
  const Vocab& v = byte_vocab();
  // The shortest person: required properties only, shortest values.
  JsonConstraint p = JsonConstraint::from_schema(kPerson, v.vocab);
  EXPECT_EQ(p.shortest_document_bytes(), int64_t(std::string(R"({"name":"a","age":0,"tags":[""]})").size()));
  EXPECT_EQ(JsonConstraint::any_object(v.vocab).shortest_document_bytes(), 2);
  // One token short of the shortest document: only eos (generation stops, incomplete).
  EXPECT_TRUE(is_only_eos(allowed_tokens(p, v, p.shortest_document_bytes() - 1), v));
  EXPECT_TRUE(is_only_eos(allowed_tokens(p, v, 0), v));
  // Mid-string with 3 tokens left in a json_object: only what closes in time.
  JsonConstraint o = JsonConstraint::any_object(v.vocab);
  for (char ch : std::string(R"({"k":[{"a":"xy)")) o.accept(uint8_t(ch));
  EXPECT_EQ(o.closing_bytes(), 4);  // "}]}
  std::vector<int32_t> a = allowed_tokens(o, v, 4);
  EXPECT_EQ(a, std::vector<int32_t>{'"'});
  // One more token: also every one-byte character (0x20..0x7F but the backslash).
  EXPECT_EQ(allowed_tokens(o, v, 5).size(), 95u);
  // A high surrogate costs its low half: \uD83D needs \uDC00 (6) + "}]} (4).
  for (char ch : std::string(R"(\uD83D)")) o.accept(uint8_t(ch));
  EXPECT_EQ(o.closing_bytes(), 10);
  EXPECT_EQ(allowed_tokens(o, v, 11), std::vector<int32_t>{'\\'});
}

TEST(JsonConstraint, UnsupportedKeywordsNameTheirPath) {
  struct Bad { const char* schema; const char* path; };
  for (Bad b : {Bad{R"({"type":"object","properties":{"name":{"type":"string","pattern":"a+"}}})", "properties.name.pattern"},
                Bad{R"({"type":"string","format":"date"})", "format"},
                Bad{R"({"anyOf":[{"type":"string"},{"type":"number","minimum":0}]})", "anyOf.1.minimum"},
                Bad{R"({"type":"array","items":{"$ref":"#/$defs/x"}})", "items.$ref"},
                Bad{R"({"oneOf":[{"type":"string"}]})", "oneOf"},
                Bad{R"({"allOf":[{"type":"string"}]})", "allOf"},
                Bad{R"({"not":{"type":"string"}})", "not"},
                Bad{R"({"type":"object","patternProperties":{"a":{}}})", "patternProperties"},
                Bad{R"({"type":"array","uniqueItems":true})", "uniqueItems"},
                Bad{R"({"type":"object","additionalProperties":{"type":"string"}})", "additionalProperties"},
                Bad{R"({"type":"array","items":[{"type":"string"}]})", "items"},
                Bad{R"({"type":"date"})", "type"},
                Bad{R"({"enum":[]})", "enum"},
                Bad{R"({"type":"string","enum":[1,2]})", "enum"},
                Bad{R"({"type":"array","minItems":3,"maxItems":2})", "minItems"},
                Bad{R"({"type":"string","maxLength":-1})", "maxLength"},
                Bad{R"({"type":"object","properties":{"a":{}},"required":["b"]})", "required"},
                Bad{R"({"properties":{"a":false}})", "properties.a"},
                Bad{R"({"type":"string","anyOf":[{"type":"number"}]})", "anyOf.0.type"}}) {
    try {
      JsonGrammar::from_schema(ojson::parse(b.schema));
      ADD_FAILURE() << "no error for " << b.schema;
    } catch (const JsonSchemaError& e) {
      EXPECT_EQ(e.path, b.path) << b.schema << ": " << e.what();
      std::string last = std::string(b.path).substr(std::string(b.path).rfind('.') + 1);
      EXPECT_NE(std::string(e.what()).find(last), std::string::npos) << e.what();
    }
  }
  ojson deep = {{"type", "string"}};
  for (int i = 0; i < 100; ++i) deep = {{"type", "array"}, {"items", deep}};
  EXPECT_THROW(JsonGrammar::from_schema(deep), JsonSchemaError);
  // Annotations are not errors; a plain nlohmann::json schema works too (keys sorted).
  EXPECT_NO_THROW(JsonGrammar::from_schema(nlohmann::json::parse(
      R"({"title":"t","description":"d","$schema":"x","default":1,"examples":[1],"type":"integer"})")));
}

// Not a pass/fail check: how long one mask costs over GPT-2's 50k tokens, by state.
TEST(JsonConstraint, MaskTiming) {
  struct State { const char* what; ojson schema; std::string prefix; };
  const Vocab& v = gpt2_vocab();
  tok::Tokenizer t = tok::Tokenizer::load("tiktoken:gpt2");
  auto t0 = std::chrono::steady_clock::now();
  auto vocab = JsonVocab::from_tokenizer(t);
  auto t1 = std::chrono::steady_clock::now();
  auto grammar = JsonGrammar::from_schema(kNested);
  auto t2 = std::chrono::steady_clock::now();
  std::printf("[ timing ] gpt2 JsonVocab (once per tokenizer) %.1f ms; compiling the nested schema %.3f ms\n",
              std::chrono::duration<double, std::milli>(t1 - t0).count(),
              std::chrono::duration<double, std::milli>(t2 - t1).count());
  std::vector<float> logits(size_t(v.V));
  for (const State& s : {State{"json_object start", nullptr, ""}, State{"json_object in key", nullptr, "{\"ab"},
                         State{"json_object in string value", nullptr, "{\"a\":\"hello"},
                         State{"json_object after number", nullptr, "{\"a\":12"},
                         State{"json_object value start", nullptr, "{\"a\":"},
                         State{"person at a key", kPerson, "{\"name\":\"Ann\",\"age\":3,\"tags\":[\"a\"],"},
                         State{"person in name (maxLength)", kPerson, "{\"name\":\"An"},
                         State{"nested anyOf value", kNested, "{\"kind\":1,\"value\":"}}) {
    JsonConstraint c = s.schema.is_null() ? JsonConstraint::any_object(v.vocab) : JsonConstraint::from_schema(s.schema, v.vocab);
    for (char ch : s.prefix) c.accept(*t.token_id(std::string(1, ch)));
    const int reps = 20;
    double ms = 0;
    for (int r = 0; r < reps; ++r) {
      std::fill(logits.begin(), logits.end(), 0.0f);
      auto t0 = std::chrono::steady_clock::now();
      c.mask(logits.data(), v.V, 1000, v.eos);
      ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
    }
    int64_t allowed = 0;
    for (float x : logits) allowed += std::isfinite(x);
    std::printf("[ timing ] gpt2 mask, %-28s %7.3f ms  (%lld of %lld tokens allowed)\n", s.what, ms,
                (long long)allowed, (long long)v.V);
  }
}
