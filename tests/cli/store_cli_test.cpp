// `tilefarm dispatcher --store URL` given a database it cannot use: an unreachable server, a
// wrong password, a URL that is not PostgreSQL's, a database of a newer schema. Each is exit 2
// with a message naming the problem and never the password; nothing is half-written. And the
// trust commands reading a PostgreSQL farm's database directly (`--store URL`).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <tuple>

#include "dispatcher/ledger.h"
#include "dispatcher/postgres_db.h"
#include "dispatcher/store.h"
#include "dispatcher/trust_queries.h"
#include "tests/support/child_process.h"
#include "tests/support/free_port.h"
#include "tests/support/postgres_server.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace tf::testing {
namespace {

constexpr const char* kSecret = "s3cret-Passw0rd";

ProcessRun dispatcher_with_store(const TempDir& dir, const std::string& url) {
  return run_process(std::string(TILEFARM_EXE) + " dispatcher --listen ipc://" +
                     (dir / "d.sock").string() + " --state " + (dir / "state").string() +
                     " --store '" + url + "' 2>&1");
}

// Tables in the database's public schema, or -1 when it cannot be read.
int64_t table_count(const std::string& url) {
  Result<std::unique_ptr<SqlDb>> db = open_postgres(url);
  if (!db) return -1;
  Result<SqlStatement> q = db.value()->prepare(
      "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'");
  if (!q) return -1;
  Result<bool> row = q->step();
  return row.is_ok() && row.value() ? q->column_int(0) : -1;
}

class StoreCli : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<PostgresServer>> server = PostgresServer::start();
    ASSERT_TRUE(server.is_ok()) << server.message();
    server_ = std::move(server.value());
    Result<std::string> url = server_->create_database();
    ASSERT_TRUE(url.is_ok()) << url.message();
    url_ = url.value();
  }
  TempDir dir_;
  std::unique_ptr<PostgresServer> server_;
  std::string url_;
};

TEST_F(StoreCli, AnUnreachableServerIsExit2NamingIt) {
  // The test server's port, with the server stopped: nothing listens there.
  ASSERT_TRUE(server_->stop_immediately().is_ok());
  const std::string url = "postgresql://postgres:" + std::string(kSecret) +
                          "@127.0.0.1:" + std::to_string(server_->port()) + "/farm";
  const ProcessRun run = dispatcher_with_store(dir_, url);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("cannot connect to the database"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("127.0.0.1:" + std::to_string(server_->port())), std::string::npos)
      << run.output;
  EXPECT_EQ(run.output.find(kSecret), std::string::npos) << "the password was printed";
}

TEST_F(StoreCli, AWrongPasswordIsExit2AndCreatesNothing) {
  const std::string url = server_->url(url_.substr(url_.rfind('/') + 1), kSecret);
  const ProcessRun run = dispatcher_with_store(dir_, url);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("password authentication failed"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find(kSecret), std::string::npos) << "the password was printed";
  EXPECT_EQ(table_count(url_), 0) << "tables were created";
}

TEST_F(StoreCli, AUrlThatIsNotPostgresqlIsExit2) {
  const ProcessRun run =
      dispatcher_with_store(dir_, "mysql://root:" + std::string(kSecret) + "@db/farm");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("give a PostgreSQL URL"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find(kSecret), std::string::npos) << "the password was printed";
}

TEST_F(StoreCli, ADatabaseOfANewerSchemaIsExit2AndLeftAsItWas) {
  {
    Result<std::unique_ptr<Store>> store = Store::open_database(url_, dir_ / "scratch");
    ASSERT_TRUE(store.is_ok()) << store.message();
    ASSERT_TRUE(
        store.value()->db().exec("INSERT INTO schema_migrations(version) VALUES (999)").is_ok());
  }
  const int64_t tables = table_count(url_);
  const ProcessRun run = dispatcher_with_store(dir_, url_);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("schema version 999, newer than this build's"), std::string::npos)
      << run.output;
  EXPECT_EQ(table_count(url_), tables);
  Result<std::unique_ptr<Store>> again = Store::open_database(url_, dir_ / "scratch");
  EXPECT_FALSE(again.is_ok()) << "the newer schema is still refused: nothing was rewritten";
}

