// WordPiece tokenizer.json files (BERT's layout) against Hugging Face tokenizers (the Rust
// crate through npm @anush008/tokenizers). The fixtures are an uncased and a cased BERT-style
// tokenizer.json whose vocabulary tests/reference/wordpiece_fixture.js builds from Brown;
// the expected ids and texts are the peer's (tests/reference/hf_wordpiece.js) on every 20th
// Brown sentence, every 8th of the SpamAssassin e-mails in the test corpora, the stress set
// and hand-made hard cases (accents, CJK, control characters, words around the 100-character
// limit, unknown characters, punctuation runs, [MASK] with and without spaces, empty text).
// Checked: encode(text, allow_special=true), wrap_single (add_special_tokens=true),
// decode with and without skipping special tokens; malformed files give a FormatError naming
// the field.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>

#include "core/error.h"
#include "io/atomic_file.h"
#include "support/oracle.h"
#include "support/tokenizer_peers.h"
#include "tokenizer/tokenizer.h"

using namespace lmf;
using nlohmann::json;

namespace {

std::vector<std::string> hard_cases() {
  std::vector<std::string> s = {
      "The [MASK] said hello.",
      "The[MASK]said",
      "the [MASK][MASK] .",
      "[MASK]",
      "  [MASK]  ",
      "a\t[MASK]\nb",
      "[mask] is not [MASK] when lowercased",
      "[CLS] a [SEP] b [PAD] c [UNK]",
      "[CLS][SEP]",
      "<ENT> x<ent>y <ent>   z <Ent>",
      "<E1> a<E1> <E1>b <E1>, (<E1>) _<E1>",
      "Café naïve résumé Ångström ÉCOLE Mañana São Paulo Zürich",
      "我们在北京 abc中文def 日本語 한국어",
      "a\x01" "b\x7f" "c\u200b" "d\ufeff" "e\u00ad" "f",
      "x\u0085y\u00a0z\u2028w\u3000v",
      "☃ snowman ☃☃ ♥ ✓ €100 £5 ¥",
      "!!!???...,,,;;;---((()))[[]]{{}}",
      "$100 + 5% = <x> ^_^ `~| @user #tag &amp; \\ /",
      "don't can't I'm you're we've he's they'll",
      "a . b , c ! d ? e ' f 's 're 've n't do not",
      "",
      " ",
      "\t\n\r",
      "İstanbul ΣΊΣΥΦΟΣ STRASSE straße ﬁ ﬀ ＡＢＣ１２３",
      "e\u0301 a\u0300 o\u0308 n\u0303",
      "The quick brown fox jumps over the lazy dog's back; it wasn't 1,000,000 times.",
      "##ing ## # ##",
      "U.S.A. e.g. i.e. Mr. Smith's 3.14 -- 10:30 a.m.",
      "a\u0903b\u20E3c\u0301d\uFE0Fe keycaps 1\uFE0F\u20E3",  // Mc, Me, Mn marks
      "Ⓐⓑ ⅻ Ⅻ x\u00b2 ½ a_b __init__ c‿d",
      "tab\t<ent>\tx <ENT>\u3000y",
      "[MASK]\u2003[MASK]\u00a0x",
  };
  for (int n : {99, 100, 101, 102, 103, 104, 250}) s.push_back("x " + std::string(size_t(n), 'a') + " y");
  s.push_back(std::string(101, 'e') + "\u0301");  // 101 characters after stripping accents, 102 before
  std::string long_accented;
  for (int i = 0; i < 60; ++i) long_accented += "é";  // 60 characters, 120 bytes
  s.push_back(long_accented);
  return s;
}

// Every 20th Brown sentence (the lines of the documents), every 8th test-corpus e-mail, the
// stress set and the hard cases.
std::vector<std::string> test_texts() {
  test::ensure_corpora();
  std::vector<std::string> out;
  size_t k = 0;
  for (const std::string& doc : test::corpus_texts("brown")) {
    size_t pos = 0;
    while (pos < doc.size()) {
      size_t nl = doc.find('\n', pos);
      if (nl == std::string::npos) nl = doc.size();
      std::string line = doc.substr(pos, nl - pos);
      pos = nl + 1;
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      if (k++ % 20 == 0) out.push_back(line);
    }
  }
  auto spam = test::corpus_texts("spam", 8);
  out.insert(out.end(), spam.begin(), spam.end());
  auto stress = test::corpus_texts("stress");
  out.insert(out.end(), stress.begin(), stress.end());
  auto hard = hard_cases();
  out.insert(out.end(), hard.begin(), hard.end());
  return out;
}

struct PeerResult {
  std::vector<TokenId> ids, wrapped;
  std::string decoded, wrapped_text, skipped;
};

std::vector<PeerResult> run_peer(const std::string& tokenizer_json, const std::string& texts_jsonl) {
  std::string out = texts_jsonl + ".hf.jsonl";
  test::run_node("hf_wordpiece.js", "'" + tokenizer_json + "' '" + texts_jsonl + "' '" + out + "'");
  std::vector<PeerResult> res;
  std::ifstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json j = json::parse(line);
    res.push_back({j["ids"].get<std::vector<TokenId>>(), j["wrapped"].get<std::vector<TokenId>>(),
                   j["decoded"].get<std::string>(), j["wrapped_text"].get<std::string>(), j["skipped"].get<std::string>()});
  }
  return res;
}

