// The image codec's loader (formats/image/image_codec.h): the module it finds by the programs'
// run path, one named by TILEFARM_IMAGE_MODULE, and the errors of a module that is missing or
// is not the codec. The codec loads once per process, so each case runs in a process of its
// own (a death test re-running this program), where it sets the variable before the first use.
#include "formats/image/image_codec.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "formats/fileio/atomic_write.h"
#include "formats/image/image_writer.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

// In a fresh process: names `module` (unless empty), then encodes a 2 x 1 PNG (image_writer.h,
// which needs no module) and decodes it back through the codec; prints the first error and
// exits with 3, or exits with 0 when the pixels came back.
[[noreturn]] void round_trip_with_module(const std::string& module) {
  if (!module.empty()) setenv(kImageCodecModuleVariable, module.c_str(), 1);
  const std::vector<uint8_t> pixels{255, 0, 0, 0, 128, 255};
  Result<std::vector<uint8_t>> png =
      encode_image(rgb_image("two.png", 2, 1, PixelType::kUint8, pixels.data()));
  if (!png) {
    std::fprintf(stderr, "%s\n", png.message().c_str());
    std::exit(3);
  }
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "two.png";
  if (!write_file_atomically(file, png.value())) std::exit(4);
  Result<DecodedImage> back = image_codec().decode(file);
  if (!back) {
    std::fprintf(stderr, "%s\n", back.message().c_str());
    std::exit(3);
  }
  const std::vector<float> expected{1.0f, 0.0f, 0.0f, 0.0f, 128.0f / 255.0f, 1.0f};
  std::exit(back->width == 2 && back->height == 1 && back->values == expected ? 0 : 5);
}

class ImageCodecLoader : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(ImageCodecLoader, TheModuleBesideTheProgramsLoadsAndRoundTripsAnImage) {
  unsetenv(kImageCodecModuleVariable);
  EXPECT_EXIT(round_trip_with_module(""), ::testing::ExitedWithCode(0), "");
}

TEST_F(ImageCodecLoader, AMissingModuleFailsEveryCallSayingWhatToSet) {
  EXPECT_EXIT(round_trip_with_module("/nonexistent/libtilefarm_image_oiio.so"),
              ::testing::ExitedWithCode(3),
              "image support is unavailable: its module did not load \\(/nonexistent/"
              "libtilefarm_image_oiio.so: .*\\); .*TILEFARM_IMAGE_MODULE");
}

// Frames and snapshots are written without the module: a process that only writes images
// (a dispatcher, `tilefarm sim`) never loads OpenImageIO, even when the module is missing.
[[noreturn]] void encode_without_the_module() {
  setenv(kImageCodecModuleVariable, "/nonexistent/libtilefarm_image_oiio.so", 1);
  const std::vector<float> floats(2 * 3, 0.5f);
  const std::vector<uint8_t> bytes(2 * 3, 9);
  if (!encode_image(rgb_image("a.exr", 2, 1, PixelType::kFloat32, floats.data())) ||
      !encode_image(rgb_image("a.png", 2, 1, PixelType::kUint8, bytes.data()))) {
    std::exit(3);
  }
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    if (line.find("libOpenImageIO") != std::string::npos) std::exit(4);
  }
  std::exit(0);
}

TEST_F(ImageCodecLoader, WritingImagesLoadsNoModule) {
  EXPECT_EXIT(encode_without_the_module(), ::testing::ExitedWithCode(0), "");
}

TEST_F(ImageCodecLoader, ALibraryThatIsNotTheCodecIsRefused) {
  // The C math library loads (every process has it) but has no codec entry point.
  EXPECT_EXIT(round_trip_with_module("libm.so.6"), ::testing::ExitedWithCode(3),
              "its module did not load \\(libm.so.6 has no tilefarm_image_codec_v3\\)");
}

}  // namespace
}  // namespace tf
