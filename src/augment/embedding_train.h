// Contrastive fine-tuning of an embedding model (`lmforge embed train`), as
// sentence-transformers trains with MultipleNegativesRankingLoss: each step embeds the
// anchors, positives and hard negatives of `batch` pairs (augment/embedding.h's pooling, not
// normalised; one forward pass over them, right-padded) and minimises InfoNCE with in-batch negatives
// (core/ops/contrastive_loss.h): the cross-entropy of every anchor's cosine similarities /
// temperature against all the batch's positives, its own positive the label, plus the hard
// negatives of the pairs that have one as extra columns. Every parameter of the decoder is
// trained with AdamW as fine-tuning uses it (betas 0.9/0.999, eps 1e-8, decay only on tensors
// with >= 2 dims; finetune/trainable.h), constant learning rate, global-norm clipping. Pairs
// are taken in a seeded shuffled order (train/epoch_sampler.h); a batch larger than the pairs
// is cut to their number, so no pair meets itself as a negative.
//
// OUT is a model directory that `embed` and `generate` load: config.json, model.safetensors,
// generation_config.json, tokenizer.json (each written atomically), plus metrics.jsonl (rows
// step, loss). A run that fails before writing into OUT removes the folder it created.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "augment/embedding.h"
#include "augment/embedding_pairs.h"
#include "tokenizer/tokenizer.h"

namespace lmf::augment {

struct EncodedTextPair {
  std::vector<int32_t> anchor, positive, negative;  // negative empty: none
};

// Error naming the pair's `where` and the field for an empty text or one longer than max_tokens.
std::vector<EncodedTextPair> encode_text_pairs(const std::vector<TextPair>& pairs, const tok::Tokenizer& tk,
                                               int64_t max_tokens);

struct EmbedTrainOptions {
  int64_t steps = 100, batch = 16;
  double lr = 2e-5, weight_decay = 0.0, grad_clip = 1.0;
  float temperature = 0.05f;  // sentence-transformers' scale 20
  uint64_t seed = 1337;
  Pooling pooling = Pooling::kMean;
  bool quiet = false;  // no progress output
};

struct EmbedTrainResult {
  int64_t steps = 0, batch = 0, parameters = 0;
  double last_loss = 0, seconds_per_step = 0;
};

// The contrastive loss of the pairs `data[0..n)` in consecutive batches of `batch` (the last
// one shorter), averaged over the batches weighted by their size; no autograd.
double contrastive_eval(Transformer& model, const std::vector<EncodedTextPair>& data, size_t n, int64_t batch,
                        const EmbedTrainOptions& opt);

// Trains every parameter of `model` for opt.steps steps; on_step(step, loss) after each.
EmbedTrainResult train_embeddings(Transformer& model, const std::vector<EncodedTextPair>& data,
                                  const EmbedTrainOptions& opt,
                                  const std::function<void(int64_t, double)>& on_step = nullptr);

struct EmbedTrainCommand {
  std::string model_dir, tokenizer_spec, out_dir;
  std::string pairs_path;         // JSONL pairs; empty: default_text_pairs(defaults)
  DefaultPairOptions defaults;    // the default pairs; those with a text longer than the context are left out
  EmbedTrainOptions train;
};
struct EmbedRunResult {
  EmbedTrainResult train;
  size_t pairs = 0;
  // contrastive_eval over the first (up to 256) training pairs before and after training.
  double loss_before = 0, loss_after = 0;
};
EmbedRunResult run_embed_train(const EmbedTrainCommand& c);

}  // namespace lmf::augment
