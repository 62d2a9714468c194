// The PostgreSQL engine of SqlDb (sql_db.h), over libpq: the dispatcher's state for a farm
// whose dispatchers share one database (`tilefarm dispatcher --store postgresql://...`).
//
// Statements are prepared once per connection (PQprepare) with their `?` / `?N` placeholders
// rewritten to `$N`; the server infers each parameter's type from its use. Integers and text
// travel as text, blobs as binary bytea; results come back in text form (bytea as hex) and are
// read by the SqlStatement accessors. A statement's rows are fetched whole when it is stepped
// first. Commits are durable when the server's synchronous_commit is on (its default).
#pragma once

#include <memory>
#include <string>

#include "dispatcher/sql_db.h"
#include "kernels/status.h"

namespace tf {

// Connects to `url` (a libpq connection URI, postgresql://user:password@host:port/database?...;
// connect_timeout defaults to 10 s). Errors say what failed (unreachable server, wrong
// password, no such database, a URL that is not postgresql:// or postgres://) and never repeat
// the password.
Result<std::unique_ptr<SqlDb>> open_postgres(const std::string& url);

// `url` with any password replaced by "***", for messages and logs.
std::string redact_database_url(const std::string& url);

}  // namespace tf
