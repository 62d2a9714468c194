// Colluding workers on real multi-process farms: the `tilefarm` executable as a dispatcher and
// 10 workers over CurveZMQ on 127.0.0.1, open enrollment, every worker with its own key (and
// so its own declared owner). 3 of them collude (`--misbehave collude`: the same wrong bytes
// for the same unit), from the start or after an honest warm-up; one honest worker is the
// operator's auditor (`--auditor-allow`). Independent truth: every delivered frame equals a
// local `tilefarm render` of the same scene byte for byte; simulation snapshots equal the CPU
// stepper run in one piece. The dispatcher's state is then read directly: colluders
// quarantined with zero net credit, no honest key quarantined or with a fault, the ledger
// verifies.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "dispatcher/ledger.h"
#include "dispatcher/trust_queries.h"
#include "formats/fileio/read_file.h"
#include "formats/image/image_io.h"
#include "tests/support/child_process.h"
#include "tests/support/free_port.h"
#include "tests/support/run_process.h"
#include "tests/support/sim_truth.h"
#include "tests/support/temp_dir.h"

namespace tf::testing {
namespace {

constexpr int kWorkers = 10;
constexpr int kColluders = 3;  // workers 1..3; worker 0 is the auditor

ProcessRun tilefarm(const std::string& args) {
  return run_process(std::string(TILEFARM_EXE) + " " + args + " 2>&1");
}

// The public key in a keypair's .pub file: its one line that is not a comment.
std::string public_key(const std::filesystem::path& pub) {
  std::ifstream in(pub);
  std::string line, key;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') key = line;
  }
  return key;
}

// Pixels (of width x height) whose RGB differ between two images; all of them when the images
// cannot be read or differ in size.
size_t differing_pixels(const std::filesystem::path& a, const std::filesystem::path& b) {
  Result<ImageRGB> x = read_image(a), y = read_image(b);
  if (!x || !y || x->width != y->width || x->height != y->height) return SIZE_MAX;
  size_t differ = 0;
  for (size_t p = 0; p < x->rgb.size(); p += 3) {
    differ += std::memcmp(&x->rgb[p], &y->rgb[p], 3 * sizeof(float)) != 0 ? 1 : 0;
  }
  return differ;
}

struct ColluderPlan {
  bool from_start = true;
  uint64_t honest_units = 0;  // --misbehave-after
};

class CollusionFarm {
 public:
  explicit CollusionFarm(const std::filesystem::path& dir) : dir_(dir) {}

