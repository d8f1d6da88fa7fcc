// word2vec (src/models/word2vec/): one negative-sampling update equals one SGD step of
// PyTorch's autograd on the SGNS loss; the vocabulary, subsampling and negative table follow
// word2vec.c's definitions; vector files written in the text and binary formats are read
// back by an independent Python reader (tests/reference/word2vec.py) and by read_vectors,
// and a damaged file is a clear error; trained vectors put words that share contexts
// together; neighbours and analogies on hand-made vectors; the CLI end to end.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "core/error.h"
#include "io/atomic_file.h"
#include "models/word2vec/neighbors.h"
#include "models/word2vec/sgns.h"
#include "models/word2vec/train.h"
#include "models/word2vec/vectors.h"
#include "models/word2vec/vocab.h"
#include "support/oracle.h"

namespace lmf {
namespace {

using nlohmann::json;
namespace w2v = word2vec;

TEST(Word2Vec, SgnsUpdateEqualsTorchSgdStep) {
  for (const int64_t d : {37, 100}) {  // a SIMD tail, and the usual width
    const int64_t vocab = 23;
    const std::vector<int32_t> targets = {7, 2, 19, 0, 11, 5};  // positive, then 5 distinct negatives
    const Tensor h = Tensor::randn({d}, 1 + d, 0.5f);
    const Tensor out = Tensor::randn({vocab, d}, 2 + d, 0.5f);
    std::vector<float> u_rows;
    for (int32_t t : targets) u_rows.insert(u_rows.end(), out.f32() + t * d, out.f32() + (t + 1) * d);
    const Tensor u = Tensor::from_vector(u_rows, {(int64_t)targets.size(), d});
    const float lr = 0.3f;

    std::vector<float> out_new(out.f32(), out.f32() + vocab * d), grad(d, 0.0f);
    const float loss = w2v::sgns_update<true>(h.f32(), grad.data(), out_new.data(), targets.data(), (int)targets.size(), d, lr);

    const test::TensorMap ref = test::torch_ref("word2vec", "sgns_step", {{"h", h}, {"u", u}}, {{"lr", lr}});
    EXPECT_NEAR(loss, ref.at("loss").f32()[0], 1e-5 * std::abs(ref.at("loss").f32()[0])) << "d=" << d;
    EXPECT_LT(test::rel_error(Tensor::from_vector(grad, {d}), ref.at("grad_h")), 1e-5) << "d=" << d;
    std::vector<float> got_rows;
    for (int32_t t : targets) got_rows.insert(got_rows.end(), out_new.begin() + t * d, out_new.begin() + (t + 1) * d);
    EXPECT_LT(test::rel_error(Tensor::from_vector(got_rows, {(int64_t)targets.size(), d}), ref.at("u_new")), 1e-5) << "d=" << d;
    // rows that are not targets are untouched
    EXPECT_EQ(out_new[1 * d], out.f32()[1 * d]);
  }
}

TEST(Word2Vec, VocabularyAndSubsampling) {
  const w2v::Corpus c = w2v::corpus_from_text("b a c a\n b a rare\nc\n", 2, "t");
  const w2v::Vocab& v = c.vocab;
  ASSERT_EQ(v.words, (std::vector<std::string>{"</s>", "a", "b", "c"}));  // "rare" dropped; b before c: first seen
  EXPECT_EQ(v.counts, (std::vector<int64_t>{3, 3, 2, 2}));
  EXPECT_EQ(v.train_words, 10);
  EXPECT_EQ(c.ids, (std::vector<int32_t>{2, 1, 3, 1, 0, 2, 1, 0, 3, 0}));
  EXPECT_EQ(v.find("rare"), -1);
  // keep = sqrt(t/f) + t/f with f = count / train_words
  const std::vector<float> keep = w2v::keep_probabilities(v, 0.1);
  const double r = 0.1 * 10 / 3.0;
  EXPECT_NEAR(keep[1], std::sqrt(r) + r, 1e-6);
  EXPECT_EQ(w2v::keep_probabilities(v, 0)[1], 1.0f);
  // the table shares follow count^0.75
  const std::vector<int32_t> table = w2v::unigram_table(v, 100000);
  std::vector<double> share(v.size());
  for (int32_t t : table) share[t] += 1.0 / table.size();
  const double z = 2 * std::pow(3.0, 0.75) + 2 * std::pow(2.0, 0.75);
  for (int i = 0; i < v.size(); ++i) EXPECT_NEAR(share[i], std::pow((double)v.counts[i], 0.75) / z, 1e-3) << i;
  EXPECT_THROW(w2v::corpus_from_text("a b c", 2, "t"), FormatError);
}

// Two topics whose words never meet: each word's nearest neighbours are from its own topic.
std::string two_topic_text(int sentences) {
  const std::vector<std::string> a = {"cat", "dog", "horse", "cow", "sheep", "goat"};
  const std::vector<std::string> b = {"red", "blue", "green", "yellow", "black", "white"};
  std::mt19937 g(3);
  std::string s;
  for (int i = 0; i < sentences; ++i) {
    const auto& t = i % 2 ? a : b;
    for (int k = 0; k < 8; ++k) s += t[g() % t.size()] + (k < 7 ? " " : "\n");
  }
  return s;
}

TEST(Word2Vec, TrainedVectorsGroupWordsThatShareContexts) {
  const w2v::Corpus c = w2v::corpus_from_text(two_topic_text(1500), 1, "t");
  for (const w2v::Arch arch : {w2v::Arch::kSkipGram, w2v::Arch::kCbow}) {
    w2v::TrainOptions opt;
    opt.arch = arch;
    opt.dim = 16;
    opt.epochs = 3;
    opt.sample = 0;
    const w2v::Model m = w2v::train(c, opt);
    const w2v::Model again = w2v::train(c, opt);
    EXPECT_EQ(m.input, again.input) << "one thread, one seed: the same vectors";
    w2v::Vectors vs;
    vs.words = m.vocab.words;
    vs.dim = m.dim;
    vs.data = m.input;
    for (int32_t i = 0; i < (int32_t)vs.words.size(); ++i) vs.index[vs.words[i]] = i;
    const w2v::NeighborIndex index(std::move(vs));
    for (const char* w : {"cat", "goat", "red", "white"}) {
      const bool animal = std::string("cat goat").find(w) != std::string::npos;
      for (const w2v::Neighbor& n : index.nearest(w, 5)) {
        const bool n_animal = std::string("cat dog horse cow sheep goat").find(n.word) != std::string::npos;
        EXPECT_EQ(animal, n_animal) << w2v::arch_name(arch) << ": " << w << " -> " << n.word;
      }
    }
  }
}

TEST(Word2Vec, FilesReadByAnIndependentReader) {
  const std::string dir = test::temp_dir();
  const std::vector<std::string> words = {"</s>", "the", "naïve", "x-1"};
  const int64_t d = 5;
  const Tensor data = Tensor::randn({4, d}, 9, 1.0f);
  data.f32()[3] = 1e-30f;  // a subnormal-adjacent value and an exact one survive the text form
  data.f32()[4] = -0.1f;
  w2v::write_text(dir + "/v.txt", words, data.f32(), d);
  w2v::write_binary(dir + "/v.bin", words, data.f32(), d);
  for (const char* kind : {"text", "binary"}) {
    const std::string path = dir + (std::string(kind) == "text" ? "/v.txt" : "/v.bin");
    std::string out;
    ASSERT_EQ(test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/word2vec.py") + " read " + kind +
                                    " " + path,
                                &out),
              0);
    const json j = json::parse(out);
    EXPECT_EQ(j["words"].get<std::vector<std::string>>(), words) << kind;
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t k = 0; k < d; ++k) EXPECT_EQ((float)j["vectors"][i][k].get<double>(), data.f32()[i * d + k]) << kind;
    const w2v::Vectors v = w2v::read_vectors(path);
    EXPECT_EQ(v.words, words);
    EXPECT_EQ(v.data, std::vector<float>(data.f32(), data.f32() + 4 * d)) << kind;
  }
  // damaged files: a clear error naming the file and the record
  const std::string bin = io::read_file(dir + "/v.bin");
  io::write_text_atomic(dir + "/cut.bin", bin.substr(0, bin.size() - 9));
  try {
    w2v::read_vectors(dir + "/cut.bin");
    FAIL() << "a truncated file was read";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.bin: word 4"), std::string::npos) << e.what();
  }
  io::write_text_atomic(dir + "/bad.txt", "2 3\na 1 2 3\nb 1 x 3\n");
  EXPECT_THROW(w2v::read_vectors(dir + "/bad.txt"), FormatError);
  EXPECT_THROW(w2v::write_text(dir + "/w.txt", {"two words"}, data.f32(), d), Error);
}

