// The n-gram model's smoothing against an independent reference: interpolated modified
// Kneser-Ney (tests/reference/kneser_ney.py, written from Chen & Goodman's definition)
// gives the same discounts and per-word probabilities for orders 1-5; every context's
// distribution sums to 1 over the vocabulary; the ARPA file reads back to the same model;
// malformed ARPA files are refused naming FILE:LINE; token shards are cut at the eot.
// End to end: `lmforge train --arch ngram` writes model.arpa, and IRSTLM's compile-lm
// reading that file gives every held-out word the log10 probability that
// `lmforge ngram perplexity --per-token` gives it (to 1e-4), and the same perplexity.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "data/token_shard.h"
#include "io/atomic_file.h"
#include "models/ngram/arpa_io.h"
#include "models/ngram/counts.h"
#include "models/ngram/kneser_ney.h"
#include "models/ngram/model_dir.h"
#include "models/ngram/scoring.h"
#include "models/ngram/train.h"
#include "support/oracle.h"

using namespace lmf;
using namespace lmf::ngram;
using nlohmann::json;

namespace {

// A corpus with Zipf-like word frequencies and some word-to-word structure, so every order
// has regular count-of-counts: `sentences` lines of 1-14 words over w0 .. w{vocab-1}.
std::string synthetic_text(uint64_t seed, int sentences, int vocab) {
  uint64_t s = seed;
  auto next = [&] {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return double(s >> 11) / double(1ULL << 53);
  };
  std::string out;
  for (int i = 0; i < sentences; ++i) {
    const int len = 1 + int(next() * 14);
    int prev = -1;
    for (int k = 0; k < len; ++k) {
      int w;
      if (prev >= 0 && next() < 0.5)
        w = (prev * 7 + int(next() * 4)) % vocab;
      else
        w = std::min(vocab - 1, int(std::exp(next() * std::log(double(vocab)))) - 1);
      out += (k ? " w" : "w") + std::to_string(w);
      prev = w;
    }
    out += "\n";
  }
  return out;
}

struct Fixture {
  std::string dir, train, test;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    x.dir = test::temp_dir();
    x.train = x.dir + "/train.txt";
    x.test = x.dir + "/test.txt";
    io::write_text_atomic(x.train, synthetic_text(7, 1500, 300));
    // Held-out text: unseen contexts, words outside the vocabulary, a line already marked.
    io::write_text_atomic(x.test, synthetic_text(99, 120, 300) + "w1 never-seen w2\n\n<s> w3 w4 </s>\nalso-unknown\n");
    return x;
  }();
  return f;
}

KneserNeyModel estimate(const std::string& path, int order) {
  Vocabulary vocab;
  NgramCounter counter(order);
  for_each_sentence({path, Unit::Word, -1}, vocab, true, [&](std::span<const WordId> ids) { counter.add_sentence(ids); });
  return estimate_kneser_ney(counter.finish(), vocab);
}

json reference(int order) {
  const Fixture& f = fixture();
  std::string out;
  const int rc = test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/kneser_ney.py") + " " + f.train +
                                       " " + std::to_string(order) + " " + f.test,
                                   &out);
  EXPECT_EQ(rc, 0) << out;
  return json::parse(out);
}

TEST(NgramKneserNey, MatchesTheReferenceForOrdersOneToFive) {
  const Fixture& f = fixture();
  for (int order = 1; order <= 5; ++order) {
    SCOPED_TRACE("order " + std::to_string(order));
    const KneserNeyModel kn = estimate(f.train, order);
    const json ref = reference(order);
    ASSERT_EQ(ref["discounts"].size(), size_t(order));
    for (int n = 0; n < order; ++n)
      for (int k = 0; k < 3; ++k)
        EXPECT_NEAR(kn.discounts[size_t(n)].d[size_t(k)], ref["discounts"][size_t(n)][size_t(k)].get<double>(), 1e-12);
    // The fixture has regular statistics for orders 2-4: Chen & Goodman's discounts, not the fallback.
    for (int n = 2; n <= std::min(order, 4); ++n) EXPECT_FALSE(kn.discounts[size_t(n - 1)].fallback) << kn.discounts[size_t(n - 1)].why;
    EXPECT_EQ(size_t(ref["vocab_size"].get<int>()), kn.model.vocab.size() - 1);  // all but <s>
    const CorpusScore s = score_corpus(kn.model, {f.test, Unit::Word, -1}, true);
    const json& want = ref["log10_probs"];
    ASSERT_EQ(s.tokens.size(), want.size());
    double worst = 0;
    for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(s.tokens[i].log10_prob - want[i].get<double>()));
    EXPECT_LT(worst, 1e-9);
    EXPECT_EQ(s.oov, 2);  // never-seen, also-unknown
  }
}

