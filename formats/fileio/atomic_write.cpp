#include "formats/fileio/atomic_write.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <future>
#include <string>
#include <system_error>
#include <vector>

namespace tf {
namespace {

namespace fs = std::filesystem;

std::string os_error() { return std::strerror(errno); }

// A hidden name in `folder`, unique per process and call, that keeps the target's extension.
fs::path temporary_path(const fs::path& target, const fs::path& folder) {
  static std::atomic<uint64_t> counter{0};
  const fs::path dir = folder.empty() ? target.parent_path() : folder;
  return dir / ("." + target.stem().string() + ".tmp" + std::to_string(::getpid()) + "_" +
                std::to_string(counter++) + target.extension().string());
}

Status write_all(int fd, const fs::path& path, std::span<const uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{"cannot write " + path.string() + ": " + os_error()};
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

Status create_and_write(const fs::path& path, std::span<const uint8_t> bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error{"cannot create " + path.string() + ": " + os_error()};
  Status written = write_all(fd, path, bytes);
  ::close(fd);
  return written;
}

Status sync_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{"cannot open " + path.string() + " to sync it: " + os_error()};
  const bool synced = ::fsync(fd) == 0;
  std::string message = synced ? "" : "cannot sync " + path.string() + ": " + os_error();
  ::close(fd);
  if (!synced) return Error{std::move(message)};
  return Status::ok();
}

// Best effort: makes the rename itself durable; a failure here does not undo the new file.
void sync_folder(const fs::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Syncs `temporary` and renames it over `target`; removes `temporary` on any failure.
Status commit(const fs::path& temporary, const fs::path& target, Status written) {
  if (written) written = sync_file(temporary);
  std::error_code ec;
  if (written) {
    fs::rename(temporary, target, ec);
    if (ec) {
      written = Error{"cannot rename " + temporary.string() + " to " + target.string() + ": " +
                      ec.message()};
    }
  }
  if (!written) {
    fs::remove(temporary, ec);
    return written;
  }
  sync_folder(target.parent_path());
  return Status::ok();
}

// Runs `each(i)` for i in [0, count) each on its own thread (std::async's default policy: in
// the calling thread's get() where no thread can be started); returns the first error by index.
template <class Each>
Status on_threads(size_t count, const Each& each) {
  std::vector<std::future<Status>> running;
  for (size_t i = 0; i < count; ++i) running.push_back(std::async([&, i] { return each(i); }));
  Status first = Status::ok();
  for (std::future<Status>& r : running) {
    Status s = r.get();
    if (first && !s) first = std::move(s);
  }
  return first;
}

}  // namespace

Status write_files_atomically(std::span<const FileToWrite> files,
                              const fs::path& temporary_folder) {
  std::vector<fs::path> temporaries;
  Status written = Status::ok();
  for (const FileToWrite& f : files) {
    temporaries.push_back(temporary_path(f.target, temporary_folder));
    written = create_and_write(temporaries.back(), f.bytes);
    if (!written) break;
  }
  if (written) {
    written = on_threads(files.size(), [&](size_t i) { return sync_file(temporaries[i]); });
  }
  std::error_code ec;
  for (size_t i = 0; written && i < files.size(); ++i) {
    fs::rename(temporaries[i], files[i].target, ec);
    if (ec) {
      written = Error{"cannot rename " + temporaries[i].string() + " to " +
                      files[i].target.string() + ": " + ec.message()};
    }
  }
  if (!written) {
    for (const fs::path& t : temporaries) fs::remove(t, ec);
    return written;
  }
  std::vector<fs::path> folders;
  for (const FileToWrite& f : files) {
    if (std::find(folders.begin(), folders.end(), f.target.parent_path()) == folders.end()) {
      folders.push_back(f.target.parent_path());
    }
  }
  return on_threads(folders.size(), [&](size_t i) {
    sync_folder(folders[i]);
    return Status::ok();
  });
}

Status write_file_atomically(const fs::path& target, std::span<const uint8_t> bytes,
                             const fs::path& temporary_folder) {
  const fs::path temporary = temporary_path(target, temporary_folder);
  return commit(temporary, target, create_and_write(temporary, bytes));
}

Status write_file_atomically(const fs::path& target, std::string_view bytes,
                             const fs::path& temporary_folder) {
  return write_file_atomically(
      target, std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
      temporary_folder);
}

Status replace_file_atomically(const fs::path& target, const TemporaryFileWriter& write_temporary) {
  const fs::path temporary = temporary_path(target, {});
  return commit(temporary, target, write_temporary(temporary));
}

}  // namespace tf
