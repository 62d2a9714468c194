#include "formats/image/image_io.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

#include "formats/fileio/atomic_write.h"
#include "formats/image/image_codec.h"

namespace tf {
namespace {

namespace fs = std::filesystem;

// `image` encoded, then written atomically (atomic_write.h) to `path`.
Status write_encoded(const fs::path& path, const ImageToEncode& image) {
  Result<std::vector<uint8_t>> bytes = encode_image(image);
  Status written =
      bytes ? write_file_atomically(path, bytes.value()) : Status(Error{bytes.message()});
  if (!written) return Error{"cannot write image '" + path.string() + "': " + written.message()};
  return Status::ok();
}

Status check_size(const fs::path& path, uint32_t width, uint32_t height, const float* rgb) {
  if (width == 0 || height == 0 || rgb == nullptr) {
    return Error{"cannot write image '" + path.string() + "': empty image (" +
                 std::to_string(width) + "x" + std::to_string(height) + ")"};
  }
  return Status::ok();
}

bool equal_ignoring_case(const std::string& a, const char* b) {
  const std::string_view bv(b);
  return a.size() == bv.size() && std::equal(a.begin(), a.end(), bv.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Index of the channel named `name` (case-insensitive), or -1.
int find_channel(const DecodedImage& image, const char* name) {
  for (size_t c = 0; c < image.channels.size(); ++c) {
    if (equal_ignoring_case(image.channels[c], name)) return static_cast<int>(c);
  }
  return -1;
}

// The 8-bit sRGB bytes of a PNG preview (see write_png).
std::vector<uint8_t> srgb8(uint32_t width, uint32_t height, const float* rgb) {
  const size_t n = static_cast<size_t>(width) * height * 3;
  std::vector<uint8_t> bytes(n);
  for (size_t i = 0; i < n; ++i) {
    bytes[i] = static_cast<uint8_t>(std::lround(srgb_encode(rgb[i]) * 255.0f));
  }
  return bytes;
}

}  // namespace

float srgb_encode(float linear) {
  if (!(linear > 0.0f)) return 0.0f;  // also maps NaN to 0
  if (linear >= 1.0f) return 1.0f;
  if (linear <= 0.0031308f) return 12.92f * linear;
  return 1.055f * std::pow(linear, 1.0f / 2.4f) - 0.055f;
}

float srgb_decode(float encoded) {
  if (!(encoded > 0.0f)) return 0.0f;
  if (encoded >= 1.0f) return 1.0f;
  if (encoded <= 0.04045f) return encoded / 12.92f;
  return std::pow((encoded + 0.055f) / 1.055f, 2.4f);
}

Status write_exr(const fs::path& path, uint32_t width, uint32_t height, const float* rgb) {
  if (Status s = check_size(path, width, height, rgb); !s) return s;
  return write_encoded(path, rgb_image(path.filename().string(), width, height,
                                        PixelType::kFloat32, rgb));
}

Status write_png(const fs::path& path, uint32_t width, uint32_t height, const float* rgb) {
  if (Status s = check_size(path, width, height, rgb); !s) return s;
  const std::vector<uint8_t> bytes = srgb8(width, height, rgb);
  return write_encoded(path, rgb_image(path.filename().string(), width, height,
                                        PixelType::kUint8, bytes.data()));
}

Result<std::vector<uint8_t>> encode_png(uint32_t width, uint32_t height, const float* rgb) {
  if (Status s = check_size("(in memory)", width, height, rgb); !s) return Error{s.message()};
  const std::vector<uint8_t> pixels = srgb8(width, height, rgb);
  return encode_image(rgb_image("preview.png", width, height, PixelType::kUint8, pixels.data()));
}

Result<std::vector<uint8_t>> encode_exr(uint32_t width, uint32_t height, const float* rgb,
                                        const uint32_t* spp, ImageWindow window) {
  if (Status s = check_size("(in memory)", width, height, rgb); !s) return Error{s.message()};
  if (spp == nullptr) {
    return encode_image(rgb_image("frame.exr", width, height, PixelType::kFloat32, rgb, window));
  }
  std::vector<float> pixels(size_t{width} * height * 4);
  for (size_t p = 0; p < size_t{width} * height; ++p) {
    std::copy_n(rgb + p * 3, 3, &pixels[p * 4]);
    pixels[p * 4 + 3] = static_cast<float>(spp[p]);
  }
  return encode_image(
      {"frame.exr", width, height, {"R", "G", "B", "spp"}, PixelType::kFloat32, pixels.data(),
       window, {}});
}

namespace {

// Every channel of `path` (DecodedImage); errors say "cannot read image 'path': why".
Result<DecodedImage> read_raw(const fs::path& path) {
  Result<DecodedImage> image = image_codec().decode(path);
  if (!image) return Error{"cannot read image '" + path.string() + "': " + image.message()};
  return image;
}

}  // namespace

Result<ImageRGB> read_image(const fs::path& path, ImageEncoding encoding) {
  Result<DecodedImage> raw = read_raw(path);
  if (!raw) return Error{raw.message()};
  const DecodedImage& image = raw.value();
  const size_t w = image.width, h = image.height, nc = image.channels.size();
  int cr = find_channel(image, "R"), cg = find_channel(image, "G"), cb = find_channel(image, "B");
  if (cr < 0 || cg < 0 || cb < 0) {
    int grey = find_channel(image, "Y");
    if (grey < 0) grey = 0;  // unnamed single channel
    if (nc >= 3 && find_channel(image, "Y") < 0) {
      cr = 0, cg = 1, cb = 2;  // unnamed channels: take the first three in order
    } else {
      cr = cg = cb = grey;
    }
  }
  const bool linearise = encoding == ImageEncoding::kAuto && !image.floating_point &&
                         !equal_ignoring_case(image.colorspace, "linear");
  ImageRGB img;
  img.width = image.width;
  img.height = image.height;
  img.rgb.resize(w * h * 3);
  const int chans[3] = {cr, cg, cb};
  for (size_t p = 0; p < w * h; ++p) {
    for (int c = 0; c < 3; ++c) {
      float v = image.values[p * nc + static_cast<size_t>(chans[c])];
      img.rgb[p * 3 + static_cast<size_t>(c)] = linearise ? srgb_decode(v) : v;
    }
  }
  return img;
}

Result<ImageRGB> read_image_alpha(const fs::path& path) {
  Result<DecodedImage> raw = read_raw(path);
  if (!raw) return Error{raw.message()};
  const DecodedImage& image = raw.value();
  const size_t n = size_t{image.width} * image.height, nc = image.channels.size();
  int ca = image.alpha_channel;
  if (ca < 0) ca = find_channel(image, "A");
  ImageRGB img;
  img.width = image.width;
  img.height = image.height;
  img.rgb.assign(n * 3, 1.f);
  if (ca < 0) return img;
  for (size_t p = 0; p < n; ++p) {
    const float a = image.values[p * nc + static_cast<size_t>(ca)];
    img.rgb[p * 3] = img.rgb[p * 3 + 1] = img.rgb[p * 3 + 2] = a;
  }
  return img;
}

}  // namespace tf
