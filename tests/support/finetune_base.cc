#include "support/finetune_base.h"

#include <map>
#include <mutex>
#include <tuple>

#include "finetune/sft.h"
#include "models/checkpoint.h"
#include "support/byte_tokenizer.h"
#include "support/cached_dir.h"

namespace lmf::test {

Conversation arithmetic_conversation(const ft::InstructionExample& x, const std::string& reply, const char* system) {
  Conversation c;
  if (system) c.push_back({"system", system});
  c.push_back({"user", ft::alpaca_user_message(x.instruction, x.input)});
  c.push_back({"assistant", reply});
  return c;
}

namespace {

void build_base(const std::string& dir, const ft::InstructionSplit& data, int64_t steps) {
  tok::Tokenizer tk = byte_tokenizer(true);
  ChatTemplate tmpl(tk);
  std::vector<EncodedChat> corpus;
  for (const auto* half : {&data.train, &data.test})
    for (const ft::InstructionExample& x : *half) {
      corpus.push_back(tmpl.encode(arithmetic_conversation(x, x.output + " is the answer.")));
      corpus.push_back(tmpl.encode(arithmetic_conversation(x, x.output, kBriefCue)));
    }
  ModelConfig cfg = ModelConfig::preset("tiny-llama");  // 2 layers, width 64, 4 heads (2 key/value)
  cfg.vocab_size = 259;
  Transformer base(cfg);
  base.init_weights(7);
  ft::train_sft(base, nullptr, corpus, {.batch = 32, .max_len = 128, .steps = steps, .lr = 3e-3, .quiet = true});
  save_model(base, dir);
  tk.save_json(dir + "/tokenizer.json");
}

}  // namespace

const FinetuneBase& finetune_base(const FinetuneBaseOptions& o) {
  static std::mutex mu;
  static std::map<std::tuple<int64_t, uint64_t, int64_t>, FinetuneBase> built;
  std::lock_guard<std::mutex> lock(mu);
  auto [it, fresh] = built.try_emplace({o.examples, o.data_seed, o.steps});
  FinetuneBase& f = it->second;
  if (!fresh) return f;
  f.data = ft::arithmetic_tasks(o.examples, o.data_seed);
  const nlohmann::json params = {{"examples", o.examples}, {"data_seed", o.data_seed}, {"steps", o.steps}};
  f.model_dir = cached_dir("lmforge-finetune-base", params, "model.safetensors",
                           [&](const std::string& tmp) { build_base(tmp, f.data, o.steps); });
  return f;
}

}  // namespace lmf::test
