// A store and its ledger in a fresh folder (SQLite) or a fresh database (PostgreSQL), for
// tests of the ledger and of queries over it, on either engine. Opening failures are reported
// as test failures (the members then stay null).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "dispatcher/ledger.h"
#include "dispatcher/store.h"
#include "tests/dispatcher/store_engines.h"

namespace tf::testing {

struct LedgerStoreFixture {
  StoreLocation location;
  const std::filesystem::path& dir = location.dir();  // the keys' folder
  std::unique_ptr<Store> store;
  std::unique_ptr<Ledger> ledger;

  explicit LedgerStoreFixture(SqlEngine engine = SqlEngine::kSqlite) : location(engine) {
    reopen();
  }
  // Closes and opens the store and the ledger again on the same folder and database.
  void reopen() {
    ledger.reset();
    store.reset();
    store = location.open();
    if (!store) return;
    auto l = Ledger::open(dir, store->db());
    EXPECT_TRUE(l.is_ok()) << l.message();
    if (l.is_ok()) ledger = std::move(l.value());
  }
  void exec(const std::string& sql) {
    Status s = store->db().exec(sql);
    ASSERT_TRUE(s.is_ok()) << s.message();
  }
};

}  // namespace tf::testing
