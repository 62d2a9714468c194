#include "dispatcher/sql_db.h"

namespace tf {

Status SqlStatement::run() {
  for (;;) {
    Result<bool> row = step();
    if (!row) return row.status();
    if (!row.value()) break;
  }
  reset();
  return Status::ok();
}

}  // namespace tf
