// lmforge detokenize: token ids back to text.
//   lmforge detokenize --tokenizer SPEC [--input FILE|-] [--jsonl]
// Reads ids separated by white space. Without --jsonl all ids form one sequence whose bytes
// are written as they are (so `tokenize | detokenize` gives the input back byte for byte).
// With --jsonl each input line is one document, written as {"text": ...} (UTF-8, invalid
// parts replaced by U+FFFD) — the inverse of `tokenize --jsonl`.
// An id that is not a number or not in the vocabulary is an error naming line and column.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include "cli/command.h"
#include "core/error.h"
#include "tokenizer/tokenizer.h"

namespace lmf::cli {
namespace {

// Parses the ids of one line; errors name where:column.
void parse_ids(const std::string& line, const std::string& where, const tok::Tokenizer& tok,
               std::vector<TokenId>& ids) {
  size_t i = 0, n = line.size();
  while (i < n) {
    while (i < n && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= n) break;
    size_t start = i;
    uint64_t v = 0;
    while (i < n && !std::isspace(static_cast<unsigned char>(line[i]))) {
      char c = line[i];
      if (c < '0' || c > '9' || v > 0xFFFFFFFFull)
        throw FormatError(where + ":" + std::to_string(start + 1) + ": '" + line.substr(start, line.find_first_of(" \t\r", start) - start) +
                          "' is not a token id");
      v = v * 10 + uint64_t(c - '0');
      ++i;
    }
    if (v > 0xFFFFFFFFull || !tok.is_valid_id(int64_t(v)))
      throw FormatError(where + ":" + std::to_string(start + 1) + ": token id " + line.substr(start, i - start) +
                        " is not in the vocabulary of " + tok.name() + " (size " + std::to_string(tok.vocab_size()) + ")");
    ids.push_back(TokenId(v));
  }
}

int run_detokenize(int argc, char** argv) {
  CLI::App app{"Decode token ids to text", "lmforge detokenize"};
  std::string spec, input = "-";
  bool jsonl = false;
  app.add_option("--tokenizer", spec, "tiktoken:NAME, a directory holding tokenizer.json, or a tokenizer.json")->required();
  app.add_option("--input", input, "input file of ids, or - for standard input")->capture_default_str();
  app.add_flag("--jsonl", jsonl, "one document per line, written as a JSON object {\"text\": ...}");
  LMF_PARSE(app, argc, argv);
  auto tok = tok::Tokenizer::load(spec);
  std::string name = input == "-" ? "<stdin>" : input;
  std::ifstream file;
  if (input != "-") {
    file.open(input, std::ios::binary);
    if (!file) throw FormatError("cannot read " + input + ": " + std::strerror(errno));
  }
  std::istream& in = input == "-" ? std::cin : file;
  std::string line, out;
  std::vector<TokenId> ids;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (jsonl) ids.clear();
    parse_ids(line, name + ":" + std::to_string(line_no), tok, ids);
    if (jsonl) {
      out = nlohmann::json{{"text", tok.decode(ids)}}.dump() + "\n";
      std::fwrite(out.data(), 1, out.size(), stdout);
    }
  }
  if (in.bad()) throw FormatError("cannot read " + name + ": " + std::strerror(errno));
  if (!jsonl) {
    out = tok.decode_bytes(ids);
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  if (std::fflush(stdout) != 0) throw Error(std::string("cannot write the output: ") + std::strerror(errno));
  return 0;
}

Command reg("detokenize", "decode token ids to text", run_detokenize);

}  // namespace
}  // namespace lmf::cli
