#include "infer/generate_text.h"

#include "infer/text_stream.h"

namespace lmf {

std::string generate_text(Transformer& model, const tok::Tokenizer& tk, const std::vector<int32_t>& prompt,
                          const GenerateOptions& opt, const std::vector<std::string>& stops,
                          const std::function<void(const std::string&)>& on_text) {
  TextStream stream(tk, stops);
  std::string text;
  auto emit = [&](const std::string& piece) {
    if (piece.empty()) return;
    text += piece;
    if (on_text) on_text(piece);
  };
  generate(model, prompt, opt, [&](int32_t id) {
    if (opt.eos_id && id == *opt.eos_id) return false;
    emit(stream.push(id));
    return !stream.stopped();
  });
  emit(stream.finish());
  return text;
}

}  // namespace lmf
