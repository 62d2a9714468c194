// Host renders of small pbrt scenes for the scene tests: the text through the parser, the
// converter and the render kernel on the host, reduced to mean radiances.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace tf::scene::test {

// A host render: the mean radiance per channel of each pixel, row-major from the top left.
struct HostImage {
  uint32_t width = 0, height = 0;
  std::vector<std::array<double, 3>> pixels;
  const std::array<double, 3>& at(uint32_t x, uint32_t y) const { return pixels[y * width + x]; }
};

// Loads pbrt `text` and renders its film on the host at `spp` samples per pixel. Fails the
// calling test on load errors (and returns an empty image).
HostImage render_image(const std::string& text, uint32_t spp);

// render_image reduced to the mean radiance per channel of each image row, top first.
std::vector<std::array<double, 3>> render_rows(const std::string& text, uint32_t spp);

// The mean of `rows` (equal-width rows: the mean radiance of the whole image).
std::array<double, 3> image_mean(const std::vector<std::array<double, 3>>& rows);

// Renders a centred sphere of radius 100 with material `material` (pbrt text, which may define
// textures first) under a uniform white environment, seen from 105 units away along -z with a
// field of view of 0.1 degrees on an 8 x 8 film (every camera ray meets the sphere at
// near-normal incidence, around its pole at -z), at `spp` samples per pixel: render_rows.
std::vector<std::array<double, 3>> render_sphere_rows(const std::string& material, uint32_t spp);

// The mean radiance per channel of the whole image of render_sphere_rows.
std::array<double, 3> render_sphere(const std::string& material, uint32_t spp);

}  // namespace tf::scene::test
