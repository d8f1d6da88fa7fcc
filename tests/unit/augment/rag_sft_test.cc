// `lmforge data rag-sft` and its library (augment/fact_world.h, augment/rag_sft.h): the
// same seed gives the same bytes; held-out entities never reach the training examples;
// each example's prompt is grounded_prompt of its sources, which are what a BM25 index over
// the documents retrieves; a positive cites a source holding the answer, a negative's sources
// hold none; the files are what finetune reads; bad flags are usage errors naming the flag.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "augment/fact_world.h"
#include "augment/grounded_prompt.h"
#include "augment/rag_index.h"
#include "augment/rag_sft.h"
#include "finetune/instruction_data.h"
#include "io/atomic_file.h"
#include "support/oracle.h"

using namespace lmf;
using namespace lmf::augment;
using nlohmann::json;

namespace {

const std::string kBin = LMFORGE_BINARY;

RagSftOptions small(uint64_t seed = 3) {
  RagSftOptions o;
  o.world = {.entities = 60, .held_out = 8, .seed = seed};
  o.examples = 400;
  return o;
}

const RagSftData& data() {
  static const RagSftData d = make_rag_sft(small());
  return d;
}

std::map<std::string, std::string> doc_texts(const FactWorld& w) {
  std::map<std::string, std::string> m;
  for (const FactDocument& d : w.documents) m[d.id] = d.text;
  return m;
}

std::map<std::string, const FactQuestion*> questions_by_id(const FactWorld& w) {
  std::map<std::string, const FactQuestion*> m;
  for (const FactQuestion& q : w.questions) m[q.id] = &q;
  return m;
}

std::vector<std::string> ids(const std::vector<RagHit>& hits) {
  std::vector<std::string> out;
  for (const RagHit& h : hits) out.push_back(h.doc->id.get<std::string>());
  return out;
}

// The documents of the entities `keep` selects, as an index in `dir`.
template <class Keep>
RagIndex index_of(const FactWorld& w, const std::string& dir, Keep keep) {
  std::vector<Document> docs;
  for (const FactDocument& d : w.documents)
    if (keep(d.entity)) docs.push_back({d.id, d.text, json::object(), d.id});
  RagIndexOptions opt;
  opt.progress = false;
  RagIndex::create(dir, docs, opt);
  return RagIndex(dir);
}

int run(const std::string& args, std::string* out = nullptr) {
  return test::run_command(kBin + " data rag-sft " + args + " 2>&1", out);
}

}  // namespace

TEST(FactWorld, AnswersSitInTheirOwnDocumentOnly) {
  const FactWorld w = make_fact_world({.entities = 50, .held_out = 10, .seed = 9});
  ASSERT_EQ(w.entities.size(), 60u);
  EXPECT_EQ(w.training, 50);
  ASSERT_EQ(w.documents.size(), 60u * kFactRelations);
  ASSERT_EQ(w.questions.size(), w.documents.size());
  EXPECT_EQ(std::set<std::string>(w.entities.begin(), w.entities.end()).size(), w.entities.size());
  std::set<std::string> ids;
  for (size_t i = 0; i < w.questions.size(); ++i) {
    const FactQuestion& q = w.questions[i];
    EXPECT_EQ(q.doc, w.documents[i].id);
    EXPECT_TRUE(ids.insert(q.id).second) << q.id;
    EXPECT_TRUE(contains_word(w.documents[i].text, q.answer)) << q.id;
    EXPECT_TRUE(contains_word(q.question, w.entities[size_t(q.entity)])) << q.question;
    for (const FactDocument& d : w.documents)
      if (d.entity == q.entity && d.id != q.doc) EXPECT_FALSE(contains_word(d.text, q.answer)) << q.id << " in " << d.id;
  }
}

TEST(FactWorld, ContainsWordNeedsWordBoundaries) {
  EXPECT_TRUE(contains_word("The flag of Kone is red.", "red"));
  EXPECT_TRUE(contains_word("founded by Tavi Roonek.", "Tavi Roonek"));
  EXPECT_FALSE(contains_word("The capital is Redmar.", "red"));
  EXPECT_FALSE(contains_word("The capital is Kared.", "Kare"));
  EXPECT_FALSE(contains_word("in 17420.", "1742"));
  EXPECT_FALSE(contains_word("anything", ""));
}

