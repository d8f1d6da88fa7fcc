// bench_generate: batch-1 greedy decoding with the KV cache, timed the way
// bench/generate/torch_generate.py times PyTorch. Usage:
//   bench_generate MODEL_DIR PROMPT_LEN NEW_TOKENS
// The prompt is ids (i·7919 + 13) mod V, i < PROMPT_LEN, as on the PyTorch side. Prints
// JSON: prefill time (prompt → first token), decode tokens/s over the remaining tokens,
// both after one short warm-up generation, and the generated ids (so the run can check that both sides decoded the same text).
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/threads.h"
#include "infer/generate.h"
#include "models/checkpoint.h"

int main(int argc, char** argv) {
  using namespace lmf;
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s MODEL_DIR PROMPT_LEN NEW_TOKENS\n", argv[0]);
    return 2;
  }
  Transformer model = load_model(argv[1]);
  const int64_t prompt_len = std::stoll(argv[2]), new_tokens = std::stoll(argv[3]);
  const int64_t V = model.config().vocab_size;
  std::vector<int32_t> prompt;
  for (int64_t i = 0; i < prompt_len; ++i) prompt.push_back(int32_t((i * 7919 + 13) % V));

  GenerateOptions opt;
  opt.sampling.temperature = 0;
  opt.max_new_tokens = 2;  // warm-up: first-call costs (kernel generation, first touch) are not timed
  generate(model, prompt, opt);
  opt.max_new_tokens = int(new_tokens);
  using Clock = std::chrono::steady_clock;
  Clock::time_point first;
  int64_t seen = 0;
  auto t0 = Clock::now();
  std::vector<int32_t> ids = generate(model, prompt, opt, [&](int32_t) {
    if (seen++ == 0) first = Clock::now();
    return true;
  });
  auto t2 = Clock::now();
  double prefill = std::chrono::duration<double>(first - t0).count();
  double decode = std::chrono::duration<double>(t2 - first).count();
  nlohmann::json out = {{"prefill_ms", prefill * 1e3},
                        {"decode_tokens_per_s", double(ids.size() - 1) / decode},
                        {"threads", threads::get()},
                        {"ids", ids}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
