// Stop strings over streamed text (`--stop`, a chat turn's end marker).
#pragma once
#include <string>
#include <vector>

namespace lmf {

// Incremental stop strings over streamed text: feed() returns the text that is safe to
// show — text that cannot be the start of a stop string is released at once, a possible
// prefix is held back until it is decided. Once a stop string appears, the text before it
// is released and stopped() turns true.
class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);
  std::string feed(const std::string& piece);
  std::string flush();  // the held-back text, when generation ends without a stop
  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;
  size_t hold_ = 0;  // longest stop string length - 1
  std::string buf_;
  bool stopped_ = false;
};

}  // namespace lmf
