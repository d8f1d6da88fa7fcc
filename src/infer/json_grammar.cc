#include "infer/json_grammar.h"

#include <algorithm>
#include <set>

#include "infer/json_automaton.h"

namespace lmf {
namespace {

using Kind = JsonGrammar::Kind;
using Node = JsonGrammar::Node;
using ojson = nlohmann::ordered_json;
constexpr int64_t kNever = int64_t(1) << 60;

int64_t sat(int64_t v) { return std::min(v, kNever); }

const std::set<std::string> kAnnotations = {"title",   "description", "$schema",    "$id",      "$comment",
                                            "default", "examples",    "deprecated", "readOnly", "writeOnly"};
const std::set<std::string> kSupported = {"type",  "properties", "required", "additionalProperties",
                                          "items", "enum",       "const",    "anyOf",
                                          "minItems", "maxItems", "minLength", "maxLength"};
const std::vector<std::string> kTypes = {"object", "array", "string", "number", "integer", "boolean", "null"};

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

class Compiler {
 public:
  JsonGrammar g;

  int32_t compile(const ojson& s, const std::string& path) {
    struct Depth {  // schemas nested deeper than kJsonMaxSchemaDepth are refused
      int& d;
      explicit Depth(int& depth) : d(depth) { ++d; }
      ~Depth() { --d; }
    } depth(depth_);
    if (depth_ > kJsonMaxSchemaDepth) fail(path, "schema nested deeper than " + std::to_string(kJsonMaxSchemaDepth) + " levels");
    if (s.is_boolean()) {
      if (s.get<bool>()) return any_value();
      fail(path, "the schema `false` admits no value");
    }
    if (!s.is_object()) fail(path, "a schema must be an object or a boolean");
    for (auto& [k, v] : s.items())
      if (!kAnnotations.count(k) && !kSupported.count(k))
        fail(join(path, k), "unsupported keyword '" + k + "' (constrained decoding supports " + supported_list() + ")");
    if (s.contains("anyOf")) return compile_any_of(s, path);
    if (s.contains("enum") || s.contains("const")) return compile_values(s, path);
    return compile_types(s, path);
  }

  int32_t any_value() {
    if (any_ >= 0) return any_;
    any_ = add(Node{});  // the union, filled once its members exist (they refer to it)
    Node obj;
    obj.kind = Kind::AnyObject;
    obj.child = any_;
    obj.key = string_node(0, -1);
    obj.min_bytes = 2;
    Node arr;
    arr.kind = Kind::Array;
    arr.child = any_;
    arr.min_bytes = 2;
    std::vector<int32_t> members = {add(obj), add(arr), string_node(0, -1), number_node(Kind::Number),
                                    literal_node("true"), literal_node("false"), literal_node("null")};
    g.nodes[size_t(any_)] = union_of(members);
    return any_;
  }

 private:
  int32_t any_ = -1;
  int depth_ = 0;

  [[noreturn]] static void fail(const std::string& path, const std::string& what) {
    throw JsonSchemaError(path, what);
  }

  static std::string supported_list() {
    std::string out;
    for (auto& k : kSupported) out += (out.empty() ? "" : ", ") + k;
    return out;
  }

  int32_t add(Node n) {
    g.nodes.push_back(std::move(n));
    return int32_t(g.nodes.size() - 1);
  }

  int32_t literal_node(const std::string& text) {
    Node n;
    n.kind = Kind::Literal;
    n.literal = int32_t(g.literals.size());
    n.min_bytes = int64_t(text.size());
    g.literals.push_back(text);
    return add(std::move(n));
  }

  int32_t string_node(int64_t min_len, int64_t max_len) {
    Node n;
    n.kind = Kind::String;
    n.min_count = min_len;
    n.max_count = max_len;
    n.min_bytes = sat(2 + min_len);
    return add(std::move(n));
  }

  int32_t number_node(Kind kind) {
    Node n;
    n.kind = kind;
    n.min_bytes = 1;
    return add(std::move(n));
  }

  // A union of the members (unions among them are flattened); one member stays itself.
  Node union_of(const std::vector<int32_t>& members) {
    Node u;
    u.kind = Kind::Union;
    u.min_bytes = kNever;
    for (int32_t m : members) {
      const Node& nd = g.nodes[size_t(m)];
      if (nd.kind == Kind::Union) u.branches.insert(u.branches.end(), nd.branches.begin(), nd.branches.end());
      else u.branches.push_back(m);
      u.min_bytes = std::min(u.min_bytes, nd.min_bytes);
    }
    return u;
  }
  int32_t union_node(const std::vector<int32_t>& members) {
    if (members.size() == 1) return members[0];
    return add(union_of(members));
  }

