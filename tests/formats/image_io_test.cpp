#include "formats/image/image_io.h"

#include <OpenImageIO/imageio.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include "formats/fileio/read_file.h"
#include "test_util.h"

namespace tf {
namespace {

// The published IEC 61966-2-1 encoding, in double precision.
double srgb_reference(double x) {
  x = std::clamp(x, 0.0, 1.0);
  return x <= 0.0031308 ? 12.92 * x : 1.055 * std::pow(x, 1.0 / 2.4) - 0.055;
}

TEST(ImageIo, SrgbKnownValues) {
  EXPECT_NEAR(srgb_encode(0.5f), 0.735356983, 1e-6);  // 188 in 8 bits (gamma 2.2 gives 186)
  EXPECT_NEAR(srgb_encode(0.18f), 0.461356129, 1e-6);
  EXPECT_NEAR(srgb_encode(0.002f), 0.02584, 1e-6);  // linear segment
  EXPECT_EQ(srgb_encode(0.f), 0.f);
  EXPECT_EQ(srgb_encode(2.f), 1.f);
  EXPECT_EQ(srgb_encode(NAN), 0.f);
  for (float x = 0.f; x <= 1.f; x += 0.01f) EXPECT_NEAR(srgb_decode(srgb_encode(x)), x, 2e-6);
}

TEST(ImageIo, ExrRoundTripIsExact) {
  testing::TempDir dir;
  const uint32_t w = 7, h = 5;
  std::vector<float> rgb(w * h * 3);
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u(-1000.f, 1000.f);
  for (float& v : rgb) v = u(rng);
  rgb[0] = 1.f / 3.f;
  rgb[1] = 1e-30f;  // below half's range: must survive as float
  rgb[2] = 65504.f * 3;
  ASSERT_TRUE(write_exr(dir / "a.exr", w, h, rgb.data()).is_ok());
  Result<ImageRGB> back = read_image(dir / "a.exr");
  ASSERT_TRUE(back.is_ok()) << back.message();
  EXPECT_EQ(back->width, w);
  EXPECT_EQ(back->height, h);
  EXPECT_EQ(back->rgb, rgb);
}

// Outputs are content-addressed and compared across runs: an EXR must not carry the time it
// was written (OpenImageIO adds a DateTime unless told otherwise).
TEST(ImageIo, ExrCarriesNoCaptureDate) {
  testing::TempDir dir;
  const std::vector<float> rgb(4 * 3, 0.5f);
  ASSERT_TRUE(write_exr(dir / "a.exr", 2, 2, rgb.data()).is_ok());
  auto in = OIIO::ImageInput::open((dir / "a.exr").string());
  ASSERT_TRUE(in);
  EXPECT_EQ(in->spec().find_attribute("DateTime"), nullptr);
}

// Frames go into the blob store encoded in memory: the bytes must be those of the file that
// OpenImageIO writes to disk, and the sample-count channel must read back exactly.
TEST(ImageIo, InMemoryEncodingsAreTheFilesBytes) {
  testing::TempDir dir;
  const uint32_t w = 9, h = 4;
  std::vector<float> rgb(w * h * 3);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.f, 2.f);
  for (float& v : rgb) v = u(rng);
  ASSERT_TRUE(write_exr(dir / "a.exr", w, h, rgb.data()).is_ok());
  ASSERT_TRUE(write_png(dir / "a.png", w, h, rgb.data()).is_ok());
  Result<std::vector<uint8_t>> exr = encode_exr(w, h, rgb.data());
  Result<std::vector<uint8_t>> png = encode_png(w, h, rgb.data());
  ASSERT_TRUE(exr && png);
  EXPECT_EQ(exr.value(), read_whole_file(dir / "a.exr").value());
  EXPECT_EQ(png.value(), read_whole_file(dir / "a.png").value());

