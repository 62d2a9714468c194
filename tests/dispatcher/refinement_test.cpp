// The rule of rendering to quality (dispatcher/refinement.h): the error estimator against known
// distributions and against the error it estimates, round planning, option validation.
#include "dispatcher/refinement.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <vector>

namespace tf {
namespace {

constexpr size_t kPixels = 4096;

// Per-pixel RGB sums (grey: R = G = B, so luminance equals the value) of `units` equal ranges
// of `per_unit` samples drawn from `draw`, and the true per-pixel mean `mean`.
struct Drawn {
  std::vector<std::vector<float>> sums;  // per unit: kPixels x 3
  std::vector<RangeSums> ranges;
  double rms_actual_error = 0;  // relative RMS error of the pixel means against `mean`
};

Drawn draw_tile(const std::vector<uint32_t>& unit_samples, double mean,
                const std::function<double(std::mt19937_64&)>& draw, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Drawn d;
  d.sums.assign(unit_samples.size(), std::vector<float>(kPixels * 3));
  std::vector<double> pixel_sum(kPixels, 0);
  uint32_t n = 0;
  for (size_t u = 0; u < unit_samples.size(); ++u) {
    for (size_t p = 0; p < kPixels; ++p) {
      double sum = 0;
      for (uint32_t s = 0; s < unit_samples[u]; ++s) sum += draw(rng);
      pixel_sum[p] += sum;
      for (int c = 0; c < 3; ++c) d.sums[u][p * 3 + c] = static_cast<float>(sum);
    }
    d.ranges.push_back({n, n + unit_samples[u], d.sums[u]});
    n += unit_samples[u];
  }
  double squares = 0;
  for (double s : pixel_sum) squares += std::pow((s / n - mean) / mean, 2);
  d.rms_actual_error = std::sqrt(squares / kPixels);
  return d;
}

TEST(TileRelativeError, IsZeroForAConstantSignal) {
  Drawn d = draw_tile(
      {8, 8}, 0.25, [](std::mt19937_64&) { return 0.25; }, 1);
  EXPECT_EQ(tile_relative_error(d.ranges), 0.0);
  EXPECT_EQ(d.rms_actual_error, 0.0);
}

// Uniform [0, 1): mean 1/2, variance 1/12, so the relative standard error of a mean of n
// samples is sqrt(1/12 / n) / (1/2).
TEST(TileRelativeError, EstimatesTheStandardErrorOfAUniformMean) {
  for (uint32_t units : {2u, 4u, 6u}) {
    const uint32_t n = units * 16;
    Drawn d = draw_tile(
        std::vector<uint32_t>(units, 16), 0.5,
        [](std::mt19937_64& r) { return std::uniform_real_distribution<>(0, 1)(r); }, units);
    const double analytic = std::sqrt(1.0 / 12.0 / n) / 0.5;
    EXPECT_NEAR(tile_relative_error(d.ranges), analytic, 0.06 * analytic) << units << " units";
    EXPECT_NEAR(d.rms_actual_error, analytic, 0.06 * analytic);
  }
}

// Exponential (mean 2, standard deviation 2), halves of unequal size (A: 8 + 32, B: 16):
// se^2 = (a - b)^2 n_A n_B / n^2 stays unbiased.
TEST(TileRelativeError, StaysUnbiasedForUnequalHalvesAndSkewedSamples) {
  Drawn d = draw_tile(
      {8, 16, 32}, 2.0, [](std::mt19937_64& r) { return std::exponential_distribution<>(0.5)(r); },
      7);
  const double analytic = 2.0 / std::sqrt(56.0) / 2.0;
  EXPECT_NEAR(tile_relative_error(d.ranges), analytic, 0.08 * analytic);
}

TEST(TileRelativeError, FloorsDarkPixelsAndRefusesWhatItCannotEstimate) {
  // Means near 0 are taken relative to kLuminanceFloor: finite, and large against the floor.
  Drawn dark = draw_tile(
      {4, 4}, 1e-6,
      [](std::mt19937_64& r) { return 1e-3 * std::uniform_real_distribution<>(-1, 1)(r); }, 3);
  const double e = tile_relative_error(dark.ranges);
  EXPECT_TRUE(std::isfinite(e));
  EXPECT_GT(e, 0.1);
  EXPECT_TRUE(std::isinf(tile_relative_error(std::span(dark.ranges).first(1))));
  std::vector<RangeSums> mismatched = dark.ranges;
  mismatched[1].rgb = mismatched[1].rgb.first(30);
  EXPECT_TRUE(std::isinf(tile_relative_error(mismatched)));
}

TEST(PlanRound, CutsAnEvenNumberOfUnitsCoveringTheRoundOnce) {
  const PlannedUnit tile{8, 16, 16, 24, 0, 0};
  struct Case {
    uint32_t s0, s1, spu;
    size_t units;
  };
  for (const Case c : {Case{0, 16, 16, 2}, Case{0, 16, 4, 4}, Case{16, 32, 6, 4}, Case{0, 3, 1, 3},
                       Case{0, 2, 100, 2}, Case{64, 128, 20, 4}, Case{7, 8, 4, 1}}) {
    std::vector<PlannedUnit> units = plan_round(tile, c.s0, c.s1, c.spu);
    ASSERT_EQ(units.size(), c.units) << c.s0 << ".." << c.s1 << " by " << c.spu;
    uint32_t next = c.s0;
    for (const PlannedUnit& u : units) {
      EXPECT_EQ(u.s0, next);
      EXPECT_GT(u.s1, u.s0);
      EXPECT_LE(u.s1 - u.s0, (c.s1 - c.s0 + units.size() - 1) / units.size());
      EXPECT_EQ(std::tie(u.x0, u.y0, u.x1, u.y1), std::tie(tile.x0, tile.y0, tile.x1, tile.y1));
      next = u.s1;
    }
    EXPECT_EQ(next, c.s1);
  }
}

TEST(PlanFirstRounds, PlansEveryTileOnceWithTwoUnitsAtLeast) {
  Result<std::vector<PlannedUnit>> units = plan_first_rounds(20, 12, 8, 6, 1024, 100);
  ASSERT_TRUE(units.is_ok()) << units.message();
  EXPECT_EQ(units->size(), 3u * 2u * 2u);  // 3x2 tiles, two halves each
  std::vector<uint32_t> samples(20 * 12, 0);
  for (const PlannedUnit& u : units.value()) {
    for (uint32_t y = u.y0; y < u.y1; ++y) {
      for (uint32_t x = u.x0; x < u.x1; ++x) samples[y * 20 + x] += u.s1 - u.s0;
    }
  }
  for (uint32_t s : samples) EXPECT_EQ(s, 6u);
  EXPECT_FALSE(plan_first_rounds(20, 12, 8, 1, 64, 1).is_ok());
  EXPECT_FALSE(plan_first_rounds(0, 12, 8, 6, 64, 1).is_ok());
  EXPECT_FALSE(plan_first_rounds(4096, 4096, 1, 2, 2, 1).is_ok());  // too many tiles
  // The first rounds fit, but every tile refined to max_spp in units of one sample would not:
  // 1024 tiles x 2^20 samples.
  Result<std::vector<PlannedUnit>> capped = plan_first_rounds(256, 256, 8, 2, 1u << 20, 1);
  ASSERT_FALSE(capped.is_ok());
  EXPECT_NE(capped.message().find("--max-spp"), std::string::npos) << capped.message();
  EXPECT_TRUE(plan_first_rounds(256, 256, 8, 2, 1u << 20, 1u << 14).is_ok());
}

TEST(NextRound, DoublesUntilConvergedCappedOrPastTheDeadline) {
  using Round = std::optional<std::pair<uint32_t, uint32_t>>;
  EXPECT_EQ(next_round(0.1, 0.05, 16, 1024, false), (Round{{16, 32}}));
  EXPECT_EQ(next_round(0.05, 0.05, 16, 1024, false), Round{});  // at the target: converged
  EXPECT_EQ(next_round(0.1, 0.05, 768, 1024, false), (Round{{768, 1024}}));
  EXPECT_EQ(next_round(0.1, 0.05, 1024, 1024, false), Round{});
  EXPECT_EQ(next_round(0.1, 0.05, 16, 1024, true), Round{});
  // A deadline without a target refines every tile until the cap or the deadline.
  EXPECT_EQ(next_round(0.0, 0.0, 16, 1024, false), (Round{{16, 32}}));
  EXPECT_EQ(next_round(INFINITY, 0.05, 16, 1024, false), (Round{{16, 32}}));
}

TEST(ResolveQuality, FillsDefaultsAndSaysWhatToFix) {
  Result<QualityOptions> none = resolve_quality({}, 1u << 20);
  ASSERT_TRUE(none.is_ok());
  EXPECT_FALSE(none->enabled());
  Result<QualityOptions> q = resolve_quality({0.02, 0, 0, 0}, 1u << 20);
  ASSERT_TRUE(q.is_ok()) << q.message();
  EXPECT_EQ(q->min_spp, kDefaultMinSpp);
  EXPECT_EQ(q->max_spp, kDefaultMaxSpp);
  Result<QualityOptions> small_cap = resolve_quality({0.02, 0, 8, 0}, 1u << 20);
  ASSERT_TRUE(small_cap.is_ok()) << small_cap.message();
  EXPECT_EQ(small_cap->min_spp, 8u);
  Result<QualityOptions> deadline_only = resolve_quality({0, 4, 64, 600}, 1u << 20);
  ASSERT_TRUE(deadline_only.is_ok()) << deadline_only.message();
  EXPECT_TRUE(deadline_only->enabled());

  const auto refused = [](QualityOptions o, const std::string& names) {
    Result<QualityOptions> r = resolve_quality(o, 1u << 20);
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.message().find(names), std::string::npos) << r.message();
  };
  refused({-0.1, 0, 0, 0}, "--noise-target");
  refused({1.5, 0, 0, 0}, "--noise-target");
  refused({NAN, 0, 0, 0}, "--noise-target");
  refused({0.02, 1, 0, 0}, "--min-spp 1 must be at least 2");
  refused({0.02, 64, 32, 0}, "--max-spp 32");
  refused({0.02, 0, (1u << 20) + 1, 0}, "--max-spp");
  refused({0, 16, 0, 0}, "add --noise-target or --deadline");
}

TEST(ParseDuration, ReadsUnitsAndPlainSeconds) {
  EXPECT_EQ(parse_duration_seconds("10m").value(), 600u);
  EXPECT_EQ(parse_duration_seconds("1h30m").value(), 5400u);
  EXPECT_EQ(parse_duration_seconds("90s").value(), 90u);
  EXPECT_EQ(parse_duration_seconds("45").value(), 45u);
  for (const char* bad : {"", "m", "10x", "1h30", "-5m", "0s", "1.5h", "99999999999h"}) {
    Result<uint64_t> r = parse_duration_seconds(bad);
    EXPECT_FALSE(r.is_ok()) << bad;
  }
}

}  // namespace
}  // namespace tf
