#include "tests/formats/host_render.h"

#include <gtest/gtest.h>

#include "kernels/render/render_pixel.h"
#include "tests/formats/scene_test_util.h"

namespace tf::scene::test {

HostImage render_image(const std::string& text, uint32_t spp) {
  Result<SceneIr> ir = parse(text);
  EXPECT_TRUE(ir.is_ok()) << ir.message();
  if (!ir.is_ok()) return {};
  KernelScene k = to_kernel(ir.value());
  Status st = finalize_kernel_scene(&k);
  EXPECT_TRUE(st.is_ok()) << st.message();
  const tf_scene_view view = make_host_scene_view(k);
  HostImage image{k.camera.width, k.camera.height, {}};
  image.pixels.resize(static_cast<size_t>(image.width) * image.height);
  for (uint32_t y = 0; y < image.height; ++y) {
    for (uint32_t x = 0; x < image.width; ++x) {
      float rgb[3];
      tf_u32 rays = 0;
      tf_render_pixel(&view, 0, x, y, 0, spp, rgb, &rays);
      for (size_t c = 0; c < 3; ++c) image.pixels[y * image.width + x][c] = rgb[c] / static_cast<double>(spp);
    }
  }
  return image;
}

std::vector<std::array<double, 3>> render_rows(const std::string& text, uint32_t spp) {
  const HostImage image = render_image(text, spp);
  std::vector<std::array<double, 3>> rows(image.height);
  for (uint32_t y = 0; y < image.height; ++y) {
    for (uint32_t x = 0; x < image.width; ++x) {
      for (size_t c = 0; c < 3; ++c) rows[y][c] += image.at(x, y)[c] / image.width;
    }
  }
  return rows;
}

std::array<double, 3> image_mean(const std::vector<std::array<double, 3>>& rows) {
  std::array<double, 3> mean{};
  for (const std::array<double, 3>& row : rows) {
    for (size_t c = 0; c < 3; ++c) mean[c] += row[c] / static_cast<double>(rows.size());
  }
  return mean;
}

std::vector<std::array<double, 3>> render_sphere_rows(const std::string& material, uint32_t spp) {
  return render_rows(
      "LookAt 0 0 -105  0 0 0  0 1 0\nCamera \"perspective\" \"float fov\" 0.1\n"
      "Film \"rgb\" \"integer xresolution\" 8 \"integer yresolution\" 8\n"
      "Integrator \"volpath\" \"integer maxdepth\" 65536\nWorldBegin\n"
      "LightSource \"infinite\" \"rgb L\" [1 1 1]\n" +
          material + "Shape \"sphere\" \"float radius\" 100\n",
      spp);
}

std::array<double, 3> render_sphere(const std::string& material, uint32_t spp) {
  return image_mean(render_sphere_rows(material, spp));
}

}  // namespace tf::scene::test
