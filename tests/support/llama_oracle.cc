#include "support/llama_oracle.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "io/atomic_file.h"
#include "support/cached_dir.h"
#include "support/oracle.h"

namespace lmf::test {
namespace {

std::string backend_dir() {
  return source_path("peers/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64");
}

std::string oracle_binary() {
  static const std::string bin = [] {
    const std::string bundle = source_path("peers/node_modules/node-llama-cpp/llama/gitRelease.bundle");
    const std::string libs = backend_dir();
    if (!std::filesystem::exists(bundle) || !std::filesystem::exists(libs + "/libllama.v0.4.0.so"))
      throw std::runtime_error("node-llama-cpp is missing from peers/node_modules: run scripts/install-deps");
    std::string src = source_path("tests/reference/llama_oracle.c");
    std::string dir = cached_dir("llama-oracle", {{"source", io::read_file(src)}}, "llama_oracle", [&](const std::string& tmp) {
      std::string log;
      std::string cmd = "set -e; git clone -q --no-checkout '" + bundle + "' '" + tmp + "/src' 2>&1; cd '" + tmp +
                        "/src' && git -c advice.detachedHead=false checkout -q HEAD -- include ggml/include 2>&1; cd '" +
                        tmp + "' && cc -O2 -Isrc/include -Isrc/ggml/include '" + src + "' -o llama_oracle.build '" + libs +
                        "/libllama.v0.4.0.so' '" + libs + "/libggml.v0.4.0.so' '" + libs + "/libggml-base.so' -Wl,-rpath,'" +
                        libs + "' 2>&1 && rm -rf src && mv llama_oracle.build llama_oracle";
      if (run_command(cmd, &log) != 0) throw std::runtime_error("building the llama.cpp oracle failed:\n" + log);
    });
    return dir + "/llama_oracle";
  }();
  return bin;
}

std::string write_temp(const std::string& bytes) {
  static int counter = 0;
  std::string path = temp_dir() + "/oracle_input_" + std::to_string(counter++);
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  return path;
}

nlohmann::json run_json(const std::string& args) {
  std::string out;
  std::string cmd = "'" + oracle_binary() + "' '" + backend_dir() + "' " + args + " 2>&1";
  if (run_command(cmd, &out) != 0) throw std::runtime_error("llama.cpp oracle failed: " + cmd + "\n" + out);
  try {
    return nlohmann::json::parse(out);
  } catch (const std::exception& e) {
    throw std::runtime_error("llama.cpp oracle printed no JSON: " + out.substr(0, 2000));
  }
}

}  // namespace

LlamaRun llama_run(const std::string& gguf, const std::string& prompt, int n_predict) {
  nlohmann::json j = run_json("run '" + gguf + "' '" + write_temp(prompt) + "' " + std::to_string(n_predict));
  LlamaRun r;
  r.tokens = j["tokens"].get<std::vector<int>>();
  r.logits = j["logits"].get<std::vector<float>>();
  r.continuation = j["continuation"].get<std::vector<int>>();
  r.margins = j["margins"].get<std::vector<float>>();
  return r;
}

std::vector<int> llama_tokenize(const std::string& gguf, const std::string& text) {
  return run_json("tokenize '" + gguf + "' '" + write_temp(text) + "'")["tokens"].get<std::vector<int>>();
}

nlohmann::json ggml_read_gguf(const std::string& path) { return run_json("gguf '" + path + "'"); }

std::vector<uint8_t> ggml_quantize(const std::string& type, const std::vector<float>& x) {
  std::string in(reinterpret_cast<const char*>(x.data()), x.size() * sizeof(float));
  std::string in_path = write_temp(in), out_path = in_path + ".out";
  std::string log;
  std::string cmd = "'" + oracle_binary() + "' '" + backend_dir() + "' quantize " + type + " '" + in_path + "' '" +
                    out_path + "' 2>&1";
  if (run_command(cmd, &log) != 0) throw std::runtime_error("ggml quantize failed: " + log);
  std::ifstream f(out_path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

void llama_quantize_model(const std::string& ftype, const std::string& in, const std::string& out) {
  run_json("quantize-model " + ftype + " '" + in + "' '" + out + "'");
}

}  // namespace lmf::test
