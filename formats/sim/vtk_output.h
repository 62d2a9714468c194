// ParaView / VTK output of simulation snapshots: each snapshot's fields as VTK XML ImageData
// (.vti), and a collection (.pvd) per run that lists its snapshots by step, so that ParaView
// opens a run as one time series.
//
// Layout: a field of nx * ny * nz values (x fastest, row y = 0 first, like the .npy files) is
// point data on an image of nx * ny * nz points, origin 0 and spacing 1 (lattice units): the
// point at (x, y, z) is cell (x, y, z). Arrays are float32, little-endian, stored raw in the
// file's appended section with UInt64 byte counts (VTK file version 1.0), so that their bytes
// are exactly those of the .npy arrays. A `velocity` vector of three components is added when
// the fields ux and uy are given (uz zero in 2D), for glyphs and stream tracers.
//
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernels/sim/sim_host.h"
#include "kernels/status.h"

namespace tf::sim {

using NamedField = std::pair<std::string, const std::vector<float>*>;

// The fields (each size.cell_count() values) as the bytes of one .vti file. Error when a
// field's length does not match the size or a name is not a plain identifier.
Result<std::vector<uint8_t>> vti_bytes(const std::vector<NamedField>& fields, Extent size);

// One entry of a run's collection: the step (the time value ParaView shows) and the .vti file
// relative to the .pvd's folder.
struct CollectionEntry {
  long long step = 0;
  std::string file;
};

// The text of a .pvd collection of the entries, in the given order. Error when a file name
// cannot be written in an XML attribute.
Result<std::string> pvd_document(const std::vector<CollectionEntry>& entries);

}  // namespace tf::sim
