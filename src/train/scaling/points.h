// Scaling-law data points: one trained model each, as a row of points.jsonl —
// N (non-embedding parameters), D (training tokens), loss (final validation loss, nats
// per token) and, for rows the grid runner writes, what produced them (size, layers,
// width, heads, steps, train_loss, seconds).
//
// read_points accepts any JSONL whose rows carry positive finite numbers N, D and loss
// (other fields are kept); a bad row is an lmf::FormatError naming "PATH:LINE" and the
// field. write_points rewrites the whole file atomically.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lmf::train::scaling {

struct Point {
  double N = 0, D = 0, loss = 0;
  nlohmann::ordered_json row;  // the whole record as read or written
};

std::vector<Point> read_points(const std::string& path);
void write_points(const std::string& path, const std::vector<Point>& points);

}  // namespace lmf::train::scaling
