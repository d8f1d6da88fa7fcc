// Constrained decoding of JSON: response_format {"type":"json_object"} and
// {"type":"json_schema","json_schema":{"schema":{...}}}. Before each sampling step the
// decoder masks the logits of every token that cannot continue a valid document; after
// sampling it accepts the token.
//
//   auto vocab = JsonVocab::from_tokenizer(tokenizer);             // once per tokenizer
//   auto c = JsonConstraint::from_schema(schema, vocab);           // per request; JsonSchemaError
//   for (int64_t left = max_tokens; left > 0; --left) {
//     c.mask(logits, V, left, eos);                                 // after the forward
//     int32_t t = sample(logits);
//     if (t == eos) break;
//     c.accept(t);
//   }
//   // c.complete(): the text is one valid document
//
// What is enforced (json_grammar.h has the schema side, json_automaton.h the bytes):
//   - Compact JSON: no whitespace outside strings, before or after the document. (Any
//     insignificant whitespace would let a model spend its budget on it, and compact text is
//     still parsed by every JSON reader.)
//   - Strings: well-formed UTF-8, no raw control bytes, escapes \" \\ \/ \b \f \n \r \t and
//     \uXXXX with surrogates in pairs; minLength/maxLength count characters (code points).
//   - Numbers: JSON's syntax with at most 16 integer, 16 fraction and 2 exponent digits.
//   - Objects with listed properties produce them in schema order; generic objects (no
//     properties, json_object) take any keys, duplicates included.
//   - Budget: with `remaining` tokens left (this one included) a token is allowed only if
//     the shortest text that closes the document after it fits in remaining - 1 tokens,
//     counting one token per byte. That holds when every byte is a token of its own
//     (JsonVocab::has_every_byte(), true for byte-level BPE such as GPT-2's and the byte
//     tokenizer); for a vocabulary without them the grammar is still enforced but closing
//     within the budget is not promised (budget_guaranteed() says which).
//   - The end-of-sequence token is allowed exactly when the text is a whole document. When a
//     document can also be extended (a top-level number: `12` or `123`), both are allowed;
//     an object or array is final at its closing bracket, so then only eos is allowed.
//   - If no token is allowed (remaining <= 0, or fewer tokens left than the shortest
//     document needs) only eos is allowed, so generation stops; complete() is then false.
//     shortest_document_bytes() lets a caller refuse such a max_tokens up front.
//
// A JsonConstraint holds one generation's state; use one per sequence (mask() keeps scratch
// space, so one object is not for several threads at once). Movable, not copyable.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "infer/json_grammar.h"
#include "infer/json_vocab.h"

namespace lmf {

class JsonConstraint {
 public:
  // {"type":"json_object"}: any JSON object.
  static JsonConstraint any_object(std::shared_ptr<const JsonVocab> vocab);
  // A JSON Schema; throws JsonSchemaError for an unsupported keyword or an unsatisfiable
  // schema, naming the path. ordered_json keeps the request's property order (see
  // JsonGrammar::from_schema).
  static JsonConstraint from_schema(const nlohmann::ordered_json& schema, std::shared_ptr<const JsonVocab> vocab);
  static JsonConstraint from_schema(const nlohmann::json& schema, std::shared_ptr<const JsonVocab> vocab);
  JsonConstraint(std::shared_ptr<const JsonGrammar> grammar, std::shared_ptr<const JsonVocab> vocab);

  JsonConstraint(JsonConstraint&&) noexcept;
  JsonConstraint& operator=(JsonConstraint&&) noexcept;
  ~JsonConstraint();

  // logits[0, V): sets every token that may not come next to -infinity (ids outside the
  // vocabulary too); `remaining` counts the tokens that may still be generated, this one
  // included. `eos` may be outside [0, V) (then it is simply not there to allow).
  void mask(float* logits, int64_t V, int64_t remaining, int32_t eos) const;
  // Advances by the token's bytes; throws lmf::Error if they cannot continue the document.
  // A token without bytes (a special token) is accepted, as a no-op, only once complete().
  void accept(int32_t token);
  bool complete() const;
  // Whether mask() lets `token` through (a token with bytes; eos aside), decided by stepping
  // its bytes one by one rather than by the mask's trie walk.
  bool allows(int32_t token, int64_t remaining) const;

  // Bytes of the shortest text that completes the document from here (at the start: the
  // shortest document).
  int64_t closing_bytes() const;
  int64_t shortest_document_bytes() const { return shortest_; }
  bool budget_guaranteed() const;
  const std::string& text() const;  // the bytes accepted so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int64_t shortest_ = 0;
};

}  // namespace lmf