TEST(FactWorld, BadSizesAreErrors) {
  EXPECT_THROW(make_fact_world({.entities = 0, .held_out = 1}), Error);
  EXPECT_THROW(make_fact_world({.entities = 5, .held_out = -1}), Error);
}

TEST(RagSft, SameSeedSameBytesOtherSeedOtherData) {
  const RagSftData again = make_rag_sft(small());
  EXPECT_EQ(examples_jsonl(again.train), examples_jsonl(data().train));
  EXPECT_EQ(examples_jsonl(again.test), examples_jsonl(data().test));
  EXPECT_EQ(documents_jsonl(again.world), documents_jsonl(data().world));
  EXPECT_EQ(questions_jsonl(again.world), questions_jsonl(data().world));
  const RagSftData other = make_rag_sft(small(4));
  EXPECT_NE(documents_jsonl(other.world), documents_jsonl(data().world));
  EXPECT_NE(examples_jsonl(other.train), examples_jsonl(data().train));
}

TEST(RagSft, HeldOutEntitiesNeverReachTrainingExamples) {
  const RagSftData& d = data();
  const auto questions = questions_by_id(d.world);
  ASSERT_EQ(d.train.size(), 400u);
  for (const RagExample& e : d.train) {
    EXPECT_FALSE(d.world.held_out(questions.at(e.question_id)->entity)) << e.question_id;
    for (int64_t h = d.world.training; h < int64_t(d.world.entities.size()); ++h) {
      const std::string& name = d.world.entities[size_t(h)];
      ASSERT_FALSE(contains_word(e.prompt, name)) << name << " in the prompt of " << e.question_id;
      for (const std::string& s : e.source_ids) ASSERT_NE(s.substr(0, s.find('/')), name) << e.question_id;
    }
  }
  // The test split asks every held-out question twice (sources as retrieved, and sources
  // without the answer), nothing else.
  std::map<std::string, int> positives, negatives;
  for (const RagExample& e : d.test) {
    EXPECT_TRUE(d.world.held_out(questions.at(e.question_id)->entity)) << e.question_id;
    ASSERT_TRUE(e.kind == "retrieved" || e.kind == "negative") << e.kind;
    ++(e.kind == "retrieved" ? positives : negatives)[e.question_id];
  }
  for (const RagExample& e : d.train) EXPECT_TRUE(e.kind == "positive" || e.kind == "negative") << e.kind;
  EXPECT_EQ(positives.size(), size_t(8 * kFactRelations));
  EXPECT_EQ(negatives.size(), size_t(8 * kFactRelations));
  for (const auto& [id, n] : positives) EXPECT_EQ(n, 1) << id;
  for (const auto& [id, n] : negatives) EXPECT_EQ(n, 1) << id;
}

