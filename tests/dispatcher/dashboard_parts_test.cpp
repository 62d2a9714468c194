// The dashboard's parts without a server: who may read it (addresses, tokens, request rate),
// the Prometheus text (checked by an independent reading of the exposition format's rules),
// the commit latency histogram, and the frame previews (against the sRGB formula applied by
// hand).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "dispatcher/dashboard/http_access.h"
#include "dispatcher/dashboard/metrics_text.h"
#include "dispatcher/farm_board.h"
#include "dispatcher/frame_previews.h"
#include "formats/image/image_io.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

TEST(HttpAccess, AddressesParseAndOnlyLoopbackGoesWithoutAToken) {
  Result<HttpAddress> v4 = parse_http_address("127.0.0.1:8080");
  ASSERT_TRUE(v4.is_ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  Result<HttpAddress> v6 = parse_http_address("[::1]:9");
  ASSERT_TRUE(v6.is_ok());
  EXPECT_EQ(v6->host, "::1");
  for (const char* bad :
       {"8080", ":8080", "host:", "host:80x", "host:70000", "::1:80", "[::1]80"}) {
    EXPECT_FALSE(parse_http_address(bad).is_ok()) << bad;
  }
  EXPECT_TRUE(check_exposure({"127.0.0.1", 1}, false).is_ok());
  EXPECT_TRUE(check_exposure({"127.8.9.10", 1}, false).is_ok());
  EXPECT_TRUE(check_exposure({"localhost", 1}, false).is_ok());
  EXPECT_TRUE(check_exposure({"::1", 1}, false).is_ok());
  const Status open = check_exposure({"0.0.0.0", 8080}, false);
  ASSERT_FALSE(open.is_ok());
  EXPECT_NE(open.message().find("--http-token"), std::string::npos) << open.message();
  EXPECT_TRUE(check_exposure({"0.0.0.0", 8080}, true).is_ok());
}

TEST(HttpAccess, TokenFilesMustHoldALongToken) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "good") << "  0123456789abcdef0123  \nignored second line\n";
  std::ofstream(dir.path() / "short") << "secret\n";
  Result<std::string> good = read_token_file(dir.path() / "good");
  ASSERT_TRUE(good.is_ok()) << good.message();
  EXPECT_EQ(good.value(), "0123456789abcdef0123");
  EXPECT_FALSE(read_token_file(dir.path() / "short").is_ok());
  EXPECT_FALSE(read_token_file(dir.path() / "missing").is_ok());
}

TEST(HttpAccess, TheTokenIsAcceptedAsBearerQueryOrCookieOnly) {
  const std::string token = "0123456789abcdef";
  const TokenCheck check(token);
  EXPECT_TRUE(check.allows("Bearer " + token, "", ""));
  EXPECT_TRUE(check.allows("", token, ""));
  EXPECT_TRUE(check.allows("", "", "a=1; tilefarm_token=" + token + "; b=2"));
  EXPECT_FALSE(check.allows("", "", ""));
  EXPECT_FALSE(check.allows("Bearer " + token + "x", "", ""));
  EXPECT_FALSE(check.allows("Basic " + token, "", ""));
  EXPECT_FALSE(check.allows("", token.substr(1), ""));
  EXPECT_FALSE(check.allows("", "", "tilefarm_token=" + token.substr(0, 15)));
  EXPECT_FALSE(check.allows("", "", "other_token=" + token));
  EXPECT_NE(check.cookie().find("HttpOnly"), std::string::npos);
  const TokenCheck none(std::nullopt);
  EXPECT_TRUE(none.allows("", "", ""));
  EXPECT_TRUE(none.cookie().empty());
}

TEST(HttpAccess, EachAddressGetsItsBurstThenItsRate) {
  RateLimiter limiter(2.0, 3.0);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow("a", 1000)) << i;
  EXPECT_FALSE(limiter.allow("a", 1000));
  EXPECT_TRUE(limiter.allow("b", 1000));   // another address has its own bucket
  EXPECT_FALSE(limiter.allow("a", 1400));  // 0.8 of a request earned
  EXPECT_TRUE(limiter.allow("a", 1500));   // 1.0
  EXPECT_FALSE(limiter.allow("a", 1500));
  EXPECT_TRUE(limiter.allow("a", 11500));  // refilled up to the burst, not past it
  EXPECT_TRUE(limiter.allow("a", 11500));
  EXPECT_TRUE(limiter.allow("a", 11500));
  EXPECT_FALSE(limiter.allow("a", 11500));
}

