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

/// A notice or warning the server sent (NoticeResponse); its severity is the non-localised one
/// ("WARNING", "NOTICE") when the server sends it.
using Notice = ServerError;
using NoticeHandler = std::function<void(const Notice&)>;

/// Extracts every PG_DIAG_* field of an error or notice result (nullptr gives empty fields).
ServerError diagnostics_of(const PGresult* res);

/// "<Severity>: <message> (SQLSTATE <code>)", the one-line form of a server error.
std::string describe(const ServerError& error);

class Connection {
  public:
    /// Opens a connection (blocking). On failure the error is ErrorKind::Connection with libpq's
    /// message (which never contains the password) and, if the server answered, its SQLSTATE
    /// (and severity, message, detail, hint) in `server`. connect_timeout applies per attempt.
    /// `stop`, when given, is asked every 50 ms of a single-host connect: true gives up at once.
    static Result<Connection> open(const ConnParams& params,
                                   const std::function<bool()>& stop = {});

    Connection(Connection&&) noexcept = default;
    /// Closes this connection before releasing what it kept alive, then takes `other`'s.
    Connection& operator=(Connection&& other) noexcept;
    ~Connection() = default;

    /// Keeps `resource` alive exactly as long as this connection: it is released only after the
    /// PGconn is finished (a transport the connection runs over, e.g. the Cloud SQL bridge).
    void keep_alive(std::shared_ptr<void> resource) { kept_alive_.push_back(std::move(resource)); }

    /// Sends one simple-query message (may hold several statements); returns the last result.
    /// A server error becomes ErrorKind::Execution carrying ServerError, message
    /// "<Severity>: <message> (SQLSTATE <code>)"; a lost connection is ErrorKind::Execution with
    /// libpq's text and no `server`. Every result is consumed before returning. A COPY started by
    /// the SQL is refused (FROM STDIN) or discarded (TO STDOUT); use copy_in() for COPY.
    Result<QueryResult> exec(std::string_view sql);

    /// Sends one extended-query message with text parameters (nullopt = SQL NULL).
    Result<QueryResult> exec_params(std::string_view sql,
                                    const std::vector<std::optional<std::string>>& params);

    /// Sends many parameterised statements in one pipeline with a single Sync (one implicit
    /// transaction; one round trip per chunk of a few hundred rows, each chunk ending in a Flush
    /// so huge batches stay bounded in memory). Stops at the first error and reports the index
    /// that failed; the server skips the statements after it. Afterwards the connection is idle
    /// and out of pipeline mode (a failure rolls the implicit transaction back; inside an
    /// explicit transaction block that block is left aborted).
    struct BatchError {
        size_t index;
        Error error;
    };
    std::optional<BatchError> exec_batch(
        std::string_view sql, const std::vector<std::vector<std::optional<std::string>>>& rows);

    /// COPY table FROM STDIN in text format; `data` is already COPY-text encoded.
    Status copy_in(std::string_view copy_sql, std::string_view data);

    /// Receives every notice of this connection, as it arrives (also while a statement runs).
    /// Replaces libpq's default (printing to stderr); an empty handler discards notices.
    /// The handler runs on the thread that is executing a query; exceptions are swallowed.
    void set_notice_handler(NoticeHandler handler);

    /// Asks the server to cancel the running query. Uses a PGcancel object made at connect time,
    /// so it is safe from another thread (and async-signal-safe apart from the Status it
    /// returns) while exec() blocks. The cancelled statement fails with SQLSTATE 57014.
    Status cancel();
    /// The raw PGcancel of this connection (for a signal handler that calls PQcancel itself).
    PGcancel* cancel_handle() const { return cancel_.get(); }

    /// True while the connection is usable (PQstatus is CONNECTION_OK).
    bool is_open() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }

    PGTransactionStatusType transaction_status() const { return PQtransactionStatus(conn_.get()); }
    int server_version() const { return PQserverVersion(conn_.get()); }
    int backend_pid() const { return PQbackendPID(conn_.get()); }
    std::string parameter_status(const char* name) const;
    PGconn* raw() const { return conn_.get(); }

  private:
    struct Deleter {
        void operator()(PGconn* c) const { PQfinish(c); }
    };
    struct CancelDeleter {
        void operator()(PGcancel* c) const;
    };
    explicit Connection(PGconn* conn);

    // Declared first so it is destroyed last, after PQfinish has used the transport.
    std::vector<std::shared_ptr<void>> kept_alive_;
    std::unique_ptr<PGconn, Deleter> conn_;
    // Heap-allocated so its address (given to libpq) survives moves of the Connection.
    std::unique_ptr<NoticeHandler> notice_handler_;
    std::unique_ptr<PGcancel, CancelDeleter> cancel_;
};

/// Escapes a value for COPY text format: backslash, tab, newline, carriage return, and also
/// backspace, form feed, vertical tab. SQL NULL is not a value: write \N for it yourself.
void append_copy_text(std::string& out, std::string_view value);

}  // namespace pgmi::pg
