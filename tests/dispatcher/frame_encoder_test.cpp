// The background frame encoder: a frame's tiles are assembled, encoded and stored off the
// loop; the EXR it stores holds the per-pixel means computed here by hand, and tiles that do
// not make the frame come back as an assembly error with no outputs.
#include "dispatcher/frame_encoder.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/temp_dir.h"

namespace tf {
namespace {

// Waits (bounded) for the encoder's one finished frame.
EncodedFrame take_one(FrameEncoder& encoder) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    std::vector<EncodedFrame> done = encoder.take_finished();
    if (!done.empty()) return std::move(done.front());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ADD_FAILURE() << "the encoder finished nothing in 20 s";
  return {};
}

// A 2x1 frame at 2 spp: samples [0,1) and [1,2) in two units covering both pixels.
std::vector<TileSums> two_ranges() {
  return {{0, 0, 2, 1, 0, 1, {1, 2, 3, 4, 5, 6}}, {0, 0, 2, 1, 1, 2, {3, 2, 1, 0, 1, 2}}};
}

TEST(FrameEncoder, AssemblesEncodesAndStoresTheMeanOfTheTiles) {
  testing::TempDir dir;
  Result<BlobStore> blobs = BlobStore::open(dir.path() / "blobs");
  ASSERT_TRUE(blobs.is_ok()) << blobs.message();
  FrameEncoder encoder(blobs.value());
  encoder.submit({7, 3, 2, 1, 2, two_ranges()});
  const EncodedFrame done = take_one(encoder);
  EXPECT_EQ(done.job_id, 7u);
  EXPECT_EQ(done.frame, 3u);
  EXPECT_TRUE(done.failure.empty()) << done.failure;
  ASSERT_TRUE(done.exr.is_ok()) << done.exr.message();
  ASSERT_TRUE(done.png.is_ok()) << done.png.message();
  ASSERT_TRUE(blobs->copy_to_file(done.exr.value(), dir / "frame.exr").is_ok());
  Result<ImageRGB> exr = read_image(dir / "frame.exr");
  ASSERT_TRUE(exr.is_ok()) << exr.message();
  EXPECT_EQ(exr->rgb, (std::vector<float>{2, 2, 2, 2, 3, 4}));  // (a + b) / 2 per value
}

TEST(FrameEncoder, TilesThatDoNotMakeTheFrameAreAnAssemblyErrorWithoutOutputs) {
  testing::TempDir dir;
  Result<BlobStore> blobs = BlobStore::open(dir.path() / "blobs");
  ASSERT_TRUE(blobs.is_ok()) << blobs.message();
  FrameEncoder encoder(blobs.value());
  std::vector<TileSums> one_range = two_ranges();
  one_range.pop_back();  // samples [1, 2) missing
  encoder.submit({7, 4, 2, 1, 2, std::move(one_range)});
  const EncodedFrame done = take_one(encoder);
  EXPECT_FALSE(done.failure.empty());
  EXPECT_FALSE(done.exr.is_ok());
  EXPECT_FALSE(done.png.is_ok());
}

}  // namespace
}  // namespace tf