// Fixtures and texts, written once for all tests of this file: all texts, and a smaller set
// (every 4th text and the hard cases) for the variants of the files.
struct TextSet {
  std::vector<std::string> texts;
  std::string jsonl;
};

struct Fixture {
  std::string dir, uncased, cased;
  TextSet all, some;
};

TextSet write_texts(std::vector<std::string> texts, const std::string& path) {
  std::string body;
  for (const std::string& t : texts) body += json({{"text", t}}).dump() + "\n";
  io::write_text_atomic(path, body);
  return {std::move(texts), path};
}

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture f;
    f.dir = test::temp_dir();
    test::ensure_corpora();
    // Kept beside the test corpora, shared by the test processes.
    std::string fixtures = test::corpus_dir() + "/wordpiece";
    test::run_node("wordpiece_fixture.js", "'" + test::corpus_dir() + "/brown.jsonl' '" + fixtures + "'");
    f.uncased = fixtures + "/uncased/tokenizer.json";
    f.cased = fixtures + "/cased/tokenizer.json";
    std::vector<std::string> all = test_texts(), some;
    for (size_t i = 0; i < all.size(); i += 4) some.push_back(all[i]);
    for (auto& h : hard_cases()) some.push_back(h);
    f.all = write_texts(std::move(all), f.dir + "/all.jsonl");
    f.some = write_texts(std::move(some), f.dir + "/some.jsonl");
    return f;
  }();
  return f;
}

std::string show(const std::vector<TokenId>& ids) {
  std::string s;
  for (TokenId id : ids) s += std::to_string(id) + " ";
  return s;
}

// Ours equal the peer's on every text; returns how many texts were compared.
size_t expect_same_as_hf(const std::string& tokenizer_json, const TextSet& f, const std::string& what) {
  auto want = run_peer(tokenizer_json, f.jsonl);
  auto tok = tok::Tokenizer::load(tokenizer_json);
  EXPECT_TRUE(tok.is_wordpiece());
  EXPECT_EQ(want.size(), f.texts.size());
  auto got = tok.encode_batch(f.texts, /*allow_special=*/true);
  size_t failures = 0;
  for (size_t i = 0; i < std::min(want.size(), got.size()) && failures < 5; ++i) {
    const PeerResult& w = want[i];
    std::string where = what + " text " + std::to_string(i) + " '" + f.texts[i].substr(0, 80) + "'";
    bool ok = got[i] == w.ids;
    EXPECT_EQ(show(got[i]), show(w.ids)) << where;
    auto wrapped = tok.wrap_single(got[i]);
    ok &= wrapped == w.wrapped;
    EXPECT_EQ(show(wrapped), show(w.wrapped)) << where;
    if (got[i] == w.ids) {
      ok &= tok.decode(w.ids) == w.decoded && tok.decode(w.wrapped) == w.wrapped_text &&
            tok.decode(w.wrapped, /*skip_special=*/true) == w.skipped;
      EXPECT_EQ(tok.decode(w.ids), w.decoded) << where;
      EXPECT_EQ(tok.decode(w.wrapped), w.wrapped_text) << where;
      EXPECT_EQ(tok.decode(w.wrapped, /*skip_special=*/true), w.skipped) << where;
    }
    failures += !ok;
  }
  return want.size();
}

json load_json(const std::string& path) { return json::parse(io::read_file(path)); }

