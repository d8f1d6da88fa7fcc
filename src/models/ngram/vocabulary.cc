#include "models/ngram/vocabulary.h"

namespace lmf::ngram {

Vocabulary::Vocabulary() {
  add(kUnkWord);
  add(kBosWord);
  add(kEosWord);
}

WordId Vocabulary::add(std::string_view word) {
  auto [it, inserted] = ids_.try_emplace(std::string(word), WordId(words_.size()));
  if (inserted) words_.emplace_back(word);
  return it->second;
}

WordId Vocabulary::find(std::string_view word) const {
  auto it = ids_.find(std::string(word));
  return it == ids_.end() ? kUnk : it->second;
}

bool Vocabulary::contains(std::string_view word) const { return ids_.count(std::string(word)) > 0; }

}  // namespace lmf::ngram
