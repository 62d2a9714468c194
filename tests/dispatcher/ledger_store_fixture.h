// A store and its ledger in a fresh folder, for tests of the ledger and of queries over it.
// Opening failures are reported as test failures (the members then stay null).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "dispatcher/ledger.h"
#include "dispatcher/store.h"
#include "tests/support/temp_dir.h"

namespace tf::testing {

struct LedgerStoreFixture {
  TempDir dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<Ledger> ledger;

  LedgerStoreFixture() { reopen(); }
  // Closes and opens the store and the ledger again on the same folder.
  void reopen() {
    ledger.reset();
    store.reset();
    auto s = Store::open(dir.path());
    EXPECT_TRUE(s.is_ok()) << s.message();
    if (!s.is_ok()) return;
    store = std::move(s.value());
    auto l = Ledger::open(dir.path(), store->db());
    EXPECT_TRUE(l.is_ok()) << l.message();
    if (l.is_ok()) ledger = std::move(l.value());
  }
  void exec(const std::string& sql) {
    Status s = store->db().exec(sql);
    ASSERT_TRUE(s.is_ok()) << s.message();
  }
};

}  // namespace tf::testing
