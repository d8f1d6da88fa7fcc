#include "eval/template.h"

#include <cctype>
#include <cstdio>
#include <cstring>

#include "core/error.h"

namespace lmf::eval {

struct Template::Node {
  enum Kind { Text, Name, Str, Int, List, Attr, Index, Filter, Concat } kind = Text;
  std::string s;                             // text, name, string, attribute or filter name
  int64_t i = 0;                             // integer or index
  std::vector<std::shared_ptr<Node>> kids;   // operands (the object first)
};

namespace {

using NodeP = std::shared_ptr<Template::Node>;

[[noreturn]] void fail(const std::string& where, const std::string& msg) { throw Error(where + ": " + msg); }

class Parser {
 public:
  Parser(const std::string& e, const std::string& where) : e_(e), where_(where) {}

  NodeP parse() {
    NodeP n = concat();
    skip();
    if (p_ < e_.size()) unsupported();
    return n;
  }

 private:
  const std::string& e_;
  const std::string& where_;
  size_t p_ = 0;

  void skip() {
    while (p_ < e_.size() && std::isspace(uint8_t(e_[p_]))) ++p_;
  }
  bool eat(char c) {
    skip();
    if (p_ < e_.size() && e_[p_] == c) return ++p_, true;
    return false;
  }
  [[noreturn]] void unsupported() {
    fail(where_, "unsupported template construct '" + e_.substr(p_, 20) + "' in {{ " + e_ +
                     " }} (supported: names, .attr, [index], 'strings', integers, [lists], ~, and the filters "
                     "trim, lower, upper, replace)");
  }
  std::string ident() {
    skip();
    size_t s = p_;
    while (p_ < e_.size() && (std::isalnum(uint8_t(e_[p_])) || e_[p_] == '_')) ++p_;
    if (s == p_ || std::isdigit(uint8_t(e_[s]))) p_ = s, unsupported();
    return e_.substr(s, p_ - s);
  }
  std::string string_lit() {
    const char q = e_[p_++];
    std::string out;
    while (p_ < e_.size() && e_[p_] != q) {
      if (e_[p_] == '\\' && p_ + 1 < e_.size()) {
        const char c = e_[++p_];
        out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
        ++p_;
      } else {
        out += e_[p_++];
      }
    }
    if (p_ >= e_.size()) fail(where_, "unterminated string in {{ " + e_ + " }}");
    ++p_;
    return out;
  }
  NodeP concat() {
    NodeP a = filtered();
    while (eat('~')) {
      NodeP c = std::make_shared<Template::Node>();
      c->kind = Template::Node::Concat;
      c->kids = {a, filtered()};
      a = c;
    }
    return a;
  }
  NodeP filtered() {
    NodeP a = primary();
    while (eat('|')) {
      NodeP f = std::make_shared<Template::Node>();
      f->kind = Template::Node::Filter;
      const size_t at = p_;
      f->s = ident();
      f->kids = {a};
      if (f->s != "trim" && f->s != "lower" && f->s != "upper" && f->s != "replace")
        fail(where_, "unsupported template filter '" + f->s + "' in {{ " + e_ + " }} (supported: trim, lower, upper, replace)");
      if (eat('(')) {
        do f->kids.push_back(concat());
        while (eat(','));
        if (!eat(')')) unsupported();
      }
      const size_t want = f->s == "replace" ? 3 : 1;
      if (f->kids.size() != want) {
        p_ = at;
        fail(where_, "filter '" + f->s + "' takes " + std::to_string(want - 1) + " argument(s) in {{ " + e_ + " }}");
      }
      a = f;
    }
    return a;
  }
  NodeP primary() {
    skip();
    if (p_ >= e_.size()) fail(where_, "empty expression in {{ " + e_ + " }}");
    NodeP n = std::make_shared<Template::Node>();
    const char c = e_[p_];
    if (c == '\'' || c == '"') {
      n->kind = Template::Node::Str;
      n->s = string_lit();
      return n;
    }
    if (std::isdigit(uint8_t(c)) || (c == '-' && p_ + 1 < e_.size() && std::isdigit(uint8_t(e_[p_ + 1])))) {
      size_t used = 0;
      n->kind = Template::Node::Int;
      n->i = std::stoll(e_.substr(p_), &used);
      p_ += used;
      if (p_ < e_.size() && e_[p_] == '.') unsupported();
      return n;
    }
    if (c == '[') {
      ++p_;
      n->kind = Template::Node::List;
      if (!eat(']')) {
        do n->kids.push_back(concat());
        while (eat(','));
        if (!eat(']')) unsupported();
      }
      return n;
    }
    if (c == '(') {
      ++p_;
      NodeP inner = concat();
      if (!eat(')')) unsupported();
      return inner;
    }
    n->kind = Template::Node::Name;
    n->s = ident();
    if (n->s == "true" || n->s == "false" || n->s == "none" || n->s == "True" || n->s == "False" || n->s == "None" ||
        n->s == "not" || n->s == "and" || n->s == "or" || n->s == "in" || n->s == "if")
      p_ -= n->s.size(), unsupported();
    for (;;) {
      skip();
      if (p_ < e_.size() && e_[p_] == '.') {
        ++p_;
        NodeP a = std::make_shared<Template::Node>();
        a->kind = Template::Node::Attr;
        a->s = ident();
        a->kids = {n};
        n = a;
      } else if (p_ < e_.size() && e_[p_] == '[') {
        ++p_;
        skip();
        NodeP a = std::make_shared<Template::Node>();
        a->kind = Template::Node::Index;
        a->kids = {n, concat()};
        if (!eat(']')) unsupported();
        n = a;
      } else {
        break;
      }
    }
    skip();
    if (p_ < e_.size() && e_[p_] == '(') unsupported();
    return n;
  }
};

Doc eval_node(const Template::Node& n, const Doc& doc, const std::string& where) {
  using K = Template::Node;
  switch (n.kind) {
    case K::Text:
    case K::Str: return n.s;
    case K::Int: return n.i;
    case K::Name:
      if (!doc.is_object() || !doc.contains(n.s)) fail(where, "the document has no field '" + n.s + "'");
      return doc[n.s];
    case K::Attr: {
      const Doc o = eval_node(*n.kids[0], doc, where);
      if (!o.is_object() || !o.contains(n.s)) fail(where, "no field '" + n.s + "' in " + value_text(o).substr(0, 60));
      return o[n.s];
    }
    case K::Index: {
      const Doc o = eval_node(*n.kids[0], doc, where);
      const Doc key = eval_node(*n.kids[1], doc, where);
      if (key.is_string()) {
        if (!o.is_object() || !o.contains(key.get<std::string>())) fail(where, "no field '" + key.get<std::string>() + "' in " + value_text(o).substr(0, 60));
        return o[key.get<std::string>()];
      }
      if (!key.is_number_integer()) fail(where, "an index must be an integer or a string, not " + value_text(key));
      int64_t i = key.get<int64_t>();
      const std::string shown = "[" + std::to_string(i) + "]";
      if (o.is_string()) {
        // Python indexes a str by code point; only ASCII strings are indexed here.
        const std::string s = o.get<std::string>();
        if (i < 0) i += int64_t(s.size());
        if (i < 0 || i >= int64_t(s.size())) fail(where, "index " + shown + " out of range");
        return std::string(1, s[size_t(i)]);
      }
      if (!o.is_array()) fail(where, "index " + shown + " of a value that is not a list");
      if (i < 0) i += int64_t(o.size());
      if (i < 0 || i >= int64_t(o.size())) fail(where, "index " + shown + " out of range (" + std::to_string(o.size()) + " items)");
      return o[size_t(i)];
    }
    case K::List: {
      Doc l = Doc::array();
      for (const auto& k : n.kids) l.push_back(eval_node(*k, doc, where));
      return l;
    }
    case K::Concat: return value_text(eval_node(*n.kids[0], doc, where)) + value_text(eval_node(*n.kids[1], doc, where));
    case K::Filter: {
      std::string s = value_text(eval_node(*n.kids[0], doc, where));
      if (n.s == "trim") {
        size_t b = 0, e = s.size();
        while (b < e && std::isspace(uint8_t(s[b]))) ++b;
        while (e > b && std::isspace(uint8_t(s[e - 1]))) --e;
        return s.substr(b, e - b);
      }
      if (n.s == "lower" || n.s == "upper") {
        for (char& c : s) c = char(n.s == "lower" ? std::tolower(uint8_t(c)) : std::toupper(uint8_t(c)));
        return s;
      }
      const std::string from = value_text(eval_node(*n.kids[1], doc, where)), to = value_text(eval_node(*n.kids[2], doc, where));
      if (from.empty()) return s;
      std::string out;
      for (size_t at = 0;;) {
        const size_t hit = s.find(from, at);
        if (hit == std::string::npos) return out + s.substr(at);
        out += s.substr(at, hit - at) + to;
        at = hit + from.size();
      }
    }
  }
  return nullptr;
}

}  // namespace

std::string python_repr(const std::string& s) {
  const bool dq = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char q = dq ? '"' : '\'';
  std::string out(1, q);
  for (unsigned char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == q) out += std::string("\\") + char(q);
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else out += char(c);
  }
  return out + q;
}

