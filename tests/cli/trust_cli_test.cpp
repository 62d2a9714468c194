// The trust commands of the tilefarm executable (credits, workers, ledger verify, ledger
// export) against a state folder built here with known grants, offline (--state) and online
// (--dispatcher, a real dispatcher process on the same folder).
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "dispatcher/ledger.h"
#include "dispatcher/store.h"
#include "tests/support/child_process.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

using testing::ChildProcess;
using testing::ProcessRun;
using testing::TempDir;

// Runs tilefarm with `args`; the output holds stdout, then stderr when `with_stderr`.
ProcessRun run(const std::string& args, bool with_stderr = true) {
  return testing::run_process(std::string(TILEFARM_EXE) + " " + args +
                              (with_stderr ? " 2>&1" : " 2>/dev/null"));
}

// The grants written to the test state; totals by hand: alpha = 300 + 500 = 800 over 2 units,
// beta = 300 over 1 unit, gamma = 70 over 1 unit.
struct Grant {
  const char* key;
  uint64_t unit, credit;
};
constexpr Grant kGrants[] = {{"alpha", 1, 300}, {"beta", 1, 300}, {"alpha", 2, 500},
                             {"gamma", 3, 70}};

void build_state(const std::filesystem::path& dir) {
  auto store = Store::open(dir);
  ASSERT_TRUE(store.is_ok()) << store.message();
  auto ledger = Ledger::open(dir, store.value()->db());
  ASSERT_TRUE(ledger.is_ok()) << ledger.message();
  ASSERT_TRUE(store.value()->begin().is_ok());
  for (const Grant& g : kGrants) {
    CreditGrant grant{g.key, 9, g.unit, blake2b_256("unit " + std::to_string(g.unit)), g.credit,
                      1234};
    ASSERT_TRUE(ledger.value()->append(grant).is_ok());
  }
  ASSERT_TRUE(store.value()
                  ->db()
                  .exec("INSERT INTO workers(key, name, valid, invalid, quarantined,"
                        " quarantine_reason) VALUES ('alpha', 'host-a', 2, 0, 0, ''),"
                        " ('delta', 'host-d', 0, 2, 1, '2 invalid results')")
                  .is_ok());
  ASSERT_TRUE(store.value()->commit().is_ok());
}

void tamper_credit(const std::filesystem::path& dir, int seq) {
  auto store = Store::open(dir);
  ASSERT_TRUE(store.is_ok()) << store.message();
  Status s = store.value()->db().exec(
      "DROP TRIGGER ledger_no_update; UPDATE ledger SET credit = credit + 1 WHERE seq = " +
      std::to_string(seq));
  ASSERT_TRUE(s.is_ok()) << s.message();
}

nlohmann::json parse_json(const ProcessRun& r) {
  try {
    return nlohmann::json::parse(r.output);
  } catch (const nlohmann::json::exception& e) {
    ADD_FAILURE() << "not JSON (" << e.what() << "): " << r.output;
    return nlohmann::json::array();
  }
}

TEST(TrustCli, CreditsFromAStateFolder) {
  TempDir dir;
  build_state(dir.path());
  const ProcessRun r = run("credits --json --state " + dir.path().string(), false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json expected = nlohmann::json::parse(R"([
    {"worker_key": "alpha", "name": "host-a", "credit": 800, "accepted_units": 2},
    {"worker_key": "beta", "name": "", "credit": 300, "accepted_units": 1},
    {"worker_key": "gamma", "name": "", "credit": 70, "accepted_units": 1}])");
  EXPECT_EQ(parse_json(r), expected);
}

TEST(TrustCli, WorkersShowQuarantineAndCredit) {
  TempDir dir;
  build_state(dir.path());
  const ProcessRun r = run("workers --json --state " + dir.path().string(), false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json rows = parse_json(r);
  ASSERT_EQ(rows.size(), 4u);  // alpha, beta, delta, gamma
  EXPECT_EQ(rows[0]["key"], "alpha");
  EXPECT_EQ(rows[0]["credit"], 800);
  EXPECT_EQ(rows[0]["valid"], 2);
  EXPECT_EQ(rows[2]["key"], "delta");
  EXPECT_EQ(rows[2]["quarantined"], true);
  EXPECT_EQ(rows[2]["quarantine_reason"], "2 invalid results");
  EXPECT_EQ(rows[2]["credit"], 0);
  const ProcessRun table = run("workers --state " + dir.path().string());
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("quarantined: 2 invalid results"), std::string::npos)
      << table.output;
}

