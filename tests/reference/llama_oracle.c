/* llama.cpp as the oracle for lmforge's GGUF files: a small C program on the libllama and
 * libggml that npm @node-llama-cpp/linux-x64 ships (headers from node-llama-cpp's source
 * bundle). Built and run by tests/support/llama_oracle.cc.
 *
 *   llama_oracle BACKEND_DIR run MODEL.gguf PROMPT_FILE N
 *       llama.cpp tokenizes the prompt file's bytes (no BOS/EOS, special tokens as text),
 *       decodes it on 1 thread with flash attention off and an F32 KV cache, and prints JSON
 *       {"tokens": [...], "logits": [...last prompt position...], "continuation": [N greedy
 *       ids, argmax with the lowest id on a tie, never stopping early], "margins": [top-1
 *       minus top-2 logit at each greedy step]}.
 *   llama_oracle BACKEND_DIR tokenize MODEL.gguf TEXT_FILE
 *       {"tokens": [...]} from the vocabulary alone.
 *   llama_oracle BACKEND_DIR gguf FILE
 *       ggml's own GGUF reader on FILE: {"version", "alignment", "kv": [{"key", "type",
 *       "value"} ...] (arrays as {"elem", "items"}), "tensors": [{"name", "type", "ne",
 *       "offset", "hex"} ...]} ("hex": the tensor's bytes).
 *   llama_oracle BACKEND_DIR quantize TYPE IN OUT
 *       IN: raw fp32 rows of ROW values (ROW = the TYPE's block size times 8); OUT: ggml's
 *       bytes for them (ggml_quantize_chunk, no importance matrix). TYPE: f16 bf16 q8_0 q4_0
 *       q5_0 q4_k q5_k q6_k.
 *   llama_oracle BACKEND_DIR quantize-model FTYPE IN.gguf OUT.gguf
 *       llama.cpp's own model quantizer (llama_model_quantize, default parameters, 1 thread)
 *       writes IN as FTYPE: q8_0 q4_0 q5_0 q4_k_m q6_k, or f32: every quantized tensor
 *       dequantized by ggml (requantizing allowed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml-backend.h"
#include "ggml.h"
#include "gguf.h"
#include "llama.h"

static void quiet(enum ggml_log_level level, const char* text, void* user) {
  (void)user;
  if (level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static char* read_all(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (!f) { fprintf(stderr, "cannot open %s\n", path); exit(2); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* buf = malloc((size_t)n + 1);
  if (fread(buf, 1, (size_t)n, f) != (size_t)n) { fprintf(stderr, "cannot read %s\n", path); exit(2); }
  buf[n] = 0;
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static struct llama_model* load(const char* path, int vocab_only) {
  struct llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = 0;
  mp.vocab_only = vocab_only;
  struct llama_model* m = llama_model_load_from_file(path, mp);
  if (!m) { fprintf(stderr, "llama.cpp cannot load %s\n", path); exit(3); }
  return m;
}

static llama_token* tokenize(const struct llama_vocab* v, const char* text, size_t len, int* n) {
  int cap = (int)len + 16;
  llama_token* ids = malloc(sizeof(llama_token) * (size_t)cap);
  *n = llama_tokenize(v, text, (int32_t)len, ids, cap, /*add_special=*/0, /*parse_special=*/0);
  if (*n < 0) { fprintf(stderr, "llama_tokenize failed\n"); exit(4); }
  return ids;
}

static void print_ids(const char* key, const llama_token* ids, int n) {
  printf("\"%s\": [", key);
  for (int i = 0; i < n; ++i) printf("%s%d", i ? "," : "", ids[i]);
  printf("]");
}

static int run(const char* model_path, const char* prompt_path, int n_predict) {
  size_t len;
  char* text = read_all(prompt_path, &len);
  struct llama_model* model = load(model_path, 0);
  const struct llama_vocab* vocab = llama_model_get_vocab(model);
  const int n_vocab = llama_vocab_n_tokens(vocab);
  int n_prompt;
  llama_token* prompt = tokenize(vocab, text, len, &n_prompt);
  if (n_prompt == 0) { fprintf(stderr, "empty prompt\n"); return 4; }

  struct llama_context_params cp = llama_context_default_params();
  cp.n_ctx = (uint32_t)(n_prompt + n_predict + 16);
  cp.n_batch = cp.n_ctx;
  cp.n_ubatch = cp.n_ctx;
  cp.n_seq_max = 1;
  cp.n_threads = 1;
  cp.n_threads_batch = 1;
  cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  cp.type_k = GGML_TYPE_F32;
  cp.type_v = GGML_TYPE_F32;
  cp.no_perf = 1;
  struct llama_context* ctx = llama_init_from_model(model, cp);
  if (!ctx) { fprintf(stderr, "llama_init_from_model failed\n"); return 5; }

  if (llama_decode(ctx, llama_batch_get_one(prompt, n_prompt)) != 0) { fprintf(stderr, "decode failed\n"); return 6; }
  printf("{");
  print_ids("tokens", prompt, n_prompt);
  printf(", \"n_vocab\": %d, \"logits\": [", n_vocab);
  const float* logits = llama_get_logits_ith(ctx, -1);
  for (int i = 0; i < n_vocab; ++i) printf("%s%.9g", i ? "," : "", logits[i]);
  printf("]");

  llama_token* out = malloc(sizeof(llama_token) * (size_t)(n_predict + 1));
  float* margins = malloc(sizeof(float) * (size_t)(n_predict + 1));
  for (int s = 0; s < n_predict; ++s) {
    const float* lg = llama_get_logits_ith(ctx, -1);
    int best = 0;
    for (int i = 1; i < n_vocab; ++i)
      if (lg[i] > lg[best]) best = i;
    float second = -1e30f;
    for (int i = 0; i < n_vocab; ++i)
      if (i != best && lg[i] > second) second = lg[i];
    out[s] = best;
    margins[s] = lg[best] - second;
    if (s + 1 < n_predict && llama_decode(ctx, llama_batch_get_one(&out[s], 1)) != 0) {
      fprintf(stderr, "decode failed at step %d\n", s);
      return 6;
    }
  }
  printf(", ");
  print_ids("continuation", out, n_predict);
  printf(", \"margins\": [");
  for (int s = 0; s < n_predict; ++s) printf("%s%.9g", s ? "," : "", margins[s]);
  printf("]}\n");
  llama_free(ctx);
  llama_model_free(model);
  return 0;
}

