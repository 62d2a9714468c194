// The misbehaving-worker decorator: each mode cheats the way its contract says, checked against
// a fake renderer whose sums are computed here by hand.
#include "worker/misbehaving_executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <memory>
#include <vector>

#include "formats/protocol/codec.h"
#include "kernels/sim/sim_host.h"

namespace tf {
namespace {

// Sample s of pixel (x, y) has radiance 1 + ((7x + 3y + s) mod 5) / 4 in every channel; one ray
// per sample.
float sample_value(uint32_t x, uint32_t y, uint32_t s) {
  return 1.0f + static_cast<float>((7 * x + 3 * y + s) % 5) / 4.0f;
}

TileResult honest_tile(const RenderUnit& u) {
  TileResult t;
  t.width = u.width();
  t.height = u.height();
  for (uint32_t y = u.y0; y < u.y1; ++y) {
    for (uint32_t x = u.x0; x < u.x1; ++x) {
      float sum = 0;
      for (uint32_t s = u.s0; s < u.s1; ++s) sum += sample_value(x, y, s);
      for (int c = 0; c < 3; ++c) t.rgb.push_back(sum);
    }
  }
  t.rays = uint64_t{t.width} * t.height * (u.s1 - u.s0);
  return t;
}

class FakeExecutor : public UnitExecutor {
 public:
  explicit FakeExecutor(std::vector<RenderUnit>* calls) : calls_(calls) {}
  const DeviceInfo& device() const override { return info_; }
  std::string kernel_version() const override { return "fake-1"; }
  Status load_scene(const std::filesystem::path&, bool) override { return Status::ok(); }
  Status render(const RenderUnit& unit, TileResult* out) override {
    calls_->push_back(unit);
    *out = honest_tile(unit);
    return Status::ok();
  }
  // A stand-in stepper: every value grows by the steps taken.
  Status simulate(sim::TileState& state, int steps) override {
    for (float& v : state.fields) v += static_cast<float>(steps);
    return Status::ok();
  }

