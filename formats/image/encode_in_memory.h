// An image encoded by OpenImageIO into memory instead of a file: outputs that go straight into
// a blob store (frames, simulation snapshots) skip a file written, synced, read back and removed.
//
// Thread safety: thread-safe (no shared state of ours).
#pragma once

#include <OpenImageIO/imageio.h>

#include <cstdint>
#include <vector>

#include "kernels/status.h"

namespace tf {

// The bytes of `pixels` (of `format`, laid out as `spec` says) encoded in the format that
// `name`'s extension picks (".exr", ".png", ...); errors name `name` and the reason.
Result<std::vector<uint8_t>> encode_in_memory(const char* name, const OIIO::ImageSpec& spec,
                                              OIIO::TypeDesc format, const void* pixels);

// The spec of an 8-bit RGB PNG preview (frames, simulation snapshots), encoded for speed
// (image_io.cpp says what that costs in bytes).
OIIO::ImageSpec preview_png_spec(uint32_t width, uint32_t height);

}  // namespace tf
