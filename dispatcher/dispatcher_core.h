// The dispatcher's logic without sockets: every decoded message and every clock tick goes in,
// messages to send come out. The server loop (server.h) owns the ZeroMQ socket; tests drive
// this class directly with a fake clock.
//
// Batching and durability: handle() and tick() write to the store inside one open transaction
// (begun on first write); the caller calls commit() once per loop iteration and sends the
// collected messages only after it succeeded. If commit() fails the in-memory state is no
// longer trustworthy: the caller must stop, and a restart resumes from the last commit.
//
// Reliability rules (zguide "Paranoid Pirate" plus durable leases):
// - workers send a heartbeat every heartbeat interval; a worker silent for liveness intervals
//   is dead and every lease it held goes back to the scheduler;
// - every lease has a deadline; a lease past it goes back to the scheduler;
// - a message from an unknown worker (e.g. after a dispatcher restart) gets HelloRequired
//   (the worker says hello again and repeats the asset requests it still waits on);
// - new units go out from tick(), once per worker per loop iteration, as many as the worker's
//   measured rate allows (lease_sizer.h);
// - result intake is idempotent: a replica's first result in time is its vote; duplicates,
//   results after the lease lapsed (no vote, no credit) and results for finished units are
//   dropped.
//
// Verification (verification.cpp; DESIGN.md "Verification, reputation, credit"): each unit
// is leased to `replication` replicas held by distinct worker keys and distinct owners; the
// first replica uploads the result bytes, the others report the hash only. A unit is accepted
// when `quorum` hashes agree and the bytes of that hash are stored (hash recomputed); if they
// are not, an agreeing replica is asked for them (ResultBytesRequest). Disagreement sends more
// replicas, at most `max_replicas` per unit; when no hash can reach the quorum within that cap
// the job fails with a message naming the unit, the keys and their hashes. Results from a key
// that holds no lease for the unit, of the wrong shape, or whose bytes do not hash to their
// claimed hash are refused and count as malformed against the key. Acceptance, every agreeing
// replica's credit (Ledger::append, or append_deferred with work_in_background: signed on
// another thread and written by commit(); credit = rays in the verified bytes) and every
// reputation change of that acceptance are written in one store transaction. Reputation and adaptive
// replication: reputation.h. Workers may fetch only the blobs of bundles of units leased to
// their key; other fetches are answered found=false and count as malformed.
//
// Thread safety: one DispatcherCore belongs to one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dispatcher/assembler.h"
#include "dispatcher/dispatcher_stats.h"
#include "dispatcher/farm_board.h"
#include "dispatcher/frame_encoder.h"
#include "dispatcher/lease_sizer.h"
#include "dispatcher/lease_table.h"
#include "dispatcher/ledger.h"
#include "dispatcher/planner.h"
#include "dispatcher/reputation.h"
#include "dispatcher/scheduler.h"
#include "dispatcher/sim_plan.h"
#include "dispatcher/sim_stitch.h"
#include "dispatcher/status_waits.h"
#include "dispatcher/store.h"
#include "formats/protocol/messages.h"
#include "formats/sim/observables_output.h"
#include "kernels/status.h"

namespace tf {

struct DispatcherConfig {
  // Keys, and the store unless store_url is set: SQLite in state_dir/dispatcher.db.
  std::filesystem::path state_dir;
  // A PostgreSQL URL (postgres_db.h): the farm's shared store. The dispatcher then waits for
  // the leadership (leadership.h) before it loads the state; state_dir keeps its keys and
  // scratch files.
  std::string store_url;
  LeadershipOptions leadership;
  // The public key the server answers with on CurveZMQ (DispatcherServer sets it; empty:
  // none). With store_url it must be the farm's, like the ledger key.
  std::string transport_public_key;
  int64_t heartbeat_interval_ms = 1000;
  int liveness = 3;
  uint32_t lease_seconds = 600;   // a unit must finish within this long of its lease
  uint32_t max_attempts = 3;      // unit failures before its job fails
  uint32_t max_slots_per_worker = 256;  // bounds the slots a hello may declare
  LeaseSizing lease_sizing;       // work in flight per worker by its measured rate (lease_sizer.h)
  // Units one tick() grants at most (it stops at the first worker past this): a job of tens of
  // thousands of units goes out over several loop iterations, each committed and sent, so the
  // first workers start within milliseconds instead of after every lease of the job is written
  // (25,600 leases: 0.2 s of granting and a 40 ms commit before any grant left). The rest
  // waits for the next tick, which dispatch_pending() asks for at once. Workers closest to
  // running dry (idle ones first) go first, and every worker that wants a grant takes at most
  // its part of the tick's units (or its declared slots): a job submitted to 256 idle workers
  // reaches every one of them in the first tick, and their refills in every later one, instead
  // of two dozen taking a tick's units and the last ones waiting ten commits (200 ms) for
  // theirs. 1,024 rather than 2,048 or 4,096: a smaller tick's grants are written, committed
  // and sent sooner (benchmarks/README.md, "1,024 units a tick").
  uint64_t max_units_per_tick = 1024;
  // Units a render job keeps planned ahead of its grants (frame_planning.cpp): a job's frames
  // are planned into units (rows written, handed to the scheduler) when its queue holds fewer
  // than this, the first ones at submission. Planning all of a 25,600-unit job at once took
  // 36 ms of inserts and a 10 ms commit before its first grant left; a job of thousands of
  // frames would hold the loop for seconds. Two ticks' grants by default.
  uint64_t plan_ahead_units = 4096;
  TrustPolicy trust;              // reputation thresholds and spot-check rate (reputation.h)
  // Worker keys the operator designates as auditors (--auditor-allow): trusted from the start,
  // preferred for the replicas that settle a disagreement.
  std::set<std::string> auditors;
  uint64_t spot_check_seed = 0;   // seeds the spot-check draws; 0: from std::random_device
  // Heavy work off the calling thread: finished frames are encoded (EXR, PNG) on a background
  // thread (frame_encoder.h) and recorded on a later tick(); credit entries are written (the
  // last one signed) by commit(). false: both at once, inside the call that accepted the
  // unit, so that its effects are in the open transaction when it returns.
  bool work_in_background = false;
  // A simulation run of one whole-domain tile per chunk keeps its state on the workers that
  // advance it: its chunks are verified by result hash alone, and the dispatcher takes a
  // chunk's bytes (and stores the state) only at snapshots, at the end, and at least every
  // this many chunks, which bounds what a worker that does not hold the state replays.
  // 1: the bytes of every chunk.
  uint32_t sim_copy_every_chunks = 16;
  // Upgrade tests: schema steps of a later release, applied after this build's at open
  // (Store::open), so that a restart can be onto a store that needs a migration.
  std::vector<std::string> later_migrations;
  // Where the farm is shown to other threads (farm_board.h: the dashboard, /metrics): accepted
  // render units are drawn into its frame previews. Null: nothing is drawn.
  std::shared_ptr<FarmBoard> board;
};

struct Outgoing {
  std::string peer;  // routing id
  proto::Envelope envelope;
};

class DispatcherCore {
 public:
  // Opens the store under config.state_dir and rebuilds the in-memory state from it: jobs,
  // pending units, open leases (their workers are presumed alive until liveness runs out).
  static Result<std::unique_ptr<DispatcherCore>> open(const DispatcherConfig& config,
                                                      int64_t now_ms);