// Sum over every predictable word (all but <s>) of p(w | h).
double total_probability(const NgramModel& m, std::span<const WordId> h) {
  double sum = 0;
  for (WordId w = 0; w < m.vocab.size(); ++w)
    if (w != kBos) sum += std::pow(10.0, m.log10_prob(h, w));
  return sum;
}

TEST(NgramKneserNey, ProbabilitiesSumToOneForSampledContexts) {
  const Fixture& f = fixture();
  for (int order : {2, 3, 5}) {
    SCOPED_TRACE("order " + std::to_string(order));
    const KneserNeyModel kn = estimate(f.train, order);
    const std::string arpa = test::temp_dir() + "/m.arpa";
    write_arpa(arpa, kn.model);
    const NgramModel back = read_arpa(arpa);
    // Contexts: every prefix of some held-out and training sentences (seen and unseen
    // histories, <unk> among them), and the empty context.
    std::vector<std::vector<WordId>> contexts = {{}};
    Vocabulary vocab = kn.model.vocab;
    int taken = 0;
    for (const std::string& path : {f.test, f.train})
      for_each_sentence({path, Unit::Word, -1}, vocab, false, [&](std::span<const WordId> ids) {
        if (taken++ % 37) return;
        std::vector<WordId> h = {kBos};
        for (WordId w : ids) {
          contexts.push_back(h);
          h.push_back(w);
        }
      });
    ASSERT_GT(contexts.size(), 60u);
    for (const auto& h : contexts) {
      EXPECT_NEAR(total_probability(kn.model, h), 1.0, 1e-9);
      EXPECT_NEAR(total_probability(back, h), 1.0, 1e-5);
    }
  }
}

TEST(NgramArpa, ReadsBackWhatItWrites) {
  const Fixture& f = fixture();
  const KneserNeyModel kn = estimate(f.train, 4);
  const std::string dir = test::temp_dir();
  write_arpa(dir + "/a.arpa", kn.model);
  const NgramModel back = read_arpa(dir + "/a.arpa");
  ASSERT_EQ(back.order(), 4);
  for (int n = 0; n < 4; ++n) {
    const NgramTable& a = kn.model.tables[size_t(n)];
    const NgramTable& b = back.tables[size_t(n)];
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a.keys[i], b.keys[i]);  // same vocabulary order: the unigrams are listed by id
      EXPECT_NEAR(a.log10_prob[i], b.log10_prob[i], 1e-6 * std::max(1.0, std::abs(a.log10_prob[i])));
      EXPECT_NEAR(a.log10_backoff[i], b.log10_backoff[i], 1e-6);
    }
  }
  write_arpa(dir + "/b.arpa", back);
  EXPECT_EQ(io::read_file(dir + "/a.arpa"), io::read_file(dir + "/b.arpa"));
}

