// SceneIr -> KernelScene: camera, flattened geometry (object instances expanded into world
// space), materials, textures with their texels, lights (one per emissive primitive).
// Reads image files for textures and environment maps. Does not call
// finalize_kernel_scene(). Thread-safe.
#pragma once

#include "formats/scene/scene_ir.h"
#include "kernels/render/kernel_scene.h"
#include "kernels/status.h"

namespace tf::scene {

// Upper bounds after instancing (memory stays bounded for hostile scenes).
inline constexpr uint64_t kMaxKernelPrimitives = uint64_t{1} << 26;  // triangles + spheres
inline constexpr uint64_t kMaxKernelTexels = uint64_t{1} << 30;      // floats

// Converts `ir`. Errors name the element's file:line:col (e.g. a sphere under non-uniform
// scale, a singular transform, an unreadable image).
Result<KernelScene> convert_to_kernel(const SceneIr& ir);

}  // namespace tf::scene
