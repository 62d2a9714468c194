// The SQLite engine of SqlDb (sql_db.h): the dispatcher's embedded default, one file under
// --state. Also used read-only by `tilefarm credits|workers|ledger --state DIR`.
#pragma once

#include <filesystem>
#include <memory>

#include "dispatcher/sql_db.h"
#include "kernels/status.h"

namespace tf {

// Opens (creating if needed) the database at `path` with the durability settings the
// dispatcher relies on: WAL, synchronous=FULL, foreign_keys=ON, busy_timeout 5 s.
Result<std::unique_ptr<SqlDb>> open_sqlite(const std::filesystem::path& path);
// Opens an existing database for reading only (SQLITE_OPEN_READONLY): every write is refused
// by SQLite ("attempt to write a readonly database"), and nothing is created. In WAL mode it
// reads the last committed state while a writer holds a transaction open (it never sees the
// writer's uncommitted rows and never blocks it). Errors name the path.
Result<std::unique_ptr<SqlDb>> open_sqlite_read_only(const std::filesystem::path& path);

}  // namespace tf
