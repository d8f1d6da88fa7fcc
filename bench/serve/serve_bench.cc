// bench_serve: a bounded loopback load generator for `lmforge serve`. Usage:
//   bench_serve LMFORGE MODEL_DIR CLIENT_COUNTS REQUESTS PROMPT_LEN MAX_TOKENS LOG [-- SERVER_ARGS...]
// e.g. bench_serve build/lmforge /tmp/m 1,4,8,16 2 64 128 /tmp/serve.log -- --parallel 16 --threads 2
//
// Starts `LMFORGE serve --model MODEL_DIR --port 0 SERVER_ARGS...` (its stderr goes to LOG),
// waits for GET /health, warms up every slot with short requests, then for each client count
// C runs C client threads at once; each sends REQUESTS streaming greedy completions one after
// another (POST /v1/completions, temperature 0, max_tokens MAX_TOKENS, stream with
// include_usage) on 127.0.0.1 and stops. Prompts are PROMPT_LEN token ids, the ids
// bench_generate uses, (i·7919 + 13 + k·104729) mod V for request k, so k = 0 is
// bench_generate's prompt and no two requests share a first token (no prefix reuse between
// them in the server's slots).
//
// Per request: time to first token (send → first chunk with text), the gaps between chunks
// with text (inter-token latency), the tokens generated (the final usage chunk's
// completion_tokens; a request whose first token ends the text counts, without a TTFT), the
// text chunks and the finish reason. The text of request k = 0 is kept so that the run can
// compare it with bench_generate's greedy ids. Per client count: generated tokens / wall time
// of the round, TTFT and ITL percentiles, each stream's decode rate ((tokens − 1) / (last
// chunk − first chunk)), the server's peak RSS over the round (VmHWM of /proc/PID/status,
// reset through /proc/PID/clear_refs before the round when the kernel allows it; the largest
// of these and the warm-up's is the run's peak), the CPU the server, this program and all
// other work took during the round (cores: CPU seconds / wall seconds; the machine may be
// shared) and /proc/loadavg after it. Prints
// JSON; exits 1 when a request failed (details in "errors").
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// kB value of a /proc/PID/status field (VmHWM, VmRSS); -1 when absent.
int64_t proc_status_kb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  return -1;
}

bool reset_peak_rss(pid_t pid) {
  std::ofstream out("/proc/" + std::to_string(pid) + "/clear_refs");
  out << "5";
  out.flush();
  return bool(out);
}

// Busy CPU ticks of the whole machine (/proc/stat) and of one process (utime + stime of
// /proc/PID/stat, all its threads); with them a round measures how much CPU other work took.
int64_t machine_busy_ticks() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  int64_t user = 0, nice = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> sys >> idle >> iowait >> irq >> softirq >> steal;
  return user + nice + sys + irq + softirq + steal;
}

int64_t process_ticks(const std::string& pid) {
  std::string st = read_file("/proc/" + pid + "/stat");
  const size_t close = st.rfind(')');
  if (close == std::string::npos) return 0;
  std::stringstream in(st.substr(close + 2));
  std::string f;
  int64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> f; ++i) {  // fields 14 and 15 (1-based) of /proc/PID/stat
    if (i == 14) utime = std::stoll(f);
    if (i == 15) stime = std::stoll(f);
  }
  return utime + stime;
}

std::string loadavg() {
  std::string s = read_file("/proc/loadavg");
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double at = p / 100 * double(v.size() - 1);
  const size_t lo = size_t(at), hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (at - double(lo));
}

struct Server {
  pid_t pid = -1;
  int port = 0;
  std::string log;

