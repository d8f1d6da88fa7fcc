#include "models/ngram/kneser_ney.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"

namespace lmf::ngram {

OrderDiscounts modified_kneser_ney_discounts(const std::array<uint64_t, 4>& n, int order) {
  OrderDiscounts r;
  r.count_of_counts = n;
  auto fallback = [&](const std::string& why) {
    r.d = kFallbackDiscounts;
    r.fallback = true;
    r.why = "order " + std::to_string(order) + ": " + why + " (n1..n4 = " + std::to_string(n[0]) + ", " +
            std::to_string(n[1]) + ", " + std::to_string(n[2]) + ", " + std::to_string(n[3]) + ")";
    return r;
  };
  for (size_t k = 0; k < 4; ++k)
    if (n[k] == 0) return fallback("no n-gram counted " + std::to_string(k + 1) + " times");
  const double n1 = double(n[0]), n2 = double(n[1]), n3 = double(n[2]), n4 = double(n[3]);
  const double y = n1 / (n1 + 2 * n2);
  r.d = {1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3};
  for (size_t k = 0; k < 3; ++k)
    if (!(r.d[k] > 0 && r.d[k] <= double(k + 1))) {
      static const char* const kNames[] = {"D1", "D2", "D3+"};
      std::string why = kNames[k];
      why += " = ";
      why += std::to_string(r.d[k]);
      why += " is outside (0, ";
      why += std::to_string(k + 1);
      why += "]";
      return fallback(why);
    }
  return r;
}

namespace {

double discount(const OrderDiscounts& d, uint64_t a) { return a == 0 ? 0 : d.d[size_t(std::min<uint64_t>(a, 3) - 1)]; }

}  // namespace

KneserNeyModel estimate_kneser_ney(const NgramCounts& counts, const Vocabulary& vocab) {
  const int order = counts.order;
  KneserNeyModel out;
  out.model.vocab = vocab;
  out.model.tables.resize(size_t(order));
  std::vector<std::vector<double>> prob(static_cast<size_t>(order));  // linear interpolated p, per table entry

  for (int n = 1; n <= order; ++n) {
    const CountTable& adj = counts.adjusted[size_t(n - 1)];
    std::array<uint64_t, 4> coc{};
    for (uint64_t a : adj.counts)
      if (a >= 1 && a <= 4) ++coc[size_t(a - 1)];
    if (n == 1 && adj.keys.empty()) throw Error("modified Kneser-Ney: the training data has no words");
    out.discounts.push_back(modified_kneser_ney_discounts(coc, n));
    const OrderDiscounts& d = out.discounts.back();

    NgramTable& t = out.model.tables[size_t(n - 1)];
    std::vector<double>& p = prob[size_t(n - 1)];
    // Order 1 predicts every word but <s>, counted or not.
    std::vector<Key> keys;
    std::vector<uint64_t> a;
    if (n == 1) {
      std::vector<uint64_t> by_id(vocab.size(), 0);
      for (size_t i = 0; i < adj.keys.size(); ++i) by_id[adj.keys[i][0]] = adj.counts[i];
      for (WordId w = 0; w < vocab.size(); ++w) {
        if (w == kBos) continue;
        keys.push_back(make_key({&w, 1}));
        a.push_back(by_id[w]);
      }
    } else {
      keys = adj.keys;
      a = adj.counts;
    }
    t.keys = keys;
    t.log10_prob.assign(keys.size(), 0);
    t.log10_backoff.assign(keys.size(), 0);
    p.assign(keys.size(), 0);
    const double uniform = 1.0 / double(vocab.size() - 1);
    // Entries with the same context (first n-1 words) are adjacent: keys are sorted.
    for (size_t i = 0; i < keys.size();) {
      size_t j = i;
      auto same_context = [&](size_t x) {
        return std::equal(keys[x].begin(), keys[x].begin() + n - 1, keys[i].begin());
      };
      double total = 0;
      std::array<double, 3> nk{};
      for (; j < keys.size() && same_context(j); ++j) {
        total += double(a[j]);
        if (a[j] > 0) nk[size_t(std::min<uint64_t>(a[j], 3) - 1)] += 1;
      }
      const double gamma = (d.d[0] * nk[0] + d.d[1] * nk[1] + d.d[2] * nk[2]) / total;
      for (size_t x = i; x < j; ++x) {
        double lower = uniform;
        if (n > 1) {
          Key s{};
          std::copy(keys[x].begin() + 1, keys[x].begin() + n, s.begin());
          const int64_t li = out.model.tables[size_t(n - 2)].find(s);
          if (li < 0) throw Error("modified Kneser-Ney: an n-gram whose lower order is missing (internal inconsistency)");
          lower = prob[size_t(n - 2)][size_t(li)];
        }
        p[x] = std::max(double(a[x]) - discount(d, a[x]), 0.0) / total + gamma * lower;
        t.log10_prob[x] = std::log10(p[x]);
      }
      if (n > 1) {
        Key h{};
        std::copy(keys[i].begin(), keys[i].begin() + n - 1, h.begin());
        NgramTable& lower_table = out.model.tables[size_t(n - 2)];
        const int64_t hi = lower_table.find(h);
        if (hi < 0) throw Error("modified Kneser-Ney: a context missing from the lower order (internal inconsistency)");
        lower_table.log10_backoff[size_t(hi)] = std::log10(gamma);
      }
      i = j;
    }
    if (n == 1) {
      // <s>: never predicted; present as a context for its back-off weight.
      t.keys.push_back(make_key({&kBos, 1}));
      t.log10_prob.push_back(-99);
      t.log10_backoff.push_back(0);
      p.push_back(0);
      // Keep prob[] aligned with the sorted table.
      std::vector<size_t> perm(t.keys.size());
      for (size_t x = 0; x < perm.size(); ++x) perm[x] = x;
      std::sort(perm.begin(), perm.end(), [&](size_t u, size_t v) { return t.keys[u] < t.keys[v]; });
      std::vector<double> sorted_p(p.size());
      for (size_t x = 0; x < perm.size(); ++x) sorted_p[x] = p[perm[x]];
      p = std::move(sorted_p);
      t.sort();
    }
  }
  return out;
}

}  // namespace lmf::ngram
