// ShardExchange: how the ranks of one sharded pipeline run (each reading --shard r/N of the
// input) share what a corpus-wide stage indexes, so that its decisions are global. The
// data layer only defines the interface; src/dist/ sets an MPI implementation for the
// duration of an `mpirun ... lmforge data run`. Without one (the default) every stage
// sees only its own shard.
//
// The dedup stage (dedup.h) sends its index (input index, text hash, signature per
// document) through allgather and clusters every rank's documents together, exactly as
// one run over the whole input would (a duplicate keeps the document with the lowest
// input index).
#pragma once
#include <string>
#include <vector>

namespace lmf::data::pipeline {

class ShardExchange {
 public:
  virtual ~ShardExchange() = default;
  virtual int rank() const = 0;
  virtual int ranks() const = 0;
  // Every rank's bytes, in rank order (a collective: every rank calls it, in the same order).
  virtual std::vector<std::string> allgather(const std::string& mine) const = 0;
};

// The exchange in effect (nullptr: none). set_shard_exchange(nullptr) ends it.
void set_shard_exchange(const ShardExchange* exchange);
const ShardExchange* shard_exchange();

}  // namespace lmf::data::pipeline
