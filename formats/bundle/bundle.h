// Content-addressed scene bundles: a scene file plus every file it references, each named by
// its BLAKE2b-256 hash, so that a worker fetches each asset once and verifies what it got.
//
// The manifest's canonical form is compact JSON with keys sorted and entries sorted by path:
// {"entries":[{"hash":"<64 hex>","path":"a.ply","size":123},...],"root":"scene.pbrt"}.
// The bundle id is BLAKE2b-256 of exactly those bytes.
//
// Thread safety: all functions are thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/hash/hash.h"
#include "kernels/status.h"

namespace tf {

struct BundleEntry {
  std::string relative_path;  // '/'-separated, relative to the scene's folder, no '..'
  Hash256 hash;
  uint64_t size = 0;
  bool operator==(const BundleEntry&) const = default;
};

struct BundleManifest {
  std::string root_file;             // relative_path of the scene file itself (one of entries)
  std::vector<BundleEntry> entries;  // sorted by relative_path, no duplicates
  bool operator==(const BundleManifest&) const = default;
};

struct BundleLimits {
  uint64_t max_total_bytes = 4ull << 30;
  uint32_t max_files = 10000;
};

// Walks the scene file and everything it references (Include, Import, Shape "plymesh"
// "filename", Texture "imagemap" "filename", LightSource "infinite" "filename"), recursively
// through included files. Refuses, naming the file and the reference, any reference that
// escapes the scene's folder: '..' components, absolute paths, symlinks. Also fails when a
// referenced file is missing or the limits are exceeded.
Result<BundleManifest> make_bundle_manifest(const std::filesystem::path& scene_file,
                                            const BundleLimits& limits = {});

// Canonical JSON bytes of the manifest (see above), and the bundle id (hash of those bytes).
std::string serialize_bundle_manifest(const BundleManifest& manifest);
Hash256 bundle_id(const BundleManifest& manifest);

// Parses canonical or non-canonical manifest JSON. Bounded: rejects input over 16 MiB, more
// than limits.max_files entries, a total size over limits.max_total_bytes, unsafe or duplicate
// paths, bad hashes, and a root file that is not an entry. Never throws.
Result<BundleManifest> parse_bundle_manifest(std::string_view bytes,
                                             const BundleLimits& limits = {});

// Supplies the bytes of an asset by hash (from a cache, the network, a test map).
using BundleFetchFn = std::function<Result<std::vector<uint8_t>>(const Hash256&)>;

// Writes each entry under `dir` (created if missing), verifying size and hash of what fetch
// returns before writing it (atomically, via a temporary name). Refuses manifest paths that
// escape `dir`. On error, files already written stay (they are verified content) and the
// message names the entry.
Status materialize_bundle(const BundleManifest& manifest, const BundleFetchFn& fetch,
                          const std::filesystem::path& dir);

}  // namespace tf
