// Host side of heterogeneous media (tf_medium kinds TF_MEDIUM_GRID and TF_MEDIUM_CLOUD) and of
// emissive media: checks what the kernel relies on and computes each medium's majorant, so
// that the kernel's null-collision tracking (medium_tracking.h) never meets a negative null
// coefficient.
#pragma once

#include "kernels/render/kernel_scene.h"
#include "kernels/status.h"

namespace tf {

// For every medium of scene->media: a known kind; for heterogeneous ones a finite
// medium_from_world, a box with p0 < p1, and for grids nx, ny, nz >= 1 with their samples
// inside scene->densities, finite and >= 0; for clouds finite density, wispiness and
// frequency. Sets each heterogeneous medium's majorant to the largest density it can take
// (a grid's largest sample, a cloud's 1) times its largest channel of sigma_a + sigma_s.
// For emissive media (any kind): finite emission >= 0, no cloud, and for grids Lescale and
// temperature grids and a blackbody table inside scene->densities with finite values
// (medium_emission.h).
// Errors name the medium; on error media are left partly updated. Called by
// finalize_kernel_scene after the homogeneous checks.
Status finalize_heterogeneous_media(KernelScene* scene);

}  // namespace tf
