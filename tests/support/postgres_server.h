// A private PostgreSQL server for one test process, from Debian's `postgresql` package:
// initdb into a fresh folder, pg_ctl start on a free 127.0.0.1 port (and a unix socket in the
// same folder), stopped with `-m immediate` and removed when the handle goes away. PostgreSQL
// refuses to run as root, and CI runs as root: there the server runs as the `postgres` user
// (runuser) in a folder owned by it.
//
// Authentication: unix-socket connections are trusted (the harness itself creates databases
// that way); TCP connections need the superuser's password (scram-sha-256), so a test can
// give a wrong one. Tests connect over TCP with url().
#pragma once

#include <memory>
#include <string>

#include "kernels/status.h"
#include "tests/support/temp_dir.h"

namespace tf::testing {

class PostgresServer {
 public:
  static constexpr const char* kUser = "postgres";
  static constexpr const char* kPassword = "tilefarm-test";

  // initdb + start: about a second. An error names the step that failed and its log.
  static Result<std::unique_ptr<PostgresServer>> start();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Creates an empty database with a fresh name and returns its URL.
  Result<std::string> create_database();
  // postgresql://postgres:<password>@127.0.0.1:<port>/<database>
  std::string url(const std::string& database, const std::string& password = kPassword) const;
  int port() const { return port_; }

  // Stops the server as a crash would (pg_ctl -m immediate); start_again() brings it back on
  // the same port with the same data.
  Status stop_immediately();
  Status start_again();

 private:
  PostgresServer() = default;
  Status pg_ctl(const std::string& arguments);
  // Runs `command` as the server's user; its output goes to `log`.
  Status run_as_server_user(const std::string& command, const std::string& what);

  TempDir dir_;
  int port_ = 0;
  bool running_ = false;
  int databases_ = 0;
};

}  // namespace tf::testing
