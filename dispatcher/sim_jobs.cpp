// Simulation batches in the farm (DispatcherCore, see dispatcher_core.h and sim_plan.h).
//
// Durability: a chunk's stitched state, its snapshot files and the run's summary are blobs
// written before the rows that name them commit; the run's step (or head), the next chunk's
// units and the output rows change in the transaction of the acceptance that completed the
// chunk. A restart therefore resumes every run at its last accepted chunk: its stitched state,
// or its head, which the workers that ran that chunk still hold (any other replays to it); a
// chunk whose last unit was accepted just before a crash is stitched again at load (same
// bytes, same names). A chunk stitched on the encoding threads (work_in_background) is recorded
// in a later transaction; until then the run is unfinished in the store, so a crash in between
// stitches it again at load too: the run's current chunk, or, for a whole-domain chunk the run
// went on from (stitch_aside), any snapshot of the run's past chunks missing from the outputs,
// from the chunk's stored result bytes (taken because of the snapshot). Such a chunk's stored
// state becomes the run's when the run's next chunk is planned; lost in a crash, the run keeps
// its older state and replays a little more.
#include <algorithm>
#include <cstdio>
#include <set>
#include <span>

#include <nlohmann/json.hpp>

#include "dispatcher/dispatcher_core.h"
#include "formats/sim/initial_state.h"
#include "formats/sim/observables_output.h"
#include "formats/sim/sim_unit.h"
#include "formats/sim/vtk_output.h"

