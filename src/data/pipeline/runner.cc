#include "data/pipeline/runner.h"

#include <omp.h>

#include <chrono>
#include <exception>
#include <cstdio>
#include <filesystem>
#include <map>

#include "core/error.h"
#include "core/threads.h"
#include "core/utf8.h"
#include "data/pipeline/json_field.h"
#include "data/pipeline/output_file.h"
#include "data/pipeline/spill.h"
#include "io/atomic_file.h"
#include "io/progress.h"

namespace lmf::data::pipeline {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Per-thread tallies of one stage (slot 0 is reading).
struct Tally {
  int64_t docs_in = 0, bytes_in = 0, docs_out = 0, bytes_out = 0;
  double seconds = 0;
  std::vector<int64_t> counters;
  char pad[64];  // keeps threads' tallies on separate cache lines
};

struct SlotStats {
  std::string name;
  std::vector<std::string> counter_names;
  Tally total;
  std::map<std::string, int64_t> removed;
};

// RawDocument -> Document; reading problems remove the document (stage "read").
constexpr int kReadRepaired = 0;
void parse_raw(RawDocument& raw, Document& doc, const RunOptions& o, int64_t* counters) {
  doc.index = raw.index;
  doc.source = std::move(raw.source);
  if (!utf8_valid(raw.bytes)) {
    if (!o.repair_utf8) {
      doc.text = raw.json ? std::string() : utf8_lossy(raw.bytes);
      if (raw.json) doc.fields = json{{"raw", utf8_lossy(raw.bytes)}};
      doc.remove("read", "invalid_utf8");
      return;
    }
    raw.bytes = utf8_lossy(raw.bytes);
    ++counters[kReadRepaired];
  }
  if (!raw.json) {
    doc.text = std::move(raw.bytes);
    return;
  }
  if (raw.bytes.find('\n') == std::string::npos && raw.bytes.find('\r') == std::string::npos) {
    // One output line: only the text is decoded; the record is parsed later if an output needs it.
    std::pair<size_t, size_t> span;
    switch (read_json_string_field(raw.bytes, o.text_field, doc.text, &span)) {
      case JsonField::Invalid:
      case JsonField::NotObject:
        doc.fields = json{{"raw", raw.bytes}};
        return doc.remove("read", "invalid_json", "not a JSON object");
      case JsonField::Missing:
      case JsonField::NotString:
        doc.record = json::parse(raw.bytes);
        return doc.remove("read", "no_text_field", "no string field \"" + o.text_field + "\"");
      case JsonField::Found: break;
    }
    doc.line = std::move(raw.bytes);
    doc.line_text_hash = text_hash(doc.text);
    doc.text_begin = span.first, doc.text_end = span.second;
    return;
  }
  doc.record = json::parse(raw.bytes, nullptr, false);
  if (doc.record.is_discarded() || !doc.record.is_object()) {
    doc.record = nullptr;
    doc.fields = json{{"raw", raw.bytes}};
    doc.remove("read", "invalid_json", "not a JSON object");
    return;
  }
  auto it = doc.record.find(o.text_field);
  if (it == doc.record.end() || !it->is_string()) {
    doc.remove("read", "no_text_field", "no string field \"" + o.text_field + "\"");
    return;
  }
  doc.text = it->get<std::string>();
}

}  // namespace

