// What a server serves: one base model and its adapters, each a model id a request names
// in `model`. The base's id is its directory's name (or --alias); an adapter's is
// BASE:NAME. All share the tokenizer and the engine (serve/engine.h); index 0 is the base,
// i ≥ 1 adapter i - 1.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "finetune/peft.h"
#include "infer/json_vocab.h"
#include "models/transformer.h"
#include "tokenizer/tokenizer.h"

namespace lmf::serve {

struct AdapterSpec {
  std::string name;  // empty: the directory's name
  std::string dir;
};

struct ServedModels {
  ServedModels(Transformer m, tok::Tokenizer t) : model(std::move(m)), tokenizer(std::move(t)) {}
  Transformer model;
  tok::Tokenizer tokenizer;
  std::vector<std::unique_ptr<ft::PeftMethod>> adapters;
  std::vector<std::string> ids;          // ids[i]: model i's id
  std::optional<TokenId> eos;            // where generation stops
  std::shared_ptr<const JsonVocab> json_vocab;  // for response_format
  int64_t created = 0;                   // Unix time the server loaded them

  // Model index of `id`; ApiError 404 (param "model") for an unknown one. Empty: the base.
  size_t find(const std::string& id) const;
  std::vector<ForwardHooks*> hooks() const;
};

// Loads the base (directory, tokenizer SPEC or its own) and each adapter; Error naming what
// is wrong. Adapter names must be distinct.
std::unique_ptr<ServedModels> load_served_models(const std::string& model_dir, const std::string& tokenizer,
                                                 const std::string& alias, const std::vector<AdapterSpec>& adapters);

}  // namespace lmf::serve
