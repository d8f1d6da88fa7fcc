#include "support/tokenizer_peers.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "io/atomic_file.h"
#include "support/oracle.h"

namespace lmf::test {

std::string corpus_dir() {
  std::string bin = LMFORGE_BINARY;
  return bin.substr(0, bin.rfind('/')) + "/tokenizer-corpora";
}

static std::string corpus_options() { return " --spam-every " + std::to_string(kSpamEvery); }

void ensure_corpora() { run_node("corpora.js", "'" + corpus_dir() + "'" + corpus_options()); }

std::vector<std::string> corpus_texts(const std::string& name, int every) {
  auto all = read_texts(corpus_dir() + "/" + name + ".jsonl");
  if (every <= 1 || name == "stress") return all;
  std::vector<std::string> out;
  for (size_t i = 0; i < all.size(); i += size_t(every)) out.push_back(std::move(all[i]));
  return out;
}

void tiktoken_ids(const std::string& encoding, const std::string& mode, const std::string& outdir) {
  run_node("tiktoken_ids.js", encoding + " " + mode + " '" + corpus_dir() + "' '" + outdir + "'" + corpus_options());
}

void hf_ids(const std::string& tokenizer_json, const std::string& tag, const std::string& outdir, int every) {
  run_node("hf_ids.js", "'" + tokenizer_json + "' " + tag + " '" + corpus_dir() + "' '" + outdir + "'" + corpus_options() +
                            " --docs-every " + std::to_string(every));
}

void run_node(const std::string& script, const std::string& args) {
  std::string log;
  std::string cmd = "node '" + source_path("tests/reference/" + script) + "' " + args + " 2>&1";
  if (run_command(cmd, &log) != 0) throw std::runtime_error("peer failed: " + cmd + "\n" + log);
}

std::vector<std::string> read_texts(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
  return out;
}

std::vector<std::vector<TokenId>> read_ids(const std::string& path) {
  std::vector<std::vector<TokenId>> out;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<TokenId> ids;
    const char* p = line.c_str();
    while (*p) {
      while (*p == ' ') ++p;
      if (!*p) break;
      char* end;
      ids.push_back(TokenId(std::strtol(p, &end, 10)));
      p = end;
    }
    out.push_back(std::move(ids));
  }
  return out;
}

std::string compare_ids(const std::vector<std::vector<TokenId>>& got, const std::vector<std::vector<TokenId>>& want,
                        const std::string& what) {
  if (got.size() != want.size())
    return what + ": " + std::to_string(got.size()) + " documents, peer has " + std::to_string(want.size());
  for (size_t d = 0; d < got.size(); ++d) {
    if (got[d] == want[d]) continue;
    size_t i = 0;
    while (i < got[d].size() && i < want[d].size() && got[d][i] == want[d][i]) ++i;
    auto around = [&](const std::vector<TokenId>& v) {
      std::ostringstream s;
      for (size_t k = i >= 3 ? i - 3 : 0; k < std::min(v.size(), i + 5); ++k) s << (k == i ? " [" : " ") << v[k] << (k == i ? "]" : "");
      return s.str();
    };
    return what + ": document " + std::to_string(d) + " differs at token " + std::to_string(i) + " (ours " +
           std::to_string(got[d].size()) + " tokens:" + around(got[d]) + "; peer " + std::to_string(want[d].size()) +
           " tokens:" + around(want[d]) + ")";
  }
  return "";
}

}  // namespace lmf::test