  Server(const std::string& binary, const std::string& model, const std::vector<std::string>& extra, std::string log_path)
      : log(std::move(log_path)) {
    std::vector<std::string> argv = {binary, "serve", "--model", model, "--port", "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      FILE* f = std::fopen(log.c_str(), "w");
      if (f) dup2(fileno(f), 2);
      std::vector<char*> c;
      for (auto& a : argv) c.push_back(a.data());
      c.push_back(nullptr);
      execv(c[0], c.data());
      _exit(127);
    }
    const auto until = Clock::now() + std::chrono::seconds(180);
    while (Clock::now() < until) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        throw std::runtime_error("lmforge serve exited early:\n" + read_file(log));
      }
      const std::string l = read_file(log);
      const size_t at = l.find("listening on http://127.0.0.1:");
      if (port == 0 && at != std::string::npos) port = std::stoi(l.substr(at + 30));
      if (port > 0) {
        httplib::Client cli("127.0.0.1", port);
        auto res = cli.Get("/health");
        if (res && res->status == 200) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop();
    throw std::runtime_error("lmforge serve did not become healthy within 180 s:\n" + read_file(log));
  }
  int stop() {
    if (pid <= 0) return -1;
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  ~Server() { stop(); }
};

struct RequestResult {
  bool ok = false;
  std::string error;
  int status = 0;
  double ttft = 0, total = 0, decode_s = 0;
  std::vector<double> gaps;  // seconds between successive chunks with text
  int64_t tokens = 0, chunks = 0, prompt_tokens = 0;
  std::string finish_reason;
  std::string text;
};

// One streaming completion; times chunks as they arrive.
RequestResult complete(httplib::Client& cli, const std::vector<int>& prompt, int max_tokens) {
  RequestResult r;
  json body = {{"prompt", prompt},
               {"max_tokens", max_tokens},
               {"temperature", 0},
               {"stream", true},
               {"stream_options", {{"include_usage", true}}}};
  std::string buf;
  bool done = false;
  Clock::time_point t0, first, last;
  auto on_event = [&](const std::string& ev) {
    if (ev.rfind("data: ", 0) != 0) return;
    const std::string data = ev.substr(6);
    if (data == "[DONE]") {
      done = true;
      return;
    }
    json j = json::parse(data, nullptr, false);
    if (j.is_discarded()) {
      r.error = "unparsable chunk: " + data.substr(0, 200);
      return;
    }
    if (j.contains("error")) {
      r.error = "error chunk: " + data.substr(0, 400);
      return;
    }
    if (j.contains("usage") && j["usage"].is_object()) {
      r.tokens = j["usage"].value("completion_tokens", int64_t(0));
      r.prompt_tokens = j["usage"].value("prompt_tokens", int64_t(0));
    }
    if (!j.contains("choices")) return;
    for (const json& ch : j["choices"]) {
      if (ch.contains("finish_reason") && ch["finish_reason"].is_string()) r.finish_reason = ch["finish_reason"];
      if (ch.contains("text") && ch["text"].is_string() && !ch["text"].get<std::string>().empty()) {
        const auto now = Clock::now();
        r.text += ch["text"].get<std::string>();
        if (r.chunks == 0) first = now;
        else r.gaps.push_back(secs(now - last));
        last = now;
        ++r.chunks;
      }
    }
  };
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/completions";
  req.set_header("Content-Type", "application/json");
  req.body = body.dump();
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    buf.append(data, n);
    size_t at;
    while ((at = buf.find("\n\n")) != std::string::npos) {
      on_event(buf.substr(0, at));
      buf.erase(0, at + 2);
    }
    return true;
  };
  t0 = Clock::now();
  httplib::Result res = cli.send(req);
  const auto t_end = Clock::now();
  if (!res) {
    r.error = "transport error: " + httplib::to_string(res.error());
    return r;
  }
  r.status = res->status;
  if (res->status != 200) {
    r.error = "HTTP " + std::to_string(res->status) + ": " + buf.substr(0, 400);
    return r;
  }
  if (r.error.empty() && !done) r.error = "stream ended without [DONE]; tail: " + buf.substr(0, 400);
  r.total = secs(t_end - t0);
  if (r.chunks > 0) {
    r.ttft = secs(first - t0);
    r.decode_s = secs(last - first);
  }
  r.ok = r.error.empty();
  return r;
}

std::vector<int> prompt_ids(int64_t k, int64_t len, int64_t vocab) {
  std::vector<int> p;
  for (int64_t i = 0; i < len; ++i) p.push_back(int((i * 7919 + 13 + k * 104729) % vocab));
  return p;
}

