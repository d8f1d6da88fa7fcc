/* llama_batched: the peer of bench/serve, llama.cpp's batched decoding through its C API on
 * the libllama/libggml that npm @node-llama-cpp/linux-x64 ships (headers from
 * node-llama-cpp's source bundle; bench/serve/run compiles it with cc as
 * tests/support/llama_oracle.cc compiles tests/reference/llama_oracle.c). Usage:
 *
 *   llama_batched BACKEND_DIR MODEL.gguf N_SEQ PROMPT_LEN N_NEW THREADS [FIRST_K [K_STRIDE]]
 *
 * Loads the file on the CPU (flash attention off, F32 KV cache, N_SEQ sequences with a
 * cache of their own each, PROMPT_LEN + N_NEW + 16 positions per sequence, THREADS threads
 * for both single-token and batch work). Sequence s gets the prompt bench_serve sends as
 * request k = FIRST_K + s·K_STRIDE (defaults 0 and 1): PROMPT_LEN ids
 * (i·7919 + 13 + k·104729) mod V, V the file's vocabulary size. A warm-up (every prompt and
 * two decode steps, then the cache cleared) comes first. Then all N_SEQ prompts are decoded
 * in one llama_batch (prefill, timed), and N_NEW greedy tokens (argmax, lowest id on a tie)
 * are generated for every sequence with all N_SEQ tokens of a step in one llama_batch: the
 * first from the prompt's logits, each next one after a llama_decode of the previous step's
 * tokens. No sequence stops at the end-of-text token (how many produced it is counted). The
 * decode time runs from the end of the prefill to the last step's argmax. Prints JSON
 * {"clients", "tokens", "seconds" (decode), "tokens_per_s" (tokens / seconds), "prefill_ms",
 * "tokens_per_s_with_prefill", "sequences_with_eos", "ids": [the first sequence's greedy ids]}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ggml-backend.h"
#include "ggml.h"
#include "llama.h"

static void quiet(enum ggml_log_level level, const char* text, void* user) {
  (void)user;
  if (level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int argmax(const float* x, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (x[i] > x[best]) best = i;
  return best;
}

/* Every prompt in one batch, logits at each prompt's last position (batch row s·len + len − 1). */
static int prefill(struct llama_context* ctx, struct llama_batch* b, llama_token* const* prompts, int n_seq, int len) {
  b->n_tokens = 0;
  for (int s = 0; s < n_seq; ++s)
    for (int i = 0; i < len; ++i) {
      const int j = b->n_tokens++;
      b->token[j] = prompts[s][i];
      b->pos[j] = i;
      b->n_seq_id[j] = 1;
      b->seq_id[j][0] = s;
      b->logits[j] = i == len - 1;
    }
  return llama_decode(ctx, *b);
}

/* One token per sequence at position pos, logits for each (batch row s). */
static int step(struct llama_context* ctx, struct llama_batch* b, const llama_token* next, int n_seq, int pos) {
  b->n_tokens = n_seq;
  for (int s = 0; s < n_seq; ++s) {
    b->token[s] = next[s];
    b->pos[s] = pos;
    b->n_seq_id[s] = 1;
    b->seq_id[s][0] = s;
    b->logits[s] = 1;
  }
  return llama_decode(ctx, *b);
}

