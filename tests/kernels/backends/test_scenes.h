// Small scenes, built in code, that together use every primitive, material, texture, light
// and camera feature of the kernel scene. Used to compare backends byte for byte, so they
// favour coverage over realism; each renders in milliseconds at a few samples per pixel.
#pragma once

#include <string>
#include <vector>

#include "kernels/render/kernel_scene.h"

namespace tf::test {

struct NamedScene {
  std::string name;
  KernelScene scene;  // finalized
};

// Spheres only: diffuse with a checkerboard, smooth and rough conductors (eta/k and
// reflectance), smooth and rough dielectrics, a thin dielectric; a spherical area light,
// a point light, a spot light and a uniform environment.
NamedScene spheres_scene();

// Triangles only: a box of quads with image and constant textures, UVs and shading normals,
// a rough conductor and a rough dielectric pane, a one-sided and a flipped two-sided quad
// light, a distant light and a thin-lens camera.
NamedScene triangles_scene();

// Image environment lighting (TF_ENV_EQUIRECT or TF_ENV_OCTAHEDRAL, rotated) over a glossy
// sphere, a glass sphere and a textured floor.
NamedScene environment_scene(uint32_t mapping);

// spheres_scene() through a film response (tf_film: sensor matrix, clamp, output matrix) and
// a cropped camera (center_x/y).
NamedScene film_response_scene();

// Participating media: a hazy sphere of air around the camera and everything else, a denser
// coloured forward-scattering ball and a glass sphere filled with an absorbing medium, lit by
// a spherical area light, a point light and a uniform environment (next-event estimation
// through interface surfaces).
NamedScene media_scene();

// Heterogeneous media: a rotated, scaled density grid and a procedural cloud, each in an
// interface sphere inside a homogeneous haze, under the same lights.
NamedScene heterogeneous_media_scene();

// Layered materials: coated diffuse (rough coating, scattering medium; smooth coating, absorbing
// layer) and coated conductor (eta/k under a rough coating; reflectance under a smooth one)
// under an area light and a uniform environment.
NamedScene coated_scene();

// Spheres under pbrt-v4 texture programs: mix, scale, directionmix, noise kinds, dots, bilerp,
// an inverted image, and the spherical, cylindrical, planar and 3D mappings.
NamedScene textures_scene();

// Bump mapping: image, noise and scaled displacement textures on spheres, and on quads with
// and without vertex normals, under diffuse, conductor and coated materials.
NamedScene bump_scene();

// Mix materials (constant, by a texture, nested, with a bump-mapped part) and roughness
// textures on a conductor and a coated conductor's coating.
NamedScene mix_scene();

// Diffuse transmission (pbrt-v4's "diffusetransmission") on a sphere and a bump-mapped panel
// lit from behind.
NamedScene diffuse_transmission_scene();

// Hair (pbrt-v4's HairBxDF) on thin strands of triangles and on a sphere.
NamedScene hair_scene();

// Alpha cut-outs: a checkerboard-cut quad and a pane of constant partial alpha.
NamedScene alpha_scene();

// Normal maps on a floor, a conductor sphere and a sphere whose displacement the map overrides.
NamedScene normal_map_scene();

// A measured material (a tabulated GGX conductor) on a sphere and a floor.
NamedScene measured_scene();

// Textured area lights: a quad light whose image clamps and a sphere light whose image repeats.
NamedScene emission_texture_scene();

// Image wrap modes (repeat, clamp, mirror, mixed) and affine uv mappings on material and
// emission textures.
NamedScene texture_wrap_scene();

// All of the above. Adds a test failure if a scene does not finalize.
std::vector<NamedScene> all_scenes();

}  // namespace tf::test