// The FormatError message of loading j (written to a file), or "" when it loads.
std::string load_error(const json& j) {
  std::string path = test::temp_dir() + "/tokenizer.json";
  io::write_text_atomic(path, j.dump());
  try {
    tok::Tokenizer::load(path);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(WordPieceConformance, UncasedBertTokenizerJson) {
  EXPECT_GT(expect_same_as_hf(fixture().uncased, fixture().all, "uncased"), 2900u);
}

TEST(WordPieceConformance, CasedBertTokenizerJson) {
  // [MASK] strips the spaces on its left here, <E1> matches only as a single word. The code
  // is the uncased file's but for the normalizer's flags: every 4th text and the hard cases.
  EXPECT_GT(expect_same_as_hf(fixture().cased, fixture().some, "cased"), 700u);
}

TEST(WordPieceConformance, OtherNormalizersAndPreTokenizers) {
  // The same vocabulary through the standalone normalizers and pre-tokenizers, no decoder
  // (tokens joined by spaces), BertProcessing, and a normalized added token.
  const Fixture& f = fixture();
  json j = load_json(f.uncased);
  j["normalizer"] = {{"type", "Sequence"},
                     {"normalizers", {{{"type", "NFD"}}, {{"type", "Lowercase"}}, {{"type", "StripAccents"}},
                                      {{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}}}}};
  j["pre_tokenizer"] = {{"type", "Sequence"},
                        {"pretokenizers", {{{"type", "WhitespaceSplit"}}, {{"type", "Punctuation"}, {"behavior", "Isolated"}}}}};
  j["decoder"] = nullptr;
  j["post_processor"] = {{"type", "BertProcessing"}, {"sep", {"[SEP]", 102}}, {"cls", {"[CLS]", 101}}};
  std::string a = f.dir + "/sequence.json";
  io::write_text_atomic(a, j.dump());
  expect_same_as_hf(a, f.some, "sequence");

  // Whitespace (\w+|[^\w\s]+) with NFKC, cleanup off.
  j["normalizer"] = {{"type", "Sequence"}, {"normalizers", {{{"type", "NFKC"}}, {{"type", "Lowercase"}}}}};
  j["pre_tokenizer"] = {{"type", "Whitespace"}};
  j["decoder"] = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", false}};
  std::string b = f.dir + "/whitespace.json";
  io::write_text_atomic(b, j.dump());
  expect_same_as_hf(b, f.some, "whitespace");
}

TEST(WordPieceTokenizer, BertLayoutAndSpecialTokens) {
  const Fixture& f = fixture();
  auto tok = tok::Tokenizer::load(f.uncased.substr(0, f.uncased.rfind('/')));  // a directory holding tokenizer.json
  json j = load_json(f.uncased);
  EXPECT_EQ(tok.vocab_size(), j["model"]["vocab"].size() + 1);  // and the added <ent>
  EXPECT_EQ(tok.single_prefix(), std::vector<TokenId>{101});
  EXPECT_EQ(tok.single_suffix(), std::vector<TokenId>{102});
  EXPECT_EQ(tok.token_id("[MASK]"), std::optional<TokenId>(103));
  EXPECT_EQ(tok.token_id("the"), std::optional<TokenId>(j["model"]["vocab"]["the"].get<TokenId>()));
  EXPECT_EQ(tok.token_bytes(103), "[MASK]");
  EXPECT_FALSE(tok.eot_id().has_value());
  // Without allow_special, "[MASK]" is text: '[', 'mask', ']'.
  EXPECT_EQ(tok.encode("The [MASK] said"), tok.encode("the [ mask ] said", true));
  auto ids = tok.encode("The [MASK] said", true);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[1], 103);
  // Unknown ids are an error, as for byte-level BPE.
  EXPECT_THROW(tok.decode(std::vector<TokenId>{TokenId(tok.vocab_size())}), Error);
  // Written back and read again: the same tokenizer.
  std::string dir = test::temp_dir();
  tok.save_json(dir + "/tokenizer.json");
  auto again = tok::Tokenizer::load(dir);
  auto texts = hard_cases();
  EXPECT_EQ(again.encode_batch(texts, true), tok.encode_batch(texts, true));
  EXPECT_EQ(again.single_prefix(), tok.single_prefix());
}

TEST(WordPieceTokenizer, ByteLevelFileWithTemplate) {
  // A byte-level file with Llama-3's kind of post_processor (Sequence [ByteLevel,
  // TemplateProcessing]): wrap_single equals the peer's add_special_tokens=true. tiktoken
  // encodings and files without a template have none.
  auto gpt2 = tok::Tokenizer::load("tiktoken:gpt2");
  EXPECT_TRUE(gpt2.single_prefix().empty());
  EXPECT_EQ(gpt2.wrap_single(std::vector<TokenId>{1, 2}), (std::vector<TokenId>{1, 2}));
  json j = json::parse(gpt2.to_hf_json());
  json eot = {{"SpecialToken", {{"id", "<|endoftext|>"}, {"type_id", 0}}}};
  j["post_processor"] = {
      {"type", "Sequence"},
      {"processors",
       {{{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}},
        {{"type", "TemplateProcessing"},
         {"single", {eot, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}, eot}},
         {"pair", {eot, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}}},
         {"special_tokens", {{"<|endoftext|>", {{"id", "<|endoftext|>"}, {"ids", {50256}}, {"tokens", {"<|endoftext|>"}}}}}}}}}};
  std::string dir = test::temp_dir();
  io::write_text_atomic(dir + "/tokenizer.json", j.dump());
  auto tok = tok::Tokenizer::load(dir);
  EXPECT_FALSE(tok.is_wordpiece());
  EXPECT_EQ(tok.single_prefix(), std::vector<TokenId>{50256});
  EXPECT_EQ(tok.single_suffix(), std::vector<TokenId>{50256});
  std::vector<std::string> texts = {"Hello world", "", "<|endoftext|>x"};
  auto set = write_texts(texts, dir + "/t.jsonl");
  auto want = run_peer(dir + "/tokenizer.json", set.jsonl);
  ASSERT_EQ(want.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(tok.wrap_single(tok.encode(texts[i], true)), want[i].wrapped) << i;
    EXPECT_EQ(tok.decode(want[i].wrapped, /*skip_special=*/true), want[i].skipped) << i;
  }
}

