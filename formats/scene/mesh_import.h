// Plain mesh files (OBJ, glTF/GLB, PLY, FBX, ...) through Assimp, as a SceneIr with a default
// camera framing the mesh bounds and a uniform white environment. Thread-safe.
#pragma once

#include <filesystem>
#include <string>

#include "formats/scene/scene_ir.h"
#include "kernels/status.h"

namespace tf::scene {

// The file's extension in lower case, with its dot (".gltf"); empty when it has none.
std::string lowercase_extension(const std::filesystem::path& file);

// True for the extensions load_scene_file() hands to import_mesh_file().
bool is_mesh_file_extension(const std::filesystem::path& file);

// Errors name the file and Assimp's reason. Materials: formats/scene/mesh_materials.h.
Result<SceneIr> import_mesh_file(const std::filesystem::path& file);

// Places ir.camera so that the sphere around [lo, hi] fills the view (fov 45 degrees on the
// shorter axis), looking slightly down the -z axis with +y up and +x to the image's right
// (mesh formats are right-handed; the view is not mirrored).
void frame_bounds(SceneIr* ir, Vec3d lo, Vec3d hi);

}  // namespace tf::scene