TEST(RagSft, PromptsRepliesAndCitationsAgreeWithTheSources) {
  const RagSftData& d = data();
  const auto texts = doc_texts(d.world);
  const auto questions = questions_by_id(d.world);
  int negatives = 0;
  for (const std::vector<RagExample>* split : {&d.train, &d.test}) {
    for (const RagExample& e : *split) {
      const FactQuestion& q = *questions.at(e.question_id);
      ASSERT_EQ(e.source_ids.size(), 4u) << e.question_id;
      EXPECT_EQ(std::set<std::string>(e.source_ids.begin(), e.source_ids.end()).size(), 4u) << e.question_id;
      std::vector<std::string> sources;
      for (const std::string& id : e.source_ids) sources.push_back(texts.at(id));
      EXPECT_EQ(e.prompt, grounded_prompt(q.question, sources));
      if (e.answer_source == 0) {
        EXPECT_EQ(e.reply, kNotInSources);
        EXPECT_EQ(std::find(e.source_ids.begin(), e.source_ids.end(), q.doc), e.source_ids.end()) << e.question_id;
        if (e.kind == "retrieved") continue;  // retrieval missed the answer's document
        ++negatives;
        EXPECT_EQ(e.kind, "negative");
        for (const std::string& s : sources) EXPECT_FALSE(contains_word(s, q.answer)) << e.question_id << ": " << s;
      } else {
        EXPECT_NE(e.kind, "negative");
        ASSERT_GE(e.answer_source, 1);
        ASSERT_LE(e.answer_source, 4);
        EXPECT_EQ(e.source_ids[size_t(e.answer_source - 1)], q.doc);
        EXPECT_TRUE(contains_word(sources[size_t(e.answer_source - 1)], q.answer)) << e.question_id;
        EXPECT_EQ(e.reply, q.answer + " [" + std::to_string(e.answer_source) + "]");
        EXPECT_EQ(cited_sources(e.reply, 4), std::vector<int>{e.answer_source});
      }
    }
  }
  // About a quarter of the 400 training examples, and half of the test split, are negative.
  const int train_negatives = negatives - int(d.test.size() / 2);
  EXPECT_GE(train_negatives, 70);
  EXPECT_LE(train_negatives, 130);
}

TEST(RagSft, SourcesAreWhatBm25Retrieves) {
  const RagSftData& d = data();
  const auto questions = questions_by_id(d.world);
  const auto texts = doc_texts(d.world);
  const std::string dir = test::temp_dir();
  const RagIndex train_index = index_of(d.world, dir + "/train", [&](int64_t e) { return !d.world.held_out(e); });
  const RagIndex all_index = index_of(d.world, dir + "/all", [](int64_t) { return true; });
  int positives_in_order = 0, positives_shuffled = 0, retrieved_hits = 0;
  for (const std::vector<RagExample>* split : {&d.train, &d.test}) {
    const RagIndex& index = split == &d.train ? train_index : all_index;
    for (const RagExample& e : *split) {
      const FactQuestion& q = *questions.at(e.question_id);
      std::vector<std::string> want;
      if (e.kind == "retrieved") {  // what `generate --rag` puts in front of the model
        const Grounding g = ground(index, q.question, 4);
        EXPECT_EQ(e.prompt, g.prompt);
        EXPECT_EQ(e.source_ids, ids(g.sources)) << e.question_id;
        const auto it = std::find(e.source_ids.begin(), e.source_ids.end(), q.doc);
        EXPECT_EQ(e.answer_source, it == e.source_ids.end() ? 0 : int(it - e.source_ids.begin()) + 1);
        retrieved_hits += e.answer_source > 0;
      } else if (e.kind == "positive") {
        want = ids(index.query(q.question, 4, RetrievalMode::kBm25));
        if (std::find(want.begin(), want.end(), q.doc) == want.end()) want.back() = q.doc;
        if (e.source_ids == want) {
          ++positives_in_order;
        } else {  // the same sources in another order
          ++positives_shuffled;
          EXPECT_EQ(std::multiset<std::string>(e.source_ids.begin(), e.source_ids.end()),
                    std::multiset<std::string>(want.begin(), want.end()))
              << e.question_id;
        }
      } else {
        for (const std::string& id : ids(index.query(q.question, 40, RetrievalMode::kBm25)))
          if (want.size() < 4 && !contains_word(texts.at(id), q.answer)) want.push_back(id);
        EXPECT_EQ(e.source_ids, want) << e.question_id;
      }
    }
  }
  EXPECT_GT(positives_in_order, 100);
  EXPECT_GT(positives_shuffled, 50);
  // BM25 finds most held-out answers' documents among the top 4 (the country's name is rare).
  EXPECT_GT(retrieved_hits, 8 * kFactRelations * 9 / 10);
}

