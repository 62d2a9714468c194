// The store's two engines for tests that run against both (TEST_P over SqlEngine): SQLite in a
// fresh folder, PostgreSQL in a fresh database of a private server that the test process
// starts on first use (tests/support/postgres_server.h) and stops at exit.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "dispatcher/store.h"
#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"

namespace tf::testing {

// The process's server, started on first use; a failure to start fails the calling test.
inline PostgresServer* shared_postgres_server() {
  static Result<std::unique_ptr<PostgresServer>> server = PostgresServer::start();
  EXPECT_TRUE(server.is_ok()) << server.message();
  return server.is_ok() ? server.value().get() : nullptr;
}

// Where one test's store lives: a state folder (SQLite, and the scratch folder of both) and,
// for PostgreSQL, a database of its own.
class StoreLocation {
 public:
  explicit StoreLocation(SqlEngine engine) : engine_(engine) {
    if (engine != SqlEngine::kPostgres) return;
    PostgresServer* server = shared_postgres_server();
    if (!server) return;
    Result<std::string> url = server->create_database();
    EXPECT_TRUE(url.is_ok()) << url.message();
    if (url) url_ = url.value();
  }
  SqlEngine engine() const { return engine_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  const std::string& url() const { return url_; }

  // `later_migrations`: Store::open's.
  Result<std::unique_ptr<Store>> try_open(int version = -1,
                                          std::vector<std::string> later_migrations = {}) const {
    if (engine_ == SqlEngine::kSqlite) {
      return Store::open(dir_.path(), version, std::move(later_migrations));
    }
    if (url_.empty()) return Error{"no test database (the PostgreSQL server did not start)"};
    return Store::open_database(url_, dir_ / "scratch", version, std::move(later_migrations));
  }
  // try_open(), failing the test (and returning null) on error.
  std::unique_ptr<Store> open(int version = -1) const {
    Result<std::unique_ptr<Store>> store = try_open(version);
    EXPECT_TRUE(store.is_ok()) << store.message();
    return store.is_ok() ? std::move(store.value()) : nullptr;
  }

 private:
  SqlEngine engine_;
  TempDir dir_;
  std::string url_;
};

// Inserts a job named `name` with only the columns of the first schema (the rest take their
// defaults), into a store of any schema version: tests of migrations from older versions, whose
// tables lack the columns Store::insert_job writes now. Returns the job's id.
inline Result<uint64_t> insert_first_schema_job(Store& store, const std::string& name) {
  auto insert = store.db().prepare(
      "INSERT INTO jobs(name, state, priority, bundle, tile_size, spp, samples_per_unit)"
      " VALUES (?, 0, 0, ?, 8, 6, 4) RETURNING id");
  if (!insert) return Error{insert.message()};
  const uint8_t bundle[32] = {};
  insert->bind(1, name).bind_blob(2, bundle, sizeof bundle);
  Result<bool> row = insert->step();
  if (!row) return Error{row.message()};
  return static_cast<uint64_t>(insert->column_int(0));
}

inline std::string engine_name(const ::testing::TestParamInfo<SqlEngine>& info) {
  return info.param == SqlEngine::kSqlite ? "Sqlite" : "Postgres";
}

// INSTANTIATE_TEST_SUITE_P(..., kBothEngines, engine_name) runs a suite on both engines.
inline const auto kBothEngines = ::testing::Values(SqlEngine::kSqlite, SqlEngine::kPostgres);

}  // namespace tf::testing
