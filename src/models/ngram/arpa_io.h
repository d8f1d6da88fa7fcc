// ARPA back-off n-gram files (the format of SRILM, IRSTLM and KenLM), written and read.
//
//   \data\            (then one count line per order)
//   ngram 1=COUNT
//   ...
//   \1-grams:
//   LOG10_PROB <tab> WORD [<tab> LOG10_BACKOFF]
//   ...
//   \N-grams:
//   LOG10_PROB <tab> W1 .. WN
//   \end\             (the end of the file)
//
// The writer lists unigrams in vocabulary-id order and each order's n-grams sorted by
// their word ids (IRSTLM's loader needs the n-grams that share a context together and
// in its dictionary's order), probabilities and back-off weights with 7 significant
// digits; a back-off weight of 0 (log10 of 1) is left out. The file is written
// atomically.
//
// The reader skips anything before \data\ and blank lines; fields may be separated by
// tabs or spaces. A malformed file -- a missing section, a count in \data\ that disagrees
// with its section, a line with the wrong number of fields or a number that does not
// parse, a word not listed among the unigrams, a repeated n-gram, text after \end\ --
// is a FormatError naming FILE:LINE.
#pragma once
#include <string>

#include "models/ngram/ngram_model.h"

namespace lmf::ngram {

void write_arpa(const std::string& path, const NgramModel& model);
NgramModel read_arpa(const std::string& path);

}  // namespace lmf::ngram
