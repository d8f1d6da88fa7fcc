#include "models/ngram/scoring.h"

#include <cmath>
#include <filesystem>

namespace lmf::ngram {

double CorpusScore::perplexity() const { return scored ? std::pow(10.0, -log10_prob / double(scored)) : 0.0; }

double CorpusScore::bits_per_byte() const { return bytes ? -log10_prob * std::log2(10.0) / double(bytes) : 0.0; }

CorpusScore score_corpus(const NgramModel& model, const CorpusFile& file, bool per_token) {
  CorpusScore r;
  Vocabulary vocab = model.vocab;  // read only: grow is off
  const bool has_unk = model.has_unigram(kUnk);
  std::vector<WordId> context;
  const CorpusStats st = for_each_sentence(file, vocab, false, [&](std::span<const WordId> ids) {
    context.assign(1, kBos);
    auto predict = [&](WordId w) {
      if (!model.has_unigram(w) && !(w == kUnk && has_unk)) {
        ++r.skipped;
      } else {
        int matched = 0;
        const double lp = model.log10_prob(context, w, &matched);
        r.log10_prob += lp;
        ++r.scored;
        if (per_token) r.tokens.push_back({model.vocab.word(w), lp, matched});
      }
      context.push_back(w);
      if (context.size() > size_t(kMaxOrder)) context.erase(context.begin());
    };
    for (WordId w : ids) predict(w);
    predict(kEos);
  });
  r.sentences = st.sentences;
  r.words = st.words;
  r.oov = st.oov;
  if (file.unit == Unit::Word) r.bytes = int64_t(std::filesystem::file_size(file.path));
  return r;
}

}  // namespace lmf::ngram
