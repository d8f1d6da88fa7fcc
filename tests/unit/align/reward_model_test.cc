// Reward models against the PyTorch reference (tests/reference/reward.py): for GPT-2 and
// Llama, a GPT2ForSequenceClassification / LlamaForSequenceClassification checkpoint
// written by the reference in Hugging Face's layout loads here and gives the reference's
// scores (last non-pad token, found there from pad_token_id as Hugging Face does) and the
// gradients of every tensor; a reward model made from a causal LM (lm_head dropped) and
// saved here loads in the reference with the same scores and loads back here bit for bit.
// Bad directories are errors naming the file and the field or tensor.
#include <gtest/gtest.h>

#include <filesystem>

#include "align/reward_model.h"
#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/reduce.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "support/oracle.h"
#include "support/tiny_models.h"

using namespace lmf;
using nlohmann::json;

namespace {

// The tiny configs with 0 as the padding id.
json gpt2_config() {
  json c = test::tiny_gpt2_config();
  c["pad_token_id"] = 0;
  return c;
}
json llama_config() {
  json c = test::tiny_llama_config({.positions = 32});
  c["pad_token_id"] = 0;
  return c;
}

// Sequences of ids in [1, V) (0 is the pad) with the given lengths.
std::vector<std::vector<int32_t>> random_seqs(const std::vector<int>& lengths, int64_t V, uint64_t seed) {
  std::vector<std::vector<int32_t>> out;
  for (size_t n = 0; n < lengths.size(); ++n) {
    std::vector<int32_t> s;
    for (float x : Tensor::rand({lengths[n]}, seed + n, 1.0f, float(V)).to_vector())
      s.push_back(std::min<int32_t>(int32_t(x), int32_t(V - 1)));
    out.push_back(s);
  }
  return out;
}

// The padded (N, T) ids as the model batches them.
Tensor padded(const std::vector<std::vector<int32_t>>& seqs, int32_t pad) {
  size_t T = 0;
  for (const auto& s : seqs) T = std::max(T, s.size());
  std::vector<int32_t> v(seqs.size() * T, pad);
  for (size_t n = 0; n < seqs.size(); ++n) std::copy(seqs[n].begin(), seqs[n].end(), v.begin() + int64_t(n * T));
  return Tensor::from_ints(v, {int64_t(seqs.size()), int64_t(T)});
}

// Our gradient of `name` in the reference's (HF file) layout.
Tensor grad_hf(align::RewardModel& m, const std::string& name) {
  if (name == "score.weight") return m.score_weight().grad();
  for (Param& p : m.decoder().params())
    if (p.name == name) return p.conv1d ? p.value.grad().transpose(0, 1).contiguous() : p.value.grad();
  return Tensor();
}

}  // namespace

TEST(AlignRewardModel, ReferenceClassifierLoadsWithItsScoresAndGradients) {
  for (const json& cfg : {gpt2_config(), llama_config()}) {
    const std::string type = cfg["model_type"];
    SCOPED_TRACE(type);
    const std::string dir = test::temp_dir() + "/clf";
    test::torch_ref("reward", "write_classifier", {}, {{"dir", dir}, {"config", cfg}, {"seed", 3}});
    align::RewardModel m = align::RewardModel::load(dir);
    EXPECT_EQ(m.pad_token_id(), 0);
    const auto seqs = random_seqs({7, 12, 1, 12, 5}, cfg["vocab_size"], 17);
    Tensor g = Tensor::randn({5}, 23);
    Tensor s = m.scores(seqs);
    ASSERT_EQ(s.shape(), Shape({5}));
    sum(mul(s, g)).backward();
    test::TensorMap ref = test::torch_ref("reward", "scores", {{"ids", padded(seqs, 0)}, {"g", g}}, {{"dir", dir}});
    EXPECT_LE(test::rel_error(s.detach(), ref["scores"]), 1e-4);
    EXPECT_EQ(ref["last"].to_vector(), std::vector<float>({6, 11, 0, 11, 4}));  // HF's last non-pad token
    int checked = 0;
    for (const auto& [key, want] : ref) {
      if (!key.starts_with("grad:")) continue;
      const std::string name = key.substr(5);
      Tensor got = grad_hf(m, name);
      ASSERT_TRUE(got.defined()) << name;
      EXPECT_LE(test::rel_error(got, want), 1e-4) << name;
      ++checked;
    }
    EXPECT_EQ(checked, int(m.named_parameters().size()));
    // Scoring one sequence alone gives its batched score (padding never leaks in).
    autograd::NoGradGuard ng;
    EXPECT_NEAR(m.score({seqs[0].begin(), seqs[0].begin() + 3}, {seqs[0].begin() + 3, seqs[0].end()}), s.to_vector()[0],
                1e-5);
  }
}

