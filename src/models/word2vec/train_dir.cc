#include "models/word2vec/train_dir.h"

#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "io/output_dir.h"
#include "models/word2vec/vectors.h"
#include "models/word2vec/vocab.h"

namespace lmf::word2vec {

TrainDirResult train_to_dir(const std::string& data_path, const std::string& out_dir, const TrainOptions& opt) {
  const Corpus corpus = read_corpus(data_path, opt.min_count);
  io::OutputDir dir(out_dir);
  TrainDirResult r;
  r.vocab_size = corpus.vocab.size();
  r.corpus_words = (int64_t)corpus.ids.size();
  const Model m = train(corpus, opt, &r.stats);
  write_text(out_dir + "/vectors.txt", m.vocab.words, m.input.data(), m.dim);
  write_binary(out_dir + "/vectors.bin", m.vocab.words, m.input.data(), m.dim);
  const nlohmann::json info = {
      {"model", arch_name(opt.arch)},
      {"dim", opt.dim},
      {"window", opt.window},
      {"negative", opt.negative},
      {"min_count", opt.min_count},
      {"sample", opt.sample},
      {"epochs", opt.epochs},
      {"lr", opt.lr},
      {"seed", opt.seed},
      {"data", data_path},
      {"vocab_size", r.vocab_size},
      {"corpus_words", r.corpus_words},
      {"threads", r.stats.threads},
      {"train_seconds", r.stats.seconds},
      {"words_per_thread_second", r.stats.words_per_thread_second},
  };
  io::write_text_atomic(out_dir + "/word2vec.json", info.dump(2) + "\n");
  return r;
}

}  // namespace lmf::word2vec
