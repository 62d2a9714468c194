// `tilefarm dispatcher --store URL` given a database it cannot use: an unreachable server, a
// wrong password, a URL that is not PostgreSQL's, a database of a newer schema. Each is exit 2
// with a message naming the problem and never the password; nothing is half-written.
#include <gtest/gtest.h>

#include "dispatcher/postgres_db.h"
#include "dispatcher/store.h"
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

}  // namespace
}  // namespace tf::testing
