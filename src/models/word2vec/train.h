// word2vec training: skip-gram or CBOW with negative sampling (Mikolov et al. 2013), with
// word2vec.c's conventions: subsampling of frequent words as each sentence is read, a
// window of b in [1, window] drawn per word, negatives from the unigram^0.75 table (a draw
// equal to the positive word is skipped), the learning rate decaying linearly from lr to
// lr * 1e-4 over all epochs, input vectors initialised uniform in [-0.5/D, 0.5/D), output
// vectors at zero. Skip-gram predicts the centre word from each context word's vector; CBOW
// from the mean of the context vectors, whose gradient is added to each of them. Sentences
// end at newlines ("</s>") or after 1000 words. Threads update the shared matrices without
// locks (Hogwild), each reading its own slice of the corpus, so results with more than one
// thread vary from run to run; with one thread a seed gives the same vectors every time.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/word2vec/vocab.h"

namespace lmf::word2vec {

enum class Arch { kSkipGram, kCbow };
Arch parse_arch(const std::string& s);  // "skipgram" | "cbow", Error otherwise
const char* arch_name(Arch a);

struct TrainOptions {
  Arch arch = Arch::kSkipGram;
  int dim = 100;
  int window = 5;
  int negative = 5;
  int64_t min_count = 5;
  double sample = 1e-3;
  int epochs = 5;
  double lr = 0.025;
  int threads = 1;
  uint64_t seed = 1;
  // Called about once a second from one thread: (fraction done, words/s per thread so far).
  std::function<void(double, double)> progress;
};

struct Model {
  Vocab vocab;
  int dim = 0;
  std::vector<float> input;   // (V, D) the word vectors (word2vec.c's syn0)
  std::vector<float> output;  // (V, D) the negative-sampling output vectors (syn1neg)
};

struct TrainStats {
  int64_t words = 0;        // corpus words read, all epochs (before subsampling)
  double seconds = 0;       // training time (after the corpus is read)
  double words_per_thread_second = 0;
  int threads = 1;
};

// Trains on a corpus (vocab.h). Error for options out of range.
Model train(const Corpus& corpus, const TrainOptions& opt, TrainStats* stats = nullptr);

}  // namespace lmf::word2vec
