// metrics.jsonl: rows flushed as written, truncation to the resumed step, torn lines.
#include <gtest/gtest.h>

#include "core/error.h"
#include "io/atomic_file.h"
#include "support/oracle.h"
#include "train/metrics_log.h"

using namespace lmf;
using train::MetricsLog;

TEST(MetricsLog, FlushesEachRowAndTruncatesOnResume) {
  std::string dir = test::temp_dir(), path = dir + "/metrics.jsonl";
  {
    MetricsLog log(path);
    for (int s = 1; s <= 10; ++s) {
      log.write({{"step", s}, {"loss", 10.0 / s}});
      if (s % 4 == 0) log.write({{"step", s}, {"val_loss", 5.0 / s}});
      // Visible on disk before the log is closed.
      EXPECT_EQ(MetricsLog::read(path).back()["step"], s);
    }
  }
  EXPECT_EQ(MetricsLog::read(path).size(), 12u);
  {
    MetricsLog log(path, 8);  // resume from step 8: rows of steps 9 and 10 go
    auto kept = MetricsLog::read(path);
    ASSERT_EQ(kept.size(), 10u);
    EXPECT_EQ(kept.back(), nlohmann::json({{"step", 8}, {"val_loss", 5.0 / 8}}));
    log.write({{"step", 9}, {"loss", 0.5}});
  }
  auto rows = MetricsLog::read(path);
  ASSERT_EQ(rows.size(), 11u);
  EXPECT_EQ(rows.back()["loss"], 0.5);
  { MetricsLog fresh(path); }
  EXPECT_TRUE(MetricsLog::read(path).empty());
}

TEST(MetricsLog, TornLastLineIsDroppedAndGarbageIsAnError) {
  std::string dir = test::temp_dir(), path = dir + "/metrics.jsonl";
  io::write_text_atomic(path, "{\"step\":1,\"loss\":2}\n{\"step\":2,\"loss\":1.5}\n{\"step\":3,\"lo");
  EXPECT_EQ(MetricsLog::read(path).size(), 2u);
  {
    MetricsLog log(path, 5);
    log.write({{"step", 3}, {"loss", 1.25}});
  }
  auto rows = MetricsLog::read(path);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2]["loss"], 1.25);
  io::write_text_atomic(path, "{\"step\":1}\nnot json\n");
  try {
    MetricsLog::read(path);
    FAIL() << "garbage accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("metrics.jsonl: line 2"), std::string::npos) << e.what();
  }
}
