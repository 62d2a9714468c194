// Simulation output files: fields as .npy, run metadata as meta.json, and PNG previews with
// the viridis colormap and a legend bar.
//
// Conventions: a 2D field of nx * ny values is x fastest with row y = 0 first, written as a
// NumPy array of shape (ny, nx) (3D: (nz, ny, nx)), so that row 0 is the bottom of the domain
// (y up; matplotlib: imshow(a, origin="lower")). Values are little-endian float32, C order.
//
// Every file is encoded in memory (its bytes); whoever keeps them decides how they become durable
// (the dispatcher stores a snapshot's files as blobs, synced together). Thread-safe: no shared
// state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/sim/batch_spec.h"
#include "kernels/sim/sim_host.h"
#include "kernels/status.h"

namespace tf::sim {

// A file of a snapshot: its name in the snapshot's folder and its bytes.
struct NamedFile {
  std::string name;
  std::vector<uint8_t> bytes;
};

// A text file's NamedFile (summary.json, forces.csv...).
inline NamedFile text_file(std::string name, std::string_view text) {
  return {std::move(name), std::vector<uint8_t>(text.begin(), text.end())};
}

// `values` (size.cell_count() floats) as a float32 .npy file (format version 1.0).
Result<std::vector<uint8_t>> npy_bytes(const std::vector<float>& values, Extent size);

// The colour of value t in [0, 1] (clamped; NaN reads as 0) on the viridis map, as 8-bit sRGB.
std::array<unsigned char, 3> viridis_rgb8(float t);

// A PNG of a 2D field (size.nz == 1): value lo maps to the dark end of viridis, hi to
// the bright end, top image row = highest y. Each cell is a square of png_cell_scale(size)
// pixels, so that small grids are large enough to look at. A legend bar on the right shows
// the map from lo (bottom) to hi (top), labelled with both values ("%.3g") where the image is
// tall enough; lo and hi are also stored in the PNG's ImageDescription as
// "min=<lo> max=<hi>". Error when hi <= lo or the field is empty.
Result<std::vector<uint8_t>> field_png_bytes(const std::vector<float>& values, Extent size,
                                             float lo, float hi);

// Pixels per cell side in field_png_bytes: the smallest integer that makes the longer side of
// the field at least 512 pixels (1 for grids that are already that large).
int png_cell_scale(Extent size);

// A 2D field set (size.nz == 1) as an OpenEXR file of float32 channels named after
// the fields (e.g. rho, ux, uy), top image row = highest y like the PNG. Error when a field's
// length does not match the size or the size is 3D.
Result<std::vector<uint8_t>> field_exr_bytes(
    const std::vector<std::pair<std::string, const std::vector<float>*>>& fields, Extent size);

// meta.json of a snapshot: model, kernel version, batch and run names, grid, step, boundaries,
// parameters, and the lattice parameters a reader needs to convert units (lattice Boltzmann:
// tau, viscosity, lid_velocity, force, inlet velocity, outlet density; Gray-Scott: du, dv, f,
// k, dt; heat: diffusivity), plus the list of field files.
std::string meta_json_text(const RunSpec& run, const TileState& state, long long step,
                           const std::vector<std::string>& field_files);

// The name of a snapshot's ParaView file (formats/sim/vtk_output.h) in its folder.
inline constexpr const char* kSnapshotVtiName = "fields.vti";

// The files of one snapshot of a whole-domain state, in this order:
// lattice Boltzmann rho.npy, ux.npy, uy.npy (uz.npy), speed.png; Gray-Scott u.npy, v.npy,
// v.png; heat temperature.npy, temperature.png; in 2D fields.exr with every field as a
// channel; fields.vti with every field (and the velocity vector) for ParaView; and
// meta.json. PNG ranges are the field's min and max (a constant field gets [v, v + 1]).
// The files are encoded each on its own thread; the first error in the order above is returned.
Result<std::vector<NamedFile>> snapshot_files(const RunSpec& run, const TileState& state,
                                              long long step);

}  // namespace tf::sim
