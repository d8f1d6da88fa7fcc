// A fastText-style linear text classifier (Joulin et al., 2017) used for quality
// filtering: the features of a text are its words and word bigrams (data/pipeline/words.h),
// hashed into `buckets` rows; the text's representation is the mean of their rows,
// and a softmax over classes gives the probabilities. Here the rows are the class weights
// directly (fastText with its hidden dimension equal to the number of classes), so
//
//   z_k = bias_k + (1/F) Σ_f weight[k, bucket(f)]    p = softmax(z)
//
// Classes: 0 = negative, 1 = positive; score() is p_1.
//
// Files are safetensors: "weight" (classes, buckets) and "bias" (classes) in F32, with
// metadata format = "lmforge-hashed-linear", labels, buckets and word_ngrams.
//
// This is the model alone: `lmforge data classifier train` trains it (train_classifier
// below) and the pipeline's `classify` stage (classify_stage.h) applies it.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lmf::data::pipeline {

class HashedLinearClassifier {
 public:
  HashedLinearClassifier(int64_t buckets = int64_t(1) << 20, int classes = 2, int word_ngrams = 2);
  static HashedLinearClassifier load(const std::string& path);  // FormatError naming the file
  void save(const std::string& path) const;

  // Feature buckets of a text (words, then word n-grams up to word_ngrams), into `out`.
  void features(std::string_view text, std::vector<uint32_t>& out) const;
  // Class probabilities of a text's features; probs has classes() entries.
  void probabilities(const std::vector<uint32_t>& feats, float* probs) const;
  // p(positive | text).
  float score(std::string_view text) const;

  int64_t buckets() const { return buckets_; }
  int classes() const { return classes_; }
  float* weight(int k) { return weight_.data() + size_t(k) * size_t(buckets_); }  // row k: (buckets)
  float* bias() { return bias_.data(); }

 private:
  int64_t buckets_;
  int classes_, word_ngrams_;
  std::vector<float> weight_;  // (classes, buckets)
  std::vector<float> bias_;    // (classes)
};

struct ClassifierTrainOptions {
  int64_t buckets = int64_t(1) << 20;
  int word_ngrams = 2;
  int epochs = 10;
  float lr = 2.0f;  // decays linearly to 0 over training, as fastText
  uint64_t seed = 1;
};

// SGD on the cross-entropy of labeled texts (label 0 or 1), examples shuffled every epoch.
HashedLinearClassifier train_classifier(const std::vector<std::string>& texts, const std::vector<int>& labels,
                                        const ClassifierTrainOptions& o);

struct ClassifierTrainReport {
  size_t positive = 0, negative = 0;  // documents read
  double accuracy = 0;                // on the training documents, score >= 0.5 meaning positive
};

// train_classifier on the documents of files and folders (reader.h's read_texts: a JSONL
// document's string field `text_field`, a text file whole): label 1 for `positive`, 0 for
// `negative`. Error when either side holds no document.
HashedLinearClassifier train_classifier_on_files(const std::vector<std::string>& positive,
                                                 const std::vector<std::string>& negative,
                                                 const std::string& text_field, const ClassifierTrainOptions& o,
                                                 ClassifierTrainReport* report = nullptr);

}  // namespace lmf::data::pipeline