TEST(WordPieceTokenizer, MalformedFilesNameTheField) {
  const json base = load_json(fixture().uncased);
  auto expect_error = [&](const std::function<void(json&)>& edit, const std::string& field) {
    json j = base;
    edit(j);
    std::string msg = load_error(j);
    EXPECT_NE(msg.find(field), std::string::npos) << "expected '" << field << "' in: " << msg;
  };
  expect_error([](json& j) { j["model"]["unk_token"] = "[NOPE]"; }, "model.unk_token");
  expect_error([](json& j) { j["model"]["vocab"]["the"] = -1; }, "model.vocab[\"the\"]");
  expect_error([](json& j) { j["model"]["vocab"]["zzz-new"] = 5; }, "model.vocab[\"zzz-new\"]");
  expect_error([](json& j) { j["model"]["max_input_chars_per_word"] = "many"; }, "model.max_input_chars_per_word");
  expect_error([](json& j) { j["normalizer"] = {{"type", "Precompiled"}}; }, "normalizer: normalizer type 'Precompiled'");
  expect_error([](json& j) { j["normalizer"]["lowercase"] = "yes"; }, "normalizer.lowercase");
  expect_error([](json& j) { j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {{{"type", "BertPreTokenizer"}}, {{"type", "Metaspace"}}}}}; },
               "pre_tokenizer.pretokenizers[1]");
  expect_error([](json& j) { j["pre_tokenizer"] = {{"type", "Punctuation"}, {"behavior", "Removed"}}; }, "pre_tokenizer.behavior");
  expect_error([](json& j) { j["decoder"] = {{"type", "ByteLevel"}}; }, "decoder");
  expect_error([](json& j) { j["post_processor"]["special_tokens"]["[SEP]"].erase("ids"); },
               "post_processor.special_tokens[\"[SEP]\"].ids");
  expect_error([](json& j) { j["post_processor"]["single"][2] = {{"SpecialToken", {{"id", "[XXX]"}}}}; },
               "post_processor.single[2]");
  expect_error([](json& j) { j["post_processor"] = {{"type", "RobertaProcessing"}, {"sep", {"</s>", 999999}}, {"cls", {"<s>", 0}}}; },
               "post_processor: token id 999999");
  expect_error([](json& j) { j["post_processor"] = {{"type", "Whatever"}}; }, "post_processor: post-processor type 'Whatever'");
  expect_error([](json& j) { j["added_tokens"][0].erase("id"); }, "added_tokens[0]");
  expect_error([](json& j) { j["added_tokens"][1]["lstrip"] = 1; }, "added_tokens[1].lstrip");
  expect_error([](json& j) { j["truncation"] = {{"max_length", 512}}; }, "truncation");
  expect_error([](json& j) { j["model"]["type"] = "Unigram"; }, "model.type");
  EXPECT_EQ(load_error(base), "");
}
