// The model card behind `lmforge card`: a README.md in Hugging Face's model-card form, made
// only from the facts in the files lmforge writes (eval/model_card_facts.h).
//
// The card opens with YAML front matter, Hugging Face's model-card metadata: `license`
// ("unknown" unless stated), `library_name`, `pipeline_tag`, `tags`, `base_model` and
// `datasets` (left out when no file names them), and `model-index` with every numeric
// evaluation result in Hugging Face's schema (name; results: task {type, name}, dataset
// {type, name, split, args.num_few_shot}, metrics [{type, value, name}], the value exactly
// as the results file holds it). The Markdown sections follow (docs/model_card.md):
// model details, architecture and size, tokenizer, training data (what the pipeline
// removed), training (settings, metrics summary, loss curve), fine-tuning and alignment,
// evaluation, bias and safety, intended use, limitations, sources. Anything no file states
// reads "unknown". Table figures print integers exactly and other numbers with 6
// significant digits.
//
// write_model_card gathers everything before writing: a missing or malformed input file is
// a FormatError naming it, and then nothing is written. The card is written atomically.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/model_card_facts.h"

namespace lmf::eval {

struct ModelCardOptions {
  ModelCardInputs inputs;
  std::string out;  // the card's path ("" = MODEL_DIR/README.md)
};

struct ModelCard {
  std::string path;                   // where it was written
  nlohmann::ordered_json facts;       // what it was made from
  std::vector<std::string> unknown;   // the facts no file gave, in card order
};

// The card's text for `facts`; plots are linked relative to `card_dir`, the folder the
// card is written to.
std::string render_model_card(const nlohmann::ordered_json& facts, const std::string& card_dir);

// Hugging Face's model-card metadata for `facts` (the front matter, as a JSON object).
nlohmann::ordered_json model_card_metadata(const nlohmann::ordered_json& facts);

// The facts the card marks unknown, by the card's names for them.
std::vector<std::string> unknown_facts(const nlohmann::ordered_json& facts);

ModelCard write_model_card(const ModelCardOptions& options);

}  // namespace lmf::eval
