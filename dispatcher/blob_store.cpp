#include "dispatcher/blob_store.h"

#include <mutex>
#include <string>

#include "dispatcher/sql_db.h"
#include "formats/fileio/atomic_write.h"
#include "formats/fileio/read_file.h"
#include "kernels/parallel_for.h"

namespace tf {
namespace {

// One file per blob, in a folder named by the hash's first two hex digits.
class FileBlobs final : public BlobStore::Backend {
 public:
  explicit FileBlobs(std::filesystem::path dir) : dir_(std::move(dir)) {}

  bool contains(const Hash256& hash) override {
    std::error_code ec;
    return std::filesystem::is_regular_file(path_of(hash), ec);
  }

  Status write(const Hash256& hash, std::span<const uint8_t> bytes) override {
    if (contains(hash)) return Status::ok();
    Result<std::filesystem::path> final_path = path_in_folder(hash);
    if (!final_path) return Error{final_path.message()};
    if (Status s = write_file_atomically(final_path.value(), bytes, dir_ / "tmp"); !s) {
      return Error{"cannot store blob " + hash.to_hex() + ": " + s.message()};
    }
    return Status::ok();
  }

  Status write_all(std::span<const Hash256> hashes,
                   std::span<const std::span<const uint8_t>> bytes) override {
    std::vector<FileToWrite> files;
    for (size_t i = 0; i < hashes.size(); ++i) {
      if (contains(hashes[i])) continue;
      Result<std::filesystem::path> final_path = path_in_folder(hashes[i]);
      if (!final_path) return Error{final_path.message()};
      files.push_back({final_path.value(), bytes[i]});
    }
    if (Status s = write_files_atomically(files, dir_ / "tmp"); !s) {
      return Error{"cannot store blobs: " + s.message()};
    }
    return Status::ok();
  }

  Result<std::vector<uint8_t>> read(const Hash256& hash) override {
    if (!contains(hash))
      return Error{"blob " + hash.to_hex() + " is missing from " + dir_.string()};
    return read_whole_file(path_of(hash));
  }

  Result<uint64_t> size(const Hash256& hash) override {
    std::error_code ec;
    const uint64_t bytes = std::filesystem::file_size(path_of(hash), ec);
    if (ec) return Error{"blob " + hash.to_hex() + " is missing from " + dir_.string()};
    return bytes;
  }

 private:
  std::filesystem::path path_of(const Hash256& hash) const {
    const std::string hex = hash.to_hex();
    return dir_ / hex.substr(0, 2) / hex;
  }
  // path_of(hash), its folder created.
  Result<std::filesystem::path> path_in_folder(const Hash256& hash) const {
    std::filesystem::path final_path = path_of(hash);
    std::error_code ec;
    std::filesystem::create_directories(final_path.parent_path(), ec);
    if (ec) {
      return Error{"cannot create " + final_path.parent_path().string() + ": " + ec.message()};
    }
    return final_path;
  }
  std::filesystem::path dir_;
};

// Rows of the `blobs` table, each put committed on its own (autocommit) connection.
class DatabaseBlobs final : public BlobStore::Backend {
 public:
  explicit DatabaseBlobs(std::unique_ptr<SqlDb> db) : db_(std::move(db)), statements_(*db_) {}

  bool contains(const Hash256& hash) override {
    std::lock_guard<std::mutex> lock(mutex_);
    Result<SqlStatement*> row = retried([&] { return query(kContains, hash); });
    return row && row.value();
  }

  Status write(const Hash256& hash, std::span<const uint8_t> bytes) override {
    std::lock_guard<std::mutex> lock(mutex_);
    Result<SqlStatement*> done = retried([&]() -> Result<SqlStatement*> {
      Result<SqlStatement*> st = statements_.get(kInsert);
      if (!st) return st;
      st.value()->bind_blob(1, hash.bytes.data(), hash.bytes.size());
      st.value()->bind_blob(2, bytes.data(), bytes.size());
      if (Status s = st.value()->run(); !s) return Error{s.message()};
      return st;
    });
    if (!done) return Error{"cannot store blob " + hash.to_hex() + ": " + done.message()};
    return Status::ok();
  }

  Result<std::vector<uint8_t>> read(const Hash256& hash) override {
    std::lock_guard<std::mutex> lock(mutex_);
    Result<SqlStatement*> row = retried([&] { return query(kRead, hash); });
    if (!row) return Error{"cannot read blob " + hash.to_hex() + ": " + row.message()};
    if (!row.value()) return missing(hash);
    return row.value()->column_blob(0);
  }

