#include "dispatcher/blob_store.h"

#include <fstream>
#include <string>

#include "formats/fileio/atomic_write.h"
#include "formats/fileio/read_file.h"

namespace tf {

Result<BlobStore> BlobStore::open(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir / "tmp", ec);
  if (ec) return Error{"cannot create blob folder " + dir.string() + ": " + ec.message()};
  return BlobStore(dir);
}

std::filesystem::path BlobStore::path_of(const Hash256& hash) const {
  const std::string hex = hash.to_hex();
  return dir_ / hex.substr(0, 2) / hex;
}

bool BlobStore::contains(const Hash256& hash) const {
  std::error_code ec;
  return std::filesystem::is_regular_file(path_of(hash), ec);
}

Status BlobStore::write_new(const Hash256& hash, std::span<const uint8_t> bytes) {
  if (contains(hash)) return Status::ok();
  const std::filesystem::path final_path = path_of(hash);
  std::error_code ec;
  std::filesystem::create_directories(final_path.parent_path(), ec);
  if (ec) return Error{"cannot create " + final_path.parent_path().string() + ": " + ec.message()};
  if (Status s = write_file_atomically(final_path, bytes, temp_dir()); !s) {
    return Error{"cannot store blob " + hash.to_hex() + ": " + s.message()};
  }
  return Status::ok();
}

Result<Hash256> BlobStore::put(std::span<const uint8_t> bytes) {
  const Hash256 hash = blake2b_256(bytes);
  if (Status s = write_new(hash, bytes); !s) return Error{s.message()};
  return hash;
}

Status BlobStore::put_verified(const Hash256& expected, std::span<const uint8_t> bytes) {
  if (blake2b_256(bytes) != expected) {
    return Error{"blob bytes do not hash to the announced " + expected.to_hex()};
  }
  return write_new(expected, bytes);
}

Result<std::vector<uint8_t>> BlobStore::get(const Hash256& hash) const {
  const std::filesystem::path path = path_of(hash);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Error{"blob " + hash.to_hex() + " is missing from " + dir_.string()};
  }
  return read_whole_file(path);
}

}  // namespace tf
