#include "finetune/trainable.h"

#include <filesystem>

#include "io/atomic_file.h"
#include "models/checkpoint.h"

namespace fs = std::filesystem;

namespace lmf::ft {

optim::NamedTensors attach_trainable(Transformer& model, PeftMethod* method) {
  optim::NamedTensors named;
  if (method) {
    model.set_requires_grad(false);
    model.set_hooks(method);
    for (const auto& [n, t] : method->tensors()) named.push_back({n, t});
  } else {
    model.set_requires_grad(true);
    for (Param& p : model.params()) named.push_back({p.name, p.value});
  }
  return named;
}

std::unique_ptr<optim::AdamW> make_adamw(const optim::NamedTensors& trained, double lr, double weight_decay) {
  optim::AdamWOptions ao;
  ao.lr = lr;
  ao.beta1 = 0.9;
  ao.beta2 = 0.999;
  ao.eps = 1e-8;
  return std::make_unique<optim::AdamW>(optim::decay_groups(trained, weight_decay), ao);
}

void save_tuned(Transformer& model, PeftMethod* method, const std::string& tokenizer_spec, const std::string& out_dir) {
  fs::create_directories(out_dir);
  if (method) {
    model.set_hooks(nullptr);
    save_adapter(*method, out_dir);
  } else {
    save_model(model, out_dir);
  }
  if (fs::is_regular_file(tokenizer_spec) &&
      fs::weakly_canonical(tokenizer_spec) != fs::weakly_canonical(out_dir + "/tokenizer.json"))
    io::write_text_atomic(out_dir + "/tokenizer.json", io::read_file(tokenizer_spec));
}

}  // namespace lmf::ft
