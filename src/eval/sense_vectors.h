// The vector a model gives one occurrence of a word in its sentence, for the sense
// separation measure (eval/sense_separation.h). MODEL is
//   a biLM directory (config.json model_type "bilm", `train --arch bilm`): one of the model's
//     representations (BiLmLayer: by default its top layer, as ELMo's word sense
//     disambiguation used single layers; or the layer mix, models/bilm_embed.h) over the
//     sentence, averaged over the tokens whose bytes overlap the occurrence's bytes — a
//     vector that depends on the context;
//   a word2vec vectors file (text or binary format, `train --arch word2vec`): the vector of
//     the context's `word` (the homonym itself, not the form written in the sentence, which
//     may be a plural or capitalised) — one vector a word, the same at every occurrence.
// Errors name the context (PATH:LINE): a word missing from the word2vec vocabulary, a text
// whose tokens do not cover the occurrence.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "eval/sense_separation.h"

namespace lmf::eval {

struct OccurrenceVectors {
  std::string kind;  // "bilm" | "word2vec"
  int64_t dim = 0;
  std::vector<std::vector<float>> vectors;  // one a context
};

// Which biLM representation: its layer mix, its top LSTM layer, or layer k (0: the token
// embedding, which does not depend on the context).
struct BiLmLayer {
  enum Kind { Mix, Top, Index } kind = Top;
  int64_t index = 0;
  static BiLmLayer parse(const std::string& s);  // "mix" | "top" | a layer number; Error otherwise
  std::string name() const;
};

// tokenizer_spec "": the biLM directory's tokenizer.json (ignored for word2vec).
OccurrenceVectors occurrence_vectors(const std::string& model, const std::vector<SenseContext>& contexts,
                                     BiLmLayer layer = {}, const std::string& tokenizer_spec = "");

struct ModelSenseReport {
  std::string model, kind;  // kind: "word2vec", or "bilm" with the layer ("bilm mix", "bilm layer 2")
  int64_t dim = 0;
  SenseReport report;
};

// `lmforge embed senses`: the contexts file (read_sense_contexts) scored under each model.
std::vector<ModelSenseReport> compare_senses(const std::vector<std::string>& models, const std::string& contexts_path,
                                             BiLmLayer layer = {});

}  // namespace lmf::eval
