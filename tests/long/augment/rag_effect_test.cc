// Long check (label `long`, `make test-long`): retrieval lets a small model answer questions
// about facts it never saw, and say so when the sources lack the answer.
//
// Question set: `lmforge data rag-sft` with its defaults (augment/rag_sft.h, seed 1): 400
// training countries and 50 held-out ones with six invented facts each; the measured
// questions are the 300 about the held-out countries, whose names and documents are in no
// training example. The retrieval index holds all 2,700 documents, as
// `lmforge rag index --docs docs.jsonl` builds it.
// Model: a Llama of kLayers × kWidth (kHeads heads, RoPE, context 256) over a byte-level BPE
// of kVocab tokens trained on the training examples' text, from random weights; instruction
// tuning (ft::train_sft, response-only loss, packed rows of 256 tokens) on the 6,000
// training examples for kSteps steps of kBatch rows at kLr. That is all its training.
// Measured on the held-out questions, greedy replies, the same model throughout:
//   with retrieval   the prompt `generate --rag INDEX --rag-k 4` builds (augment::ground,
//                    BM25): the reply contains the gold answer as a word       >= 0.8
//   without          the question alone as the user message                    <= 0.1
//   lacking sources  the 4 best chunks that do not hold the answer: the reply is
//                    kNotInSources                                             >= 0.8
// and printed, not asserted: recall@1 and @5 of the gold document for bm25, dense and
// hybrid retrieval, the dense side an embedding model made from the tuned model by
// `embed train` (mean pooling, contrastive, on the training questions' pairs).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "augment/embedding_train.h"
#include "augment/fact_world.h"
#include "augment/grounded_prompt.h"
#include "augment/rag_index.h"
#include "augment/rag_sft.h"
#include "eval/exact_match.h"
#include "finetune/sft.h"
#include "infer/chat_template.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"
#include "support/oracle.h"
#include "tokenizer/trainer.h"

using namespace lmf;
using namespace lmf::augment;
using nlohmann::json;

namespace {

constexpr int kVocab = 768, kWidth = 128, kLayers = 4, kHeads = 4;
constexpr int64_t kSteps = 1500, kBatch = 16;
constexpr double kLr = 2e-3;
constexpr int kK = 4;

tok::Tokenizer train_tokenizer(const std::vector<RagExample>& train) {
  std::vector<std::string> texts;
  for (const RagExample& e : train) texts.push_back(e.prompt + "\n" + e.reply + "\n");
  tok::TrainerOptions o;
  o.vocab_size = kVocab;
  o.special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
  return tok::train_bpe_texts(texts, o);
}

Transformer tuned_model(const tok::Tokenizer& tk, const std::vector<RagExample>& train) {
  ModelConfig c;
  c.arch = Arch::Llama;
  c.vocab_size = kVocab;
  c.n_positions = 256;
  c.n_embd = kWidth;
  c.n_layer = kLayers;
  c.n_head = c.n_kv_head = kHeads;
  c.n_inner = 4 * kWidth;
  c.norm_eps = 1e-6f;
  Transformer m(c);
  m.init_weights(1);
  ChatTemplate tmpl(tk);
  std::vector<EncodedChat> data;
  for (const RagExample& e : train) data.push_back(tmpl.encode({{"user", e.prompt}, {"assistant", e.reply}}));
  ft::SftOptions o;
  o.batch = kBatch;
  o.max_len = 256;
  o.steps = kSteps;
  o.lr = kLr;
  o.pack = true;
  o.quiet = true;
  const ft::SftResult r = ft::train_sft(m, nullptr, data, o, [&](int64_t step, double loss) {
    if (step % 100 == 0) std::printf("step %lld loss %.4f\n", (long long)step, loss), std::fflush(stdout);
  });
  std::printf("tuned %lld parameters for %lld steps (%.3f s/step), last loss %.4f\n", (long long)r.total,
              (long long)r.steps, r.seconds_per_step, r.last_loss);
  return m;
}

// Greedy replies to single user messages.
std::vector<std::string> replies(Transformer& m, const tok::Tokenizer& tk, const std::vector<std::string>& users) {
  std::vector<Conversation> conv;
  for (const std::string& u : users) conv.push_back({{"user", u}, {"assistant", ""}});
  return eval::exact_match_report(m, tk, conv, 16).replies;
}

struct Recall {
  double at1 = 0, at5 = 0;
};

Recall recall(const RagIndex& index, const std::vector<const FactQuestion*>& qs, RetrievalMode mode) {
  Recall r;
  for (const FactQuestion* q : qs) {
    const std::vector<RagHit> hits = index.query(q->question, 5, mode);
    for (size_t i = 0; i < hits.size(); ++i)
      if (hits[i].doc->id == q->doc) {
        r.at1 += i == 0;
        r.at5 += 1;
      }
  }
  r.at1 /= double(qs.size());
  r.at5 /= double(qs.size());
  return r;
}

}  // namespace

