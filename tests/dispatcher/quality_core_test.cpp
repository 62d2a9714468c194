// Rendering to quality through the dispatcher core (dispatcher/refinement.h, quality_jobs.cpp),
// on a stand-in renderer with a clean and a noisy half of known mean (half_noisy_render.h).

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <utility>

#include "dispatcher/refinement.h"
#include "tests/dispatcher/core_fixture.h"
#include "tests/dispatcher/half_noisy_render.h"
#include "tests/dispatcher/ledger_entry_checks.h"
#include "tests/support/image_channel.h"

namespace tf::testing {
namespace {

constexpr uint32_t kWidth = 32, kHeight = 16, kTileSize = 8;

proto::UnitResult half_noisy_result(const proto::RenderUnitSpec& spec) {
  const uint32_t w = spec.x1 - spec.x0, h = spec.y1 - spec.y0;
  const uint64_t rays = uint64_t{w} * h * (spec.s1 - spec.s0);
  proto::UnitResult r{spec.lease_id,
                      spec.unit_id,
                      "synthetic",
                      w,
                      h,
                      half_noisy_sums(kWidth, spec.x0, spec.y0, spec.x1, spec.y1, spec.s0, spec.s1),
                      rays,
                      {}};
  r.result_hash = proto::result_hash(r.rgb, r.rays);
  return r;
}

struct Frame {
  Hash256 exr, png;
  std::vector<float> rgb;
  std::vector<float> spp;  // the EXR's "spp" channel
};

struct Options {
  double target = 0.05;
  uint32_t min_spp = 8, max_spp = 1024;
  uint64_t deadline_s = 0;
  uint32_t replication = 1;
};

class QualityCoreTest : public CoreTest {
 protected:
  // Starts over on a fresh state folder (a second dispatcher of its own).
  void fresh_state(const std::string& name) {
    config_.state_dir = dir_.path() / name;
    reopen(kStart);
  }

  Result<uint64_t> submit_quality(const Options& o) {
    proto::SubmitJob job{
        "quality",    upload_bundle("# half noisy"), {}, kTileSize, 4, 4, 0, o.replication,
        o.replication};
    job.frames.push_back({1, "scene.pbrt", kWidth, kHeight});
    job.noise_target = o.target;
    job.min_spp = o.min_spp;
    job.max_spp = o.max_spp;
    job.deadline_seconds = o.deadline_s;
    std::vector<Outgoing> out = send("client", job, kStart);
    if (const auto* e = std::get_if<proto::ErrorReply>(&out.at(0).envelope.body)) {
      return Error{e->message};
    }
    return std::get<proto::SubmitReply>(out.at(0).envelope.body).job_id;
  }

  using Pending = std::vector<std::pair<std::string, proto::RenderUnitSpec>>;

  void collect(const std::vector<Outgoing>& out, Pending& pending) {
    for (const std::string& w : workers_) {
      for (const proto::RenderUnitSpec& spec : grants(out, w)) pending.emplace_back(w, spec);
    }
  }

  // Every worker says hello, holding the leases of `pending` that are its own.
  void hello_all(Pending& pending, int64_t now) {
    for (const std::string& w : workers_) {
      std::vector<uint64_t> held;
      for (const auto& [peer, spec] : pending) {
        if (peer == w) held.push_back(spec.lease_id);
      }
      collect(send(w, hello(4, held), now), pending);
    }
  }

  // Returns results in an order drawn from `order_seed` until nothing is pending. Every
  // `crash_every`-th result (0: never) is taken but not committed, and the dispatcher restarts
  // on its state: the worker still holds the unit and sends the result again. `now_of` gives
  // the clock for the i-th result.
  void drive(
      uint32_t order_seed, uint32_t crash_every = 0,
      const std::function<int64_t(uint32_t)>& now_of = [](uint32_t) { return kStart; }) {
    std::mt19937 rng(order_seed);
    Pending pending;
    hello_all(pending, kStart);
    for (uint32_t i = 1; !pending.empty(); ++i) {
      ASSERT_LT(i, 20000u) << "the job does not end";
      const size_t pick = rng() % pending.size();
      const auto [peer, spec] = pending[pick];
      pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(pick));
      const int64_t now = now_of(i);
      if (crash_every != 0 && i % crash_every == 0) {
        std::vector<Outgoing> lost;
        ASSERT_TRUE(
            core_->handle(peer, key_of(peer), {7, half_noisy_result(spec)}, now, &lost).is_ok());
        pending.emplace_back(peer, spec);
        reopen(now);  // the transaction never committed
        ++restarts_;
        hello_all(pending, now);
        continue;
      }
      collect(send(peer, half_noisy_result(spec), now), pending);
    }
  }

