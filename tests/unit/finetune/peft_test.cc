// Parameter-efficient methods against the PyTorch reference (tests/reference/peft.py):
// for each method and model family, an adapter written in PEFT's layout by the reference
// loads here and gives the reference's logits, masked loss and gradients of every adapter
// tensor; the frozen base gets no gradient. LoRA: our files load in the reference, and
// merging gives the unmerged logits.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/autograd.h"
#include "finetune/lora.h"
#include "finetune/peft.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "models/checkpoint.h"
#include "support/oracle.h"
#include "support/tiny_models.h"

using namespace lmf;
using nlohmann::json;

namespace {

json gpt2_config() { return test::tiny_gpt2_config({.positions = 64}); }
json llama_config() { return test::tiny_llama_config(); }

json adapter_config(const std::string& method) {
  if (method == "lora")
    return {{"peft_type", "LORA"}, {"r", 4}, {"lora_alpha", 8}, {"lora_dropout", 0.0}, {"bias", "none"},
            {"target_modules", {"c_attn", "c_proj", "c_fc", "q_proj", "v_proj", "o_proj", "up_proj", "down_proj"}}};
  if (method == "lora_regex")  // PEFT's string form: a regex over full module names
    return {{"peft_type", "LORA"}, {"r", 2}, {"lora_alpha", 3}, {"bias", "none"},
            {"target_modules", ".*\\.(c_fc|k_proj|gate_proj)"}};
  if (method == "adapter") return {{"peft_type", "ADAPTER"}, {"bottleneck", 5}};
  if (method == "prompt") return {{"peft_type", "PROMPT_TUNING"}, {"num_virtual_tokens", 3}};
  return {{"peft_type", "PREFIX_TUNING"}, {"num_virtual_tokens", 4}, {"prefix_projection", false}};
}

Tensor random_ids(int64_t B, int64_t T, int64_t V, uint64_t seed) {
  std::vector<int32_t> ids;
  for (float x : Tensor::rand({B, T}, seed, 0.0f, float(V)).to_vector()) ids.push_back(std::min<int32_t>(int32_t(x), int32_t(V - 1)));
  return Tensor::from_ints(ids, {B, T});
}

// Targets: ids shifted, with the first third of each row ignored (a prompt).
Tensor masked_targets(const Tensor& ids, uint64_t seed) {
  Tensor t = random_ids(ids.size(0), ids.size(1), 50, seed);
  std::vector<int32_t> v;
  std::vector<float> f = t.to_vector();
  for (int64_t b = 0; b < ids.size(0); ++b)
    for (int64_t i = 0; i < ids.size(1); ++i) v.push_back(i < ids.size(1) / 3 ? -100 : int32_t(f[size_t(b * ids.size(1) + i)]));
  return Tensor::from_ints(v, {ids.size(0), ids.size(1)});
}

using Case = std::tuple<std::string, std::string>;  // family, method
class PeftMethods : public ::testing::TestWithParam<Case> {};

}  // namespace

TEST_P(PeftMethods, LogitsAndGradientsMatchPyTorch) {
  auto [family, method] = GetParam();
  json cfg = family == "gpt2" ? gpt2_config() : llama_config();
  std::string dir = test::temp_dir();
  Tensor ids = random_ids(2, 11, cfg["vocab_size"], 7);
  Tensor targets = masked_targets(ids, 8);
  auto ref = test::torch_ref("peft", "case", {{"ids", ids}, {"targets", targets}},
                             {{"model_dir", dir + "/model"}, {"adapter_dir", dir + "/adapter"}, {"config", cfg},
                              {"adapter_config", adapter_config(method)}, {"seed", 3}});
  Transformer model = load_model(dir + "/model");
  std::unique_ptr<ft::PeftMethod> m = ft::load_adapter(model, dir + "/adapter");
  ft::freeze(model);
  model.set_hooks(m.get());
  Tensor logits = model.forward(ids);
  Tensor loss = model.loss(ids, targets);
  loss.backward();
  {
    autograd::NoGradGuard ng;
    EXPECT_LE(test::rel_error(logits.detach(), ref.at("logits")), 1e-4);
  }
  EXPECT_NEAR(loss.item(), ref.at("loss").item(), 1e-4 * std::abs(ref.at("loss").item()));
  ASSERT_FALSE(m->tensors().empty());
  for (const auto& [name, t] : m->tensors()) {
    ASSERT_TRUE(t.grad().defined()) << name;
    EXPECT_LE(test::rel_error(t.grad(), ref.at("grad:" + name)), 1e-4) << name;
  }
  for (const Param& p : model.params()) EXPECT_FALSE(p.value.grad().defined()) << p.name << " is frozen";
}

