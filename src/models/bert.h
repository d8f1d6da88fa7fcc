// BERT (Devlin et al. 2019): an encoder-only Transformer as Hugging Face's BertForMaskedLM
// computes it, with the pooler of BertModel on top of [CLS].
//
//   x  = LayerNorm(word[ids] + position[0..T) + token_type[types])          embeddings
//   per layer (post-LayerNorm):
//     a  = LayerNorm(x + dense(attention(q(x), k(x), v(x), padding mask)))    bidirectional
//     x  = LayerNorm(a + output(gelu(intermediate(a))))                        gelu = erf form
//   logits = transform.LayerNorm(gelu(transform.dense(x))) · wordᵀ + cls.predictions.bias
//   pooled = tanh(pooler.dense(x[:, 0]))
//
// Parameter names and layouts are Hugging Face's (nn.Linear weights (out, in)):
//   bert.embeddings.{word_embeddings,position_embeddings,token_type_embeddings}.weight,
//   bert.embeddings.LayerNorm.{weight,bias},
//   bert.encoder.layer.N.attention.self.{query,key,value}.{weight,bias},
//   bert.encoder.layer.N.attention.output.{dense,LayerNorm}.{weight,bias},
//   bert.encoder.layer.N.intermediate.dense.{weight,bias},
//   bert.encoder.layer.N.output.{dense,LayerNorm}.{weight,bias},
//   bert.pooler.dense.{weight,bias},
//   cls.predictions.transform.{dense,LayerNorm}.{weight,bias}, cls.predictions.bias.
// The decoder is tied to the word embeddings, so model.safetensors holds no
// cls.predictions.decoder.* (as transformers' save_pretrained writes it); reading, those and
// the tensors of other BERT heads (cls.seq_relationship.*, bert.embeddings.position_ids) are
// accepted and ignored. (transformers' BertForMaskedLM has no pooler and ignores
// bert.pooler.*; BertModel and BertForPreTraining read it.)
//
// The word embedding is nn.Embedding(padding_idx=pad_token_id): a [PAD] in the input takes
// no gradient through the lookup (the tied decoder still trains that row).
// Shapes: ids (B, T) I32; token types (B, T) I32 in [0, type_vocab_size) or undefined (all 0);
// attention mask (B, T) I32 of 1 (a token) and 0 (padding) or undefined (all 1). Padding keys
// get an additive −1e9 before the softmax (HF adds the float minimum: both give weight 0).
// T ≤ max_position_embeddings, else ShapeError.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace lmf::models {

struct BertConfig {
  int64_t vocab_size = 0;
  int64_t hidden_size = 256;
  int64_t num_hidden_layers = 4;
  int64_t num_attention_heads = 4;
  int64_t intermediate_size = 1024;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  int64_t pad_token_id = 0;
  double layer_norm_eps = 1e-12;
  double hidden_dropout_prob = 0.0;           // applied when training (forward's dropout_seed)
  double attention_probs_dropout_prob = 0.0;  // must be 0 here: the fused attention has none
  double initializer_range = 0.02;

  // HF's BertConfig fields, model_type "bert", architectures ["BertForMaskedLM"].
  nlohmann::json to_json() const;
  // FormatError naming `what` and the field when one is missing, out of range, or names an
  // architecture this model does not compute (hidden_act other than "gelu",
  // position_embedding_type other than "absolute").
  static BertConfig from_json(const nlohmann::json& j, const std::string& what);
};

// True when DIR/config.json exists and names model_type "bert".
bool is_bert_dir(const std::string& dir);

struct BertInput {
  Tensor ids;             // (B, T) I32
  Tensor token_type_ids;  // (B, T) I32 or undefined
  Tensor attention_mask;  // (B, T) I32 (1 token, 0 padding) or undefined
};

class Bert {
 public:
  // HF's _init_weights: Linear and Embedding weights N(0, initializer_range) from `seed`,
  // biases 0, the pad_token_id row of the word embeddings 0, LayerNorms 1 and 0.
  static Bert init(const BertConfig& cfg, uint64_t seed);
  // From named tensors; FormatError naming a missing, unexpected or misshapen tensor.
  static Bert from_tensors(const BertConfig& cfg, const std::map<std::string, Tensor>& tensors,
                           const std::string& what);
  static Bert load(const std::string& dir);  // config.json and model.safetensors
  void save(const std::string& dir) const;   // config.json and model.safetensors, atomically

  const BertConfig& config() const { return cfg_; }
  // Every parameter in HF's state-dict order, each requiring grad.
  const std::vector<std::pair<std::string, Tensor>>& parameters() const { return params_; }
  int64_t parameter_count() const;

  // Last hidden states (B, T, C). dropout_seed != 0 applies hidden_dropout_prob (training).
  Tensor encode(const BertInput& in, uint64_t dropout_seed = 0) const;
  // hidden (N, C) → MLM logits (N, V) (the prediction head; rows are any positions).
  Tensor mlm_logits(const Tensor& hidden) const;
  // hidden (B, T, C) → pooler output (B, C): tanh(dense(hidden[:, 0])).
  Tensor pooled(const Tensor& hidden) const;
  // Logits (B, T, V) for every position.
  Tensor logits(const BertInput& in) const;
  // Masked-LM loss: mean cross-entropy over the positions whose label (B, T) I32 is not −100
  // (HF's BertForMaskedLM loss); the head runs on those positions only. 0 when there are none.
  Tensor mlm_loss(const BertInput& in, const Tensor& labels, uint64_t dropout_seed = 0) const;

 private:
  const Tensor& p(const std::string& name) const { return by_name_.at(name); }
  Tensor ln(const Tensor& x, const std::string& prefix) const;
  Tensor dense(const Tensor& x, const std::string& prefix) const;
  // ids (B, T) → (B, T, C); [PAD] lookups pass no gradient (HF's padding_idx).
  Tensor word_embeddings(const Tensor& ids) const;

  BertConfig cfg_;
  std::vector<std::pair<std::string, Tensor>> params_;
  std::map<std::string, Tensor> by_name_;
};

}  // namespace lmf::models
