#include "data/pipeline/shard_exchange.h"

namespace lmf::data::pipeline {
namespace {
const ShardExchange* g_exchange = nullptr;
}  // namespace

void set_shard_exchange(const ShardExchange* exchange) { g_exchange = exchange; }
const ShardExchange* shard_exchange() { return g_exchange; }

}  // namespace lmf::data::pipeline