TEST(NgramArpa, MalformedFilesNameFileAndLine) {
  const std::string dir = test::temp_dir();
  const std::string good =
      "\\data\\\nngram 1=4\nngram 2=2\n\n\\1-grams:\n-1\t<unk>\n-99\t<s>\t-0.3\n-0.5\t</s>\n-0.6\ta\t-0.2\n\n"
      "\\2-grams:\n-0.1\t<s> a\n-0.2\ta </s>\n\n\\end\\\n";
  io::write_text_atomic(dir + "/good.arpa", good);
  const NgramModel m = read_arpa(dir + "/good.arpa");
  EXPECT_EQ(m.order(), 2);
  const WordId a = m.vocab.find("a");
  const WordId ctx[] = {kBos};
  EXPECT_NEAR(m.log10_prob(ctx, a), -0.1, 1e-12);
  EXPECT_NEAR(m.log10_prob(ctx, kEos), -0.3 - 0.5, 1e-12);  // back-off of <s>, then the unigram
  struct Case {
    std::string from, to, want;
  };
  const std::vector<Case> cases = {
      {"-0.6\ta\t-0.2", "-0.6\ta\t-0.2\tx", "good.arpa:9: a 1-gram line needs 2 or 3 fields"},
      {"-0.2\ta </s>", "-0.2\ta b", "good.arpa:13: word 'b' is not among the unigrams"},
      {"-0.1\t<s> a", "oops\t<s> a", "good.arpa:12: log10 probability 'oops' is not a number"},
      {"ngram 2=2", "ngram 2=3", "good.arpa:15: the \\2-grams: section has 2 entries, \\data\\ announced 3"},
      {"\\end\\\n", "\\end\\\nmore\n", "good.arpa:16: text after \\end\\"},
      {"\\2-grams:", "\\3-grams:", "good.arpa:11: expected \\2-grams:"},
      {"-0.2\ta </s>", "-0.2\t<s> a", "good.arpa:13: the 2-gram '<s> a' is listed twice (also on line 12)"},
  };
  for (const Case& c : cases) {
    std::string bad = good;
    bad.replace(bad.find(c.from), c.from.size(), c.to);
    io::write_text_atomic(dir + "/good.arpa", bad);
    try {
      read_arpa(dir + "/good.arpa");
      ADD_FAILURE() << "accepted: " << c.to;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(c.want), std::string::npos) << e.what();
    }
  }
  io::write_text_atomic(dir + "/none.arpa", "just text\n");
  EXPECT_THROW(read_arpa(dir + "/none.arpa"), FormatError);
}

TEST(NgramCorpus, TokenShardsAreCutIntoDocumentsAtTheEot) {
  const std::string dir = test::temp_dir();
  // eot 9 before every document, as `lmforge data tokenize` writes.
  const std::vector<TokenId> ids = {9, 5, 6, 7, 9, 5, 6, 9, 6, 7, 5, 9, 5, 6, 7};
  data::write_token_shard(dir + "/train.bin", ids);
  io::write_text_atomic(dir + "/meta.json", "{\"eot_id\": 9}\n");
  const CorpusFile f = resolve_corpus(dir);
  EXPECT_EQ(f.unit, Unit::Token);
  EXPECT_EQ(f.eot_id, 9);
  Vocabulary vocab;
  NgramCounter counter(2);
  std::vector<std::vector<std::string>> docs;
  const CorpusStats st = for_each_sentence(f, vocab, true, [&](std::span<const WordId> s) {
    counter.add_sentence(s);
    docs.emplace_back();
    for (WordId w : s) docs.back().push_back(vocab.word(w));
  });
  EXPECT_EQ(st.sentences, 4);
  EXPECT_EQ(st.words, 11);
  EXPECT_EQ(docs[1], (std::vector<std::string>{"5", "6"}));
  // Bigram counts, e.g. "<s> 5" three times, "7 </s>" twice, no bigram across documents.
  const NgramCounts c = counter.finish();
  auto raw = [&](const std::vector<std::string>& g) -> uint64_t {
    std::vector<WordId> w;
    for (const std::string& x : g) w.push_back(vocab.find(x));
    const Key k = make_key(w);
    for (size_t i = 0; i < c.raw[g.size() - 1].keys.size(); ++i)
      if (c.raw[g.size() - 1].keys[i] == k) return c.raw[g.size() - 1].counts[i];
    return 0;
  };
  EXPECT_EQ(raw({"<s>", "5"}), 3u);
  EXPECT_EQ(raw({"7", "</s>"}), 2u);
  EXPECT_EQ(raw({"7", "5"}), 1u);  // inside the third document
  EXPECT_EQ(raw({"6", "5"}), 0u);
  // Continuation counts: "6" follows 5 (three documents) only, "5" follows <s> and 7.
  const NgramCounts& cc = c;
  for (size_t i = 0; i < cc.adjusted[0].keys.size(); ++i) {
    const std::string& w = vocab.word(cc.adjusted[0].keys[i][0]);
    if (w == "6") EXPECT_EQ(cc.adjusted[0].counts[i], 2u);  // after 5 and after <s>
    if (w == "5") EXPECT_EQ(cc.adjusted[0].counts[i], 2u);  // after <s> and 7
  }
}

