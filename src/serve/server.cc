#include "serve/server.h"

#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "eval/safety_filter.h"
#include "serve/api_error.h"
#include "serve/chat_page.h"
#include "serve/completions.h"
#include "serve/embeddings.h"
#include "serve/metrics.h"
#include "serve/request_fields.h"
#include "serve/stop_signal.h"

namespace lmf::serve {
namespace {

using json = nlohmann::ordered_json;

bool same_key(const std::string& given, const std::string& key) {  // constant time in the key's length
  unsigned char diff = given.size() == key.size() ? 0 : 1;
  for (size_t i = 0; i < key.size(); ++i) diff |= uint8_t(key[i] ^ (i < given.size() ? given[i] : 0));
  return diff == 0;
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, const ApiError& e) { send_json(res, e.status, error_body(e)); }

json parse_body(const httplib::Request& req) {
  if (req.body.empty()) throw ApiError(400, "the request body is empty; send a JSON object", "", "invalid_json");
  json body;
  try {
    body = json::parse(req.body);
  } catch (const json::parse_error& e) {
    throw ApiError(400, std::string("the request body is not valid JSON (UTF-8): ") + e.what(), "", "invalid_json");
  }
  if (!body.is_object()) throw ApiError(400, "the request body must be a JSON object", "", "invalid_json");
  return body;
}

// The state the routes share.
struct State {
  ServeOptions opt;
  Metrics metrics;
  std::unique_ptr<ServedModels> models;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<augment::RagIndex> rag;
  std::mutex rag_mu;  // one retrieval at a time (the embedding model is not shared between threads)
  std::unique_ptr<eval::SafetyFilter> safety;  // --safety (null: none); read-only once serving
  std::atomic<bool> ready{false};
};

json models_list(const ServedModels& m) {
  json data = json::array();
  for (const std::string& id : m.ids)
    data.push_back({{"id", id}, {"object", "model"}, {"created", m.created}, {"owned_by", "lmforge"}});
  return {{"object", "list"}, {"data", data}};
}

void register_routes(httplib::Server& svr, State& st) {
  // Runs a JSON route: auth, readiness, errors as OpenAI error objects.
  auto route = [&st](const std::string& name, auto&& fn) {
    return [&st, name, fn](const httplib::Request& req, httplib::Response& res) {
      try {
        if (!st.opt.api_key.empty()) {
          std::string given = req.get_header_value("x-api-key");
          const std::string auth = req.get_header_value("Authorization");
          if (auth.rfind("Bearer ", 0) == 0) given = auth.substr(7);
          if (!same_key(given, st.opt.api_key))
            throw ApiError(401, "Incorrect or missing API key: send 'Authorization: Bearer KEY'", "", "invalid_api_key");
        }
        if (!st.ready) throw ApiError(503, "the model is still loading", "", "model_loading", "server_error");
        fn(req, res);
      } catch (const ApiError& e) {
        send_error(res, e);
      } catch (const std::exception& e) {
        send_error(res, ApiError(500, e.what(), "", "internal_error", "server_error"));
      }
      st.metrics.request(name, res.status);
    };
  };
  auto completion = [&st](bool chat) {
    return [&st, chat](const httplib::Request& req, httplib::Response& res) {
      const json body = parse_body(req);
      const ServedModels& m = *st.models;
      GroundFn ground;
      if (st.rag)
        ground = [&st](const std::string& question) {
          std::lock_guard<std::mutex> lock(st.rag_mu);
          return augment::ground(*st.rag, question, st.opt.rag_k);
        };
      auto job = std::make_shared<CompletionJob>(chat ? parse_chat_request(body, m, st.engine->context(), ground)
                                                      : parse_completion_request(body, m, st.engine->context()));
      job->safety = st.safety.get();
      const std::optional<eval::SafetyMatch> blocked = check_request(*job);
      auto gens = std::make_shared<std::vector<std::shared_ptr<Generation>>>(blocked ? refuse_job(*job, *blocked)
                                                                                      : submit_job(*st.engine, *job));
      if (!job->stream) return send_json(res, 200, complete_job(*job, *gens, m.tokenizer));
      res.status = 200;
      res.set_header("Cache-Control", "no-cache");
      res.set_chunked_content_provider("text/event-stream", [&st, job, gens](size_t, httplib::DataSink& sink) {
        auto write = [&sink](const std::string& s) {
          if (s.empty()) return sink.is_writable();
          return sink.is_writable() && sink.write(s.data(), s.size());
        };
        // The provider runs outside the router's error handling: nothing may escape it.
        try {
          stream_job(*job, *gens, st.models->tokenizer, write);
        } catch (const std::exception& e) {
          for (auto& g : *gens) g->cancel();
          write("data: " + error_body(std::string("streaming failed: ") + e.what(), "server_error", "", "internal_error").dump() + "\n\n");
        } catch (...) {
          for (auto& g : *gens) g->cancel();
        }
        sink.done();
        return true;
      });
    };
  };
  svr.Post("/v1/chat/completions", route("/v1/chat/completions", completion(true)));
  svr.Post("/v1/completions", route("/v1/completions", completion(false)));
  svr.Post("/v1/embeddings", route("/v1/embeddings", [&st](const httplib::Request& req, httplib::Response& res) {
             send_json(res, 200, embeddings(parse_body(req), *st.models, *st.engine));
           }));
  svr.Get("/v1/models", route("/v1/models", [&st](const httplib::Request&, httplib::Response& res) {
            send_json(res, 200, models_list(*st.models));
          }));
  svr.Post("/tokenize", route("/tokenize", [&st](const httplib::Request& req, httplib::Response& res) {
             const json body = parse_body(req);
             RequestFields f(body);
             st.models->find(f.string("model").value_or(""));
             const std::optional<std::string> text = f.string("content");
             if (!text) throw ApiError(400, "'content' is required", "content", "missing_required_parameter");
             send_json(res, 200, {{"tokens", st.models->tokenizer.encode(*text)}});
           }));
  svr.Post("/detokenize", route("/detokenize", [&st](const httplib::Request& req, httplib::Response& res) {
             const json body = parse_body(req);
             const int64_t V = st.models->model.config().vocab_size;
             if (!body.contains("tokens") || !body["tokens"].is_array())
               throw ApiError(400, "'tokens' must be a list of token ids", "tokens", "invalid_type");
             std::vector<TokenId> ids;
             for (const json& x : body["tokens"]) {
               if (!x.is_number_integer() || x.get<int64_t>() < 0 || x.get<int64_t>() >= V)
                 throw ApiError(400, "'tokens' must be integers from 0 to " + std::to_string(V - 1), "tokens", "invalid_value");
               ids.push_back(TokenId(x.get<int64_t>()));
             }
             send_json(res, 200, {{"content", st.models->tokenizer.decode(ids)}});
           }));
  svr.Get("/metrics", route("/metrics", [&st](const httplib::Request&, httplib::Response& res) {
            res.set_content(st.metrics.render(st.engine->queue_length(), st.engine->active_slots()),
                            "text/plain; version=0.0.4");
          }));
  svr.Get("/health", [&st](const httplib::Request&, httplib::Response& res) {
    if (st.ready) send_json(res, 200, {{"status", "ok"}});
    else send_json(res, 503, {{"status", "loading"}});
  });
  svr.Get("/", [](const httplib::Request&, httplib::Response& res) {
    const std::string_view page = chat_page();
    res.set_content(std::string(page), "text/html; charset=utf-8");
  });
  // A known route with another method: 405 naming the method the route takes.
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"/v1/chat/completions", "POST"}, {"/v1/completions", "POST"}, {"/v1/embeddings", "POST"}, {"/v1/models", "GET"},
      {"/tokenize", "POST"}, {"/detokenize", "POST"}, {"/metrics", "GET"}, {"/health", "GET"}, {"/", "GET"}};
  for (const auto& [path, method] : routes) {
    auto refuse = [path, method](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Allow", method);
      send_json(res, 405, error_body("method " + req.method + " is not allowed on " + path + "; use " + method,
                                     "invalid_request_error", "", "method_not_allowed"));
    };
    if (method != "GET") svr.Get(path, refuse);
    if (method != "POST") svr.Post(path, refuse);
    svr.Put(path, refuse);
    svr.Patch(path, refuse);
    svr.Delete(path, refuse);
  }
  // Statuses httplib sets itself (404, 405, 413, 400 for a malformed request) get an error object.
  svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string msg = "HTTP " + std::to_string(res.status);
    std::string code;
    if (res.status == 404) msg = "no route " + req.method + " " + req.path, code = "not_found";
    if (res.status == 413) msg = "the request body is larger than this server's limit (--max-body)", code = "payload_too_large";
    send_json(res, res.status, error_body(msg, "invalid_request_error", "", code));
    return httplib::Server::HandlerResponse::Handled;
  }));
  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string msg = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      msg = e.what();
    } catch (...) {
    }
    send_json(res, 500, error_body(msg, "server_error", "", "internal_error"));
  });
}

}  // namespace

