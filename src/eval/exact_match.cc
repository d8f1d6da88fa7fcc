#include "eval/exact_match.h"

#include "core/error.h"
#include "finetune/instruction_data.h"
#include "infer/greedy.h"
#include "io/jsonl.h"

namespace lmf::eval {

ExactMatchReport exact_match_report(Transformer& model, const tok::Tokenizer& tk, const std::vector<Conversation>& test,
                                    int64_t max_new, const std::function<void(int64_t)>& on_example) {
  ChatTemplate tmpl(tk);
  const std::vector<TokenId> stop = tk.encode(kEndOfTurn, true);
  ExactMatchReport r;
  for (const Conversation& c : test) {
    if (c.empty()) throw Error("exact match: an empty conversation");
    Conversation ctx(c.begin(), c.end() - 1);
    std::vector<int32_t> reply = greedy_reply(model, tmpl.prompt(ctx), max_new, stop);
    std::string text = tk.decode_bytes(reply);
    if (text.size() >= std::string(kEndOfTurn).size() && text.ends_with(kEndOfTurn))
      text.resize(text.size() - std::string(kEndOfTurn).size());
    const bool right = text == c.back().content;
    r.hits += right;
    r.total += 1;
    r.replies.push_back(std::move(text));
    r.right.push_back(right);
    if (on_example) on_example(r.total);
  }
  return r;
}

double exact_match(Transformer& model, const tok::Tokenizer& tk, const std::vector<Conversation>& test,
                   int64_t max_new) {
  return exact_match_report(model, tk, test, max_new).score();
}

std::vector<Conversation> read_exact_match_set(const std::string& path) {
  std::vector<Conversation> out;
  io::for_each_jsonl_line(path, [&](const std::string& line, int64_t, const std::string& where) {
    Conversation c = ft::parse_instruction(line, where);
    if (c.size() < 2 || c.back().role != "assistant")
      throw FormatError(where + ": the last message must be the assistant's answer");
    out.push_back(std::move(c));
  });
  return out;
}

}  // namespace lmf::eval