  // One decoded message from `peer` (the routing id replies go to), sent by the holder of
  // `peer_key` (proto::RawMessage::peer_key: the identity that reputation and credit attach
  // to); replies and grants are appended to `out`. A failure of the store is returned (fatal,
  // see above); a bad request is answered, not returned.
  Status handle(const std::string& peer, const std::string& peer_key,
                const proto::Envelope& message, int64_t now_ms, std::vector<Outgoing>* out);
  // Expires leases and dead workers, sends due heartbeats, hands pending units to workers
  // with free slots. Call at least once per heartbeat interval and after handle().
  Status tick(int64_t now_ms, std::vector<Outgoing>* out);
  // Whether the last tick() granted all of max_units_per_tick with workers still wanting a
  // grant: the caller should commit, send and tick again without waiting.
  bool dispatch_pending() const { return dispatch_pending_; }
  // When the earliest status request held for its job's end is due an answer anyway (the
  // clock of handle() and tick()); nullopt when none is held. The caller ticks by then.
  std::optional<int64_t> next_status_due_ms() const { return status_waits_.next_due_ms(); }
  // Writes what the iteration kept in memory (reputation records, credit entries signed in
  // the background) and commits.
  Status commit();
  // A file descriptor that becomes readable when background work (frame encoding) finished and
  // wants a tick(); -1 when there is none.
  int wake_fd() const { return encoder_ ? encoder_->wake_fd() : -1; }

  // Counts `count` malformed or refused messages against `peer_key` (the server reports its
  // rejections once per key and window, with the first message's reason); enough of them
  // quarantine the key (reputation.h). A store failure here is returned by the next handle()
  // or tick().
  void record_malformed(const std::string& peer_key, const std::string& reason,
                        uint64_t count = 1);
  // The reputation of a worker key; nullptr when the key was never seen.
  const WorkerRecord* worker_record(const std::string& key) const;

  const DispatcherStats& stats() const { return stats_; }
  // Statuses of one job or all (0). The message of an active job says why it cannot make
  // progress, when it cannot: no worker is connected, or its replication needs more workers
  // of distinct keys and owners than are connected.
  std::vector<proto::JobStatus> job_statuses(uint64_t job_id) const;
  Store& store() { return *store_; }
  // The farm as the dashboard shows it (core_view.cpp): O(jobs + workers), for a few calls a
  // second at most.
  std::shared_ptr<FarmView> view(int64_t now_ms) const;

