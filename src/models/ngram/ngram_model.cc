#include "models/ngram/ngram_model.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace lmf::ngram {

Key make_key(std::span<const WordId> words) {
  Key k{};
  std::copy(words.begin(), words.end(), k.begin());
  return k;
}

int64_t NgramTable::find(const Key& k) const {
  auto it = std::lower_bound(keys.begin(), keys.end(), k);
  return it != keys.end() && *it == k ? int64_t(it - keys.begin()) : -1;
}

void NgramTable::sort() {
  std::vector<size_t> perm(keys.size());
  std::iota(perm.begin(), perm.end(), size_t(0));
  std::sort(perm.begin(), perm.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  auto gather = [&](auto& v) {
    auto old = v;
    for (size_t i = 0; i < perm.size(); ++i) v[i] = old[perm[i]];
  };
  gather(keys);
  gather(log10_prob);
  gather(log10_backoff);
}

double NgramModel::log10_prob(std::span<const WordId> context, WordId w, int* matched) const {
  const size_t n = std::min(context.size(), size_t(order() - 1));
  const std::span<const WordId> ctx = context.subspan(context.size() - n);
  double backoff = 0;
  for (size_t k = n + 1; k-- > 0;) {
    Key g{};
    std::copy(ctx.end() - k, ctx.end(), g.begin());
    g[k] = w;
    const int64_t i = tables[k].find(g);
    if (i >= 0) {
      if (matched) *matched = int(k + 1);
      return backoff + tables[k].log10_prob[size_t(i)];
    }
    if (k > 0) {
      g[k] = 0;
      const int64_t j = tables[k - 1].find(g);
      if (j >= 0) backoff += tables[k - 1].log10_backoff[size_t(j)];
    }
  }
  if (matched) *matched = 0;
  return -std::numeric_limits<double>::infinity();
}

bool NgramModel::has_unigram(WordId w) const { return !tables.empty() && tables[0].find(make_key({&w, 1})) >= 0; }

}  // namespace lmf::ngram
