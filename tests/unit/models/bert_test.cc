// BERT (models/bert.h, bert_mlm.h, bert_train.h, bert_fill_mask.h) against a PyTorch
// BertForMaskedLM written from the architecture's definition with Hugging Face's names and
// layouts (tests/reference/bert.py): logits, hidden states, pooled output, MLM loss and every
// gradient to 1e-4 both ways (our weights into torch, torch-initialised weights into ours),
// with padding and token types; 10 AdamW steps on the same masked batches to 1e-3; the
// pseudo-log-likelihood. Also the masking statistics, fill-mask's output and errors, and
// `lmforge train --arch bert` end to end with --resume.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include "augment/embedding.h"
#include "core/random.h"
#include "data/token_shard.h"
#include "io/atomic_file.h"
#include "models/bert.h"
#include "models/bert_embed.h"
#include "models/bert_fill_mask.h"
#include "models/bert_mlm.h"
#include "models/bert_train.h"
#include "support/oracle.h"
#include "tokenizer/tokenizer.h"

using namespace lmf;
using namespace lmf::models;

namespace {

BertConfig tiny_config(int64_t V) {
  BertConfig c;
  c.vocab_size = V;
  c.hidden_size = 16;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.intermediate_size = 24;
  c.max_position_embeddings = 24;
  c.pad_token_id = 0;
  return c;
}

// Ids 0..4 are special: [PAD] [UNK] [CLS] [SEP] [MASK].
BertSpecialIds small_specials() {
  BertSpecialIds s;
  s.pad = 0;
  s.cls = 2;
  s.sep = 3;
  s.mask = 4;
  s.all = {0, 1, 2, 3, 4};
  return s;
}

std::vector<int32_t> random_ids(size_t n, int64_t lo, int64_t hi, uint64_t seed) {
  std::vector<int32_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = int32_t(lo + std::min<int64_t>(hi - lo - 1, int64_t(Philox::uniform_at(seed, i) * float(hi - lo))));
  return v;
}

// Bytes 0..255, then [PAD] [UNK] [CLS] [SEP] [MASK] (256..260): a byte-level tokenizer with
// BERT's special tokens.
tok::Tokenizer byte_bert_tokenizer() {
  std::vector<std::string> bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(std::string(1, char(i)));
  std::vector<tok::SpecialToken> sp;
  int32_t id = 256;
  for (const char* t : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) sp.push_back({t, id++, true});
  return tok::Tokenizer::from_merges(bytes, {}, sp, tok::builtin_pattern("gpt2"), "bytes+bert");
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (float v : t.to_vector()) m = std::max(m, double(std::fabs(v)));
  return m;
}

// Runs a command; `out` holds its stdout alone.
int run(const std::string& cmd, std::string& out) {
  out.clear();
  return test::run_command(cmd, &out);
}

}  // namespace