int main(int argc, char** argv) {
  if (argc < 7 || argc > 9) {
    fprintf(stderr, "usage: llama_batched BACKEND_DIR MODEL.gguf N_SEQ PROMPT_LEN N_NEW THREADS [FIRST_K [K_STRIDE]]\n");
    return 2;
  }
  const int n_seq = atoi(argv[3]), len = atoi(argv[4]), n_new = atoi(argv[5]), threads = atoi(argv[6]);
  const long long first_k = argc > 7 ? atoll(argv[7]) : 0, stride = argc > 8 ? atoll(argv[8]) : 1;
  if (n_seq < 1 || len < 1 || n_new < 1 || threads < 1) { fprintf(stderr, "bad arguments\n"); return 2; }
  llama_log_set(quiet, NULL);
  ggml_backend_load_all_from_path(argv[1]);
  llama_backend_init();

  struct llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = 0;
  struct llama_model* model = llama_model_load_from_file(argv[2], mp);
  if (!model) { fprintf(stderr, "llama.cpp cannot load %s\n", argv[2]); return 3; }
  const struct llama_vocab* vocab = llama_model_get_vocab(model);
  const int n_vocab = llama_vocab_n_tokens(vocab);
  const llama_token eos = llama_vocab_eos(vocab);

  const int per_seq = len + n_new + 16;
  struct llama_context_params cp = llama_context_default_params();
  cp.n_ctx = (uint32_t)(per_seq * n_seq);
  cp.n_batch = (uint32_t)(len * n_seq);
  cp.n_ubatch = cp.n_batch;
  cp.n_seq_max = (uint32_t)n_seq;
  cp.kv_unified = 0; /* a cache of its own per sequence: the prompts share no prefix */
  cp.n_threads = threads;
  cp.n_threads_batch = threads;
  cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  cp.type_k = GGML_TYPE_F32;
  cp.type_v = GGML_TYPE_F32;
  cp.no_perf = 1;
  struct llama_context* ctx = llama_init_from_model(model, cp);
  if (!ctx) { fprintf(stderr, "llama_init_from_model failed\n"); return 5; }
  if ((int)llama_n_ctx_seq(ctx) < len + n_new) {
    fprintf(stderr, "context per sequence %u < %d\n", llama_n_ctx_seq(ctx), len + n_new);
    return 5;
  }

  llama_token** prompts = malloc(sizeof(llama_token*) * (size_t)n_seq);
  for (int s = 0; s < n_seq; ++s) {
    const long long k = first_k + (long long)s * stride;
    prompts[s] = malloc(sizeof(llama_token) * (size_t)len);
    for (int i = 0; i < len; ++i) prompts[s][i] = (llama_token)(((long long)i * 7919 + 13 + k * 104729) % n_vocab);
  }
  struct llama_batch b = llama_batch_init(len * n_seq, 0, 1);
  llama_token* next = malloc(sizeof(llama_token) * (size_t)n_seq);
  llama_token* ids0 = malloc(sizeof(llama_token) * (size_t)n_new);
  int* saw_eos = calloc((size_t)n_seq, sizeof(int));

  /* Warm-up: the prompts and two steps, then an empty cache. */
  if (prefill(ctx, &b, prompts, n_seq, len) != 0) { fprintf(stderr, "warm-up prefill failed\n"); return 6; }
  for (int s = 0; s < n_seq; ++s) next[s] = 0;
  for (int t = 0; t < 2; ++t)
    if (step(ctx, &b, next, n_seq, len + t) != 0) { fprintf(stderr, "warm-up step failed\n"); return 6; }
  llama_memory_clear(llama_get_memory(ctx), 1);

  const double t0 = now_s();
  if (prefill(ctx, &b, prompts, n_seq, len) != 0) { fprintf(stderr, "prefill failed\n"); return 6; }
  const double t1 = now_s();
  long long tokens = 0;
  for (int t = 0; t < n_new; ++t) {
    if (t > 0 && step(ctx, &b, next, n_seq, len + t - 1) != 0) { fprintf(stderr, "decode failed at step %d\n", t); return 6; }
    for (int s = 0; s < n_seq; ++s) {
      /* after the prefill, sequence s's logits are at its prompt's last row */
      const float* lg = llama_get_logits_ith(ctx, t == 0 ? s * len + len - 1 : s);
      next[s] = argmax(lg, n_vocab);
      if (next[s] == eos) saw_eos[s] = 1;
      ++tokens;
    }
    ids0[t] = next[0];
  }
  const double t2 = now_s();

  int with_eos = 0;
  for (int s = 0; s < n_seq; ++s) with_eos += saw_eos[s];
  printf("{\"clients\": %d, \"tokens\": %lld, \"seconds\": %.6f, \"tokens_per_s\": %.4f, \"prefill_ms\": %.3f, "
         "\"tokens_per_s_with_prefill\": %.4f, \"threads\": %d, \"prompt_tokens\": %d, \"first_k\": %lld, \"k_stride\": %lld, \"sequences_with_eos\": %d, "
         "\"ids\": [",
         n_seq, tokens, t2 - t1, (double)tokens / (t2 - t1), (t1 - t0) * 1e3,
         (double)tokens / (t2 - t0), threads, len, first_k, stride, with_eos);
  for (int t = 0; t < n_new; ++t) printf("%s%d", t ? "," : "", ids0[t]);
  printf("]}\n");

  llama_batch_free(b);
  llama_free(ctx);
  llama_model_free(model);
  llama_backend_free();
  return 0;
}
