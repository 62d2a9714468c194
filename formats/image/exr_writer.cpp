#include "formats/image/exr_writer.h"

#include <libdeflate.h>

#include <algorithm>
#include <bit>
#include <climits>
#include <cstring>
#include <numeric>
#include <span>

#include "formats/image/kept_coding.h"
#include "kernels/parallel_for.h"

namespace tf {
namespace {

static_assert(std::endian::native == std::endian::little,
              "EXR values are little-endian and are copied as the host holds them");

constexpr uint32_t kRowsPerBlock = 16;  // a ZIP_COMPRESSION block
// libdeflate's default: files as small as zlib's default level made them (within 0.1 % on
// rendered frames), in a third of the time.
constexpr int kDeflateLevel = 6;
constexpr uint8_t kZipCompression = 3;
constexpr int32_t kFloatPixels = 2;
constexpr size_t kShortNameBytes = 31;  // longer names need the file's "long names" flag
constexpr size_t kMaxNameBytes = 255;

// Little-endian values appended to a byte string.
struct Bytes {
  std::vector<uint8_t> out;

  template <typename T>
  void value(T v) {
    uint8_t b[sizeof v];
    std::memcpy(b, &v, sizeof v);
    out.insert(out.end(), b, b + sizeof v);
  }
  void text(const std::string& s) {  // NUL-terminated
    out.insert(out.end(), s.begin(), s.end());
    out.push_back(0);
  }
  // An attribute: its name, its type's name, its value's size and its value.
  void attribute(const std::string& name, const std::string& type, const Bytes& v) {
    text(name);
    text(type);
    value(static_cast<int32_t>(v.out.size()));
    out.insert(out.end(), v.out.begin(), v.out.end());
  }
};

Bytes box(int32_t x0, int32_t y0, int32_t x1, int32_t y1) {
  Bytes b;
  for (int32_t v : {x0, y0, x1, y1}) b.value(v);
  return b;
}

// The header: magic number, version and flags, the attributes (in name order, as OpenEXR
// writes them), the end mark.
std::vector<uint8_t> header(const ExrImage& image, std::span<const size_t> order) {
  Bytes channels;
  bool long_names = false;
  for (size_t c : order) {
    channels.text(image.channels[c]);
    long_names = long_names || image.channels[c].size() > kShortNameBytes;
    channels.value(kFloatPixels);
    for (int i = 0; i < 4; ++i) channels.value(uint8_t{0});  // pLinear, 3 reserved
    channels.value(int32_t{1});                              // x sampling
    channels.value(int32_t{1});                              // y sampling
  }
  channels.value(uint8_t{0});
  const int32_t x1 = image.x0 + static_cast<int32_t>(image.width) - 1;
  const int32_t y1 = image.y0 + static_cast<int32_t>(image.height) - 1;
  const bool cropped = image.full_width != 0;
  Bytes h;
  h.value(int32_t{20000630});
  h.value(static_cast<int32_t>(2 | (long_names ? 0x400 : 0)));
  h.attribute("channels", "chlist", channels);
  if (!image.comments.empty()) {
    Bytes comments;
    comments.out.assign(image.comments.begin(), image.comments.end());
    h.attribute("comments", "string", comments);
  }
  Bytes compression;
  compression.value(kZipCompression);
  h.attribute("compression", "compression", compression);
  h.attribute("dataWindow", "box2i", box(image.x0, image.y0, x1, y1));
  h.attribute("displayWindow", "box2i",
              cropped ? box(0, 0, static_cast<int32_t>(image.full_width) - 1,
                            static_cast<int32_t>(image.full_height) - 1)
                      : box(image.x0, image.y0, x1, y1));
  Bytes line_order;
  line_order.value(uint8_t{0});  // increasing y
  h.attribute("lineOrder", "lineOrder", line_order);
  Bytes one;
  one.value(1.0f);
  h.attribute("pixelAspectRatio", "float", one);
  Bytes center;
  center.value(0.0f);
  center.value(0.0f);
  h.attribute("screenWindowCenter", "v2f", center);
  h.attribute("screenWindowWidth", "float", one);
  h.value(uint8_t{0});
  return std::move(h.out);
}

// Rows [row0, row1) as one block's data, written at `dest` (room for the raw block): its
// byte count, or 0 when no compressor could be made.
size_t code_block(const ExrImage& image, std::span<const size_t> order, uint32_t row0,
                  uint32_t row1, uint8_t* dest) {
  libdeflate_compressor* deflate = kept_compressor(kDeflateLevel);
  if (deflate == nullptr) return 0;
  struct BlockBuffers {
    std::vector<uint8_t> raw, split;
  };
  thread_local BlockBuffers coder;  // kept for the thread's next blocks
  const size_t width = image.width, channels = image.channels.size();
  const size_t n = (row1 - row0) * width * channels * sizeof(float);
  uint8_t* const block = room_for(coder.raw, n);
  uint8_t* raw = block;
  for (uint32_t y = row0; y < row1; ++y) {
    const float* row = image.pixels + y * width * channels;
    for (size_t c : order) {
      for (size_t x = 0; x < width; ++x, raw += sizeof(float)) {
        std::memcpy(raw, row + x * channels + c, sizeof(float));
      }
    }
  }
  // OpenEXR's ZIP predictor: even bytes then odd ones, each byte as its difference to the one
  // before it plus 128.
  uint8_t* const split = room_for(coder.split, n);
  const size_t half = (n + 1) / 2;
  for (size_t i = 0; i < n; i += 2) split[i / 2] = block[i];
  for (size_t i = 1; i < n; i += 2) split[half + i / 2] = block[i];
  for (size_t i = n - 1; i > 0; --i) split[i] = static_cast<uint8_t>(split[i] - split[i - 1] + 128);
  // A block is compressed only if its stream is smaller than its raw bytes.
  const size_t packed = libdeflate_zlib_compress(deflate, split, n, dest, n - 1);
  if (packed != 0) return packed;
  std::memcpy(dest, block, n);
  return n;
}

}  // namespace

Result<std::vector<uint8_t>> encode_exr_zip(const ExrImage& image) {
  const size_t channels = image.channels.size();
  for (const std::string& name : image.channels) {
    if (name.size() > kMaxNameBytes) {
      return Error{"EXR channel names are at most 255 bytes (" + name.substr(0, 32) + "...)"};
    }
  }
  if (channels == 0 || uint64_t{image.width} * channels * sizeof(float) * kRowsPerBlock >
                           static_cast<uint64_t>(INT32_MAX)) {
    return Error{"too wide for an EXR block of 16 rows"};
  }
  std::vector<size_t> order(channels);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return image.channels[a] < image.channels[b]; });
  std::vector<uint8_t> bytes = header(image, order);
  const size_t blocks = (image.height + kRowsPerBlock - 1) / kRowsPerBlock;
  const size_t table = bytes.size();
  const size_t row_bytes = size_t{image.width} * channels * sizeof(float);
  // Each block is coded into a region with room for its raw bytes, then the blocks are moved
  // together behind the offset table.
  std::vector<size_t> region(blocks + 1, table + blocks * sizeof(uint64_t));
  for (size_t k = 0; k < blocks; ++k) {
    const size_t rows = std::min<size_t>(kRowsPerBlock, image.height - k * kRowsPerBlock);
    region[k + 1] = region[k] + 2 * sizeof(int32_t) + rows * row_bytes;
  }
  bytes.resize(region[blocks]);
  std::vector<size_t> sizes(blocks);
  parallel_for(blocks, [&](size_t k) {
    const auto row0 = static_cast<uint32_t>(k * kRowsPerBlock);
    const uint32_t row1 = std::min<uint32_t>(row0 + kRowsPerBlock, image.height);
    sizes[k] = code_block(image, order, row0, row1, bytes.data() + region[k] + 8);
  });
  if (std::find(sizes.begin(), sizes.end(), size_t{0}) != sizes.end()) {
    return Error{"cannot start a deflate compressor (out of memory)"};
  }
  size_t at = region[0];
  for (size_t k = 0; k < blocks; ++k) {
    const uint64_t offset = at;
    std::memcpy(bytes.data() + table + k * sizeof offset, &offset, sizeof offset);
    const int32_t y = image.y0 + static_cast<int32_t>(k * kRowsPerBlock);
    const auto size = static_cast<int32_t>(sizes[k]);
    std::memcpy(bytes.data() + at, &y, sizeof y);
    std::memcpy(bytes.data() + at + sizeof y, &size, sizeof size);
    std::memmove(bytes.data() + at + 8, bytes.data() + region[k] + 8, sizes[k]);
    at += 8 + sizes[k];
  }
  bytes.resize(at);
  return bytes;
}

}  // namespace tf