TEST(Word2Vec, NeighboursAndAnalogyOnHandMadeVectors) {
  w2v::Vectors v;
  v.dim = 3;
  v.words = {"man", "king", "woman", "queen", "apple"};
  v.data = {1, 0, 0, /*king*/ 2, 2, 0, /*woman*/ 0, 0, 1, /*queen*/ 0, 1, 1, /*apple*/ -1, 0, 0.2f};
  for (int32_t i = 0; i < 5; ++i) v.index[v.words[i]] = i;
  const w2v::NeighborIndex index(std::move(v));
  const std::vector<w2v::Neighbor> n = index.nearest("man", 4);
  ASSERT_EQ(n.size(), 4u);
  EXPECT_EQ(n[0].word, "king");
  EXPECT_NEAR(n[0].similarity, 1 / std::sqrt(2.0), 1e-6);
  EXPECT_EQ(n[3].word, "apple");
  const std::vector<w2v::Neighbor> a = index.analogy("man", "king", "woman", 1);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].word, "queen");
  // q = normalised(king) - man + woman = (1/sqrt2 - 1, 1/sqrt2, 1), normalised; cos with queen
  const double q0 = 1 / std::sqrt(2.0) - 1, q1 = 1 / std::sqrt(2.0), q2 = 1;
  EXPECT_NEAR(a[0].similarity, (q1 + q2) / std::sqrt(2.0) / std::sqrt(q0 * q0 + q1 * q1 + q2 * q2), 1e-6);
  EXPECT_THROW(index.nearest("pear", 3), Error);
}

