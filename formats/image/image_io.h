// Image files in and out: frames (EXR, PNG previews), textures and environments. Frames are
// written by image_writer.h (EXR, PNG); images are read in any format OpenImageIO
// reads, through image_codec.h (loaded on first use).
//
// Every buffer here is linear float RGB, interleaved, row-major with row 0 at the top.
// Thread safety: all functions are thread-safe (no shared state of ours).
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "formats/image/image_writer.h"
#include "kernels/status.h"

namespace tf {

struct ImageRGB {
  uint32_t width = 0, height = 0;
  std::vector<float> rgb;  // width * height * 3 linear floats, row 0 = top
};

// Writes an OpenEXR file of 32-bit float R, G, B channels holding exactly `rgb`
// (width * height * 3 floats), without a capture date: equal pixels give equal bytes. Atomic: the bytes go to a temporary file in the same folder
// that is then renamed over `path`; on error `path` is untouched and the temporary removed.
Status write_exr(const std::filesystem::path& path, uint32_t width, uint32_t height,
                 const float* rgb);

// Writes an 8-bit RGB PNG preview: each value is clamped to [0, 1] and encoded with the sRGB
// transfer function (IEC 61966-2-1: 12.92 x below 0.0031308, else 1.055 x^(1/2.4) - 0.055),
// then rounded to the nearest of 0..255. NaN is written as 0. Atomic like write_exr().
Status write_png(const std::filesystem::path& path, uint32_t width, uint32_t height,
                 const float* rgb);

// The same PNG's bytes, encoded in memory (frame outputs, a dashboard's previews).
Result<std::vector<uint8_t>> encode_png(uint32_t width, uint32_t height, const float* rgb);

// The bytes write_exr() writes, encoded in memory (frame outputs go straight into the blob
// store, without a file written, synced and read back). With `spp` (width * height counts,
// exact up to 2^24), a fourth 32-bit float channel "spp" holds each pixel's sample count, for
// frames whose tiles were refined to different sample counts (dispatcher/refinement.h). With a
// `window`, the EXR's display window is the whole picture, (0, 0) to (full_width - 1,
// full_height - 1), and its data window the image's pixels from (x0, y0), as pbrt-v4 writes a
// crop, so compositing tools place it; a window that does not hold the image is an error.
Result<std::vector<uint8_t>> encode_exr(uint32_t width, uint32_t height, const float* rgb,
                                        const uint32_t* spp = nullptr, ImageWindow window = {});

// Reads any format the codec reads (EXR, HDR, PNG, JPEG, TIFF...) into linear float RGB.
// Channels are chosen by name (R, G, B; a single-channel image is replicated to grey; Y/luma
// likewise); 8/16-bit images in sRGB colour space (PNG, JPEG, unless tagged linear) are
// linearised with the exact sRGB curve, unless `encoding` is kLinear (data such as normal
// maps: values as stored, pbrt-v4's ColorEncoding::Linear). Colour is never premultiplied by
// an unassociated alpha (PNG's). Errors name the path and the reason.
enum class ImageEncoding { kAuto, kLinear };
Result<ImageRGB> read_image(const std::filesystem::path& path,
                            ImageEncoding encoding = ImageEncoding::kAuto);

// The alpha channel of the same files (the codec's alpha channel, else one named A), as
// stored (alpha is never sRGB-encoded), replicated to R, G and B; 1 everywhere when the image
// has none. Errors as read_image().
Result<ImageRGB> read_image_alpha(const std::filesystem::path& path);

// The sRGB transfer functions used above, exposed for tests and texture code.
float srgb_encode(float linear);   // linear [0,1] -> encoded [0,1]
float srgb_decode(float encoded);  // encoded [0,1] -> linear [0,1]

}  // namespace tf
