// Byte-level BPE trainer: learns merges from a corpus and returns a Tokenizer (which
// save_json writes as a Hugging Face tokenizer.json).
//
// Training follows Hugging Face tokenizers' BpeTrainer: the text is read line by line (each
// line with its line ending, as HF's train_from_files does), special tokens are cut out, the
// rest is pretokenized with the pattern and each distinct piece counted (in parallel). Then,
// repeatedly, the most frequent adjacent pair of tokens becomes a new token. Pair counts are
// kept up to date incrementally — only the words that contain the merged pair are touched —
// and the best pair comes from a max-heap with lazy re-insertion.
//
// Promises
//   - Deterministic: ties in count go to the pair with the smaller (left id, right id), so the
//     same corpus and options give the same file, whatever the thread count.
//   - Exact size: ids 0..255 are the 256 bytes (id = byte value), then one id per merge, then
//     the special tokens in the order given; vocab_size() == options.vocab_size, or an
//     lmf::Error says how many merges the corpus allows.
//   - Merges stop early only when the best pair occurs fewer than min_frequency times, which
//     is then the same error (lower --vocab-size or --min-frequency).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lmf::tok {

struct TrainerOptions {
  size_t vocab_size = 32000;             // 256 bytes + merges + special tokens
  std::string pattern;                   // pretokenizer regex; empty = builtin_pattern("cl100k")
  std::vector<std::string> special_tokens;
  uint64_t min_frequency = 2;            // a pair must occur at least this often to be merged
  int threads = 0;                       // <= 0: lmf::threads::get()
};

// The merge learning both trainers share (this one and wordpiece_trainer.h): words as
// symbol sequences with their counts; repeatedly the most frequent adjacent pair (ties: the
// smaller (left, right)) is replaced in every word by new_symbol(left, right, merges so far),
// which may also be an existing symbol. Stops when want_more(merges so far) is false, no pair
// is left, or the best pair occurs fewer than max(min_frequency, 1) times. Returns the merges
// in order; words hold the merged sequences.
struct MergeWord {
  std::vector<uint32_t> syms;
  uint64_t count;
};
std::vector<std::pair<uint32_t, uint32_t>> learn_merges(std::vector<MergeWord>& words, uint64_t min_frequency,
                                                         const std::function<bool(size_t)>& want_more,
                                                         const std::function<uint32_t(uint32_t, uint32_t, size_t)>& new_symbol);

// Trains on the contents of files (FormatError naming a file that cannot be read).
Tokenizer train_bpe(const std::vector<std::string>& files, const TrainerOptions& options);
// Trains on texts given in memory (each text is split into lines as a file would be).
Tokenizer train_bpe_texts(const std::vector<std::string>& texts, const TrainerOptions& options);

}  // namespace lmf::tok