static int tokenize_only(const char* model_path, const char* text_path) {
  size_t len;
  char* text = read_all(text_path, &len);
  struct llama_model* model = load(model_path, 1);
  int n;
  llama_token* ids = tokenize(llama_model_get_vocab(model), text, len, &n);
  printf("{");
  print_ids("tokens", ids, n);
  printf("}\n");
  llama_model_free(model);
  return 0;
}

static void print_str(const char* s) {
  putchar('"');
  for (const unsigned char* p = (const unsigned char*)s; *p; ++p) {
    if (*p == '"' || *p == '\\') printf("\\%c", *p);
    else if (*p < 0x20) printf("\\u%04x", *p);
    else putchar(*p);
  }
  putchar('"');
}

static void print_scalar(enum gguf_type t, const void* p) {
  switch (t) {
    case GGUF_TYPE_UINT8: printf("%u", *(const uint8_t*)p); break;
    case GGUF_TYPE_INT8: printf("%d", *(const int8_t*)p); break;
    case GGUF_TYPE_UINT16: printf("%u", *(const uint16_t*)p); break;
    case GGUF_TYPE_INT16: printf("%d", *(const int16_t*)p); break;
    case GGUF_TYPE_UINT32: printf("%u", *(const uint32_t*)p); break;
    case GGUF_TYPE_INT32: printf("%d", *(const int32_t*)p); break;
    case GGUF_TYPE_FLOAT32: printf("%.9g", *(const float*)p); break;
    case GGUF_TYPE_BOOL: printf("%s", *(const int8_t*)p ? "true" : "false"); break;
    case GGUF_TYPE_UINT64: printf("%llu", (unsigned long long)*(const uint64_t*)p); break;
    case GGUF_TYPE_INT64: printf("%lld", (long long)*(const int64_t*)p); break;
    case GGUF_TYPE_FLOAT64: printf("%.17g", *(const double*)p); break;
    default: printf("null");
  }
}

static size_t scalar_size(enum gguf_type t) {
  switch (t) {
    case GGUF_TYPE_UINT8: case GGUF_TYPE_INT8: case GGUF_TYPE_BOOL: return 1;
    case GGUF_TYPE_UINT16: case GGUF_TYPE_INT16: return 2;
    case GGUF_TYPE_UINT32: case GGUF_TYPE_INT32: case GGUF_TYPE_FLOAT32: return 4;
    default: return 8;
  }
}

static int dump(const char* path) {
  struct ggml_context* meta = NULL;
  struct gguf_init_params ip = {/*no_alloc=*/true, &meta};
  struct gguf_context* g = gguf_init_from_file(path, ip);
  if (!g) { fprintf(stderr, "ggml cannot read %s\n", path); return 3; }
  printf("{\"version\": %u, \"alignment\": %zu, \"kv\": [", gguf_get_version(g), gguf_get_alignment(g));
  for (int64_t k = 0; k < gguf_get_n_kv(g); ++k) {
    enum gguf_type t = gguf_get_kv_type(g, k);
    printf("%s{\"key\": ", k ? ", " : "");
    print_str(gguf_get_key(g, k));
    printf(", \"type\": %d, \"value\": ", (int)t);
    if (t == GGUF_TYPE_STRING) {
      print_str(gguf_get_val_str(g, k));
    } else if (t == GGUF_TYPE_ARRAY) {
      enum gguf_type e = gguf_get_arr_type(g, k);
      printf("{\"elem\": %d, \"items\": [", (int)e);
      for (size_t i = 0; i < gguf_get_arr_n(g, k); ++i) {
        if (i) printf(",");
        if (e == GGUF_TYPE_STRING) print_str(gguf_get_arr_str(g, k, i));
        else print_scalar(e, (const char*)gguf_get_arr_data(g, k) + i * scalar_size(e));
      }
      printf("]}");
    } else {
      print_scalar(t, gguf_get_val_data(g, k));
    }
    printf("}");
  }
  printf("], \"tensors\": [");
  FILE* f = fopen(path, "rb");
  for (int64_t i = 0; i < gguf_get_n_tensors(g); ++i) {
    const char* name = gguf_get_tensor_name(g, i);
    struct ggml_tensor* t = ggml_get_tensor(meta, name);
    size_t off = gguf_get_tensor_offset(g, i), n = gguf_get_tensor_size(g, i);
    printf("%s{\"name\": ", i ? ", " : "");
    print_str(name);
    printf(", \"type\": %d, \"ne\": [%lld,%lld,%lld,%lld], \"offset\": %zu, \"hex\": \"", (int)gguf_get_tensor_type(g, i),
           (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2], (long long)t->ne[3], off);
    fseek(f, (long)(gguf_get_data_offset(g) + off), SEEK_SET);
    for (size_t b = 0; b < n; ++b) printf("%02x", fgetc(f));
    printf("\"}");
  }
  fclose(f);
  printf("]}\n");
  return 0;
}

