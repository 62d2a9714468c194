// The file container (segments, metadata, codecs) of NanoVDB files; the tree inside a grid
// buffer is read by nanovdb_tree.cpp. Facts from NanoVDB's nanovdb/util/IO.h (32.x).
#include "formats/scene/nanovdb_grid.h"

#include <zlib.h>

#include <fstream>
#include <vector>

#include "formats/scene/nanovdb_layout.h"
#include "formats/scene/nanovdb_tree.h"
#include "formats/scene/try.h"

namespace tf::scene {
namespace {

using nvdb::ByteView;

// Segment header: magic u64, version u32, grid count u16, codec u16.
constexpr uint64_t kHeaderBytes = 16;
// Metadata record per grid (IO.h's MetaData): grid size u64 @0, file size u64 @8, grid type
// u32 @32, name size u32 @136 (including the NUL); the name follows the record.
constexpr uint64_t kMetaBytes = 176;
constexpr uint64_t kMetaGridSizeAt = 0, kMetaFileSizeAt = 8, kMetaNameSizeAt = 136;
enum Codec : uint16_t { kNone = 0, kZip = 1, kBlosc = 2 };
// zlib's deflate cannot compress by more than 1032:1 (zlib technical details), so a ZIP
// record that claims more is corrupt; the margin covers the stream's own header.
constexpr uint64_t kZlibMaxRatio = 1032, kZlibMargin = 1024;

struct Entry {
  uint64_t grid_size = 0, file_size = 0;
  std::string name;
};

Error fail(const std::string& what) { return Error{"NanoVDB: " + what}; }

// The grid buffer stored in `record` (the bytes of one grid in the file) with `codec`.
// Returns a view of `record` (NONE) or of `storage` (ZIP).
Result<std::string_view> decode(std::string_view record, uint16_t codec, const Entry& e,
                                const NanoVdbLimits& limits, std::string* storage) {
  const std::string grid = "grid \"" + e.name + "\": ";
  if (e.grid_size > limits.max_grid_bytes) {
    return fail(grid + "its buffer of " + std::to_string(e.grid_size) +
                " bytes exceeds the limit of " + std::to_string(limits.max_grid_bytes));
  }
  if (codec == kNone) {
    if (e.file_size != e.grid_size) {
      return fail(grid + "stored size " + std::to_string(e.file_size) +
                  " differs from its grid size " + std::to_string(e.grid_size));
    }
    return record;
  }
  if (codec == kBlosc) {
    return fail(grid +
                "compressed with the BLOSC codec, which is not supported (re-save the "
                "file with codec NONE or ZIP)");
  }
  if (codec != kZip) return fail(grid + "unknown codec " + std::to_string(codec));
  const ByteView rec{record};
  if (!rec.has(0, 8) || rec.u64(0) != record.size() - 8) {
    return fail(grid + "ZIP record length does not match its stored size");
  }
  const uint64_t packed = record.size() - 8;
  if (e.grid_size > packed * kZlibMaxRatio + kZlibMargin) {
    return fail(grid + "ZIP record of " + std::to_string(packed) + " bytes claims to inflate to " +
                std::to_string(e.grid_size) + ", more than zlib can");
  }
  storage->assign(e.grid_size, '\0');
  uLongf out_size = static_cast<uLongf>(e.grid_size);
  const int rc =
      uncompress(reinterpret_cast<Bytef*>(storage->data()), &out_size,
                 reinterpret_cast<const Bytef*>(record.data() + 8), static_cast<uLong>(packed));
  if (rc != Z_OK || out_size != e.grid_size) {
    return fail(grid + "ZIP data is corrupt or does not inflate to " + std::to_string(e.grid_size) +
                " bytes (zlib code " + std::to_string(rc) + ")");
  }
  return std::string_view(*storage);
}

// Reads one segment's header and metadata at `*at`, advancing `*at` past them.
Result<std::vector<Entry>> read_segment(const ByteView& file, uint64_t* at, uint16_t* codec) {
  const std::string where = "segment at byte " + std::to_string(*at) + ": ";
  if (!file.has(*at, kHeaderBytes)) return fail(where + "truncated header");
  const uint64_t magic = file.u64(*at);
  if (magic == nvdb::byte_swapped(nvdb::kMagicNumb) ||
      magic == nvdb::byte_swapped(nvdb::kMagicFile)) {
    return fail(where + "the file is big-endian, which is not supported");
  }
  if (magic != nvdb::kMagicNumb && magic != nvdb::kMagicFile) {
    return fail(where + "not a NanoVDB file (wrong magic number)");
  }
  const Status version = nvdb::check_version(file.u32(*at + 8));
  if (!version) return fail(where + version.message());
  const uint16_t count = file.u16(*at + 12);
  *codec = file.u16(*at + 14);
  if (count == 0) return fail(where + "holds no grids");
  *at += kHeaderBytes;
  std::vector<Entry> entries(count);
  for (Entry& e : entries) {
    if (!file.has(*at, kMetaBytes)) return fail(where + "truncated grid metadata");
    e.grid_size = file.u64(*at + kMetaGridSizeAt);
    e.file_size = file.u64(*at + kMetaFileSizeAt);
    const uint32_t name_size = file.u32(*at + kMetaNameSizeAt);
    *at += kMetaBytes;
    if (name_size == 0 || !file.has(*at, name_size) || file.bytes[*at + name_size - 1] != '\0') {
      return fail(where + "grid name of " + std::to_string(name_size) +
                  " bytes is truncated or not NUL-terminated");
    }
    e.name = std::string(file.bytes.data() + *at);  // up to the NUL
    *at += name_size;
  }
  return entries;
}

}  // namespace

Result<std::optional<DensityGrid>> parse_nanovdb_grid(std::string_view file_bytes,
                                                      const std::string& grid_name,
                                                      const NanoVdbLimits& limits) {
  const ByteView file{file_bytes};
  uint64_t at = 0;
  while (at < file_bytes.size()) {
    uint16_t codec = 0;
    TF_TRY(entries, read_segment(file, &at, &codec));
    for (const Entry& e : entries) {
      if (!file.has(at, e.file_size)) {
        return fail("grid \"" + e.name + "\": its " + std::to_string(e.file_size) +
                    " stored bytes run past the end of the file");
      }
      if (e.name == grid_name) {
        std::string storage;
        TF_TRY(buffer, decode(file_bytes.substr(at, e.file_size), codec, e, limits, &storage));
        Result<DensityGrid> grid = nvdb::grid_to_density(buffer, limits.max_samples);
        if (!grid) return fail("grid \"" + e.name + "\": " + grid.message());
        return std::optional<DensityGrid>(std::move(grid.value()));
      }
      at += e.file_size;
    }
  }
  return std::optional<DensityGrid>{};
}

Result<std::optional<DensityGrid>> read_nanovdb_grid(const std::filesystem::path& path,
                                                     const std::string& grid_name,
                                                     const NanoVdbLimits& limits) {
  const std::string where = "NanoVDB file '" + path.string() + "': ";
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return Error{where + "cannot open: " + ec.message()};
  if (size > limits.max_file_bytes) {
    return Error{where + "its " + std::to_string(size) + " bytes exceed the limit of " +
                 std::to_string(limits.max_file_bytes)};
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (!in || static_cast<uint64_t>(in.gcount()) != size) return Error{where + "read failed"};
  Result<std::optional<DensityGrid>> grid = parse_nanovdb_grid(bytes, grid_name, limits);
  if (!grid) return Error{where + grid.message().substr(sizeof("NanoVDB: ") - 1)};
  return grid;
}

}  // namespace tf::scene
