#include "train/scaling/points.h"

#include <cmath>
#include <sstream>

#include "core/error.h"
#include "io/atomic_file.h"
#include "io/jsonl.h"

namespace lmf::train::scaling {

std::vector<Point> read_points(const std::string& path) {
  std::vector<Point> out;
  io::for_each_jsonl_line(path, [&](const std::string& line, int64_t, const std::string& where) {
    nlohmann::ordered_json j;
    try {
      j = nlohmann::ordered_json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(where + ": not JSON: " + e.what());
    }
    if (!j.is_object()) throw FormatError(where + ": a point must be a JSON object with N, D and loss");
    Point p;
    for (auto [name, field] : {std::pair{"N", &p.N}, std::pair{"D", &p.D}, std::pair{"loss", &p.loss}}) {
      if (!j.contains(name) || !j[name].is_number())
        throw FormatError(where + ": field '" + name + "' is missing or not a number");
      *field = j[name].get<double>();
      if (!std::isfinite(*field) || *field <= 0)
        throw FormatError(where + ": field '" + name + "' must be a positive finite number");
    }
    p.row = std::move(j);
    out.push_back(std::move(p));
  });
  return out;
}

void write_points(const std::string& path, const std::vector<Point>& points) {
  std::ostringstream s;
  for (const Point& p : points) s << p.row.dump() << '\n';
  io::write_text_atomic(path, s.str());
}

}  // namespace lmf::train::scaling
