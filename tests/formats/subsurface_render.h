// Renders of a large "subsurface" sphere for the subsurface tests: the material's walk seen
// at near-normal incidence under a uniform white environment.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace tf::scene::test {

// Renders a centred sphere of radius 100 with material `material` (pbrt text, which may define
// textures first) under a uniform white environment, seen from 105 units away along -z with a
// field of view of 0.1 degrees on an 8 x 8 film (every camera ray meets the sphere at
// near-normal incidence, around its pole at -z), at `spp` samples per pixel; the mean radiance
// per channel of each image row, top (+y) first. Fails the calling test on load errors.
std::vector<std::array<double, 3>> render_sphere_rows(const std::string& material, uint32_t spp);

// The mean radiance per channel of the whole image of render_sphere_rows.
std::array<double, 3> render_sphere(const std::string& material, uint32_t spp);

}  // namespace tf::scene::test
