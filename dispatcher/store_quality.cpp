// The store's table of tiles rendered to quality (Store, see store.h; dispatcher/refinement.h).
#include "dispatcher/store.h"

namespace tf {

Status Store::put_quality_tile(const QualityTileRow& t) {
  if (Status s = require_transaction("put_quality_tile"); !s) return s;
  auto st = statement(
      "INSERT INTO quality_tiles(job_id, frame, x0, y0, spp, done) VALUES (?, ?, ?, ?, ?, ?)"
      " ON CONFLICT(job_id, frame, x0, y0) DO UPDATE SET spp = excluded.spp,"
      " done = excluded.done");
  if (!st) return st.status();
  st.value()
      ->bind(1, static_cast<int64_t>(t.job_id))
      .bind(2, t.frame)
      .bind(3, t.x0)
      .bind(4, t.y0)
      .bind(5, t.spp)
      .bind(6, t.done ? 1 : 0);
  return st.value()->run_batched();
}

Status Store::load_quality(StoreSnapshot& snap) {
  auto tiles = db_->prepare(
      "SELECT job_id, frame, x0, y0, spp, done FROM quality_tiles ORDER BY job_id, frame, y0, x0");
  if (!tiles) return tiles.status();
  for (;;) {
    Result<bool> row = tiles->step();
    if (!row) return row.status();
    if (!row.value()) break;
    snap.quality_tiles.push_back(
        {static_cast<uint64_t>(tiles->column_int(0)), static_cast<uint32_t>(tiles->column_int(1)),
         static_cast<uint32_t>(tiles->column_int(2)), static_cast<uint32_t>(tiles->column_int(3)),
         static_cast<uint32_t>(tiles->column_int(4)), tiles->column_int(5) != 0});
  }
  return Status::ok();
}

}  // namespace tf