 private:
  struct WorkerState {
    std::string name;
    std::string key;    // the identity the transport vouched for (handle())
    std::string owner;  // WorkerHello.owner, or `key` when it named none
    std::vector<std::string> devices;  // as its hello described them (the dashboard's)
    static constexpr size_t kMaxDevicesShown = 64;
    uint32_t slots = 0;  // units it always may hold (its hello's)
    LeaseSizer sizer;    // and how much more, by its measured rate
    int64_t last_seen_ms = 0;
    // When a grant or a heartbeat last went to it: a worker that hears from the dispatcher
    // anyway gets no heartbeat (hundreds of busy workers would each get one per interval).
    int64_t last_sent_ms = 0;
    bool said_hello = false;
    // Its machine is busy (UnitReturn.pausing), or it drains before it leaves
    // (UnitReturn.draining): it is leased nothing until its next hello; its running units
    // still finish and their results count as usual.
    bool paused = false;
    bool draining = false;  // paused because it drains: it is not coming back
    // Bundles of every unit leased to this worker since it was first seen: it fetched them,
    // so they are presumed in its asset cache (the scheduler's asset affinity, scheduler.h).
    std::set<Hash256> bundles;
    // The kernel versions every one of its devices runs (DeviceOffer::runs()), as its hello
    // said: the worker picks the device of a unit, so only these are sure to be used.
    std::set<std::string> kernel_versions;
    // It hashes results by tree (WorkerHello::tree_hashes) as well as sequentially.
    bool tree_hashes = false;
    // It makes runs' initial states by this release's recipe (WorkerHello::initial_states):
    // units from a made initial state name the batch instead of a stored state.
    bool makes_initial_states = false;
  };
  struct UnitState {
    UnitRow row;
    std::vector<ReplicaRow> replicas;  // in lease order
    uint32_t queued = 0;  // scheduler entries for this unit (some may be stale)
    // An accepted unit's result values, kept for its frame's assembly or its chunk's stitching
    // (empty: read them from the store).
    std::vector<float> values;
    bool done() const { return row.result.has_value(); }
  };
  // A unit whose quorum agreed on a hash whose bytes are not stored yet. The agreeing
  // replicas are asked in turn; when none is connected, or kMaxBytesRequests went
  // unanswered, one more replica is leased to upload them.
  struct MissingBytes {
    Hash256 hash;
    int64_t asked_at_ms = 0;  // 0: not asked yet
    uint32_t asked = 0;       // requests sent so far (rotates among agreeing replicas)
    bool need_uploader = false;
  };
  static constexpr uint32_t kMaxBytesRequests = 3;
  // How a lease ends, which decides what happens to its replica.
  enum class LeaseEnd {
    kResult,    // a result arrived: the caller records it
    kFailed,    // UnitFailure, or a refused result
    kLapsed,    // deadline passed: a timeout against the key
    kDied,      // the worker was declared dead (one timeout per worker, counted by the caller)
    kCancelled  // returned, lost in flight, job ended, quarantine: no fault of the replica
  };
  struct FrameState {
    FrameRow row;
    std::vector<uint64_t> unit_ids;
    uint64_t remaining = 0;
    uint32_t assemblies = 0;  // complete_frame() calls: an encoding of an older one is stale
    // Simulation runs: chunks being stitched beside the run's later chunks (stitch_aside), the
    // newest state they stored that the run has not taken as its stored state yet (plan_chunk
    // does: by then no unit starts from the older one), and the run's end, recorded once no
    // stitch is pending (so that a finished run has all its snapshots).
    uint32_t stitches_pending = 0;
    std::optional<std::pair<uint64_t, Hash256>> stitched_state;  // (its step, its blob)
    std::function<Status()> end_waiting;
    uint64_t stitched_through = 0;  // the newest step stitched aside: stored, or being stored
    // A whole-domain run's skeleton (ChunkToStitch::skeleton), from its initial state or its
    // first stitch after a restart, until the run ends; within kMaxSkeletonBytes in all.
    std::shared_ptr<const sim::TileState> skeleton;
    // The run's made initial state, stored for a worker that does not make it (stored_initial).
    std::optional<Hash256> stored_initial;
  };
  struct JobState {
    JobRow row;
    uint64_t units_total = 0, units_done = 0;
    std::vector<uint32_t> frames;
    uint32_t frames_done = 0;
    uint64_t units_affected = 0;  // UnitRow::affected
    // Frames not planned into units yet, in the order they will be, and their units
    // (frame_planning.cpp). units_total counts planned units only.
    std::deque<uint32_t> unplanned;
    uint64_t units_unplanned = 0;
    uint64_t all_units() const { return units_total + units_unplanned; }
    // A batch whose runs start from made initial states (formats/sim/initial_state.h): its
    // text's blob, which workers make them from.
    std::optional<Hash256> sim_batch_blob;
    bool active() const { return proto::job_active(row.state); }
  };

  DispatcherCore(DispatcherConfig config, std::unique_ptr<Store> store)
      : config_(std::move(config)), store_(std::move(store)) {}
  Status load(int64_t now_ms);