TEST(LongRagEffect, RetrievalAnswersHeldOutFactsAndMissingSourcesAreSaid) {
  const std::string dir = test::temp_dir();
  const RagSftData d = make_rag_sft({});
  std::vector<const FactQuestion*> held_out;
  for (const FactQuestion& q : d.world.questions)
    if (d.world.held_out(q.entity)) held_out.push_back(&q);
  ASSERT_EQ(held_out.size(), 300u);

  const tok::Tokenizer tk = train_tokenizer(d.train);
  Transformer model = tuned_model(tk, d.train);

  std::vector<Document> docs;
  for (const FactDocument& doc : d.world.documents) docs.push_back({doc.id, doc.text, json::object(), doc.id});
  RagIndexOptions bm25_only;
  bm25_only.progress = false;
  RagIndex::create(dir + "/index", docs, bm25_only);
  const RagIndex index(dir + "/index");

  std::vector<std::string> grounded, closed, lacking;
  for (const FactQuestion* q : held_out) {
    grounded.push_back(ground(index, q->question, kK).prompt);
    closed.push_back(q->question);
  }
  for (const RagExample& e : d.test)
    if (e.kind == "negative") lacking.push_back(e.prompt);
  ASSERT_EQ(lacking.size(), held_out.size());
  const std::vector<std::string> with = replies(model, tk, grounded), without = replies(model, tk, closed),
                                 refusals = replies(model, tk, lacking);
  double with_rate = 0, without_rate = 0, said_rate = 0, cited_rate = 0;
  for (size_t i = 0; i < held_out.size(); ++i) {
    with_rate += contains_word(with[i], held_out[i]->answer);
    without_rate += contains_word(without[i], held_out[i]->answer);
    said_rate += refusals[i] == kNotInSources;
    // The reply names the answer and cites the source that holds it, nothing else.
    const Grounding g = ground(index, held_out[i]->question, kK);
    const std::vector<int> cited = cited_sources(with[i], kK);
    cited_rate += contains_word(with[i], held_out[i]->answer) && cited.size() == 1 &&
                  g.sources[size_t(cited[0] - 1)].doc->id == held_out[i]->doc;
  }
  const double n = double(held_out.size());
  with_rate /= n, without_rate /= n, said_rate /= n, cited_rate /= n;
  for (size_t i = 0; i < 3; ++i)
    std::printf("Q: %s\n  gold %s | with retrieval: %s | without: %s | lacking sources: %s\n",
                held_out[i]->question.c_str(), held_out[i]->answer.c_str(), with[i].c_str(), without[i].c_str(),
                refusals[i].c_str());
  std::printf("held-out questions: %zu\nanswer with retrieval %.3f (with the right citation %.3f), without %.3f; "
              "says the sources lack it %.3f\n",
              held_out.size(), with_rate, cited_rate, without_rate, said_rate);

  // Dense retrieval: the tuned model made an embedding model on the training pairs.
  save_model(model, dir + "/tuned");
  tk.save_json(dir + "/tuned/tokenizer.json");
  io::write_text_atomic(dir + "/pairs.jsonl", embedding_pairs_jsonl(d.world));
  EmbedTrainCommand et;
  et.model_dir = dir + "/tuned";
  et.pairs_path = dir + "/pairs.jsonl";
  et.out_dir = dir + "/embed";
  et.train.steps = 300;
  et.train.batch = 64;
  et.train.lr = 1e-3;
  et.train.quiet = true;
  const EmbedRunResult er = run_embed_train(et);
  std::printf("embedding model: contrastive loss %.3f -> %.3f over %zu pairs\n", er.loss_before, er.loss_after, er.pairs);
  RagIndexOptions with_dense = bm25_only;
  with_dense.embed_model = dir + "/embed";
  RagIndex::create(dir + "/dense", docs, with_dense);
  const RagIndex dense(dir + "/dense");
  std::printf("%-8s %9s %9s\n", "mode", "recall@1", "recall@5");
  for (RetrievalMode m : {RetrievalMode::kBm25, RetrievalMode::kDense, RetrievalMode::kHybrid}) {
    const Recall r = recall(dense, held_out, m);
    std::printf("%-8s %9.3f %9.3f\n", std::string(retrieval_mode_name(m)).c_str(), r.at1, r.at5);
  }

  EXPECT_GE(with_rate, 0.8);
  EXPECT_LE(without_rate, 0.1);
  EXPECT_GE(said_rate, 0.8);
}
