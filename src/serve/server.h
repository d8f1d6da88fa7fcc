// The HTTP server behind `lmforge serve`: OpenAI's API over the engine (serve/engine.h), on
// cpp-httplib.
//
//   GET  /v1/models             the base model and each adapter (BASE:NAME)
//   POST /v1/chat/completions   serve/completions.h (stream: Server-Sent Events); with
//                               rag_index, grounded in the index's sources (augment/grounded_prompt.h)
//   POST /v1/completions        serve/completions.h
//   POST /v1/embeddings         serve/embeddings.h
//   POST /tokenize              {"content", "model"?} → {"tokens": […]}
//   POST /detokenize            {"tokens": […]} → {"content"}
//   GET  /health                503 {"status":"loading"} while the model loads, then 200 {"status":"ok"}
//   GET  /metrics               Prometheus text (serve/metrics.h)
//   GET  /                      the web chat page (serve/chat_page.h)
//
// Every refusal is an OpenAI error object with the right status: 400 for a bad field (its
// name in `param`), malformed JSON or invalid UTF-8; 401 without the API key (when one is
// set, every route but / and /health needs `Authorization: Bearer KEY` or `x-api-key: KEY`,
// compared in constant time); 404 for an unknown route or model; 405 for a wrong method;
// 413 for a body over max_body; 429 when the queue is full; 503 while loading. No request
// can stop the server.
//
// It listens as soon as it starts (printing "lmforge serve: listening on http://HOST:PORT"
// on stderr), then loads the model. SIGINT or SIGTERM stops it accepting connections, lets
// the requests in flight finish for up to drain_seconds (then cancels them) and returns 0.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "serve/engine.h"
#include "serve/served_models.h"

namespace lmf::serve {

struct ServeOptions {
  std::string model_dir, tokenizer, alias;
  std::vector<AdapterSpec> adapters;
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: a free port
  std::string api_key;
  EngineOptions engine;
  int64_t max_body = 1 << 20;
  double drain_seconds = 30;
  std::string rag_index;  // chat requests answered from this retrieval index (empty: none)
  int rag_k = 4;
  // Safety filter (eval/safety_filter.h): `default`, a FILE, or empty for none. A blocked
  // request is answered with the refusal, a blocked output cut (serve/completions.h).
  std::string safety;
};

// Serves until SIGINT or SIGTERM; returns the exit status. Errors before listening (a port
// in use, a model that does not load) are thrown as lmf::Error.
int serve(const ServeOptions& opt);

}  // namespace lmf::serve
