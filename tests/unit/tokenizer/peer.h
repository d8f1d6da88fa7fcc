// Test support for the tokenizer: runs the node peers in tests/tokenizer/ (tiktoken, Hugging
// Face tokenizers) on the test corpora and reads what they wrote.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lmf::test {

// Corpus names written by tests/tokenizer/corpora.js.
inline const std::vector<std::string> kCorpora = {"brown", "spam", "stress"};
// Subsampling of the corpora in `make test` (every Nth e-mail), to keep the suite fast.
constexpr int kSpamEvery = 8;

// Runs `node tests/tokenizer/SCRIPT ARGS` (output to a log); throws with the log on failure.
void run_node(const std::string& script, const std::string& args);

// The "text" fields of a JSONL file.
std::vector<std::string> read_texts(const std::string& path);
// One vector of ids per line of a file of space-separated ids.
std::vector<std::vector<uint32_t>> read_ids(const std::string& path);

// Empty when equal, else a message naming the document, the first differing position and
// the ids around it.
std::string compare_ids(const std::vector<std::vector<uint32_t>>& got, const std::vector<std::vector<uint32_t>>& want,
                        const std::string& what);

}  // namespace lmf::test