TEST(CommitLatency, BucketsAreUpperBoundsAndTheCountIsTheirSum) {
  CommitLatency latency;
  latency.record(0.0001);  // <= 0.0005
  latency.record(0.0005);  // le is inclusive
  latency.record(0.003);   // <= 0.005
  latency.record(7.0);     // above every bound
  const CommitLatency::Snapshot s = latency.snapshot();
  EXPECT_EQ(s.buckets[0], 2u);
  EXPECT_EQ(s.buckets[3], 1u);
  EXPECT_EQ(s.buckets.back(), 1u);
  EXPECT_EQ(s.count, 4u);
  EXPECT_NEAR(s.sum_seconds, 7.0036, 1e-9);
}

// An independent reading of the text format: every sample belongs to a family announced by
// HELP and TYPE lines before it, names and labels are well formed, histogram buckets are
// cumulative and end at +Inf == _count. Returns the samples by their full name.
std::map<std::string, double> parse_exposition(const std::string& text) {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;
  const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
  const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\["\\n])*",?)*\})? (\S+))");
  std::istringstream lines(text);
  std::string last_help;
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, help)) {
      last_help = m[1];
    } else if (std::regex_match(line, m, type)) {
      EXPECT_EQ(m[1].str(), last_help) << "TYPE without its HELP: " << line;
      types[m[1]] = m[2];
    } else if (std::regex_match(line, m, sample)) {
      std::string family = m[1];
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string s = suffix;
        if (types.count(family) == 0 && family.size() > s.size() &&
            family.compare(family.size() - s.size(), s.size(), s) == 0) {
          family = family.substr(0, family.size() - s.size());
        }
      }
      EXPECT_EQ(types.count(family), 1u) << "sample of an unannounced family: " << line;
      samples[line.substr(0, line.rfind(' '))] = std::stod(m[5]);
    } else {
      ADD_FAILURE() << "not a valid exposition line: '" << line << "'";
    }
  }
  return samples;
}

TEST(MetricsText, FollowsTheExpositionFormatAndCarriesTheView) {
  FarmView view;
  view.stats.results_accepted = 41;
  view.stats.replicas_disagreed = 3;
  view.stats.quarantines = 1;
  view.units_pending = 9;
  view.units_leased = 4;
  JobView job;
  job.status.job_id = 7;
  job.status.name = "shot \"A\"\\v2\nfinal";
  job.status.state = proto::JobState::kRunning;
  job.status.units_done = 41;
  job.status.units_total = 50;
  view.jobs.push_back(job);
  WorkerView w;
  w.name = "gpu-box";
  w.key = "K1";
  w.rate = 1.5e9;
  w.results_valid = 40;
  w.paused = true;
  view.workers.push_back(w);
  CommitLatency latency;
  latency.record(0.002);
  latency.record(0.2);
  latency.record(0.3);
  const std::string text = metrics_text(view, latency.snapshot());
  const std::map<std::string, double> s = parse_exposition(text);
  EXPECT_EQ(s.at("tilefarm_results_accepted_total"), 41);
  EXPECT_EQ(s.at("tilefarm_verification_disagreements_total"), 3);
  EXPECT_EQ(s.at("tilefarm_quarantines_total"), 1);
  EXPECT_EQ(s.at("tilefarm_units_pending"), 9);
  EXPECT_EQ(s.at("tilefarm_units_leased"), 4);
  EXPECT_EQ(s.at("tilefarm_workers_connected"), 1);
  EXPECT_EQ(s.at("tilefarm_workers_paused"), 1);
  EXPECT_EQ(s.at("tilefarm_jobs{state=\"running\"}"), 1);
  EXPECT_EQ(s.at("tilefarm_jobs{state=\"done\"}"), 0);
  EXPECT_EQ(s.at(R"(tilefarm_job_units_done{job="7",name="shot \"A\"\\v2\nfinal"})"), 41);
  EXPECT_EQ(s.at(R"(tilefarm_worker_rate{worker="gpu-box",key="K1"})"), 1.5e9);
  EXPECT_EQ(s.at(R"(tilefarm_worker_accepted_results{worker="gpu-box",key="K1"})"), 40);
  // Cumulative buckets: 0.002 <= 0.0025; 0.2 and 0.3 <= 0.5.
  EXPECT_EQ(s.at("tilefarm_store_commit_seconds_bucket{le=\"0.001\"}"), 0);
  EXPECT_EQ(s.at("tilefarm_store_commit_seconds_bucket{le=\"0.0025\"}"), 1);
  EXPECT_EQ(s.at("tilefarm_store_commit_seconds_bucket{le=\"0.25\"}"), 2);
  EXPECT_EQ(s.at("tilefarm_store_commit_seconds_bucket{le=\"0.5\"}"), 3);
  EXPECT_EQ(s.at("tilefarm_store_commit_seconds_bucket{le=\"+Inf\"}"), 3);
  EXPECT_EQ(s.at("tilefarm_store_commit_seconds_count"), 3);
  EXPECT_NEAR(s.at("tilefarm_store_commit_seconds_sum"), 0.502, 1e-9);
}

