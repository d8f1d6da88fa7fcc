// lmforge's side of the tokenizer benchmark (bench/tokenizer/run drives it and the peers).
//   bench_tokenizer encode SPEC CORPUS.jsonl THREADS   -> {"mb_per_s": ..., "tokens": ...}
//   bench_tokenizer train CORPUS.txt VOCAB PATTERN OUT -> {"seconds": ...}
//   bench_tokenizer export SPEC OUT.json               -> writes SPEC as a tokenizer.json
// Encode throughput: bytes of text / wall time of encode_batch over all documents, best of
// several rounds after one warm-up round (the word cache warm, as in steady use).
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "tokenizer/trainer.h"

using Clock = std::chrono::steady_clock;

static std::vector<std::string> read_texts(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
  return out;
}

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "encode" && argc == 5) {
    auto tok = lmf::tok::Tokenizer::load(argv[2]);
    auto texts = read_texts(argv[3]);
    int threads = std::atoi(argv[4]);
    size_t bytes = 0, tokens = 0;
    for (auto& t : texts) bytes += t.size();
    double best = 1e30;
    for (int round = 0; round < 6; ++round) {
      auto t0 = Clock::now();
      auto ids = tok.encode_batch(texts, false, threads);
      double s = std::chrono::duration<double>(Clock::now() - t0).count();
      if (round > 0) best = std::min(best, s);
      tokens = 0;
      for (auto& v : ids) tokens += v.size();
    }
    std::printf("{\"mb_per_s\": %.3f, \"bytes\": %zu, \"tokens\": %zu, \"seconds\": %.4f}\n", bytes / best / 1e6, bytes,
                tokens, best);
    return 0;
  }
  if (mode == "train" && argc == 6) {
    lmf::tok::TrainerOptions opt;
    opt.vocab_size = std::stoul(argv[3]);
    opt.pattern = lmf::tok::builtin_pattern(argv[4]);
    auto t0 = Clock::now();
    auto tok = lmf::tok::train_bpe({argv[2]}, opt);
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    tok.save_json(argv[5]);
    std::printf("{\"seconds\": %.3f, \"vocab_size\": %zu}\n", s, tok.vocab_size());
    return 0;
  }
  if (mode == "export" && argc == 4) {
    lmf::tok::Tokenizer::load(argv[2]).save_json(argv[3]);
    return 0;
  }
  std::fprintf(stderr, "usage: bench_tokenizer encode SPEC CORPUS.jsonl THREADS | train CORPUS.txt VOCAB PATTERN OUT | export SPEC OUT\n");
  return 2;
}
