// Checkpoints a SQLite write-ahead log from a connection and thread of its own, so that the
// dispatcher's commits never copy the log back into the database themselves.
//
// SQLite's automatic checkpoint runs inside the commit that takes the log past 1,000 pages:
// the committing thread reads those pages back, writes them into the database file and syncs
// it. On the dispatcher that thread is the loop, which then answers no worker (about 8 % of its
// time with 256 devices of 20 ms a unit). A writer connection hands its checkpoints here
// instead: after each commit it reports the log's length (sqlite3_wal_hook, which replaces the
// automatic checkpoint), and once the log reaches kBackgroundPages this thread runs a PASSIVE
// checkpoint (it never waits for the writer or readers, and the writer never waits for it).
// Should the log still reach kInlinePages (this thread starved of CPU, say), the writer
// checkpoints after its commit as SQLite's default would, so the log stays bounded.
// Durability is SQLite's either way: a checkpoint from any connection is crash-safe.
//
// Thread safety: log_length() is called on the writer's thread (from its WAL hook); the
// checkpoints run on this object's thread, on its own connection.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "kernels/status.h"

struct sqlite3;

namespace tf {

class WalCheckpointer {
 public:
  static constexpr int kBackgroundPages = 1000;  // SQLite's automatic checkpoint threshold
  static constexpr int kInlinePages = 16000;     // 64 MiB of log at 4 KiB pages

  // Opens its own connection to the WAL database at `path` (which must exist) and installs
  // itself as `writer`'s WAL hook; `writer` must outlive it. Errors name the path.
  static Result<std::unique_ptr<WalCheckpointer>> start(const std::filesystem::path& path,
                                                        sqlite3* writer);
  // Restores the writer's automatic checkpoint, stops the thread and closes its connection.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  WalCheckpointer(sqlite3* own, sqlite3* writer);
  // The writer committed and its log holds `pages` pages.
  void log_length(sqlite3* writer, int pages);
  void run();

  sqlite3* own_;
  sqlite3* writer_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool wanted_ = false, stopping_ = false;
  std::thread thread_;
};

}  // namespace tf
