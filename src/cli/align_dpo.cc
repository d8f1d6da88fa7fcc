// lmforge align --method dpo: Direct Preference Optimization on preference pairs
// (src/align/dpo.h), full weights or LoRA, against the frozen starting model or --ref-model.
#include "align/dpo.h"
#include "cli/align_method.h"

namespace lmf::cli {
namespace {

class Dpo final : public AlignMethod {
 public:
  void add_flags(CLI::Option_group& g) override {
    g.add_option("--data", c_.data_path, "DPO: preference pairs, JSONL {prompt, chosen, rejected} (plain or chat)");
    g.add_option("--beta", c_.dpo.beta, "DPO: beta, the strength of the KL constraint to the reference")
        ->capture_default_str();
    g.add_option("--ref-model", c_.ref_model_dir,
                 "DPO: reference model directory (default: the starting model; with --lora, the model without the "
                 "adapter)");
    g.add_option("--order", c_.dpo.order, "DPO: pair order")
        ->check(CLI::IsMember({"sequential", "shuffled"}))
        ->capture_default_str();
    g.add_option("--max-len", c_.dpo.max_len,
                 "DPO: positions a pair may take (prompt + response); longer pairs are an error (default: the model's "
                 "n_positions)");
  }

  nlohmann::json run(const AlignShared& s) override {
    apply_shared(s, c_, c_.dpo);
    c_.dpo.steps = s.steps;
    return align::run_dpo(c_);
  }

 private:
  align::DpoCommand c_;
};

RegisterAlignMethod reg({"dpo", "DPO (--method dpo)", [] { return std::make_unique<Dpo>(); }});

}  // namespace
}  // namespace lmf::cli
