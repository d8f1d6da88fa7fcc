// lmforge tokenizer train: learn a byte-level BPE or a WordPiece tokenizer from text files.
//   lmforge tokenizer train --input FILE... --vocab-size N [--model bpe|wordpiece]
//                           [--pattern gpt2|cl100k|o200k|llama3] [--cased] [--special TOK ...]
//                           [--min-frequency N] [--threads N] --out DIR
// Writes DIR/tokenizer.json (Hugging Face format); the vocabulary holds exactly N tokens.
// bpe: 256 bytes, N - 256 - (number of specials) merges, then the special tokens.
// wordpiece: bert-base's layout (wordpiece_trainer.h); the special tokens first (default
// [PAD] [UNK] [CLS] [SEP] [MASK]), lowercased and accents stripped unless --cased.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/command.h"
#include "cli/flags.h"
#include "core/error.h"
#include "core/threads.h"
#include "tokenizer/trainer.h"
#include "tokenizer/wordpiece_trainer.h"

namespace lmf::cli {
namespace {

int usage_error(const char* what) {
  std::fprintf(stderr, "lmforge tokenizer train: error: %s\n", what);
  return kExitUsage;
}

// Trains (timed), writes DIR/tokenizer.json and prints one JSON line.
template <class Train>
int save(const std::string& out_dir, Train train) {
  auto t0 = std::chrono::steady_clock::now();
  tok::Tokenizer tok = train();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw Error("cannot create " + out_dir + ": " + ec.message());
  std::string path = (std::filesystem::path(out_dir) / "tokenizer.json").string();
  tok.save_json(path);
  std::printf("{\"tokenizer\": \"%s\", \"vocab_size\": %zu, \"seconds\": %.3f}\n", path.c_str(), tok.vocab_size(), s);
  return 0;
}

int run_tokenizer_train(int argc, char** argv) {
  CLI::App app{"Train a byte-level BPE or WordPiece tokenizer", "lmforge tokenizer train"};
  std::vector<std::string> inputs;
  std::string pattern = "cl100k", out_dir, model = "bpe";
  tok::TrainerOptions opt;
  bool cased = false;
  int threads = 0;
  app.add_option("--input", inputs, "training text files (read line by line)")->required()->expected(1, -1);
  app.add_option("--vocab-size", opt.vocab_size,
                 "tokens in the vocabulary (bpe: 256 bytes + merges + special tokens; wordpiece: special tokens + "
                 "characters + pieces)")
      ->required();
  app.add_option("--model", model, "bpe (byte-level BPE) | wordpiece (BERT's tokenizer.json layout)")
      ->check(CLI::IsMember({"bpe", "wordpiece"}))
      ->capture_default_str();
  app.add_flag("--cased", cased, "wordpiece: keep case and accents (bert-base-cased); default lowercases (uncased)");
  app.add_option("--pattern", pattern, "pretokenizer regex: gpt2 | cl100k | o200k | llama3")
      ->check(CLI::IsMember(tok::builtin_pattern_names()))
      ->capture_default_str();
  opt.special_tokens = {"<|endoftext|>"};
  app.add_option("--special", opt.special_tokens,
                 "special tokens, given the last ids in this order (wordpiece: the first ids; default [PAD] [UNK] "
                 "[CLS] [SEP] [MASK]); the list replaces the default, so name <|endoftext|> in it to keep the "
                 "end-of-text token that `data tokenize` separates documents with")
      ->expected(1, -1)
      ->capture_default_str();
  app.add_option("--min-frequency", opt.min_frequency, "least count of a pair to be merged")->capture_default_str();
  app.add_option("--out", out_dir, "output directory; receives tokenizer.json")->required();
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  if (app.count("--special")) opt.special_tokens = literal_values(argc, argv, "--special");  // "[PAD]" as written
  if (model == "wordpiece") {
    if (app.count("--pattern")) return usage_error("--pattern applies to --model bpe only");
    tok::WordPieceTrainerOptions wp;
    wp.vocab_size = opt.vocab_size;
    if (app.count("--special")) wp.special_tokens = opt.special_tokens;
    wp.lowercase = !cased;
    wp.min_frequency = opt.min_frequency;
    return save(out_dir, [&] { return tok::train_wordpiece(inputs, wp); });
  }
  if (cased) return usage_error("--cased applies to --model wordpiece only");
  opt.pattern = tok::builtin_pattern(pattern);
  if (!tok::has_eot_token(opt.special_tokens))
    std::fprintf(stderr,
                 "lmforge tokenizer train: note: no end-of-text token among --special; `lmforge data tokenize` will "
                 "refuse this tokenizer (add '<|endoftext|>')\n");
  return save(out_dir, [&] { return tok::train_bpe(inputs, opt); });
}

Command reg("tokenizer train", "train a byte-level BPE or WordPiece tokenizer; writes DIR/tokenizer.json",
            run_tokenizer_train);

}  // namespace
}  // namespace lmf::cli
