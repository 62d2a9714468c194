#include "formats/image/png_writer.h"

#include <libdeflate.h>

#include <algorithm>
#include <cstring>
#include <span>
#include <string_view>

#include "formats/image/kept_coding.h"

namespace tf {
namespace {

// Level 1: speed first, as the farm's PNGs always were (at GPU rates the farm encodes a frame
// for every few thousand units); libdeflate's level 1 makes files as small as zlib's did.
constexpr int kDeflateLevel = 1;
constexpr size_t kMaxChunkBytes = size_t{1} << 30;  // under the format's 2^31 - 1
constexpr uint8_t kColorTypes[] = {0, 4, 2, 6};      // grey, grey + alpha, RGB, RGBA
// A thread keeps its buffers for images up to this size (a 2048x2048 RGB frame needs 12 MB);
// larger ones get buffers of their own, so that one 8K frame does not hold 200 MB for good.
constexpr size_t kMostKeptBytes = size_t{32} << 20;

void put_u32(std::vector<uint8_t>& out, uint32_t v) {  // big-endian, as PNG stores numbers
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

// A chunk: its data's length, its type, its data, the CRC of type and data.
void put_chunk(std::vector<uint8_t>& out, const char (&type)[5], std::span<const uint8_t> data) {
  put_u32(out, static_cast<uint32_t>(data.size()));
  const size_t typed = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  put_u32(out, libdeflate_crc32(0, out.data() + typed, out.size() - typed));
}

// The rows as PNG's filter stage gives them to deflate, each behind its filter type byte, at
// `out`: (width * channels + 1) * height bytes.
void filter_rows(const PngImage& image, uint8_t* out) {
  const size_t row_bytes = size_t{image.width} * image.channels;
  for (uint32_t y = 0; y < image.height; ++y) {
    const uint8_t* row = image.pixels + y * row_bytes;
    *out++ = image.sub_filter ? 1 : 0;
    if (!image.sub_filter) {
      std::memcpy(out, row, row_bytes);
    } else {
      std::memcpy(out, row, std::min<size_t>(image.channels, row_bytes));
      for (size_t i = image.channels; i < row_bytes; ++i) {
        out[i] = static_cast<uint8_t>(row[i] - row[i - image.channels]);
      }
    }
    out += row_bytes;
  }
}

}  // namespace

Result<std::vector<uint8_t>> encode_png_deflate(const PngImage& image) {
  libdeflate_compressor* deflate = kept_compressor(kDeflateLevel);
  if (deflate == nullptr) return Error{"cannot start a deflate compressor (out of memory)"};
  struct Buffers {
    std::vector<uint8_t> rows, stream;
  };
  thread_local Buffers kept;  // for the thread's next images
  Buffers own;
  const size_t n = (size_t{image.width} * image.channels + 1) * image.height;
  const size_t bound = libdeflate_zlib_compress_bound(deflate, n);
  Buffers& buffers = bound <= kMostKeptBytes ? kept : own;
  uint8_t* rows = room_for(buffers.rows, n);
  filter_rows(image, rows);
  uint8_t* packed = room_for(buffers.stream, bound);
  const std::span<const uint8_t> stream(packed,
                                        libdeflate_zlib_compress(deflate, rows, n, packed, bound));
  std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  out.reserve(stream.size() + image.description.size() + 128);
  std::vector<uint8_t> header;
  put_u32(header, image.width);
  put_u32(header, image.height);
  header.insert(header.end(), {8, kColorTypes[image.channels - 1], 0, 0, 0});
  put_chunk(out, "IHDR", header);
  // The sRGB chunk, and the gAMA and cHRM values the PNG specification gives for it.
  const uint8_t perceptual[] = {0};
  put_chunk(out, "sRGB", perceptual);
  std::vector<uint8_t> gamma;
  put_u32(gamma, 45455);
  put_chunk(out, "gAMA", gamma);
  std::vector<uint8_t> chromaticities;
  for (uint32_t v : {31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000}) {
    put_u32(chromaticities, v);
  }
  put_chunk(out, "cHRM", chromaticities);
  // A tEXt string ends at a NUL, as the C string libpng took did.
  const std::string_view description(image.description.c_str());
  if (!description.empty()) {
    std::vector<uint8_t> text = {'D', 'e', 's', 'c', 'r', 'i', 'p', 't', 'i', 'o', 'n', 0};
    text.insert(text.end(), description.begin(), description.end());
    put_chunk(out, "tEXt", text);
  }
  for (size_t at = 0; at < stream.size(); at += kMaxChunkBytes) {
    put_chunk(out, "IDAT", stream.subspan(at, std::min(kMaxChunkBytes, stream.size() - at)));
  }
  put_chunk(out, "IEND", {});
  return out;
}

}  // namespace tf