namespace {
std::string repr(const Doc& v) {
  if (v.is_string()) return python_repr(v.get<std::string>());
  if (v.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + repr(v[i]);
    return out + "]";
  }
  if (v.is_object()) {
    std::string out = "{";
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it, first = false) out += (first ? "" : ", ") + python_repr(it.key()) + ": " + repr(it.value());
    return out + "}";
  }
  return value_text(v);
}
}  // namespace

std::string value_text(const Doc& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_null()) return "None";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number_float()) return v.dump();
  return repr(v);
}

Template Template::parse(const std::string& text, const std::string& where) {
  Template t;
  t.where_ = where;
  size_t at = 0;
  int exprs = 0;
  bool other_text = false;
  while (at < text.size()) {
    const size_t open = text.find('{', at);
    size_t stop = open;
    while (stop != std::string::npos && stop + 1 < text.size() && text[stop + 1] != '{' && text[stop + 1] != '%' &&
           text[stop + 1] != '#')
      stop = text.find('{', stop + 1);
    if (stop == std::string::npos || stop + 1 >= text.size()) {
      auto n = std::make_shared<Node>();
      n->s = text.substr(at);
      t.parts_.push_back(n);
      other_text = other_text || !n->s.empty();
      break;
    }
    if (text[stop + 1] == '%' || text[stop + 1] == '#')
      fail(where, std::string("unsupported template construct '") + text.substr(stop, 2) + "' (statements and comments; only {{ expressions }} are supported)");
    if (stop > at) {
      auto n = std::make_shared<Node>();
      n->s = text.substr(at, stop - at);
      t.parts_.push_back(n);
      other_text = true;
    }
    const size_t close = text.find("}}", stop + 2);
    if (close == std::string::npos) fail(where, "'{{' without '}}'");
    const std::string expr = text.substr(stop + 2, close - stop - 2);
    t.parts_.push_back(Parser(expr, where).parse());
    ++exprs;
    at = close + 2;
  }
  t.single_ = exprs == 1 && !other_text;
  return t;
}