// The byte a PNG preview must hold for a linear value: IEC 61966-2-1, rounded.
float expected_preview_value(float linear) {
  const double encoded =
      linear <= 0.0031308 ? 12.92 * linear : 1.055 * std::pow(double(linear), 1 / 2.4) - 0.055;
  return srgb_decode(static_cast<float>(std::lround(encoded * 255) / 255.0));
}

ImageRGB preview_image(const FramePreviews& previews, uint64_t job, uint32_t frame,
                       const std::filesystem::path& file) {
  auto png = previews.png(job, frame);
  EXPECT_TRUE(png.has_value());
  if (!png) return {};
  EXPECT_TRUE(png->is_ok()) << png->message();
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(png->value().data()),
             static_cast<std::streamsize>(png->value().size()));
  Result<ImageRGB> image = read_image(file);
  EXPECT_TRUE(image.is_ok()) << image.message();
  return image.is_ok() ? image.value() : ImageRGB{};
}

TEST(FramePreviews, PixelsAreSumsOverSamplesAndUnfilledOnesACheckerboard) {
  testing::TempDir dir;
  FramePreviews previews;
  EXPECT_FALSE(previews.png(1, 1).has_value());
  // A 4x2 tile at (2,1) of a 16x8 frame, in two sample ranges: 2 samples then 6.
  std::vector<float> first(4 * 2 * 3), second(4 * 2 * 3);
  for (size_t i = 0; i < first.size(); ++i) {
    first[i] = 0.1f * float(i % 7);  // sums of 2 samples
    second[i] = 0.3f;                // sums of 6 samples
  }
  previews.add(1, 1, 16, 8, {2, 1, 6, 3, 2, first});
  previews.add(1, 1, 16, 8, {2, 1, 6, 3, 6, second});
  previews.add(1, 1, 16, 8, {14, 6, 18, 8, 2, first});  // outside the frame: ignored
  const ImageRGB image = preview_image(previews, 1, 1, dir.path() / "p.png");
  ASSERT_EQ(image.width, 16u);
  ASSERT_EQ(image.height, 8u);
  for (uint32_t y = 0; y < 8; ++y) {
    for (uint32_t x = 0; x < 16; ++x) {
      for (uint32_t c = 0; c < 3; ++c) {
        const float got = image.rgb[(y * 16 + x) * 3 + c];
        float want = 0;
        if (x >= 2 && x < 6 && y >= 1 && y < 3) {
          const size_t i = ((y - 1) * 4 + (x - 2)) * 3 + c;
          want = expected_preview_value((first[i] + second[i]) / 8.0f);
        } else {
          want = expected_preview_value(((x / 8 + y / 8) % 2 == 0) ? 0.05f : 0.1f);
        }
        EXPECT_FLOAT_EQ(got, want) << x << "," << y << "," << c;
      }
    }
  }
}

TEST(FramePreviews, LargeFramesAreBoxFilteredAndOldCanvasesGo) {
  testing::TempDir dir;
  FramePreviews previews;
  // 1000 px wide: scale 3 (ceil(1000 / 384)), 334 x 1 preview pixels.
  std::vector<float> tile(6 * 3);
  for (size_t p = 0; p < 6; ++p) {
    for (size_t c = 0; c < 3; ++c) tile[p * 3 + c] = float(p) * 0.1f;
  }
  previews.add(5, 1, 1000, 1, {0, 0, 6, 1, 1, tile});
  const ImageRGB image = preview_image(previews, 5, 1, dir.path() / "p.png");
  ASSERT_EQ(image.width, 334u);
  ASSERT_EQ(image.height, 1u);
  EXPECT_FLOAT_EQ(image.rgb[0], expected_preview_value((0.0f + 0.1f + 0.2f) / 3.0f));
  EXPECT_FLOAT_EQ(image.rgb[3], expected_preview_value((0.3f + 0.4f + 0.5f) / 3.0f));
  for (uint32_t f = 2; f <= FramePreviews::kMaxCanvases; ++f) {
    previews.add(5, f, 8, 8, {0, 0, 1, 1, 1, std::vector<float>(3, 0.5f)});
  }
  EXPECT_TRUE(previews.has(5, 1));
  previews.add(5, 1, 1000, 1, {0, 0, 6, 1, 1, tile});  // frame 1 is the newest again
  previews.add(6, 1, 8, 8, {0, 0, 1, 1, 1, std::vector<float>(3, 0.5f)});
  EXPECT_TRUE(previews.has(5, 1));
  EXPECT_FALSE(previews.has(5, 2)) << "the least recently updated canvas should have gone";
  previews.drop_job(5);
  EXPECT_FALSE(previews.has(5, 1));
  EXPECT_TRUE(previews.has(6, 1));
}

}  // namespace
}  // namespace tf