std::vector<int> parse_list(const std::string& s) {
  std::vector<int> v;
  std::stringstream in(s);
  std::string x;
  while (std::getline(in, x, ',')) v.push_back(std::stoi(x));
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 8) {
    std::fprintf(stderr,
                 "usage: %s LMFORGE MODEL_DIR CLIENT_COUNTS REQUESTS PROMPT_LEN MAX_TOKENS LOG [-- SERVER_ARGS...]\n",
                 argv[0]);
    return 2;
  }
  const std::string binary = argv[1], model = argv[2], log = argv[7];
  const std::vector<int> counts = parse_list(argv[3]);
  const int requests = std::stoi(argv[4]), prompt_len = std::stoi(argv[5]), max_tokens = std::stoi(argv[6]);
  std::vector<std::string> extra;
  for (int i = 8; i < argc; ++i)
    if (std::string(argv[i]) != "--" || i != 8) extra.push_back(argv[i]);
  const json cfg = json::parse(read_file(model + "/config.json"));
  const int64_t vocab = cfg.value("vocab_size", int64_t(0));

  Server server(binary, model, extra, log);
  json out = {{"server_args", extra},
              {"requests_per_client", requests},
              {"prompt_tokens", prompt_len},
              {"max_tokens", max_tokens},
              {"rss_after_load_kb", proc_status_kb(server.pid, "VmRSS")}};
  json errors = json::array();
  std::mutex mu;
  int64_t next_prompt = 0;  // k of the next request's prompt

  // Warm-up: as many concurrent short requests as the largest round, so every slot has run
  // once (first-touch of its cache, kernel set-up) before anything is timed.
  {
    const int n = *std::max_element(counts.begin(), counts.end());
    std::vector<std::thread> ts;
    for (int c = 0; c < n; ++c)
      ts.emplace_back([&, c] {
        httplib::Client cli("127.0.0.1", server.port);
        cli.set_read_timeout(300, 0);
        RequestResult r = complete(cli, prompt_ids(1000000 + c, prompt_len, vocab), 4);
        if (!r.ok) {
          std::lock_guard<std::mutex> lk(mu);
          errors.push_back({{"phase", "warm-up"}, {"error", r.error}});
        }
      });
    for (auto& t : ts) t.join();
  }

  int64_t peak_kb = proc_status_kb(server.pid, "VmHWM");  // load and warm-up
  out["peak_rss_warm_up_kb"] = peak_kb;
  json rounds = json::array();
  for (int clients : counts) {
    const bool reset = reset_peak_rss(server.pid);
    std::vector<std::vector<RequestResult>> results(static_cast<size_t>(clients));
    const int64_t base = next_prompt;
    next_prompt += int64_t(clients) * requests;
    std::vector<std::thread> ts;
    const int64_t busy0 = machine_busy_ticks(), server0 = process_ticks(std::to_string(server.pid)),
                  self0 = process_ticks("self");
    const auto t0 = Clock::now();
    for (int c = 0; c < clients; ++c)
      ts.emplace_back([&, c] {
        httplib::Client cli("127.0.0.1", server.port);
        cli.set_read_timeout(300, 0);
        for (int r = 0; r < requests; ++r)
          results[size_t(c)].push_back(complete(cli, prompt_ids(base + int64_t(c) * requests + r, prompt_len, vocab), max_tokens));
      });
    for (auto& t : ts) t.join();
    const double wall = secs(Clock::now() - t0);
    const double tick = double(sysconf(_SC_CLK_TCK));
    const double server_cores = double(process_ticks(std::to_string(server.pid)) - server0) / tick / wall;
    const double self_cores = double(process_ticks("self") - self0) / tick / wall;
    const double other_cores = double(machine_busy_ticks() - busy0) / tick / wall - server_cores - self_cores;

    std::vector<double> ttft, itl, rates;
    int64_t tokens = 0, chunks = 0, ok = 0, short_count = 0, no_text = 0;
    json finish = json::object();
    for (int c = 0; c < clients; ++c)
      for (size_t r = 0; r < results[size_t(c)].size(); ++r) {
        const RequestResult& x = results[size_t(c)][r];
        if (!x.ok) {
          errors.push_back({{"clients", clients}, {"client", c}, {"request", r}, {"status", x.status}, {"error", x.error}});
          continue;
        }
        ++ok;
        tokens += x.tokens;
        if (x.chunks == 0) ++no_text;  // ended at once (end of text): no first token to time
        chunks += x.chunks;
        if (x.tokens < max_tokens) ++short_count;
        finish[x.finish_reason] = finish.value(x.finish_reason, 0) + 1;
        if (x.chunks > 0) ttft.push_back(x.ttft * 1e3);
        for (double g : x.gaps) itl.push_back(g * 1e3);
        if (x.tokens > 1 && x.decode_s > 0) rates.push_back(double(x.tokens - 1) / x.decode_s);
      }
    double rate_mean = 0;
    for (double v : rates) rate_mean += v / double(rates.size());
    json round = {{"clients", clients},
                  {"requests", int64_t(clients) * requests},
                  {"ok", ok},
                  {"tokens", tokens},
                  {"text_chunks", chunks},
                  {"short_requests", short_count},
                  {"requests_without_text", no_text},
                  {"finish_reasons", finish},
                  {"wall_s", wall},
                  {"tokens_per_s", double(tokens) / wall},
                  {"ttft_ms_p50", percentile(ttft, 50)},
                  {"ttft_ms_p99", percentile(ttft, 99)},
                  {"itl_ms_p50", percentile(itl, 50)},
                  {"itl_ms_p99", percentile(itl, 99)},
                  {"stream_decode_tokens_per_s_mean", rate_mean},
                  {"server_peak_rss_kb", proc_status_kb(server.pid, "VmHWM")},
                  {"peak_rss_reset", reset},
                  {"loadavg_after", loadavg()},
                  {"server_cpu_cores", server_cores},
                  {"client_cpu_cores", self_cores},
                  {"other_cpu_cores", std::max(0.0, other_cores)}};
    peak_kb = std::max(peak_kb, round["server_peak_rss_kb"].get<int64_t>());
    std::fprintf(stderr, "  %2d clients: %lld tokens in %.1f s, %.1f tok/s, TTFT p50 %.0f ms, ITL p50 %.1f ms, other work %.2f cores\n",
                 clients, (long long)tokens, wall, double(tokens) / wall, percentile(ttft, 50), percentile(itl, 50),
                 std::max(0.0, other_cores));
    if (base == 0 && !results[0].empty()) out["first_request_text"] = results[0][0].text;  // bench_generate's prompt
    rounds.push_back(round);
  }
  out["rounds"] = rounds;
  out["server_peak_rss_kb"] = std::max(peak_kb, proc_status_kb(server.pid, "VmHWM"));
  out["server_exit"] = server.stop();
  out["errors"] = errors;
  std::printf("%s\n", out.dump(2).c_str());
  return errors.empty() ? 0 : 1;
}