const std::string kBin = LMFORGE_BINARY;
const std::string kCompileLm = "/usr/lib/irstlm/bin/compile-lm";

std::string run_ok(const std::string& args) {
  std::string out;
  const int rc = test::run_command(kBin + " " + args + " 2>/dev/null", &out);
  EXPECT_EQ(rc, 0) << kBin << " " << args << "\n" << out;
  return out;
}

// The ARPA text cut to orders 1..k (the order-k entries lose their back-off weights): for a
// context of k-1 words it gives exactly the probabilities of the whole model.
std::string truncate_arpa(const std::string& text, int k) {
  std::istringstream in(text);
  std::string line, out;
  int section = 0;
  while (std::getline(in, line)) {
    if (line.rfind("ngram ", 0) == 0 && std::stoi(line.substr(6)) > k) continue;
    if (line.size() > 1 && line[0] == '\\' && std::isdigit((unsigned char)line[1])) section = std::stoi(line.substr(1));
    if (line == "\\end\\") section = 0;
    if (section > k) continue;
    if (section == k && line.find('\t') != std::string::npos) {
      const size_t second = line.find('\t', line.find('\t') + 1);
      if (second != std::string::npos) line.erase(second);
    }
    out += line + "\n";
  }
  return out;
}

// compile-lm --score=yes rows ("NGRAM\t1 p= LN_PROB bo= B" or "... p= NULL"), one per
// word read after each <s>, as natural-log probabilities (NaN for NULL).
std::vector<double> irstlm_scores(const std::string& arpa, const std::string& input) {
  std::string out;
  const int rc = test::run_command(kCompileLm + " --score=yes --dub=0 " + arpa + " < " + input + " 2>/dev/null", &out);
  EXPECT_EQ(rc, 0) << out;
  std::vector<double> r;
  for (size_t at = 0; (at = out.find(" p= ", at)) != std::string::npos;) {
    at += 4;
    r.push_back(out.compare(at, 4, "NULL") == 0 ? std::nan("") : std::strtod(out.c_str() + at, nullptr));
  }
  return r;
}

TEST(NgramIrstlm, PerWordLogProbabilitiesAndPerplexityMatchIrstlmOnOurArpa) {
  ASSERT_TRUE(std::filesystem::exists(kCompileLm)) << "IRSTLM (Debian irstlm) is not installed";
  const Fixture& f = fixture();
  // The held-out sentences as IRSTLM reads them: <s> and </s> written out (it adds none).
  std::vector<std::vector<std::string>> sentences;
  {
    std::ifstream in(f.test);
    std::string line, w;
    while (std::getline(in, line)) {
      std::istringstream ws(line);
      std::vector<std::string> s;
      while (ws >> w) s.push_back(w);
      if (!s.empty() && s.front() == "<s>") s.erase(s.begin());
      if (!s.empty() && s.back() == "</s>") s.pop_back();
      if (!s.empty()) sentences.push_back(s);
    }
  }
  const std::string dir = test::temp_dir();
  std::string marked;
  for (const auto& s : sentences) {
    marked += "<s>";
    for (const std::string& w : s) marked += " " + w;
    marked += " </s>\n";
  }
  io::write_text_atomic(dir + "/marked.txt", marked);

  for (int order : {1, 3, 5}) {
    SCOPED_TRACE("order " + std::to_string(order));
    const std::string model = dir + "/m" + std::to_string(order);
    const json trained = json::parse(run_ok("train --arch ngram --ngram-order " + std::to_string(order) + " --data " + f.train +
                                            " --out " + model + " --val " + f.test));
    EXPECT_EQ(trained["order"], order);
    const json ours = json::parse(run_ok("ngram perplexity --model " + model + " --text " + f.test + " --json --per-token"));
    // train scores with its in-memory model, perplexity with the ARPA file's 7 digits.
    EXPECT_NEAR(ours["perplexity"].get<double>(), trained["val_perplexity"].get<double>(), 1e-6 * ours["perplexity"].get<double>());
    const json& tokens = ours["tokens"];

    // Position i of a sentence (1-based, </s> included) has min(i, order-1) words of
    // context; compile-lm prints a probability only for a full window, so that position
    // is read from the model cut to order min(i+1, order).
    std::vector<std::vector<double>> irst(size_t(order) + 1);
    const std::string arpa_text = io::read_file(model + "/model.arpa");
    for (int k = 1; k <= order; ++k) {
      const std::string path = dir + "/cut" + std::to_string(k) + ".arpa";
      io::write_text_atomic(path, k == order ? arpa_text : truncate_arpa(arpa_text, k));
      irst[size_t(k)] = irstlm_scores(path, dir + "/marked.txt");
    }
    size_t row = 0, t = 0;
    double worst = 0;
    int compared = 0;
    for (const auto& s : sentences) {
      for (size_t i = 1; i <= s.size() + 1; ++i, ++row, ++t) {
        const int k = std::min(int(i) + 1, order);
        ASSERT_LT(row, irst[size_t(k)].size());
        ASSERT_LT(t, tokens.size());
        const double theirs = irst[size_t(k)][row] / std::log(10.0);
        ASSERT_FALSE(std::isnan(theirs)) << "sentence row " << row;
        worst = std::max(worst, std::abs(theirs - tokens[t]["log10_prob"].get<double>()));
        ++compared;
      }
    }
    EXPECT_EQ(size_t(compared), tokens.size());
    EXPECT_LT(worst, 1e-4);
    std::printf("order %d: %d words compared with IRSTLM, largest |log10 p difference| %.3g\n", order, compared, worst);

    // IRSTLM's perplexity of the marked text (printed with two decimals).
    std::string out;
    ASSERT_EQ(test::run_command(kCompileLm + " --eval=" + dir + "/marked.txt --dub=0 " + model + "/model.arpa 2>/dev/null", &out), 0);
    const size_t at = out.find("PP=");
    ASSERT_NE(at, std::string::npos) << out;
    EXPECT_NEAR(std::strtod(out.c_str() + at + 3, nullptr), ours["perplexity"].get<double>(), 0.0051) << out;
    const size_t nw = out.find("Nw=");
    EXPECT_EQ(std::strtoll(out.c_str() + nw + 3, nullptr, 10), ours["predictions"].get<int64_t>());
  }
}

