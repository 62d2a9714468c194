// Content-addressed blobs of the dispatcher: uploaded scene assets, bundle manifests, finished
// frames, simulation states and snapshots, each stored under its BLAKE2b-256 hash. Two places
// hold them: files beside a SQLite state (`state_dir`/blobs, the default), or the `blobs` table
// of the farm's PostgreSQL database, so that every dispatcher of the farm reaches every blob.
// (Unit results live in the store's own tables: store.h, put_result_bytes; older state
// folders hold them here too.)
//
// Durability: a blob is either absent or complete after a crash. Files: put() writes a
// temporary file, fsyncs it, renames it into place and fsyncs the folder. Database: each put()
// is its own committed transaction on the backend's own connection. Either way callers write a
// blob before committing the database row that names it.
//
// Thread safety: a BlobStore is a handle; copies share one backend, which serialises its own
// calls, so copies may be used from several threads (the frame encoder's thread takes one).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "formats/hash/hash.h"
#include "kernels/status.h"

namespace tf {

class SqlDb;

class BlobStore {
 public:
  // Where the bytes live. Writing a hash already present is a no-op.
  class Backend {
   public:
    virtual ~Backend() = default;
    virtual bool contains(const Hash256& hash) = 0;
    virtual Status write(const Hash256& hash, std::span<const uint8_t> bytes) = 0;
    // Every blob durable when it returns ok; by default one write() after another.
    virtual Status write_all(std::span<const Hash256> hashes,
                             std::span<const std::span<const uint8_t>> bytes);
    virtual Result<std::vector<uint8_t>> read(const Hash256& hash) = 0;
    virtual Result<uint64_t> size(const Hash256& hash) = 0;
  };

  // Files under `dir` (created if needed); `dir`/tmp is the scratch folder.
  static Result<BlobStore> open(const std::filesystem::path& dir);
  // The `blobs` table of `db` (created by the store's migrations), reached through `db` alone;
  // `scratch` (created if needed) is a local folder for files on their way in or out.
  static Result<BlobStore> in_database(std::unique_ptr<SqlDb> db,
                                       const std::filesystem::path& scratch);

  // Stores `bytes` and returns their hash. Storing the same bytes twice is harmless.
  Result<Hash256> put(std::span<const uint8_t> bytes);
  // Stores every blob, synced together (files: write_files_atomically), and returns their
  // hashes in order: a snapshot's files cost one round of fsyncs instead of one each.
  Result<std::vector<Hash256>> put_all(std::span<const std::span<const uint8_t>> blobs);
  // Stores `bytes` only if they hash to `expected`; otherwise an error and nothing stored.
  Status put_verified(const Hash256& expected, std::span<const uint8_t> bytes);
  bool contains(const Hash256& hash) const { return backend_->contains(hash); }
  // The blob's bytes; an error when it is missing or unreadable.
  Result<std::vector<uint8_t>> get(const Hash256& hash) const { return backend_->read(hash); }
  Result<uint64_t> size(const Hash256& hash) const { return backend_->size(hash); }
  // Writes the blob to `path` (for readers that take a file name, such as image readers).
  Status copy_to_file(const Hash256& hash, const std::filesystem::path& path) const;
  // A local scratch folder for files about to become blobs or just read from them.
  const std::filesystem::path& temp_dir() const { return temp_dir_; }

 private:
  BlobStore(std::shared_ptr<Backend> backend, std::filesystem::path temp_dir)
      : backend_(std::move(backend)), temp_dir_(std::move(temp_dir)) {}
  std::shared_ptr<Backend> backend_;
  std::filesystem::path temp_dir_;
};

}  // namespace tf
