// Training state saved beside a model so that a run can stop and `--resume` continue
// bit-identically: DIR/trainer_state.json (step, seed, data loader state, the run's
// options, and any extra fields the trainer needs) plus one safetensors file of named
// tensors (the optimizer's moments), which trainer_state.json names and checksums.
//
// Saving is atomic as a pair: the tensors go to a new, uniquely named file
// (optimizer-step<N>-<nonce>.safetensors), then trainer_state.json is replaced
// atomically — that rename is the commit — and only then are older tensor files removed.
// A crash at any point leaves the previous pair intact. Loading checks that the named
// file exists and that its XXH64 checksum and tensor names match; anything else is a
// FormatError naming the file and what is wrong.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tensor.h"

namespace lmf::train {

struct RunState {
  int64_t step = 0;                                    // optimizer steps completed
  uint64_t seed = 0;
  nlohmann::json loader = nlohmann::json::object();   // LoaderState::to_json()
  nlohmann::json options = nlohmann::json::object();  // the run's options as given
  nlohmann::json extra = nlohmann::json::object();    // anything else (RNG position, best val loss, ...)
};

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

inline constexpr const char* kRunStateFile = "trainer_state.json";
// A run folder keeps its training state apart from the model: RUN_DIR/training_state/.
inline constexpr const char* kTrainingStateDir = "training_state";
// RUN_DIR/training_state, or RUN_DIR itself for a run saved before the state had its own
// folder (unless `for_writing`).
std::string training_state_dir(const std::string& run_dir, bool for_writing = false);

void save_run_state(const std::string& dir, const RunState& state, const NamedTensors& tensors);

// True when DIR/trainer_state.json exists.
bool has_run_state(const std::string& dir);

struct SavedRunState {
  RunState state;
  NamedTensors tensors;  // in the order they were saved
};
SavedRunState load_run_state(const std::string& dir);

}  // namespace lmf::train
