#include "train/scaling/grid.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <regex>

#include "core/error.h"
#include "io/atomic_file.h"
#include "models/config.h"
#include "train/trainer.h"

namespace fs = std::filesystem;

namespace lmf::train::scaling {
namespace {

int64_t data_vocab_size(const std::string& data_dir) {
  const std::string meta = data_dir + "/meta.json";
  if (!fs::exists(meta)) throw Error(meta + " is missing: cannot size the vocabulary (`lmforge data tokenize` writes it)");
  try {
    const auto j = nlohmann::json::parse(io::read_file(meta));
    const int64_t v = j.value("vocab_size", int64_t(0));
    if (v <= 0) throw Error(meta + ": field 'vocab_size' is missing or not positive");
    return v;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(meta + ": " + e.what());
  }
}

ModelConfig size_config(const ModelSize& s, int64_t vocab, int64_t seq) {
  ModelConfig c;
  c.arch = Arch::GPT2;
  c.vocab_size = vocab;
  c.n_positions = seq;
  c.n_embd = s.n_embd;
  c.n_layer = s.n_layer;
  c.n_head = c.n_kv_head = s.n_head;
  c.dropout = 0;
  c.validate("--sizes " + s.name);
  return c;
}

int64_t non_embedding_parameters(const ModelConfig& c) {
  return c.num_parameters() - c.vocab_size * c.n_embd - c.n_positions * c.n_embd;
}

}  // namespace

ModelSize parse_size(const std::string& spec) {
  static const std::regex re(R"((\d{1,4})x(\d{1,6})(?:x(\d{1,4}))?)");
  std::smatch m;
  if (!std::regex_match(spec, m, re))
    throw Error("--sizes: '" + spec + "' is not LAYERSxWIDTH or LAYERSxWIDTHxHEADS (e.g. 2x64)");
  ModelSize s{spec, std::stoll(m[1]), std::stoll(m[2]), 0};
  if (s.n_layer < 1 || s.n_embd < 1) throw Error("--sizes: '" + spec + "' needs at least 1 layer and width 1");
  if (m[3].matched) {
    s.n_head = std::stoll(m[3]);
    if (s.n_head < 1 || s.n_embd % s.n_head)
      throw Error("--sizes: '" + spec + "': the heads must divide the width");
  } else {
    if (s.n_embd % 16) throw Error("--sizes: '" + spec + "': the width must be a multiple of 16 (or give LxCxHEADS)");
    s.n_head = s.n_embd / 16;
  }
  return s;
}

ScalingReport run_scaling_grid(const GridOptions& o) {
  if (o.sizes.empty() || o.tokens.empty()) throw Error("--sizes and --tokens need at least one value each");
  if (o.batch < 1 || o.seq < 1 || o.eval_batches < 1) throw Error("--batch, --seq and --eval-batches must be positive");
  std::vector<ModelSize> sizes;
  for (const std::string& s : o.sizes) sizes.push_back(parse_size(s));
  for (int64_t t : o.tokens)
    if (t < 1) throw Error("--tokens: " + std::to_string(t) + " is not a positive token count");
  if (!fs::exists(o.data_dir + "/train.bin"))
    throw Error("--data " + o.data_dir + ": has no train.bin (`lmforge data tokenize` writes one)");
  if (!fs::exists(o.data_dir + "/val.bin"))
    throw Error("--data " + o.data_dir + ": has no val.bin: the grid's loss is the validation loss");
  const int64_t vocab = data_vocab_size(o.data_dir);

  // The options every point shares; a grid directory holds points of one setting only.
  fs::create_directories(o.out_dir + "/configs");
  const nlohmann::ordered_json shared = {{"data", fs::absolute(o.data_dir).lexically_normal().string()},
                                         {"vocab_size", vocab},
                                         {"batch", o.batch},
                                         {"seq", o.seq},
                                         {"lr", o.lr},
                                         {"seed", o.seed},
                                         {"eval_batches", o.eval_batches}};
  const std::string grid_json = o.out_dir + "/grid.json";
  if (fs::exists(grid_json)) {
    nlohmann::ordered_json old;
    try {
      old = nlohmann::ordered_json::parse(io::read_file(grid_json));
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(grid_json + ": " + e.what());
    }
    if (old != shared)
      throw Error(grid_json + ": this grid was trained with other options (" + old.dump() + "; now " + shared.dump() +
                  "): use another --out");
  } else {
    io::write_text_atomic(grid_json, shared.dump(2) + "\n");
  }

  const std::string points_path = o.out_dir + "/points.jsonl";
  std::vector<Point> done;
  if (fs::exists(points_path) && fs::file_size(points_path) > 0) done = read_points(points_path);
  const int64_t tokens_per_step = o.batch * o.seq;
  const int total = int(sizes.size() * o.tokens.size());
  int index = 0;
  std::vector<Point> grid_points;
  for (const ModelSize& s : sizes) {
    const ModelConfig cfg = size_config(s, vocab, o.seq);
    const std::string cfg_path = o.out_dir + "/configs/" + s.name + ".json";
    io::write_text_atomic(cfg_path, cfg.to_json().dump(2) + "\n");
    for (int64_t tokens : o.tokens) {
      ++index;
      const int64_t steps = (tokens + tokens_per_step - 1) / tokens_per_step;
      const int64_t D = steps * tokens_per_step;
      const std::string run = s.name + "-D" + std::to_string(D);
      auto found = std::find_if(done.begin(), done.end(), [&](const Point& p) {
        return p.row.contains("run") && p.row["run"] == run;
      });
      if (found != done.end()) {
        grid_points.push_back(*found);
        if (o.on_point) o.on_point(index, total, *found, true);
        continue;
      }
      const std::string run_dir = o.out_dir + "/runs/" + run;
      fs::remove_all(run_dir);  // an unfinished run starts again
      TrainOptions t;
      t.data_dir = o.data_dir;
      t.out_dir = run_dir;
      t.config_path = cfg_path;
      t.batch = o.batch;
      t.seq = o.seq;
      t.steps = steps;
      t.lr = o.lr;
      t.min_lr = o.lr / 10;
      t.warmup = std::max<int64_t>(1, steps / 10);
      t.schedule = "cosine";
      t.seed = o.seed;
      t.order = "shuffled";
      t.eval_every = 0;
      t.eval_batches = o.eval_batches;
      t.quiet = true;
      const auto t0 = std::chrono::steady_clock::now();
      const TrainResult r = run_training(t);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (r.val_loss < 0)
        throw Error("--data " + o.data_dir + ": val.bin is shorter than one batch (" + std::to_string(tokens_per_step + 1) +
                    " tokens): no validation loss");
      Point p;
      p.N = double(non_embedding_parameters(cfg));
      p.D = double(D);
      p.loss = r.val_loss;
      p.row = {{"run", run},         {"size", s.name},       {"n_layer", s.n_layer}, {"n_embd", s.n_embd},
               {"n_head", s.n_head}, {"N", int64_t(p.N)},    {"D", D},               {"steps", steps},
               {"loss", p.loss},     {"train_loss", r.last_loss}, {"parameters", cfg.num_parameters()},
               {"seconds", seconds}};
      done.push_back(p);
      write_points(points_path, done);
      grid_points.push_back(p);
      if (o.on_point) o.on_point(index, total, p, false);
    }
  }
  ScalingReport rep = analyze(grid_points, o.analysis);
  write_report(rep, o.out_dir);
  return rep;
}

}  // namespace lmf::train::scaling
