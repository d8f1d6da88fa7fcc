// The grammar that constrained JSON decoding enforces, compiled from a JSON Schema (or the
// fixed "any JSON object" of response_format {"type":"json_object"}).
//
// A grammar is a graph of nodes; each node stands for a set of JSON texts, always written
// compactly (no insignificant whitespace). The graph is acyclic except through the "any
// value" node (objects and arrays of any values), which refers to itself.
//
//   Union     one of `branches` (anyOf, a list of types, boolean, an enum of several values)
//   Literal   one exact text (`true`, `null`, each enum/const value as nlohmann's compact dump)
//   Object    `{` then the listed properties in schema order, required ones always, optional
//             ones possibly skipped, `}`; nothing else
//   AnyObject `{` then any string keys with values of `value` (the any-value node), `}`
//   Array     `[` items of `item` separated by `,`, count in [min_items, max_items], `]`
//   String    `"` characters `"`, count of characters (code points) in [min_len, max_len]
//   Number    a JSON number; Integer: `-?(0|[1-9][0-9]*)`
//
// Schema keywords (JSON Schema; anything not listed is a JsonSchemaError naming it):
//   type (object, array, string, number, integer, boolean, null, or a list of them; absent:
//   every type), properties, required, additionalProperties (true or false), items, enum,
//   const, anyOf, minItems, maxItems, minLength, maxLength. Annotations that do not
//   constrain are ignored: title, description, $schema, $id, $comment, default, examples,
//   deprecated, readOnly, writeOnly. Boolean schemas: `true` is any value, `false` an error.
// Decisions where the schema leaves a choice (each generated document still validates):
//   - An object schema with `properties` produces only those properties, in schema order,
//     whatever additionalProperties says (true, false or absent); one without `properties`
//     produces any object unless additionalProperties is false (then `{}`).
//   - `integer` is produced as digits without fraction or exponent.
//   - Keywords of other types are applied to the type they belong to: {"type":["string",
//     "null"],"maxLength":3} bounds the string only.
//   - `enum`/`const` beside other keywords: the values that the rest of the schema accepts.
//   - `anyOf` beside other keywords: each branch gets the sibling keywords merged in (a
//     keyword both beside and inside a branch is an error unless both are equal).
// A schema that no value satisfies (an empty enum, minItems > maxItems, a required name
// missing from properties, ...) is a JsonSchemaError too.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"

namespace lmf {

// A JSON Schema that the constrained decoder cannot enforce. `path` is where in the schema,
// dot-separated, ending in the offending keyword: "properties.name.pattern", "anyOf.1.format".
struct JsonSchemaError : Error {
  JsonSchemaError(std::string path, const std::string& what);
  std::string path;
};

// Limits on the numbers the grammar produces (a model cannot loop on digits, and every
// number parses as a finite double): at most this many digits in each part.
constexpr int kJsonMaxIntDigits = 16;
constexpr int kJsonMaxFracDigits = 16;
constexpr int kJsonMaxExpDigits = 2;
// Schemas nested deeper than this (subschemas inside subschemas) are a JsonSchemaError.
constexpr int kJsonMaxSchemaDepth = 64;

struct JsonGrammar {
  enum class Kind : uint8_t { Union, Literal, Object, AnyObject, Array, String, Number, Integer };

  struct Property {
    int32_t key = 0;    // node id of the Literal `"name":`
    int32_t value = 0;  // node id
    bool required = false;
  };

  struct Node {
    Kind kind = Kind::Union;
    std::vector<int32_t> branches;  // Union: node ids, none of them a Union
    int32_t literal = -1;           // Literal: id into `literals`
    std::vector<Property> props;    // Object
    // Object: required_cost[i] = bytes of `,"name":VALUE` (shortest values) summed over the
    // required properties at index >= i (size props + 1).
    std::vector<int64_t> required_cost;
    int32_t child = -1;              // Array: item node; AnyObject: value node
    int32_t key = -1;                // AnyObject: node of its keys (a string)
    int64_t min_count = 0;           // Array: minItems; String: minLength
    int64_t max_count = -1;          // Array: maxItems; String: maxLength; -1: none
    int64_t min_bytes = 0;           // length of the shortest text of this node
  };

  std::vector<Node> nodes;
  std::vector<std::string> literals;
  int32_t root = -1;

  // Any JSON object (response_format json_object).
  static JsonGrammar any_object();
  // Throws JsonSchemaError for what the grammar cannot enforce (see above). Properties are
  // produced in the order the schema object holds them: pass an ordered_json parsed from the
  // request to keep the order of the request; a plain nlohmann::json has its keys sorted.
  static JsonGrammar from_schema(const nlohmann::ordered_json& schema);
  static JsonGrammar from_schema(const nlohmann::json& schema);

  // Whether `text` (all of it) is a text of node `node` (e.g. an enum value against the
  // rest of its schema). Runs the byte automaton.
  bool matches(int32_t node, const std::string& text) const;
};

}  // namespace lmf
