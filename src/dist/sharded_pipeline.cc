#include "dist/sharded_pipeline.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "data/pipeline/output_file.h"
#include "data/pipeline/shard_exchange.h"
#include "data/pipeline/stage_factory.h"
#include "dist/comm.h"
#include "io/atomic_file.h"

namespace fs = std::filesystem;
namespace dp = lmf::data::pipeline;
using nlohmann::ordered_json;

namespace lmf::dist {
namespace {

class MpiExchange : public dp::ShardExchange {
 public:
  explicit MpiExchange(const Comm& c) : c_(c) { dp::set_shard_exchange(this); }
  ~MpiExchange() override { dp::set_shard_exchange(nullptr); }
  int rank() const override { return c_.rank(); }
  int ranks() const override { return c_.size(); }
  std::vector<std::string> allgather(const std::string& mine) const override { return c_.allgatherv_bytes(mine); }

 private:
  const Comm& c_;
};

std::string bytes_of(const std::vector<int64_t>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int64_t));
}
std::vector<int64_t> ints_of(const std::string& s) {
  std::vector<int64_t> v(s.size() / sizeof(int64_t));
  std::copy(s.begin(), s.end(), reinterpret_cast<char*>(v.data()));
  return v;
}

// Lines of the ranks' files (`indexes[r]` the input index of each line of file r) merged
// into `out` in input-index order.
void merge_by_index(const std::vector<std::string>& files, const std::vector<std::vector<int64_t>>& indexes,
                    const std::string& out) {
  std::vector<std::ifstream> in;
  for (const std::string& f : files) {
    in.emplace_back(f, std::ios::binary);
    if (!in.back()) throw Error(f + ": cannot read a rank's output");
  }
  std::vector<size_t> at(files.size(), 0);
  dp::OutputFile o(out);
  std::string line;
  while (true) {
    int best = -1;
    for (size_t r = 0; r < files.size(); ++r)
      if (at[r] < indexes[r].size() && (best < 0 || indexes[r][at[r]] < indexes[size_t(best)][at[size_t(best)]]))
        best = int(r);
    if (best < 0) break;
    if (!std::getline(in[size_t(best)], line)) throw Error(files[size_t(best)] + ": fewer lines than its rank reported");
    o.write_line(line);
    ++at[size_t(best)];
  }
  o.commit();
}

// Sums the numbers of the ranks' reports (rank 0's text and settings kept).
ordered_json sum_reports(const std::vector<ordered_json>& reps, int ranks) {
  ordered_json out = reps[0];
  int64_t in = 0, kept = 0, removed = 0, bytes_in = 0, bytes_kept = 0;
  double seconds = 0;
  for (const ordered_json& r : reps) {
    in += r["documents"]["in"].get<int64_t>();
    kept += r["documents"]["kept"].get<int64_t>();
    removed += r["documents"]["removed"].get<int64_t>();
    bytes_in += r["bytes"]["in"].get<int64_t>();
    bytes_kept += r["bytes"]["kept"].get<int64_t>();
    seconds = std::max(seconds, r["seconds"].get<double>());
  }
  if (in != kept + removed)
    throw Error("data: conservation check failed across ranks: " + std::to_string(in) + " documents read but " +
                std::to_string(kept) + " kept + " + std::to_string(removed) + " removed");
  out["shard"] = "0/1";
  out["ranks"] = ranks;
  out["documents"] = {{"in", in}, {"kept", kept}, {"removed", removed}};
  out["bytes"] = {{"in", bytes_in}, {"kept", bytes_kept}};
  out["conservation"] = std::to_string(in) + " in = " + std::to_string(kept) + " kept + " + std::to_string(removed) +
                        " removed";
  out["seconds"] = seconds;
  out["mb_per_s"] = double(bytes_in) / 1e6 / std::max(seconds, 1e-9);
  for (size_t s = 0; s < out["stages"].size(); ++s) {
    ordered_json& st = out["stages"][s];
    for (const char* k : {"documents_in", "documents_out", "bytes_in", "bytes_out"}) {
      int64_t v = 0;
      for (const ordered_json& r : reps) v += r["stages"][s][k].get<int64_t>();
      st[k] = v;
    }
    double secs = 0;
    for (const ordered_json& r : reps) secs += r["stages"][s]["thread_seconds"].get<double>();
    st["thread_seconds"] = secs;
    st["mb_per_s_per_core"] = secs > 0 ? double(st["bytes_in"].get<int64_t>()) / 1e6 / secs : 0.0;
    for (const char* group : {"removed", "counts"}) {
      if (!st.contains(group)) continue;
      ordered_json sum = ordered_json::object();
      for (const ordered_json& r : reps)
        for (auto& [k, v] : r["stages"][s][group].items()) sum[k] = sum.value(k, int64_t(0)) + v.get<int64_t>();
      st[group] = sum;
    }
  }
  return out;
}

}  // namespace

