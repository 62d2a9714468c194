// The image writer: the farm's outputs (frames' EXR and PNG, simulation snapshots' fields.exr
// and preview.png) encoded in memory by exr_writer.h and png_writer.h (libdeflate).
//
// Why not OpenImageIO, which reads every image (image_codec.h): loading it takes about 0.4 s
// (its 260 dependent libraries), which every `tilefarm sim` and `tilefarm render` (an embedded
// farm encodes its outputs) and every dispatcher start paid before its first job, and during
// which the dynamic loader's lock stalls every other thread of the process. libdeflate loads
// in milliseconds, so it is linked into the programs.
//
// Thread safety: encode_image() is thread-safe (the writers keep their compressors per
// thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/status.h"

namespace tf {

// Where an image lies in a larger one: a cropped film (pbrt-v4's "cropwindow"/"pixelbounds")
// is the whole film's pixels [x0, x0 + width) x [y0, y0 + height) of full_width x full_height.
// full_width 0: the image is the whole picture.
struct ImageWindow {
  uint32_t full_width = 0, full_height = 0, x0 = 0, y0 = 0;
};

// The values of an image to encode, and with them its settings:
// - kFloat32, written as EXR: 32-bit float channels, zip compression (16 rows a block), no
//   capture date or other varying attribute (equal pixels give equal bytes, so a job's outputs
//   hash alike on every run);
// - kUint8, written as PNG: 1 to 4 channels (grey, grey and alpha, RGB, RGBA), tagged sRGB
//   (the sRGB chunk with its gAMA and cHRM), encoded for speed (deflate level 1, the Sub row
//   filter: about half the CPU of libpng's defaults for about 6 % more bytes; at GPU rates the
//   farm encodes a frame for every few thousand units); a fourth or second channel is
//   unassociated alpha, written as given.
enum class PixelType { kFloat32, kUint8 };

// The row filter a PNG is written with: kSub (the default above) for pictures; kNone for
// images of a few colours in blocks (a simulation field's colour-mapped preview, each cell a
// square of pixels): deflate finds the repeated pixels and rows themselves, which a filter
// turns into differences. On 670 x 512 Gray-Scott previews kNone took half the time of kSub
// and made files 10-30 % smaller (benchmarks/README.md).
enum class PngFilter { kSub, kNone };

struct ImageToEncode {
  std::string name;  // its extension picks the format: ".exr" (kFloat32) or ".png" (kUint8)
  uint32_t width = 0, height = 0;
  std::vector<std::string> channels;  // channel names, interleaved in this order
  PixelType type = PixelType::kFloat32;
  const void* pixels = nullptr;       // width * height * channels values, row 0 at the top
  ImageWindow window;                 // the display window (EXR)
  std::string description;            // the ImageDescription attribute (EXR comments, PNG
                                      // Description text); empty: none
  PngFilter png_filter = PngFilter::kSub;
};

// An R, G, B image to encode: `pixels` interleaved, row 0 at the top.
ImageToEncode rgb_image(std::string name, uint32_t width, uint32_t height, PixelType type,
                        const void* pixels, ImageWindow window = {});

// The encoded bytes; errors give the reason only (callers name the image): an empty image, a
// format other than EXR and PNG, a pixel type the format is not written with, channels the
// format cannot hold, a window that does not hold the image.
Result<std::vector<uint8_t>> encode_image(const ImageToEncode& image);

}  // namespace tf