  std::vector<uint32_t> spp(w * h);
  for (size_t i = 0; i < spp.size(); ++i) spp[i] = static_cast<uint32_t>(i * 977 % 16777216);
  Result<std::vector<uint8_t>> with_spp = encode_exr(w, h, rgb.data(), spp.data());
  ASSERT_TRUE(with_spp);
  std::ofstream(dir / "spp.exr", std::ios::binary)
      .write(reinterpret_cast<const char*>(with_spp->data()),
             static_cast<std::streamsize>(with_spp->size()));
  auto in = OIIO::ImageInput::open((dir / "spp.exr").string());
  ASSERT_TRUE(in);
  const OIIO::ImageSpec& spec = in->spec();
  ASSERT_EQ(spec.nchannels, 4);
  EXPECT_EQ(spec.channelnames[3], "spp");
  std::vector<float> all(size_t{w} * h * 4);
  ASSERT_TRUE(in->read_image(0, 0, 0, 4, OIIO::TypeDesc::FLOAT, all.data()));
  for (size_t p = 0; p < size_t{w} * h; ++p) {
    for (int c = 0; c < 3; ++c) ASSERT_EQ(all[p * 4 + c], rgb[p * 3 + c]);
    ASSERT_EQ(all[p * 4 + 3], static_cast<float>(spp[p]));
  }
  EXPECT_FALSE(encode_exr(0, h, rgb.data()));
}

// A cropped film's EXR as pbrt-v4 writes it: the display window is the whole film, the data
// window the crop's pixels where they lie in it (read back with OpenImageIO's EXR reader).
TEST(ImageIo, CropsKeepTheWholeFilmAsTheirDisplayWindow) {
  testing::TempDir dir;
  const uint32_t w = 5, h = 3;
  std::vector<float> rgb(w * h * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = 0.25f * static_cast<float>(i);
  auto read_back = [&](const std::vector<uint8_t>& bytes, const char* name) {
    std::ofstream(dir / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return OIIO::ImageInput::open((dir / name).string());
  };
  Result<std::vector<uint8_t>> crop = encode_exr(w, h, rgb.data(), nullptr, {16, 9, 7, 4});
  ASSERT_TRUE(crop) << crop.message();
  auto in = read_back(crop.value(), "crop.exr");
  ASSERT_TRUE(in);
  const OIIO::ImageSpec& spec = in->spec();
  // Data window (7, 4) - (11, 6); display window (0, 0) - (15, 8).
  EXPECT_EQ(spec.x, 7);
  EXPECT_EQ(spec.y, 4);
  EXPECT_EQ(spec.width, 5);
  EXPECT_EQ(spec.height, 3);
  EXPECT_EQ(spec.full_x, 0);
  EXPECT_EQ(spec.full_y, 0);
  EXPECT_EQ(spec.full_width, 16);
  EXPECT_EQ(spec.full_height, 9);
  std::vector<float> all(rgb.size());
  ASSERT_TRUE(in->read_image(0, 0, 0, 3, OIIO::TypeDesc::FLOAT, all.data()));
  EXPECT_EQ(all, rgb);
  in->close();

  // With the per-pixel sample counts too; and without a window, both windows are the image.
  const std::vector<uint32_t> spp(w * h, 3);
  Result<std::vector<uint8_t>> counted = encode_exr(w, h, rgb.data(), spp.data(), {16, 9, 11, 6});
  ASSERT_TRUE(counted);
  auto in_counted = read_back(counted.value(), "counted.exr");
  ASSERT_TRUE(in_counted);
  EXPECT_EQ(in_counted->spec().x, 11);
  EXPECT_EQ(in_counted->spec().y, 6);
  EXPECT_EQ(in_counted->spec().full_width, 16);
  EXPECT_EQ(in_counted->spec().nchannels, 4);
  auto whole = read_back(encode_exr(w, h, rgb.data()).value(), "whole.exr");
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->spec().x, 0);
  EXPECT_EQ(whole->spec().full_width, 5);
  EXPECT_EQ(whole->spec().full_height, 3);

  // A window that does not hold the crop is refused.
  EXPECT_FALSE(encode_exr(w, h, rgb.data(), nullptr, {16, 9, 12, 0}));
  EXPECT_FALSE(encode_exr(w, h, rgb.data(), nullptr, {16, 9, 0, 7}));
}

TEST(ImageIo, PngMatchesPublishedSrgbFormula) {
  testing::TempDir dir;
  const uint32_t w = 256, h = 3;
  std::vector<float> rgb(w * h * 3);
  for (uint32_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<float>(i % 769) / 700.f - 0.05f;
  ASSERT_TRUE(write_png(dir / "a.png", w, h, rgb.data()).is_ok());
  // Read the raw 8-bit values with OpenImageIO (independent of read_image).
  auto in = OIIO::ImageInput::open((dir / "a.png").string());
  ASSERT_TRUE(in);
  ASSERT_EQ(in->spec().nchannels, 3);
  std::vector<uint8_t> bytes(rgb.size());
  ASSERT_TRUE(in->read_image(0, 0, 0, 3, OIIO::TypeDesc::UINT8, bytes.data()));
  int checked = 0;
  for (size_t i = 0; i < rgb.size(); ++i) {
    const double exact = srgb_reference(rgb[i]) * 255.0;
    if (std::abs(exact - std::floor(exact) - 0.5) < 1e-3) continue;  // a rounding tie
    ASSERT_EQ(bytes[i], static_cast<int>(std::lround(exact))) << "value " << rgb[i];
    ++checked;
  }
  EXPECT_GT(checked, 2000);
}

TEST(ImageIo, RowZeroIsTopAndPngIsLinearisedOnRead) {
  testing::TempDir dir;
  // 1x2: top pixel red, bottom pixel grey 0.5.
  const float rgb[6] = {1, 0, 0, 0.5f, 0.5f, 0.5f};
  ASSERT_TRUE(write_png(dir / "a.png", 1, 2, rgb).is_ok());
  Result<ImageRGB> back = read_image(dir / "a.png");
  ASSERT_TRUE(back.is_ok()) << back.message();
  EXPECT_EQ(back->rgb[0], 1.f);
  EXPECT_EQ(back->rgb[1], 0.f);
  // 0.5 -> byte 188 -> decoded 188/255 through the sRGB curve.
  EXPECT_NEAR(back->rgb[3], srgb_decode(188.f / 255.f), 1e-6);
  EXPECT_NEAR(back->rgb[3], 0.5, 0.003);
}

TEST(ImageIo, ChannelsAreMatchedByName) {
  testing::TempDir dir;
  OIIO::ImageSpec spec(1, 1, 4, OIIO::TypeDesc::FLOAT);
  spec.channelnames = {"A", "B", "G", "R"};
  spec.alpha_channel = 0;
  const float px[4] = {0.25f, 0.5f, 0.75f, 1.0f};
  const std::string path = (dir / "named.exr").string();
  auto out = OIIO::ImageOutput::create(path);
  ASSERT_TRUE(out && out->open(path, spec));
  ASSERT_TRUE(out->write_image(OIIO::TypeDesc::FLOAT, px));
  ASSERT_TRUE(out->close());
  Result<ImageRGB> back = read_image(dir / "named.exr");
  ASSERT_TRUE(back.is_ok()) << back.message();
  EXPECT_EQ(back->rgb, (std::vector<float>{1.0f, 0.75f, 0.5f}));
}

TEST(ImageIo, PngColourIsNotPremultipliedAndAlphaIsReadAsStored) {
  // PNG stores unassociated alpha (PNG specification, 12.8); pbrt-v4 reads the colour as
  // stored. An 8-bit RGBA texel (200, 100, 50, 128) keeps its colour, sRGB-decoded, and its
  // alpha 128 / 255 without decoding.
  testing::TempDir dir;
  OIIO::ImageSpec spec(1, 1, 4, OIIO::TypeDesc::UINT8);
  spec.attribute("oiio:UnassociatedAlpha", 1);  // write the bytes as given
  const uint8_t px[4] = {200, 100, 50, 128};
  const std::string path = (dir / "rgba.png").string();
  auto out = OIIO::ImageOutput::create(path);
  ASSERT_TRUE(out && out->open(path, spec));
  ASSERT_TRUE(out->write_image(OIIO::TypeDesc::UINT8, px));
  ASSERT_TRUE(out->close());
  Result<ImageRGB> colour = read_image(dir / "rgba.png");
  ASSERT_TRUE(colour.is_ok()) << colour.message();
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(colour->rgb[c], srgb_decode(px[c] / 255.f), 1e-6f) << c;
  }
  Result<ImageRGB> alpha = read_image_alpha(dir / "rgba.png");
  ASSERT_TRUE(alpha.is_ok()) << alpha.message();
  EXPECT_EQ(alpha->rgb, std::vector<float>(3, 128 / 255.f));
  // Without an alpha channel, alpha is 1.
  ASSERT_TRUE(write_png(dir / "rgb.png", 1, 1, std::vector<float>{0.5f, 0.5f, 0.5f}.data()));
  Result<ImageRGB> opaque = read_image_alpha(dir / "rgb.png");
  ASSERT_TRUE(opaque.is_ok()) << opaque.message();
  EXPECT_EQ(opaque->rgb, std::vector<float>(3, 1.f));
}

TEST(ImageIo, WritesAreAtomicAndErrorsNameThePath) {
  testing::TempDir dir;
  const float rgb[3] = {0.1f, 0.2f, 0.3f};
  ASSERT_TRUE(write_exr(dir / "f.exr", 1, 1, rgb).is_ok());
  ASSERT_TRUE(write_exr(dir / "f.exr", 1, 1, rgb).is_ok());  // replaces
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename(), "f.exr");
    ++files;
  }
  EXPECT_EQ(files, 1);
  const Status bad = write_png(dir / "no_such_dir" / "x.png", 1, 1, rgb);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("x.png"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "no_such_dir"));
  EXPECT_FALSE(write_exr(dir / "empty.exr", 0, 1, rgb).is_ok());
  Result<ImageRGB> missing = read_image(dir / "missing.exr");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.message().find("missing.exr"), std::string::npos);
}

}  // namespace
}  // namespace tf