TEST(TrustCli, LedgerVerifiesAndNamesATamperedEntry) {
  TempDir dir;
  build_state(dir.path());
  const ProcessRun ok = run("ledger verify --state " + dir.path().string());
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("4 entries"), std::string::npos) << ok.output;

  tamper_credit(dir.path(), 3);
  const ProcessRun bad = run("ledger verify --state " + dir.path().string());
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("entry 3"), std::string::npos) << bad.output;
}

TEST(TrustCli, LedgerVerifyAgainstAForeignKeyFails) {
  TempDir dir, other;
  build_state(dir.path());
  build_state(other.path());  // another dispatcher, another key
  const ProcessRun r = run("ledger verify --state " + dir.path().string() + " --ledger-key " +
                       (other.path() / "ledger.pub").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("entry 1"), std::string::npos) << r.output;
}

TEST(TrustCli, LedgerExportWritesOneLinePerEntry) {
  TempDir dir;
  build_state(dir.path());
  const std::filesystem::path out = dir.path() / "ledger.jsonl";
  const ProcessRun r = run("ledger export --jsonl -o " + out.string() + " --state " +
                       dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(out);
  std::string line;
  size_t i = 0;
  while (std::getline(in, line)) {
    ASSERT_LT(i, std::size(kGrants));
    const nlohmann::json e = nlohmann::json::parse(line);
    EXPECT_EQ(e["seq"], i + 1);
    EXPECT_EQ(e["worker_key"], kGrants[i].key);
    EXPECT_EQ(e["unit_id"], kGrants[i].unit);
    EXPECT_EQ(e["credit"], kGrants[i].credit);
    EXPECT_EQ(e["result"], blake2b_256("unit " + std::to_string(kGrants[i].unit)).to_hex());
    EXPECT_EQ(e["signature"].get<std::string>().size(), 128u);
    ++i;
  }
  EXPECT_EQ(i, std::size(kGrants));
}

TEST(TrustCli, UsageErrorsExitWithTwo) {
  TempDir dir;
  build_state(dir.path());
  const ProcessRun no_source = run("credits");
  EXPECT_EQ(no_source.exit_code, 2) << no_source.output;
  EXPECT_NE(no_source.output.find("--state"), std::string::npos) << no_source.output;
  const ProcessRun both = run("credits --state " + dir.path().string() + " --dispatcher ipc:///x");
  EXPECT_EQ(both.exit_code, 2) << both.output;
  EXPECT_EQ(run("ledger export --state " + dir.path().string()).exit_code, 2);  // no --jsonl
  const ProcessRun missing = run("workers --state " + (dir.path() / "nothing").string());
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("nothing"), std::string::npos) << missing.output;
}

TEST(TrustCli, OnlineAnswersMatchTheStateFolder) {
  TempDir dir;
  const std::filesystem::path state = dir.path() / "state";
  build_state(state);
  const std::string endpoint = "ipc://" + (dir.path() / "d.sock").string();
  const std::string state_dir = state.string();
  ChildProcess dispatcher({TILEFARM_EXE, "dispatcher", "--listen", endpoint, "--state", state_dir});
  ASSERT_TRUE(dispatcher.started());

  const ProcessRun offline_credits = run("credits --json --state " + state_dir, false);
  const ProcessRun online_credits = run("credits --json --dispatcher " + endpoint, false);
  const ProcessRun offline_workers = run("workers --json --state " + state_dir, false);
  const ProcessRun online_workers = run("workers --json --dispatcher " + endpoint, false);
  const ProcessRun online_verify = run("ledger verify --dispatcher " + endpoint);
  const ProcessRun online_export = run("ledger export --jsonl --dispatcher " + endpoint, false);
  const ProcessRun offline_export = run("ledger export --jsonl --state " + state_dir, false);
  dispatcher.stop(SIGTERM);

  EXPECT_EQ(online_credits.exit_code, 0) << online_credits.output;
  EXPECT_EQ(parse_json(online_credits), parse_json(offline_credits));
  EXPECT_EQ(online_workers.exit_code, 0) << online_workers.output;
  EXPECT_EQ(parse_json(online_workers), parse_json(offline_workers));
  EXPECT_EQ(online_verify.exit_code, 0) << online_verify.output;
  EXPECT_NE(online_verify.output.find("4 entries"), std::string::npos) << online_verify.output;
  EXPECT_EQ(online_export.exit_code, 0) << online_export.output;
  EXPECT_EQ(online_export.output, offline_export.output);
}

}  // namespace
}  // namespace tf
