// Host-side construction of the sampling tables in KernelScene::distribution (formats
// documented in sampling.h and lights.h). Deterministic: float/double arithmetic under the
// kernel flags and portable_math.h only, so the bytes are the same on every machine.
#pragma once

#include <vector>

#include "kernels/render/kernel_scene.h"

namespace tf {

// Appends a 1D distribution of func (TF_DIST1D_SIZE(func.size()) floats) to `out`.
// An all-zero func yields integral 0 (never sampled) with a uniform cdf.
void append_distribution_1d(const std::vector<float>& func, std::vector<float>* out);

// Rebuilds scene->distribution: the light selection table at offset 0 (by power; uniform when
// no light has measurable power) followed by one 2D table per image environment light, whose
// `distribution` field is set to its offset. scene_radius: radius of a sphere bounding the
// scene (the power of distant and environment lights grows with it).
// Precondition: lights, textures and geometry are validated.
void build_light_tables(KernelScene* scene, float scene_radius);

}  // namespace tf
