// EXR files of 32-bit float channels, written by the farm itself: one part, scan lines,
// ZIP compression (OpenEXR's format: blocks of 16 rows, each row's channels one after another
// in name order, the bytes split into their even and odd halves and delta coded, then one
// zlib stream a block, made here by libdeflate).
//
// Why not OpenEXR's own writer: OpenEXR 3.1 (Debian 12) deflates with zlib, 19-25 ms for a
// 256x256 RGB frame on one core of the development VM, about as long at zlib level 1 as at 6,
// where libdeflate takes 7-8 ms for files of the same size. The farm encodes a frame for
// every 1,024 units of a 256x256 job, and a job's last frames are encoded after its last
// result, so the deflate sat on a render job's end and on every simulation snapshot. Readers
// see an ordinary EXR (OpenEXR and OpenImageIO read them back in tests/formats/exr_writer_test).
//
// The blocks are compressed on every core (parallel_for) with a compressor kept per thread.
// Equal pixels give equal bytes (no date or other varying attribute). A block that does not
// shrink is stored as it is, as the format allows.
//
// Thread safety: encode_exr_zip() may run on several threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/status.h"

namespace tf {

// What the writer needs; checked by the caller (image_writer.h encode_image): `channels`
// distinct and non-empty, `pixels` holding width * height * channels.size() floats
// interleaved in the order of `channels`, row 0 at the top, the data window inside the
// display window.
struct ExrImage {
  uint32_t width = 0, height = 0;
  std::vector<std::string> channels;
  const float* pixels = nullptr;
  int32_t x0 = 0, y0 = 0;                 // the data window's first pixel
  uint32_t full_width = 0, full_height = 0;  // the display window from (0, 0); 0: the data window
  std::string comments;                   // the "comments" attribute; empty: none
};

// The file's bytes; an error for channel names over 255 bytes or a row too wide for a block.
Result<std::vector<uint8_t>> encode_exr_zip(const ExrImage& image);

}  // namespace tf
