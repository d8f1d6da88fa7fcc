// lmforge serve: an OpenAI-compatible HTTP server for a model and its adapters, with
// continuous batching and a web chat page (src/serve/server.h). --watermark KEY watermarks
// every completion (infer/watermark.h).
#include <CLI/CLI.hpp>
#include <fstream>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/watermark_flags.h"
#include "core/error.h"
#include "infer/decode_steps.h"
#include "serve/server.h"

namespace lmf::cli {
namespace {

int run_serve(int argc, char** argv) {
  CLI::App app{"Serve a model over HTTP: OpenAI's API (chat, completions, embeddings) and a web chat page",
               "lmforge serve"};
  ModelFlags mf;
  serve::ServeOptions opt;
  std::vector<std::string> adapters;
  std::string key_file;
  int threads = 0;
  add_model_flags(app, mf, false);
  app.add_option("--adapter", adapters,
                 "[NAME=]DIR: serve a PEFT adapter as model BASE:NAME (NAME defaults to the directory's name; repeatable)");
  app.add_option("--alias", opt.alias, "the base model's id (default: the model directory's name)");
  app.add_option("--host", opt.host, "address to listen on")->capture_default_str();
  app.add_option("--port", opt.port, "port to listen on (0: any free port)")->check(int_range(0, 65535))->capture_default_str();
  auto* key = app.add_option("--api-key", opt.api_key, "require this key (Authorization: Bearer KEY) on every route but / and /health");
  app.add_option("--api-key-file", key_file, "read the API key from the first line of this file")->excludes(key);
  app.add_option("--parallel", opt.engine.parallel, "slots: requests decoded together in one batch")
      ->check(int_range<int>(1, int(decode_max_rows())))->capture_default_str();
  app.add_option("--ctx", opt.engine.ctx, "context per slot in tokens (0: the model's)")
      ->check(int_range<int64_t>(0, 1 << 24))->capture_default_str();
  app.add_option("--max-queue", opt.engine.max_queue, "requests waiting for a slot before new ones get 429")
      ->check(int_range<int64_t>(0, 100000))->capture_default_str();
  app.add_option("--max-body", opt.max_body, "largest request body in bytes (larger: 413)")
      ->check(int_range<int64_t>(1024, int64_t(1) << 32))->capture_default_str();
  app.add_option("--rag", opt.rag_index, "retrieval index (`lmforge rag index`): each chat request's last user message is "
                                        "answered from its best chunks as numbered sources; the response carries `sources` "
                                        "and each message its `citations`");
  app.add_option("--rag-k", opt.rag_k, "chunks retrieved a request for --rag")->check(int_range(1, 100))->capture_default_str();
  add_safety_flag(app, opt.safety);
  add_watermark_flags(app, opt.engine.watermark);
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);

  opt.model_dir = mf.model_dir;
  opt.tokenizer = mf.tokenizer;
  for (const std::string& a : adapters) {
    const size_t eq = a.find('=');
    serve::AdapterSpec s;
    if (eq != std::string::npos) {
      s.name = a.substr(0, eq);
      s.dir = a.substr(eq + 1);
      if (s.name.empty() || s.dir.empty()) throw Error("--adapter '" + a + "': expected NAME=DIR or DIR");
    } else {
      s.dir = a;
    }
    opt.adapters.push_back(s);
  }
  if (!key_file.empty()) {
    std::ifstream in(key_file);
    if (!in) throw Error("--api-key-file: cannot read " + key_file);
    std::getline(in, opt.api_key);
    while (!opt.api_key.empty() && (opt.api_key.back() == '\r' || opt.api_key.back() == ' ')) opt.api_key.pop_back();
    if (opt.api_key.empty()) throw Error("--api-key-file: the first line of " + key_file + " is empty");
  }
  return serve::serve(opt);
}

Command reg("serve", "serve a model over HTTP (OpenAI API, continuous batching, web chat page)", run_serve);

}  // namespace
}  // namespace lmf::cli
