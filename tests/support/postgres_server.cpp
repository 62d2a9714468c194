#include "tests/support/postgres_server.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "dispatcher/postgres_db.h"
#include "formats/fileio/read_file.h"
#include "tests/support/free_port.h"

namespace tf::testing {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin/";

std::string quoted(const std::string& text) { return "'" + text + "'"; }

}  // namespace

Status PostgresServer::run_as_server_user(const std::string& command, const std::string& what) {
  const std::string log = (dir_ / "commands.log").string();
  const std::string wrapped =
      ::geteuid() == 0 ? "runuser -u postgres -- sh -c " + quoted(command) : command;
  if (std::system((wrapped + " >>" + log + " 2>&1").c_str()) != 0) {
    Result<std::vector<uint8_t>> text = read_whole_file(log);
    return Error{"cannot " + what +
                 " a test PostgreSQL server (is Debian's postgresql installed?"
                 " scripts/install-deps): " +
                 (text ? std::string(text->begin(), text->end()) : std::string("no log"))};
  }
  return Status::ok();
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::start() {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  const std::string dir = server->dir_.path().string();
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("postgres");
    if (!pw || ::chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return Error{"cannot hand " + dir + " to the postgres user (is postgresql installed?)"};
    }
  }
  std::ofstream(dir + "/password") << kPassword << "\n";
  if (Status s = server->run_as_server_user(
          std::string(kBin) + "initdb -D " + dir + "/data -U " + kUser + " --pwfile=" + dir +
              "/password --auth-local=trust --auth-host=scram-sha-256 --no-sync -E UTF8",
          "initialise");
      !s) {
    return Error{s.message()};
  }
  server->port_ = free_port();
  if (Status s = server->start_again(); !s) return Error{s.message()};
  return server;
}

Status PostgresServer::pg_ctl(const std::string& arguments) {
  const std::string dir = dir_.path().string();
  return run_as_server_user(std::string(kBin) + "pg_ctl -D " + dir + "/data " + arguments,
                            "run pg_ctl " + arguments + " for");
}

Status PostgresServer::start_again() {
  const std::string dir = dir_.path().string();
  Status s = pg_ctl("-w -t 30 -l " + dir + "/server.log -o \"-p " + std::to_string(port_) + " -k " +
                    dir + " -c listen_addresses=127.0.0.1\" start");
  running_ = s.is_ok();
  return s;
}

Status PostgresServer::stop_immediately() {
  if (!running_) return Status::ok();
  running_ = false;
  return pg_ctl("-w -m immediate stop");
}

PostgresServer::~PostgresServer() { (void)stop_immediately(); }

std::string PostgresServer::url(const std::string& database, const std::string& password) const {
  return std::string("postgresql://") + kUser + ":" + password +
         "@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

Result<std::string> PostgresServer::create_database() {
  Result<std::unique_ptr<SqlDb>> admin = open_postgres(url("postgres"));
  if (!admin) return Error{admin.message()};
  const std::string name = "tilefarm_test_" + std::to_string(++databases_);
  if (Status s = admin.value()->exec("CREATE DATABASE " + name); !s) return Error{s.message()};
  return url(name);
}

}  // namespace tf::testing
