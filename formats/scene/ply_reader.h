// PLY meshes (ASCII, binary little- and big-endian; gzipped when the name ends in .gz):
// positions, optional normals and uvs, polygon faces split into triangle fans (quads -> two
// triangles).
// Bounded: element counts are checked against the file size before anything is allocated.
// Thread-safe.
#pragma once

#include <filesystem>

#include "formats/scene/scene_ir.h"
#include "kernels/status.h"

namespace tf::scene {

// Errors name the path and what is wrong (missing x/y/z, index out of range, truncated data).
Result<IrMesh> read_ply(const std::filesystem::path& path);

}  // namespace tf::scene
