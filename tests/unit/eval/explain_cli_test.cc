// `lmforge explain` end to end on a GPT-2 checkpoint with random weights and a byte
// tokenizer: the JSON's attributions and logit lens equal the reference's
// (tests/reference/explain.py) for the same prompt; the SVG and HTML files, read back by
// Python (XML and HTML parsers), hold exactly the JSON's numbers, and the page fetches
// nothing and runs no script; the prompt and target errors exit 1 with their reason.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "models/checkpoint.h"
#include "support/byte_tokenizer.h"
#include "support/oracle.h"
#include "support/tiny_models.h"

using namespace lmf;
using nlohmann::json;

namespace {

const std::string kBin = LMFORGE_BINARY;

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A GPT-2 of 257 tokens (the bytes and <|endoftext|>) and 16 positions with the byte
// tokenizer; its matrices N(0, 0.2), not GPT-2's N(0, 0.02), so that its predictions are
// far from uniform.
void write_model(const std::string& dir, uint64_t seed) {
  Transformer m(ModelConfig::from_json(test::tiny_gpt2_config({.vocab = 257, .positions = 16}), "test"));
  m.init_weights(seed);
  for (Param& p : m.params())
    if (p.value.dim() == 2) p.value.copy_from(Tensor::randn(p.value.shape(), seed++, 0.2f));
  save_model(m, dir);
  test::byte_tokenizer(false).save_json(dir + "/tokenizer.json");
}

json read_back(const std::string& what, const std::string& path) {
  std::string out;
  const int rc = test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/explain.py") + " " + what +
                                       " " + path + " 2>&1",
                                   &out);
  EXPECT_EQ(rc, 0) << out;
  return json::parse(out);
}

}  // namespace

