#include "models/ngram/train.h"

#include <chrono>
#include <filesystem>

#include "core/error.h"
#include "io/atomic_file.h"
#include "io/output_dir.h"
#include "models/ngram/counts.h"
#include "models/ngram/model_dir.h"

namespace lmf::ngram {

namespace fs = std::filesystem;

CorpusFile resolve_corpus(const std::string& path, int64_t eot_id) {
  CorpusFile f;
  f.path = fs::is_directory(path) ? (fs::path(path) / "train.bin").string() : path;
  if (!fs::exists(f.path)) throw FormatError(f.path + ": no such file");
  f.unit = is_token_shard(f.path) ? Unit::Token : Unit::Word;
  f.eot_id = -1;
  if (f.unit == Unit::Token) {
    if (eot_id != kEotFromMeta) {
      f.eot_id = eot_id;
    } else {
      const fs::path meta = fs::path(f.path).parent_path() / "meta.json";
      if (fs::exists(meta)) {
        nlohmann::json j;
        try {
          j = nlohmann::json::parse(io::read_file(meta.string()));
        } catch (const nlohmann::json::exception& e) {
          throw FormatError(meta.string() + ": not valid JSON: " + e.what());
        }
        if (j.contains("eot_id")) {
          if (!j["eot_id"].is_number_integer()) throw FormatError(meta.string() + ": eot_id must be an integer");
          f.eot_id = j["eot_id"].get<int64_t>();
        }
      }
    }
  }
  return f;
}

NgramTrainReport train_ngram(const NgramTrainOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const CorpusFile train = resolve_corpus(o.data, o.eot_id);
  std::optional<CorpusFile> val;
  if (!o.val.empty()) {
    val = resolve_corpus(o.val, o.eot_id);
    if (val->unit != train.unit)
      throw Error(o.val + ": held-out data of unit " + unit_name(val->unit) + ", training data of unit " + unit_name(train.unit));
  } else if (fs::is_directory(o.data) && fs::exists(fs::path(o.data) / "val.bin")) {
    val = train;
    val->path = (fs::path(o.data) / "val.bin").string();
  }

  Vocabulary vocab;
  NgramCounter counter(o.order);
  NgramTrainReport r;
  r.order = o.order;
  r.unit = train.unit;
  r.train = for_each_sentence(train, vocab, true, [&](std::span<const WordId> ids) { counter.add_sentence(ids); });
  KneserNeyModel kn = estimate_kneser_ney(counter.finish(), vocab);
  r.vocab_size = vocab.size();
  r.discounts = kn.discounts;
  for (const NgramTable& t : kn.model.tables) r.ngrams.push_back(t.size());
  if (val) r.val = score_corpus(kn.model, *val);

  nlohmann::json config = {
      {"model_type", "ngram"},
      {"order", o.order},
      {"smoothing", "interpolated modified Kneser-Ney"},
      {"unit", unit_name(train.unit)},
      {"eot_id", train.eot_id},
      {"sentence_boundaries", train.unit == Unit::Word ? "<s> and </s> around every line" : "<s> and </s> around every document"},
      {"unknown_word", kUnkWord},
      {"vocab_size", vocab.size()},
      {"ngrams", r.ngrams},
      {"train", {{"data", train.path}, {"sentences", r.train.sentences}, {"words", r.train.words}}},
  };
  nlohmann::json d = nlohmann::json::array(), c = nlohmann::json::array(), f = nlohmann::json::array();
  for (const OrderDiscounts& x : kn.discounts) {
    d.push_back(x.d);
    c.push_back(x.count_of_counts);
    if (x.fallback) f.push_back(x.why);
  }
  config["discounts"] = d;
  config["count_of_counts"] = c;
  config["discount_fallback"] = f;

  io::OutputDir out(o.out_dir);
  save_ngram_dir(out.path(), kn.model, config);
  const fs::path tokenizer = fs::path(train.path).parent_path() / "tokenizer.json";
  if (train.unit == Unit::Token && fs::exists(tokenizer))
    io::write_text_atomic((fs::path(out.path()) / "tokenizer.json").string(), io::read_file(tokenizer.string()));
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace lmf::ngram
