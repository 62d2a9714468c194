// PNG files of 8-bit channels, written by the farm itself: the signature, IHDR, the sRGB
// chunk with the gAMA and cHRM values that go with it, an optional tEXt "Description", the
// filtered rows as one zlib stream (made by libdeflate) in IDAT chunks, IEND.
//
// Why not libpng: it deflates with zlib, whose level 1 took 22.7 ms for a 512x512 noisy
// picture on the development VM (benchmarks/formats/png_filter_benchmark); libdeflate makes
// the same stream format in about a third of the time. The farm writes a PNG beside every
// frame's EXR and every snapshot's fields, so the deflate sat on a render job's end and on
// each snapshot. Readers see an ordinary PNG (OpenImageIO reads them back in
// tests/formats/image_writer_test).
//
// Thread safety: encode_png_deflate() may run on several threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/status.h"

namespace tf {

// What the writer needs; checked by the caller (image_writer.h encode_image): 1 to 4
// channels (grey, grey and alpha, RGB, RGBA), `pixels` holding width * height * channels
// bytes, row 0 at the top; width and height under 2^31.
struct PngImage {
  uint32_t width = 0, height = 0, channels = 0;
  const uint8_t* pixels = nullptr;
  std::string description;  // the tEXt "Description"; empty: none
  // Each row as its differences to the pixel on its left (PNG's Sub filter) or as it is:
  // see image_writer.h PngFilter.
  bool sub_filter = true;
};

// The file's bytes; an error only when no compressor could be made.
Result<std::vector<uint8_t>> encode_png_deflate(const PngImage& image);

}  // namespace tf
