// Interpolated modified Kneser-Ney estimation (Chen & Goodman 1998, "An Empirical Study of
// Smoothing Techniques for Language Modeling", sections 3.5 and 4.1.6).
//
// For each order n, from the adjusted counts a(g) of that order (counts.h) and their
// count-of-counts n_k (the number of n-grams with a(g) = k; n_4 for the D3+ estimate):
//
//   Y = n1 / (n1 + 2 n2),   D1 = 1 - 2Y n2/n1,   D2 = 2 - 3Y n3/n2,   D3+ = 3 - 4Y n4/n3
//
//   p(w | h) = max(a(hw) - D(a(hw)), 0) / S(h)  +  gamma(h) p(w | h')
//   gamma(h) = (D1 N1(h.) + D2 N2(h.) + D3+ N3+(h.)) / S(h)
//
// where S(h) is the sum of a(hw) over w, N_k(h.) the number of words w with a(hw) = k
// (N3+: three or more), h' the context h without its oldest word, and D(a) is D1, D2 or
// D3+ for a = 1, 2, >= 3. The recursion ends at the uniform distribution over the
// vocabulary: p(w | empty) interpolates with 1 / |V|, |V| the words a model can predict
// (every word seen, </s> and <unk>; not <s>). A context never seen (S(h) = 0) has
// p(w | h) = p(w | h').
//
// A zero count-of-counts, or a discount outside (0, k] for D_k, means the estimates are
// undefined for that order (too little data, or a small vocabulary whose words all have
// many distinct predecessors). That order then uses KenLM's fallback discounts
// D1 = 0.5, D2 = 1, D3+ = 1.5, and says so (OrderDiscounts::fallback).
//
// The result is an NgramModel whose tables hold every counted n-gram with its
// interpolated probability and gamma(h) as the back-off weight of context h, so the ARPA
// back-off rule reproduces the interpolated model exactly. <s> has the unigram log10
// probability -99 (ARPA convention: never predicted).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/ngram/counts.h"
#include "models/ngram/ngram_model.h"

namespace lmf::ngram {

struct OrderDiscounts {
  std::array<uint64_t, 4> count_of_counts{};  // n1 .. n4
  std::array<double, 3> d{};                  // D1, D2, D3+
  bool fallback = false;                       // the estimates were undefined: kFallbackDiscounts
  std::string why;                             // why, when fallback
};

inline constexpr std::array<double, 3> kFallbackDiscounts = {0.5, 1.0, 1.5};

// Chen & Goodman's estimates from n1..n4, or the fallback for the degenerate cases above
// (`order` only names the order in `why`).
OrderDiscounts modified_kneser_ney_discounts(const std::array<uint64_t, 4>& count_of_counts, int order);

struct KneserNeyModel {
  NgramModel model;
  std::vector<OrderDiscounts> discounts;  // [n - 1]: order n
};

// `vocab` holds every word of the counts (and the reserved symbols).
KneserNeyModel estimate_kneser_ney(const NgramCounts& counts, const Vocabulary& vocab);

}  // namespace lmf::ngram