  Frame frame_of(uint64_t job) {
    Frame f;
    std::vector<Outgoing> out = send("client", proto::OutputsRequest{job}, kStart);
    for (const proto::OutputFile& file :
         std::get<proto::OutputsReply>(out.at(0).envelope.body).files) {
      (file.name.ends_with(".exr") ? f.exr : f.png) = file.hash;
    }
    const std::filesystem::path copy = core_->store().blobs().temp_dir() / "frame.exr";
    EXPECT_TRUE(core_->store().blobs().copy_to_file(f.exr, copy).is_ok());
    Result<ImageRGB> image = read_image(copy);
    EXPECT_TRUE(image.is_ok()) << image.message();
    if (image) f.rgb = image->rgb;
    Result<std::vector<float>> spp = testing::read_channel(copy, "spp");
    EXPECT_TRUE(spp.is_ok()) << spp.message();
    if (spp) f.spp = std::move(spp.value());
    EXPECT_EQ(f.spp.size(), size_t{kWidth} * kHeight);
    return f;
  }

  // Per tile (by top-left pixel), its units' sample ranges in order.
  std::map<std::pair<uint32_t, uint32_t>, std::vector<std::pair<uint32_t, uint32_t>>> ranges() {
    std::map<std::pair<uint32_t, uint32_t>, std::vector<std::pair<uint32_t, uint32_t>>> out;
    Result<StoreSnapshot> snap = core_->store().load();
    EXPECT_TRUE(snap.is_ok());
    for (const UnitRow& u : snap->units) out[{u.x0, u.y0}].emplace_back(u.s0, u.s1);
    for (auto& [tile, r] : out) std::sort(r.begin(), r.end());
    return out;
  }

  // The relative RMS error of the noisy half's luminance against the analytic mean.
  static double noisy_half_error(const Frame& f) {
    double squares = 0;
    uint32_t pixels = 0;
    for (uint32_t y = 0; y < kHeight; ++y) {
      for (uint32_t x = kWidth / 2; x < kWidth; ++x) {
        const float* p = &f.rgb[(size_t{y} * kWidth + x) * 3];
        const double lum = 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
        squares += std::pow((lum - kHalfNoisyMean) / kHalfNoisyMean, 2);
        ++pixels;
      }
    }
    return std::sqrt(squares / pixels);
  }