INSTANTIATE_TEST_SUITE_P(Methods, PeftMethods,
                         ::testing::Combine(::testing::Values("gpt2", "llama"),
                                            ::testing::Values("lora", "lora_regex", "adapter", "prompt", "prefix")),
                         [](const auto& info) { return std::get<0>(info.param) + "_" + std::get<1>(info.param); });

// Packed examples with a prefix: every example sees the prefix and only itself; logits,
// loss and the prefix's gradient equal the reference's packed forward, and each example's
// logits equal those of running it alone.
TEST(PeftPacking, PrefixWithPackedExamplesMatchesPyTorch) {
  for (json cfg : {gpt2_config(), llama_config()}) {
    std::string dir = test::temp_dir();
    Tensor ids = random_ids(2, 10, cfg["vocab_size"], 7);
    Tensor targets = masked_targets(ids, 8);
    Tensor pos = Tensor::from_ints({0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2}, {2, 10});
    auto ref = test::torch_ref("peft", "case", {{"ids", ids}, {"targets", targets}, {"position_ids", pos}},
                               {{"model_dir", dir + "/model"}, {"adapter_dir", dir + "/adapter"}, {"config", cfg},
                                {"adapter_config", adapter_config("prefix")}, {"seed", 3}});
    Transformer model = load_model(dir + "/model");
    std::unique_ptr<ft::PeftMethod> m = ft::load_adapter(model, dir + "/adapter");
    ft::freeze(model);
    model.set_hooks(m.get());
    ForwardOptions fo;
    fo.position_ids = pos;
    Tensor logits = model.forward(ids, fo);
    Tensor loss = model.loss(ids, targets, fo);
    loss.backward();
    const std::string family = cfg["model_type"];
    autograd::NoGradGuard ng;
    EXPECT_LE(test::rel_error(logits, ref.at("logits")), 1e-4) << family;
    EXPECT_NEAR(loss.item(), ref.at("loss").item(), 1e-4 * std::abs(ref.at("loss").item())) << family;
    const auto& [name, table] = m->tensors().at(0);
    EXPECT_LE(test::rel_error(table.grad(), ref.at("grad:" + name)), 1e-4) << family;
    Tensor alone = model.forward(ids.slice(0, 0, 1).slice(1, 5, 10).contiguous());  // the second example of row 0
    EXPECT_LE(test::rel_error(logits.slice(0, 0, 1).slice(1, 5, 10).contiguous(), alone), 1e-4) << family;
  }
}

// Prefix tuning through PEFT's PrefixEncoder MLP (prefix_projection): logits, loss and the
// gradients of the encoder's tensors equal the reference's; the saved file holds the
// projected prefix as PEFT saves it, and loading it gives the same logits.
TEST(PeftPrefixProjection, LogitsGradientsAndSavedPrefixMatchPyTorch) {
  for (json cfg : {gpt2_config(), llama_config()}) {
    std::string dir = test::temp_dir();
    Tensor ids = random_ids(2, 9, cfg["vocab_size"], 7);
    Tensor targets = masked_targets(ids, 8);
    auto ref = test::torch_ref("peft", "prefix_projection", {{"ids", ids}, {"targets", targets}},
                               {{"model_dir", dir + "/model"}, {"mlp_path", dir + "/mlp.safetensors"},
                                {"config", cfg}, {"P", 4}, {"H", 7}, {"seed", 5}});
    Transformer model = load_model(dir + "/model");
    ft::PeftOptions po;
    po.method = "prefix";
    po.num_virtual_tokens = 4;
    po.prefix_hidden = 7;
    std::unique_ptr<ft::PeftMethod> m = ft::create_method(model, po);
    io::SafetensorsFile mlp = io::SafetensorsFile::open(dir + "/mlp.safetensors");
    ASSERT_EQ(m->tensors().size(), mlp.names().size());
    for (const auto& [name, t] : m->tensors()) Tensor(t).copy_from(mlp.get(name));
    ft::freeze(model);
    model.set_hooks(m.get());
    Tensor logits = model.forward(ids);
    Tensor loss = model.loss(ids, targets);
    loss.backward();
    const std::string family = cfg["model_type"];
    {
      autograd::NoGradGuard ng;
      EXPECT_LE(test::rel_error(logits.detach(), ref.at("logits")), 1e-4) << family;
    }
    EXPECT_NEAR(loss.item(), ref.at("loss").item(), 1e-4 * std::abs(ref.at("loss").item())) << family;
    for (const auto& [name, t] : m->tensors()) {
      ASSERT_TRUE(t.grad().defined()) << name;
      EXPECT_LE(test::rel_error(t.grad(), ref.at("grad:" + name)), 1e-4) << family << " " << name;
    }

    ft::save_adapter(*m, dir + "/adapter");
    json saved = json::parse(io::read_file(dir + "/adapter/adapter_config.json"));
    EXPECT_EQ(saved["prefix_projection"], true);
    EXPECT_EQ(saved["encoder_hidden_size"], 7);
    io::SafetensorsFile f = io::SafetensorsFile::open(dir + "/adapter/adapter_model.safetensors");
    ASSERT_EQ(f.names(), std::vector<std::string>{"prompt_embeddings"});
    EXPECT_LE(test::rel_error(f.get("prompt_embeddings"), ref.at("prompt_embeddings")), 1e-5) << family;
    std::unique_ptr<ft::PeftMethod> loaded = ft::load_adapter(model, dir + "/adapter");
    model.set_hooks(loaded.get());
    autograd::NoGradGuard ng;
    EXPECT_LE(test::rel_error(model.forward(ids), ref.at("logits")), 1e-4) << family;
  }
}

