// The planner covers each (pixel, sample) of a frame exactly once; frame lists parse as
// documented and bad ones are refused with the offending item named.
#include <gtest/gtest.h>

#include "dispatcher/planner.h"

namespace tf {
namespace {

TEST(Planner, UnitsCoverEveryPixelSampleExactlyOnce) {
  struct Case {
    uint32_t w, h, tile, spp, spu;
  };
  for (const Case c : {Case{64, 64, 16, 8, 8}, Case{67, 33, 16, 10, 3}, Case{1, 1, 1, 1, 1},
                       Case{100, 7, 64, 17, 17}, Case{5, 9, 100, 4, 64}, Case{31, 17, 8, 13, 5}}) {
    Result<std::vector<PlannedUnit>> plan = plan_frame(c.w, c.h, c.tile, c.spp, c.spu);
    ASSERT_TRUE(plan.is_ok()) << plan.message();
    std::vector<int> hits(size_t{c.w} * c.h * c.spp, 0);
    for (const PlannedUnit& u : plan.value()) {
      EXPECT_LE(u.x1 - u.x0, c.tile);
      EXPECT_LE(u.y1 - u.y0, c.tile);
      EXPECT_LE(u.s1 - u.s0, c.spu);
      ASSERT_LE(u.x1, c.w);
      ASSERT_LE(u.y1, c.h);
      ASSERT_LE(u.s1, c.spp);
      for (uint32_t y = u.y0; y < u.y1; ++y)
        for (uint32_t x = u.x0; x < u.x1; ++x)
          for (uint32_t s = u.s0; s < u.s1; ++s) ++hits[(size_t{y} * c.w + x) * c.spp + s];
    }
    for (size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i], 1) << "pixel-sample " << i;
    const size_t expected = ((c.w + c.tile - 1) / c.tile) * ((c.h + c.tile - 1) / c.tile) *
                            ((c.spp + c.spu - 1) / c.spu);
    EXPECT_EQ(plan->size(), expected);
  }
}

TEST(Planner, RefusesDegenerateJobs) {
  EXPECT_FALSE(plan_frame(0, 10, 16, 4, 4).is_ok());
  EXPECT_FALSE(plan_frame(10, 10, 0, 4, 4).is_ok());
  EXPECT_FALSE(plan_frame(10, 10, 16, 0, 4).is_ok());
  EXPECT_FALSE(plan_frame(10, 10, 16, 4, 0).is_ok());
  EXPECT_FALSE(plan_frame(100000, 10, 16, 4, 4).is_ok());
  Result<std::vector<PlannedUnit>> many = plan_frame(4096, 4096, 1, 1, 1);
  ASSERT_FALSE(many.is_ok());
  EXPECT_NE(many.message().find("larger tile"), std::string::npos) << many.message();
}

std::vector<uint32_t> frames(std::string_view text) {
  Result<std::vector<uint32_t>> r = parse_frame_list(text);
  EXPECT_TRUE(r.is_ok()) << text << ": " << r.message();
  return r.is_ok() ? r.value() : std::vector<uint32_t>{};
}

TEST(FrameList, ParsesSinglesRangesAndSteps) {
  EXPECT_EQ(frames("7"), (std::vector<uint32_t>{7}));
  EXPECT_EQ(frames("1-240").size(), 240u);
  EXPECT_EQ(frames("1-240").front(), 1u);
  EXPECT_EQ(frames("1-240").back(), 240u);
  const std::vector<uint32_t> odd = frames("1-100x2");
  ASSERT_EQ(odd.size(), 50u);
  for (size_t i = 0; i < odd.size(); ++i) EXPECT_EQ(odd[i], 1 + 2 * i);
  std::vector<uint32_t> mixed{1, 5};
  for (uint32_t f = 10; f <= 20; ++f) mixed.push_back(f);
  EXPECT_EQ(frames("1,5,10-20"), mixed);
  EXPECT_EQ(frames("3-3"), (std::vector<uint32_t>{3}));
  EXPECT_EQ(frames("0-10x5"), (std::vector<uint32_t>{0, 5, 10}));
}

TEST(FrameList, RefusesMalformedLists) {
  for (const char* bad : {"", ",", "1,", ",1", "a", "1-", "-5", "5-1", "1-10x0", "1-10x",
                          "1x2", "1,1", "1-5,3", "99999999999", "1.5", "1 - 3"}) {
    Result<std::vector<uint32_t>> r = parse_frame_list(bad);
    EXPECT_FALSE(r.is_ok()) << "'" << bad << "' was accepted";
  }
  Result<std::vector<uint32_t>> r = parse_frame_list("1,5-2");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.message().find("'5-2'"), std::string::npos) << r.message();
  EXPECT_FALSE(parse_frame_list("1-2000", 1000).is_ok());
}

}  // namespace
}  // namespace tf
