#include "infer/json_constraint.h"

#include <algorithm>
#include <limits>

#include "infer/json_automaton.h"

namespace lmf {

struct JsonConstraint::Impl {
  std::shared_ptr<const JsonGrammar> grammar;
  std::shared_ptr<const JsonVocab> vocab;
  JsonMachine machine;
  JsonArena arena;  // the links of every state so far (the current state's included)
  JsonState state;
  std::string text;

  // Scratch of mask(): the trie walk's states per depth and the arena marks under them.
  mutable JsonArena scratch;
  mutable std::vector<JsonState> levels;
  mutable std::vector<size_t> marks;
  mutable std::vector<uint8_t> allowed;

  Impl(std::shared_ptr<const JsonGrammar> g, std::shared_ptr<const JsonVocab> v)
      : grammar(std::move(g)), vocab(std::move(v)), machine(*grammar) {
    machine.start(arena, state);
    levels.resize(size_t(vocab->max_token_bytes()) + 1);
    marks.resize(levels.size());
  }

  // allowed[id] = 1 for each token whose bytes continue the state and leave a closing text
  // of at most `budget` bytes.
  void allow(int64_t budget) const {
    // Inside strings only: plain tokens by their character counts, the others by the trie.
    bool in_string = true;
    for (const JsonLink* l : state) {
      int64_t lo, hi;
      if (!machine.plain_chars_range(l, budget, lo, hi)) {
        in_string = false;
        break;
      }
      const auto& chars = vocab->plain_chars();
      auto first = std::lower_bound(chars.begin(), chars.end(), lo);
      auto last = std::upper_bound(chars.begin(), chars.end(), hi);
      for (auto it = first; it < last; ++it) allowed[size_t(vocab->plain_ids()[size_t(it - chars.begin())])] = 1;
    }
    walk(in_string ? vocab->nonplain_trie() : vocab->trie(), budget);
  }

  // Walks the trie depth-first, skipping every subtree whose prefix already fails.
  void walk(const JsonVocab::Trie& trie, int64_t budget) const {
    levels[0] = state;
    scratch.rewind(0);
    marks[0] = 0;
    for (size_t i = 0; i < trie.nodes.size();) {
      const JsonVocab::TrieNode& nd = trie.nodes[i];
      size_t d = size_t(nd.depth);
      scratch.rewind(marks[d - 1]);
      JsonState& cur = levels[d];
      machine.step(levels[d - 1], nd.byte, scratch, cur);
      if (cur.empty()) {
        i = size_t(nd.skip);
        continue;
      }
      marks[d] = scratch.mark();
      if (nd.tokens_begin < nd.tokens_end && machine.close_bytes(cur) <= budget)
        for (int32_t k = nd.tokens_begin; k < nd.tokens_end; ++k) allowed[size_t(trie.ids[size_t(k)])] = 1;
      ++i;
    }
  }
};

JsonConstraint::JsonConstraint(std::shared_ptr<const JsonGrammar> grammar, std::shared_ptr<const JsonVocab> vocab)
    : impl_(std::make_unique<Impl>(std::move(grammar), std::move(vocab))) {
  shortest_ = impl_->machine.close_bytes(impl_->state);
}

JsonConstraint::JsonConstraint(JsonConstraint&&) noexcept = default;
JsonConstraint& JsonConstraint::operator=(JsonConstraint&&) noexcept = default;
JsonConstraint::~JsonConstraint() = default;

JsonConstraint JsonConstraint::any_object(std::shared_ptr<const JsonVocab> vocab) {
  return JsonConstraint(std::make_shared<const JsonGrammar>(JsonGrammar::any_object()), std::move(vocab));
}

JsonConstraint JsonConstraint::from_schema(const nlohmann::ordered_json& schema, std::shared_ptr<const JsonVocab> vocab) {
  return JsonConstraint(std::make_shared<const JsonGrammar>(JsonGrammar::from_schema(schema)), std::move(vocab));
}

JsonConstraint JsonConstraint::from_schema(const nlohmann::json& schema, std::shared_ptr<const JsonVocab> vocab) {
  return JsonConstraint(std::make_shared<const JsonGrammar>(JsonGrammar::from_schema(schema)), std::move(vocab));
}

void JsonConstraint::mask(float* logits, int64_t V, int64_t remaining, int32_t eos) const {
  Impl& m = *impl_;
  int64_t n = m.vocab->size();
  m.allowed.assign(size_t(n), 0);
  bool eos_ok = remaining >= 1 && m.machine.accepting(m.state);
  bool any = false;
  if (remaining >= 1) {
    m.allow(remaining - 1);
    for (uint8_t a : m.allowed) any |= a != 0;
  }
  if (!any) eos_ok = true;  // nothing fits: stop (complete() tells whether a document was made)
  const float ninf = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < V; ++i) {
    bool ok = (i < n && m.allowed[size_t(i)]) || (eos_ok && i == eos);
    if (!ok) logits[i] = ninf;
  }
}

void JsonConstraint::accept(int32_t token) {
  Impl& m = *impl_;
  if (token < 0 || token >= m.vocab->size()) throw Error("json constraint: token " + std::to_string(token) + " is outside the vocabulary");
  const std::string& bytes = m.vocab->bytes(token);
  if (bytes.empty()) {
    if (complete()) return;
    throw Error("json constraint: token " + std::to_string(token) + " (a special token) before the document is complete");
  }
  JsonState cur = m.state, next;
  for (size_t i = 0; i < bytes.size(); ++i) {
    m.machine.step(cur, uint8_t(bytes[i]), m.arena, next);
    if (next.empty())
      throw Error("json constraint: token " + std::to_string(token) + " " + nlohmann::json(std::string(bytes)).dump(
                      -1, ' ', false, nlohmann::json::error_handler_t::replace) +
                  " cannot continue " +
                  nlohmann::json(m.text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                  " (at its byte " + std::to_string(i) + ")");
    std::swap(cur, next);
  }
  m.state = std::move(cur);
  m.text += bytes;
}

bool JsonConstraint::allows(int32_t token, int64_t remaining) const {
  const Impl& m = *impl_;
  if (token < 0 || token >= m.vocab->size() || m.vocab->bytes(token).empty() || remaining < 1) return false;
  m.scratch.rewind(0);
  JsonState cur = m.state, next;
  for (char ch : m.vocab->bytes(token)) {
    m.machine.step(cur, uint8_t(ch), m.scratch, next);
    if (next.empty()) return false;
    std::swap(cur, next);
  }
  return m.machine.close_bytes(cur) <= remaining - 1;
}

bool JsonConstraint::complete() const { return impl_->machine.accepting(impl_->state); }
int64_t JsonConstraint::closing_bytes() const { return impl_->machine.close_bytes(impl_->state); }
bool JsonConstraint::budget_guaranteed() const { return impl_->vocab->has_every_byte(); }
const std::string& JsonConstraint::text() const { return impl_->text; }

}  // namespace lmf