TEST(Word2Vec, CommandLine) {
  const std::string bin = LMFORGE_BINARY, dir = test::temp_dir();
  io::write_text_atomic(dir + "/c.txt", two_topic_text(600));
  ASSERT_EQ(test::run_command(bin + " train --arch word2vec --data " + dir + "/c.txt --out " + dir +
                              "/m --model cbow --dim 12 --epochs 2 --min-count 1 --threads 2 --quiet 2>/dev/null"),
            0);
  const json info = json::parse(io::read_file(dir + "/m/word2vec.json"));
  EXPECT_EQ(info["model"], "cbow");
  EXPECT_EQ(info["vocab_size"], 13);
  const w2v::Vectors t = w2v::read_vectors(dir + "/m/vectors.txt"), b = w2v::read_vectors(dir + "/m/vectors.bin");
  EXPECT_EQ(t.words, b.words);
  EXPECT_EQ(t.data, b.data);
  EXPECT_EQ(t.dim, 12);
  std::string out;
  ASSERT_EQ(test::run_command(bin + " word2vec neighbors --vectors " + dir + "/m/vectors.bin --word cat -k 3 --json", &out), 0);
  const json n = json::parse(out);
  ASSERT_EQ(n.size(), 3u);
  EXPECT_TRUE(n[0].contains("word") && n[0].contains("similarity"));
  std::string lines;
  ASSERT_EQ(test::run_command(bin + " word2vec analogy --vectors " + dir + "/m/vectors.txt cat dog red -k 2", &lines), 0);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 2) << lines;
  EXPECT_EQ(test::run_command(bin + " word2vec neighbors --vectors " + dir + "/m/vectors.txt --word zebra 2>/dev/null"), 1);
  EXPECT_EQ(test::run_command(bin + " train --arch word2vec --data " + dir + "/c.txt --out " + dir +
                              "/m2 --model glove 2>/dev/null"),
            2);
}

}  // namespace
}  // namespace lmf
