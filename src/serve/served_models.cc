#include "serve/served_models.h"

#include <ctime>
#include <filesystem>

#include "core/error.h"
#include "models/checkpoint.h"
#include "serve/api_error.h"

namespace lmf::serve {
namespace {

std::string dir_name(const std::string& dir) {
  std::filesystem::path p(dir);
  while (!p.empty() && p.filename().empty()) p = p.parent_path();  // "a/b/" → "a/b"
  return std::filesystem::absolute(p).lexically_normal().filename().string();
}

}  // namespace

size_t ServedModels::find(const std::string& id) const {
  if (id.empty()) return 0;
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] == id) return i;
  throw ApiError(404, "The model '" + id + "' does not exist; GET /v1/models lists the models served", "model",
                 "model_not_found");
}

std::vector<ForwardHooks*> ServedModels::hooks() const {
  std::vector<ForwardHooks*> h = {nullptr};
  for (const auto& a : adapters) h.push_back(a.get());
  return h;
}

std::unique_ptr<ServedModels> load_served_models(const std::string& model_dir, const std::string& tokenizer,
                                                 const std::string& alias, const std::vector<AdapterSpec>& adapters) {
  auto m = std::make_unique<ServedModels>(load_model(model_dir),
                                         load_tokenizer(model_tokenizer_spec(model_dir, tokenizer)));
  const std::string base = alias.empty() ? dir_name(model_dir) : alias;
  m->ids.push_back(base);
  for (const AdapterSpec& a : adapters) {
    const std::string id = base + ":" + (a.name.empty() ? dir_name(a.dir) : a.name);
    for (const std::string& seen : m->ids)
      if (seen == id) throw Error("serve: two adapters are both named '" + id + "'; name them with --adapter NAME=DIR");
    m->adapters.push_back(ft::load_adapter(m->model, a.dir));
    m->ids.push_back(id);
  }
  if (m->model.config().eos_token_id >= 0) m->eos = TokenId(m->model.config().eos_token_id);
  else if (auto e = m->tokenizer.eot_id()) m->eos = *e;
  m->json_vocab = JsonVocab::from_tokenizer(m->tokenizer);
  m->created = int64_t(std::time(nullptr));
  return m;
}

}  // namespace lmf::serve
