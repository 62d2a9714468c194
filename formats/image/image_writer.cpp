#include "formats/image/image_writer.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <filesystem>
#include <set>

#include "formats/image/exr_writer.h"
#include "formats/image/png_writer.h"

namespace tf {
namespace {

Result<std::vector<uint8_t>> encode_exr(const ImageToEncode& image) {
  if (image.type != PixelType::kFloat32) return Error{"EXR images are written as 32-bit floats"};
  const std::set<std::string> names(image.channels.begin(), image.channels.end());
  if (names.empty() || names.size() != image.channels.size() || names.count("") != 0) {
    return Error{"EXR images need channels with distinct, non-empty names"};
  }
  const ImageWindow& window = image.window;
  const bool cropped = window.full_width != 0;
  if (cropped && (uint64_t{window.x0} + image.width > window.full_width ||
                  uint64_t{window.y0} + image.height > window.full_height ||
                  window.full_width > uint32_t{INT32_MAX} ||
                  window.full_height > uint32_t{INT32_MAX})) {
    return Error{"a " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                 " image at (" + std::to_string(window.x0) + ", " + std::to_string(window.y0) +
                 ") does not fit its " + std::to_string(window.full_width) + "x" +
                 std::to_string(window.full_height) + " display window"};
  }
  ExrImage exr{.width = image.width,
               .height = image.height,
               .channels = image.channels,
               .pixels = static_cast<const float*>(image.pixels),
               .comments = image.description};
  if (cropped) {
    exr.x0 = static_cast<int32_t>(window.x0);
    exr.y0 = static_cast<int32_t>(window.y0);
    exr.full_width = window.full_width;
    exr.full_height = window.full_height;
  }
  return encode_exr_zip(exr);
}

Result<std::vector<uint8_t>> encode_png(const ImageToEncode& image) {
  if (image.type != PixelType::kUint8) return Error{"PNG images are written with 8-bit values"};
  const size_t channels = image.channels.size();
  if (channels < 1 || channels > 4) return Error{"a PNG image holds 1 to 4 channels"};
  return encode_png_deflate({.width = image.width,
                             .height = image.height,
                             .channels = static_cast<uint32_t>(channels),
                             .pixels = static_cast<const uint8_t*>(image.pixels),
                             .description = image.description,
                             .sub_filter = image.png_filter == PngFilter::kSub});
}

}  // namespace

ImageToEncode rgb_image(std::string name, uint32_t width, uint32_t height, PixelType type,
                        const void* pixels, ImageWindow window) {
  return {std::move(name), width, height, {"R", "G", "B"}, type, pixels, window, {}};
}

Result<std::vector<uint8_t>> encode_image(const ImageToEncode& image) {
  if (image.width == 0 || image.height == 0 || image.pixels == nullptr ||
      image.width > uint32_t{INT32_MAX} || image.height > uint32_t{INT32_MAX}) {
    return Error{"empty image (" + std::to_string(image.width) + "x" +
                 std::to_string(image.height) + ")"};
  }
  std::string extension = std::filesystem::path(image.name).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".exr") return encode_exr(image);
  if (extension == ".png") return encode_png(image);
  return Error{"no image writer for " + image.name + " (EXR and PNG are written)"};
}

}  // namespace tf
