// Reward model: a decoder (GPT-2 or Llama) with a scalar head, score.weight (1, C) and no
// bias, applied to the final hidden state (after the last norm) of the LAST token of each
// sequence — what Hugging Face's GPT2ForSequenceClassification /
// LlamaForSequenceClassification compute with num_labels 1. A pair's sequence is
// ids(prompt) ++ ids(response), encoded as align/preferences.h describes.
//
// Batches are right-padded (pad_token_id there); a row's score is read at index
// length − 1, so padding never changes it (causal attention keeps later positions from
// earlier ones).
//
// A reward model directory is the Hugging Face layout of those classes:
//   config.json        the decoder's fields, "architectures": ["GPT2ForSequenceClassification"]
//                      (or Llama…), "num_labels": 1, "id2label"/"label2id" with one label,
//                      "pad_token_id"
//   model.safetensors  the decoder's tensors under their HF names (transformer.* for GPT-2,
//                      model.* for Llama; GPT-2 Conv1D weights [in, out]) and score.weight
//                      [1, C]; no lm_head
// Loading checks every tensor's presence and shape and rejects unknown ones, naming the
// file and tensor; a config with another label count is an error naming the field.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/optim/optimizer.h"
#include "models/transformer.h"
#include "tokenizer/tokenizer.h"

namespace lmf::align {

class RewardModel {
 public:
  // A decoder of `cfg` (a causal LM's config; an untied lm_head is not allocated: the
  // classifier has none) and a score head, both uninitialised.
  explicit RewardModel(const ModelConfig& cfg);

  // The decoder of a causal LM directory (its lm_head, if any, dropped) and a score head
  // drawn from N(0, head_std²), deterministic in `seed`. pad_token_id: the config's
  // eos_token_id, else 0.
  static RewardModel from_causal_lm(const std::string& dir, uint64_t seed, float head_std = 0.02f);
  // A sequence-classification directory (see above).
  static RewardModel load(const std::string& dir);
  // True when DIR/config.json names a *ForSequenceClassification architecture.
  static bool is_classifier_dir(const std::string& dir);
  // load() for a classifier directory, else from_causal_lm().
  static RewardModel open(const std::string& dir, uint64_t seed);
  // Writes config.json and model.safetensors (atomically) into `dir`.
  void save(const std::string& dir) const;

  Transformer& decoder() { return decoder_; }
  const ModelConfig& config() const { return config_; }  // as written to config.json
  Tensor& score_weight() { return score_; }              // (1, C)
  int64_t pad_token_id() const { return pad_token_id_; }
  void set_pad_token_id(int64_t id) { pad_token_id_ = id; }

  // Every tensor with its HF name (the decoder's, then "score.weight").
  optim::NamedTensors named_parameters();
  int64_t num_parameters() const;
  void set_requires_grad(bool on);

  // ids (N, T) I32, right-padded; lengths[n] in [1, T] real tokens → scores (N),
  // differentiable in the decoder and the head.
  Tensor scores(const Tensor& ids, const std::vector<int64_t>& lengths, const ForwardOptions& opt = {});
  // Sequences (each 1 .. n_positions tokens; else an Error naming the index) → (N).
  Tensor scores(const std::vector<std::vector<int32_t>>& seqs, const ForwardOptions& opt = {});
  // The score of prompt ++ response, without autograd.
  double score(const std::vector<int32_t>& prompt, const std::vector<int32_t>& response);

 private:
  ModelConfig config_;
  Transformer decoder_;
  Tensor score_;
  int64_t pad_token_id_ = 0;
};

// The score of a response to a prompt given as text, encoded as preference pairs are
// (align/preferences.h: PreferenceEncoder) — what `lmforge reward score` prints. Error when
// both are empty or they hold more tokens than the model's positions.
double score_text(RewardModel& model, const tok::Tokenizer& tk, const std::string& prompt, const std::string& response);

}  // namespace lmf::align
