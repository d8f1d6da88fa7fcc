#include "align/reward_model.h"

#include <filesystem>
#include <set>

#include "core/autograd.h"
#include "core/error.h"
#include "align/preferences.h"
#include "core/ops/embedding.h"
#include "core/ops/matmul.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "models/checkpoint.h"

namespace fs = std::filesystem;

namespace lmf::align {
namespace {

// The decoder a classifier holds: the config with a tied head, so no lm_head is allocated.
ModelConfig decoder_config(ModelConfig c) {
  c.tie_word_embeddings = true;
  return c;
}

const char* classifier_architecture(const ModelConfig& c) {
  return c.arch == Arch::GPT2 ? "GPT2ForSequenceClassification" : "LlamaForSequenceClassification";
}

nlohmann::json read_json(const std::string& path) {
  try {
    return nlohmann::json::parse(io::read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path + ": not valid JSON: " + e.what());
  }
}

// Copies the decoder's tensors from `path` (and score.weight when `head`); with
// `allow_lm_head` an lm_head.weight in the file is skipped (a causal LM's).
void load_tensors(RewardModel& m, const std::string& path, bool head, bool allow_lm_head) {
  auto f = io::SafetensorsFile::open(path);
  autograd::NoGradGuard ng;
  std::set<std::string> used;
  read_params(m.decoder(), f, path, used);
  if (head) {
    const Shape want({1, m.config().n_embd});
    if (!f.contains("score.weight")) throw FormatError(path + ": missing tensor 'score.weight'");
    if (f.shape("score.weight") != want)
      throw FormatError(path + ": tensor 'score.weight' has shape " + f.shape("score.weight").str() + ", expected " +
                        want.str() + " (one label)");
    m.score_weight().copy_from(f.get("score.weight"));
    used.insert("score.weight");
  }
  for (const std::string& n : f.names()) {
    if (used.count(n) || is_ignored_buffer(n) || (allow_lm_head && n == "lm_head.weight")) continue;
    throw FormatError(path + ": unexpected tensor '" + n + "' for a " + m.config().model_type() +
                      (head ? " sequence classifier" : " model"));
  }
}

}  // namespace

RewardModel::RewardModel(const ModelConfig& cfg)
    : config_(cfg), decoder_(decoder_config(cfg)), score_(Tensor::empty({1, cfg.n_embd})) {
  score_.set_requires_grad(true);
}

RewardModel RewardModel::from_causal_lm(const std::string& dir, uint64_t seed, float head_std) {
  const std::string cfg_path = dir + "/config.json";
  if (!fs::exists(cfg_path)) throw FormatError(dir + ": not a model directory (no config.json)");
  RewardModel m(ModelConfig::load(cfg_path));
  load_tensors(m, dir + "/model.safetensors", false, true);
  m.score_.copy_from(Tensor::randn({1, m.config_.n_embd}, seed, head_std));
  m.pad_token_id_ = m.config_.eos_token_id >= 0 ? m.config_.eos_token_id : 0;
  return m;
}

bool RewardModel::is_classifier_dir(const std::string& dir) {
  const std::string path = dir + "/config.json";
  if (!fs::exists(path)) return false;
  const nlohmann::json j = read_json(path);
  if (!j.is_object() || !j.contains("architectures") || !j["architectures"].is_array()) return false;
  for (const auto& a : j["architectures"])
    if (a.is_string() && a.get<std::string>().ends_with("ForSequenceClassification")) return true;
  return false;
}

RewardModel RewardModel::load(const std::string& dir) {
  const std::string path = dir + "/config.json";
  if (!fs::exists(path)) throw FormatError(dir + ": not a model directory (no config.json)");
  const nlohmann::json j = read_json(path);
  RewardModel m(ModelConfig::from_json(j, path));
  if (!is_classifier_dir(dir))
    throw FormatError(path + ": field 'architectures' must name " + classifier_architecture(m.config_) +
                      " (a reward model directory)");
  int64_t labels = 1;
  if (j.contains("id2label") && j["id2label"].is_object()) labels = int64_t(j["id2label"].size());
  if (j.contains("num_labels") && j["num_labels"].is_number_integer()) labels = j["num_labels"].get<int64_t>();
  if (labels != 1)
    throw FormatError(path + ": field 'num_labels'/'id2label' gives " + std::to_string(labels) +
                      " labels; a reward model has 1");
  if (j.contains("pad_token_id") && j["pad_token_id"].is_number_integer()) {
    m.pad_token_id_ = j["pad_token_id"].get<int64_t>();
    if (m.pad_token_id_ < 0 || m.pad_token_id_ >= m.config_.vocab_size)
      throw FormatError(path + ": field 'pad_token_id' " + std::to_string(m.pad_token_id_) + " is outside [0, " +
                        std::to_string(m.config_.vocab_size) + ")");
  } else {
    m.pad_token_id_ = m.config_.eos_token_id >= 0 ? m.config_.eos_token_id : 0;
  }
  load_tensors(m, dir + "/model.safetensors", true, false);
  return m;
}

RewardModel RewardModel::open(const std::string& dir, uint64_t seed) {
  return is_classifier_dir(dir) ? load(dir) : from_causal_lm(dir, seed);
}

void RewardModel::save(const std::string& dir) const {
  fs::create_directories(dir);
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const Param& p : decoder_.params()) {
    Tensor v = p.value.detach();
    tensors.push_back({p.name, p.conv1d ? v.transpose(0, 1).contiguous() : v});
  }
  tensors.push_back({"score.weight", score_.detach()});
  io::save_safetensors(dir + "/model.safetensors", tensors, {{"format", "pt"}});
  nlohmann::ordered_json j = config_.to_json();
  j["architectures"] = {classifier_architecture(config_)};
  j["num_labels"] = 1;
  j["id2label"] = {{"0", "LABEL_0"}};
  j["label2id"] = {{"LABEL_0", 0}};
  j["pad_token_id"] = pad_token_id_;
  io::write_text_atomic(dir + "/config.json", j.dump(2) + "\n");
}