  // Worker messages (dispatcher_core.cpp).
  Status on_worker_message(const std::string& peer, const std::string& peer_key,
                           const proto::Body& body, int64_t now_ms, std::vector<Outgoing>* out);
  Status on_hello(const std::string& peer, const std::string& peer_key,
                  const proto::WorkerHello& hello, int64_t now_ms, std::vector<Outgoing>* out);
  Status end_lease(uint64_t lease_id, LeaseEnd how);
  // Removes a lease from the lease table and its worker's work in flight; nullopt when it had
  // ended already. Every lease leaves through here.
  std::optional<Lease> remove_lease(uint64_t lease_id, bool reported);
  // At startup: the open lease of a replica still leased stays with its worker, who is
  // presumed alive until liveness runs out.
  void restore_lease(const ReplicaRow& replica, const UnitRow& unit, int64_t now_ms);
  // The dispatcher's measure of a unit's work: pixel-samples, or cells x steps.
  static uint64_t unit_cost(const UnitRow& unit);
  Status forget_worker(const std::string& peer);
  // Grants `worker`, which wants a grant (wants_grant(), checked by the caller), what it wants
  // (lease_sizer.h), but no more units than the larger of `share` and its declared slots, nor
  // than its part of the queue among `sharing` (the connected workers' rates,
  // connected_rates(), computed once per tick).
  Status dispatch(const std::string& peer, WorkerState& worker, int64_t now_ms, uint64_t share,
                  const SharingRates& sharing, std::vector<Outgoing>* out);
  // The connected workers' measured rates, which share the queue (grant_cap).
  SharingRates connected_rates() const;
  // Whether a grant to `worker` should start now: it is eligible (eligible()) and below its refill
  // mark (LeaseSizer::wants_refill).
  bool wants_grant(const std::string& peer, const WorkerState& worker) const;
  // Recalls (lease_recalls.cpp). Once no unit waits, the end of a job is the devices' queues:
  // one that ran dry waits while another still holds a second of work (256 devices on a
  // two-second job end 0.4-0.5 s apart). Each tick, every measured worker that wants a grant
  // and awaits no recall is paired with the worker that would finish last, by held work over
  // measured rate (itself possibly below its refill mark), and the work that makes both
  // finish together (balancing_transfer) is recalled from the latter: its most recently
  // granted render units that the former may run (dispatch()'s rules: not one whose other
  // replica its key computed; a dry worker that may run none of them is passed over and the
  // next is paired), never its first `slots` (those may be running), never a simulation
  // chunk (its run's state is on that worker). A worker never measured (no result yet) is
  // never paired: its time to finish is unknown. The worker hands back those it has not
  // started (UnitReturn); each is then reserved for the worker it was recalled for, for
  // kRecallAnswerMs (dispatch() leaves it to that one, which takes it beyond its grant cap),
  // so that the worker that gave it back, now below its own refill mark, does not take it
  // again. Only for a lead of kRecallMinLeadMs or more: each recall costs a round trip and a
  // unit's lease written twice, for at most the lead it removes. A recall unanswered after
  // kRecallAnswerMs (a worker of an earlier release never answers) no longer holds its
  // worker back from the next.
  static constexpr int64_t kRecallMinLeadMs = 50;
  static constexpr int64_t kRecallAnswerMs = 250;
  Status recall_for_dry_workers(int64_t now_ms, std::vector<Outgoing>* out);
  // Drops the reservations that expired or whose receiver left (once per tick(), before
  // dispatching: a stale one holds its unit back for at most one tick).
  void drop_stale_reservations(int64_t now_ms);
  // Whether a returned recalled unit is reserved for a worker other than `peer`, and whether
  // for `peer`.
  bool reserved_for_other(uint64_t unit_id, const std::string& peer) const;
  bool reserved_for(uint64_t unit_id, const std::string& peer) const;
  // Leases one replica of `unit` to `worker` and appends its spec to `grant`.
  Status grant_replica(const std::string& peer, WorkerState& worker, UnitState& unit,
                       int64_t now_ms, proto::LeaseGrant& grant);

  // Results and frames (result_intake.cpp).
  Status accept_result(const std::string& peer_key, const proto::UnitResult& result);
  // accept_result for each of `results` in order (carried_results: one message's).
  Status accept_results(const std::string& peer_key, std::span<const proto::UnitResult> results);
  Status record_failure(const std::string& peer, const proto::UnitFailure& failure);
  // Assembles a frame whose units are all accepted (a simulation run: its chunk) and stores its
  // outputs, or hands them to the background encoder (DispatcherConfig).
  Status complete_frame(FrameState& frame);
  Status record_frame_outputs(FrameState& frame, const Hash256& exr, const Hash256& png);
  // Records the frames and the simulation runs' ends the background encoder finished (tick()).
  Status collect_encoded_frames();
  // A frame (or run) has its outputs: counts it, and ends the job after its last one.
  Status frame_finished(JobState& job);
  // "frame 3, pixels [0,32)x[32,64)" or "run re=100, steps [0,500), cells [0,64)x[0,64)".
  std::string unit_description(const UnitRow& unit) const;
  Status fail_job(JobState& job, const std::string& message);
  // Whether a connected worker may be leased units now: it said hello, is not paused and is not
  // quarantined.
  bool eligible(const WorkerState& worker) const;
  // Why an active job cannot make progress with the workers connected now; empty when it can.
  std::string unserved_reason(const JobState& job) const;