// A second dispatcher on the farm's database with a CurveZMQ key of its own (its operator forgot
// to copy dispatcher.key) is refused at start, before it would wait as a standby.
TEST_F(StoreCli, ADispatcherWithAnotherTransportKeyIsRefused) {
  ChildProcess first({TILEFARM_EXE, "dispatcher", "--listen",
                      "tcp://127.0.0.1:" + std::to_string(free_port()), "--state",
                      (dir_ / "a").string(), "--store", url_});
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < give_up) {
    Result<std::unique_ptr<SqlDb>> db = open_postgres(url_);
    Result<SqlStatement> q = db ? db.value()->prepare("SELECT COUNT(*) FROM farm_keys")
                                : Result<SqlStatement>(Error{db.message()});
    Result<bool> row = q ? q->step() : Result<bool>(Error{q.message()});
    if (row.is_ok() && row.value() && q->column_int(0) == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::filesystem::create_directories(dir_ / "b");
  std::filesystem::copy_file(dir_ / "a" / "ledger.key", dir_ / "b" / "ledger.key");
  const ProcessRun second =
      run_process(std::string(TILEFARM_EXE) +
                  " dispatcher --listen tcp://127.0.0.1:" + std::to_string(free_port()) +
                  " --state " + (dir_ / "b").string() + " --store '" + url_ + "' 2>&1");
  EXPECT_EQ(second.exit_code, 2) << second.output;
  EXPECT_NE(second.output.find("CurveZMQ key"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("copy ledger.key and dispatcher.key"), std::string::npos)
      << second.output;
}

// A farm database as its dispatchers leave it: the farm's ledger key recorded, three grants by
// hand (alpha 300 + 500 over 2 units, beta 70 over 1).
TEST_F(StoreCli, TrustCommandsReadAFarmDatabaseAndCatchATamperedEntry) {
  {
    Result<std::unique_ptr<Store>> store = Store::open_database(url_, dir_ / "scratch");
    ASSERT_TRUE(store.is_ok()) << store.message();
    Result<std::unique_ptr<Ledger>> ledger = Ledger::open(dir_.path(), store.value()->db());
    ASSERT_TRUE(ledger.is_ok()) << ledger.message();
    const LedgerPublicKey& key = ledger.value()->public_key();
    ASSERT_TRUE(store.value()->farm_key("ledger", key).is_ok());
    ASSERT_TRUE(store.value()->begin().is_ok());
    for (auto [name, unit, credit] :
         {std::tuple{"alpha", 1, 300}, {"beta", 1, 70}, {"alpha", 2, 500}}) {
      const CreditGrant grant{name,
                              9,
                              static_cast<uint64_t>(unit),
                              blake2b_256("unit " + std::to_string(unit)),
                              static_cast<uint64_t>(credit),
                              1234};
      ASSERT_TRUE(ledger.value()->append(grant).is_ok());
    }
    ASSERT_TRUE(store.value()->commit().is_ok());
  }
  const std::string tilefarm = std::string(TILEFARM_EXE) + " ";
  const ProcessRun credits = run_process(tilefarm + "credits --store '" + url_ + "' 2>&1");
  EXPECT_EQ(credits.exit_code, 0) << credits.output;
  EXPECT_NE(credits.output.find("800"), std::string::npos) << credits.output;
  EXPECT_NE(credits.output.find("70"), std::string::npos) << credits.output;
  const ProcessRun verified = run_process(tilefarm + "ledger verify --store '" + url_ + "' 2>&1");
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_NE(verified.output.find("ledger ok: 3 entries"), std::string::npos) << verified.output;

  Result<std::unique_ptr<SqlDb>> reader = open_database_read_only(url_);
  ASSERT_TRUE(reader.is_ok()) << reader.message();
  EXPECT_FALSE(reader.value()->exec("DELETE FROM farm_keys").is_ok()) << "a reader wrote";
  Result<std::unique_ptr<SqlDb>> writer = open_postgres(url_);
  ASSERT_TRUE(writer.is_ok()) << writer.message();
  ASSERT_TRUE(writer.value()
                  ->exec("DROP TRIGGER ledger_no_update ON ledger;"
                         " UPDATE ledger SET credit = credit + 1 WHERE seq = 2")
                  .is_ok());
  const ProcessRun tampered = run_process(tilefarm + "ledger verify --store '" + url_ + "' 2>&1");
  EXPECT_EQ(tampered.exit_code, 1) << tampered.output;
  EXPECT_NE(tampered.output.find("failed at entry 2"), std::string::npos) << tampered.output;
}

}  // namespace
}  // namespace tf::testing