TEST(BertModel, LogitsHiddenPooledLossAndGradientsMatchPyTorch) {
  const std::string dir = test::temp_dir();
  const BertConfig cfg = tiny_config(37);
  Bert m = Bert::init(cfg, 3);
  m.save(dir);
  const int64_t B = 2, T = 7;
  std::vector<int32_t> idv = random_ids(B * T, 1, 37, 11);
  idv[12] = idv[13] = 0;  // [PAD]: no gradient through its lookup (padding_idx)
  const Tensor ids = Tensor::from_ints(idv, {B, T});
  const Tensor types = Tensor::from_ints({0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, {B, T});
  const Tensor mask = Tensor::from_ints({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, {B, T});  // row 1 padded
  const Tensor labels = Tensor::from_ints({-100, 5, -100, -100, 9, -100, 30, -100, 12, -100, -100, 7, -100, -100}, {B, T});
  const BertInput in{ids, types, mask};
  Tensor loss = m.mlm_loss(in, labels);
  loss.backward();
  const Tensor hidden = m.encode(in), logits = m.mlm_logits(hidden), pooled = m.pooled(hidden);
  test::TensorMap ref = test::torch_ref("bert", "forward", {{"ids", ids}, {"types", types}, {"mask", mask}, {"labels", labels}},
                                        {{"dir", dir}});
  EXPECT_EQ(logits.shape(), (Shape{B, T, 37}));
  EXPECT_LT(test::rel_error(logits, ref["logits"]), 1e-4);
  EXPECT_LT(test::rel_error(hidden, ref["hidden"]), 1e-4);
  EXPECT_LT(test::rel_error(pooled, ref["pooled"]), 1e-4);
  EXPECT_NEAR(loss.item(), ref["loss"].item(), 1e-4 * ref["loss"].item());
  for (auto& [name, p] : m.parameters()) {
    ASSERT_TRUE(ref.count("d." + name)) << name;
    if (max_abs(ref["d." + name]) < 1e-6) {  // the pooler (not in the loss); the key bias (softmax is shift-invariant)
      EXPECT_TRUE(!p.grad().defined() || max_abs(p.grad()) < 1e-5) << name;
      continue;
    }
    ASSERT_TRUE(p.grad().defined()) << name;
    EXPECT_LT(test::rel_error(p.grad(), ref["d." + name]), 1e-4) << name;
  }
  // The padding mask matters: without it row 1's real tokens see the padding.
  const Tensor unmasked = m.logits({ids, types, {}});
  EXPECT_GT(test::rel_error(unmasked, ref["logits"]), 1e-3);
}

TEST(BertModel, TorchInitialisedWeightsLoadAndGiveTheSameLogits) {
  const std::string dir = test::temp_dir();
  const BertConfig cfg = tiny_config(29);
  const Tensor ids = Tensor::from_ints(random_ids(2 * 5, 1, 29, 4), {2, 5});
  const Tensor types = Tensor::from_ints({0, 0, 1, 1, 1, 0, 1, 1, 0, 0}, {2, 5});
  const Tensor mask = Tensor::from_ints({1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, {2, 5});
  test::TensorMap ref = test::torch_ref("bert", "init", {{"ids", ids}, {"types", types}, {"mask", mask}},
                                        {{"seed", 5}, {"config", cfg.to_json()}, {"out", dir}});
  EXPECT_TRUE(is_bert_dir(dir));
  Bert m = Bert::load(dir);
  const Tensor h = m.encode({ids, types, mask});
  EXPECT_LT(test::rel_error(m.mlm_logits(h), ref["logits"]), 1e-4);
  EXPECT_LT(test::rel_error(m.pooled(h), ref["pooled"]), 1e-4);
}

TEST(BertModel, ConfigAndDirectoryErrorsAreNamed) {
  const std::string dir = test::temp_dir();
  const BertConfig cfg = tiny_config(11);
  Bert::init(cfg, 1).save(dir);
  const nlohmann::json j = nlohmann::json::parse(io::read_file(dir + "/config.json"));
  EXPECT_EQ(j["model_type"], "bert");
  EXPECT_EQ(j["architectures"], nlohmann::json::array({"BertForMaskedLM"}));
  for (const char* k : {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                        "max_position_embeddings", "type_vocab_size", "layer_norm_eps", "hidden_dropout_prob",
                        "attention_probs_dropout_prob", "vocab_size", "pad_token_id"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(BertConfig::from_json(j, "x").to_json(), cfg.to_json());
  nlohmann::json bad = j;
  bad["hidden_act"] = "relu";
  EXPECT_THROW(BertConfig::from_json(bad, "x"), FormatError);
  bad = j;
  bad["num_attention_heads"] = 5;
  EXPECT_THROW(BertConfig::from_json(bad, "x"), FormatError);
  bad = j;
  bad.erase("hidden_size");
  try {
    BertConfig::from_json(bad, "cfg.json");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("hidden_size"), std::string::npos) << e.what();
  }
  std::map<std::string, Tensor> t;
  const Bert fresh = Bert::init(cfg, 1);
  for (auto& [n, p] : fresh.parameters()) t[n] = p.detach();
  t["cls.predictions.decoder.weight"] = t["bert.embeddings.word_embeddings.weight"];  // tied copies are accepted
  EXPECT_NO_THROW(Bert::from_tensors(cfg, t, "w"));
  t.erase("bert.pooler.dense.bias");
  EXPECT_THROW(Bert::from_tensors(cfg, t, "w"), FormatError);
}

TEST(BertMlm, MaskingStatisticsFollowTheRecipe) {
  const BertSpecialIds sp = small_specials();
  const int64_t B = 64, T = 512, V = 1000;
  std::vector<int32_t> v = random_ids(size_t(B * T), 5, V, 21);
  for (size_t i = 0; i < v.size(); i += 7) v[i] = int32_t(i % 5);  // specials sprinkled in
  const Tensor ids = Tensor::from_ints(v, {B, T});
  const MlmBatch b = mask_tokens(ids, sp, V, 9, 3);
  int64_t eligible = 0, chosen = 0, masked = 0, random = 0, kept = 0;
  const int32_t* in = b.inputs.data<int32_t>();
  const int32_t* lab = b.labels.data<int32_t>();
  for (size_t i = 0; i < v.size(); ++i) {
    const bool special = v[i] < 5;
    if (special) {
      EXPECT_EQ(lab[i], -100);
      EXPECT_EQ(in[i], v[i]);
      continue;
    }
    ++eligible;
    if (lab[i] == -100) {
      EXPECT_EQ(in[i], v[i]);
      continue;
    }
    EXPECT_EQ(lab[i], v[i]);
    ++chosen;
    if (in[i] == sp.mask)
      ++masked;
    else if (in[i] == v[i])
      ++kept;  // (a random draw equal to the original counts as kept: rare with V = 1000)
    else
      ++random;
  }
  EXPECT_EQ(chosen, b.chosen);
  // Binomial bounds at 5 standard deviations.
  auto within = [](int64_t k, int64_t n, double p) {
    return std::fabs(double(k) - p * double(n)) < 5 * std::sqrt(double(n) * p * (1 - p));
  };
  EXPECT_TRUE(within(chosen, eligible, 0.15)) << chosen << " of " << eligible;
  EXPECT_TRUE(within(masked, chosen, 0.8)) << masked << " of " << chosen;
  EXPECT_TRUE(within(random, chosen, 0.1)) << random << " of " << chosen;
  EXPECT_TRUE(within(kept, chosen, 0.1)) << kept << " of " << chosen;
  // Seeded by (seed, step): the same pair gives the same masks, another step others.
  EXPECT_EQ(mask_tokens(ids, sp, V, 9, 3).inputs.to_vector(), b.inputs.to_vector());
  EXPECT_NE(mask_tokens(ids, sp, V, 9, 4).labels.to_vector(), b.labels.to_vector());
  // Windows are wrapped [CLS] ... [SEP] and depend on (seed, step) only.
  const Tensor w = mlm_windows(v, 3, 10, sp, 9, 3);
  EXPECT_EQ(w.shape(), (Shape{3, 12}));
  EXPECT_EQ(w.data<int32_t>()[0], sp.cls);
  EXPECT_EQ(w.data<int32_t>()[11], sp.sep);
  EXPECT_EQ(mlm_windows(v, 3, 10, sp, 9, 3).to_vector(), w.to_vector());
}

TEST(BertTrain, TenAdamWStepsMatchPyTorch) {
  const std::string dir = test::temp_dir();
  const int64_t V = 23;
  const BertConfig cfg = tiny_config(V);
  Bert m = Bert::init(cfg, 8);
  m.save(dir);
  const BertSpecialIds sp = small_specials();
  std::vector<int32_t> stream(200);
  for (size_t i = 0; i < stream.size(); ++i) stream[i] = int32_t(5 + (i * 7 + i / 3) % (V - 5));
  BertTrainOptions o;
  o.batch = 4;
  o.seq = 10;
  o.lr = 1e-2;
  o.weight_decay = 0.01;
  o.grad_clip = 0;
  o.seed = 2;
  optim::AdamWOptions ao;
  ao.lr = o.lr;
  optim::AdamW adam(optim::decay_groups(m.parameters(), o.weight_decay), ao);
  std::vector<float> losses, inputs, labels;
  for (int64_t s = 0; s < 10; ++s) {
    const MlmBatch b = mask_tokens(mlm_windows(stream, o.batch, o.seq, sp, o.seed, s), sp, V, o.seed, s);
    for (float x : b.inputs.to_vector()) inputs.push_back(x);
    for (float x : b.labels.to_vector()) labels.push_back(x);
    losses.push_back(bert_train_step(m, adam, stream, sp, o, s));
  }
  std::vector<int32_t> in_i(inputs.begin(), inputs.end()), lab_i(labels.begin(), labels.end());
  test::TensorMap ref = test::torch_ref(
      "bert", "train",
      {{"inputs", Tensor::from_ints(in_i, {10, o.batch, o.seq + 2})}, {"labels", Tensor::from_ints(lab_i, {10, o.batch, o.seq + 2})}},
      {{"dir", dir}, {"lr", o.lr}, {"weight_decay", o.weight_decay}});
  const std::vector<float> want = ref["losses"].to_vector();
  ASSERT_EQ(want.size(), losses.size());
  for (size_t s = 0; s < want.size(); ++s) EXPECT_NEAR(losses[s], want[s], 1e-3 * want[s]) << "step " << s + 1;
  EXPECT_LT(want[9], want[0]);
}

TEST(BertMlm, PseudoLogLikelihoodMatchesPyTorch) {
  const std::string dir = test::temp_dir();
  const BertConfig cfg = tiny_config(31);
  Bert m = Bert::init(cfg, 6);
  m.save(dir);
  const BertSpecialIds sp = small_specials();
  const std::vector<int32_t> stream = random_ids(40, 5, 31, 17);
  const PseudoLogLikelihood p = pseudo_log_likelihood(m, stream, 8, 13, sp, nullptr, 5);  // 1 window and 5 of the next
  test::TensorMap ref = test::torch_ref("bert", "pll", {{"stream", Tensor::from_ints(stream, {40})}},
                                        {{"dir", dir}, {"seq", 8}, {"tokens", 13}, {"cls", 2}, {"sep", 3}, {"mask", 4}});
  EXPECT_EQ(p.tokens, 13);
  EXPECT_NEAR(p.log_likelihood, ref["pll"].item(), 1e-4 * std::fabs(ref["pll"].item()));
  EXPECT_NEAR(p.pseudo_perplexity(), std::exp(-ref["pll"].item() / 13.0), 1e-3);
  // With a tokenizer, bytes are those of the scored ids' text.
  const tok::Tokenizer tk = byte_bert_tokenizer();
  std::vector<int32_t> text_ids;
  for (char c : std::string("the cat sat on the mat")) text_ids.push_back(int32_t(uint8_t(c)));
  Bert mb = Bert::init(tiny_config(261), 1);
  const PseudoLogLikelihood q =
      pseudo_log_likelihood(mb, text_ids, 6, 100, bert_special_ids(tk, "test"), &tk);
  EXPECT_EQ(q.tokens, 18);
  EXPECT_EQ(q.bytes, 18);
  EXPECT_NEAR(q.bits_per_byte(), -q.log_likelihood / (std::log(2.0) * 18), 1e-9);
  EXPECT_THROW(pseudo_log_likelihood(m, std::vector<int32_t>{5, 6}, 8, 10, sp), Error);
}

TEST(BertFillMask, JsonHasThePipelineShapeAndTheReferenceProbabilities) {
  const std::string dir = test::temp_dir() + "/m";
  const tok::Tokenizer tk = byte_bert_tokenizer();
  Bert::init(tiny_config(261), 12).save(dir);
  tk.save_json(dir + "/tokenizer.json");
  const std::string bin = LMFORGE_BINARY;
  std::string out;
  ASSERT_EQ(run(bin + " fill-mask --model " + dir + " --text 'ab[MASK]c' --top-k 4 --json --threads 1", out), 0)
      << out;
  const nlohmann::ordered_json j = nlohmann::ordered_json::parse(out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 4u);
  // The reference's softmax at the mask.
  const FillMasker fm(dir);
  const std::vector<int32_t> ids = fm.input_ids("ab[MASK]c");
  ASSERT_EQ(ids, (std::vector<int32_t>{258, 'a', 'b', 260, 'c', 259}));
  const int64_t T = int64_t(ids.size());
  std::vector<int32_t> labels(size_t(T), -100);
  labels[3] = 'x';
  test::TensorMap ref = test::torch_ref("bert", "forward",
                                        {{"ids", Tensor::from_ints(ids, {1, T})}, {"labels", Tensor::from_ints(labels, {1, T})}},
                                        {{"dir", dir}});
  const std::vector<float> lg = ref["logits"].to_vector();
  double mx = -1e30, z = 0;
  for (int64_t v = 0; v < 261; ++v) mx = std::max(mx, double(lg[size_t(3 * 261 + v)]));
  for (int64_t v = 0; v < 261; ++v) z += std::exp(double(lg[size_t(3 * 261 + v)]) - mx);
  double sum = 0, prev = 2;
  for (const auto& c : j) {
    std::vector<std::string> keys;
    for (auto it = c.begin(); it != c.end(); ++it) keys.push_back(it.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"score", "token", "token_str", "sequence"}));
    const int32_t id = c["token"].get<int32_t>();
    const double want = std::exp(double(lg[size_t(3 * 261 + id)]) - mx) / z;
    EXPECT_NEAR(c["score"].get<double>(), want, 1e-5);
    EXPECT_LE(c["score"].get<double>(), prev);
    prev = c["score"].get<double>();
    sum += prev;
    EXPECT_EQ(c["token_str"], tk.decode(std::vector<TokenId>{id}));
    const bool special = id >= 256;
    EXPECT_EQ(c["sequence"], "ab" + (special ? std::string() : tk.decode(std::vector<TokenId>{id})) + "c");
  }
  EXPECT_LE(sum, 1.0 + 1e-6);

  // Two masks: a list of two lists, each sequence keeping the specials (as the pipeline does).
  ASSERT_EQ(run(bin + " fill-mask --model " + dir + " --text '[MASK]b[MASK]' --top-k 2 --json --threads 1", out), 0);
  const nlohmann::json two = nlohmann::json::parse(out);
  ASSERT_TRUE(two.is_array());
  ASSERT_EQ(two.size(), 2u);
  ASSERT_EQ(two[0].size(), 2u);
  const std::string s0 = two[0][0]["sequence"], s1 = two[1][0]["sequence"];
  EXPECT_EQ(s0, "[CLS]" + two[0][0]["token_str"].get<std::string>() + "b[MASK][SEP]");
  EXPECT_EQ(s1, "[CLS][MASK]b" + two[1][0]["token_str"].get<std::string>() + "[SEP]");
  // The table.
  ASSERT_EQ(run(bin + " fill-mask --model " + dir + " --text 'ab[MASK]c' --top-k 2 --threads 1", out), 0);
  EXPECT_NE(out.find("token_str"), std::string::npos) << out;

  // Errors: no [MASK], no model, not a BERT directory.
  EXPECT_NE(run(bin + " fill-mask --model " + dir + " --text 'abc' 2>&1", out), 0);
  EXPECT_NE(out.find("[MASK]"), std::string::npos) << out;
  EXPECT_NE(run(bin + " fill-mask --model " + dir + "/nope --text '[MASK]' 2>&1", out), 0);
  EXPECT_NE(out.find("nope"), std::string::npos) << out;
  io::write_text_atomic(dir + "/config.json", R"({"model_type": "gpt2"})");
  EXPECT_NE(run(bin + " fill-mask --model " + dir + " --text '[MASK]' 2>&1", out), 0);
  EXPECT_NE(out.find("not a BERT model"), std::string::npos) << out;
}

TEST(BertTrain, CommandWritesTheModelLearnsAndResumesIdentically) {
  const std::string dir = test::temp_dir();
  const tok::Tokenizer tk = byte_bert_tokenizer();
  std::string text;
  for (int i = 0; i < 40; ++i) text += "the cat sat on the mat. ";
  const std::vector<TokenId> ids = tk.encode(text);
  data::write_token_shard(dir + "/train.bin", ids);
  data::write_token_shard(dir + "/val.bin", std::vector<TokenId>(ids.begin(), ids.begin() + 200));
  tk.save_json(dir + "/tokenizer.json");
  const std::string base = std::string(LMFORGE_BINARY) + " train --arch bert --data " + dir +
                           " --hidden 16 --layers 1 --heads 2 --intermediate 32 --max-positions 32 --seq 24 --batch 8 "
                           "--lr 5e-3 --weight-decay 0 --pppl-tokens 24 --eval-windows 4 --quiet --threads 1";
  std::string out;
  ASSERT_EQ(run(base + " --out " + dir + "/a --steps 40", out), 0) << out;
  const nlohmann::json r = nlohmann::json::parse(out);
  EXPECT_EQ(r["arch"], "bert");
  EXPECT_EQ(r["steps"], 40);
  EXPECT_GT(r["val_pseudo_perplexity"].get<double>(), 1.0);
  EXPECT_GT(r["val_bits_per_byte"].get<double>(), 0.0);
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "metrics.jsonl", "loss.svg", "results.json"})
    EXPECT_TRUE(std::filesystem::exists(dir + "/a/" + f)) << f;
  EXPECT_TRUE(is_bert_dir(dir + "/a"));
  std::vector<double> loss;
  for (const std::string& line : {io::read_file(dir + "/a/metrics.jsonl")}) {
    size_t p = 0;
    while (p < line.size()) {
      const size_t e = line.find('\n', p);
      const nlohmann::json row = nlohmann::json::parse(line.substr(p, e - p));
      if (row.contains("loss")) loss.push_back(row["loss"].get<double>());
      p = e + 1;
    }
  }
  ASSERT_EQ(loss.size(), 40u);
  double first = 0, last = 0;
  for (size_t i = 0; i < 5; ++i) {
    first += loss[i];
    last += loss[35 + i];
  }
  EXPECT_LT(last, 0.7 * first);  // a repeated text is learnt

  // 6 steps, then --resume to 10: the same model as 10 steps at once.
  ASSERT_EQ(run(base + " --out " + dir + "/b --steps 10", out), 0) << out;
  ASSERT_EQ(run(base + " --out " + dir + "/c --steps 6", out), 0) << out;
  ASSERT_EQ(run(base + " --out " + dir + "/c --steps 10 --resume", out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["start_step"], 6);
  EXPECT_EQ(io::read_file(dir + "/b/model.safetensors"), io::read_file(dir + "/c/model.safetensors"));
  EXPECT_EQ(nlohmann::json::parse(io::read_file(dir + "/b/results.json"))["val_loss"],
            nlohmann::json::parse(io::read_file(dir + "/c/results.json"))["val_loss"]);

  // A tokenizer without BERT's tokens (GPT's byte-level BPE) gets them after its last id.
  const std::string plain = test::temp_dir();
  data::write_token_shard(plain + "/train.bin", ids);
  std::vector<std::string> bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(std::string(1, char(i)));
  tok::Tokenizer::from_merges(bytes, {}, {{"<|endoftext|>", 256, true}}, tok::builtin_pattern("gpt2"), "bytes")
      .save_json(plain + "/tokenizer.json");
  ASSERT_EQ(run(std::string(LMFORGE_BINARY) + " train --arch bert --data " + plain + " --out " + plain +
                                  "/m --hidden 8 --layers 1 --heads 2 --intermediate 8 --seq 8 --batch 2 --steps 1 "
                                  "--pppl-tokens 0 --quiet --threads 1", out),
            0)
      << out;
  const tok::Tokenizer added = tok::Tokenizer::load(plain + "/m");
  EXPECT_EQ(added.token_id("[PAD]"), std::optional<TokenId>(257));
  EXPECT_EQ(added.token_id("[MASK]"), std::optional<TokenId>(261));
  EXPECT_EQ(Bert::load(plain + "/m").config().vocab_size, 262);
}

TEST(BertFillMask, WordPieceTokenizerThroughTheSameInterface) {
  const std::string dir = test::temp_dir();
  std::string text;
  for (int i = 0; i < 30; ++i) text += "a quick brown fox jumps over the lazy dog while the cat sat on the mat. ";
  io::write_text_atomic(dir + "/corpus.txt", text);
  std::string out;
  ASSERT_EQ(run(std::string(LMFORGE_BINARY) + " tokenizer train --model wordpiece --input " + dir +
                                  "/corpus.txt --vocab-size 80 --out " + dir + "/m 2>&1", out),
            0)
      << out;
  const tok::Tokenizer tk = tok::Tokenizer::load(dir + "/m");
  ASSERT_TRUE(tk.is_wordpiece());
  Bert::init(tiny_config(int64_t(tk.vocab_size())), 3).save(dir + "/m");
  const FillMasker fm(dir + "/m");
  const std::string q = "The quick cat [MASK] over the dog.";
  const std::vector<int32_t> ids = fm.input_ids(q);
  const std::vector<TokenId> hf = tk.wrap_single(tk.encode(q, true));  // HF's encode(add_special_tokens=True)
  EXPECT_EQ(std::vector<TokenId>(ids.begin(), ids.end()), hf);
  const auto masks = fm.fill(q, 3);
  ASSERT_EQ(masks.size(), 1u);
  ASSERT_EQ(masks[0].size(), 3u);
  const size_t at = size_t(std::find(ids.begin(), ids.end(), *tk.token_id("[MASK]")) - ids.begin());
  for (const FillMaskCandidate& c : masks[0]) {
    std::vector<TokenId> filled(ids.begin(), ids.end());
    filled[at] = c.token;
    EXPECT_EQ(c.sequence, tk.decode(filled, true));
    EXPECT_EQ(c.token_str, tk.decode(std::vector<TokenId>{c.token}));
  }
}

TEST(BertEmbed, PooledAndMeanVectorsMatchPyTorchWithPadding) {
  const std::string dir = test::temp_dir() + "/m";
  Bert::init(tiny_config(261), 4).save(dir);
  byte_bert_tokenizer().save_json(dir + "/tokenizer.json");
  EXPECT_TRUE(is_bert_dir(dir));
  // "abcd" alone, as the reference sees it: [CLS] a b c d [SEP].
  const std::vector<int32_t> ids = {258, 'a', 'b', 'c', 'd', 259};
  std::vector<int32_t> labels(6, -100);
  labels[1] = 'a';
  test::TensorMap ref = test::torch_ref("bert", "forward",
                                        {{"ids", Tensor::from_ints(ids, {1, 6})}, {"labels", Tensor::from_ints(labels, {1, 6})}},
                                        {{"dir", dir}});
  auto normalized = [](std::vector<float> v) {
    double ss = 0;
    for (float x : v) ss += double(x) * x;
    for (float& x : v) x = float(x / std::sqrt(ss));
    return v;
  };
  const std::vector<float> want_cls = normalized(ref["pooled"].to_vector());
  const std::vector<float> h = ref["hidden"].to_vector();
  std::vector<float> mean(16, 0.0f);
  for (int t = 0; t < 6; ++t)
    for (int c = 0; c < 16; ++c) mean[size_t(c)] += h[size_t(t * 16 + c)] / 6.0f;
  const std::vector<float> want_mean = normalized(mean);
  for (const char* pooling : {"cls", "mean"}) {
    const BertEmbedder e(dir, "", pooling);
    EXPECT_EQ(e.encode("abcd", "t"), ids);
    // Batched with a shorter and a longer text: padding changes nothing.
    const std::vector<float> v = e.embed_ids({e.encode("a", "t0"), e.encode("abcd", "t1"), e.encode("abcdefgh", "t2")});
    ASSERT_EQ(v.size(), 3u * 16u);
    const std::vector<float>& want = std::string(pooling) == "cls" ? want_cls : want_mean;
    for (size_t c = 0; c < 16; ++c) EXPECT_NEAR(v[16 + c], want[c], 1e-5) << pooling << " " << c;
  }
  // `lmforge embed` and retrieval reach it through augment::Embedder.
  const augment::Embedder emb({dir, "", "", augment::Pooling::kCls});
  EXPECT_EQ(emb.dim(), 16);
  const std::vector<float> v = emb.embed({"abcd"});
  for (size_t c = 0; c < 16; ++c) EXPECT_NEAR(v[c], want_cls[c], 1e-5) << c;
  EXPECT_THROW(BertEmbedder(dir, "", "last"), Error);
  EXPECT_THROW(BertEmbedder(dir, "", "cls").encode("", "t"), Error);
}
