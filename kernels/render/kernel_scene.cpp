#include "kernels/render/kernel_scene.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/device/vec3.h"
#include "kernels/render/bvh_build.h"
#include "kernels/render/light_tables.h"
#include "kernels/render/measured_host.h"
#include "kernels/render/medium_host.h"

namespace tf {
namespace {

bool finite(float x) { return std::isfinite(x); }

Error invalid(const std::string& what) { return Error{"invalid kernel scene: " + what}; }

std::string idx(const char* kind, size_t i) { return std::string(kind) + " " + std::to_string(i); }

Status validate_geometry(const KernelScene& s) {
  for (size_t i = 0; i < s.vertices.size(); ++i) {
    const tf_vertex& v = s.vertices[i];
    if (!finite(v.px) || !finite(v.py) || !finite(v.pz)) {
      return invalid(idx("vertex", i) + " has a non-finite position");
    }
  }
  const size_t nv = s.vertices.size();
  for (size_t i = 0; i < s.triangles.size(); ++i) {
    const tf_triangle& t = s.triangles[i];
    if (t.v0 >= nv || t.v1 >= nv || t.v2 >= nv) {
      return invalid(idx("triangle", i) + " references a vertex beyond the " + std::to_string(nv) + " vertices");
    }
  }
  for (size_t i = 0; i < s.spheres.size(); ++i) {
    const tf_sphere& sp = s.spheres[i];
    if (!finite(sp.cx) || !finite(sp.cy) || !finite(sp.cz) || !(sp.radius > 0.0f) || !finite(sp.radius)) {
      return invalid(idx("sphere", i) + " needs a finite centre and a positive finite radius");
    }
  }
  return Status::ok();
}

// Material and light references of primitive `id` (triangles first, then spheres).
// Texture `i` as a post-order program (scene_types.h): at most TF_TEX_MAX_NODES nodes within
// the array, never more than TF_TEX_STACK values live, every operand present, one value left.
Status validate_texture_program(const KernelScene& s, size_t i) {
  const size_t count = std::max<size_t>(s.textures[i].count, 1);
  if (count > TF_TEX_MAX_NODES || count > i + 1) {
    return invalid(idx("texture", i) + " has a program longer than " +
                   std::to_string(TF_TEX_MAX_NODES) + " nodes or beyond the texture array");
  }
  size_t depth = 0;
  for (size_t k = i + 1 - count; k <= i; ++k) {
    const uint32_t type = s.textures[k].type;
    const bool binary = type == TF_TEX_DIRECTIONMIX || type == TF_TEX_SCALE;
    const size_t pops = type == TF_TEX_MIX ? 3 : binary ? 2 : 0;
    if (type > TF_TEX_LAST || depth < pops) {
      return invalid(idx("texture", i) + "'s program has a node without its operands");
    }
    depth = depth - pops + 1;
    if (depth > TF_TEX_STACK) {
      return invalid(idx("texture", i) + "'s program needs more than " +
                     std::to_string(TF_TEX_STACK) + " stack entries");
    }
  }
  if (depth != 1) {
    return invalid(idx("texture", i) + "'s program leaves " + std::to_string(depth) + " values");
  }
  return Status::ok();
}

Status validate_prim_refs(const KernelScene& s, size_t id, uint32_t material, int32_t light) {
  std::string name = id < s.triangles.size() ? idx("triangle", id) : idx("sphere", id - s.triangles.size());
  if (material >= s.materials.size()) return invalid(name + " references a missing material");
  if (light >= 0) {
    if (static_cast<size_t>(light) >= s.lights.size()) return invalid(name + " references a missing light");
    const tf_light& l = s.lights[static_cast<size_t>(light)];
    if (l.type != TF_LIGHT_AREA || l.prim != id) {
      return invalid(name + " references " + idx("light", static_cast<size_t>(light)) +
                     ", which is not the area light of that primitive");
    }
  }
  return Status::ok();
}

// The coating and medium of a coated material (layered_bsdf.h): what the random walk needs to
// stay finite and terminate.
Status validate_coating(const tf_material& m, size_t i) {
  const bool albedo_ok = m.albedo_r >= 0.0f && m.albedo_r <= 1.0f && m.albedo_g >= 0.0f &&
                         m.albedo_g <= 1.0f && m.albedo_b >= 0.0f && m.albedo_b <= 1.0f;
  if (!(m.coat_eta > 0.0f) || !(m.coat_alpha_u >= 0.0f) || !(m.coat_alpha_v >= 0.0f) ||
      !(m.thickness >= 0.0f) || !finite(m.thickness) || !(m.hg_g > -1.0f && m.hg_g < 1.0f) ||
      !albedo_ok || m.max_depth == 0u || m.n_samples == 0u) {
    return invalid(idx("material", i) +
                   " is coated but needs coat_eta > 0, coat alphas >= 0, a finite thickness >= 0, "
                   "-1 < g < 1, albedo in [0, 1], max_depth >= 1 and n_samples >= 1");
  }
  return Status::ok();
}

// Mix material i: both materials exist and mixes nest at most TF_MIX_MAX_DEPTH deep
// (kernels/render/mix_material.h), which also rules out cycles. `levels`: the nesting left.
Status validate_mix(const KernelScene& s, size_t i, uint32_t levels) {
  const tf_material& m = s.materials[i];
  if (m.type != TF_MAT_MIX) return Status::ok();
  if (levels == 0u) {
    return invalid(idx("material", i) + ": mixes nest deeper than " +
                   std::to_string(TF_MIX_MAX_DEPTH) + " levels (or in a cycle)");
  }
  for (uint32_t part : {m.mix_m0, m.mix_m1}) {
    if (part >= s.materials.size()) return invalid(idx("material", i) + " mixes a missing material");
    Status st = validate_mix(s, part, levels - 1u);
    if (!st) return st;
  }
  return Status::ok();
}

// Hair material i (hair_bsdf.h): finite sigma_a >= 0, eta > 0, roughness in (0, 1].
Status validate_hair(const tf_material& m, size_t i) {
  const std::string what = idx("material", i) + ": hair ";
  for (float c : {m.r, m.g, m.b}) {
    if (!(c >= 0.0f) || !finite(c)) return invalid(what + "sigma_a must be finite and >= 0");
  }
  if (!(m.eta_r > 0.0f) || !finite(m.eta_r)) return invalid(what + "eta must be > 0");
  if (!(m.beta_m > 0.0f && m.beta_m <= 1.0f) || !(m.beta_n > 0.0f && m.beta_n <= 1.0f)) {
    return invalid(what + "beta_m and beta_n must be in (0, 1]");
  }
  if (!finite(m.hair_alpha)) return invalid(what + "alpha must be finite");
  return Status::ok();
}

Status validate_materials_textures(const KernelScene& s) {
  for (size_t i = 0; i < s.materials.size(); ++i) {
    const tf_material& m = s.materials[i];
    if (m.type > TF_MAT_MEASURED) {
      return invalid(idx("material", i) + " has an unknown type");
    }
    Status mix = validate_mix(s, i, TF_MIX_MAX_DEPTH);
    if (!mix) return mix;
    if (m.type == TF_MAT_COATED_DIFFUSE || m.type == TF_MAT_COATED_CONDUCTOR) {
      Status st = validate_coating(m, i);
      if (!st) return st;
    }
    if (m.type == TF_MAT_HAIR) {
      Status st = validate_hair(m, i);
      if (!st) return st;
    }
    if (m.type == TF_MAT_MEASURED) {
      Status st = m.measured == 0u ? Status(Error{"measured material without tables"})
                                   : validate_measured_block(s.texels, m.measured - 1u);
      if (!st) return invalid(idx("material", i) + ": " + st.message());
    }
    const size_t textures = s.textures.size();
    if ((m.texture >= 0 && static_cast<size_t>(m.texture) >= textures) ||
        std::max({m.displacement, m.normal_map, m.mix_amount_tex, m.rough_u_tex, m.rough_v_tex,
                  m.coat_rough_u_tex, m.coat_rough_v_tex}) > textures) {
      return invalid(idx("material", i) + " references a missing texture");
    }
    if ((m.type == TF_MAT_DIELECTRIC || m.type == TF_MAT_THIN_DIELECTRIC) && !(m.eta_r > 0.0f)) {
      return invalid(idx("material", i) + " is a dielectric without a positive IOR (eta_r)");
    }
    if (!(m.alpha_u >= 0.0f) || !(m.alpha_v >= 0.0f)) {
      return invalid(idx("material", i) + " has a negative or NaN roughness");
    }
  }
  for (size_t i = 0; i < s.textures.size(); ++i) {
    const tf_texture& t = s.textures[i];
    if (t.type > TF_TEX_LAST) return invalid(idx("texture", i) + " has an unknown type");
    if (t.mapping > TF_MAP_LAST) return invalid(idx("texture", i) + " has an unknown mapping");
    Status program = validate_texture_program(s, i);
    if (!program) return program;
    if (t.type == TF_TEX_IMAGE) {
      size_t need = static_cast<size_t>(t.offset) + 3 * static_cast<size_t>(t.width) * t.height;
      if (t.width == 0 || t.height == 0 || need > s.texels.size()) {
        return invalid(idx("texture", i) + " is an empty image or lies outside the texel array");
      }
      // tf_wrap_texel's mirrored repeat counts to twice an axis in 32 bits.
      if (t.width >= (1u << 30) || t.height >= (1u << 30)) {
        return invalid(idx("texture", i) + " is an image wider or taller than 2^30 texels");
      }
      if (t.wrap_s > TF_WRAP_MIRROR || t.wrap_t > TF_WRAP_MIRROR) {
        return invalid(idx("texture", i) + " has an unknown wrap mode");
      }
    }
  }
  return Status::ok();
}

// Media: finite non-negative coefficients, -1 < g < 1, at most TF_MAX_MEDIA; every medium
// reference (1 + index, 0: vacuum) in range.
Status validate_media(const KernelScene& s) {
  if (s.media.size() > TF_MAX_MEDIA) {
    return invalid("more than " + std::to_string(TF_MAX_MEDIA) + " media");
  }
  for (size_t i = 0; i < s.media.size(); ++i) {
    const tf_medium& m = s.media[i];
    for (float c : {m.sigma_a_r, m.sigma_a_g, m.sigma_a_b, m.sigma_s_r, m.sigma_s_g, m.sigma_s_b}) {
      if (!(c >= 0.0f) || !finite(c)) {
        return invalid(idx("medium", i) + " needs finite coefficients >= 0");
      }
    }
    if (!(m.g > -1.0f && m.g < 1.0f)) return invalid(idx("medium", i) + " needs -1 < g < 1");
  }
  const size_t count = s.media.size();
  auto in_range = [count](uint32_t flags) {
    return TF_PRIM_INSIDE1(flags) <= count && TF_PRIM_OUTSIDE1(flags) <= count;
  };
  if (s.header.camera_medium > count) return invalid("the camera's medium is missing");
  for (size_t i = 0; i < s.triangles.size(); ++i) {
    if (!in_range(s.triangles[i].flags)) {
      return invalid(idx("triangle", i) + " references a missing medium");
    }
  }
  for (size_t i = 0; i < s.spheres.size(); ++i) {
    if (!in_range(s.spheres[i].flags)) {
      return invalid(idx("sphere", i) + " references a missing medium");
    }
  }
  return Status::ok();
}

bool is_image_texture(const KernelScene& s, int32_t texture) {
  return texture >= 0 && static_cast<size_t>(texture) < s.textures.size() &&
         s.textures[static_cast<size_t>(texture)].type == TF_TEX_IMAGE;
}

Status validate_lights(KernelScene* s) {
  const size_t prims = s->triangles.size() + s->spheres.size();
  s->header.env_light = -1;
  for (size_t i = 0; i < s->lights.size(); ++i) {
    const tf_light& l = s->lights[i];
    std::string name = idx("light", i);
    if (l.type > TF_LIGHT_ENV_IMAGE) return invalid(name + " has an unknown type");
    if (!finite(l.r) || !finite(l.g) || !finite(l.b)) return invalid(name + " has a non-finite colour");
    if (l.type == TF_LIGHT_AREA) {
      if (l.prim >= prims) return invalid(name + " is an area light of a missing primitive");
      int32_t back = l.prim < s->triangles.size() ? s->triangles[l.prim].light
                                                   : s->spheres[l.prim - s->triangles.size()].light;
      if (back != static_cast<int32_t>(i)) {
        return invalid(name + " is the area light of primitive " + std::to_string(l.prim) +
                       ", but that primitive does not reference it");
      }
      if (l.texture != -1 && !is_image_texture(*s, l.texture)) {
        return invalid(name + " has an emission texture that is not an image texture "
                              "(emitter_texture.h)");
      }
    }
    if (l.type == TF_LIGHT_ENV_IMAGE) {
      if (!is_image_texture(*s, l.texture)) {
        return invalid(name + " is an image environment light without an image texture");
      }
      if (l.mapping > TF_ENV_OCTAHEDRAL) return invalid(name + " has an unknown environment mapping");
    }
    if (l.type == TF_LIGHT_ENV_UNIFORM || l.type == TF_LIGHT_ENV_IMAGE) {
      if (s->header.env_light >= 0) {
        return invalid("more than one environment light (lights " + std::to_string(s->header.env_light) +
                       " and " + std::to_string(i) + "); merge them into one");
      }
      s->header.env_light = static_cast<int32_t>(i);
    }
  }
  return Status::ok();
}

std::vector<PrimBounds> primitive_bounds(const KernelScene& s) {
  std::vector<PrimBounds> out;
  out.reserve(s.triangles.size() + s.spheres.size());
  for (const tf_triangle& t : s.triangles) {
    const tf_vertex* v[3] = {&s.vertices[t.v0], &s.vertices[t.v1], &s.vertices[t.v2]};
    PrimBounds b{};
    b.min[0] = std::min({v[0]->px, v[1]->px, v[2]->px});
    b.min[1] = std::min({v[0]->py, v[1]->py, v[2]->py});
    b.min[2] = std::min({v[0]->pz, v[1]->pz, v[2]->pz});
    b.max[0] = std::max({v[0]->px, v[1]->px, v[2]->px});
    b.max[1] = std::max({v[0]->py, v[1]->py, v[2]->py});
    b.max[2] = std::max({v[0]->pz, v[1]->pz, v[2]->pz});
    out.push_back(b);
  }
  for (const tf_sphere& sp : s.spheres) {
    out.push_back(PrimBounds{{sp.cx - sp.radius, sp.cy - sp.radius, sp.cz - sp.radius},
                             {sp.cx + sp.radius, sp.cy + sp.radius, sp.cz + sp.radius}});
  }
  return out;
}

// Radius of a sphere around the scene's box, the union of the root's child boxes (0 for an
// empty scene).
float bounding_radius(const std::vector<tf_bvh_node>& nodes) {
  if (nodes.empty()) return 0.0f;
  const tf_bvh_node& r = nodes[0];
  const float* mins[3] = {r.min_x, r.min_y, r.min_z};
  const float* maxs[3] = {r.max_x, r.max_y, r.max_z};
  float extent[3];
  for (int a = 0; a < 3; ++a) {
    extent[a] = *std::max_element(maxs[a], maxs[a] + TF_BVH_WIDTH) - *std::min_element(mins[a], mins[a] + TF_BVH_WIDTH);
  }
  return 0.5f * v3_length(v3(extent[0], extent[1], extent[2]));
}

// The leaf_triangles record of every prim_index entry (zero for spheres).
std::vector<tf_leaf_triangle> leaf_triangles(const KernelScene& s) {
  auto position = [&s](uint32_t v) { return v3(s.vertices[v].px, s.vertices[v].py, s.vertices[v].pz); };
  std::vector<tf_leaf_triangle> out(s.prim_index.size(), tf_leaf_triangle{});
  for (size_t i = 0; i < s.prim_index.size(); ++i) {
    if (s.prim_index[i] >= s.triangles.size()) continue;
    const tf_triangle& t = s.triangles[s.prim_index[i]];
    tf_vec3 p0 = position(t.v0);
    tf_vec3 e1 = v3_sub(position(t.v1), p0);
    tf_vec3 e2 = v3_sub(position(t.v2), p0);
    out[i] = tf_leaf_triangle{p0.x, p0.y, p0.z, e1.x, e1.y, e1.z, e2.x, e2.y, e2.z};
  }
  return out;
}

// Triangles flagged TF_PRIM_ALPHA name a material with an alpha texture (alpha_cutout.h reads
// it); spheres take no alpha. Returns how many triangles are flagged.
Result<uint32_t> count_alpha_prims(const KernelScene& s) {
  uint32_t count = 0;
  for (size_t i = 0; i < s.triangles.size(); ++i) {
    if ((s.triangles[i].flags & TF_PRIM_ALPHA) == 0u) continue;
    const uint32_t tex = s.materials[s.triangles[i].material].alpha_tex;
    if (tex == 0u || tex > s.textures.size()) {
      return invalid(idx("triangle", i) + " is cut out by a missing alpha texture");
    }
    ++count;
  }
  for (size_t i = 0; i < s.spheres.size(); ++i) {
    if ((s.spheres[i].flags & TF_PRIM_ALPHA) != 0u) {
      return invalid(idx("sphere", i) + " has an alpha texture (triangles only)");
    }
  }
  return count;
}

}  // namespace

Status finalize_kernel_scene(KernelScene* scene) {
  if (scene->camera.width == 0 || scene->camera.height == 0) return invalid("the film has no pixels");
  Status st = validate_geometry(*scene);
  if (!st) return st;
  st = validate_materials_textures(*scene);
  if (!st) return st;
  for (size_t i = 0; i < scene->triangles.size(); ++i) {
    st = validate_prim_refs(*scene, i, scene->triangles[i].material, scene->triangles[i].light);
    if (!st) return st;
  }
  for (size_t i = 0; i < scene->spheres.size(); ++i) {
    st = validate_prim_refs(*scene, scene->triangles.size() + i, scene->spheres[i].material,
                            scene->spheres[i].light);
    if (!st) return st;
  }
  st = validate_lights(scene);
  if (!st) return st;
  st = validate_media(*scene);
  if (!st) return st;
  st = finalize_heterogeneous_media(scene);
  if (!st) return st;

  tf_scene_header& h = scene->header;
  h.triangle_count = static_cast<uint32_t>(scene->triangles.size());
  h.sphere_count = static_cast<uint32_t>(scene->spheres.size());
  h.light_count = static_cast<uint32_t>(scene->lights.size());
  h.medium_count = static_cast<uint32_t>(scene->media.size());
  Result<uint32_t> alpha_prims = count_alpha_prims(*scene);
  if (!alpha_prims) return alpha_prims.status();
  h.alpha_prims = alpha_prims.value();
  Bvh bvh = build_bvh(primitive_bounds(*scene), h.triangle_count);
  scene->nodes = std::move(bvh.nodes);
  scene->prim_index = std::move(bvh.prim_index);
  scene->leaf_triangles = leaf_triangles(*scene);
  h.node_count = static_cast<uint32_t>(scene->nodes.size());
  build_light_tables(scene, bounding_radius(scene->nodes));
  return Status::ok();
}

tf_scene_view make_host_scene_view(const KernelScene& scene) {
  tf_scene_view v;
  v.header = scene.header;
  v.camera = scene.camera;
  v.vertices = scene.vertices.data();
  v.triangles = scene.triangles.data();
  v.spheres = scene.spheres.data();
  v.nodes = scene.nodes.data();
  v.prim_index = scene.prim_index.data();
  v.leaf_triangles = scene.leaf_triangles.data();
  v.materials = scene.materials.data();
  v.textures = scene.textures.data();
  v.texels = scene.texels.data();
  v.lights = scene.lights.data();
  v.distribution = scene.distribution.data();
  v.media = scene.media.data();
  v.densities = scene.densities.data();
  return v;
}

}  // namespace tf
