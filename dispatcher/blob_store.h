// Content-addressed files beside the dispatcher database: uploaded scene assets, bundle
// manifests, finished frames, simulation states and snapshots, each stored under its
// BLAKE2b-256 hash. (Unit results live in the database: store.h, put_result_bytes; older
// state folders hold them here too.)
//
// Durability: put() writes a temporary file, fsyncs it, renames it into place and fsyncs the
// folder, so a blob is either absent or complete after a crash. Callers write a blob before
// committing the database row that names it.
//
// Thread safety: distinct BlobStore objects on one folder may be used from several threads
// and processes (each write goes through its own temporary file; rename is atomic).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "formats/hash/hash.h"
#include "kernels/status.h"

namespace tf {

class BlobStore {
 public:
  // Creates `dir` if needed.
  static Result<BlobStore> open(const std::filesystem::path& dir);

  // Stores `bytes` and returns their hash. Storing the same bytes twice is harmless.
  Result<Hash256> put(std::span<const uint8_t> bytes);
  // Stores `bytes` only if they hash to `expected`; otherwise an error and nothing stored.
  Status put_verified(const Hash256& expected, std::span<const uint8_t> bytes);
  bool contains(const Hash256& hash) const;
  // The blob's bytes; an error when it is missing or unreadable.
  Result<std::vector<uint8_t>> get(const Hash256& hash) const;
  std::filesystem::path path_of(const Hash256& hash) const;
  // A folder on the same file system for files about to become blobs.
  std::filesystem::path temp_dir() const { return dir_ / "tmp"; }

 private:
  explicit BlobStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Status write_new(const Hash256& hash, std::span<const uint8_t> bytes);
  std::filesystem::path dir_;
};

}  // namespace tf