 private:
  DeviceInfo info_{"cpu", 0, "fake", 0, 1};
  std::vector<RenderUnit>* calls_;
};

struct Decorated {
  std::vector<RenderUnit> calls;
  std::vector<std::chrono::milliseconds> sleeps;
  std::unique_ptr<MisbehavingExecutor> executor;
  Decorated(Misbehavior mode, uint64_t seed = 1, uint64_t honest_units = 0,
            std::shared_ptr<std::atomic<uint64_t>> units_seen = nullptr) {
    MisbehaviorOptions options;
    options.mode = mode;
    options.seed = seed;
    options.honest_units = honest_units;
    options.units_seen = std::move(units_seen);
    options.slow_delay = std::chrono::milliseconds(660000);
    options.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
    executor = std::make_unique<MisbehavingExecutor>(std::make_unique<FakeExecutor>(&calls),
                                                     std::move(options));
  }
  TileResult render(const RenderUnit& u) {
    TileResult t;
    EXPECT_TRUE(executor->render(u, &t).is_ok());
    return t;
  }
};

constexpr RenderUnit kUnit{0, 8, 4, 24, 12, 10, 18};   // 16x8 pixels, 8 samples
constexpr RenderUnit kOther{0, 24, 4, 40, 12, 10, 18};  // same size, elsewhere

TEST(MisbehavingExecutor, ParsesEveryModeAndNamesThemOnError) {
  for (const char* name : {"wrong", "lazy", "copy", "slow", "garbage"}) {
    EXPECT_TRUE(parse_misbehavior(name).is_ok()) << name;
  }
  auto bad = parse_misbehavior("sneaky");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("wrong, lazy, copy, slow or garbage"), std::string::npos);
}

TEST(MisbehavingExecutor, WrongPerturbsPixelsAndTwoWorkersDisagree) {
  const TileResult honest = honest_tile(kUnit);
  const TileResult a = Decorated(Misbehavior::kWrong, 1).render(kUnit);
  const TileResult b = Decorated(Misbehavior::kWrong, 2).render(kUnit);
  ASSERT_EQ(a.rgb.size(), honest.rgb.size());
  EXPECT_EQ(a.rays, honest.rays);
  EXPECT_NE(a.rgb, honest.rgb);
  EXPECT_NE(a.rgb, b.rgb);
  for (size_t i = 0; i < a.rgb.size(); ++i) {
    EXPECT_GE(a.rgb[i], honest.rgb[i]);
    EXPECT_LE(a.rgb[i], honest.rgb[i] + 0.5f * 2);  // a channel may be picked twice
  }
}

TEST(MisbehavingExecutor, LazyRendersHalfTheSamplesAndRescales) {
  Decorated d(Misbehavior::kLazy);
  const TileResult lazy = d.render(kUnit);
  ASSERT_EQ(d.calls.size(), 1u);
  EXPECT_EQ(d.calls[0].s0, 10u);
  EXPECT_EQ(d.calls[0].s1, 14u);
  RenderUnit half = kUnit;
  half.s1 = 14;
  const TileResult expected_half = honest_tile(half);
  ASSERT_EQ(lazy.rgb.size(), expected_half.rgb.size());
  for (size_t i = 0; i < lazy.rgb.size(); ++i) EXPECT_FLOAT_EQ(lazy.rgb[i], 2 * expected_half.rgb[i]);
  EXPECT_EQ(lazy.rays, honest_tile(kUnit).rays);  // claims the full work
  EXPECT_NE(lazy.rgb, honest_tile(kUnit).rgb);
}

TEST(MisbehavingExecutor, CopyReturnsAnotherUnitsBytesForEveryUnit) {
  Decorated d(Misbehavior::kCopy);
  const TileResult first = d.render(kUnit);
  const TileResult second = d.render(kOther);
  RenderUnit neighbour = kUnit;  // the next 8 samples of the same pixels
  neighbour.s0 = 18;
  neighbour.s1 = 26;
  EXPECT_EQ(first.rgb, honest_tile(neighbour).rgb);
  EXPECT_NE(first.rgb, honest_tile(kUnit).rgb);
  EXPECT_EQ(second.rgb, first.rgb);
  EXPECT_NE(second.rgb, honest_tile(kOther).rgb);
  EXPECT_EQ(d.calls.size(), 1u);  // only the neighbour was ever rendered

  // Asked for the neighbour itself, it must not hand out the neighbour's (honest) bytes.
  const TileResult third = d.render(neighbour);
  EXPECT_NE(third.rgb, honest_tile(neighbour).rgb);
  RenderUnit next = neighbour;
  next.s0 = 26;
  next.s1 = 34;
  EXPECT_EQ(third.rgb, honest_tile(next).rgb);
}

TEST(MisbehavingExecutor, SlowRendersHonestlyThenWaitsPastTheLease) {
  Decorated d(Misbehavior::kSlow);
  const TileResult t = d.render(kUnit);
  EXPECT_EQ(t.rgb, honest_tile(kUnit).rgb);
  ASSERT_EQ(d.sleeps.size(), 1u);
  EXPECT_EQ(d.sleeps[0], std::chrono::milliseconds(660000));
}

TEST(MisbehavingExecutor, GarbageRendersHonestlyAndItsFramesNeverDecode) {
  EXPECT_EQ(Decorated(Misbehavior::kGarbage).render(kUnit).rgb, honest_tile(kUnit).rgb);
  zmq::context_t context;
  zmq::socket_t out(context, zmq::socket_type::pair), in(context, zmq::socket_type::pair);
  in.bind("inproc://garbage");
  out.connect("inproc://garbage");
  in.set(zmq::sockopt::rcvtimeo, 5000);
  const proto::RoleSet any = proto::roles(proto::Role::kWorker) |
                             proto::roles(proto::Role::kClient) |
                             proto::roles(proto::Role::kDispatcher);
  for (size_t size : {7u, 64u, 4096u}) {
    send_garbage_frame(out, size);
    zmq::message_t frame;
    ASSERT_TRUE(in.recv(frame));
    EXPECT_GE(frame.size(), size);
    const std::span<const uint8_t> bytes(static_cast<const uint8_t*>(frame.data()), frame.size());
    EXPECT_FALSE(proto::decode_message(bytes, any).is_ok());
  }
}

TEST(MisbehavingExecutor, ColludeIsAMode) {
  ASSERT_TRUE(parse_misbehavior("collude").is_ok());
  EXPECT_EQ(parse_misbehavior("collude").value(), Misbehavior::kCollude);
  EXPECT_NE(parse_misbehavior("sneaky").message().find("collude"), std::string::npos);
}

// Colluders return the same wrong result for the same unit, whatever their own seeds.
TEST(MisbehavingExecutor, CollusionAgreesOnTheSameWrongResult) {
  const TileResult honest = honest_tile(kUnit);
  const TileResult a = Decorated(Misbehavior::kCollude, 1).render(kUnit);
  const TileResult b = Decorated(Misbehavior::kCollude, 2).render(kUnit);
  EXPECT_NE(a.rgb, honest.rgb);
  EXPECT_EQ(a.rgb, b.rgb);
  EXPECT_EQ(a.rays, honest.rays);
  const TileResult other_a = Decorated(Misbehavior::kCollude, 3).render(kOther);
  const TileResult other_b = Decorated(Misbehavior::kCollude, 4).render(kOther);
  EXPECT_NE(other_a.rgb, honest_tile(kOther).rgb);
  EXPECT_EQ(other_a.rgb, other_b.rgb);
  // Wrong workers never agree; colluders are not wrong workers.
  EXPECT_NE(Decorated(Misbehavior::kWrong, 1).render(kUnit).rgb, a.rgb);
}

TEST(MisbehavingExecutor, CollusionOnASimulationUnitAgreesOnTheSameWrongState) {
  sim::TileState input = sim::make_state(sim::Model::d2q9, {6, 4, 1}).value();
  for (size_t i = 0; i < input.fields.size(); ++i) input.fields[i] = 0.001f * static_cast<float>(i);
  sim::TileState honest = input, a = input, b = input;
  for (float& v : honest.fields) v += 3.0f;
  ASSERT_TRUE(Decorated(Misbehavior::kCollude, 1).executor->simulate(a, 3).is_ok());
  ASSERT_TRUE(Decorated(Misbehavior::kCollude, 2).executor->simulate(b, 3).is_ok());
  EXPECT_NE(a.fields, honest.fields);
  EXPECT_EQ(a.fields, b.fields);
}

// --misbehave-after: honest for the first N units, counted over every executor of the worker.
TEST(MisbehavingExecutor, HonestForTheFirstUnitsThenCheats) {
  const auto seen = std::make_shared<std::atomic<uint64_t>>(0);
  Decorated first(Misbehavior::kWrong, 1, 3, seen);
  Decorated second(Misbehavior::kWrong, 2, 3, seen);
  const TileResult honest = honest_tile(kUnit);
  EXPECT_EQ(first.render(kUnit).rgb, honest.rgb);
  EXPECT_EQ(second.render(kUnit).rgb, honest.rgb);
  EXPECT_EQ(first.render(kUnit).rgb, honest.rgb);
  EXPECT_NE(second.render(kUnit).rgb, honest.rgb) << "the fourth unit of the worker";
  EXPECT_NE(first.render(kUnit).rgb, honest.rgb);
}

}  // namespace
}  // namespace tf
