#include "formats/scene/measured_tables.h"

#include <string>

#include "kernels/render/measured_host.h"

namespace tf::scene {

Result<uint32_t> add_measured_tables(const std::filesystem::path& path, std::vector<float>* texels,
                                     uint64_t max_texels) {
  Result<MeasuredBsdfData> data = read_measured_bsdf(path);
  if (!data) return Error{data.message()};
  const MeasuredBsdfData& d = data.value();
  auto table = [](const MeasuredGrid& g) {
    return MeasuredTable{g.width, g.height, g.slices, g.values};
  };
  const MeasuredTables tables{d.phi_i,        d.theta_i,     d.isotropic,        table(d.ndf),
                              table(d.sigma), table(d.vndf), table(d.luminance), table(d.rgb)};
  Result<std::vector<float>> block = build_measured_block(tables);
  if (!block) return Error{path.string() + ": " + block.message()};
  if (texels->size() + block->size() > max_texels) {
    return Error{path.string() + ": measured tables exceed the scene's texel budget"};
  }
  const uint32_t offset = static_cast<uint32_t>(texels->size());
  texels->insert(texels->end(), block->begin(), block->end());
  return offset + 1u;
}

}  // namespace tf::scene
