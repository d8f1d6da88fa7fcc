#include "serve/embeddings.h"

#include <cstring>

#include "augment/embedding.h"
#include "serve/request_fields.h"

namespace lmf::serve {
namespace {

using json = nlohmann::ordered_json;

std::string base64(const std::vector<float>& v) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(v.size() * 4, '\0');
  std::memcpy(bytes.data(), v.data(), bytes.size());  // x86-64: little-endian
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) n |= uint32_t(uint8_t(bytes[i + 2]));
    out += abc[(n >> 18) & 63];
    out += abc[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? abc[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? abc[n & 63] : '=';
  }
  return out;
}

}  // namespace

json embeddings(const json& body, const ServedModels& m, Engine& engine) {
  RequestFields f(body);
  const size_t model = m.find(f.string("model").value_or(""));
  const std::string format = f.string("encoding_format").value_or("float");
  if (format != "float" && format != "base64")
    throw ApiError(400, "'encoding_format' must be float or base64", "encoding_format", "invalid_value");
  if (!f.has("input")) throw ApiError(400, "'input' is required", "input", "missing_required_parameter");
  const json& in = body["input"];
  const int64_t V = m.model.config().vocab_size;
  auto ids_of = [&](const json& a) {
    std::vector<TokenId> ids;
    for (const json& x : a) {
      if (!x.is_number_integer() || x.get<int64_t>() < 0 || x.get<int64_t>() >= V)
        throw ApiError(400, "'input' token ids must be integers from 0 to " + std::to_string(V - 1), "input", "invalid_value");
      ids.push_back(TokenId(x.get<int64_t>()));
    }
    return ids;
  };
  std::vector<std::vector<TokenId>> inputs;
  if (in.is_string()) inputs.push_back(m.tokenizer.encode(in.get<std::string>()));
  else if (in.is_array() && !in.empty() && in[0].is_number()) inputs.push_back(ids_of(in));
  else if (in.is_array() && !in.empty())
    for (const json& x : in) {
      if (x.is_string()) inputs.push_back(m.tokenizer.encode(x.get<std::string>()));
      else if (x.is_array()) inputs.push_back(ids_of(x));
      else throw ApiError(400, "'input' must be a string, a list of strings, or token ids", "input", "invalid_type");
    }
  else throw ApiError(400, "'input' must be a string, a list of strings, or token ids", "input", "invalid_type");
  if (inputs.size() > 2048) throw ApiError(400, "'input' takes at most 2048 inputs", "input", "invalid_value");
  const int64_t context = engine.context() - m.model.reserved_positions();
  for (const auto& ids : inputs) {
    if (ids.empty()) throw ApiError(400, "'input' must not be empty", "input", "invalid_value");
    if (int64_t(ids.size()) > context)
      throw ApiError(400, "an input has " + std::to_string(ids.size()) + " tokens; the context is " + std::to_string(context),
                     "input", "context_length_exceeded");
  }
  std::vector<std::vector<float>> vecs(inputs.size());
  std::vector<ForwardHooks*> hooks = m.hooks();
  // One input a task: the engine's decode steps run between them, so a long list does
  // not stall the streams.
  for (size_t i = 0; i < inputs.size(); ++i)
    engine.run([&](Transformer& t) {
      t.set_hooks(hooks[model]);
      const Tensor pooled = augment::pooled_hidden(t, {&inputs[i]}, augment::Pooling::kMean);  // (1, C)
      vecs[i].resize(size_t(pooled.size(1)));
      augment::l2_normalize_row(pooled, 0, vecs[i].data());
    });
  json data = json::array();
  int64_t tokens = 0;
  for (size_t i = 0; i < vecs.size(); ++i) {
    tokens += int64_t(inputs[i].size());
    data.push_back({{"object", "embedding"}, {"index", i},
                    {"embedding", format == "base64" ? json(base64(vecs[i])) : json(vecs[i])}});
  }
  return {{"object", "list"}, {"data", data}, {"model", m.ids[model]},
          {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}};
}

}  // namespace lmf::serve