dp::PipelineFileResult run_pipeline_file_ranks(const std::string& path, const dp::RunOptions& options) {
  if (!launched_by_mpirun() || world().size() == 1) return dp::run_pipeline_file(path, options);
  const Comm& comm = world();
  if (options.shard_count != 1)
    throw Error("--shard " + std::to_string(options.shard_index) + "/" + std::to_string(options.shard_count) +
                ": under mpirun the ranks split the input themselves; leave --shard out");
  nlohmann::json j = nlohmann::json::parse(io::read_file(path), nullptr, false);
  if (j.is_discarded()) throw FormatError(path + ": not valid JSON");
  const std::optional<dp::TokenizeStep> step = dp::take_tokenize_step(j, path);
  if (step && options.text_field != "text")
    throw Error("tokenize: needs --text-field text (the field data tokenize reads)");
  const auto stages = dp::load_pipeline(j, path);
  for (const auto& s : stages)
    if (s->corpus_wide() && s->name() != "dedup")
      throw Error(path + ": stage " + s->name() + " is corpus-wide and would decide per rank under mpirun; "
                  "run it without mpirun");

  MpiExchange exchange(comm);
  dp::RunOptions mine = options;
  mine.shard_index = comm.rank();
  mine.shard_count = comm.size();
  mine.out_dir = options.out_dir + "/.rank-" + std::to_string(comm.rank());
  mine.record_indexes = true;
  mine.progress = options.progress && comm.is_root();
  dp::PipelineFileResult res;
  res.run = dp::run_pipeline(stages, mine);

  const std::vector<std::string> reports = comm.allgatherv_bytes(res.run.report.dump());
  const std::vector<std::string> kept = comm.allgatherv_bytes(bytes_of(res.run.kept_indexes));
  const std::vector<std::string> removed = comm.allgatherv_bytes(bytes_of(res.run.removed_indexes));
  if (comm.is_root()) {
    std::vector<ordered_json> reps;
    std::vector<std::vector<int64_t>> kept_idx, removed_idx;
    std::vector<std::string> kept_files, removed_files;
    for (int r = 0; r < comm.size(); ++r) {
      reps.push_back(ordered_json::parse(reports[size_t(r)]));
      kept_idx.push_back(ints_of(kept[size_t(r)]));
      removed_idx.push_back(ints_of(removed[size_t(r)]));
      const std::string dir = options.out_dir + "/.rank-" + std::to_string(r);
      kept_files.push_back(dir + "/kept.jsonl");
      removed_files.push_back(dir + "/removed.jsonl");
    }
    res.run.report = sum_reports(reps, comm.size());
    merge_by_index(kept_files, kept_idx, options.out_dir + "/kept.jsonl");
    merge_by_index(removed_files, removed_idx, options.out_dir + "/removed.jsonl");
    io::write_text_atomic(options.out_dir + "/report.json", res.run.report.dump(2) + "\n");
    const auto& d = res.run.report["documents"];
    res.run.documents_in = d["in"].get<int64_t>();
    res.run.kept = d["kept"].get<int64_t>();
    res.run.removed = d["removed"].get<int64_t>();
    res.run.seconds = res.run.report["seconds"].get<double>();
    for (int r = 0; r < comm.size(); ++r) fs::remove_all(options.out_dir + "/.rank-" + std::to_string(r));
    if (step) {
      data::TokenizeCorpusOptions t;
      t.tokenizer = step->tokenizer;
      t.val_fraction = step->val_fraction;
      t.inputs = {options.out_dir + "/kept.jsonl"};
      t.out_dir = res.tokens_dir = options.out_dir + "/tokens";
      t.threads = options.threads;
      res.tokens = data::tokenize_corpus(t);
    }
  }
  comm.barrier();
  return res;
}

}  // namespace lmf::dist