// An adapter we write loads in the reference (PEFT names and shapes) with the same logits;
// merging LoRA into the weights leaves the logits unchanged.
TEST(PeftLora, OurFilesLoadInReferenceAndMergeKeepsLogits) {
  for (json cfg : {gpt2_config(), llama_config()}) {
    std::string dir = test::temp_dir();
    test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                    {{"dir", dir + "/model"}, {"config", cfg}, {"seed", 4}});
    Transformer model = load_model(dir + "/model");
    ft::PeftOptions po;
    po.method = "lora";
    po.rank = 3;
    po.alpha = 5;
    po.seed = 2;
    std::unique_ptr<ft::PeftMethod> m = ft::create_method(model, po);
    for (const auto& [name, t] : m->tensors())  // B starts at zero; make the update matter
      if (name.find("lora_B") != std::string::npos) Tensor(t).copy_from(Tensor::randn(t.shape(), 17, 0.3f));
    ft::save_adapter(*m, dir + "/adapter");
    json saved = json::parse(io::read_file(dir + "/adapter/adapter_config.json"));
    EXPECT_EQ(saved["peft_type"], "LORA");
    EXPECT_EQ(saved["r"], 3);
    EXPECT_EQ(saved["bias"], "none");

    Tensor ids = random_ids(2, 9, cfg["vocab_size"], 5);
    model.set_hooks(m.get());
    autograd::NoGradGuard ng;
    Tensor unmerged = model.forward(ids);
    auto ref = test::torch_ref("peft", "logits", {{"ids", ids}},
                               {{"model_dir", dir + "/model"}, {"adapter_dir", dir + "/adapter"}});
    EXPECT_LE(test::rel_error(unmerged, ref.at("logits")), 1e-4) << cfg["model_type"];
    Tensor base;
    {
      model.set_hooks(nullptr);
      base = model.forward(ids);
      model.set_hooks(m.get());
    }
    EXPECT_GT(test::rel_error(base, unmerged), 1e-3) << "the adapter must change the logits";
    ft::merge_lora(model, *m);
    EXPECT_EQ(model.hooks(), nullptr);
    EXPECT_LE(test::rel_error(model.forward(ids), unmerged), 1e-5) << cfg["model_type"];
  }
}

TEST(PeftLora, BadAdapterFilesAreClearErrors) {
  std::string dir = test::temp_dir();
  json cfg = gpt2_config();
  test::torch_ref("peft", "case", {{"ids", Tensor::from_ints({1, 2}, {1, 2})}, {"targets", Tensor::from_ints({2, 3}, {1, 2})}},
                  {{"model_dir", dir + "/model"}, {"adapter_dir", dir + "/adapter"}, {"config", cfg},
                   {"adapter_config", adapter_config("lora")}, {"seed", 1}});
  Transformer model = load_model(dir + "/model");
  auto expect_error = [&](const std::string& needle) {
    try {
      ft::load_adapter(model, dir + "/adapter");
      FAIL() << "expected an error containing " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  json a = adapter_config("lora");
  a["r"] = 5;
  io::write_text_atomic(dir + "/adapter/adapter_config.json", a.dump());
  expect_error("has shape");
  a["peft_type"] = "IA3";
  io::write_text_atomic(dir + "/adapter/adapter_config.json", a.dump());
  expect_error("peft_type 'IA3' is not supported");
  a = adapter_config("lora");
  a["target_modules"] = {"c_attn"};
  io::write_text_atomic(dir + "/adapter/adapter_config.json", a.dump());
  expect_error("does not belong");
  std::filesystem::remove(dir + "/adapter/adapter_config.json");
  expect_error("no adapter_config.json");
}
