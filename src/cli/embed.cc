// lmforge embed: one L2-normalised vector a text from a model's pooled final hidden states
// (src/augment/embedding.h), as a float32 .npy (n, dim) or JSON lines {"id", "embedding"}.
// lmforge embed train: contrastive fine-tuning of the model (InfoNCE with in-batch
// negatives; src/augment/embedding_train.h) into a model directory that `embed` loads.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "augment/embedding.h"
#include "augment/embedding_train.h"
#include "cli/command.h"
#include "cli/embed_senses.h"
#include "cli/flags.h"
#include "core/error.h"
#include "io/atomic_file.h"
#include "io/jsonl.h"
#include "io/npy.h"
#include "io/progress.h"
#include "models/bilm_embed.h"

namespace lmf::cli {
namespace {

using json = nlohmann::ordered_json;

// --pooling mean|last|cls, checked while parsing.
void add_pooling_flag(CLI::App& app, std::string& pooling) {
  app.add_option("--pooling", pooling,
                 "how a text's final hidden states become one vector: mean (over its tokens), last (its last token) "
                 "or cls (a BERT model: its pooler output on [CLS]; a decoder: its first token)")
      ->check(CLI::Validator(
          [](std::string& in) -> std::string {
            try {
              augment::parse_pooling(in);
              return "";
            } catch (const Error& e) {
              return e.what();
            }
          },
          "", ""))
      ->capture_default_str();
}

struct InputText {
  json id;
  std::string text, where;
};

// The records of FILE.jsonl: `text` (a string) and an optional `id` (a string or an integer;
// default: the 0-based line number). FormatError naming FILE:LINE otherwise.
std::vector<InputText> read_input(const std::string& path) {
  std::vector<InputText> out;
  io::for_each_jsonl_line(path, [&](const std::string& line, int64_t n, const std::string& where) {
    const json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw FormatError(where + ": not a JSON object");
    if (!j.contains("text")) throw FormatError(where + ": missing string field 'text'");
    if (!j["text"].is_string()) throw FormatError(where + ": 'text' must be a string");
    InputText t{n - 1, j["text"].get<std::string>(), where};
    if (j.contains("id")) {
      if (!j["id"].is_string() && !j["id"].is_number_integer())
        throw FormatError(where + ": 'id' must be a string or an integer");
      t.id = j["id"];
    }
    out.push_back(std::move(t));
  });
  return out;
}

int run_embed_train(int argc, char** argv) {
  CLI::App app{"Fine-tune a model's embeddings on text pairs: InfoNCE with in-batch negatives "
               "(sentence-transformers' MultipleNegativesRankingLoss); prints the losses as JSON",
               "lmforge embed train"};
  augment::EmbedTrainCommand c;
  std::string pooling = "mean";
  int threads = 0;
  app.add_option("--model", c.model_dir, "starting model directory (config.json, model.safetensors, tokenizer.json)")
      ->required();
  app.add_option("--tokenizer", c.tokenizer_spec, "tokenizer SPEC (default: the model's own)");
  app.add_option("--pairs", c.pairs_path,
                 "JSONL, one {\"anchor\", \"positive\", \"negative\" (optional)} object a line (default: WordNet "
                 "word/definition and synonym pairs and adjacent Brown sentences)");
  app.add_option("--out", c.out_dir, "output model directory")->required();
  app.add_option("--temperature", c.train.temperature, "softmax temperature of the cosine similarities")
      ->check(real_range(1e-4, 100))
      ->capture_default_str();
  app.add_option("--steps", c.train.steps, "optimizer steps")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--batch", c.train.batch, "pairs per step (the in-batch negatives)")
      ->check(int_range<int64_t>(1, 4096))
      ->capture_default_str();
  app.add_option("--lr", c.train.lr, "learning rate")->check(real_positive())->capture_default_str();
  app.add_option("--weight-decay", c.train.weight_decay, "AdamW weight decay")->check(real_range(0, 1))->capture_default_str();
  app.add_option("--grad-clip", c.train.grad_clip, "global gradient-norm clip (0 = off)")
      ->check(real_range(0, 1e300))
      ->capture_default_str();
  app.add_option("--seed", c.train.seed, "random seed (data order, default pairs)")->capture_default_str();
  add_pooling_flag(app, pooling);
  app.add_option("--wordnet", c.defaults.wordnet_dir, "WordNet directory for the default pairs")->capture_default_str();
  app.add_option("--brown", c.defaults.brown_dir, "Brown corpus directory for the default pairs ('' : none)")
      ->capture_default_str();
  app.add_option("--default-pairs", c.defaults.per_kind, "default pairs of each kind")
      ->check(int_at_least<int64_t>(1))
      ->capture_default_str();
  app.add_flag("--quiet", c.train.quiet, "no progress output");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  c.train.pooling = augment::parse_pooling(pooling);
  c.defaults.seed = c.train.seed;
  const augment::EmbedRunResult r = augment::run_embed_train(c);
  std::printf("%s\n", json{{"steps", r.train.steps},
                           {"batch", r.train.batch},
                           {"pairs", r.pairs},
                           {"loss_before", r.loss_before},
                           {"loss_after", r.loss_after},
                           {"last_loss", r.train.last_loss},
                           {"parameters", r.train.parameters},
                           {"seconds_per_step", r.train.seconds_per_step},
                           {"out", c.out_dir}}
                          .dump()
                          .c_str());
  return 0;
}

// --per-token: each text's token vectors from a biLM, as JSON lines {"id", "tokens", "embeddings"}.
int run_embed_per_token(const ModelFlags& mf, const std::vector<InputText>& texts, const std::string& out) {
  if (out.ends_with(".npy")) throw Error("--per-token writes JSON lines: --out must end in .jsonl");
  if (!models::is_bilm_dir(mf.model_dir))
    throw Error("--per-token needs a biLM model directory (`lmforge train --arch bilm`); " + mf.model_dir +
                "/config.json does not name model_type \"bilm\"");
  const models::BiLmEmbedder embedder(mf.model_dir, mf.tokenizer);
  std::string lines;
  for (const InputText& t : texts) {
    const models::TokenVectors v = embedder.embed(t.text, t.where);
    json rows = json::array();
    for (size_t i = 0; i < v.tokens.size(); ++i)
      rows.push_back(std::vector<float>(v.vectors.begin() + std::ptrdiff_t(i * size_t(v.dim)),
                                        v.vectors.begin() + std::ptrdiff_t((i + 1) * size_t(v.dim))));
    lines += json{{"id", t.id}, {"tokens", v.tokens}, {"embeddings", rows}}.dump() + "\n";
  }
  if (out.empty())
    std::fwrite(lines.data(), 1, lines.size(), stdout);
  else
    io::write_text_atomic(out, lines);
  return 0;
}

int run_embed(int argc, char** argv) {
  // `embed train` and `embed senses`: subcommands of their own.
  for (auto [word, fn] : {std::pair{"train", &run_embed_train}, std::pair{"senses", &run_embed_senses}}) {
    if (argc < 2 || std::strcmp(argv[1], word)) continue;
    std::string prog = std::string(argv[0]) + " " + word;
    std::vector<char*> args{prog.data()};
    for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
    try {
      return fn(int(args.size()), args.data());
    } catch (const std::exception& e) {  // named as the command the user ran
      std::fprintf(stderr, "%s: error: %s\n", prog.c_str(), e.what());
      return kExitFailure;
    }
  }
  CLI::App app{"Embed texts: each text's final hidden states pooled and L2-normalised, as a float32 .npy (n, dim) "
               "or JSON lines {\"id\", \"embedding\"}. `lmforge embed train --help`: contrastive fine-tuning; "
               "`lmforge embed senses --help`: sense separation of homonyms (contextual against static vectors)",
               "lmforge embed"};
  ModelFlags mf;
  std::string pooling = "mean", input, out;
  bool quiet = false, per_token = false;
  int threads = 0;
  add_model_flags(app, mf);
  add_pooling_flag(app, pooling);
  app.add_option("--input", input, "JSONL, one {\"text\", \"id\" (optional)} object a line")->required();
  app.add_option("--out", out,
                 "FILE.npy (float32, one row a text, in input order) or FILE.jsonl, written atomically (default: "
                 "JSON lines on stdout)")
      ->check(CLI::Validator(
          [](std::string& in) -> std::string {
            return in.ends_with(".npy") || in.ends_with(".jsonl") ? "" : "must end in .npy or .jsonl, got '" + in + "'";
          },
          "", ""));
  app.add_flag("--per-token", per_token,
               "one vector a token from a biLM model directory (`train --arch bilm`): its learned mix of the "
               "layers at that token, as JSON lines {\"id\", \"tokens\", \"embeddings\"}");
  app.add_flag("--quiet", quiet, "no progress output");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);