TEST(NgramCli, TrainsOnTokenShardsAndScoresAShard) {
  const std::string dir = test::temp_dir();
  // A tokenized "corpus": documents of ids from a small Markov chain, eot 0 before each.
  uint64_t s = 3;
  auto next = [&] {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return int(s >> 40);
  };
  for (const char* name : {"train.bin", "val.bin"}) {
    std::vector<TokenId> ids;
    for (int d = 0; d < (name[0] == 't' ? 800 : 40); ++d) {
      ids.push_back(0);
      int prev = 1 + next() % 200;
      for (int k = 0, len = 1 + next() % 12; k < len; ++k) {
        ids.push_back(prev);
        prev = next() % 2 ? 1 + (prev * 5 + next() % 3) % 200 : 1 + next() % (1 + next() % 200);
      }
    }
    data::write_token_shard(dir + "/" + name, ids);
  }
  io::write_text_atomic(dir + "/meta.json", "{\"eot_id\": 0}\n");
  const json trained = json::parse(run_ok("train --arch ngram --ngram-order 3 --data " + dir + " --out " + dir + "/m"));
  EXPECT_EQ(trained["unit"], "token");
  EXPECT_EQ(trained["train_sentences"], 800);
  const json config = json::parse(io::read_file(dir + "/m/config.json"));
  EXPECT_EQ(config["model_type"], "ngram");
  EXPECT_EQ(config["eot_id"], 0);
  const json scored = json::parse(run_ok("ngram perplexity --model " + dir + "/m --shard " + dir + "/val.bin --json"));
  EXPECT_EQ(scored["sentences"], 40);
  EXPECT_NEAR(scored["perplexity"].get<double>(), trained["val_perplexity"].get<double>(), 1e-6 * scored["perplexity"].get<double>());
  EXPECT_GT(scored["perplexity"].get<double>(), 1.0);
  // A word model's file is refused for a token model, with a clear message.
  std::string out;
  EXPECT_NE(test::run_command(kBin + " ngram perplexity --model " + dir + "/m --text " + dir + "/meta.json 2>&1", &out), 0);
  EXPECT_NE(out.find("is a token model"), std::string::npos) << out;
}

}  // namespace