  Result<uint64_t> size(const Hash256& hash) override {
    std::lock_guard<std::mutex> lock(mutex_);
    Result<SqlStatement*> row = retried([&] { return query(kSize, hash); });
    if (!row) return Error{"cannot read blob " + hash.to_hex() + ": " + row.message()};
    if (!row.value()) return missing(hash);
    return static_cast<uint64_t>(row.value()->column_int(0));
  }

 private:
  static constexpr const char* kContains = "SELECT 1 FROM blobs WHERE hash = ?";
  static constexpr const char* kInsert =
      "INSERT INTO blobs(hash, bytes) VALUES (?, ?) ON CONFLICT DO NOTHING";
  static constexpr const char* kRead = "SELECT bytes FROM blobs WHERE hash = ?";
  static constexpr const char* kSize = "SELECT length(bytes) FROM blobs WHERE hash = ?";

  static Error missing(const Hash256& hash) {
    return Error{"blob " + hash.to_hex() + " is missing from the database"};
  }

  // Runs `attempt` and, when it fails, once more on fresh statements: a connection the server
  // dropped is opened again by the next prepare (postgres_db.h), and every blob operation is
  // idempotent (a put of the same hash keeps the first row).
  template <class Attempt>
  Result<SqlStatement*> retried(const Attempt& attempt) {
    Result<SqlStatement*> first = attempt();
    if (first) return first;
    statements_.clear();
    return attempt();
  }

  // Runs `sql` with the hash bound: the statement on its first row, or nullptr when none.
  Result<SqlStatement*> query(const char* sql, const Hash256& hash) {
    Result<SqlStatement*> st = statements_.get(sql);
    if (!st) return st;
    st.value()->bind_blob(1, hash.bytes.data(), hash.bytes.size());
    Result<bool> row = st.value()->step();
    if (!row) return Error{row.message()};
    return row.value() ? st.value() : nullptr;
  }

  std::mutex mutex_;
  std::unique_ptr<SqlDb> db_;
  SqlStatementCache statements_;
};

Status create_folder(const std::filesystem::path& dir, const char* what) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Error{std::string("cannot create ") + what + " " + dir.string() + ": " + ec.message()};
  return Status::ok();
}

}  // namespace

Result<BlobStore> BlobStore::open(const std::filesystem::path& dir) {
  if (Status s = create_folder(dir / "tmp", "blob folder"); !s) return Error{s.message()};
  return BlobStore(std::make_shared<FileBlobs>(dir), dir / "tmp");
}

Result<BlobStore> BlobStore::in_database(std::unique_ptr<SqlDb> db,
                                         const std::filesystem::path& scratch) {
  if (Status s = create_folder(scratch, "scratch folder"); !s) return Error{s.message()};
  return BlobStore(std::make_shared<DatabaseBlobs>(std::move(db)), scratch);
}

Result<Hash256> BlobStore::put(std::span<const uint8_t> bytes) {
  const Hash256 hash = blake2b_256(bytes);
  if (Status s = backend_->write(hash, bytes); !s) return Error{s.message()};
  return hash;
}

Status BlobStore::Backend::write_all(std::span<const Hash256> hashes,
                                     std::span<const std::span<const uint8_t>> bytes) {
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (Status s = write(hashes[i], bytes[i]); !s) return s;
  }
  return Status::ok();
}

Result<std::vector<Hash256>> BlobStore::put_all(std::span<const std::span<const uint8_t>> blobs) {
  std::vector<Hash256> hashes(blobs.size());
  // A blob at a time on every core: a snapshot's blobs are megabytes, a sweep's thousands.
  parallel_for(blobs.size(), [&](size_t i) { hashes[i] = blake2b_256(blobs[i]); });
  if (Status s = backend_->write_all(hashes, blobs); !s) return Error{s.message()};
  return hashes;
}

Status BlobStore::put_verified(const Hash256& expected, std::span<const uint8_t> bytes) {
  if (blake2b_256(bytes) != expected) {
    return Error{"blob bytes do not hash to the announced " + expected.to_hex()};
  }
  return backend_->write(expected, bytes);
}

Status BlobStore::copy_to_file(const Hash256& hash, const std::filesystem::path& path) const {
  Result<std::vector<uint8_t>> bytes = get(hash);
  if (!bytes) return bytes.status();
  return write_file_atomically(path, std::span<const uint8_t>(bytes.value()));
}

}  // namespace tf
