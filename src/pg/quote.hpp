// Quoting for SQL text, done by libpq itself (PQescapeIdentifier / PQescapeLiteral) so the
// connection's client encoding and standard_conforming_strings are honoured. Prefer a bound
// parameter (Connection::exec_params); quote only where SQL cannot take one (identifiers, DDL
// such as CREATE DATABASE ... OWNER or COMMENT ON).
#pragma once

#include <libpq-fe.h>

#include <string>
#include <string_view>

#include "pg/connection.hpp"
#include "util/error.hpp"

namespace pgmi::pg {

/// Quotes for one libpq connection (it must outlive the Quoter). A PGconn that never connected
/// quotes for SQL_ASCII with standard_conforming_strings off, the most cautious form.
class Quoter {
  public:
    explicit Quoter(const Connection& conn) : conn_(conn.raw()) {}
    explicit Quoter(PGconn* conn) : conn_(conn) {}

    /// `"name"`. An embedded NUL or text invalid in the client encoding is an error
    /// (ErrorKind::General) with libpq's reason, never a truncated name.
    Result<std::string> identifier(std::string_view name) const;
    /// `'text'` (` E'text'` when backslashes need it); errors as identifier().
    Result<std::string> literal(std::string_view text) const;

  private:
    PGconn* conn_;
};

}  // namespace pgmi::pg
