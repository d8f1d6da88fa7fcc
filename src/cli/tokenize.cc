// lmforge tokenize: text to token ids.
//   lmforge tokenize --tokenizer SPEC [--input FILE|-] [--jsonl] [--allow-special] [--threads N]
// Without --jsonl the whole input is one text and the output is one line of ids separated by
// single spaces. With --jsonl each input line is a JSON object whose "text" field is encoded
// to one output line (documents are encoded in parallel, in blocks, output in input order).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include "cli/command.h"
#include "cli/flags.h"
#include "core/error.h"
#include "core/threads.h"
#include "io/atomic_file.h"
#include "tokenizer/tokenizer.h"

namespace lmf::cli {
namespace {

void append_ids(std::string& out, const std::vector<TokenId>& ids) {
  char buf[16];
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ' ';
    int n = std::snprintf(buf, sizeof buf, "%d", ids[i]);
    out.append(buf, size_t(n));
  }
  out += '\n';
}

void write_stdout(const std::string& s) {
  if (std::fwrite(s.data(), 1, s.size(), stdout) != s.size())
    throw Error(std::string("cannot write the output: ") + std::strerror(errno));
}

int run_tokenize(int argc, char** argv) {
  CLI::App app{"Encode text to token ids", "lmforge tokenize"};
  std::string spec, input = "-";
  bool jsonl = false, allow_special = false;
  int threads = 0;
  app.add_option("--tokenizer", spec, "tiktoken:NAME, a directory holding tokenizer.json, or a tokenizer.json")->required();
  app.add_option("--input", input, "input file, or - for standard input")->capture_default_str();
  app.add_flag("--jsonl", jsonl, "input lines are JSON objects; encode each one's \"text\" to one output line");
  app.add_flag("--allow-special", allow_special, "encode special tokens in the text as their ids (else as plain text)");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  auto tok = tok::Tokenizer::load(spec);
  std::string name = input == "-" ? "<stdin>" : input;

  if (!jsonl) {
    std::string text;
    if (input == "-") {
      std::ostringstream ss;
      ss << std::cin.rdbuf();
      text = ss.str();
    } else {
      text = io::read_file(input);
    }
    std::string out;
    append_ids(out, tok.encode(text, allow_special));
    write_stdout(out);
    return 0;
  }

  std::ifstream file;
  if (input != "-") {
    file.open(input, std::ios::binary);
    if (!file) throw FormatError("cannot read " + input + ": " + std::strerror(errno));
  }
  std::istream& in = input == "-" ? std::cin : file;
  constexpr size_t kBlock = 4096;  // documents encoded together
  std::vector<std::string> texts;
  std::string line, out;
  size_t line_no = 0;
  auto flush = [&] {
    auto ids = tok.encode_batch(texts, allow_special);
    out.clear();
    for (auto& v : ids) append_ids(out, v);
    write_stdout(out);
    texts.clear();
  };
  while (std::getline(in, line)) {
    ++line_no;
    std::string where = name + ":" + std::to_string(line_no);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      throw FormatError(where + ": not valid JSON at column " + std::to_string(e.byte) + ": " + e.what());
    }
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string())
      throw FormatError(where + ": expected a JSON object with a string field \"text\"");
    texts.push_back(j["text"].get<std::string>());
    if (texts.size() == kBlock) flush();
  }
  if (in.bad()) throw FormatError("cannot read " + name + ": " + std::strerror(errno));
  if (!texts.empty()) flush();
  return 0;
}

Command reg("tokenize", "encode text to token ids (tiktoken encodings or tokenizer.json)", run_tokenize);

}  // namespace
}  // namespace lmf::cli
