// The texel-pool block of a measured material (kernels/render/measured_bxdf.h) from an RGL
// file: formats/scene/measured_bsdf.h reads it, kernels/render/measured_host.h builds the
// block (pbrt-v4's MeasuredBRDF::Create).
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "formats/scene/measured_bsdf.h"
#include "kernels/status.h"

namespace tf::scene {

// Reads the RGL file at `path` and appends its block to `texels` unless that would make them
// longer than `max_texels`; returns 1 + the block's offset (tf_material.measured). Every error
// names the file.
Result<uint32_t> add_measured_tables(const std::filesystem::path& path, std::vector<float>* texels,
                                     uint64_t max_texels);

}  // namespace tf::scene
