#include "formats/image/image_io.h"

#include <OpenImageIO/filesystem.h>
#include <OpenImageIO/imagebuf.h>
#include <OpenImageIO/imageio.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>

#include "formats/fileio/atomic_write.h"
#include "formats/image/encode_in_memory.h"

namespace tf {
namespace {

namespace fs = std::filesystem;
using OIIO::ImageInput;
using OIIO::ImageOutput;
using OIIO::ImageSpec;
using OIIO::TypeDesc;

// Writes `pixels` (of `format`) to a temporary file and renames it over `path`.
Status write_atomically(const fs::path& path, const ImageSpec& spec, TypeDesc format,
                        const void* pixels) {
  Status written = replace_file_atomically(path, [&](const fs::path& tmp) -> Status {
    try {
      auto out = ImageOutput::create(path.string());
      if (!out) return Error{"no image writer for this extension (" + OIIO::geterror() + ")"};
      if (!out->open(tmp.string(), spec) || !out->write_image(format, pixels) || !out->close()) {
        return Error{out->geterror()};
      }
    } catch (const std::exception& e) {
      return Error{e.what()};
    }
    return Status::ok();
  });
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

// Index of the channel named `name` (case-insensitive), or -1.
int find_channel(const ImageSpec& spec, const char* name) {
  for (int c = 0; c < spec.nchannels; ++c) {
    const std::string& n = spec.channelnames[static_cast<size_t>(c)];
    if (OIIO::Strutil::iequals(n, name)) return c;
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

ImageSpec exr_spec(uint32_t width, uint32_t height, int channels) {
  ImageSpec spec(static_cast<int>(width), static_cast<int>(height), channels, TypeDesc::FLOAT);
  spec.attribute("compression", "zip");
  // No capture date (OpenImageIO stamps the current time unless told otherwise): the same
  // pixels give the same file bytes, so a job's outputs hash alike on every run.
  spec.attribute("DateTime", "");
  return spec;
}

}  // namespace

OIIO::ImageSpec preview_png_spec(uint32_t width, uint32_t height) {
  ImageSpec spec(static_cast<int>(width), static_cast<int>(height), 3, TypeDesc::UINT8);
  spec.attribute("oiio:ColorSpace", "sRGB");
  // Fast deflate (zlib level 1) and one row filter (Sub) instead of libpng's level 6 trying
  // every filter per row: a preview's encoding costs half the CPU for about 6 % more bytes,
  // and at GPU rates the farm encodes a frame for every few thousand units.
  spec.attribute("png:compressionLevel", 1);
  spec.attribute("png:filter", 0x10);  // PNG_FILTER_SUB
  return spec;
}

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
  return write_atomically(path, exr_spec(width, height, 3), TypeDesc::FLOAT, rgb);
}

Status write_png(const fs::path& path, uint32_t width, uint32_t height, const float* rgb) {
  if (Status s = check_size(path, width, height, rgb); !s) return s;
  const std::vector<uint8_t> bytes = srgb8(width, height, rgb);
  return write_atomically(path, preview_png_spec(width, height), TypeDesc::UINT8, bytes.data());
}

Result<std::vector<uint8_t>> encode_in_memory(const char* name, const OIIO::ImageSpec& spec,
                                              OIIO::TypeDesc format, const void* pixels) {
  std::vector<unsigned char> encoded;
  try {
    OIIO::Filesystem::IOVecOutput proxy(encoded);
    auto out = ImageOutput::create(name);
    if (!out) return Error{std::string("no writer for ") + name + " (" + OIIO::geterror() + ")"};
    if (!out->set_ioproxy(&proxy) || !out->open(name, spec) || !out->write_image(format, pixels) ||
        !out->close()) {
      return Error{"cannot encode " + std::string(name) + ": " + out->geterror()};
    }
  } catch (const std::exception& e) {
    return Error{"cannot encode " + std::string(name) + ": " + e.what()};
  }
  return std::vector<uint8_t>(encoded.begin(), encoded.end());
}

Result<std::vector<uint8_t>> encode_png(uint32_t width, uint32_t height, const float* rgb) {
  if (Status s = check_size("(in memory)", width, height, rgb); !s) return Error{s.message()};
  const std::vector<uint8_t> pixels = srgb8(width, height, rgb);
  return encode_in_memory("preview.png", preview_png_spec(width, height), TypeDesc::UINT8, pixels.data());
}

Result<std::vector<uint8_t>> encode_exr(uint32_t width, uint32_t height, const float* rgb,
                                        const uint32_t* spp, ImageWindow window) {
  if (Status s = check_size("(in memory)", width, height, rgb); !s) return Error{s.message()};
  ImageSpec spec = exr_spec(width, height, spp == nullptr ? 3 : 4);
  if (window.full_width != 0) {
    if (uint64_t{window.x0} + width > window.full_width ||
        uint64_t{window.y0} + height > window.full_height ||
        window.full_width > uint32_t{INT32_MAX} || window.full_height > uint32_t{INT32_MAX}) {
      return Error{"a " + std::to_string(width) + "x" + std::to_string(height) + " image at (" +
                   std::to_string(window.x0) + ", " + std::to_string(window.y0) +
                   ") does not fit its " + std::to_string(window.full_width) + "x" +
                   std::to_string(window.full_height) + " display window"};
    }
    spec.x = static_cast<int>(window.x0), spec.y = static_cast<int>(window.y0);
    spec.full_x = spec.full_y = 0;
    spec.full_width = static_cast<int>(window.full_width);
    spec.full_height = static_cast<int>(window.full_height);
  }
  if (spp == nullptr) return encode_in_memory("frame.exr", spec, TypeDesc::FLOAT, rgb);
  spec.channelnames = {"R", "G", "B", "spp"};
  std::vector<float> pixels(size_t{width} * height * 4);
  for (size_t p = 0; p < size_t{width} * height; ++p) {
    std::copy_n(rgb + p * 3, 3, &pixels[p * 4]);
    pixels[p * 4 + 3] = static_cast<float>(spp[p]);
  }
  return encode_in_memory("frame.exr", spec, TypeDesc::FLOAT, pixels.data());
}

namespace {

// Every channel of `path` as floats (row 0 at the top) with the file's spec; errors say
// "cannot read image 'path': why".
struct RawImage {
  ImageSpec spec;
  std::vector<float> all;  // width * height * nchannels
};

Result<RawImage> read_raw(const fs::path& path) {
  auto fail = [&](const std::string& why) -> Result<RawImage> {
    return Error{"cannot read image '" + path.string() + "': " + why};
  };
  try {
    // PNG, TGA and some TIFFs store unassociated alpha, which OpenImageIO premultiplies into
    // the colour unless told not to; colour textures are read as stored, as pbrt-v4 does.
    ImageSpec config;
    config.attribute("oiio:UnassociatedAlpha", 1);
    auto in = ImageInput::open(path.string(), &config);
    if (!in) return fail(OIIO::geterror());
    RawImage raw{in->spec(), {}};
    const ImageSpec& spec = raw.spec;
    if (spec.width <= 0 || spec.height <= 0 || spec.nchannels <= 0) return fail("empty image");
    if (static_cast<uint64_t>(spec.width) * static_cast<uint64_t>(spec.height) > (1ull << 28)) {
      return fail("image too large (" + std::to_string(spec.width) + "x" +
                  std::to_string(spec.height) + ")");
    }
    raw.all.resize(static_cast<size_t>(spec.width) * static_cast<size_t>(spec.height) *
                   static_cast<size_t>(spec.nchannels));
    if (!in->read_image(0, 0, 0, spec.nchannels, TypeDesc::FLOAT, raw.all.data())) {
      return fail(in->geterror());
    }
    return raw;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace

Result<ImageRGB> read_image(const fs::path& path, ImageEncoding encoding) {
  Result<RawImage> raw = read_raw(path);
  if (!raw) return Error{raw.message()};
  const ImageSpec& spec = raw->spec;
  const std::vector<float>& all = raw->all;
  const size_t w = static_cast<size_t>(spec.width), h = static_cast<size_t>(spec.height);
  const size_t nc = static_cast<size_t>(spec.nchannels);
  int cr = find_channel(spec, "R"), cg = find_channel(spec, "G"), cb = find_channel(spec, "B");
  if (cr < 0 || cg < 0 || cb < 0) {
    int grey = find_channel(spec, "Y");
    if (grey < 0) grey = 0;  // unnamed single channel
    if (nc >= 3 && find_channel(spec, "Y") < 0) {
      cr = 0, cg = 1, cb = 2;  // unnamed channels: take the first three in order
    } else {
      cr = cg = cb = grey;
    }
  }
  const std::string colorspace = spec.get_string_attribute("oiio:ColorSpace");
  const bool is_integer = !spec.format.is_floating_point();
  const bool linearise = encoding == ImageEncoding::kAuto && is_integer &&
                         !OIIO::Strutil::iequals(colorspace, "linear") &&
                         !OIIO::Strutil::iequals(colorspace, "Linear");
  ImageRGB img;
  img.width = static_cast<uint32_t>(w);
  img.height = static_cast<uint32_t>(h);
  img.rgb.resize(w * h * 3);
  const int chans[3] = {cr, cg, cb};
  for (size_t p = 0; p < w * h; ++p) {
    for (int c = 0; c < 3; ++c) {
      float v = all[p * nc + static_cast<size_t>(chans[c])];
      img.rgb[p * 3 + static_cast<size_t>(c)] = linearise ? srgb_decode(v) : v;
    }
  }
  return img;
}

Result<ImageRGB> read_image_alpha(const fs::path& path) {
  Result<RawImage> raw = read_raw(path);
  if (!raw) return Error{raw.message()};
  const ImageSpec& spec = raw->spec;
  const size_t n = static_cast<size_t>(spec.width) * static_cast<size_t>(spec.height);
  const size_t nc = static_cast<size_t>(spec.nchannels);
  int ca = spec.alpha_channel;
  if (ca < 0) ca = find_channel(spec, "A");
  ImageRGB img;
  img.width = static_cast<uint32_t>(spec.width);
  img.height = static_cast<uint32_t>(spec.height);
  img.rgb.assign(n * 3, 1.f);
  if (ca < 0) return img;
  for (size_t p = 0; p < n; ++p) {
    const float a = raw->all[p * nc + static_cast<size_t>(ca)];
    img.rgb[p * 3] = img.rgb[p * 3 + 1] = img.rgb[p * 3 + 2] = a;
  }
  return img;
}

}  // namespace tf
