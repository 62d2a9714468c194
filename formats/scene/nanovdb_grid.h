// NanoVDB files (.nvdb): the float grids pbrt-v4's "nanovdb" medium reads with
// nanovdb::io::readGrid, resampled into a DensityGrid (formats/scene/density_grid.h).
//
// The format is NanoVDB's ABI version 32 (nanovdb/util/IO.h and NanoVDB.h, 32.3 to 32.8), the
// one of the .nvdb files that pbrt-v4's scenes ship. A file is a sequence of segments: a
// 16-byte header (magic "NanoVDB0" or "NanoVDB2", packed version, grid count, codec), per grid
// a 176-byte metadata record and its NUL-terminated name, then the grids' buffers in the same
// order, stored raw (codec NONE) or as a 64-bit length and a zlib stream (ZIP). A grid buffer
// is GridData (672 bytes: magic, version, type, class, the index-to-world map), TreeData (64
// bytes: byte offsets of the node arrays), then a root with a table of tiles keyed by origin,
// upper (32^3) and lower (16^3) internal nodes and 8^3 leaves, linked by signed byte offsets.
//
// What the result holds: the grid's active index bounding box [lo, hi] (the root's, inclusive)
// plus one sample of zero padding on each side, one sample per voxel. Voxel centres sit at
// integer index coordinates, as NanoVDB's trilinear SampleFromVoxels<1> (the sampler pbrt-v4
// uses) treats them, and map to medium space through the grid's map: sample i along x is voxel
// lo.x - 1 + i, centred at scale.x * (lo.x - 1 + i) + translation.x, so the bounds are the map
// of [lo - 1.5, hi + 1.5]. Inside [lo, hi] a sample is what NanoVDB's getValue returns there
// (voxel value, or the value of the tile covering it, active or not); the padding is zero, the
// background of a fog volume, so the DensityGrid's trilinear lookups equal NanoVDB's wherever
// NanoVDB reads only the box and fall to zero beyond it as NanoVDB's do. (pbrt-v4 also clips
// its medium to the grid's stored world bounding box; this reader does not, so density may
// differ from pbrt's within one voxel below lo, where pbrt's box may cut the fade off.)
// A negative scale mirrors that axis: the samples are reversed so that x stays fastest from p0.
//
// Refused, with an error naming the file, the grid and the reason: a wrong magic number
// (including a big-endian file), a major version other than 32, the BLOSC codec (no Debian
// package provides it; re-save with NONE or ZIP) or an unknown one, a grid whose values are
// not 32-bit floats (including NanoVDB's quantized Fp4/Fp8/Fp16/FpN), a grid class other than
// fog volume or unknown (pbrt-v4 refuses the same), a map that is not an axis-aligned scale
// plus translation (rotation, shear, zero or non-finite entries), a non-zero background, an
// empty grid, a value inside the box that is negative or not finite, and every malformed
// structure: truncated records, sizes or offsets out of range, nodes not 32-byte aligned (the
// format aligns every node to 32 bytes), a node linked twice, duplicate or impossible root
// keys, a ZIP stream that does not inflate to the recorded size.
//
// Bounded for untrusted input: nothing is allocated from a size in the file before it is
// checked against the bytes present and the limits below; every node is visited at most once,
// so the work is linear in the file and the result.
// Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "formats/scene/density_grid.h"
#include "kernels/status.h"

namespace tf::scene {

struct NanoVdbLimits {
  uint64_t max_file_bytes = uint64_t{4} << 30;  // the .nvdb file
  uint64_t max_grid_bytes = uint64_t{4} << 30;  // one grid's buffer, after decompression
  uint64_t max_samples = uint64_t{1} << 28;     // nx * ny * nz of the result (1 GiB of floats)
};

// The first grid named `grid_name` in the file at `path`, resampled as described above; an
// empty optional when the file is valid up to its end and holds no grid of that name (pbrt-v4
// treats a missing "temperature" grid as no emission). Errors start with the path.
Result<std::optional<DensityGrid>> read_nanovdb_grid(const std::filesystem::path& path,
                                                     const std::string& grid_name,
                                                     const NanoVdbLimits& limits = {});

// The same from a file's bytes in memory (errors start with "NanoVDB:").
Result<std::optional<DensityGrid>> parse_nanovdb_grid(std::string_view file_bytes,
                                                      const std::string& grid_name,
                                                      const NanoVdbLimits& limits = {});

}  // namespace tf::scene
