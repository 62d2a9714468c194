// The store's schema: forward-only migrations, one text per step, written once for both
// engines. SQLite runs each text as written; PostgreSQL runs it with the types spelled its way
// (INTEGER is 64-bit in SQLite and BIGINT in PostgreSQL, AUTOINCREMENT keys are identity
// columns, which never reuse a value either) and with its own text where the engines' syntax
// differs (triggers). BLOB and TEXT are both bytea in PostgreSQL: text columns hold what peers
// sent (names, routing ids with zero bytes), which SQLite keeps byte for byte and PostgreSQL's
// text type would refuse (no NUL, valid UTF-8 only); bytea keeps the bytes and sorts them as
// SQLite's default BINARY collation does.
#pragma once

#include <string>

#include "dispatcher/sql_db.h"

namespace tf {

// How many migrations this build knows: the latest schema version.
int schema_migration_count();
// The SQL that takes the schema from `version` to `version` + 1 on `engine`.
std::string migration_sql(int version, SqlEngine engine);

}  // namespace tf
