#include "augment/fact_world.h"

#include <array>
#include <unordered_set>

#include "core/error.h"
#include "core/random.h"

namespace lmf::augment {
namespace {

constexpr std::array<const char*, 40> kSyllables = {
    "ka", "lo", "mi", "ren", "tor", "vel", "sa", "dun", "bri", "sho", "ta", "mar", "ne", "qui",
    "zo", "fa", "lin", "gor", "pe", "ru", "hal", "ko", "vi", "dra", "mos", "te", "an", "bel",
    "ur", "ith", "ga", "nor", "si", "pra", "lum", "e", "ost", "ya", "cel", "wen"};
constexpr std::array<const char*, 16> kColours = {"red",    "blue",  "green", "yellow", "white",  "black",
                                                  "purple", "orange", "grey", "brown",  "pink",   "silver",
                                                  "gold",   "violet", "teal", "crimson"};
constexpr std::array<const char*, 24> kAnimals = {
    "otter", "lynx",  "heron", "badger", "falcon", "bison",  "crane", "wolf",    "stag",   "owl",   "beaver", "eagle",
    "hare",  "swan",  "boar",  "marten", "raven",  "salmon", "tiger", "panther", "walrus", "camel", "ibex",   "viper"};

using Rng = SplitMix64;

class NameMaker {
 public:
  explicit NameMaker(Rng& rng) : rng_(rng) {}
  // A new capitalised name of `lo`..`hi` syllables, unlike every name made before.
  std::string make(int lo, int hi) {
    for (int attempt = 0; attempt < 1000; ++attempt) {
      const int n = lo + int(rng_.below(hi - lo + 1));
      std::string name;
      for (int i = 0; i < n; ++i) name += kSyllables[size_t(rng_.below(int64_t(kSyllables.size())))];
      if (name.size() < 3) continue;
      name[0] = char(name[0] - 'a' + 'A');
      if (used_.insert(name).second) return name;
    }
    throw Error("fact world: ran out of distinct names; ask for fewer entities");
  }

 private:
  Rng& rng_;
  std::unordered_set<std::string> used_;
};

bool word_char(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80; }

}  // namespace

bool contains_word(std::string_view text, std::string_view word) {
  if (word.empty()) return false;
  for (size_t i = text.find(word); i != std::string_view::npos; i = text.find(word, i + 1)) {
    const bool left = i == 0 || !word_char((unsigned char)text[i - 1]);
    const size_t e = i + word.size();
    const bool right = e == text.size() || !word_char((unsigned char)text[e]);
    if (left && right) return true;
  }
  return false;
}

FactWorld make_fact_world(const FactWorldOptions& o) {
  if (o.entities < 1) throw Error("fact world: entities must be at least 1, got " + std::to_string(o.entities));
  if (o.held_out < 0) throw Error("fact world: held_out must be at least 0, got " + std::to_string(o.held_out));
  if (o.entities + o.held_out > 20000)
    throw Error("fact world: at most 20000 entities in all, got " + std::to_string(o.entities + o.held_out));
  Rng rng{o.seed * 0x2545F4914F6CDD1Dull + 17};
  NameMaker names(rng);
  FactWorld w;
  w.training = o.entities;
  for (int64_t e = 0; e < o.entities + o.held_out; ++e) w.entities.push_back(names.make(2, 3));
  for (int64_t e = 0; e < int64_t(w.entities.size()); ++e) {
    const std::string& E = w.entities[size_t(e)];
    const std::string year = std::to_string(1100 + rng.below(900));
    const std::string capital = names.make(2, 3);
    const std::string colour = kColours[size_t(rng.below(int64_t(kColours.size())))];
    const std::string founder = names.make(2, 2) + " " + names.make(2, 3);
    const std::string animal = kAnimals[size_t(rng.below(int64_t(kAnimals.size())))];
    const std::string river = names.make(2, 3);
    auto pick = [&](std::initializer_list<const char*> forms) {
      return std::string(forms.begin()[rng.below(int64_t(forms.size()))]);
    };
    auto sub = [&](std::string form) {
      const size_t p = form.find('@');
      return form.replace(p, 1, E);
    };
    struct Fact {
      const char* relation;
      std::string text, question, answer;
    };
    const Fact facts[kFactRelations] = {
        {"founded", E + " was founded in " + year + ".", sub(pick({"In what year was @ founded?", "When was @ founded?"})), year},
        {"capital", "The capital of " + E + " is " + capital + ".",
         sub(pick({"What is the capital of @?", "Which city is the capital of @?"})), capital},
        {"flag", "The flag of " + E + " is " + colour + ".", sub("What colour is the flag of @?"), colour},
        {"founder", E + " was founded by " + founder + ".", sub(pick({"Who founded @?", "Who was the founder of @?"})), founder},
        {"animal", "The national animal of " + E + " is the " + animal + ".", sub("What is the national animal of @?"), animal},
        {"river", "The longest river in " + E + " is the " + river + ".",
         sub(pick({"What is the longest river in @?", "Which river is the longest in @?"})), river},
    };
    for (const Fact& f : facts) {
      const std::string id = E + "/" + f.relation;
      w.documents.push_back({id, f.text, e});
      w.questions.push_back({id, f.question, f.answer, id, e});
    }
  }
  return w;
}

}  // namespace lmf::augment