  // Verification (verification.cpp).
  // The votes of a unit's replicas, and the hash it may be accepted with now: an auditor's
  // (the operator's own worker decides alone, once no other replica is still out), else a
  // quorum of agreeing votes with a trusted one among them when `need_trusted`.
  // Per hash, how many live replicas reported it and how many of those are trusted keys
  // (trusted(), as of now).
  struct Votes {
    struct Tally {
      uint32_t count = 0, trusted = 0, auditors = 0;
    };
    std::map<Hash256, Tally> by_hash;
    uint32_t best_count = 0;          // most votes for one hash
    uint32_t best_trusted_count = 0;  // most votes for one hash that has a trusted vote
    uint32_t reported = 0, leased = 0;
    uint32_t trusted_reported = 0, trusted_leased = 0, untrusted_live = 0;
    bool disagreement() const { return by_hash.size() > 1; }
    bool has_trusted() const { return trusted_reported + trusted_leased > 0; }
  };
  Votes votes_of(const UnitState& unit) const;
  std::optional<Hash256> winner(const UnitState& unit, const Votes& votes,
                                bool need_trusted) const;
  // Replicas `unit` still needs leased (0 when done, or enough are out), given its votes.
  uint32_t replicas_wanted(const UnitState& unit, const Votes& votes) const;
  // Looks at the unit's votes: accepts it, asks for missing bytes, fails the job past the
  // cap, or puts as many entries in the scheduler as replicas are wanted (at the front of
  // its job's queue when `urgent`, e.g. a retry; at the back for new units).
  Status settle(UnitState& unit, bool urgent = true);
  Status accept_unit(UnitState& unit, const Hash256& hash);
  Status set_replica_state(ReplicaRow& replica, ReplicaState state,
                           const std::optional<Hash256>& hash);
  // An accepted unit's result values: from memory when kept on arrival (taken when `take`),
  // else read from the store (frames, quality tiles, simulation chunks).
  Result<std::vector<float>> accepted_values(UnitState& unit, bool take);
  // The unit and replica of a lease; nullptr when the lease has none.
  ReplicaRow* replica_of_lease(uint64_t lease_id, UnitState** unit);
  // Whether `worker` may hold a replica of `unit`: it hashes_as_job(), runs the frame's kernel
  // version and holds_no_replica_with() it.
  bool may_hold(const UnitState& unit, const WorkerState& worker) const;
  // Whether `worker` hashes results by the scheme of `unit`'s job (result_scheme()), or by
  // `scheme`: a worker of an earlier release hashes sequentially only.
  bool hashes_as_job(const UnitState& unit, const WorkerState& worker) const;
  static bool hashes_as(proto::ResultHashScheme scheme, const WorkerState& worker);
  // The scheme by which the results of `unit`'s job are hashed (sequential for a unit whose
  // job is gone).
  proto::ResultHashScheme result_scheme(const UnitRow& unit) const;
  // Whether no live replica of `unit` is held by `worker`'s key or owner (replicas must come
  // from distinct owners).
  bool holds_no_replica_with(const UnitState& unit, const WorkerState& worker) const;

  // Kernel versions (kernel_versions.cpp; DESIGN.md "Verification, reputation, credit"): a
  // render frame is pinned to one kernel version when its first replica is leased (the newest
  // the worker runs), and every replica of its units goes to workers that run that version;
  // results of another version are refused. Simulation runs are not pinned.
  // The frame's pin, or empty (unpinned, or a simulation run).
  const std::string& pinned_version(const UnitRow& unit) const;
  // Whether `worker` runs the version of `unit`'s frame; for an unpinned frame, whether the
  // version it would pin (its newest) can finish it (version_can_finish), or no connected
  // version can yet: a frame pinned to a version that cannot reach its quorum, or its trusted
  // vote (keys of one version only agree with each other), would wait while others idle.
  bool runs_pinned_version(const UnitState& unit, const WorkerState& worker) const;
  // Whether the connected workers whose newest version is `version` span `replication`
  // distinct owners and, once the farm trusts keys and units are replicated, a trusted key.
  bool version_can_finish(const std::string& version, uint32_t replication) const;
  void refresh_versions();
  // Pins `unit`'s frame to the newest version `worker` runs, when it is unpinned.
  Status pin_frame(const UnitState& unit, const WorkerState& worker);
  // A pinned frame none of whose units was accepted or is held by a live replica, and whose
  // version no connected worker runs, is unpinned, so that the next replica pins it anew.
  Status unpin_if_stranded(const UnitState& unit);
  // Whether the frame has an accepted unit or a live replica (its pin then stays).
  bool frame_started(const FrameState& frame) const;
  // "frame 3 is pinned to kernel render-1, which no connected worker runs" for the job's
  // first frame that waits for a version no worker in `connected` runs; empty when none.
  std::string version_wait_reason(const JobState& job,
                                  const std::set<std::string>& connected) const;
  // Whether `worker` should leave `unit` to a connected worker that holds the state it starts
  // from (a run's head, SimRunRow), rather than replay the chunks since the stored state.
  bool leave_to_holder(const UnitState& unit, const WorkerState& worker) const;
  WorkerRecord& record_of(const std::string& key);
  // Applies a reputation event `times` times to `key` and stores the record once; quarantines
  // on a threshold.
  Status trust_event(const std::string& key, TrustEvent event, const std::string& detail = {},
                     uint64_t times = 1);
  // Ends the key's leases and withdraws its pending votes; re-verifies the acceptances that
  // rested on it; a key quarantined for wrong results (`forfeit`) also loses all its credit.
  Status quarantine(const std::string& key, bool forfeit);

  // Trust anchors (trust_anchors.cpp; DESIGN.md "Verification, reputation, credit").
  // An auditor or a key that earned trust (reputation.h), not quarantined.
  bool trusted(const std::string& key) const;
  bool quarantined(const std::string& key) const;
  // The farm has no trusted key yet: agreement of distinct keys earns trust (bootstrap).
  bool bootstrapping() const { return config_.auditors.empty() && earned_trust_ == 0; }
  // Whether accepting `unit` needs a trusted key's vote: the farm has trusted keys and the
  // unit's job asked for verification (replication > 1).
  bool needs_trusted_vote(const UnitState& unit) const;
  // Whether the trust rules let `worker` hold a replica of `unit` (may_hold() aside): an
  // untrusted key never takes the last replica that could bring a unit its trusted vote, and
  // disagreements are settled by auditors when one is connected, else by trusted keys.
  bool trust_allows(const UnitState& unit, const Votes& votes, const WorkerState& worker) const;
  // Whether `worker` may be granted a replica of `unit` now: may_hold() and trust_allows().
  // The rules dispatch() and recall_for_dry_workers() both apply.
  bool may_take(const UnitState& unit, const Votes& votes, const WorkerState& worker) const;
  // Recomputes auditors_connected_ (once per tick()).
  void refresh_connected_auditors();
  // The trust events of an acceptance of `unit` with `hash`; marks each agreeing replica
  // `trusted` as its key is now.
  std::vector<std::pair<std::string, TrustEvent>> acceptance_events(UnitState& unit,
                                                                    const Hash256& hash);

