#include "formats/scene/gltf_textures.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

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

// An image of `from`'s size whose three channels all hold f(texel) for each texel of `from`.
template <class F>
ImageRGB float_image(const ImageRGB& from, F f) {
  ImageRGB out{from.width, from.height, std::vector<float>(from.rgb.size())};
  for (size_t i = 0; i + 2 < from.rgb.size(); i += 3) {
    const float value = f(&from.rgb[i]);
    std::fill_n(out.rgb.begin() + static_cast<std::ptrdiff_t>(i), 3, value);
  }
  return out;
}

// The wrap mode of glTF sampler enum `gl`.
IrTexture::Wrap wrap_mode(int gl) {
  return gl == kGltfClampToEdge      ? IrTexture::Wrap::Clamp
         : gl == kGltfMirroredRepeat ? IrTexture::Wrap::Mirror
                                     : IrTexture::Wrap::Repeat;
}

}  // namespace

void apply_gltf_texture_transform(const GltfTextureInfo& info, IrTexture* t) {
  const double c = std::cos(static_cast<double>(info.rotation));
  const double s = std::sin(static_cast<double>(info.rotation));
  const double su = info.scale[0], sv = info.scale[1], ou = info.offset[0], ov = info.offset[1];
  t->mapping = IrTexture::Mapping::UVAffine;
  t->v1 = {c * su, -s * sv, 0};
  t->v2 = {s * su, c * sv, 0};
  t->udelta = static_cast<float>(s * sv + ou);
  t->vdelta = static_cast<float>(1 - c * sv - ov);
  t->wrap_s = wrap_mode(info.wrap_s);
  t->wrap_t = wrap_mode(info.wrap_t);
}

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

Result<GltfMetallicRoughness> gltf_metallic_roughness(const std::filesystem::path& file,
                                                      float roughness_factor,
                                                      float metallic_factor) {
  Result<ImageRGB> image = read_image(file, ImageEncoding::kLinear);
  if (!image) return Error{image.message()};
  // Texel values are in [0, 1] (8- and 16-bit images); clamped for float formats.
  auto alpha = [&](const float* rgb) {
    const float roughness = std::clamp(rgb[1] * roughness_factor, 0.f, 1.f);
    return roughness * roughness;
  };
  auto metallic = [&](const float* rgb) { return std::clamp(rgb[2] * metallic_factor, 0.f, 1.f); };
  return GltfMetallicRoughness{image_texture(file, float_image(image.value(), alpha)),
                               image_texture(file, float_image(image.value(), metallic))};
}

}  // namespace tf::scene
