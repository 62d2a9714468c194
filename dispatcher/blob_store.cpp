#include "dispatcher/blob_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

namespace tf {
namespace {

std::string os_error() { return std::strerror(errno); }

Status write_all_and_sync(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error{"cannot create " + path.string() + ": " + os_error()};
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string message = "cannot write " + path.string() + ": " + os_error();
      ::close(fd);
      return Error{std::move(message)};
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    std::string message = "cannot sync " + path.string() + ": " + os_error();
    ::close(fd);
    return Error{std::move(message)};
  }
  ::close(fd);
  return Status::ok();
}

void sync_folder(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

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
  static std::atomic<uint64_t> counter{0};
  const std::filesystem::path final_path = path_of(hash);
  const std::filesystem::path tmp = dir_ / "tmp" /
      (hash.to_hex() + "." + std::to_string(::getpid()) + "." + std::to_string(counter++));
  std::error_code ec;
  std::filesystem::create_directories(final_path.parent_path(), ec);
  if (ec) return Error{"cannot create " + final_path.parent_path().string() + ": " + ec.message()};
  if (Status s = write_all_and_sync(tmp, bytes); !s) {
    std::filesystem::remove(tmp, ec);
    return s;
  }
  std::filesystem::rename(tmp, final_path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Error{"cannot move blob into " + final_path.string() + ": " + ec.message()};
  }
  sync_folder(final_path.parent_path());
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
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"blob " + hash.to_hex() + " is missing from " + dir_.string()};
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) return Error{"cannot read " + path.string()};
  return bytes;
}

}  // namespace tf