namespace tf {
namespace {

proto::Body refuse(const std::string& why) {
  return proto::ErrorReply{proto::ErrorCode::kBadRequest, "job refused: " + why};
}

std::string step_folder(uint64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step_%09llu", static_cast<unsigned long long>(step));
  return name;
}

}  // namespace

Result<proto::Body> DispatcherCore::submit_simulation(const proto::SubmitJob& request,
                                                      JobRow row) {
  const std::string source = request.sim_source.empty() ? "batch" : request.sim_source;
  // Mask images are read from copies named like the original (image readers go by extension).
  const std::filesystem::path masks = store_->blobs().temp_dir() / "masks";
  const sim::MaskLocator locate = [&](const std::string& name) -> Result<std::filesystem::path> {
    for (const proto::NamedBlob& f : request.sim_files) {
      if (f.name != name) continue;
      if (!store_->blobs().contains(f.hash)) return Error{"it was not uploaded"};
      std::error_code ec;
      std::filesystem::create_directories(masks, ec);
      const std::filesystem::path copy =
          masks / ("mask" + std::filesystem::path(name).extension().string());
      if (Status s = store_->blobs().copy_to_file(f.hash, copy); !s) {
        return Error{"cannot copy it: " + s.message()};
      }
      return copy;
    }
    return Error{"the submission does not carry it"};
  };
  Result<SimJobPlan> plan =
      plan_sim_job(request.sim_batch, source, request.sim_tile, request.sim_chunk_steps, locate);
  std::error_code ec;
  std::filesystem::remove_all(masks, ec);
  if (!plan) return refuse(plan.message());
  // Every run's initial state is a blob before any row names it, or, where workers make them
  // (formats/sim/initial_state.h), the batch's text is: the runs' skeletons are made here
  // instead, which checks what making the states would; a refused job leaves only
  // unreferenced blobs.
  const bool made = sim::makes_initial_states(plan->batch);
  std::vector<std::vector<uint8_t>> encoded;
  std::vector<std::shared_ptr<const sim::TileState>> skeletons;
  for (const sim::RunSpec& run : plan->runs) {
    Result<sim::TileState> state =
        made ? sim::make_run_skeleton(run) : sim::make_initial_state(run);
    if (!state) return refuse("run " + run.name + ": " + state.message());
    if (made) {
      if (Status s = sim::check_state_size(state.value()); !s) {
        return refuse("run " + run.name + ": " + s.message());
      }
    } else {
      Result<std::vector<uint8_t>> bytes = sim::encode_state(state.value());
      if (!bytes) return refuse("run " + run.name + ": " + bytes.message());
      encoded.push_back(std::move(bytes.value()));
      state.value().fields = {};
    }
    if (plan->tiles.size() == 1) {
      skeletons.push_back(std::make_shared<const sim::TileState>(std::move(state.value())));
    }
  }
  if (made) {
    encoded.emplace_back(request.sim_batch.begin(), request.sim_batch.end());
  }
  const std::vector<std::span<const uint8_t>> blobs(encoded.begin(), encoded.end());
  Result<std::vector<Hash256>> stored = store_->blobs().put_all(blobs);
  if (!stored) {
    return proto::Body(proto::ErrorReply{proto::ErrorCode::kInternal,
                                         "cannot store the initial states: " + stored.message()});
  }
  // The runs' initial states: the stored blobs, or the names of the states made from the batch.
  std::optional<Hash256> batch_blob;
  std::vector<Hash256> initial;
  if (made) {
    batch_blob = stored.value().back();
    for (uint32_t i = 0; i < plan->runs.size(); ++i) {
      initial.push_back(sim::initial_state_name(*batch_blob, i));
    }
  } else {
    initial = std::move(stored.value());
  }
  if (Status s = store_->begin(); !s) return Error{s.message()};
  if (row.name.empty()) row.name = plan->batch.name;
  row.sim_batch = request.sim_batch;
  row.sim_source = source;
  row.sim_chunk_steps = plan->chunk_steps;
  row.sim_tile = plan->tile_side;
  row.result_hash = proto::ResultHashScheme::kTree;
  Result<uint64_t> job_id = store_->insert_job(row);
  if (!job_id) return Error{job_id.message()};
  row.id = job_id.value();
  JobState& job = jobs_[row.id];
  job.row = row;
  job.sim_batch_blob = batch_blob;
  job.units_total = plan->units_per_run * plan->runs.size();
  scheduler_.add_job(row.id, row.priority, row.client);
  const SimJobPlan& planned = sim_plans_.emplace(row.id, std::move(plan.value())).first->second;
  for (uint32_t i = 0; i < planned.runs.size(); ++i) {
    const sim::Extent& grid = planned.batch.grid;
    FrameRow frame_row{row.id, i, planned.runs[i].name, static_cast<uint32_t>(grid.nx),
                       static_cast<uint32_t>(grid.ny), {}, {}, {}};
    if (Status s = store_->insert_frame(frame_row); !s) return Error{s.message()};
    FrameState& frame = frames_[{row.id, i}];
    frame.row = frame_row;
    if (i < skeletons.size()) keep_skeleton(frame, skeletons[i]);
    job.frames.push_back(i);
    SimRunRow& run = sim_runs_[{row.id, i}] =
        SimRunRow{row.id, i, 0, initial[i], 0, 0, 0, {}};
    if (Status s = store_->put_sim_run(run); !s) return Error{s.message()};
    if (Status s = plan_chunk(job, frame); !s) return Error{s.message()};
  }
  return proto::Body(proto::SubmitReply{row.id});
}

Status DispatcherCore::plan_chunk(JobState& job, FrameState& frame) {
  const SimJobPlan& plan = sim_plans_.at(job.row.id);
  SimRunRow& run = sim_runs_.at({job.row.id, frame.row.frame});
  if (frame.stitched_state) {
    if (frame.stitched_state->first > run.step) {
      run.step = frame.stitched_state->first;
      run.state = frame.stitched_state->second;
      if (Status s = store_->put_sim_run(run); !s) return s;
    }
    frame.stitched_state.reset();
  }
  const uint64_t start = run.chunk_start();
  const uint64_t end = plan.chunk_end(start);
  frame.unit_ids.clear();
  for (const sim::Box& box : plan.tiles) {
    UnitRow u;
    u.job_id = job.row.id;
    u.frame = frame.row.frame;
    u.x0 = static_cast<uint32_t>(box.x0);
    u.y0 = static_cast<uint32_t>(box.y0);
    u.z0 = static_cast<uint32_t>(box.z0);
    u.x1 = static_cast<uint32_t>(box.x0 + box.size.nx);
    u.y1 = static_cast<uint32_t>(box.y0 + box.size.ny);
    u.z1 = static_cast<uint32_t>(box.z0 + box.size.nz);
    u.s0 = static_cast<uint32_t>(start);
    u.s1 = static_cast<uint32_t>(end);
    u.replication = job.row.replication;
    u.quorum = job.row.quorum;
    u.input = run.state;
    Result<uint64_t> id = store_->insert_unit(u);
    if (!id) return id.status();
    u.id = id.value();
    UnitState& unit = units_[u.id];
    unit.row = u;
    frame.unit_ids.push_back(u.id);
    run_units_[{job.row.id, frame.row.frame}].push_back(u.id);
    ++frame.remaining;
    if (Status s = settle(unit, false); !s) return s;
  }
  return Status::ok();
}

Status DispatcherCore::complete_chunk(FrameState& frame) {
  JobState& job = jobs_[frame.row.job_id];
  const SimJobPlan& plan = sim_plans_.at(job.row.id);
  SimRunRow& run = sim_runs_.at({job.row.id, frame.row.frame});
  const sim::RunSpec& spec = plan.runs.at(frame.row.frame);
  const bool whole_domain = frame.unit_ids.size() == 1;
  // A whole-domain chunk verified by hash alone: its workers hold the state it ends at.
  if (whole_domain && !needs_bytes(units_.at(frame.unit_ids[0]).row)) {
    ++stats_.chunks_by_hash;
    return go_on_from_head(job, frame);
  }
  // Stored bytes that do not read back are damage on this machine: the run cannot go on.
  auto broken = [&](const std::string& why) { return fail_run(job, run, run.step, why); };
  ChunkToStitch chunk = chunk_from(job, run, frame);
  chunk.end = run.step;
  for (uint64_t id : frame.unit_ids) {
    UnitState& unit = units_.at(id);
    Result<std::vector<float>> values = accepted_values(unit, true);
    if (!values) return broken("unit " + std::to_string(id) + ": " + values.message());
    chunk.parts.push_back({id, unit_box(unit.row), std::move(values.value())});
    chunk.end = unit.row.s1;
  }
  if (plan.is_snapshot(chunk.end)) {
    chunk.snapshot_prefix = run_folder_name(spec.name) + "/" + step_folder(chunk.end) + "/";
  }
  const bool last = chunk.end >= static_cast<uint64_t>(plan.batch.steps);
  chunk.last = last;
  if (whole_domain && !last && encoder_ && frame.stitches_pending < kMaxStitchesAside) {
    if (Status s = stitch_aside(job.row.id, frame.row.frame, std::move(chunk)); !s) return s;
    return go_on_from_head(job, frame);
  }
  const int64_t finished_ms = last ? std::max<int64_t>(now_ms_, run.started_ms + 1) : 0;
  if (last) {
    Result<std::vector<sim::NamedFile>> files = run_end_files(job, run, finished_ms);
    if (!files) return broken("its outputs: " + files.message());
    chunk.files = std::move(files.value());
  }
  const uint32_t assembly = ++frame.assemblies;
  if (!encoder_) {
    return record_chunk(job.row.id, frame.row.frame, assembly, finished_ms,
                        stitch_chunk(store_->blobs(), std::move(chunk)));
  }
  // On the encoding thread: the loop goes on serving other runs and jobs meanwhile, and this
  // run's next chunk is planned when the stitch is recorded. A crash before that leaves the
  // chunk to stitch again at load (same bytes).
  encoder_->submit_work([this, job_id = job.row.id, r = frame.row.frame, assembly, finished_ms,
                         chunk = std::move(chunk)](BlobStore& blobs) mutable {
    return FrameEncoder::LoopWork(
        [this, job_id, r, assembly, finished_ms, done = stitch_chunk(blobs, std::move(chunk))] {
          return record_chunk(job_id, r, assembly, finished_ms, done);
        });
  });
  return Status::ok();
}

ChunkToStitch DispatcherCore::chunk_from(const JobState& job, const SimRunRow& run,
                                         const FrameState& frame) const {
  ChunkToStitch chunk;
  chunk.state = run.state;
  chunk.made_initial = made_initial(job.row.id, run.run, run.state);
  chunk.skeleton = frame.skeleton;
  chunk.run = sim_plans_.at(job.row.id).runs.at(run.run);
  return chunk;
}

Status DispatcherCore::fail_run(JobState& job, const SimRunRow& run, uint64_t step,
                                const std::string& why) {
  return fail_job(job, "run " + sim_plans_.at(job.row.id).runs.at(run.run).name + " at step " +
                           std::to_string(step) + ": " + why);
}

Status DispatcherCore::go_on_from_head(JobState& job, FrameState& frame) {
  const UnitRow& u = units_.at(frame.unit_ids[0]).row;
  SimRunRow& run = sim_runs_.at({job.row.id, frame.row.frame});
  run.head_step = u.s1;
  run.head = u.result;
  head_units_[{job.row.id, frame.row.frame}] = u.id;
  if (Status s = store_->begin(); !s) return s;
  if (Status s = store_->put_sim_run(run); !s) return s;
  return plan_chunk(job, frame);
}

Status DispatcherCore::stitch_aside(uint64_t job_id, uint32_t r, ChunkToStitch chunk) {
  FrameState& frame = frames_.at({job_id, r});
  ++frame.stitches_pending;
  frame.stitched_through = std::max(frame.stitched_through, chunk.end);
  if (!encoder_) return record_stitch(job_id, r, stitch_chunk(store_->blobs(), std::move(chunk)));
  // Recorded on a later tick, which looks the run up again (its job may have ended).
  encoder_->submit_work([this, job_id, r, chunk = std::move(chunk)](BlobStore& blobs) mutable {
    return FrameEncoder::LoopWork(
        [this, job_id, r, done = stitch_chunk(blobs, std::move(chunk))] {
          return record_stitch(job_id, r, done);
        });
  });
  return Status::ok();
}

Status DispatcherCore::record_stitch(uint64_t job_id, uint32_t r, StitchedChunk done) {
  auto job_found = jobs_.find(job_id);
  auto frame_found = frames_.find({job_id, r});
  if (job_found == jobs_.end() || frame_found == frames_.end()) return Status::ok();
  JobState& job = job_found->second;
  FrameState& frame = frame_found->second;
  if (frame.stitches_pending > 0) --frame.stitches_pending;
  if (!job.active()) return Status::ok();
  const SimRunRow& run = sim_runs_.at({job_id, r});
  if (!done.broken.empty()) return fail_run(job, run, done.end, done.broken);
  if (!done.stored) return done.stored;
  if (done.skeleton) keep_skeleton(frame, std::move(done.skeleton));
  if (Status s = store_->begin(); !s) return s;
  for (const proto::OutputFile& file : done.outputs) {
    if (Status s = record_output(job, file); !s) return s;
  }
  if (done.next_state && done.end > run.step &&
      (!frame.stitched_state || done.end > frame.stitched_state->first)) {
    frame.stitched_state.emplace(done.end, *done.next_state);
  }
  ++stats_.chunks_completed;
  if (frame.stitches_pending > 0 || !frame.end_waiting) return Status::ok();
  const std::function<Status()> end = std::exchange(frame.end_waiting, nullptr);
  return end();
}

Status DispatcherCore::record_chunk(uint64_t job_id, uint32_t r, uint32_t assembly,
                                    int64_t finished_ms, StitchedChunk done) {
  auto job_found = jobs_.find(job_id);
  auto frame_found = frames_.find({job_id, r});
  if (job_found == jobs_.end() || frame_found == frames_.end()) return Status::ok();
  JobState& job = job_found->second;
  FrameState& frame = frame_found->second;
  if (!job.active() || frame.assemblies != assembly || finished(frame)) return Status::ok();
  SimRunRow& run = sim_runs_.at({job_id, r});
  if (!done.broken.empty()) return fail_run(job, run, run.step, done.broken);
  if (!done.stored) return done.stored;
  const bool last = done.end >= static_cast<uint64_t>(sim_plans_.at(job_id).batch.steps);
  if (last && frame.stitches_pending > 0) {
    frame.end_waiting = [this, job_id, r, assembly, finished_ms, done] {
      return record_chunk(job_id, r, assembly, finished_ms, done);
    };
    return Status::ok();
  }
  if (done.skeleton && !last) keep_skeleton(frame, std::move(done.skeleton));
  if (Status s = store_->begin(); !s) return s;
  for (const proto::OutputFile& file : done.outputs) {
    if (Status s = record_output(job, file); !s) return s;
  }
  if (done.next_state) {
    run.step = done.end;
    run.state = *done.next_state;
  }
  run.head_step = done.end;
  run.head.reset();
  head_units_.erase({job_id, r});
  ++stats_.chunks_completed;
  if (!last) {
    if (Status s = store_->put_sim_run(run); !s) return s;
    return plan_chunk(job, frame);
  }
  run.finished_ms = finished_ms;
  drop_skeleton(frame);
  frame.unit_ids.clear();
  if (Status s = store_->put_sim_run(run); !s) return s;
  return frame_finished(job);
}

Result<std::vector<sim::NamedFile>> DispatcherCore::run_end_files(const JobState& job,
                                                                  const SimRunRow& run,
                                                                  int64_t finished_ms) {
  const SimJobPlan& plan = sim_plans_.at(job.row.id);
  const sim::RunSpec& spec = plan.runs.at(run.run);
  const sim::BatchSpec& b = plan.batch;
  Result<std::vector<sim::ObservedStep>> observed = gather_observables(job, run.run);
  if (!observed) return Error{"its observables: " + observed.message()};
  std::vector<sim::NamedFile> files = observables_files(spec, observed.value());
  const std::string folder = run_folder_name(spec.name) + "/";
  const double seconds = static_cast<double>(finished_ms - run.started_ms) / 1000.0;
  const auto updates = static_cast<uint64_t>(b.grid.cell_count()) * static_cast<uint64_t>(b.steps);
  nlohmann::json summary = {
      {"run", spec.name},
      {"model", std::string(sim::model_name(b.model))},
      {"grid", {b.grid.nx, b.grid.ny, b.grid.nz}},
      {"steps", b.steps},
      {"lattice_updates", updates},
      {"wall_seconds", seconds},
      {"mlups", seconds > 0 ? static_cast<double>(updates) / seconds / 1e6 : 0.0},
      {"chunk_steps", plan.chunk_steps},
      {"tiles", plan.tiles.size()},
      {"units", plan.units_per_run}};
  for (const sim::ForceSummary& f : sim::force_summaries(spec, observed.value())) {
    summary["forces"][f.obstacle] = {
        {"mean_cd", f.mean_cd}, {"mean_cl", f.mean_cl}, {"rms_cl", f.rms_cl},
        {"strouhal", f.strouhal ? nlohmann::json(*f.strouhal) : nlohmann::json(nullptr)}};
  }
  files.push_back(sim::text_file(folder + "summary.json", summary.dump(2) + "\n"));
  std::vector<sim::CollectionEntry> entries;
  for (uint64_t step : plan.snapshot_steps()) {
    entries.push_back(
        {static_cast<long long>(step), step_folder(step) + "/" + sim::kSnapshotVtiName});
  }
  Result<std::string> collection = sim::pvd_document(entries);
  if (!collection) return Error{collection.message()};
  files.push_back(sim::text_file(folder + kRunCollectionName, collection.value()));
  return files;
}

Status DispatcherCore::record_output(JobState& job, const proto::OutputFile& file) {
  if (Status s = store_->begin(); !s) return s;
  if (Status s = store_->insert_job_output({job.row.id, file.name, file.hash, file.size}); !s) {
    return s;
  }
  std::vector<proto::OutputFile>& files = job_outputs_[job.row.id];
  auto same = std::find_if(files.begin(), files.end(),
                           [&](const proto::OutputFile& f) { return f.name == file.name; });
  if (same != files.end()) files.erase(same);
  files.push_back(file);
  return Status::ok();
}

Status DispatcherCore::load_simulation(StoreSnapshot& snap) {
  for (const JobOutputRow& o : snap.outputs) {
    job_outputs_[o.job_id].push_back({o.name, o.hash, o.size, {}});
  }
  for (const SimRunRow& run : snap.sim_runs) sim_runs_[{run.job_id, run.run}] = run;
  for (auto& [id, job] : jobs_) {
    if (!job.row.is_simulation()) continue;
    Result<SimJobPlan> plan = plan_sim_job(job.row.sim_batch, job.row.sim_source, job.row.sim_tile,
                                           job.row.sim_chunk_steps);
    if (!plan) {
      if (!job.active()) continue;
      if (Status s = fail_job(job, "its batch no longer plans: " + plan.message()); !s) return s;
      continue;
    }
    job.units_total = plan->units_per_run * plan->runs.size();
    // A job of an earlier release stored its initial states: its runs' names never match.
    if (sim::makes_initial_states(plan->batch)) job.sim_batch_blob = blake2b_256(job.row.sim_batch);
    for (uint32_t r = 0; r < plan->runs.size(); ++r) {
      auto run = sim_runs_.find({id, r});
      auto frame = frames_.find({id, r});
      if (run == sim_runs_.end() || frame == frames_.end()) continue;
      if (run->second.finished_ms != 0) ++job.frames_done;
      // Only the current chunk's units belong to the run now; earlier ones are history.
      const SimRunRow& row = run->second;
      std::vector<uint64_t>& ids = frame->second.unit_ids;
      for (uint64_t u : ids) {
        const UnitRow& unit = units_[u].row;
        if (row.head && unit.s1 == row.head_step && unit.result == row.head) head_units_[{id, r}] = u;
      }
      ids.erase(std::remove_if(ids.begin(), ids.end(),
                               [&](uint64_t u) { return units_[u].row.s0 != row.chunk_start(); }),
                ids.end());
      if (run->second.finished_ms != 0) ids.clear();
    }
    const SimJobPlan& planned = sim_plans_.emplace(id, std::move(plan.value())).first->second;
    for (uint32_t r = 0; job.active() && r < planned.runs.size(); ++r) {
      auto run = sim_runs_.find({id, r});
      if (run == sim_runs_.end() || frames_.count({id, r}) == 0) continue;
      if (Status s = stitch_missing_snapshots(job, run->second); !s) return s;
    }
  }
  return Status::ok();
}

Status DispatcherCore::stitch_missing_snapshots(JobState& job, const SimRunRow& run) {
  const SimJobPlan& plan = sim_plans_.at(job.row.id);
  if (plan.tiles.size() != 1 || run.finished_ms != 0) return Status::ok();
  const sim::RunSpec& spec = plan.runs.at(run.run);
  // The job's recorded names, looked up once per snapshot chunk (a long run has thousands).
  std::set<std::string> recorded;
  for (const proto::OutputFile& f : job_outputs_[job.row.id]) recorded.insert(f.name);
  for (uint64_t id : run_units_[{job.row.id, run.run}]) {
    UnitState& unit = units_.at(id);
    const UnitRow& u = unit.row;
    // Chunks the run went on from (not its current one) that end at a snapshot step.
    if (!u.result || u.s1 > run.chunk_start() || !plan.is_snapshot(u.s1)) continue;
    const std::string prefix = run_folder_name(spec.name) + "/" + step_folder(u.s1) + "/";
    if (recorded.count(prefix + sim::kSnapshotVtiName) != 0) continue;
    Result<std::vector<float>> values = accepted_values(unit, false);
    if (!values) {
      return fail_run(job, run, u.s1, "unit " + std::to_string(id) + ": " + values.message());
    }
    ChunkToStitch chunk = chunk_from(job, run, frames_.at({job.row.id, run.run}));
    chunk.parts.push_back({id, unit_box(u), std::move(values.value())});
    chunk.end = u.s1;
    chunk.snapshot_prefix = prefix;
    if (Status s = stitch_aside(job.row.id, run.run, std::move(chunk)); !s) return s;
  }
  return Status::ok();
}

void DispatcherCore::keep_skeleton(FrameState& frame,
                                   std::shared_ptr<const sim::TileState> skeleton) {
  const uint64_t bytes = skeleton->cell_types.size() + skeleton->obstacle_ids.size();
  if (frame.skeleton || skeleton_bytes_ + bytes > kMaxSkeletonBytes) return;
  skeleton_bytes_ += bytes;
  frame.skeleton = std::move(skeleton);
}

void DispatcherCore::drop_skeleton(FrameState& frame) {
  if (!frame.skeleton) return;
  skeleton_bytes_ -= frame.skeleton->cell_types.size() + frame.skeleton->obstacle_ids.size();
  frame.skeleton.reset();
}

void DispatcherCore::drop_skeletons(const JobState& job) {
  for (uint32_t r : job.frames) {
    auto frame = frames_.find({job.row.id, r});
    if (frame != frames_.end()) drop_skeleton(frame->second);
  }
}

bool DispatcherCore::finished(const FrameState& frame) const {
  auto run = sim_runs_.find({frame.row.job_id, frame.row.frame});
  if (run != sim_runs_.end()) return run->second.finished_ms != 0;
  return frame.row.exr.has_value();
}

sim::Box DispatcherCore::unit_box(const UnitRow& u) const {
  return {static_cast<int>(u.x0), static_cast<int>(u.y0), static_cast<int>(u.z0),
          {static_cast<int>(u.x1 - u.x0), static_cast<int>(u.y1 - u.y0),
           static_cast<int>(u.z1 - u.z0)}};
}

uint64_t DispatcherCore::result_floats(const UnitRow& u) const {
  auto plan = sim_plans_.find(u.job_id);
  if (plan == sim_plans_.end()) return uint64_t{u.x1 - u.x0} * (u.y1 - u.y0) * 3;
  return sim::unit_output_floats(plan->second.batch.model, unit_box(u));
}

bool DispatcherCore::result_shape_ok(const UnitRow& u, const proto::UnitResult& result) const {
  const uint64_t values = uint64_t{result.width} * result.height * (result.simulation ? 1 : 3);
  if (!result.rgb.empty() && result.rgb.size() != values) return false;
  auto plan = sim_plans_.find(u.job_id);
  if (plan == sim_plans_.end()) {
    return !result.simulation && result.width == u.x1 - u.x0 && result.height == u.y1 - u.y0 &&
           result.observations.empty();
  }
  const sim::Model model = plan->second.batch.model;
  const sim::ObservationPlan& observed = plan->second.observation;
  const size_t observation_bytes = sim::sample_steps(observed, u.s0, u.s1 - u.s0).size() *
                                   sim::sample_bytes(observed, model, unit_box(u));
  return result.simulation && result.width == unit_box(u).size.cell_count() &&
         result.height == static_cast<uint32_t>(sim::component_count(model)) &&
         result.rays == sim_unit_updates(u) && result.observations.size() == observation_bytes;
}

std::string DispatcherCore::unit_description(const UnitRow& u) const {
  auto range = [](uint32_t a, uint32_t b) {
    return "[" + std::to_string(a) + "," + std::to_string(b) + ")";
  };
  auto plan = sim_plans_.find(u.job_id);
  if (plan == sim_plans_.end()) {
    return "frame " + std::to_string(u.frame) + ", pixels " + range(u.x0, u.x1) + "x" +
           range(u.y0, u.y1);
  }
  return "run " + plan->second.runs.at(u.frame).name + ", steps " + range(u.s0, u.s1) +
         ", cells " + range(u.x0, u.x1) + "x" + range(u.y0, u.y1) + "x" + range(u.z0, u.z1);
}

bool DispatcherCore::needs_bytes(const UnitRow& u) const {
  auto plan = sim_plans_.find(u.job_id);
  if (plan == sim_plans_.end()) return true;  // a render unit: one lookup on its hot path
  const SimJobPlan& p = plan->second;
  if (p.tiles.size() > 1 || p.is_snapshot(u.s1)) return true;
  auto run = sim_runs_.find({u.job_id, u.frame});
  auto frame = frames_.find({u.job_id, u.frame});
  if (run == sim_runs_.end() || frame == frames_.end()) return true;
  const uint64_t copy_span = uint64_t{std::max(config_.sim_copy_every_chunks, 1u)} * p.chunk_steps;
  return u.s1 >= std::max(run->second.step, frame->second.stitched_through) + copy_span;
}

uint64_t DispatcherCore::sim_unit_updates(const UnitRow& u) const {
  const sim::BatchSpec& b = sim_plans_.at(u.job_id).batch;
  return sim::unit_cell_updates(b.model, b.grid, unit_box(u), static_cast<int>(u.s1 - u.s0));
}

bool DispatcherCore::leave_to_holder(const UnitState& unit, const WorkerState& worker) const {
  const UnitRow& u = unit.row;
  auto run = sim_runs_.find({u.job_id, u.frame});
  auto head = head_units_.find({u.job_id, u.frame});
  if (run == sim_runs_.end() || head == head_units_.end() || u.s0 == run->second.step) {
    return false;
  }
  auto holder_unit = units_.find(head->second);
  if (holder_unit == units_.end()) return false;
  std::set<std::string> holders;
  for (const ReplicaRow& r : holder_unit->second.replicas) {
    if (r.state == ReplicaState::kAgreed) holders.insert(r.worker_key);
  }
  if (holders.count(worker.key) != 0) return false;
  return std::any_of(workers_.begin(), workers_.end(), [&](const auto& entry) {
    const WorkerState& other = entry.second;
    return eligible(other) && holders.count(other.key) != 0 && may_hold(unit, other);
  });
}

bool DispatcherCore::made_initial(uint64_t job_id, uint32_t run, const Hash256& state) const {
  auto job = jobs_.find(job_id);
  return job != jobs_.end() && job->second.sim_batch_blob &&
         state == sim::initial_state_name(*job->second.sim_batch_blob, run);
}

Result<Hash256> DispatcherCore::stored_initial(uint64_t job_id, uint32_t run) {
  FrameState& frame = frames_.at({job_id, run});
  if (frame.stored_initial) return *frame.stored_initial;
  Result<sim::TileState> state = sim::make_initial_state(sim_plans_.at(job_id).runs.at(run));
  if (!state) return Error{state.message()};
  Result<std::vector<uint8_t>> bytes = sim::encode_state(state.value());
  if (!bytes) return Error{bytes.message()};
  Result<Hash256> stored = store_->blobs().put(bytes.value());
  if (stored) frame.stored_initial = stored.value();
  return stored;
}

Status DispatcherCore::add_sim_grant(const UnitRow& u, const ReplicaRow& replica,
                                     const WorkerState& worker, proto::LeaseGrant& grant) {
  SimRunRow& run = sim_runs_.at({u.job_id, u.frame});
  // The unit starts at its run's stored state or, past it, at the run's head (add the replay).
  const uint64_t replay = u.s0 - run.step;
  const SimJobPlan& plan = sim_plans_.at(u.job_id);
  const bool next_from_output =
      plan.tiles.size() == 1 && u.s1 < static_cast<uint64_t>(plan.batch.steps);
  const uint64_t next_end = next_from_output ? plan.chunk_end(u.s1) : u.s1;
  // The chunk after the next one, for a worker that computes two ahead (0 when the next chunk
  // ends the run: chunk_end of the last step is that step).
  const uint64_t after_next = next_from_output ? plan.chunk_end(next_end) - next_end : 0;
  grant.sim_units.push_back({replica.lease_id, u.id, u.job_id, *u.input, u.frame, run.step,
                             u.s1 - u.s0, u.x0, u.y0, u.z0, u.x1, u.y1, u.z1, replica.replica,
                             config_.lease_seconds, replica.upload,
                             replay > 0 ? run.head : std::nullopt, static_cast<uint32_t>(replay),
                             static_cast<uint32_t>(next_end - u.s1), !needs_bytes(u),
                             static_cast<uint32_t>(after_next),
                             result_scheme(u), std::nullopt});
  if (made_initial(u.job_id, u.frame, *u.input)) {
    proto::SimUnitSpec& spec = grant.sim_units.back();
    if (worker.makes_initial_states) {
      spec.batch = jobs_.at(u.job_id).sim_batch_blob;
    } else {
      Result<Hash256> stored = stored_initial(u.job_id, u.frame);
      if (!stored) return Error{"the initial state of " + unit_description(u) + ": " +
                                stored.message()};
      spec.state = stored.value();
    }
  }
  if (run.started_ms != 0) return Status::ok();
  run.started_ms = now_ms_;
  return store_->put_sim_run(run);  // inside grant_replica's transaction
}

}  // namespace tf