  static int64_t count_keyword(const ojson& s, const char* key, const std::string& path, int64_t dflt) {
    if (!s.contains(key)) return dflt;
    const ojson& v = s.at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < 0) fail(join(path, key), "must be a non-negative integer");
    return v.get<int64_t>();
  }

  // anyOf: each branch with the sibling keywords merged in.
  int32_t compile_any_of(const ojson& s, const std::string& path) {
    const ojson& branches = s.at("anyOf");
    std::string ap = join(path, "anyOf");
    if (!branches.is_array() || branches.empty()) fail(ap, "must be a non-empty array of schemas");
    std::vector<int32_t> members;
    for (size_t i = 0; i < branches.size(); ++i) {
      std::string bp = join(ap, std::to_string(i));
      ojson merged = branches[i].is_boolean() && branches[i].get<bool>() ? ojson::object() : branches[i];
      if (!merged.is_object()) fail(bp, "a branch of anyOf must be an object schema or true");
      for (auto& [k, v] : s.items()) {
        if (k == "anyOf" || kAnnotations.count(k)) continue;
        if (merged.contains(k) && merged.at(k) != v)
          fail(join(bp, k), "keyword '" + k + "' both beside anyOf and inside a branch with another value");
        merged[k] = v;
      }
      members.push_back(compile(merged, bp));
    }
    return union_node(members);
  }

  // enum / const: literal texts of the values that the rest of the schema accepts.
  int32_t compile_values(const ojson& s, const std::string& path) {
    std::vector<ojson> values;
    std::string where = s.contains("enum") ? join(path, "enum") : join(path, "const");
    if (s.contains("enum")) {
      const ojson& e = s.at("enum");
      if (!e.is_array() || e.empty()) fail(where, "must be a non-empty array");
      values.assign(e.begin(), e.end());
    }
    if (s.contains("const")) {
      if (!s.contains("enum")) values = {s.at("const")};
      else std::erase_if(values, [&](const ojson& v) { return v != s.at("const"); });
    }
    ojson rest = ojson::object();
    for (auto& [k, v] : s.items())
      if (k != "enum" && k != "const" && !kAnnotations.count(k)) rest[k] = v;
    int32_t constraint = rest.empty() ? -1 : compile(rest, path);
    std::vector<int32_t> members;
    std::set<std::string> seen;
    for (const ojson& v : values) {
      std::string text = v.dump(-1, ' ', false, ojson::error_handler_t::strict);
      if (!seen.insert(text).second) continue;
      if (constraint >= 0 && !g.matches(constraint, text)) continue;
      members.push_back(literal_node(text));
    }
    if (members.empty()) fail(where, "no value is allowed by the rest of the schema");
    return union_node(members);
  }

  int32_t compile_types(const ojson& s, const std::string& path) {
    std::vector<std::string> types;
    if (s.contains("type")) {
      const ojson& t = s.at("type");
      std::string tp = join(path, "type");
      std::vector<ojson> names = t.is_array() ? std::vector<ojson>(t.begin(), t.end()) : std::vector<ojson>{t};
      if (names.empty()) fail(tp, "must name at least one type");
      for (const ojson& n : names) {
        if (!n.is_string() || std::find(kTypes.begin(), kTypes.end(), n.get<std::string>()) == kTypes.end())
          fail(tp, "unknown type " + n.dump() + " (one of object, array, string, number, integer, boolean, null)");
        if (std::find(types.begin(), types.end(), n.get<std::string>()) == types.end())
          types.push_back(n.get<std::string>());
      }
    } else {
      types = {"object", "array", "string", "number", "boolean", "null"};
    }
    bool has_number = std::find(types.begin(), types.end(), "number") != types.end();
    std::vector<int32_t> members;
    for (const std::string& t : types) {
      if (t == "object") members.push_back(compile_object(s, path));
      else if (t == "array") members.push_back(compile_array(s, path));
      else if (t == "string") members.push_back(compile_string(s, path));
      else if (t == "number") members.push_back(number_node(Kind::Number));
      else if (t == "integer" && !has_number) members.push_back(number_node(Kind::Integer));
      else if (t == "boolean") members.insert(members.end(), {literal_node("true"), literal_node("false")});
      else if (t == "null") members.push_back(literal_node("null"));
    }
    return union_node(members);
  }