int serve(const ServeOptions& opt) {
  // SIGINT and SIGTERM wake a thread of ours (serve/stop_signal.h).
  StopSignal stop_signal;
  signal(SIGPIPE, SIG_IGN);

  State st;
  st.opt = opt;
  // A bad --safety file is an error before listening.
  if (!opt.safety.empty()) st.safety = std::make_unique<eval::SafetyFilter>(eval::SafetyFilter::load(opt.safety));
  httplib::Server svr;
  const size_t workers = size_t(opt.engine.parallel + opt.engine.max_queue + 8);
  svr.new_task_queue = [workers] { return new httplib::ThreadPool(std::min<size_t>(workers, 1024)); };
  svr.set_payload_max_length(size_t(opt.max_body));
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which lets a second server bind
  // a port already in use instead of failing.
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  svr.set_read_timeout(30, 0);
  svr.set_write_timeout(30, 0);
  register_routes(svr, st);
  int port = opt.port;
  if (port == 0) port = svr.bind_to_any_port(opt.host);
  else if (!svr.bind_to_port(opt.host, port)) port = -1;
  if (port < 0) throw Error("serve: cannot listen on " + opt.host + ":" + std::to_string(opt.port) + " (in use, or not an address here)");
  std::fprintf(stderr, "lmforge serve: listening on http://%s:%d\n", opt.host.c_str(), port);
  std::fflush(stderr);
  std::atomic<bool> listen_returned{false};
  std::thread http([&svr, &listen_returned] {
    svr.listen_after_bind();
    listen_returned = true;
  });

  std::atomic<bool> self_stop{false};  // the model did not load: no signal came, nothing is in flight
  std::thread signals([&] {
    const int sig = stop_signal.wait();
    if (!self_stop)
      std::fprintf(stderr, "lmforge serve: %s, finishing the requests in flight\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    // httplib's stop() does nothing until the accept loop runs: a signal that comes before the
    // listening thread starts would otherwise leave it running for ever.
    while (!svr.is_running() && !listen_returned) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    svr.stop();
  });
  // Waits for the signal (or sends it, when the model did not load), then drains: in-flight
  // requests finish inside listen_after_bind's thread pool, cancelled after the grace time.
  auto shut_down = [&](bool now) {
    if (now) {
      self_stop = true;
      stop_signal.raise(SIGTERM);
    }
    signals.join();
    std::atomic<bool> drained{false};
    std::thread watchdog([&] {
      const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(opt.drain_seconds);
      while (!drained && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (!drained && st.engine) st.engine->cancel_all();
    });
    http.join();
    drained = true;
    watchdog.join();
  };
  try {
    st.models = load_served_models(opt.model_dir, opt.tokenizer, opt.alias, opt.adapters);
    if (!opt.rag_index.empty()) st.rag = std::make_unique<augment::RagIndex>(opt.rag_index);
    st.engine = std::make_unique<Engine>(st.models->model, st.models->tokenizer, st.models->hooks(), opt.engine, &st.metrics);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lmforge serve: %s\n", e.what());
    shut_down(true);
    return 1;
  }
  st.ready = true;
  std::fprintf(stderr, "lmforge serve: ready: %zu model(s), %d slot(s) of %lld positions\n", st.models->ids.size(),
               opt.engine.parallel, (long long)st.engine->context());
  std::fflush(stderr);
  // The steps run on this thread, which loaded the model (serve/engine.h says why).
  std::thread closer([&] {
    shut_down(false);
    st.engine->stop();
  });
  st.engine->run_steps();
  closer.join();
  st.engine.reset();
  return 0;
}

}  // namespace lmf::serve