RunResult run_pipeline(const std::vector<std::unique_ptr<Stage>>& stages, const RunOptions& o) {
  const double t0 = now_s();
  if (o.inputs.empty()) throw Error("data: no input given");
  if (o.out_dir.empty()) throw Error("data: no output directory given");
  const int nthreads = o.threads > 0 ? o.threads : lmf::threads::get();
  fs::create_directories(o.out_dir);
  const fs::path dir(o.out_dir);

  // Slots: 0 = read, 1 + s = stages[s].
  const size_t nslots = stages.size() + 1;
  std::vector<SlotStats> slots(nslots);
  slots[0].name = "read";
  slots[0].counter_names = {"utf8_repaired"};
  for (size_t s = 0; s < stages.size(); ++s) {
    slots[s + 1].name = stages[s]->name();
    slots[s + 1].counter_names = stages[s]->counter_names();
  }
  std::vector<std::vector<Tally>> tallies(static_cast<size_t>(nthreads), std::vector<Tally>(nslots));
  for (auto& per_thread : tallies)
    for (size_t s = 0; s < nslots; ++s)  // 16 spare values: no cache line shared with another thread's counters
      per_thread[s].counters.assign(slots[s].counter_names.size() + 16, 0);

  OutputFile kept((dir / "kept.jsonl").string()), removed((dir / "removed.jsonl").string());
  DocumentReader reader(o.inputs, o.text_unit, o.shard_index, o.shard_count, o.extensions);
  RunResult r;
  double last_progress = t0;

  // Segments: [begin, end) of stage indexes; a segment after the first starts with the
  // corpus-wide stage whose observation ended the previous one.
  std::vector<std::pair<size_t, size_t>> segments;
  for (size_t b = 0;;) {
    size_t e = segments.empty() ? b : b + 1;  // a later segment starts with its corpus-wide stage
    while (e < stages.size() && !stages[e]->corpus_wide()) ++e;
    segments.push_back({b, e});
    if (e == stages.size()) break;
    b = e;
  }

  std::unique_ptr<OutputFile> spill_out;
  std::string spill_in;  // path of the spill read by this segment
  // Batches in flight: `cur` is processed by all threads while one of them first writes the
  // outputs of `prev` and reads `next`, so that reading and writing (serial: one input, one
  // output order) overlap the work of the others instead of leaving them idle.
  struct Batch {
    std::vector<RawDocument> raw;
    std::vector<Document> docs;
    std::vector<int> removed_slot;  // per document: the slot that removed it, or -1
    std::vector<std::string> lines;  // per document: its output line (or spill record)
    size_t size() const { return docs.size(); }
    void clear() {
      raw.clear();
      docs.clear();
      removed_slot.clear();
      lines.clear();
    }
  };
  Batch prev, cur, next;
  for (size_t seg = 0; seg < segments.size(); ++seg) {
    const size_t sb = segments[seg].first, se = segments[seg].second;
    Stage* next_wide = se < stages.size() ? stages[se].get() : nullptr;
    if (next_wide) spill_out = std::make_unique<OutputFile>((dir / (".spill-" + std::to_string(seg) + ".bin")).string());
    std::unique_ptr<SpillReader> spill_src;
    if (seg > 0) spill_src = std::make_unique<SpillReader>(spill_in);
    int64_t position_in = 0, position_out = 0;  // positions for this segment's wide stage and the next one
    // A bar over the bytes this segment reads (the input files, or the previous spill).
    std::unique_ptr<io::Progress> bar;
    auto counts = [&] {
      return " | " + io::format_count(double(r.kept)) + " kept | " + io::format_count(double(r.removed)) +
             " removed";
    };
    if (o.progress) {
      io::ProgressUnits units{segments.size() > 1 ? "data pass " + std::to_string(seg + 1) + "/" +
                                                           std::to_string(segments.size()) + " read"
                                                     : "data read",
                                 "B/s", true};
      const uint64_t total = seg == 0 ? reader.bytes_total() : uint64_t(fs::file_size(spill_in));
      bar = std::make_unique<io::Progress>(int64_t(total), 1, 0, 1);  // lines throttled below
      bar->set_units(units);
    }

    // The next batch of this segment's input (the input files, or the spill of the previous
    // segment) into b; false at the end.
    auto read_batch = [&](Batch& b) {
      b.clear();
      if (seg == 0) {
        reader.next_batch(b.raw, o.batch_bytes);
      } else {
        for (size_t batch = 0; batch < o.batch_bytes;) {
          b.raw.emplace_back();
          if (!spill_src->next(b.raw.back().bytes)) {
            b.raw.pop_back();
            break;
          }
          batch += b.raw.back().bytes.size();  // restored in parallel below
        }
      }
      b.docs.resize(b.raw.size());
      b.removed_slot.assign(b.raw.size(), -1);
      b.lines.assign(b.raw.size(), std::string());
      return !b.raw.empty();
    };
    // The outputs of a processed batch, in input order.
    auto write_batch = [&](Batch& b) {
      for (size_t i = 0; i < b.size(); ++i) {
        const Document& d = b.docs[i];
        if (d.removed()) {
          removed.write_line(b.lines[i]);
          if (o.record_indexes) r.removed_indexes.push_back(d.index);
          slots[size_t(b.removed_slot[i])].removed[d.reason] += 1;
          r.removed += 1;
        } else if (next_wide) {
          spill_out->write(b.lines[i]);
        } else {
          kept.write_line(b.lines[i]);
          if (o.record_indexes) r.kept_indexes.push_back(d.index);
          r.kept += 1;
          r.bytes_kept += int64_t(d.text.size());
        }
      }
      b.clear();
    };

    bool more = read_batch(cur);
    while (more) {
      const int64_t n = int64_t(cur.size());
      const int64_t first_position = position_in;
      position_in += n;
      std::exception_ptr io_error;
#pragma omp parallel num_threads(nthreads)
      {
#pragma omp single nowait
        {
          try {  // one thread: the previous batch's outputs, then the next batch's input
            write_batch(prev);
            more = read_batch(next);
          } catch (...) {
            io_error = std::current_exception();
          }
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t i = 0; i < n; ++i) {
          std::vector<Tally>& t = tallies[size_t(omp_get_thread_num())];
          Document& d = cur.docs[size_t(i)];
          if (seg == 0) {
            const double a = now_s();
            parse_raw(cur.raw[size_t(i)], d, o, t[0].counters.data());
            t[0].docs_in += 1;
            t[0].bytes_in += int64_t(d.text.size());
            t[0].seconds += now_s() - a;
            if (d.removed()) cur.removed_slot[size_t(i)] = 0;
            else t[0].docs_out += 1, t[0].bytes_out += int64_t(d.text.size());
          } else {
            unspill(cur.raw[size_t(i)].bytes, d);
          }
          for (size_t s = sb; s < se && !d.removed(); ++s) {
            Tally& ts = t[s + 1];
            const double a = now_s();
            ts.docs_in += 1;
            ts.bytes_in += int64_t(d.text.size());
            stages[s]->process(d, first_position + i, ts.counters.data());
            ts.seconds += now_s() - a;
            if (d.removed()) cur.removed_slot[size_t(i)] = int(s + 1);
            else ts.docs_out += 1, ts.bytes_out += int64_t(d.text.size());
          }
          // The output line, while the document is still in this core's cache.
          cur.lines[size_t(i)] = !d.removed() && next_wide ? spill_record(d) : document_to_jsonl(d, o.text_field);
        }
      }
      if (io_error) std::rethrow_exception(io_error);
      if (next_wide) {  // the survivors, numbered in input order, are observed by the next corpus-wide stage
        std::vector<int64_t> next_pos(size_t(n), -1);
        for (int64_t i = 0; i < n; ++i)
          if (!cur.docs[size_t(i)].removed()) next_pos[size_t(i)] = position_out++;
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
        for (int64_t i = 0; i < n; ++i) {
          if (next_pos[size_t(i)] < 0) continue;
          const double a = now_s();
          next_wide->observe(cur.docs[size_t(i)], next_pos[size_t(i)]);
          tallies[size_t(omp_get_thread_num())][se + 1].seconds += now_s() - a;
        }
      }
      if (seg == 0) r.documents_in += n;
      std::swap(prev, cur);
      std::swap(cur, next);
      const double t = now_s();
      if (bar && t - last_progress >= (bar->terminal() ? 0.2 : 5.0)) {
        last_progress = t;
        bar->update(int64_t(seg == 0 ? reader.bytes_consumed() : spill_src->consumed()), counts());
      }
    }
    write_batch(prev);
    if (bar) {
      bar->update(int64_t(seg == 0 ? reader.bytes_total() : uint64_t(fs::file_size(spill_in))), counts());
      bar->finish();
    }
    if (seg > 0) std::remove(spill_in.c_str());
    if (next_wide) {
      spill_out->commit(false);  // read back and deleted by this run: no need to reach the disk
      spill_in = spill_out->path();
      spill_out.reset();
      const double a = now_s();
      next_wide->finish();
      tallies[0][se + 1].seconds += now_s() - a;
    }
  }
  r.bytes_in = 0;  // text bytes as read (before any stage changed them)
  for (auto& per_thread : tallies) r.bytes_in += per_thread[0].bytes_in;

  if (r.documents_in != r.kept + r.removed)
    throw Error("data: conservation check failed: " + std::to_string(r.documents_in) + " documents read but " +
                std::to_string(r.kept) + " kept + " + std::to_string(r.removed) + " removed");
  r.seconds = now_s() - t0;

  json report;
  report["inputs"] = o.inputs;
  report["shard"] = std::to_string(o.shard_index) + "/" + std::to_string(o.shard_count);
  report["threads"] = nthreads;
  report["documents"] = {{"in", r.documents_in}, {"kept", r.kept}, {"removed", r.removed}};
  report["bytes"] = {{"in", r.bytes_in}, {"kept", r.bytes_kept}};
  report["conservation"] = std::to_string(r.documents_in) + " in = " + std::to_string(r.kept) + " kept + " +
                           std::to_string(r.removed) + " removed";
  report["seconds"] = r.seconds;
  report["mb_per_s"] = r.bytes_in / 1e6 / std::max(r.seconds, 1e-9);
  json jstages = json::array();
  for (size_t s = 0; s < nslots; ++s) {
    Tally sum;
    sum.counters.assign(slots[s].counter_names.size(), 0);
    for (auto& per_thread : tallies) {
      const Tally& t = per_thread[s];
      sum.docs_in += t.docs_in, sum.bytes_in += t.bytes_in, sum.docs_out += t.docs_out, sum.bytes_out += t.bytes_out;
      sum.seconds += t.seconds;
      for (size_t c = 0; c < sum.counters.size(); ++c) sum.counters[c] += t.counters[c];
    }
    json js{{"stage", slots[s].name},
            {"documents_in", sum.docs_in},
            {"documents_out", sum.docs_out},
            {"bytes_in", sum.bytes_in},
            {"bytes_out", sum.bytes_out},
            {"removed", json::object()},
            {"thread_seconds", sum.seconds},  // summed over threads: time spent in the stage
            {"mb_per_s_per_core", sum.seconds > 0 ? sum.bytes_in / 1e6 / sum.seconds : 0.0}};
    for (auto& [reason, count] : slots[s].removed) js["removed"][reason] = count;
    if (!sum.counters.empty()) {
      js["counts"] = json::object();
      for (size_t c = 0; c < sum.counters.size(); ++c) js["counts"][slots[s].counter_names[c]] = sum.counters[c];
    }
    if (s > 0) stages[s - 1]->report(js);
    jstages.push_back(std::move(js));
  }
  report["stages"] = std::move(jstages);
  kept.commit();
  removed.commit();
  io::write_text_atomic((dir / "report.json").string(), report.dump(2) + "\n");
  r.report = std::move(report);
  return r;
}

