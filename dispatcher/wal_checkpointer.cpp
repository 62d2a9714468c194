#include "dispatcher/wal_checkpointer.h"

#include <sqlite3.h>

#include <string>

namespace tf {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::start(const std::filesystem::path& path,
                                                                sqlite3* writer) {
  sqlite3* own = nullptr;
  if (sqlite3_open_v2(path.c_str(), &own, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::string message = "cannot open " + path.string() + " to checkpoint its log: " +
                          (own ? sqlite3_errmsg(own) : "out of memory");
    sqlite3_close_v2(own);
    return Error{std::move(message)};
  }
  // The checkpoint syncs the database file as the writer's commits sync the log.
  if (sqlite3_exec(own, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::string message = "cannot configure " + path.string() + " to checkpoint its log: " +
                          sqlite3_errmsg(own);
    sqlite3_close_v2(own);
    return Error{std::move(message)};
  }
  std::unique_ptr<WalCheckpointer> checkpointer(new WalCheckpointer(own, writer));
  sqlite3_wal_hook(
      writer,
      [](void* self, sqlite3* db, const char*, int pages) {
        static_cast<WalCheckpointer*>(self)->log_length(db, pages);
        return SQLITE_OK;
      },
      checkpointer.get());
  return checkpointer;
}

WalCheckpointer::WalCheckpointer(sqlite3* own, sqlite3* writer)
    : own_(own), writer_(writer), thread_([this] { run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_autocheckpoint(writer_, kBackgroundPages);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_close_v2(own_);
}

void WalCheckpointer::log_length(sqlite3* writer, int pages) {
  if (pages >= kInlinePages) {
    (void)sqlite3_wal_checkpoint_v2(writer, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return;
  }
  if (pages < kBackgroundPages) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    wanted_ = true;
  }
  wake_.notify_one();
}

void WalCheckpointer::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return wanted_ || stopping_; });
    if (stopping_) return;
    wanted_ = false;
    lock.unlock();
    // A failure (the disk full, say) leaves the log longer, not the database wrong: the next
    // commit past the threshold asks again, and the writer's own commits report real errors.
    (void)sqlite3_wal_checkpoint_v2(own_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
  }
}

}  // namespace tf
