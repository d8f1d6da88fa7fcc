#include "augment/grounded_prompt.h"

#include <algorithm>

namespace lmf::augment {
namespace {

std::string_view trimmed(std::string_view s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace

std::string grounded_prompt(std::string_view question, const std::vector<std::string>& sources) {
  std::string p = "Answer the question from the sources below and cite them as [1], [2].\n";
  p += "If they do not contain the answer, reply: ";
  p += kNotInSources;
  p += "\n\nSources:\n";
  for (size_t i = 0; i < sources.size(); ++i) {
    p += '[';
    p += std::to_string(i + 1);
    p += "] ";
    p += trimmed(sources[i]);
    p += "\n";
  }
  p += "\nQuestion: ";
  p += trimmed(question);
  return p;
}

std::vector<int> cited_sources(std::string_view reply, int count) {
  std::vector<int> cited;
  for (size_t i = reply.find('['); i != std::string_view::npos; i = reply.find('[', i + 1)) {
    size_t j = i + 1;
    int n = 0;
    while (j < reply.size() && j < i + 8 && reply[j] >= '0' && reply[j] <= '9') n = n * 10 + (reply[j++] - '0');
    if (j == i + 1 || j >= reply.size() || reply[j] != ']' || n < 1 || n > count) continue;
    if (std::find(cited.begin(), cited.end(), n) == cited.end()) cited.push_back(n);
  }
  return cited;
}

Grounding ground(const RagIndex& index, std::string_view question, int k) {
  Grounding g;
  g.sources = index.query(question, k);
  std::vector<std::string> texts;
  for (const RagHit& h : g.sources) texts.emplace_back(h.text());
  g.prompt = grounded_prompt(question, texts);
  return g;
}

nlohmann::json grounded_reply_json(const std::string& reply, const Grounding& g) {
  auto source = [&](int n) {
    const RagHit& h = g.sources[size_t(n - 1)];
    return nlohmann::json{{"n", n}, {"id", h.doc->id}, {"chunk", h.chunk}, {"start", h.start},
                          {"end", h.end}, {"score", h.score}, {"text", h.text()}};
  };
  nlohmann::json citations = nlohmann::json::array(), sources = nlohmann::json::array();
  for (int n : cited_sources(reply, int(g.sources.size()))) citations.push_back(source(n));
  for (int n = 1; n <= int(g.sources.size()); ++n) sources.push_back(source(n));
  return {{"reply", reply}, {"citations", citations}, {"sources", sources}};
}

}  // namespace lmf::augment
