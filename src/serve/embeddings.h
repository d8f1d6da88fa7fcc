// POST /v1/embeddings: the mean over a text's tokens of the model's last hidden states
// (after the final norm), L2-normalised, in OpenAI's shape:
//   {"object":"list","data":[{"object":"embedding","index":i,"embedding":[…] | "base64"}],
//    "model", "usage":{"prompt_tokens","total_tokens"}}
// `input`: a string, a list of strings, token ids, or a list of token-id lists; texts are
// encoded as completions' prompts are. `encoding_format`: float (default) or base64
// (little-endian float32). An input longer than the context is a 400.
#pragma once
#include <nlohmann/json.hpp>

#include "serve/engine.h"
#include "serve/served_models.h"

namespace lmf::serve {

nlohmann::ordered_json embeddings(const nlohmann::ordered_json& body, const ServedModels& m, Engine& engine);

}  // namespace lmf::serve