  std::vector<std::string> workers_ = {"w"};
  uint32_t restarts_ = 0;
};

TEST_F(QualityCoreTest, CleanTilesStopAtMinSppAndNoisyOnesRefineUntilTheTargetIsMet) {
  const Options o;
  const uint64_t job = submit_quality(o).value();
  drive(1);
  const proto::JobStatus s = status(job);
  ASSERT_EQ(s.state, proto::JobState::kDone) << s.message;
  EXPECT_EQ(s.tiles_converged, 8u);
  EXPECT_EQ(s.tiles_refining, 0u);
  EXPECT_EQ(s.spp_min, o.min_spp);
  EXPECT_GT(s.spp_max, o.min_spp);
  EXPECT_LT(s.spp_max, o.max_spp) << "the target is met long before the cap";
  const Frame f = frame_of(job);
  ASSERT_EQ(f.spp.size(), size_t{kWidth} * kHeight);
  for (uint32_t y = 0; y < kHeight; ++y) {
    for (uint32_t x = 0; x < kWidth; ++x) {
      const float n = f.spp[y * kWidth + x];
      if (x < kWidth / 2) {
        EXPECT_EQ(n, static_cast<float>(o.min_spp)) << x << "," << y;
        for (int c = 0; c < 3; ++c) EXPECT_EQ(f.rgb[(y * kWidth + x) * 3 + c], 0.5f);
      } else {
        EXPECT_GT(n, static_cast<float>(o.min_spp)) << x << "," << y;
      }
    }
  }
  // The estimate stops each tile at or below the target, and the round before was above it:
  // the measured error (against the analytic mean) lies within a factor 1.5 of the target
  // and is not far below it (doubling the samples divides the error by about sqrt 2).
  const double error = noisy_half_error(f);
  EXPECT_LE(error, 1.5 * o.target);
  EXPECT_GE(error, 0.4 * o.target);
  // Rounds double: every noisy tile's ranges cover [0, spp) once, spp = min_spp * 2^k.
  for (const auto& [tile, r] : ranges()) {
    uint32_t next = 0;
    for (const auto& [s0, s1] : r) {
      EXPECT_EQ(s0, next) << "tile " << tile.first << "," << tile.second;
      next = s1;
    }
    const uint32_t rounds = static_cast<uint32_t>(std::log2(next / o.min_spp));
    EXPECT_EQ(next, o.min_spp << rounds);
  }
}

TEST_F(QualityCoreTest, TheSameJobGivesTheSameBytesWhateverOrderResultsArriveIn) {
  workers_ = {"a", "b", "c"};
  Options o;
  o.replication = 2;
  std::vector<Frame> frames;
  for (uint32_t seed : {1u, 2u, 3u}) {
    fresh_state("run-" + std::to_string(seed));
    const uint64_t job = submit_quality(o).value();
    drive(seed);
    ASSERT_EQ(status(job).state, proto::JobState::kDone) << status(job).message;
    frames.push_back(frame_of(job));
    // Verified and credited as any unit: a quorum of agreeing replicas, one entry each.
    expect_one_entry_per_agreeing_replica(core_->store().db());
    Result<StoreSnapshot> snap = core_->store().load();
    ASSERT_TRUE(snap.is_ok());
    std::map<uint64_t, uint32_t> agreed;
    for (const ReplicaRow& r : snap->replicas)
      agreed[r.unit_id] += r.state == ReplicaState::kAgreed;
    for (const UnitRow& u : snap->units) {
      EXPECT_TRUE(u.result.has_value());
      EXPECT_GE(agreed[u.id], u.quorum) << "unit " << u.id;
    }
  }
  for (const Frame& f : frames) {
    EXPECT_EQ(f.exr, frames[0].exr);
    EXPECT_EQ(f.png, frames[0].png);
  }
}

TEST_F(QualityCoreTest, RestartsMidRefinementLoseNothingAndPlanNoRoundTwice) {
  const Options o;
  fresh_state("uninterrupted");
  const uint64_t reference_job = submit_quality(o).value();
  drive(4);
  const Frame reference = frame_of(reference_job);
  const auto reference_ranges = ranges();

  fresh_state("crashing");
  const uint64_t job = submit_quality(o).value();
  drive(5, 7);
  EXPECT_GT(restarts_, 5u);
  ASSERT_EQ(status(job).state, proto::JobState::kDone) << status(job).message;
  EXPECT_EQ(ranges(), reference_ranges) << "the same rounds, each planned once";
  const Frame f = frame_of(job);
  EXPECT_EQ(f.exr, reference.exr);
  EXPECT_EQ(f.png, reference.png);
}

TEST_F(QualityCoreTest, NoRoundStartsAfterTheDeadlineAndPlannedUnitsFinish) {
  Options o;
  o.target = 1e-4;  // unreachable: without the deadline every noisy tile would reach max_spp
  o.deadline_s = 10;
  const uint64_t job = submit_quality(o).value();
  uint32_t spp_at_deadline = 0;
  bool past = false;
  drive(6, 0, [&](uint32_t) {
    if (!past && status(job).spp_max >= 4 * o.min_spp) {
      past = true;
      spp_at_deadline = status(job).spp_max;
    }
    return past ? kStart + 11'000 : kStart;
  });
  ASSERT_TRUE(past);
  const proto::JobStatus s = status(job);
  ASSERT_EQ(s.state, proto::JobState::kDone) << s.message;
  EXPECT_EQ(s.tiles_converged, 8u);
  EXPECT_EQ(s.spp_max, spp_at_deadline);
  EXPECT_LT(s.spp_max, o.max_spp);
}

TEST_F(QualityCoreTest, RefusesOptionsThatCannotWorkSayingWhatToFix) {
  Options one_sample;
  one_sample.min_spp = 1;
  Result<uint64_t> refused = submit_quality(one_sample);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.message().find("--min-spp 1 must be at least 2"), std::string::npos)
      << refused.message();
  Options inverted;
  inverted.min_spp = 64;
  inverted.max_spp = 32;
  EXPECT_FALSE(submit_quality(inverted).is_ok());
  EXPECT_TRUE(core_->job_statuses(0).empty()) << "a refused job leaves no trace";
}

}  // namespace
}  // namespace tf::testing