  // Keys for the client and every worker, then the dispatcher (with `dispatcher_flags`) and the
  // workers, colluders as `plan` says.
  void start(const ColluderPlan& plan, const std::string& dispatcher_flags) {
    const std::filesystem::path& dir = dir_;
    endpoint_ = "tcp://127.0.0.1:" + std::to_string(free_port());
    ASSERT_EQ(tilefarm("keygen -o " + (dir / "client.key").string()).exit_code, 0);
    for (int i = 0; i < kWorkers; ++i) {
      const std::filesystem::path key = dir / ("worker" + std::to_string(i) + ".key");
      ASSERT_EQ(tilefarm("keygen -o " + key.string()).exit_code, 0);
      keys_.push_back(public_key(key.string() + ".pub"));
    }
    std::ofstream(dir / "auditors.txt") << keys_[0] << "\n";
    const std::filesystem::path state = dir / "state";
    dispatcher_ = std::make_unique<ChildProcess>(
        logged("dispatcher --listen " + endpoint_ + " --state " + state.string() +
                   " --client-allow " + (dir / "client.key.pub").string() + " --auditor-allow " +
                   (dir / "auditors.txt").string() + " " + dispatcher_flags,
               "dispatcher"));
    // The dispatcher writes its key on start: the workers and the client need it.
    const std::filesystem::path server_key = state / "dispatcher.key.pub";
    for (int i = 0; i < 100 && !std::filesystem::exists(server_key); ++i) {
      ::usleep(50'000);
    }
    ASSERT_TRUE(std::filesystem::exists(server_key));
    security_ = " --server-key " + server_key.string();
    for (int i = 0; i < kWorkers; ++i) {
      std::string args = "worker --dispatcher " + endpoint_ + security_ + " --backend cpu --key " +
                         (dir / ("worker" + std::to_string(i) + ".key")).string() + " --cache " +
                         (dir / ("cache" + std::to_string(i))).string();
      if (colluder(i)) {
        args += " --misbehave collude";
        if (!plan.from_start) args += " --misbehave-after " + std::to_string(plan.honest_units);
      }
      workers_.push_back(
          std::make_unique<ChildProcess>(logged(args, "worker" + std::to_string(i))));
    }
  }

  static bool colluder(int i) { return i >= 1 && i <= kColluders; }
  // Whether the running dispatcher's state has every colluder quarantined.
  bool colluders_quarantined() const {
    auto db = open_state_read_only(state());
    if (!db) return false;
    auto workers = query_workers(*db.value());
    if (!workers) return false;
    int caught = 0;
    for (const auto& w : workers.value()) {
      for (int i = 1; i <= kColluders; ++i) caught += w.key == key(i) && w.quarantined ? 1 : 0;
    }
    return caught == kColluders;
  }
  const std::string& key(int i) const { return keys_[static_cast<size_t>(i)]; }
  std::string client_flags() const {
    return "--dispatcher " + endpoint_ + security_ + " --key " + (dir_ / "client.key").string();
  }
  std::filesystem::path state() const { return dir_ / "state"; }
  // Stops every process (the dispatcher last, with SIGTERM, so that its state is complete).
  void stop() {
    workers_.clear();
    dispatcher_.reset();
  }
  // The tail of the dispatcher's log, for failure messages.
  std::string dispatcher_log() const {
    std::ifstream in(dir_ / "dispatcher.log");
    std::stringstream text;
    text << in.rdbuf();
    const std::string log = text.str();
    return "\n--- dispatcher.log (tail)\n" + log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
  }

 private:
  // `tilefarm ARGS` with its output in NAME.log.
  ChildProcess logged(const std::string& args, const std::string& name) const {
    return ChildProcess({"/bin/sh", "-c",
                         "exec " + std::string(TILEFARM_EXE) + " " + args + " > " +
                             (dir_ / (name + ".log")).string() + " 2>&1"});
  }

  std::filesystem::path dir_;
  std::string endpoint_, security_;
  std::vector<std::string> keys_;
  std::unique_ptr<ChildProcess> dispatcher_;
  std::vector<std::unique_ptr<ChildProcess>> workers_;
};

// What the dispatcher's state says about the farm's keys once it stopped: colluders hold no
// credit (and are quarantined, when the job gave each of them enough units to be caught), no
// honest key was quarantined or counted a fault, the ledger verifies.
void expect_colluders_caught_and_honest_untouched(const CollusionFarm& farm,
                                                  bool colluders_quarantined = true) {
  auto db = open_state_read_only(farm.state());
  ASSERT_TRUE(db.is_ok()) << db.message();
  auto workers = query_workers(*db.value());
  ASSERT_TRUE(workers.is_ok()) << workers.message();
  std::map<std::string, proto::WorkerTrustRow> by_key;
  for (const auto& w : workers.value()) by_key[w.key] = w;
  for (int i = 0; i < kWorkers; ++i) {
    const auto it = by_key.find(farm.key(i));
    if (CollusionFarm::colluder(i)) {
      if (it == by_key.end()) {
        EXPECT_FALSE(colluders_quarantined) << "colluder " << i << " never seen";
        continue;
      }
      const proto::WorkerTrustRow& w = it->second;
      if (colluders_quarantined) {
        EXPECT_TRUE(w.quarantined) << "colluder " << i << ": " << w.valid << " valid, " << w.invalid
                                   << " invalid, " << w.accepted_units << " units credited";
      }
      EXPECT_EQ(it->second.credit, 0u) << "colluder " << i << " keeps credit";
    } else if (it != by_key.end()) {
      EXPECT_FALSE(it->second.quarantined)
          << "honest worker " << i << ": " << it->second.quarantine_reason;
      EXPECT_EQ(it->second.invalid, 0u) << "honest worker " << i << " was counted a fault";
    }
  }
  auto key = read_ledger_public_key(farm.state());
  ASSERT_TRUE(key.is_ok()) << key.message();
  auto check = verify_ledger(*db.value(), key.value());
  ASSERT_TRUE(check.is_ok()) << check.message();
  EXPECT_TRUE(check->ok()) << check->problem;
}

// A job of `frames` frames of the sample shot in 16-pixel tiles, waited for; every frame must
// equal the local render of that frame (the frame number seeds its samples) byte for byte.
// Outputs go to dir/out-ROUND.
void render_and_compare(const std::filesystem::path& dir, const CollusionFarm& farm, int round = 0,
                        int frames = 6) {
  const std::string scene = std::string(TILEFARM_SOURCE_DIR) + "/scenes/shot/shot_####.pbrt";
  const std::string settings = " --spp 4 --tile 16";
  const std::filesystem::path out = dir / ("out-" + std::to_string(round));
  const ProcessRun submitted =
      tilefarm("submit " + scene + " --frames 1-" + std::to_string(frames) + settings +
               " --wait --output " + out.string() + " " + farm.client_flags());
  ASSERT_EQ(submitted.exit_code, 0) << submitted.output << farm.dispatcher_log();
  for (int frame = 1; frame <= frames; ++frame) {
    char name[32];
    std::snprintf(name, sizeof name, "%04d", frame);
    const std::filesystem::path local = dir / ("local_" + std::string(name) + ".exr");
    if (!std::filesystem::exists(local)) {  // rendered in an earlier round
      const ProcessRun rendered =
          tilefarm("render " + std::string(TILEFARM_SOURCE_DIR) + "/scenes/shot/shot_" + name +
                   ".pbrt --frame " + std::to_string(frame) + " --backend cpu" + settings + " -o " +
                   local.string());
      ASSERT_EQ(rendered.exit_code, 0) << rendered.output;
    }
    const std::filesystem::path delivered = out / ("frame_" + std::string(name) + ".exr");
    const Result<std::vector<uint8_t>> got = read_whole_file(delivered),
                                       want = read_whole_file(local);
    ASSERT_TRUE(got.is_ok()) << got.message();
    ASSERT_TRUE(want.is_ok()) << want.message();
    EXPECT_TRUE(got.value() == want.value())
        << "frame " << frame << " differs from the local render in "
        << differing_pixels(delivered, local) << " pixels";
  }
}

TEST(CollusionFarm, ColludersFromTheStartChangeNoPixelAndEarnNothing) {
  TempDir dir;
  CollusionFarm farm(dir.path());
  ASSERT_NO_FATAL_FAILURE(farm.start({true, 0}, "--trust-after 5"));
  // Jobs until every colluder was caught: on a loaded machine a slow colluder may get too few
  // units of one job to be found out (see the turning test below).
  for (int round = 0; round < 3 && (round == 0 || !farm.colluders_quarantined()); ++round) {
    ASSERT_NO_FATAL_FAILURE(render_and_compare(dir.path(), farm, round));
  }
  farm.stop();
  expect_colluders_caught_and_honest_untouched(farm);
}

TEST(CollusionFarm, ColludersTurningAfterAWarmUpAreCaughtTheirWrongUnitsRedoneAndCreditReversed) {
  TempDir dir;
  CollusionFarm farm(dir.path());
  ASSERT_NO_FATAL_FAILURE(farm.start({false, 3}, "--trust-after 3 --spot-check-rate 0.5"));
  // Jobs until every colluder turned and was caught: leases sized to each worker's rate let the
  // fastest workers take much of a short job, so a colluder may render little of one. Every
  // frame of every job must be right.
  for (int round = 0; round < 5 && !farm.colluders_quarantined(); ++round) {
    ASSERT_NO_FATAL_FAILURE(render_and_compare(dir.path(), farm, round, 12));
  }
  farm.stop();
  expect_colluders_caught_and_honest_untouched(farm);
  // The reversed credit is in the ledger: a colluder paid for its warm-up lost every grant. (A
  // colluder whose warm-up units were still being verified when it was caught was never paid.)
  auto db = open_state_read_only(farm.state());
  ASSERT_TRUE(db.is_ok()) << db.message();
  auto entries = read_ledger_entries(*db.value());
  ASSERT_TRUE(entries.is_ok()) << entries.message();
  std::map<std::string, int> grants, reversals;
  for (const LedgerEntry& e : entries.value())
    (e.grant.reversal ? reversals : grants)[e.grant.worker_key]++;
  int reversed = 0;
  for (int i = 1; i <= kColluders; ++i) {
    EXPECT_EQ(reversals[farm.key(i)], grants[farm.key(i)]) << "colluder " << i;
    reversed += reversals[farm.key(i)];
  }
  EXPECT_GT(reversed, 0) << "no colluder was paid for its warm-up: no reversal was tested";
}

TEST(CollusionFarm, ASimulationBatchWithColludersWritesTheTrueSnapshots) {
  TempDir dir;
  CollusionFarm farm(dir.path());
  ASSERT_NO_FATAL_FAILURE(farm.start({true, 0}, "--trust-after 5"));
  const std::string batch = tiny_cavity_batch(60, 20);
  std::ofstream(dir.path() / "cavity.toml") << batch;
  const std::filesystem::path out = dir.path() / "sim-out";
  const ProcessRun ran =
      tilefarm("sim " + (dir.path() / "cavity.toml").string() + " --chunk-steps 5 --wait -o " +
               out.string() + " " + farm.client_flags());
  ASSERT_EQ(ran.exit_code, 0) << ran.output << farm.dispatcher_log();
  expect_downloaded_fields_match_truth(out, batch, {20, 40, 60});
  farm.stop();
  // Two runs of 12 chunks may not give every colluder the two losses that quarantine it.
  expect_colluders_caught_and_honest_untouched(farm, false);
}

}  // namespace
}  // namespace tf::testing