TEST(ExplainCli, JsonSvgAndHtmlAgreeWithPyTorch) {
  const std::string dir = test::temp_dir(), model = dir + "/m";
  write_model(model, 7);
  const std::string prompt = "the cat & <sat>";
  std::string out;
  ASSERT_EQ(test::run_command(kBin + " explain --model " + model + " --prompt " + shell_quote(prompt) +
                                  " --top 3 --json --html " + dir + "/e.html --svg " + dir + "/e.svg 2>&1",
                              &out),
            0)
      << out;
  const json j = json::parse(out);
  ASSERT_EQ(j["tokens"].size(), prompt.size());
  std::vector<int32_t> ids;
  for (const json& t : j["tokens"]) ids.push_back(t["id"].get<int32_t>());
  EXPECT_EQ(ids[0], 't');
  EXPECT_FALSE(j["target"]["given"].get<bool>());
  EXPECT_EQ(j["target"]["id"], j["predicted"]["id"]);
  EXPECT_EQ(j["score"], "log_probability");

  const int64_t T = int64_t(ids.size());
  auto ref = test::torch_ref("explain", "explain", {{"ids", Tensor::from_ints(ids, {1, T})}},
                             {{"dir", model}, {"targets", json::array({-1})}});
  EXPECT_EQ(j["target"]["id"].get<int32_t>(), int32_t(ref.at("target:0").to_vector()[0]));
  EXPECT_NEAR(j["target"]["logprob"].get<double>(), ref.at("score:0").item(), 1e-4);
  const std::vector<float> gxi = ref.at("grad_x_input:0").to_vector(), gn = ref.at("grad_norm:0").to_vector(),
                           ro = ref.at("rollout").to_vector();
  double gxi_max = 0, gn_max = 0;
  for (int64_t t = 0; t < T; ++t) gxi_max = std::max(gxi_max, std::abs(double(gxi[size_t(t)]))),
                                  gn_max = std::max(gn_max, double(gn[size_t(t)]));
  for (int64_t t = 0; t < T; ++t) {
    const json& tok = j["tokens"][size_t(t)];
    EXPECT_NEAR(tok["grad_x_input"].get<double>(), gxi[size_t(t)], 1e-4 * gxi_max) << t;
    EXPECT_NEAR(tok["grad_norm"].get<double>(), gn[size_t(t)], 1e-4 * gn_max) << t;
    EXPECT_NEAR(tok["rollout"].get<double>(), ro[size_t(t)], 1e-5) << t;
  }
  ASSERT_EQ(j["logit_lens"].size(), 3u);  // the embeddings and 2 layers
  const Tensor lens = ref.at("lens");
  for (size_t l = 0; l < 3; ++l) {
    const std::vector<float> w = lens.slice(0, int64_t(l), int64_t(l) + 1).to_vector();
    const json& layer = j["logit_lens"][l];
    ASSERT_EQ(layer["top"].size(), 3u);
    int32_t best = 0;
    for (size_t v = 1; v < w.size(); ++v)
      if (w[v] > w[size_t(best)]) best = int32_t(v);
    EXPECT_EQ(layer["top"][0]["id"].get<int32_t>(), best) << l;
    for (const json& t : layer["top"])
      EXPECT_NEAR(t["prob"].get<double>(), std::exp(w[t["id"].get<size_t>()]), 1e-5) << l;
  }

  const json svg = read_back("read-svg", dir + "/e.svg");
  const json html = read_back("read-html", dir + "/e.html");
  for (const char* method : {"grad_x_input", "grad_norm", "rollout"}) {
    ASSERT_EQ(svg["cells"][method].size(), size_t(T)) << method;
    ASSERT_EQ(html["rows"][method].size(), size_t(T)) << method;
    for (int64_t t = 0; t < T; ++t) {
      const double want = j["tokens"][size_t(t)][method].get<double>();
      const json& cell = svg["cells"][method][size_t(t)];
      EXPECT_EQ(cell[0].get<int64_t>(), t);
      EXPECT_EQ(cell[1].get<int32_t>(), ids[size_t(t)]);
      EXPECT_NEAR(cell[2].get<double>(), want, 1e-8 * std::max(1.0, std::abs(want))) << method << " " << t;
      EXPECT_NEAR(html["rows"][method][size_t(t)][1].get<double>(), want, 1e-8 * std::max(1.0, std::abs(want)));
    }
  }
  ASSERT_EQ(svg["lens"].size(), 9u);
  ASSERT_EQ(html["lens"].size(), 9u);
  for (size_t i = 0; i < 9; ++i) {
    const json& want = j["logit_lens"][i / 3]["top"][i % 3];
    EXPECT_EQ(svg["lens"][i][0].get<size_t>(), i / 3);
    EXPECT_EQ(svg["lens"][i][1].get<size_t>(), i % 3 + 1);
    EXPECT_EQ(svg["lens"][i][2], want["id"]);
    EXPECT_NEAR(svg["lens"][i][3].get<double>(), want["prob"].get<double>(), 1e-8);
    EXPECT_EQ(html["lens"][i][1], want["id"]);
  }
  EXPECT_NE(svg["title"].get<std::string>().find("log p = "), std::string::npos);
  EXPECT_EQ(html["scripts"], 0);
  EXPECT_TRUE(html["external"].empty()) << html["external"].dump();
  std::ifstream page(dir + "/e.html");
  const std::string text((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("&amp; &lt;sat&gt;"), std::string::npos);  // the prompt, escaped

  // A target given as a vocabulary string ("Ġ" is a space) and the table output.
  ASSERT_EQ(test::run_command(kBin + " explain --model " + model + " --prompt 'the cat' --target " +
                                  shell_quote("\xC4\xA0") + " 2>&1",
                              &(out = "")),
            0)
      << out;
  EXPECT_NE(out.find("target '␣' (id 32, given)"), std::string::npos) << out;
  EXPECT_NE(out.find("layer 2:"), std::string::npos) << out;
}

TEST(ExplainCli, BadPromptsAndTargetsExitWithTheirReason) {
  const std::string dir = test::temp_dir(), model = dir + "/m";
  write_model(model, 1);
  const std::string base = kBin + " explain --model " + model;
  std::string out;
  EXPECT_EQ(test::run_command(base + " --prompt '' 2>&1", &out), 1);
  EXPECT_NE(out.find("the prompt is empty"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(base + " --prompt 'aaaaaaaaaaaaaaaaaaaa' 2>&1", &(out = "")), 1);
  EXPECT_NE(out.find("20 tokens, longer than the model's context of 16"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(base + " --prompt hi --target xyz 2>&1", &(out = "")), 1);
  EXPECT_NE(out.find("'xyz' is not a token of the tokenizer"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(base + " --prompt hi --top 0 2>&1", &(out = "")), 2);
}
