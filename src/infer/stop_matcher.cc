#include "infer/stop_matcher.h"

#include <algorithm>

namespace lmf {

StopMatcher::StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {
  std::erase_if(stops_, [](const std::string& s) { return s.empty(); });
  for (const std::string& s : stops_) hold_ = std::max(hold_, s.size() - 1);
}

std::string StopMatcher::feed(const std::string& piece) {
  if (stopped_) return "";
  buf_ += piece;
  size_t first = std::string::npos;
  for (const std::string& s : stops_) first = std::min(first, buf_.find(s));
  if (first != std::string::npos) {
    stopped_ = true;
    std::string out = buf_.substr(0, first);
    buf_.clear();
    return out;
  }
  size_t release = buf_.size() > hold_ ? buf_.size() - hold_ : 0;
  std::string out = buf_.substr(0, release);
  buf_.erase(0, release);
  return out;
}

std::string StopMatcher::flush() {
  std::string out;
  out.swap(buf_);
  return out;
}

}  // namespace lmf
