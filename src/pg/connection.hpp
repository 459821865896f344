// A thin RAII layer over libpq. It does not hide libpq's semantics: one Connection is one PGconn,
// queries are simple-query or extended-query messages exactly as named, errors carry every
// diagnostic field the server sent.
#pragma once

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace pgmi::pg {

/// libpq connection keywords and values, in order (passed to PQconnectdbParams, expand_dbname=0).
using ConnParams = std::vector<std::pair<std::string, std::string>>;

/// The rows of a finished query, as text. Owns its PGresult.
class QueryResult {
public:
    explicit QueryResult(PGresult* res) : res_(res, &PQclear) {}
    int rows() const { return PQntuples(res_.get()); }
    int columns() const { return PQnfields(res_.get()); }
    bool is_null(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
    std::string_view value(int row, int col) const {
        return {PQgetvalue(res_.get(), row, col),
                static_cast<size_t>(PQgetlength(res_.get(), row, col))};
    }
    std::string column_name(int col) const { return PQfname(res_.get(), col); }
    PGresult* get() const { return res_.get(); }

private:
    std::unique_ptr<PGresult, decltype(&PQclear)> res_;
};

/// A notice or warning the server sent (NoticeResponse).
using Notice = ServerError;
using NoticeHandler = std::function<void(const Notice&)>;

/// Extracts every PG_DIAG_* field of an error or notice result.
ServerError diagnostics_of(const PGresult* res);

class Connection {
public:
    /// Opens a connection (blocking). On failure the error is ErrorKind::Connection with libpq's
    /// message (which never contains the password) and, if the server answered, its SQLSTATE.
    static Result<Connection> open(const ConnParams& params);

    Connection(Connection&&) noexcept = default;
    Connection& operator=(Connection&&) noexcept = default;
    ~Connection() = default;

    /// Sends one simple-query message (may hold several statements); returns the last result.
    /// A server error becomes ErrorKind::Execution carrying ServerError.
    Result<QueryResult> exec(std::string_view sql);

    /// Sends one extended-query message with text parameters (nullopt = SQL NULL).
    Result<QueryResult> exec_params(std::string_view sql,
                                    const std::vector<std::optional<std::string>>& params);

    /// Sends many parameterised statements in one pipeline with a single Sync (one round trip,
    /// one implicit transaction). Stops at the first error and reports the index that failed.
    struct BatchError {
        size_t index;
        Error error;
    };
    std::optional<BatchError> exec_batch(
        std::string_view sql, const std::vector<std::vector<std::optional<std::string>>>& rows);

    /// COPY table FROM STDIN in text format; `data` is already COPY-text encoded.
    Status copy_in(std::string_view copy_sql, std::string_view data);

    /// Receives every notice of this connection, as it arrives.
    void set_notice_handler(NoticeHandler handler);

    /// Asks the server to cancel the running query (PQcancel; safe from another thread).
    Status cancel();

    PGTransactionStatusType transaction_status() const { return PQtransactionStatus(conn_.get()); }
    int server_version() const { return PQserverVersion(conn_.get()); }
    int backend_pid() const { return PQbackendPID(conn_.get()); }
    std::string parameter_status(const char* name) const;
    PGconn* raw() const { return conn_.get(); }

private:
    struct Deleter {
        void operator()(PGconn* c) const { PQfinish(c); }
    };
    explicit Connection(PGconn* conn);

    std::unique_ptr<PGconn, Deleter> conn_;
    // Heap-allocated so its address (given to libpq) survives moves of the Connection.
    std::unique_ptr<NoticeHandler> notice_handler_;
};

/// Escapes a value for COPY text format (backslash, tab, newline, carriage return).
void append_copy_text(std::string& out, std::string_view value);

}  // namespace pgmi::pg