std::string format_report(const nlohmann::ordered_json& rep) {
  char buf[512];
  std::string out;
  std::snprintf(buf, sizeof buf, "%s (%.1f MB in, %.1f MB kept) in %.2f s, %.1f MB/s, %d threads\n",
                rep["conservation"].get<std::string>().c_str(), rep["bytes"]["in"].get<int64_t>() / 1e6,
                rep["bytes"]["kept"].get<int64_t>() / 1e6, rep["seconds"].get<double>(), rep["mb_per_s"].get<double>(),
                rep["threads"].get<int>());
  out += buf;
  for (auto& s : rep["stages"]) {
    std::snprintf(buf, sizeof buf, "  %-14s %9lld -> %9lld docs  %9.1f -> %9.1f MB  %8.1f MB/s/core\n",
                  s["stage"].get<std::string>().c_str(), (long long)s["documents_in"].get<int64_t>(),
                  (long long)s["documents_out"].get<int64_t>(), s["bytes_in"].get<int64_t>() / 1e6,
                  s["bytes_out"].get<int64_t>() / 1e6, s["mb_per_s_per_core"].get<double>());
    out += buf;
    for (auto& [reason, count] : s["removed"].items()) {
      std::snprintf(buf, sizeof buf, "      removed %-28s %lld\n", reason.c_str(), (long long)count.get<int64_t>());
      out += buf;
    }
    if (s.contains("counts"))
      for (auto& [name, count] : s["counts"].items()) {
        if (count.get<int64_t>() == 0) continue;
        std::snprintf(buf, sizeof buf, "      %-36s %lld\n", name.c_str(), (long long)count.get<int64_t>());
        out += buf;
      }
  }
  return out;
}

}  // namespace lmf::data::pipeline
