#include "formats/scene/gltf_textures.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>

#include "formats/image/image_io.h"

namespace tf::scene {
namespace {

IrTexture image_texture(const std::filesystem::path& file, ImageRGB texels) {
  IrTexture t;
  t.kind = IrTexture::Kind::Image;
  t.filename = file;
  t.linear = true;
  t.texels = std::make_shared<const ImageRGB>(std::move(texels));
  return t;
}

}  // namespace

Result<IrTexture> gltf_normal_map(const std::filesystem::path& file, float scale) {
  Result<ImageRGB> image = read_image(file, ImageEncoding::kLinear);
  if (!image) return Error{image.message()};
  // (scale, scale, 1) / m with m = max(1, |scale|) keeps texels in [0, 1] (the kernel clamps
  // image values below 0); the kernel normalises, so the common factor 1 / m cancels.
  const float m = std::max(1.f, std::abs(scale));
  const float factors[3] = {scale / m, scale / m, 1.f / m};
  for (size_t c = 0; c < 3; ++c) {
    if (factors[c] == 1.f) continue;
    for (size_t i = c; i < image->rgb.size(); i += 3) {
      image->rgb[i] = 0.5f + factors[c] * (image->rgb[i] - 0.5f);
    }
  }
  return image_texture(file, std::move(image.value()));
}

Result<IrTexture> gltf_alpha_texture(const std::filesystem::path& file, float factor,
                                     std::optional<float> cutoff) {
  Result<ImageRGB> image = read_image_alpha(file);
  if (!image) return Error{image.message()};
  for (float& a : image->rgb) {
    a *= factor;
    if (cutoff) a = a >= *cutoff ? 1.f : 0.f;
  }
  return image_texture(file, std::move(image.value()));
}

}  // namespace tf::scene
