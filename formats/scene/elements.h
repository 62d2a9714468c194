// Builders for the things pbrt-v4 directives create: shapes, materials, textures, lights.
// Internal to formats/scene. Each consumes the parameters it understands from `params`;
// the caller reports whatever is left unused. Lights and area lights come back empty when the
// construct was skipped in lenient mode (already reported through Diagnostics); unsupported
// materials and textures are replaced by grey stand-ins instead.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "formats/scene/diagnostics.h"
#include "formats/scene/params.h"
#include "formats/scene/scene_ir.h"

namespace tf::scene {

// The material index of pbrt's "interface" material: a shape carrying it is no surface, only
// the boundary of a medium (IrShape::interface).
inline constexpr int kNoSurfaceMaterial = -1;

struct ElementContext {
  Diagnostics& diag;
  std::filesystem::path base_dir;                    // for relative file names
  const std::map<std::string, int>& textures;        // spectrum textures by name
  const std::map<std::string, int>& float_textures;  // float textures by name
  const std::map<std::string, int>& named_materials;  // index, or kNoSurfaceMaterial
  std::vector<IrTexture>& texture_list;
  const std::vector<IrMaterial>& materials;
  Vec3d view_point{};  // the camera position in the current object space (curves face it)
};

// Resolves a file name from the scene against base_dir (absolute names stay as they are).
std::filesystem::path resolve_scene_path(const std::filesystem::path& base_dir,
                                         const std::string& name);

// Shape "type": the object-space geometry (mesh or sphere; disk and cylinder as triangles) into
// `out`. Returns false when the shape was skipped (unsupported, lenient mode).
Result<bool> make_shape(const std::string& type, ParamSet& params, const FileLoc& loc,
                        ElementContext& ctx, IrShape* out);

// pbrt's full sphere of `radius` about the origin (normal outwards, u = phi / 2pi, v = 1 -
// theta / pi) as a closed mesh of kCircleSegments x kCircleSegments / 2 quads with per-vertex
// normals, for spheres whose transform is not a similarity (pbrt's ellipsoids).
IrMesh tessellate_sphere(double radius);

// Whether material parameter `name` is given as a texture, which a material cannot represent
// (its parameters are constants): unsupported, so a strict load fails and a lenient one warns
// and uses `fallback` (the caller's default).
Result<bool> texture_given(ParamSet& params, const std::string& name, const std::string& fallback,
                           const FileLoc& loc, ElementContext& ctx);

// A float material parameter, or `def` when it is given as a texture (texture_given).
Result<double> float_or_skip(ParamSet& params, const std::string& name, double def,
                             const FileLoc& loc, ElementContext& ctx);

// Material "type" / MakeNamedMaterial: `type` from the directive or the "type" parameter.
Result<std::optional<IrMaterial>> make_material(const std::string& directive,
                                                const std::string& type, ParamSet& params,
                                                const FileLoc& loc, ElementContext& ctx);

// Texture "name" "spectrum|float" "class" with the CTM at the directive. Operands name earlier
// textures (indices into ctx.texture_list); parts it builds itself are appended there.
Result<std::optional<IrTexture>> make_texture(const std::string& value_type,
                                              const std::string& tex_class, ParamSet& params,
                                              const FileLoc& loc, const Mat4& world_from_texture,
                                              ElementContext& ctx);

// LightSource "type" with the CTM at the directive.
Result<std::optional<IrLight>> make_light(const std::string& type, ParamSet& params,
                                          const FileLoc& loc, const Mat4& world_from_light,
                                          ElementContext& ctx);

// AreaLightSource "type".
Result<std::optional<IrAreaLight>> make_area_light(const std::string& type, ParamSet& params,
                                                   const FileLoc& loc, ElementContext& ctx);

}  // namespace tf::scene
