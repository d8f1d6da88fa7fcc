// Test support for the tokenizer: runs the node peers in tests/reference/ (tiktoken_ids.js,
// hf_ids.js: tiktoken and Hugging Face tokenizers) on the test corpora (corpora.js) and reads
// what they wrote.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/token_id.h"

namespace lmf::test {

// Corpus names written by tests/reference/corpora.js.
inline const std::vector<std::string> kCorpora = {"brown", "spam", "stress"};
// Subsampling in `make test`: every 8th SpamAssassin e-mail (the Brown corpus is whole).
constexpr int kSpamEvery = 8;

// Where the corpora are kept (in the build folder, shared by the test processes; written by
// corpora.js when missing or out of date). ensure_corpora() writes them if needed.
std::string corpus_dir();
void ensure_corpora();
// The documents of a corpus; with every > 1 only every Nth (the stress set is always whole),
// the subset that the peers encode when given the same `every`.
std::vector<std::string> corpus_texts(const std::string& name, int every = 1);

// The peers' ids for every corpus, written into outdir (see the scripts for file names).
void tiktoken_ids(const std::string& encoding, const std::string& mode, const std::string& outdir);
void hf_ids(const std::string& tokenizer_json, const std::string& tag, const std::string& outdir, int every = 1);

// Runs `node tests/reference/SCRIPT ARGS` (output to a log); throws with the log on failure.
void run_node(const std::string& script, const std::string& args);

// The "text" fields of a JSONL file.
std::vector<std::string> read_texts(const std::string& path);
// One vector of ids per line of a file of space-separated ids.
std::vector<std::vector<TokenId>> read_ids(const std::string& path);

// Empty when equal, else a message naming the document, the first differing position and
// the ids around it.
std::string compare_ids(const std::vector<std::vector<TokenId>>& got, const std::vector<std::vector<TokenId>>& want,
                        const std::string& what);

}  // namespace lmf::test