  // Retroactive correction (reverification.cpp).
  // Reopens every accepted unit of a running render job that rested on `key` (no other
  // agreeing replica's key was trusted at acceptance and is still unquarantined); marks those
  // of finished jobs and of simulation runs affected.
  Status reverify_rested_on(const std::string& key);
  Status reopen_unit(UnitState& unit);
  Status mark_affected(UnitState& unit);
  // A job's affected units, frame (run) by frame in the job's order, and those frames.
  std::vector<uint64_t> affected_units(const JobState& job) const;
  std::vector<uint32_t> affected_frames(const JobState& job) const;
  // Reversal entries for every credit `key` holds.
  Status forfeit_credit(const std::string& key);
  // Credit entries of an acceptance of `unit` with `hash`: grants to agreeing replicas not
  // credited yet, reversals for credited replicas whose hash lost.
  Status settle_credit(UnitState& unit, const Hash256& hash, uint64_t credit);
  Status reverse_credit(ReplicaRow& replica);
  Status note_malformed(const std::string& key, const std::string& reason, uint64_t count = 1);
  Status request_missing_bytes(int64_t now_ms, std::vector<Outgoing>* out);
  std::string disagreement_report(const UnitState& unit) const;
  bool may_fetch(const std::string& key, const Hash256& blob);

  // Simulation batches (sim_jobs.cpp): a sim job's frames are its runs; each run's units are
  // the tiles of its current chunk (FrameState::unit_ids), planned when the previous chunk's
  // units are all accepted: stitched into the next state blob, or, for a whole-domain chunk,
  // recorded as the run's head (its workers hold the state it ends at): at once when it needs
  // no bytes (needs_bytes, verified by hash alone), else while it is stitched aside.
  Result<proto::Body> submit_simulation(const proto::SubmitJob& request, JobRow row);
  Status plan_chunk(JobState& job, FrameState& run);
  // Stitches and stores the chunk whose units are all accepted (sim_stitch.h) and records it
  // (record_chunk): at once, or, with work_in_background, on the encoding threads
  // (frame_encoder.h), recorded on a later tick(). A whole-domain chunk that is not the run's
  // last is stitched aside (stitch_aside) while the run goes on from its head, up to
  // kMaxStitchesAside a run: a snapshot every chunk on a fast device otherwise left the device
  // idle while its snapshot was encoded and stored (20-30 ms against 5 of stepping).
  Status complete_chunk(FrameState& run);
  static constexpr uint32_t kMaxStitchesAside = 2;
  // Records the run's head at the end of its current chunk, whose one unit (the whole domain)
  // was accepted, and plans the run's next chunk from it.
  Status go_on_from_head(JobState& job, FrameState& run);
  // Stitches a whole-domain chunk the run has gone on from (its snapshot, its state as the
  // run's next stored state) on an encoding thread, or at once without one, and records it
  // (record_stitch); counted in FrameState::stitches_pending until then.
  Status stitch_aside(uint64_t job_id, uint32_t run, ChunkToStitch chunk);
  // Records a chunk stitched aside: its outputs, and its state as FrameState::stitched_state
  // when newer than what the run has; then the run's end if it waited for this.
  Status record_stitch(uint64_t job_id, uint32_t run, StitchedChunk done);
  // What every stitch of `run` starts from: its stored (or made) state, skeleton and spec.
  ChunkToStitch chunk_from(const JobState& job, const SimRunRow& run,
                           const FrameState& frame) const;
  // Fails the job of `run`: "run NAME at step STEP: WHY".
  Status fail_run(JobState& job, const SimRunRow& run, uint64_t step, const std::string& why);
  // At load: stitches aside again the chunks a run went on from whose snapshots were not
  // recorded before a crash (their bytes are stored: they were taken for the snapshot).
  Status stitch_missing_snapshots(JobState& job, const SimRunRow& run);
  // A run's skeleton kept (unless one is, or kMaxSkeletonBytes would be passed) or dropped;
  // drop_skeletons drops those of every run of an ended job.
  void keep_skeleton(FrameState& run, std::shared_ptr<const sim::TileState> skeleton);
  void drop_skeleton(FrameState& run);
  void drop_skeletons(const JobState& job);
  static constexpr uint64_t kMaxSkeletonBytes = 64ull << 20;
  // Records the stitched chunk of run (job_id, run): its outputs, the run's next state and next
  // chunk, or its end at finished_ms. `assembly`: FrameState::assemblies when it was handed off;
  // a stale one (or one of a job no longer active) is dropped.
  Status record_chunk(uint64_t job_id, uint32_t run, uint32_t assembly, int64_t finished_ms,
                      StitchedChunk done);
  // The files of a run's end, named from the job's folder: forces.csv / probes.csv, summary.json
  // (the run finished at finished_ms) and the ParaView collection (kRunCollectionName).
  Result<std::vector<sim::NamedFile>> run_end_files(const JobState& job, const SimRunRow& run,
                                                    int64_t finished_ms);
  // A run's observables (sim_observables.cpp): gathered from its accepted units' observations,
  // in step order; as forces.csv / probes.csv.
  Result<std::vector<sim::ObservedStep>> gather_observables(const JobState& job, uint32_t run);
  static std::vector<sim::NamedFile> observables_files(const sim::RunSpec& run,
                                                       const std::vector<sim::ObservedStep>& steps);
  // Adds a stored blob to the job's outputs (in the open transaction).
  Status record_output(JobState& job, const proto::OutputFile& file);
  Status load_simulation(StoreSnapshot& snap);
  // Whether a frame (render) or run (simulation) has its outputs.
  bool finished(const FrameState& frame) const;
  // The unit's result floats (render: pixels x 3; simulation: cells x components).
  uint64_t result_floats(const UnitRow& unit) const;
  // What a correct result of the unit must look like apart from its values and hash.
  bool result_shape_ok(const UnitRow& unit, const proto::UnitResult& result) const;
  sim::Box unit_box(const UnitRow& unit) const;
  Status add_sim_grant(const UnitRow& unit, const ReplicaRow& replica, const WorkerState& worker,
                       proto::LeaseGrant& grant);
  // Whether `state` is run `run`'s made initial state (JobState::sim_batch_blob): not a blob.
  bool made_initial(uint64_t job_id, uint32_t run, const Hash256& state) const;
  // The blob of run (job_id, run)'s made initial state, for a worker of another recipe: made,
  // encoded and stored on first need (on the loop: such workers are of an earlier release).
  Result<Hash256> stored_initial(uint64_t job_id, uint32_t run);
  // Whether accepting the unit needs its result bytes: every render unit; a simulation unit
  // of a tiled run, or whose chunk ends at a snapshot, at the end, or sim_copy_every_chunks
  // past the run's stored state (or the newer one being stored: FrameState::stitched_through;
  // else every chunk after a copy took bytes until the copy was recorded).
  bool needs_bytes(const UnitRow& unit) const;
  // The cell updates of a simulation unit (its credit), from the plan.
  uint64_t sim_unit_updates(const UnitRow& unit) const;

