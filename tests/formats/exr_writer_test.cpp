// The farm's EXR writer (formats/image/exr_writer.h) read back by OpenEXR itself, the format's
// reference implementation: every value bit for bit, whatever the channels' order, the
// image's size (blocks of 16 rows and a shorter last one) and whether a block compresses;
// the header's windows, compression, channels and comments as written.
#include "formats/image/exr_writer.h"

#include <OpenEXR/ImfChannelList.h>
#include <OpenEXR/ImfCompression.h>
#include <OpenEXR/ImfFrameBuffer.h>
#include <OpenEXR/ImfHeader.h>
#include <OpenEXR/ImfInputFile.h>
#include <OpenEXR/ImfStandardAttributes.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "formats/fileio/atomic_write.h"
#include "test_util.h"

namespace tf {
namespace {

// `image` encoded and written to `dir`/`name`; its path.
std::filesystem::path written(const testing::TempDir& dir, const ExrImage& image,
                              const std::string& name, size_t* file_bytes = nullptr) {
  Result<std::vector<uint8_t>> bytes = encode_exr_zip(image);
  EXPECT_TRUE(bytes) << bytes.message();
  if (!bytes) return {};
  if (file_bytes != nullptr) *file_bytes = bytes->size();
  const std::filesystem::path file = dir / name;
  EXPECT_TRUE(write_file_atomically(file, bytes.value()));
  return file;
}

// Every channel of the file read by OpenEXR, interleaved in the order of `channels`.
std::vector<float> read_back(const std::filesystem::path& file,
                             const std::vector<std::string>& channels) {
  Imf::InputFile in(file.string().c_str());
  const Imath::Box2i window = in.header().dataWindow();
  const size_t width = window.max.x - window.min.x + 1, height = window.max.y - window.min.y + 1;
  std::vector<float> values(width * height * channels.size(), -1.0f);
  Imf::FrameBuffer frame;
  const size_t x_stride = channels.size() * sizeof(float);
  for (size_t c = 0; c < channels.size(); ++c) {
    frame.insert(channels[c], Imf::Slice::Make(Imf::FLOAT, values.data() + c, window, x_stride,
                                               x_stride * width));
  }
  in.setFrameBuffer(frame);
  in.readPixels(window.min.y, window.max.y);
  return values;
}

// An image of the whole picture, without comments.
ExrImage whole(uint32_t width, uint32_t height, const std::vector<std::string>& channels,
               const std::vector<float>& pixels) {
  ExrImage image;
  image.width = width;
  image.height = height;
  image.channels = channels;
  image.pixels = pixels.data();
  return image;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(ExrWriter, OpenExrReadsEveryValueBackBitForBit) {
  testing::TempDir dir;
  std::mt19937 random(7);
  const std::vector<std::vector<std::string>> layouts = {
      {"R", "G", "B"}, {"v", "u"}, {"spp", "R", "G", "B"}, {"temperature"}};
  const std::vector<std::pair<uint32_t, uint32_t>> sizes = {{1, 1}, {5, 17}, {300, 40}, {64, 16}};
  for (const auto& [width, height] : sizes) {
    for (const std::vector<std::string>& channels : layouts) {
      std::vector<float> pixels;
      for (size_t i = 0; i < size_t{width} * height * channels.size(); ++i) {
        pixels.push_back(std::ldexp(static_cast<float>(random() % 1000), -7) - 3.0f);
      }
      pixels.front() = -0.0f;
      pixels.back() = std::numeric_limits<float>::infinity();
      if (pixels.size() > 2) pixels[1] = std::numeric_limits<float>::denorm_min();
      const ExrImage image = whole(width, height, channels, pixels);
      const std::string name = std::to_string(width) + "x" + std::to_string(height) + "_" +
                               std::to_string(channels.size()) + ".exr";
      const std::filesystem::path file = written(dir, image, name);
      EXPECT_TRUE(same_bits(read_back(file, channels), pixels)) << name;
    }
  }
}

// Random bits do not compress: such blocks are stored as they are, smooth ones compressed;
// OpenEXR reads both kinds back.
TEST(ExrWriter, BlocksThatDoNotShrinkAreStoredAsTheyAre) {
  testing::TempDir dir;
  const uint32_t width = 128, height = 48;
  const std::vector<std::string> channels = {"R", "G", "B"};
  const size_t raw_bytes = size_t{width} * height * channels.size() * sizeof(float);
  std::mt19937 random(11);
  std::vector<float> noise(raw_bytes / sizeof(float)), smooth(noise.size());
  for (size_t i = 0; i < noise.size(); ++i) {
    const auto bits = static_cast<uint32_t>(random());  // NaNs too: values are copied as bits
    std::memcpy(&noise[i], &bits, sizeof bits);
    smooth[i] = static_cast<float>(i / 97) * 0.5f;
  }
  size_t noise_file = 0, smooth_file = 0;
  const std::filesystem::path a =
      written(dir, whole(width, height, channels, noise), "noise.exr", &noise_file);
  const std::filesystem::path b =
      written(dir, whole(width, height, channels, smooth), "smooth.exr", &smooth_file);
  EXPECT_GT(noise_file, raw_bytes);
  EXPECT_LT(smooth_file, raw_bytes / 10);
  EXPECT_TRUE(same_bits(read_back(a, channels), noise));
  EXPECT_TRUE(same_bits(read_back(b, channels), smooth));
}

TEST(ExrWriter, TheHeaderSaysWhatWasWritten) {
  testing::TempDir dir;
  const std::string long_name = "a_channel_name_longer_than_thirty_one_bytes";
  const std::vector<std::string> channels = {"Z", long_name};
  const std::vector<float> pixels(6 * 3 * 2, 0.5f);
  const ExrImage image{.width = 6,
                       .height = 3,
                       .channels = channels,
                       .pixels = pixels.data(),
                       .x0 = 2,
                       .y0 = 4,
                       .full_width = 10,
                       .full_height = 9,
                       .comments = "min=0.5 max=0.5"};
  const std::filesystem::path file = written(dir, image, "h.exr");
  Imf::InputFile in(file.string().c_str());
  const Imf::Header& header = in.header();
  EXPECT_EQ(header.dataWindow(), Imath::Box2i({2, 4}, {7, 6}));
  EXPECT_EQ(header.displayWindow(), Imath::Box2i({0, 0}, {9, 8}));
  EXPECT_EQ(header.compression(), Imf::ZIP_COMPRESSION);
  EXPECT_EQ(header.lineOrder(), Imf::INCREASING_Y);
  ASSERT_TRUE(Imf::hasComments(header));
  EXPECT_EQ(Imf::comments(header), "min=0.5 max=0.5");
  std::vector<std::string> names;
  for (auto c = header.channels().begin(); c != header.channels().end(); ++c) {
    names.push_back(c.name());
    EXPECT_EQ(c.channel().type, Imf::FLOAT) << c.name();
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Z", long_name}));
  EXPECT_TRUE(same_bits(read_back(file, channels), pixels));
}

TEST(ExrWriter, RefusesNamesTheFormatCannotHold) {
  const std::vector<float> pixels(1, 1.0f);
  const Result<std::vector<uint8_t>> bytes =
      encode_exr_zip(whole(1, 1, {std::string(256, 'x')}, pixels));
  ASSERT_FALSE(bytes);
  EXPECT_NE(bytes.message().find("at most 255 bytes"), std::string::npos) << bytes.message();
}

}  // namespace
}  // namespace tf
