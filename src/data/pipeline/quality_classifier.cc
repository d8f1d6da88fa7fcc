#include "data/pipeline/quality_classifier.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/error.h"
#include "core/tensor.h"
#include "data/pipeline/reader.h"
#include "data/pipeline/words.h"
#include "io/safetensors.h"

namespace lmf::data::pipeline {

HashedLinearClassifier::HashedLinearClassifier(int64_t buckets, int classes, int word_ngrams)
    : buckets_(buckets), classes_(classes), word_ngrams_(word_ngrams) {
  if (buckets < 1 || classes < 2 || word_ngrams < 1)
    throw Error("classifier: buckets, classes (>= 2) and word_ngrams must be positive");
  weight_.assign(size_t(classes) * size_t(buckets), 0.0f);
  bias_.assign(size_t(classes), 0.0f);
}

void HashedLinearClassifier::features(std::string_view text, std::vector<uint32_t>& out) const {
  thread_local std::vector<uint64_t> words;
  word_hashes(text, words);
  out.clear();
  const uint64_t b = uint64_t(buckets_);
  const bool pow2 = (b & (b - 1)) == 0;  // x % b as a mask (2^20 by default): no division per feature
  auto bucket = [&](uint64_t x) { return uint32_t(pow2 ? x & (b - 1) : x % b); };
  for (int n = 1; n <= word_ngrams_; ++n)
    for (size_t i = 0; i + size_t(n) <= words.size(); ++i)
      out.push_back(bucket(n == 1 ? words[i] : ngram_hash(&words[i], n)));
}

void HashedLinearClassifier::probabilities(const std::vector<uint32_t>& feats, float* p) const {
  const float inv = feats.empty() ? 0.0f : 1.0f / float(feats.size());
  float mx = -INFINITY;
  int k = 0;
  for (; k + 2 <= classes_; k += 2) {  // two classes' rows per pass over the features (the same sums)
    const float* w0 = weight_.data() + size_t(k) * size_t(buckets_);
    const float* w1 = w0 + size_t(buckets_);
    float z0 = 0, z1 = 0;
    for (uint32_t f : feats) z0 += w0[f], z1 += w1[f];
    p[k] = bias_[size_t(k)] + z0 * inv;
    p[k + 1] = bias_[size_t(k + 1)] + z1 * inv;
    mx = std::max(mx, std::max(p[k], p[k + 1]));
  }
  for (; k < classes_; ++k) {
    const float* w = weight_.data() + size_t(k) * size_t(buckets_);
    float z = 0;
    for (uint32_t f : feats) z += w[f];
    p[k] = bias_[size_t(k)] + z * inv;
    mx = std::max(mx, p[k]);
  }
  float sum = 0;
  for (int k = 0; k < classes_; ++k) sum += p[k] = std::exp(p[k] - mx);
  for (int k = 0; k < classes_; ++k) p[k] /= sum;
}

float HashedLinearClassifier::score(std::string_view text) const {
  thread_local std::vector<uint32_t> feats;
  features(text, feats);
  float p[16];
  std::vector<float> big;
  float* probs = p;
  if (classes_ > 16) big.resize(size_t(classes_)), probs = big.data();
  probabilities(feats, probs);
  return probs[1];
}

void HashedLinearClassifier::save(const std::string& path) const {
  io::save_safetensors(path,
                       {{"weight", Tensor::from_vector(weight_, {classes_, buckets_})},
                        {"bias", Tensor::from_vector(bias_, {classes_})}},
                       {{"format", "lmforge-hashed-linear"},
                        {"labels", "negative,positive"},
                        {"buckets", std::to_string(buckets_)},
                        {"word_ngrams", std::to_string(word_ngrams_)}});
}

HashedLinearClassifier HashedLinearClassifier::load(const std::string& path) {
  auto f = io::SafetensorsFile::open(path);
  auto meta = f.metadata();
  if (meta["format"] != "lmforge-hashed-linear" || !f.contains("weight") || !f.contains("bias"))
    throw FormatError(path + ": not a classifier model (format lmforge-hashed-linear with weight and bias)");
  const Shape& ws = f.shape("weight");
  if (ws.ndim() != 2 || f.shape("bias").ndim() != 1 || f.shape("bias")[0] != ws[0])
    throw FormatError(path + ": weight must be (classes, buckets) and bias (classes)");
  int ngrams = 2;
  try {
    ngrams = std::stoi(meta["word_ngrams"]);
  } catch (const std::exception&) {
    throw FormatError(path + ": metadata word_ngrams missing or not a number");
  }
  HashedLinearClassifier m(ws[1], int(ws[0]), ngrams);
  m.weight_ = f.get("weight").to_vector();
  m.bias_ = f.get("bias").to_vector();
  return m;
}

HashedLinearClassifier train_classifier(const std::vector<std::string>& texts, const std::vector<int>& labels,
                                        const ClassifierTrainOptions& o) {
  if (texts.size() != labels.size() || texts.empty()) throw Error("classifier train: no examples");
  HashedLinearClassifier m(o.buckets, 2, o.word_ngrams);
  std::vector<std::vector<uint32_t>> feats(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) m.features(texts[i], feats[i]);
  std::vector<size_t> order(texts.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(o.seed);
  const int64_t total = int64_t(o.epochs) * int64_t(texts.size());
  int64_t step = 0;
  float p[2];
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t i : order) {
      const float lr = o.lr * (1.0f - float(step++) / float(total));
      const auto& f = feats[i];
      m.probabilities(f, p);
      const float inv = f.empty() ? 0.0f : 1.0f / float(f.size());
      for (int k = 0; k < 2; ++k) {
        const float g = p[k] - (labels[i] == k ? 1.0f : 0.0f);  // dLoss/dz_k
        float* w = m.weight(k);
        for (uint32_t b : f) w[b] -= lr * g * inv;
        m.bias()[k] -= lr * g;
      }
    }
  }
  return m;
}

HashedLinearClassifier train_classifier_on_files(const std::vector<std::string>& positive,
                                                 const std::vector<std::string>& negative,
                                                 const std::string& text_field, const ClassifierTrainOptions& o,
                                                 ClassifierTrainReport* report) {
  std::vector<std::string> texts = read_texts(positive, text_field);
  const size_t n_pos = texts.size();
  for (auto& t : read_texts(negative, text_field)) texts.push_back(std::move(t));
  if (n_pos == 0 || n_pos == texts.size()) throw Error("classifier train: need both positive and negative documents");
  std::vector<int> labels(texts.size(), 0);
  std::fill(labels.begin(), labels.begin() + long(n_pos), 1);
  HashedLinearClassifier model = train_classifier(texts, labels, o);
  if (report) {
    size_t correct = 0;
    for (size_t i = 0; i < texts.size(); ++i) correct += (model.score(texts[i]) >= 0.5f) == (labels[i] == 1);
    *report = {n_pos, texts.size() - n_pos, double(correct) / double(texts.size())};
  }
  return model;
}

}  // namespace lmf::data::pipeline