  int32_t compile_object(const ojson& s, const std::string& path) {
    bool additional = true;
    if (s.contains("additionalProperties")) {
      const ojson& a = s.at("additionalProperties");
      if (!a.is_boolean())
        fail(join(path, "additionalProperties"), "only true or false is supported, not a schema");
      additional = a.get<bool>();
    }
    std::vector<std::string> required;
    if (s.contains("required")) {
      const ojson& r = s.at("required");
      if (!r.is_array()) fail(join(path, "required"), "must be an array of property names");
      for (const ojson& n : r) {
        if (!n.is_string()) fail(join(path, "required"), "must be an array of property names");
        required.push_back(n.get<std::string>());
      }
    }
    if (!s.contains("properties")) {
      if (!required.empty())
        fail(join(path, "required"), "names '" + required[0] + "', which is not in properties");
      if (additional) return any_object_node();
      Node n;  // additionalProperties false and no properties: only {}
      n.kind = Kind::Object;
      n.required_cost = {0};
      n.min_bytes = 2;
      return add(std::move(n));
    }
    const ojson& props = s.at("properties");
    std::string pp = join(path, "properties");
    if (!props.is_object()) fail(pp, "must be an object of schemas");
    for (const std::string& r : required)
      if (!props.contains(r)) fail(join(path, "required"), "names '" + r + "', which is not in properties");
    Node n;
    n.kind = Kind::Object;
    for (auto& [name, sub] : props.items()) {
      JsonGrammar::Property p;
      p.value = compile(sub, join(pp, name));
      p.required = std::find(required.begin(), required.end(), name) != required.end();
      p.key = literal_node(ojson(name).dump(-1, ' ', false, ojson::error_handler_t::strict) + ":");
      n.props.push_back(p);
    }
    n.required_cost.assign(n.props.size() + 1, 0);
    for (size_t i = n.props.size(); i-- > 0;) {
      const auto& p = n.props[i];
      int64_t own = p.required ? 1 + g.nodes[size_t(p.key)].min_bytes + g.nodes[size_t(p.value)].min_bytes : 0;
      n.required_cost[i] = sat(n.required_cost[i + 1] + own);
    }
    // `{` + the required properties (the first without its comma) + `}`.
    n.min_bytes = sat(2 + std::max<int64_t>(0, n.required_cost[0] - 1));
    return add(std::move(n));
  }

  int32_t any_object_node() {
    return g.nodes[size_t(any_value())].branches[0];  // any_value()'s first member
  }

  int32_t compile_array(const ojson& s, const std::string& path) {
    Node n;
    n.kind = Kind::Array;
    if (s.contains("items")) {
      const ojson& it = s.at("items");
      if (it.is_array()) fail(join(path, "items"), "an array of schemas (tuple validation) is not supported");
      n.child = compile(it, join(path, "items"));
    } else {
      n.child = any_value();
    }
    n.min_count = count_keyword(s, "minItems", path, 0);
    n.max_count = count_keyword(s, "maxItems", path, -1);
    if (n.max_count >= 0 && n.min_count > n.max_count) fail(join(path, "minItems"), "is greater than maxItems");
    int64_t item = g.nodes[size_t(n.child)].min_bytes;
    n.min_bytes = n.min_count == 0 ? 2 : sat(2 + sat(n.min_count * (item + 1)) - 1);
    return add(std::move(n));
  }

  int32_t compile_string(const ojson& s, const std::string& path) {
    int64_t lo = count_keyword(s, "minLength", path, 0), hi = count_keyword(s, "maxLength", path, -1);
    if (hi >= 0 && lo > hi) fail(join(path, "minLength"), "is greater than maxLength");
    return string_node(lo, hi);
  }
};

JsonGrammar finish(Compiler& c, int32_t root) {
  c.g.root = root;
  return std::move(c.g);
}

}  // namespace

JsonSchemaError::JsonSchemaError(std::string p, const std::string& what)
    : Error("response_format schema: " + (p.empty() ? std::string("(root)") : p) + ": " + what), path(std::move(p)) {}

JsonGrammar JsonGrammar::any_object() {
  Compiler c;
  int32_t any = c.any_value();
  return finish(c, c.g.nodes[size_t(any)].branches[0]);
}

JsonGrammar JsonGrammar::from_schema(const nlohmann::ordered_json& schema) {
  Compiler c;
  int32_t root = c.compile(schema, "");
  return finish(c, root);
}

JsonGrammar JsonGrammar::from_schema(const nlohmann::json& schema) {
  return from_schema(nlohmann::ordered_json::parse(schema.dump()));
}

bool JsonGrammar::matches(int32_t node, const std::string& text) const {
  JsonMachine m(*this);
  JsonArena arena;
  JsonState cur, next;
  m.start(arena, cur, node);
  for (char ch : text) {
    m.step(cur, uint8_t(ch), arena, next);
    std::swap(cur, next);
    if (cur.empty()) return false;
  }
  return m.accepting(cur);
}

}  // namespace lmf