  // Rendering to quality (quality_jobs.cpp; refinement.h): a tile's state, its rectangle and
  // its units of every round, in planning order (ascending first sample).
  struct QualityTile {
    QualityTileRow row;
    PlannedUnit rect;
    std::vector<uint64_t> unit_ids;
  };
  using TileKey = std::tuple<uint64_t, uint32_t, uint32_t, uint32_t>;  // job, frame, y0, x0
  // Plans new units of `frame` (stored together, counted, handed to the scheduler at the back
  // of their job's queue in the order given); returns their ids, ascending.
  Result<std::vector<uint64_t>> add_units(JobState& job, FrameState& frame,
                                          std::span<const PlannedUnit> planned);
  // Frames planned as their job's queue needs them (frame_planning.cpp). A frame of a render
  // job at a fixed sample count is planned at submission while the job's queue holds fewer than
  // plan_ahead_units, else deferred (defer_frame); plan_ahead() plans deferred frames, in
  // order, of every job whose queue fell below it, inside the caller's transaction (a crash
  // loses the planning and the acceptances that prompted it together). load() defers every
  // frame that has no units (load_unplanned): such a frame was never planned, as a frame's
  // units are written together.
  // The units of a width x height frame of `job` at its fixed sample count (planner.h
  // plan_frame): what submission checks every frame with and plans the first frames by.
  static Result<std::vector<PlannedUnit>> fixed_plan(const JobRow& job, uint32_t width,
                                                     uint32_t height);
  void defer_frame(JobState& job, uint32_t frame, uint64_t units);
  Status plan_ahead();
  Status load_unplanned();
  // Whether `job`'s queue holds fewer units than plan_ahead_units (at least 1).
  bool queue_runs_low(const JobState& job) const;
  // Whether `frame` of `job` waits to be planned: a render frame without units.
  static bool awaits_planning(const JobState& job, const FrameState& frame);
  // Units not planned yet of all active jobs: they count as waiting in grant caps and recalls.
  uint64_t units_unplanned() const;
  // Records the tiles of a frame just submitted with its first rounds.
  Status add_quality_tiles(JobState& job, FrameState& frame, const std::vector<uint64_t>& units);
  // Called when a unit of a job rendered to quality was accepted: once every unit of its tile
  // is accepted, estimates the tile's error from their verified sums and plans the next round,
  // or marks the tile done. Its writes join the acceptance's transaction.
  Status refine_tile(const UnitState& unit);
  Status refine_tile(QualityTile& tile);
  // The tiles of the store's rows (load()), and decides those a crash left undecided.
  Status load_quality(StoreSnapshot& snap);
  // A job's tiles done and refining, and their planned samples' range (job_statuses()).
  void quality_progress(uint64_t job_id, proto::JobStatus& status) const;

