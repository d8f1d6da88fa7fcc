// TextStream: what a reader sees of generated ids — complete valid UTF-8 only, no special
// token spelled out, nothing from a stop string on — and ChatSession: a turn run against
// the kept cache equals greedy decoding of the whole conversation from scratch.
#include <gtest/gtest.h>

#include "infer/chat_session.h"
#include "infer/chat_template.h"
#include "infer/greedy.h"
#include "infer/text_stream.h"
#include "support/byte_tokenizer.h"
#include "support/tiny_models.h"
#include "core/utf8.h"

using namespace lmf;

namespace {

// Byte ids of `s` (the byte tokenizer's id of a byte is the byte).
std::vector<int32_t> bytes_of(const std::string& s) {
  std::vector<int32_t> ids;
  for (unsigned char c : s) ids.push_back(int32_t(c));
  return ids;
}

std::string stream_all(TextStream& ts, const std::vector<int32_t>& ids) {
  std::string out;
  for (int32_t id : ids) out += ts.push(id);
  return out + ts.finish();
}

}  // namespace

TEST(TextStream, HoldsBackSplitCharactersAndReplacesInvalidBytes) {
  const tok::Tokenizer tk = test::byte_tokenizer(true);
  TextStream ts(tk, {});
  // "€" is E2 82 AC: nothing is shown until its last byte arrives.
  EXPECT_EQ(ts.push(0xE2), "");
  EXPECT_EQ(ts.push(0x82), "");
  EXPECT_EQ(ts.push(0xAC), "\xE2\x82\xAC");
  // A lone continuation byte, a lead byte followed by ASCII, an unfinished sequence at the end.
  TextStream bad(tk, {});
  const std::string out = stream_all(bad, {'a', 0x80, 'b', 0xE2, 'c', 0xF0, 0x9F});
  EXPECT_TRUE(utf8_valid(out));
  EXPECT_EQ(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD");
}

TEST(TextStream, SpecialTokensAreNotShownAndCanStop) {
  const tok::Tokenizer tk = test::byte_tokenizer(true);  // 256 <|endoftext|>, 257 <|im_start|>, 258 <|im_end|>
  TextStream plain(tk, {});
  EXPECT_EQ(stream_all(plain, {'h', 'i', 257, 256, '!'}), "hi!");
  TextStream chat(tk, {"<|im_end|>"});
  std::vector<int32_t> ids = bytes_of("done");
  ids.push_back(258);
  for (int32_t id : bytes_of("after")) ids.push_back(id);
  EXPECT_EQ(stream_all(chat, ids), "done");
  EXPECT_TRUE(chat.stopped());
  // The same stop string spelled out in bytes stops too.
  TextStream spelled(tk, {"<|im_end|>"});
  EXPECT_EQ(stream_all(spelled, bytes_of("ok<|im_end|>more")), "ok");
}

TEST(TextStream, StopStringsAcrossTokens) {
  const tok::Tokenizer tk = test::byte_tokenizer(false);
  TextStream ts(tk, {"\nUser:"});
  EXPECT_EQ(stream_all(ts, bytes_of("Fine.\nUs")), "Fine.\nUs");  // no stop: held text released at the end
  TextStream ts2(tk, {"\nUser:"});
  EXPECT_EQ(stream_all(ts2, bytes_of("Fine.\nUser: next")), "Fine.");
}

TEST(ChatSession, SecondTurnEqualsGreedyOverTheWholeConversation) {
  const tok::Tokenizer tk = test::byte_tokenizer(true);
  Transformer model(ModelConfig::from_json(test::tiny_gpt2_config({.vocab = 259, .width = 24, .positions = 256}), "tiny"));
  model.init_weights(11);
  const int64_t max_new = 12;
  for (bool chatml : {true, false}) {
    const std::string stop = chatml ? std::string(kEndOfTurn) : std::string("\nUser:");
    // The reply to `ids` recomputed from scratch: greedy ids up to and including the one
    // that ends it (end of text or a stop string), and its text.
    auto reference = [&](const std::vector<int32_t>& ids, std::vector<int32_t>& taken) {
      TextStream ts(tk, {stop});
      std::string text;
      taken.clear();
      for (int32_t id : greedy_reply(model, ids, max_new, {})) {
        taken.push_back(id);
        if (id == 256) break;
        text += ts.push(id);
        if (ts.stopped()) break;
      }
      return text + ts.finish();
    };
    auto encode = [&](const std::string& s) {
      std::vector<int32_t> v;
      tk.encode_append(s, false, v);
      return v;
    };
    ChatOptions o;
    o.chatml = chatml;
    o.system = "Be brief.";
    o.generate.max_new_tokens = int(max_new);
    o.generate.sampling.temperature = 0;
    ChatSession s(model, tk, o);

    std::vector<int32_t> all = chatml ? ChatTemplate(tk).prompt({{"system", "Be brief."}, {"user", "hi"}})
                                      : encode("Be brief.\nUser: hi\nAssistant:"), taken;
    const ChatReply first = s.say("hi");
    EXPECT_EQ(first.prompt_tokens, int64_t(all.size()));
    EXPECT_EQ(first.text, reference(all, taken)) << (chatml ? "chatml" : "plain");
    EXPECT_EQ(first.completion_tokens, int64_t(taken.size()));
    // Turn 2 runs against the kept cache; from scratch it is every id so far, then the turn.
    all.insert(all.end(), taken.begin(), taken.end());
    std::vector<int32_t> turn2 = chatml ? encode("\n") : encode("\nUser: and you?\nAssistant:");
    if (chatml) {
      const std::vector<int32_t> p = ChatTemplate(tk).prompt({{"user", "and you?"}});
      turn2.insert(turn2.end(), p.begin(), p.end());
    }
    all.insert(all.end(), turn2.begin(), turn2.end());
    const ChatReply second = s.say("and you?");
    EXPECT_EQ(second.text, reference(all, taken)) << (chatml ? "chatml" : "plain");
    EXPECT_FALSE(second.finish_reason.empty());
    // After reset the first turn is the first turn again.
    s.reset();
    EXPECT_EQ(s.say("hi").text, first.text);
  }
}
