// The JSON Schema subset that OpenAI function definitions use for their parameters, and
// the check of a call's arguments against it (docs/tools.md).
//
// Validating keywords: "type" (a name or a list of names: object, string, number, integer,
// boolean, array, null), "properties", "required", "enum", "additionalProperties" (a
// boolean; absent means true, as in JSON Schema) and "items". Annotations, which check
// nothing: "description", "title", "default", "examples", "$comment". Any other keyword
// is refused when the definition is read, so no constraint a user wrote is silently
// skipped. "integer" takes a number without a fractional part (2 and 2.0); "number" takes
// any number; a boolean is never a number.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace lmf::tools {

// Throws lmf::Error "<where>.<path>: <what is wrong>" when `schema` is not a schema of the
// subset above: an unknown keyword, a wrong-typed keyword value, an empty enum, or a
// "required" name that "properties" does not declare.
void check_schema(const nlohmann::json& schema, const std::string& where);

// The first way the arguments break `schema` (a checked schema of type object), in words
// that name the argument — "missing required argument 'expression'", "argument
// 'unit': expected string, got number", "unexpected argument 'foo'", "argument 'unit':
// must be one of \"c\", \"f\", got \"k\"", nested as 'options.mode' and 'values[2]' — or
// nothing when they fit.
std::optional<std::string> validate_arguments(const nlohmann::json& schema, const nlohmann::json& arguments);

}  // namespace lmf::tools
