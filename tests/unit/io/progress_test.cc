// Progress: plain lines every N steps off a terminal, a redrawn bar on one, byte counts, and the
// tokens/s and ETA arithmetic under a fake clock.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "io/progress.h"

using namespace lmf;

namespace {

std::string contents(FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

size_t count(const std::string& s, const std::string& needle) {
  size_t c = 0;
  for (size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++c;
  return c;
}

}  // namespace

TEST(Progress, Formatting) {
  EXPECT_EQ(io::format_duration(45), "45s");
  EXPECT_EQ(io::format_duration(192), "3m12s");
  EXPECT_EQ(io::format_duration(7500), "2h05m");
  EXPECT_EQ(io::format_count(950), "950");
  EXPECT_EQ(io::format_count(23400), "23.4k");
  EXPECT_EQ(io::format_count(1.25e6), "1.25M");
}

TEST(Progress, PlainLinesEveryNStepsWithRateAndEta) {
  FILE* f = std::tmpfile();
  double now = 100;
  // Resumed at step 20 of 100; 1000 tokens a step; each step takes 0.5 s.
  io::Progress p(100, 1000, 20, 10, f, false, [&] { return now; });
  for (int s = 21; s <= 100; ++s) {
    now += 0.5;
    p.step(s, 5.0 - s * 0.01, 3e-4);
    if (s == 60) {
      EXPECT_DOUBLE_EQ(p.tokens_per_s(), 2000);
      EXPECT_DOUBLE_EQ(p.eta_s(), 20);  // 40 steps left at 0.5 s
      p.message("eval: val_loss 4.2");
    }
  }
  p.finish();
  std::string out = contents(f);
  std::fclose(f);
  // The first step, every 10th, and the last (which is also a 10th).
  EXPECT_EQ(count(out, "\n"), 1u + 8u + 1u) << out;
  EXPECT_NE(out.find("step 21/100 | loss 4.7900 | lr 3.00e-04\n"), std::string::npos) << out;
  EXPECT_NE(out.find("step 60/100 | loss 4.4000 | lr 3.00e-04 | 2.0k tok/s | ETA 20s\n"), std::string::npos) << out;
  EXPECT_NE(out.find("eval: val_loss 4.2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("step 100/100"), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
}

TEST(Progress, TerminalBarRedrawsInPlace) {
  FILE* f = std::tmpfile();
  double now = 0;
  io::Progress p(4, 10, 0, 10, f, true, [&] { return now; });
  for (int s = 1; s <= 4; ++s) {
    now += 1;
    p.step(s, 1.0, 1e-3);
  }
  p.message("saved");
  p.finish();
  std::string out = contents(f);
  std::fclose(f);
  EXPECT_EQ(count(out, "\r\x1b[K"), 5u);
  EXPECT_NE(out.find("step 2/4 [##########..........]  50%"), std::string::npos) << out;
  EXPECT_NE(out.find("saved\nstep 4/4 [####################] 100%"), std::string::npos) << out;
  EXPECT_EQ(out.back(), '\n');
}

TEST(Progress, SizesWithByteRate) {
  FILE* f = std::tmpfile();
  double now = 0;
  io::Progress p(200000000, 1, 0, 1, f, false, [&] { return now; });
  p.set_units({"data read", "B/s", true});
  p.update(10000000, " | 12 kept");
  now += 2;
  p.update(50000000, " | 40 kept");  // 40 MB in 2 s; 150 MB left
  p.finish();
  std::string out = contents(f);
  std::fclose(f);
  EXPECT_NE(out.find("data read 10.00M/200.00M | 12 kept\n"), std::string::npos) << out;
  EXPECT_NE(out.find("data read 50.00M/200.00M | 40 kept | 20.00M B/s | ETA 8s\n"), std::string::npos) << out;
}
