// The image writer (formats/image/image_writer.h), read back with OpenImageIO, an independent
// reader of both formats: what each file says besides its pixels (description, colour space,
// channels), and the images it refuses. The pixels themselves are checked by image_io_test.cpp.
#include "formats/image/image_writer.h"

#include <OpenImageIO/imageio.h>
#include <gtest/gtest.h>

#include <memory>

#include "formats/fileio/atomic_write.h"
#include "test_util.h"

namespace tf {
namespace {

// `image` encoded, written to `dir`, and opened with OpenImageIO (with `config`, if given).
std::unique_ptr<OIIO::ImageInput> encoded_and_opened(const testing::TempDir& dir,
                                                     const ImageToEncode& image,
                                                     const OIIO::ImageSpec* config = nullptr) {
  Result<std::vector<uint8_t>> bytes = encode_image(image);
  EXPECT_TRUE(bytes) << bytes.message();
  if (!bytes) return nullptr;
  const std::filesystem::path file = dir / image.name;
  EXPECT_TRUE(write_file_atomically(file, bytes.value()));
  return OIIO::ImageInput::open(file.string(), config);
}

TEST(ImageWriter, TheDescriptionIsReadBackAsTheImageDescription) {
  testing::TempDir dir;
  const std::vector<float> floats(2 * 3, 0.25f);
  const std::vector<uint8_t> bytes(2 * 3, 7);
  for (ImageToEncode image : {rgb_image("d.exr", 2, 1, PixelType::kFloat32, floats.data()),
                              rgb_image("d.png", 2, 1, PixelType::kUint8, bytes.data())}) {
    image.description = "min=0 max=1 of " + image.name;
    auto in = encoded_and_opened(dir, image);
    ASSERT_TRUE(in) << image.name;
    EXPECT_EQ(in->spec().get_string_attribute("ImageDescription"), image.description);
  }
  auto png_in = encoded_and_opened(dir, rgb_image("s.png", 2, 1, PixelType::kUint8, bytes.data()));
  ASSERT_TRUE(png_in);
  EXPECT_EQ(png_in->spec().get_string_attribute("oiio:ColorSpace"), "sRGB");
}

TEST(ImageWriter, PngsHoldGreyGreyAlphaRgbAndRgbaAsGiven) {
  testing::TempDir dir;
  const std::vector<std::vector<std::string>> layouts = {
      {"Y"}, {"Y", "A"}, {"R", "G", "B"}, {"R", "G", "B", "A"}};
  for (const std::vector<std::string>& channels : layouts) {
    const size_t n = channels.size();
    std::vector<uint8_t> pixels(3 * 2 * n);
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 37 % 256);
    const ImageToEncode image{"c" + std::to_string(n) + ".png", 3, 2, channels,
                              PixelType::kUint8, pixels.data(), {}, {}};
    OIIO::ImageSpec config;
    config.attribute("oiio:UnassociatedAlpha", 1);
    auto in = encoded_and_opened(dir, image, &config);
    ASSERT_TRUE(in) << n;
    ASSERT_EQ(in->spec().nchannels, static_cast<int>(n));
    EXPECT_EQ(in->spec().alpha_channel, n == 2 || n == 4 ? static_cast<int>(n) - 1 : -1);
    std::vector<uint8_t> back(pixels.size());
    ASSERT_TRUE(in->read_image(0, 0, 0, static_cast<int>(n), OIIO::TypeDesc::UINT8, back.data()));
    EXPECT_EQ(back, pixels) << n << " channels";
  }
}

// Either row filter gives the pixels back as given (PNG's filters are lossless; the writer
// only picks one).
TEST(ImageWriter, PngsOfEitherRowFilterReadBackAsGiven) {
  testing::TempDir dir;
  std::vector<uint8_t> pixels(5 * 4 * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 53 % 256);
  for (PngFilter filter : {PngFilter::kSub, PngFilter::kNone}) {
    ImageToEncode image = rgb_image("f.png", 5, 4, PixelType::kUint8, pixels.data());
    image.png_filter = filter;
    auto in = encoded_and_opened(dir, image);
    ASSERT_TRUE(in);
    std::vector<uint8_t> back(pixels.size());
    ASSERT_TRUE(in->read_image(0, 0, 0, 3, OIIO::TypeDesc::UINT8, back.data()));
    EXPECT_EQ(back, pixels) << (filter == PngFilter::kNone ? "no filter" : "Sub filter");
  }
}

// An image over the 32 MB a writer thread keeps buffers for (png_writer.cpp) is written with
// buffers of its own, and reads back as given too.
TEST(ImageWriter, APngLargerThanTheKeptBuffersReadsBackAsGiven) {
  testing::TempDir dir;
  const uint32_t side = 3000;  // RGBA: 36 MB of pixels
  std::vector<uint8_t> pixels(size_t{side} * side * 4);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 131 % 251);
  const ImageToEncode image{"big.png", side, side, {"R", "G", "B", "A"},
                            PixelType::kUint8, pixels.data(), {}, {}};
  OIIO::ImageSpec config;
  config.attribute("oiio:UnassociatedAlpha", 1);
  auto in = encoded_and_opened(dir, image, &config);
  ASSERT_TRUE(in);
  std::vector<uint8_t> back(pixels.size());
  ASSERT_TRUE(in->read_image(0, 0, 0, 4, OIIO::TypeDesc::UINT8, back.data()));
  EXPECT_TRUE(back == pixels);
}

TEST(ImageWriter, EqualPixelsGiveEqualBytes) {
  const std::vector<float> floats = {0.5f, 1.5f, -2.0f, 1e-8f, 3.0f, 7.0f};
  const ImageToEncode image = rgb_image("e.exr", 2, 1, PixelType::kFloat32, floats.data());
  Result<std::vector<uint8_t>> first = encode_image(image);
  Result<std::vector<uint8_t>> second = encode_image(image);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first.value(), second.value());
}

TEST(ImageWriter, RefusesWhatItDoesNotWriteSayingWhy) {
  const std::vector<float> floats(4 * 3, 1.0f);
  const std::vector<uint8_t> bytes(4 * 5, 1);
  auto refused = [](const ImageToEncode& image, const std::string& why) {
    Result<std::vector<uint8_t>> encoded = encode_image(image);
    ASSERT_FALSE(encoded) << image.name;
    EXPECT_NE(encoded.message().find(why), std::string::npos) << encoded.message();
  };
  refused(rgb_image("f.tif", 2, 2, PixelType::kFloat32, floats.data()),
          "no image writer for f.tif");
  refused(rgb_image("f.exr", 2, 2, PixelType::kUint8, bytes.data()), "32-bit floats");
  refused(rgb_image("f.png", 2, 2, PixelType::kFloat32, floats.data()), "8-bit values");
  refused(rgb_image("f.exr", 0, 2, PixelType::kFloat32, floats.data()), "empty image (0x2)");
  refused({"f.exr", 2, 2, {"R", "R", "B"}, PixelType::kFloat32, floats.data(), {}, {}},
          "distinct, non-empty names");
  refused({"f.exr", 2, 2, {}, PixelType::kFloat32, floats.data(), {}, {}}, "need channels");
  refused({"f.png", 1, 1, {"R", "G", "B", "A", "Z"}, PixelType::kUint8, bytes.data(), {}, {}},
          "1 to 4 channels");
  refused(rgb_image("f.exr", 2, 2, PixelType::kFloat32, floats.data(), {3, 3, 2, 0}),
          "does not fit its 3x3 display window");
}

}  // namespace
}  // namespace tf