  const std::vector<InputText> texts = read_input(input);
  if (per_token) return run_embed_per_token(mf, texts, out);
  const augment::Embedder embedder({mf.model_dir, mf.tokenizer, mf.adapter_dir, augment::parse_pooling(pooling)});
  std::vector<std::vector<int32_t>> ids;
  for (const InputText& t : texts) ids.push_back(embedder.encode(t.text, t.where));

  std::unique_ptr<io::Progress> bar;
  if (!quiet && texts.size() >= 64) {
    bar = std::make_unique<io::Progress>(int64_t(texts.size()), 1, 0, std::max<int64_t>(1, int64_t(texts.size()) / 20));
    bar->set_units({"text", "texts/s", false});
  }
  const std::vector<float> vecs = embedder.embed_ids(ids, [&](size_t done) {
    if (bar) bar->update(int64_t(done), "");
  });
  if (bar) bar->finish();

  const size_t dim = size_t(embedder.dim());
  if (out.ends_with(".npy")) {
    io::write_npy_f32(out, vecs, {int64_t(texts.size()), int64_t(dim)});
    return 0;
  }
  // Each value as the shortest decimal that reads back as the same float32.
  auto write_lines = [&](std::ostream& os) {
    char buf[32];
    for (size_t i = 0; i < texts.size(); ++i) {
      os << "{\"id\": " << texts[i].id.dump() << ", \"embedding\": [";
      for (size_t c = 0; c < dim; ++c) {
        const float v = vecs[i * dim + c];
        if (!std::isfinite(v)) throw Error(texts[i].where + ": the model's embedding is not finite");
        os << (c ? ", " : "") << std::string_view(buf, size_t(std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
      }
      os << "]}\n";
    }
  };
  if (out.empty()) {
    std::ostringstream os;
    write_lines(os);
    std::fwrite(os.str().data(), 1, os.str().size(), stdout);
  } else {
    io::write_file_atomic(out, write_lines);
  }
  return 0;
}

Command reg("embed",
            "embed texts with a model (pooled hidden states; .npy or JSONL); `embed train`: contrastive fine-tuning; "
            "`embed senses`: sense separation of homonyms",
            run_embed);

}  // namespace
}  // namespace lmf::cli