TEST(RagSftCli, WritesFilesFinetuneReadsTheSameForASeed) {
  const std::string dir = test::temp_dir();
  const std::string args = " --entities 30 --held-out 4 --examples 120 --seed 5";
  std::string out;
  ASSERT_EQ(run("--out " + dir + "/a" + args, &out), 0) << out;
  const json summary = json::parse(out);
  EXPECT_EQ(summary["train"], 120);
  EXPECT_EQ(summary["test"], 2 * 4 * kFactRelations);
  EXPECT_EQ(summary["documents"], 34 * kFactRelations);
  ASSERT_EQ(run("--out " + dir + "/b --docs-out " + dir + "/docs.jsonl --questions-out " + dir + "/q.jsonl" + args, &out), 0)
      << out;
  for (const char* f : {"train.jsonl", "test.jsonl"})
    EXPECT_EQ(io::read_file(dir + "/a/" + f), io::read_file(dir + "/b/" + f)) << f;
  EXPECT_EQ(io::read_file(dir + "/a/docs.jsonl"), io::read_file(dir + "/docs.jsonl"));
  EXPECT_EQ(io::read_file(dir + "/a/questions.jsonl"), io::read_file(dir + "/q.jsonl"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/b/docs.jsonl"));
  // Embedding pairs: one a training question.
  const std::string pairs = io::read_file(dir + "/a/pairs.jsonl");
  EXPECT_EQ(std::count(pairs.begin(), pairs.end(), '\n'), 30 * kFactRelations);
  const json pair = json::parse(pairs.substr(0, pairs.find('\n')));
  const std::vector<Document> pair_docs = read_documents(dir + "/a/docs.jsonl");
  EXPECT_EQ(pair["positive"], pair_docs[0].text);
  EXPECT_EQ(pair["negative"], pair_docs[1].text);
  EXPECT_EQ(pair["anchor"], json::parse(io::read_file(dir + "/a/questions.jsonl").substr(0, io::read_file(dir + "/a/questions.jsonl").find('\n')))["question"]);

  const std::vector<Conversation> train = ft::read_instruction_jsonl(dir + "/a/train.jsonl");
  ASSERT_EQ(train.size(), 120u);
  for (const Conversation& c : train) {
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(c[0].role, "user");
    EXPECT_EQ(c[1].role, "assistant");
  }
  const std::vector<Document> docs = read_documents(dir + "/a/docs.jsonl");
  ASSERT_EQ(docs.size(), size_t(34 * kFactRelations));
  EXPECT_TRUE(docs[0].id.is_string());
  int held_out = 0;
  for (const std::string& line : {io::read_file(dir + "/a/questions.jsonl")}) {
    size_t start = 0;
    for (size_t nl = line.find('\n'); nl != std::string::npos; start = nl + 1, nl = line.find('\n', start)) {
      const json q = json::parse(line.substr(start, nl - start));
      for (const char* k : {"id", "question", "answer", "doc", "split"}) ASSERT_TRUE(q.contains(k)) << k;
      held_out += q["split"] == "held_out";
    }
  }
  EXPECT_EQ(held_out, 4 * kFactRelations);
}

TEST(RagSftCli, BadFlagsAreUsageErrorsNamingTheFlag) {
  const std::string dir = test::temp_dir();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--entities 0", "--entities"},
      {"--held-out -1", "--held-out"},
      {"--examples 0", "--examples"},
      {"--negatives 1.5", "--negatives"},
      {"--negatives nan", "--negatives"},
      {"--shuffled -0.1", "--shuffled"},
      {"-k 0", "-k"},
      {"--seed x", "--seed"},
      {"--bogus 1", "--bogus"},
  };
  for (const auto& [flags, named] : cases) {
    std::string out;
    EXPECT_EQ(run("--out " + dir + "/x " + flags, &out), 2) << flags << ": " << out;
    EXPECT_NE(out.find("lmforge data rag-sft: error:"), std::string::npos) << out;
    EXPECT_NE(out.find(named), std::string::npos) << flags << ": " << out;
    EXPECT_FALSE(std::filesystem::exists(dir + "/x")) << flags;
  }
  std::string out;
  EXPECT_EQ(run("--entities 5", &out), 2) << out;
  EXPECT_NE(out.find("--out"), std::string::npos) << out;
}
