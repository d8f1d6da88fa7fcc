#include "models/ngram/perplexity.h"

#include "core/error.h"
#include "models/ngram/model_dir.h"

namespace lmf::ngram {

NgramPerplexity ngram_perplexity(const NgramPerplexityOptions& o) {
  if (o.text.empty() == o.shard.empty()) throw Error("give one of a text file or a token shard to score");
  const NgramModelFiles m = load_ngram(o.model);
  const Unit unit = o.text.empty() ? Unit::Token : Unit::Word;
  if (!m.config.empty() && m.unit != unit)
    throw Error(o.model + " is a " + unit_name(m.unit) + " model: score " +
                (m.unit == Unit::Word ? "a text file (--text)" : "a token shard (--shard)") + " with it");
  CorpusFile file;
  if (unit == Unit::Word) {
    file.path = o.text;
    if (is_token_shard(file.path)) throw Error(file.path + " is a token shard, not text (score it with --shard)");
  } else {
    int64_t eot = o.eot_id;
    if (eot == kEotFromMeta && !m.config.empty()) eot = m.eot_id;
    file = resolve_corpus(o.shard, eot);
    if (file.unit != Unit::Token) throw Error(o.shard + " is not a token shard");
  }
  NgramPerplexity r;
  r.order = m.model.order();
  r.unit = unit;
  r.corpus = file.path;
  r.score = score_corpus(m.model, file, o.per_token);
  return r;
}

}  // namespace lmf::ngram
