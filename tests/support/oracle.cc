#include "support/oracle.h"

#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <vector>

#include "io/atomic_file.h"
#include "io/safetensors.h"

namespace lmf::test {
namespace {

std::vector<std::string>& temp_dirs() {
  static std::vector<std::string> dirs;
  static bool registered = false;
  if (!registered) {
    registered = true;
    std::atexit([] {
      for (auto& d : temp_dirs()) std::filesystem::remove_all(d);
    });
  }
  return dirs;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string source_path(const std::string& rel) {
  const char* env = std::getenv("LMFORGE_SOURCE_DIR");
  return std::string(env && *env ? env : LMFORGE_SOURCE_DIR) + "/" + rel;
}

std::string temp_dir() {
  std::string tmpl = "/tmp/lmforge-test-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  std::string d(buf.data());
  temp_dirs().push_back(d);
  return d;
}

int run_command(const std::string& cmd, std::string* out) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    if (out) out->append(buf, n);
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TensorMap torch_ref(const std::string& module, const std::string& func, const TensorMap& inputs,
                    const nlohmann::json& args) {
  std::string dir = temp_dir();
  std::string in = dir + "/in.safetensors", out = dir + "/out.safetensors";
  std::vector<std::pair<std::string, Tensor>> list(inputs.begin(), inputs.end());
  io::save_safetensors(in, list);
  std::string cmd = "/usr/bin/python3 " + shell_quote(source_path("tests/reference/oracle.py")) + " " +
                    shell_quote(module) + " " + shell_quote(func) + " " + shell_quote(in) + " " + shell_quote(out) +
                    " " + shell_quote(args.dump()) + " 2>&1";
  std::string log;
  int rc = run_command(cmd, &log);
  if (rc != 0) throw std::runtime_error("PyTorch reference " + module + "." + func + " failed:\n" + log);
  auto f = io::SafetensorsFile::open(out);
  TensorMap result;
  for (auto& n : f.names()) result[n] = f.get_raw(n).dtype() == DType::F32 ? f.get(n).clone() : f.get_raw(n);
  std::filesystem::remove_all(dir);
  return result;
}

double rel_error(const Tensor& got, const Tensor& want) {
  if (got.shape() != want.shape())
    throw std::runtime_error("rel_error: shape " + got.shape().str() + " vs " + want.shape().str());
  std::vector<float> a = got.to_vector(), b = want.to_vector();
  double maxdiff = 0, maxref = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double d = std::fabs(double(a[i]) - double(b[i]));
    if (std::isnan(a[i]) != std::isnan(b[i])) return INFINITY;
    maxdiff = std::max(maxdiff, d);
    maxref = std::max(maxref, std::fabs(double(b[i])));
  }
  return maxdiff / std::max(maxref, 1e-12);
}

}  // namespace lmf::test
