// FactWorld: facts about invented countries, for teaching and measuring answers from
// retrieved sources. Nothing in it exists outside this generator, so a model can know a
// fact only from its documents: one it was never trained on is answered only by reading.
//
// Every country has six facts, each one document of one sentence (id "NAME/RELATION"):
//   founded   "Velomar was founded in 1742."             "In what year was Velomar founded?"
//   capital   "The capital of Velomar is Druskan."       "What is the capital of Velomar?"
//   flag      "The flag of Velomar is green."            "What colour is the flag of Velomar?"
//   founder   "Velomar was founded by Tavi Roonek."      "Who founded Velomar?"
//   animal    "The national animal of Velomar is the otter."  "What is the national animal of Velomar?"
//   river     "The longest river in Velomar is the Asku."     "What is the longest river in Velomar?"
// (each relation has one or two question wordings, drawn per question). Names are made of
// syllables from a fixed list and are unique across the world (countries, cities, rivers,
// people); a year is drawn from 1100 to 1999, a colour from 16, an animal from 24.
//
// Promises: the same options give the same world, byte for byte (a generator of its own, not
// the standard library's distributions); the answer appears in its document's text as a
// whole word (or words) and in no other document of its country; held-out countries are the
// last `held_out` ones and share no name with a training country; documents[i] and
// questions[i] are the same fact, and a country's six facts are consecutive, in the order above.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lmf::augment {

inline constexpr int kFactRelations = 6;

struct FactDocument {
  std::string id, text;
  int64_t entity;  // index into FactWorld::entities
};

struct FactQuestion {
  std::string id;  // the document's id: one question a fact
  std::string question, answer;
  std::string doc;  // the id of the document that holds the answer
  int64_t entity;
};

struct FactWorldOptions {
  int64_t entities = 400;  // training countries
  int64_t held_out = 50;   // countries kept out of training, after the training ones
  uint64_t seed = 1;
};

struct FactWorld {
  std::vector<std::string> entities;  // country names; [entities, entities + held_out) held out
  int64_t training = 0;               // how many of them are training countries
  std::vector<FactDocument> documents;
  std::vector<FactQuestion> questions;  // [i] asks about documents[i]

  bool held_out(int64_t entity) const { return entity >= training; }
};

// Error when entities < 1, held_out < 0 or the world needs more names than the syllables give.
FactWorld make_fact_world(const FactWorldOptions& o);

// True when `word` (one or more words) occurs in `text` with no letter or digit right
// before or after it.
bool contains_word(std::string_view text, std::string_view word);

}  // namespace lmf::augment