optim::NamedTensors RewardModel::named_parameters() {
  optim::NamedTensors out;
  for (Param& p : decoder_.params()) out.push_back({p.name, p.value});
  out.push_back({"score.weight", score_});
  return out;
}

int64_t RewardModel::num_parameters() const { return decoder_.num_parameters() + score_.numel(); }

void RewardModel::set_requires_grad(bool on) {
  decoder_.set_requires_grad(on);
  score_.set_requires_grad(on);
}

// ids (N, T), lengths (N) → (N).
Tensor RewardModel::scores(const Tensor& ids, const std::vector<int64_t>& lengths, const ForwardOptions& opt) {
  LMF_CHECK_SHAPE(ids.dim() == 2 && int64_t(lengths.size()) == ids.size(0), "reward scores",
              "ids " + ids.shape().str() + " must be (N, T) with one length a row (" + std::to_string(lengths.size()) +
                  " given)");
  const int64_t N = ids.size(0), T = ids.size(1), C = config_.n_embd;
  std::vector<int32_t> last(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) {
    const int64_t len = lengths[size_t(n)];
    LMF_CHECK_SHAPE(len >= 1 && len <= T, "reward scores",
                "row " + std::to_string(n) + " has length " + std::to_string(len) + ", outside [1, " +
                    std::to_string(T) + "]");
    last[size_t(n)] = int32_t(n * T + len - 1);
  }
  Tensor h = decoder_.hidden(ids, opt).reshape({N * T, C});        // (N·T, C)
  Tensor h_last = embedding(Tensor::from_ints(last, {N}), h);      // (N, C): each row's last token
  return linear(h_last, score_).reshape({N});                      // (N, 1) → (N)
}

Tensor RewardModel::scores(const std::vector<std::vector<int32_t>>& seqs, const ForwardOptions& opt) {
  const int64_t N = int64_t(seqs.size());
  if (N == 0) throw Error("reward scores: no sequences");
  int64_t T = 0;
  std::vector<int64_t> lengths;
  for (size_t n = 0; n < seqs.size(); ++n) {
    const int64_t len = int64_t(seqs[n].size());
    if (len < 1 || len > config_.n_positions)
      throw Error("reward scores: sequence " + std::to_string(n) + " has " + std::to_string(len) +
                  " tokens; the model takes 1 to " + std::to_string(config_.n_positions));
    lengths.push_back(len);
    T = std::max(T, len);
  }
  std::vector<int32_t> ids(size_t(N * T), int32_t(pad_token_id_));
  for (size_t n = 0; n < seqs.size(); ++n) std::copy(seqs[n].begin(), seqs[n].end(), ids.begin() + int64_t(n) * T);
  return scores(Tensor::from_ints(ids, {N, T}), lengths, opt);
}

double RewardModel::score(const std::vector<int32_t>& prompt, const std::vector<int32_t>& response) {
  autograd::NoGradGuard ng;
  std::vector<int32_t> seq = prompt;
  seq.insert(seq.end(), response.begin(), response.end());
  return double(scores(std::vector<std::vector<int32_t>>{seq}).item());
}

double score_text(RewardModel& model, const tok::Tokenizer& tk, const std::string& prompt, const std::string& response) {
  PreferencePair p;
  p.prompt = prompt;
  PreferenceEncoder enc(tk);
  const std::vector<int32_t> ids = enc.prompt(p), resp = enc.response(p, response);
  if (ids.size() + resp.size() == 0) throw Error("reward score: the prompt and the response are both empty");
  if (int64_t(ids.size() + resp.size()) > model.config().n_positions)
    throw Error("reward score: prompt + response hold " + std::to_string(ids.size() + resp.size()) +
                " tokens, more than the model's " + std::to_string(model.config().n_positions) + " positions");
  return model.score(ids, resp);
}

}  // namespace lmf::align
