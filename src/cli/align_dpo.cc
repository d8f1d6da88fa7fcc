// lmforge align --method dpo: Direct Preference Optimization on preference pairs
// (src/align/dpo.h), full weights or LoRA, against the frozen starting model or --ref-model.
#include "align/dpo.h"
#include "cli/align_method.h"

namespace lmf::cli {
namespace {

struct DpoFlags {
  std::string data, ref_model;
  double beta = 0.1;
  std::string order = "shuffled";
  int64_t max_len = 0;
};

DpoFlags& flags() {
  static DpoFlags f;
  return f;
}

AlignMethod reg({"dpo", "DPO (--method dpo)",
                 [](CLI::Option_group& g) {
                   DpoFlags& f = flags();
                   g.add_option("--data", f.data, "DPO: preference pairs, JSONL {prompt, chosen, rejected} (plain or chat)");
                   g.add_option("--beta", f.beta, "DPO: beta, the strength of the KL constraint to the reference")
                       ->capture_default_str();
                   g.add_option("--ref-model", f.ref_model,
                                "DPO: reference model directory (default: the starting model; with --lora, the model "
                                "without the adapter)");
                   g.add_option("--order", f.order, "DPO: pair order")
                       ->check(CLI::IsMember({"sequential", "shuffled"}))
                       ->capture_default_str();
                   g.add_option("--max-len", f.max_len,
                                "DPO: positions a pair may take (prompt + response); longer pairs are an error "
                                "(default: the model's n_positions)");
                 },
                 [](const AlignShared& s) {
                   const DpoFlags& f = flags();
                   align::DpoCommand c;
                   c.model_dir = s.model_dir;
                   c.data_path = f.data;
                   c.out_dir = s.out_dir;
                   c.tokenizer_spec = s.tokenizer_spec;
                   c.ref_model_dir = f.ref_model;
                   c.peft = s.peft;
                   c.dpo.beta = f.beta;
                   c.dpo.batch = s.batch;
                   c.dpo.steps = s.steps;
                   c.dpo.max_len = f.max_len;
                   c.dpo.lr = s.lr;  // 0: the library's default for the method
                   c.dpo.order = f.order;
                   c.dpo.seed = s.seed;
                   c.dpo.quiet = s.quiet;
                   return align::run_dpo(c);
                 }});

}  // namespace
}  // namespace lmf::cli
