// `lmforge train --arch word2vec` as one call: reads the corpus, trains (train.h) and
// writes the output folder:
//   vectors.txt   the input vectors in word2vec's text format (vectors.h)
//   vectors.bin   the same in word2vec's binary format
//   word2vec.json the options, vocabulary size and training speed
// Each file is written atomically; the folder is created when missing.
#pragma once
#include <string>

#include "models/word2vec/train.h"

namespace lmf::word2vec {

struct TrainDirResult {
  int32_t vocab_size = 0;
  int64_t corpus_words = 0;  // in-vocabulary words and "</s>" of one epoch
  TrainStats stats;
};

TrainDirResult train_to_dir(const std::string& data_path, const std::string& out_dir, const TrainOptions& opt);

}  // namespace lmf::word2vec