static int quantize(const char* type_name, const char* in_path, const char* out_path) {
  enum ggml_type t;
  if (!strcmp(type_name, "f16")) t = GGML_TYPE_F16;
  else if (!strcmp(type_name, "bf16")) t = GGML_TYPE_BF16;
  else if (!strcmp(type_name, "q8_0")) t = GGML_TYPE_Q8_0;
  else if (!strcmp(type_name, "q4_0")) t = GGML_TYPE_Q4_0;
  else if (!strcmp(type_name, "q5_0")) t = GGML_TYPE_Q5_0;
  else if (!strcmp(type_name, "q4_k")) t = GGML_TYPE_Q4_K;
  else if (!strcmp(type_name, "q5_k")) t = GGML_TYPE_Q5_K;
  else if (!strcmp(type_name, "q6_k")) t = GGML_TYPE_Q6_K;
  else { fprintf(stderr, "unknown type %s\n", type_name); return 2; }
  size_t len;
  float* x = (float*)read_all(in_path, &len);
  const int64_t row = ggml_blck_size(t) * 8;
  const int64_t rows = (int64_t)(len / sizeof(float)) / row;
  size_t bytes = ggml_row_size(t, row) * (size_t)rows;
  void* out = malloc(bytes);
  size_t got = ggml_quantize_chunk(t, x, out, 0, rows, row, NULL);
  FILE* f = fopen(out_path, "wb");
  if (!f || fwrite(out, 1, got, f) != got) { fprintf(stderr, "cannot write %s\n", out_path); return 2; }
  fclose(f);
  return 0;
}

static int quantize_model(const char* ftype_name, const char* in_path, const char* out_path) {
  struct llama_model_quantize_params qp = llama_model_quantize_default_params();
  if (!strcmp(ftype_name, "f32")) {
    qp.ftype = LLAMA_FTYPE_ALL_F32;
    qp.allow_requantize = 1;
  } else if (!strcmp(ftype_name, "q8_0")) qp.ftype = LLAMA_FTYPE_MOSTLY_Q8_0;
  else if (!strcmp(ftype_name, "q4_0")) qp.ftype = LLAMA_FTYPE_MOSTLY_Q4_0;
  else if (!strcmp(ftype_name, "q5_0")) qp.ftype = LLAMA_FTYPE_MOSTLY_Q5_0;
  else if (!strcmp(ftype_name, "q4_k_m")) qp.ftype = LLAMA_FTYPE_MOSTLY_Q4_K_M;
  else if (!strcmp(ftype_name, "q6_k")) qp.ftype = LLAMA_FTYPE_MOSTLY_Q6_K;
  else { fprintf(stderr, "unknown file type %s\n", ftype_name); return 2; }
  qp.nthread = 1;
  if (llama_model_quantize(in_path, out_path, &qp) != 0) { fprintf(stderr, "llama_model_quantize failed\n"); return 3; }
  printf("{}\n");
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 3) { fprintf(stderr, "usage: llama_oracle BACKEND_DIR run|tokenize|quantize ...\n"); return 2; }
  llama_log_set(quiet, NULL);
  ggml_backend_load_all_from_path(argv[1]);
  llama_backend_init();
  const char* mode = argv[2];
  if (!strcmp(mode, "run") && argc == 6) return run(argv[3], argv[4], atoi(argv[5]));
  if (!strcmp(mode, "tokenize") && argc == 5) return tokenize_only(argv[3], argv[4]);
  if (!strcmp(mode, "gguf") && argc == 4) return dump(argv[3]);
  if (!strcmp(mode, "quantize") && argc == 6) return quantize(argv[3], argv[4], argv[5]);
  if (!strcmp(mode, "quantize-model") && argc == 6) return quantize_model(argv[3], argv[4], argv[5]);
  fprintf(stderr, "bad arguments\n");
  return 2;
}
