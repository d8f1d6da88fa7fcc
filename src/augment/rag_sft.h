// Instruction data for answering from retrieved sources (`lmforge data rag-sft`): questions
// about the invented countries of augment/fact_world.h, each with the sources a real BM25
// retrieval index returns for it, and the reply a grounded model should give.
//
// An example is one chat conversation in the form `lmforge finetune` reads
// (finetune/instruction_data.h):
//   {"messages": [{"role": "user", "content": grounded_prompt(question, sources)},
//                 {"role": "assistant", "content": "ANSWER [n]"}],
//    "question_id": "...", "source_ids": ["...", ...], "answer_source": n, "kind": "..."}
// where n is the number of the source that holds the answer, or, in a negative example
// (about `negative_fraction` of them), reply kNotInSources and answer_source 0. The
// extra fields say where the example came from; finetune ignores them.
//
// Sources: the documents go into an augment::RagIndex (default chunking, BM25 k1 1.2,
// b 0.75: what `lmforge rag index --docs DOCS.jsonl` builds) and the question is run
// against it in bm25 mode, as `generate --rag` does at run time:
//   positive  the k best chunks; when the answer's chunk is not among them it replaces
//             the k-th; in `shuffled_fraction` of the positives the k sources are then put
//             in a random order, so the answer is not always at the top;
//   negative  the k best chunks of those that do not contain the answer as a word (the
//             answer's own chunk among them), in retrieval order.
//
// Splits: `train` asks only about training countries, with an index over their documents
// alone: a held-out country's name, facts or documents never appear in it. `test` holds,
// for every question about a held-out country, one example of each kind below, with
// sources from an index over every document (the index a user builds from docs.jsonl):
//   retrieved  the k best chunks as retrieved, in retrieval order: exactly the prompt of
//              `generate --rag INDEX --rag-k k`; the reply cites the answer's source, or
//              is kNotInSources when retrieval missed it;
//   negative   as above.
// Training examples are of kind "positive" or "negative".
//
// Embedding pairs (for `lmforge embed train --pairs`): for every training question
// {"anchor": question, "positive": its document's text, "negative": another document of
// the same country}.
//
// Deterministic in the options (seed included).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "augment/fact_world.h"

namespace lmf::augment {

struct RagSftOptions {
  FactWorldOptions world;
  int64_t examples = 6000;         // training examples
  double negative_fraction = 0.25;  // of the training examples, drawn per example
  double shuffled_fraction = 0.5;   // of the positive examples
  int k = 4;                        // sources per example
};

struct RagExample {
  std::string question_id;
  std::string prompt, reply;
  std::vector<std::string> source_ids;  // [n-1]: the document of source n
  int answer_source = 0;                // 1..k; 0 when the sources lack the answer
  std::string kind;                     // "positive", "negative" or "retrieved"
};

struct RagSftData {
  FactWorld world;
  std::vector<RagExample> train, test;
};

// Error for options out of range (examples < 1, a fraction outside [0, 1], k < 1), or
// when the training countries' documents are too few to fill k sources.
RagSftData make_rag_sft(const RagSftOptions& o);

// One JSON line (no newline) per item, in the forms documented above and in
// docs/cli.md: an example; a document {"id","text"}; a question
// {"id","question","answer","doc","split"} (split "train" or "held_out").
std::string example_json(const RagExample& e);
std::string documents_jsonl(const FactWorld& w);
std::string questions_jsonl(const FactWorld& w);
std::string examples_jsonl(const std::vector<RagExample>& xs);
std::string embedding_pairs_jsonl(const FactWorld& w);

// What `lmforge data rag-sft` writes, each file atomically: OUT/train.jsonl and
// OUT/test.jsonl (examples), OUT/pairs.jsonl (embedding pairs), the documents to `docs_path` and the questions to
// `questions_path` (empty: OUT/docs.jsonl, OUT/questions.jsonl).
void write_rag_sft(const RagSftData& d, const std::string& out_dir, std::string docs_path = "",
                   std::string questions_path = "");

}  // namespace lmf::augment
