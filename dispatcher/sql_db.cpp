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

Result<SqlStatement*> SqlStatementCache::get(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    Result<SqlStatement> prepared = db_->prepare(sql);
    if (!prepared) return Error{prepared.message()};
    it = statements_.emplace(sql, std::move(prepared.value())).first;
  }
  it->second.reset();
  return &it->second;
}

}  // namespace tf
