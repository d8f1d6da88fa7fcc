#include "models/word2vec/train.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "core/error.h"
#include "models/word2vec/sgns.h"

namespace lmf::word2vec {

Arch parse_arch(const std::string& s) {
  if (s == "skipgram") return Arch::kSkipGram;
  if (s == "cbow") return Arch::kCbow;
  throw Error("word2vec: unknown model '" + s + "' (skipgram or cbow)");
}

const char* arch_name(Arch a) { return a == Arch::kSkipGram ? "skipgram" : "cbow"; }

namespace {

constexpr int kMaxSentence = 1000;
constexpr int64_t kTableSize = 10000000;  // fastText's 1e7 (word2vec.c's 1e8 takes 400 MB)
constexpr int64_t kCountEvery = 10000;     // words between updates of the shared count (word2vec.c)

// word2vec.c's linear congruential generator.
struct Lcg {
  uint64_t s;
  uint64_t next() { return s = s * 25214903917ULL + 11; }
};

struct Shared {
  const Corpus& corpus;
  const TrainOptions& opt;
  const std::vector<float>& keep;
  const std::vector<int32_t>& table;
  Model& m;
  std::atomic<int64_t> words_done{0};
  int64_t total_words;
};

void train_thread(Shared& sh, int tid, int nthreads, std::chrono::steady_clock::time_point start) {
  const TrainOptions& opt = sh.opt;
  const int64_t d = sh.m.dim;
  const std::vector<int32_t>& ids = sh.corpus.ids;
  const int64_t n = (int64_t)ids.size();
  const int64_t begin = n * tid / nthreads, end = n * (tid + 1) / nthreads;
  const int32_t vsize = sh.corpus.vocab.size();
  float* in = sh.m.input.data();
  float* out = sh.m.output.data();
  const float* keep = sh.keep.data();
  const int32_t* table = sh.table.data();
  Lcg rng{opt.seed * 1000003ULL + (uint64_t)tid};
  std::vector<float> h(d), grad(d);
  std::vector<int32_t> sentence(kMaxSentence), targets(opt.negative + 1);
  const double lr0 = opt.lr;
  double lr = lr0;
  int64_t local = 0, last_local = 0;
  auto last_report = start;

  for (int epoch = 0; epoch < opt.epochs; ++epoch) {
    int64_t pos = begin;
    while (pos < end) {
      if (local - last_local > kCountEvery) {
        const int64_t done = sh.words_done.fetch_add(local - last_local) + (local - last_local);
        last_local = local;
        lr = std::max(lr0 * (1.0 - (double)done / (double)(sh.total_words + 1)), lr0 * 1e-4);
        if (tid == 0 && opt.progress) {
          const auto now = std::chrono::steady_clock::now();
          if (now - last_report > std::chrono::seconds(1)) {
            last_report = now;
            const double s = std::chrono::duration<double>(now - start).count();
            opt.progress((double)done / (double)sh.total_words, (double)done / s / nthreads);
          }
        }
      }
      // Read one sentence, subsampling as word2vec.c does.
      int len = 0;
      while (pos < end && len < kMaxSentence) {
        const int32_t w = ids[pos++];
        ++local;
        if (w == 0) break;
        if (keep[w] < 1.0f && keep[w] < (float)(rng.next() & 0xFFFF) / 65536.0f) continue;
        sentence[len++] = w;
      }
      const float a = (float)lr;
      for (int i = 0; i < len; ++i) {
        const int32_t word = sentence[i];
        const int b = (int)(rng.next() % (uint64_t)opt.window);
        const int lo = std::max(0, i - opt.window + b), hi = std::min(len - 1, i + opt.window - b);
        // targets[0] = the centre word, then negatives (draws equal to it are skipped)
        auto fill_targets = [&]() {
          int nt = 1;
          targets[0] = word;
          for (int k = 0; k < opt.negative; ++k) {
            int32_t t = table[(rng.next() >> 16) % kTableSize];
            if (t == 0) t = (int32_t)(rng.next() % (uint64_t)(vsize - 1)) + 1;
            if (t == word) continue;
            targets[nt++] = t;
          }
          return nt;
        };
        if (opt.arch == Arch::kSkipGram) {
          for (int c = lo; c <= hi; ++c) {
            if (c == i) continue;
            float* v = in + (int64_t)sentence[c] * d;
            std::fill(grad.begin(), grad.end(), 0.0f);
            const int nt = fill_targets();
            sgns_update<false>(v, grad.data(), out, targets.data(), nt, d, a);
            axpy(1.0f, grad.data(), v, d);
          }
        } else {
          std::fill(h.begin(), h.end(), 0.0f);
          int cw = 0;
          for (int c = lo; c <= hi; ++c) {
            if (c == i) continue;
            axpy(1.0f, in + (int64_t)sentence[c] * d, h.data(), d);
            ++cw;
          }
          if (cw == 0) continue;
          const float inv = 1.0f / (float)cw;
          for (int64_t k = 0; k < d; ++k) h[k] *= inv;
          std::fill(grad.begin(), grad.end(), 0.0f);
          const int nt = fill_targets();
          sgns_update<false>(h.data(), grad.data(), out, targets.data(), nt, d, a);
          for (int c = lo; c <= hi; ++c)
            if (c != i) axpy(1.0f, grad.data(), in + (int64_t)sentence[c] * d, d);
        }
      }
    }
  }
  sh.words_done.fetch_add(local - last_local);
}

}  // namespace

Model train(const Corpus& corpus, const TrainOptions& opt, TrainStats* stats) {
  if (opt.dim < 1 || opt.window < 1 || opt.negative < 1 || opt.epochs < 1 || opt.threads < 1 || !(opt.lr > 0))
    throw Error("word2vec: dim, window, negative, epochs, threads and lr must be positive");
  const Vocab& v = corpus.vocab;
  if (v.size() < 2) throw Error("word2vec: the vocabulary holds no word to train");
  Model m;
  m.vocab = v;
  m.dim = opt.dim;
  const int64_t d = opt.dim;
  m.input.resize((size_t)v.size() * d);
  m.output.assign((size_t)v.size() * d, 0.0f);
  Lcg init{opt.seed};
  for (float& x : m.input) x = ((float)(init.next() & 0xFFFF) / 65536.0f - 0.5f) / (float)d;
  const std::vector<float> keep = keep_probabilities(v, opt.sample);
  const std::vector<int32_t> table = unigram_table(v, kTableSize);

  const int nthreads = (int)std::min<int64_t>(opt.threads, std::max<int64_t>(1, (int64_t)corpus.ids.size() / 1000));
  Shared sh{corpus, opt, keep, table, m, {0}, (int64_t)corpus.ids.size() * opt.epochs};
  const auto start = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(nthreads)
  train_thread(sh, omp_get_thread_num(), omp_get_num_threads(), start);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (stats) {
    stats->words = sh.words_done.load();
    stats->seconds = secs;
    stats->threads = nthreads;
    stats->words_per_thread_second = (double)stats->words / std::max(secs, 1e-9) / nthreads;
  }
  return m;
}

}  // namespace lmf::word2vec