  // Client requests (client_requests.cpp).
  // `client`: the sender's key, which the scheduler shares the workers between.
  Result<proto::Body> on_client_message(const std::string& client, const proto::Body& body);
  // The StatusReply of one job or all (0); ErrorReply kNotFound for a job it does not know.
  proto::Body status_reply(uint64_t job_id) const;
  // Whether the dispatcher knows job `job_id` and it has not ended.
  bool job_active(uint64_t job_id) const;
  // Answers the held status requests whose job ended or whose wait is over (status_waits.h).
  void answer_status_waits(int64_t now_ms, std::vector<Outgoing>* out);
  Result<proto::Body> submit(const proto::SubmitJob& request, const std::string& client);
  Result<proto::Body> cancel(uint64_t job_id);
  // Runs a finished render job again for its affected units only.
  Result<proto::Body> resubmit_affected(uint64_t job_id);
  Result<proto::Body> outputs(uint64_t job_id) const;

  DispatcherConfig config_;
  std::unique_ptr<Store> store_;
  Scheduler scheduler_;
  LeaseTable leases_;
  StatusWaits status_waits_;  // status requests waiting for their job's end
  std::map<std::string, WorkerState> workers_;
  std::map<uint64_t, JobState> jobs_;
  std::unordered_map<uint64_t, UnitState> units_;
  std::map<std::pair<uint64_t, uint32_t>, FrameState> frames_;
  int64_t now_ms_ = 0;  // the clock of the current handle() or tick(): ledger times
  DispatcherStats stats_;
  std::set<uint64_t> planning_;  // jobs with deferred frames (frame_planning.cpp)
  uint64_t units_left_this_tick_ = 0;  // what tick() may still grant (max_units_per_tick)
  // Leases asked back (recall_for_dry_workers), until they end: the worker they were recalled
  // for and when; and the units handed back unstarted, until granted, by unit id.
  struct Recall {
    std::string receiver;  // routing id
    int64_t asked_ms = 0;
  };
  struct Reservation {
    std::string receiver;
    int64_t until_ms = 0;
  };
  std::unordered_map<uint64_t, Recall> recalled_;
  std::unordered_map<uint64_t, Reservation> reserved_;
  bool dispatch_pending_ = false;
  std::unique_ptr<Ledger> ledger_;
  std::map<std::string, WorkerRecord> reputation_;          // by worker key
  size_t earned_trust_ = 0;         // keys in reputation_ that earned trust and are not quarantined
  bool auditors_connected_ = false; // an auditor is connected and eligible (refreshed each tick)
  // The kernel versions eligible connected workers run, and the distinct owners of the workers
  // whose newest version each is (refresh_versions(): each tick and on hello).
  std::set<std::string> versions_connected_;
  std::map<std::string, std::set<std::string>> newest_version_owners_;
  std::set<std::string> trusted_newest_versions_;  // newest versions of trusted workers
  std::set<std::string> changed_records_;  // keys whose record changed since the last commit
  std::unordered_map<uint64_t, uint64_t> unit_of_lease_;    // every replica's lease -> unit
  std::map<std::string, std::set<uint64_t>> leased_units_;  // by worker key: units it holds
  std::map<uint64_t, MissingBytes> missing_bytes_;          // by unit id
  std::map<Hash256, std::set<Hash256>> bundle_blobs_;       // bundle -> its manifest and files
  TrustRng rng_{0};
  std::map<uint64_t, SimJobPlan> sim_plans_;                      // by simulation job
  std::map<std::pair<uint64_t, uint32_t>, SimRunRow> sim_runs_;   // by (job, run)
  // By (job, run): the accepted unit whose result is the run's head; its agreeing replicas'
  // workers hold the head state.
  std::map<std::pair<uint64_t, uint32_t>, uint64_t> head_units_;
  // By (job, run): every unit planned for the run, chunk after chunk (the run's frame holds
  // only its current chunk's), so that gathering a run's observables reads its own units.
  std::map<std::pair<uint64_t, uint32_t>, std::vector<uint64_t>> run_units_;
  uint64_t skeleton_bytes_ = 0;  // of the runs' FrameState::skeleton
  std::map<uint64_t, std::vector<proto::OutputFile>> job_outputs_;  // simulation outputs
  std::map<TileKey, QualityTile> quality_tiles_;  // tiles of jobs rendered to quality
  std::unordered_map<uint64_t, TileKey> tile_of_unit_;  // their units' tiles
  Status deferred_error_;  // a store failure inside record_malformed()
  std::unique_ptr<FrameEncoder> encoder_;  // set when frames are encoded in the background
  // Result bytes this process verified (shape and hash) and stored, by hash: their count (rays,
  // cell updates) and their values, so that accepting them needs no read back and their frame
  // is assembled, or their chunk stitched (a 256^2 run's state read back from SQLite took 7 ms
  // of the loop), from memory (UnitState::values). Entries go when their
  // unit is accepted; the map is emptied when it reaches kMaxFreshResults (disagreeing
  // hashes). Values are kept while they total at most kMaxKeptValueBytes. A failed commit ends
  // the process, so every entry names committed or committing bytes.
  struct FreshResult {
    uint64_t rays = 0;
    std::vector<float> values;
  };
  static constexpr size_t kMaxFreshResults = 1 << 16;
  static constexpr size_t kMaxKeptValueBytes = size_t{256} << 20;
  std::map<Hash256, FreshResult> fresh_results_;
  size_t kept_value_bytes_ = 0;  // in fresh_results_ and UnitState::values
};

// Names of a frame's output files as listed by OutputsReply.
std::string frame_output_name(uint32_t frame, const char* extension);

}  // namespace tf
