// The store's simulation tables: run progress and job output files (Store, see store.h).
#include "dispatcher/store.h"

namespace tf {

Status Store::put_sim_run(const SimRunRow& r) {
  if (Status s = require_transaction("put_sim_run"); !s) return s;
  auto st = statement(
      "INSERT INTO sim_runs(job_id, run, step, state, started_ms, finished_ms, head_step, head)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(job_id, run) DO UPDATE SET"
      " step = excluded.step, state = excluded.state, started_ms = excluded.started_ms,"
      " finished_ms = excluded.finished_ms, head_step = excluded.head_step, head = excluded.head");
  if (!st) return st.status();
  st.value()->bind(1, static_cast<int64_t>(r.job_id))
      .bind(2, r.run)
      .bind(3, static_cast<int64_t>(r.step))
      .bind_blob(4, r.state.bytes.data(), r.state.bytes.size())
      .bind(5, r.started_ms)
      .bind(6, r.finished_ms)
      .bind(7, static_cast<int64_t>(r.head_step));
  if (r.head) {
    st.value()->bind_blob(8, r.head->bytes.data(), r.head->bytes.size());
  } else {
    st.value()->bind_blob(8, nullptr, 0);  // NULL
  }
  return st.value()->run_batched();
}

Status Store::insert_job_output(const JobOutputRow& o) {
  if (Status s = require_transaction("insert_job_output"); !s) return s;
  // A snapshot rewritten after a crash has the same name and the same bytes.
  auto st = statement(
      "INSERT INTO job_outputs(job_id, name, hash, size) VALUES (?, ?, ?, ?)"
      " ON CONFLICT(job_id, name) DO UPDATE SET hash = excluded.hash, size = excluded.size");
  if (!st) return st.status();
  st.value()->bind(1, static_cast<int64_t>(o.job_id))
      .bind(2, o.name)
      .bind_blob(3, o.hash.bytes.data(), o.hash.bytes.size())
      .bind(4, static_cast<int64_t>(o.size));
  return st.value()->run_batched();
}

Status Store::load_simulation(StoreSnapshot& snap) {
  auto runs = db_->prepare(
      "SELECT job_id, run, step, state, started_ms, finished_ms, head_step, head FROM sim_runs"
      " ORDER BY job_id, run");
  if (!runs) return runs.status();
  for (;;) {
    Result<bool> row = runs->step();
    if (!row) return row.status();
    if (!row.value()) break;
    SimRunRow r;
    r.job_id = static_cast<uint64_t>(runs->column_int(0));
    r.run = static_cast<uint32_t>(runs->column_int(1));
    r.step = static_cast<uint64_t>(runs->column_int(2));
    r.state = optional_hash(runs.value(), 3).value_or(Hash256{});
    r.started_ms = runs->column_int(4);
    r.finished_ms = runs->column_int(5);
    r.head_step = static_cast<uint64_t>(runs->column_int(6));
    r.head = optional_hash(runs.value(), 7);
    snap.sim_runs.push_back(r);
  }
  auto outputs = db_->prepare(
      "SELECT job_id, name, hash, size FROM job_outputs ORDER BY job_id, name");
  if (!outputs) return outputs.status();
  for (;;) {
    Result<bool> row = outputs->step();
    if (!row) return row.status();
    if (!row.value()) break;
    snap.outputs.push_back({static_cast<uint64_t>(outputs->column_int(0)),
                            outputs->column_text(1),
                            optional_hash(outputs.value(), 2).value_or(Hash256{}),
                            static_cast<uint64_t>(outputs->column_int(3))});
  }
  return Status::ok();
}

}  // namespace tf
