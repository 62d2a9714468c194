#include "formats/scene/load.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "formats/scene/convert.h"
#include "formats/scene/mesh_import.h"
#include "formats/scene/parser.h"

namespace tf {
namespace {

struct Bounds {
  float lo[3] = {std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity(),
                 std::numeric_limits<float>::infinity()};
  float hi[3] = {-std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                 -std::numeric_limits<float>::infinity()};
  bool empty() const { return !(lo[0] <= hi[0]); }
  void add(float x, float y, float z, float r) {
    const float p[3] = {x, y, z};
    for (int i = 0; i < 3; ++i) {
      lo[i] = std::min(lo[i], p[i] - r);
      hi[i] = std::max(hi[i], p[i] + r);
    }
  }
};

Bounds scene_bounds(const KernelScene& k) {
  Bounds b;
  for (const tf_vertex& v : k.vertices) b.add(v.px, v.py, v.pz, 0);
  for (const tf_sphere& s : k.spheres) b.add(s.cx, s.cy, s.cz, s.radius);
  return b;
}

template <class T>
uint64_t bytes_of(const std::vector<T>& v) {
  return static_cast<uint64_t>(v.size()) * sizeof(T);
}

std::vector<std::pair<std::string, uint64_t>> memory_by_array(const KernelScene& k) {
  return {{"vertices", bytes_of(k.vertices)},     {"triangles", bytes_of(k.triangles)},
          {"spheres", bytes_of(k.spheres)},       {"materials", bytes_of(k.materials)},
          {"textures", bytes_of(k.textures)},     {"texels", bytes_of(k.texels)},
          {"lights", bytes_of(k.lights)},         {"bvh_nodes", bytes_of(k.nodes)},
          {"prim_index", bytes_of(k.prim_index)}, {"leaf_triangles", bytes_of(k.leaf_triangles)},
          {"distribution", bytes_of(k.distribution)}};
}

}  // namespace

Result<LoadedScene> load_scene_file(const std::filesystem::path& file,
                                    const SceneLoadOptions& options) {
  Result<scene::SceneIr> ir =
      scene::is_mesh_file_extension(file)
          ? scene::import_mesh_file(file)
          : scene::parse_pbrt_file(file, scene::ParseOptions{options.lenient});
  if (!ir) return Error{ir.message()};
  LoadedScene out;
  out.warnings = std::move(ir->warnings);
  Result<KernelScene> kernel = scene::convert_to_kernel(ir.value());
  if (!kernel) return Error{kernel.message()};
  out.kernel = std::move(kernel.value());
  Status finalized = finalize_kernel_scene(&out.kernel);
  if (!finalized) return Error{file.string() + ": " + finalized.message()};
  out.width = ir->image_width();
  out.height = ir->image_height();
  if (ir->crop) out.window = {ir->width, ir->height, ir->crop->x0, ir->crop->y0};
  out.spp = ir->spp;
  out.film_filename = ir->film_filename;
  return out;
}

std::string describe_scene(const LoadedScene& scene) {
  const KernelScene& k = scene.kernel;
  std::ostringstream s;
  s << "resolution " << scene.width << "x" << scene.height;
  if (scene.window.full_width != 0) {
    s << " (a crop at " << scene.window.x0 << ", " << scene.window.y0 << " of the "
      << scene.window.full_width << "x" << scene.window.full_height << " film)";
  }
  s << ", " << scene.spp << " samples per pixel, max depth " << k.header.max_depth << "\n";
  s << "triangles " << k.triangles.size() << ", spheres " << k.spheres.size() << ", vertices "
    << k.vertices.size() << ", materials " << k.materials.size() << ", textures "
    << k.textures.size() << ", lights " << k.lights.size()
    << (k.header.env_light >= 0 ? " (with an environment)" : "") << "\n";
  const Bounds b = scene_bounds(k);
  if (b.empty()) {
    s << "bounds: empty scene\n";
  } else {
    s << "bounds (" << b.lo[0] << ", " << b.lo[1] << ", " << b.lo[2] << ") - (" << b.hi[0] << ", "
      << b.hi[1] << ", " << b.hi[2] << ")\n";
  }
  uint64_t total = 0;
  s << "memory:";
  for (const auto& [name, bytes] : memory_by_array(k)) {
    s << " " << name << " " << bytes;
    total += bytes;
  }
  s << " bytes; total " << total << " bytes\n";
  s << "approximations and ignored items: " << scene.warnings.size() << "\n";
  for (const std::string& w : scene.warnings) s << "  " << w << "\n";
  return s.str();
}

nlohmann::json describe_scene_json(const LoadedScene& scene) {
  const KernelScene& k = scene.kernel;
  nlohmann::json j;
  j["width"] = scene.width;
  j["height"] = scene.height;
  j["spp"] = scene.spp;
  if (scene.window.full_width != 0) {
    j["crop"] = {{"x0", scene.window.x0},
                 {"y0", scene.window.y0},
                 {"full_width", scene.window.full_width},
                 {"full_height", scene.window.full_height}};
  }
  j["max_depth"] = k.header.max_depth;
  j["film_filename"] = scene.film_filename;
  j["counts"] = {{"triangles", k.triangles.size()}, {"spheres", k.spheres.size()},
                 {"vertices", k.vertices.size()},   {"materials", k.materials.size()},
                 {"textures", k.textures.size()},   {"lights", k.lights.size()},
                 {"bvh_nodes", k.nodes.size()}};
  j["environment"] = k.header.env_light >= 0;
  const Bounds b = scene_bounds(k);
  if (b.empty()) {
    j["bounds"] = nullptr;
  } else {
    j["bounds"] = {{"min", {b.lo[0], b.lo[1], b.lo[2]}}, {"max", {b.hi[0], b.hi[1], b.hi[2]}}};
  }
  nlohmann::json mem = nlohmann::json::object();
  uint64_t total = 0;
  for (const auto& [name, bytes] : memory_by_array(k)) {
    mem[name] = bytes;
    total += bytes;
  }
  mem["total"] = total;
  j["memory_bytes"] = mem;
  j["warnings"] = scene.warnings;
  return j;
}

}  // namespace tf
