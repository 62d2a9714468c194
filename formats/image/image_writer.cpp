#include "formats/image/image_writer.h"

#include <png.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include "formats/image/exr_writer.h"

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

// libpng reports errors through a callback that must not return: it keeps the message here
// and jumps back to the setjmp in write_png_rows. Nothing with a destructor lives in that
// function's frame.
struct PngOutput {
  std::vector<uint8_t>* bytes = nullptr;
  char error[256] = {};
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* out = static_cast<PngOutput*>(png_get_error_ptr(png));
  std::snprintf(out->error, sizeof out->error, "%s", message);
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

void on_png_write(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<PngOutput*>(png_get_io_ptr(png));
  out->bytes->insert(out->bytes->end(), data, data + n);
}

void on_png_flush(png_structp) {}

// Writes `image` (validated by encode_png) into out->bytes; false with out->error on failure.
bool write_png_rows(const ImageToEncode& image, int color_type, PngOutput* out) {
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, out, on_png_error, on_png_warning);
  if (png == nullptr) {
    std::snprintf(out->error, sizeof out->error, "libpng could not start a writer");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    if (out->error[0] == '\0') std::snprintf(out->error, sizeof out->error, "libpng failed");
    return false;
  }
  png_set_write_fn(png, out, on_png_write, on_png_flush);
  png_set_IHDR(png, info, image.width, image.height, 8, color_type, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_sRGB_gAMA_and_cHRM(png, info, PNG_sRGB_INTENT_PERCEPTUAL);
  png_text text{};
  if (!image.description.empty()) {
    text.compression = PNG_TEXT_COMPRESSION_NONE;
    text.key = const_cast<png_charp>("Description");
    text.text = const_cast<png_charp>(image.description.c_str());
    png_set_text(png, info, &text, 1);
  }
  png_set_compression_level(png, 1);
  png_set_filter(png, PNG_FILTER_TYPE_BASE,
                 image.png_filter == PngFilter::kNone ? PNG_FILTER_NONE : PNG_FILTER_SUB);
  png_write_info(png, info);
  const size_t row_bytes = size_t{image.width} * image.channels.size();
  const auto* pixels = static_cast<const uint8_t*>(image.pixels);
  for (uint32_t y = 0; y < image.height; ++y) png_write_row(png, pixels + y * row_bytes);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

Result<std::vector<uint8_t>> encode_png(const ImageToEncode& image) {
  if (image.type != PixelType::kUint8) return Error{"PNG images are written with 8-bit values"};
  static constexpr int kColorTypes[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                        PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
  const size_t channels = image.channels.size();
  if (channels < 1 || channels > 4) return Error{"a PNG image holds 1 to 4 channels"};
  if (image.width > PNG_UINT_31_MAX || image.height > PNG_UINT_31_MAX) {
    return Error{"too large for a PNG image"};
  }
  std::vector<uint8_t> bytes;
  PngOutput out;
  out.bytes = &bytes;
  if (!write_png_rows(image, kColorTypes[channels - 1], &out)) return Error{out.error};
  return bytes;
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
