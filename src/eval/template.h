// The Jinja subset of lm-evaluation-harness task files (doc_to_text, doc_to_target,
// doc_to_choice, description), rendered over a document (a JSON object):
//
//   text outside {{ }} is copied; {{ expr }} is replaced by the value's text:
//   expr    := concat;  concat := filtered ('~' filtered)*
//   filtered:= primary ('|' filter)*       filters: trim, lower, upper, replace(a, b)
//   primary := name ('.' name | '[' expr ']')*  (an integer index or a string key) |  'string' | "string"
//              | integer | '[' expr (',' expr)* ']' (a list) | '(' expr ')'
//
// A value's text is Jinja's: a string as it is, an integer in decimal, true/false/null as
// True/False/None, a list or object as Python's repr. Anything else ({% %}, {# #},
// operators, other filters, calls) is an Error naming the construct and the template's
// place; a name the document lacks is an Error too (the harness's StrictUndefined).
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace lmf::eval {

using Doc = nlohmann::ordered_json;

class Template {
 public:
  // `where` names the template in errors ("FILE:LINE: field doc_to_text").
  static Template parse(const std::string& text, const std::string& where);

  std::string render(const Doc& doc) const;
  // The value when the template is exactly one {{ expr }} (a list stays a list), else the
  // rendered text as a string.
  Doc evaluate(const Doc& doc) const;
  const std::string& where() const { return where_; }

  struct Node;

 private:
  std::string where_;
  std::vector<std::shared_ptr<Node>> parts_;  // literal text or expressions, in order
  bool single_ = false;
};

// Jinja's text of a value (see above).
std::string value_text(const Doc& v);
// Python's repr of a string.
std::string python_repr(const std::string& s);
// ast.literal_eval of a Python literal made of lists, strings, integers, floats,
// True/False/None; Error naming `where` otherwise.
Doc parse_python_literal(const std::string& text, const std::string& where);

}  // namespace lmf::eval
