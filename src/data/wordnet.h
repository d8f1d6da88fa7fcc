// WordNet 3.0's synsets as Debian's wordnet-base installs them (/usr/share/wordnet/data.noun,
// data.verb, data.adj, data.adv): each synset's words and its gloss. The default
// instruction tasks take nouns and their definitions from it (finetune/instruction_tasks.h),
// the default embedding pairs words, synonyms and definitions (augment/embedding_pairs.h).
//
// A synset line reads "OFFSET LEX_FILENUM SS_TYPE W_CNT WORD LEX_ID [WORD LEX_ID ...] ... |
// GLOSS" (W_CNT in hex); the license header's lines start with a space and are skipped, as is
// any line that does not have this form.
#pragma once
#include <string>
#include <vector>

namespace lmf::data {

struct WordNetSynset {
  // The synset's words as the file spells them: underscores for spaces ("ice_cream");
  // adjectives' syntactic markers ("(a)", "(p)", "(ip)") removed.
  std::vector<std::string> words;
  std::string definition;  // the gloss up to its first ';' (its examples left out), trailing spaces removed
};

// The synsets of `pos` ("noun", "verb", "adj" or "adv") in the file DIR/data.POS, in file
// order. Error naming the file when it cannot be opened (Debian package wordnet-base).
std::vector<WordNetSynset> read_wordnet(const std::string& dir, const std::string& pos);

}  // namespace lmf::data