TEST(AlignRewardModel, FromCausalLmSavesWhatTheReferenceAndWeLoad) {
  for (const json& cfg : {gpt2_config(), llama_config()}) {
    const std::string type = cfg["model_type"];
    SCOPED_TRACE(type);
    const std::string lm = test::temp_dir() + "/lm", out = test::temp_dir() + "/rm";
    json lm_cfg = cfg;
    lm_cfg.erase("pad_token_id");
    lm_cfg["eos_token_id"] = 2;
    test::torch_ref("models", "write_checkpoint", {}, {{"dir", lm}, {"config", lm_cfg}, {"seed", 5}});
    align::RewardModel m = align::RewardModel::from_causal_lm(lm, 9);
    EXPECT_EQ(m.pad_token_id(), 2);  // the eos token, as Hugging Face reward scripts do
    // The head is seeded and small.
    const std::vector<float> head = m.score_weight().to_vector();
    EXPECT_EQ(head, align::RewardModel::from_causal_lm(lm, 9).score_weight().to_vector());
    EXPECT_NE(head, align::RewardModel::from_causal_lm(lm, 10).score_weight().to_vector());
    for (float v : head) EXPECT_LT(std::abs(v), 0.1f);
    m.score_weight().copy_from(Tensor::randn({1, 24}, 4, 0.5f));  // scores of a visible size
    m.save(out);
    const json saved = json::parse(io::read_file(out + "/config.json"));
    EXPECT_EQ(saved["architectures"][0], type == "gpt2" ? "GPT2ForSequenceClassification" : "LlamaForSequenceClassification");
    EXPECT_EQ(saved["num_labels"], 1);
    EXPECT_EQ(saved["id2label"].size(), 1u);
    EXPECT_EQ(saved["pad_token_id"], 2);
    auto f = io::SafetensorsFile::open(out + "/model.safetensors");
    EXPECT_FALSE(f.contains("lm_head.weight"));
    EXPECT_EQ(f.shape("score.weight"), Shape({1, 24}));
    EXPECT_TRUE(f.contains(type == "gpt2" ? "transformer.h.1.attn.c_attn.weight" : "model.layers.1.self_attn.q_proj.weight"));
    // Sequences without the pad id (2) inside them, so the reference's pad search agrees.
    auto seqs = random_seqs({9, 4, 9}, cfg["vocab_size"], 31);
    for (auto& s : seqs)
      for (int32_t& id : s)
        if (id == 2) id = 3;
    autograd::NoGradGuard ng;
    Tensor s = m.scores(seqs);
    test::TensorMap ref = test::torch_ref("reward", "scores", {{"ids", padded(seqs, 2)}}, {{"dir", out}});
    EXPECT_LE(test::rel_error(s, ref["scores"]), 1e-4);
    align::RewardModel back = align::RewardModel::load(out);
    EXPECT_EQ(back.scores(seqs).to_vector(), s.to_vector());
    EXPECT_TRUE(align::RewardModel::is_classifier_dir(out));
    EXPECT_FALSE(align::RewardModel::is_classifier_dir(lm));
    EXPECT_EQ(align::RewardModel::open(out, 1).scores(seqs).to_vector(), s.to_vector());  // continues the classifier
  }
}

TEST(AlignRewardModel, BadDirectoriesAndSequencesAreClearErrors) {
  const std::string dir = test::temp_dir() + "/clf";
  test::torch_ref("reward", "write_classifier", {}, {{"dir", dir}, {"config", gpt2_config()}, {"seed", 1}});
  auto expect_error = [](const std::string& d, const std::string& needle) {
    try {
      align::RewardModel::load(d);
      ADD_FAILURE() << "no error, wanted " << needle;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  json cfg = json::parse(io::read_file(dir + "/config.json"));
  // Two labels.
  json two = cfg;
  two["num_labels"] = 2;
  two["id2label"] = {{"0", "A"}, {"1", "B"}};
  io::write_text_atomic(dir + "/config.json", two.dump());
  expect_error(dir, "num_labels");
  // A causal LM's architecture.
  json causal = cfg;
  causal["architectures"] = {"GPT2LMHeadModel"};
  io::write_text_atomic(dir + "/config.json", causal.dump());
  expect_error(dir, "architectures");
  io::write_text_atomic(dir + "/config.json", cfg.dump());
  // Tensors: score.weight of the wrong shape, missing, and an unexpected lm_head.
  auto f = io::SafetensorsFile::open(dir + "/model.safetensors");
  std::vector<std::pair<std::string, Tensor>> ts;
  for (const std::string& n : f.names()) ts.push_back({n, f.get(n).clone()});
  auto rewrite = [&](const std::function<void(std::vector<std::pair<std::string, Tensor>>&)>& edit) {
    auto copy = ts;
    edit(copy);
    io::save_safetensors(dir + "/model.safetensors", copy, {});
  };
  rewrite([](auto& v) {
    for (auto& [n, t] : v)
      if (n == "score.weight") t = Tensor::randn({2, 24}, 1);
  });
  expect_error(dir, "'score.weight' has shape [2, 24]");
  rewrite([](auto& v) { std::erase_if(v, [](auto& p) { return p.first == "score.weight"; }); });
  expect_error(dir, "missing tensor 'score.weight'");
  rewrite([](auto& v) { v.push_back({"lm_head.weight", Tensor::randn({61, 24}, 1)}); });
  expect_error(dir, "unexpected tensor 'lm_head.weight'");
  rewrite([](auto&) {});
  align::RewardModel m = align::RewardModel::load(dir);
  EXPECT_THROW(m.scores(std::vector<std::vector<int32_t>>{{1, 2}, {}}), Error);
  EXPECT_THROW(m.scores(std::vector<std::vector<int32_t>>{std::vector<int32_t>(33, 1)}), Error);
  EXPECT_THROW(m.scores(Tensor::from_ints({1, 2, 3, 4}, {2, 2}), {2, 3}), ShapeError);
  EXPECT_THROW(align::RewardModel::load(test::temp_dir()), FormatError);  // no config.json
}