std::string Template::render(const Doc& doc) const {
  std::string out;
  for (const auto& p : parts_) out += p->kind == Node::Text ? p->s : value_text(eval_node(*p, doc, where_));
  return out;
}

Doc Template::evaluate(const Doc& doc) const {
  if (single_) {
    for (const auto& p : parts_)
      if (p->kind != Node::Text) return eval_node(*p, doc, where_);
  }
  return render(doc);
}

namespace {
struct LiteralParser {
  const std::string& s;
  const std::string& where;
  size_t p = 0;
  void skip() {
    while (p < s.size() && std::isspace(uint8_t(s[p]))) ++p;
  }
  [[noreturn]] void bad() { fail(where, "not a Python literal list: " + s.substr(0, 80)); }
  Doc value() {
    skip();
    if (p >= s.size()) bad();
    const char c = s[p];
    if (c == '[') {
      ++p;
      Doc l = Doc::array();
      skip();
      if (p < s.size() && s[p] == ']') return ++p, l;
      for (;;) {
        l.push_back(value());
        skip();
        if (p < s.size() && s[p] == ',') {
          ++p;
          skip();
          if (p < s.size() && s[p] == ']') return ++p, l;
          continue;
        }
        if (p < s.size() && s[p] == ']') return ++p, l;
        bad();
      }
    }
    if (c == '\'' || c == '"') {
      ++p;
      std::string out;
      while (p < s.size() && s[p] != c) {
        if (s[p] == '\\' && p + 1 < s.size()) {
          const char e = s[++p];
          if (e == 'n') out += '\n';
          else if (e == 't') out += '\t';
          else if (e == 'r') out += '\r';
          else if (e == 'x' && p + 2 < s.size()) out += char(std::stoi(s.substr(p + 1, 2), nullptr, 16)), p += 2;
          else out += e;
          ++p;
        } else out += s[p++];
      }
      if (p >= s.size()) bad();
      ++p;
      return out;
    }
    for (const char* w : {"True", "False", "None"})
      if (s.compare(p, std::strlen(w), w) == 0) {
        p += std::strlen(w);
        return w[0] == 'T' ? Doc(true) : w[0] == 'F' ? Doc(false) : Doc(nullptr);
      }
    size_t used = 0;
    try {
      const std::string rest = s.substr(p);
      const double d = std::stod(rest, &used);
      const std::string num = rest.substr(0, used);
      p += used;
      if (num.find_first_of(".eE") == std::string::npos) return std::stoll(num);
      return d;
    } catch (const std::logic_error&) {
      bad();
    }
  }
};
}  // namespace

Doc parse_python_literal(const std::string& text, const std::string& where) {
  LiteralParser lp{text, where};
  Doc v = lp.value();
  lp.skip();
  if (lp.p != text.size()) lp.bad();
  return v;
}

}  // namespace lmf::eval
