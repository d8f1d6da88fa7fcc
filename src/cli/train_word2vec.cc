// lmforge train --arch word2vec: skip-gram or CBOW word vectors with negative sampling
// (models/word2vec/train_dir.h), written in word2vec's text and binary formats.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/flags.h"
#include "cli/train_arch.h"
#include "core/threads.h"
#include "models/word2vec/train_dir.h"

namespace lmf::cli {
namespace {

int run_train_word2vec(int argc, char** argv) {
  CLI::App app{"Train word vectors: skip-gram or CBOW with negative sampling and subsampling of frequent words "
               "(word2vec.c's conventions); writes DIR/vectors.txt and DIR/vectors.bin (word2vec formats) and "
               "DIR/word2vec.json",
               "lmforge train --arch word2vec"};
  std::string arch, data, out, model = "skipgram";
  word2vec::TrainOptions opt;
  int threads = 0;
  bool quiet = false;
  app.add_option("--arch", arch, "word2vec")->required();
  app.add_option("--data", data, "text file: words separated by whitespace, one sentence a line")->required();
  app.add_option("--out", out, "output folder")->required();
  app.add_option("--model", model, "skipgram or cbow")->check(CLI::IsMember({"skipgram", "cbow"}))->capture_default_str();
  app.add_option("--dim", opt.dim, "vector size")->check(int_range(1, 10000))->capture_default_str();
  app.add_option("--window", opt.window, "largest window (each word draws one from 1 to this)")
      ->check(int_range(1, 1000))
      ->capture_default_str();
  app.add_option("--negative", opt.negative, "negative samples per positive")->check(int_range(1, 1000))->capture_default_str();
  app.add_option("--min-count", opt.min_count, "drop words seen fewer times")->check(int_range<int64_t>(1, 1LL << 40))->capture_default_str();
  app.add_option("--sample", opt.sample, "subsampling threshold (0 = off)")->check(real_range(0, 1))->capture_default_str();
  app.add_option("--epochs", opt.epochs, "passes over the corpus")->check(int_range(1, 100000))->capture_default_str();
  app.add_option("--lr", opt.lr, "starting learning rate (decays linearly to lr * 1e-4)")->check(real_range(1e-9, 10))->capture_default_str();
  app.add_option("--seed", opt.seed, "random seed (one thread: the same vectors every run)")->capture_default_str();
  app.add_flag("--quiet", quiet, "no progress output");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  opt.arch = word2vec::parse_arch(model);
  opt.threads = lmf::threads::get();
  if (!quiet)
    opt.progress = [](double done, double wps) {
      std::fprintf(stderr, "\rword2vec: %5.1f%%  %.0f words/s/thread", 100 * done, wps);
    };
  const word2vec::TrainDirResult r = word2vec::train_to_dir(data, out, opt);
  if (!quiet) std::fprintf(stderr, "\r");
  std::fprintf(stderr, "word2vec %s: %d words in the vocabulary, %lld corpus words, %d epochs in %.2f s (%d threads, %.0f words/s/thread) -> %s\n",
               word2vec::arch_name(opt.arch), r.vocab_size, (long long)r.corpus_words, opt.epochs, r.stats.seconds,
               r.stats.threads, r.stats.words_per_thread_second, out.c_str());
  return 0;
}

TrainArch reg("word2vec", "word vectors: skip-gram or CBOW with negative sampling (word2vec formats)", run_train_word2vec);

}  // namespace
}  // namespace lmf::cli
