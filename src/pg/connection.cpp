// Connection: libpq calls, result draining, error diagnostics. See connection.hpp for the contract.
#include "pg/connection.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "util/strings.hpp"

namespace pgmi::pg {

namespace {

std::string field(const PGresult* res, int code) {
    const char* v = PQresultErrorField(res, code);
    return v != nullptr ? std::string(v) : std::string();
}

int int_field(const PGresult* res, int code) {
    const char* v = PQresultErrorField(res, code);
    return v != nullptr ? std::atoi(v) : 0;
}

// The error of a failed result: server-reported (has a SQLSTATE) or raised by libpq itself.
Error error_of(const PGresult* res, PGconn* conn) {
    ServerError se = diagnostics_of(res);
    if (se.sqlstate.empty()) {
        std::string msg = std::string(util::trim(PQresultErrorMessage(res)));
        if (msg.empty())
            msg = std::string(util::trim(PQerrorMessage(conn)));
        if (msg.empty())
            msg = "query failed";
        return make_error(ErrorKind::Execution, msg);
    }
    return Error{ErrorKind::Execution, describe(se), se};
}

Error connection_error(PGconn* conn, std::string_view fallback) {
    std::string msg =
        conn != nullptr ? std::string(util::trim(PQerrorMessage(conn))) : std::string();
    if (msg.empty())
        msg = std::string(fallback);
    return make_error(ErrorKind::Execution, msg);
}

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// Reads every result of the command in progress (simple or extended query). Returns the last
// result, or the first error. COPY started by the statement is refused (COPY IN) or drained
// (COPY OUT) so the connection is never left mid-COPY.
Result<QueryResult> drain(PGconn* conn) {
    ResultPtr last(nullptr, &PQclear);
    std::optional<Error> first_error;
    while (PGresult* raw = PQgetResult(conn)) {
        ResultPtr res(raw, &PQclear);
        switch (PQresultStatus(raw)) {
            case PGRES_COPY_IN:
            case PGRES_COPY_BOTH:
                PQputCopyEnd(conn, "COPY FROM STDIN is not supported by this call");
                continue;
            case PGRES_COPY_OUT: {
                char* buf = nullptr;
                while (PQgetCopyData(conn, &buf, 0) > 0) {
                    PQfreemem(buf);
                    buf = nullptr;
                }
                continue;
            }
            case PGRES_BAD_RESPONSE:
            case PGRES_NONFATAL_ERROR:
            case PGRES_FATAL_ERROR:
                if (!first_error)
                    first_error = error_of(raw, conn);
                break;
            default:
                break;
        }
        last = std::move(res);
        if (PQstatus(conn) == CONNECTION_BAD && first_error)
            break;
    }
    if (first_error)
        return *std::move(first_error);
    if (PQstatus(conn) == CONNECTION_BAD)
        return connection_error(conn, "connection lost");
    if (!last)
        return connection_error(conn, "no result from server");
    return QueryResult(last.release());
}

// Parameter arrays for PQsendQueryParams, pointing into `params`.
std::vector<const char*> param_values(const std::vector<std::optional<std::string>>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params)
        values.push_back(p ? p->c_str() : nullptr);
    return values;
}

int send_params(PGconn* conn, const std::string& sql,
                const std::vector<std::optional<std::string>>& params) {
    std::vector<const char*> values = param_values(params);
    return PQsendQueryParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                             values.empty() ? nullptr : values.data(), nullptr, nullptr, 0);
}

// ---- connection establishment ------------------------------------------------------------

// With PQERRORS_VERBOSE libpq writes a server's startup error as "SEVERITY:  SQLSTATE: message"
// followed by a LOCATION line. Recover the fields and rebuild the default-verbosity text, so the
// message reads exactly as libpq would print it while the SQLSTATE is still known.
std::string split_verbose_startup_error(std::string_view verbose,
                                        std::optional<ServerError>& server) {
    std::string out;
    bool in_server_error = false;
    size_t start = 0;
    while (start <= verbose.size()) {
        size_t nl = verbose.find('\n', start);
        std::string_view line = verbose.substr(
            start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        start = nl == std::string_view::npos ? verbose.size() + 1 : nl + 1;

        if (line.rfind("LOCATION:  ", 0) == 0)
            continue;
        if (in_server_error && server) {
            if (line.rfind("DETAIL:  ", 0) == 0)
                server->detail = std::string(line.substr(9));
            if (line.rfind("HINT:  ", 0) == 0)
                server->hint = std::string(line.substr(7));
        }
        // Find "<severity>:  <5 chars>: " in the line.
        std::string rebuilt(line);
        for (size_t pos = line.find(":  "); pos != std::string_view::npos;
             pos = line.find(":  ", pos + 1)) {
            size_t code_at = pos + 3;
            if (code_at + 7 > line.size())
                break;
            std::string_view code = line.substr(code_at, 5);
            bool is_code = line.substr(code_at + 5, 2) == ": " &&
                           std::all_of(code.begin(), code.end(), [](char c) {
                               return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
                           });
            if (!is_code)
                continue;
            size_t sev_begin = line.rfind(": ", pos == 0 ? 0 : pos - 1);
            sev_begin = sev_begin == std::string_view::npos ? 0 : sev_begin + 2;
            if (sev_begin > pos)
                sev_begin = 0;
            ServerError se;
            se.severity = std::string(util::trim(line.substr(sev_begin, pos - sev_begin)));
            se.sqlstate = std::string(code);
            se.message = std::string(line.substr(code_at + 7));
            server = std::move(se);
            in_server_error = true;
            rebuilt = std::string(line.substr(0, code_at)) + std::string(line.substr(code_at + 7));
            break;
        }
        if (!out.empty())
            out += '\n';
        out += rebuilt;
    }
    return std::string(util::trim(out));
}

std::string conninfo_value(PGconn* conn, const char* keyword) {
    std::string value;
    PQconninfoOption* opts = PQconninfo(conn);
    if (opts == nullptr)
        return value;
    for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
        if (std::strcmp(o->keyword, keyword) == 0 && o->val != nullptr)
            value = o->val;
    }
    PQconninfoFree(opts);
    return value;
}

bool has_several_hosts(const ConnParams& params) {
    for (const auto& [key, value] : params) {
        if ((key == "host" || key == "hostaddr") && value.find(',') != std::string::npos) {
            return true;
        }
    }
    for (const char* env : {"PGHOST", "PGHOSTADDR"}) {
        const char* v = std::getenv(env);
        if (v != nullptr && std::strchr(v, ',') != nullptr)
            return true;
    }
    return false;
}

/// Drives PQconnectPoll to its end: true when connected. False on failure, on connect_timeout
/// (timeout_message says so), and when `stop` (asked every 50 ms and after a signal interrupts
/// the wait) says to give up. connect_timeout applies per attempt, as in libpq (an attempt ends
/// when libpq moves to another socket or address).
bool poll_connect(PGconn* conn, std::string& timeout_message, const std::function<bool()>& stop) {
    constexpr int kStopSliceMs = 50;
    int timeout_s = std::atoi(conninfo_value(conn, "connect_timeout").c_str());
    if (timeout_s > 0 && timeout_s < 2)
        timeout_s = 2;  // libpq's minimum
    using Clock = std::chrono::steady_clock;
    auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    int last_sock = -2;
    std::string last_addr;

    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    for (;;) {
        if (st == PGRES_POLLING_OK)
            return true;
        if (st == PGRES_POLLING_FAILED)
            return false;
        int sock = PQsocket(conn);
        if (sock < 0)
            return false;
        const char* addr_c = PQhostaddr(conn);
        std::string addr = addr_c != nullptr ? addr_c : "";
        if (sock != last_sock || addr != last_addr) {
            last_sock = sock;
            last_addr = addr;
            deadline = Clock::now() + std::chrono::seconds(timeout_s);
        }
        pollfd pfd{sock, static_cast<short>(st == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
        int wait_ms = -1;
        if (timeout_s > 0) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            wait_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
        }
        if (stop && (wait_ms < 0 || wait_ms > kStopSliceMs))
            wait_ms = kStopSliceMs;
        int rc = ::poll(&pfd, 1, wait_ms);
        if (stop && stop())
            return false;
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc == 0 && (timeout_s <= 0 || Clock::now() < deadline))
            continue;  // a slice of the stop check ended, not the connect_timeout
        if (rc == 0) {
            const char* host = PQhost(conn);
            const char* port = PQport(conn);
            timeout_message =
                std::string("connection to server at \"") + (host != nullptr ? host : "") + "\"" +
                (addr.empty() || (host != nullptr && addr == host) ? std::string()
                                                                   : " (" + addr + ")") +
                ", port " + (port != nullptr ? port : "") + " failed: timeout expired";
            return false;
        }
        st = PQconnectPoll(conn);
    }
}

}  // namespace

// ---- free functions ----------------------------------------------------------------------

ServerError diagnostics_of(const PGresult* res) {
    ServerError se;
    if (res == nullptr)
        return se;
    se.severity = field(res, PG_DIAG_SEVERITY);
    if (se.severity.empty())
        se.severity = field(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    se.sqlstate = field(res, PG_DIAG_SQLSTATE);
    se.message = field(res, PG_DIAG_MESSAGE_PRIMARY);
    se.detail = field(res, PG_DIAG_MESSAGE_DETAIL);
    se.hint = field(res, PG_DIAG_MESSAGE_HINT);
    se.context = field(res, PG_DIAG_CONTEXT);
    se.position = int_field(res, PG_DIAG_STATEMENT_POSITION);
    se.internal_position = int_field(res, PG_DIAG_INTERNAL_POSITION);
    se.internal_query = field(res, PG_DIAG_INTERNAL_QUERY);
    return se;
}

std::string describe(const ServerError& e) {
    std::string out = e.severity.empty() ? std::string("ERROR") : e.severity;
    out += ": ";
    out += e.message;
    if (!e.sqlstate.empty())
        out += " (SQLSTATE " + e.sqlstate + ")";
    return out;
}

void append_copy_text(std::string& out, std::string_view value) {
    out.reserve(out.size() + value.size());
    for (char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\v':
                out += "\\v";
                break;
            default:
                out += c;
                break;
        }
    }
}

// ---- Connection --------------------------------------------------------------------------

Connection::Connection(PGconn* conn) : conn_(conn), cancel_(PQgetCancel(conn)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
    if (this != &other) {
        // The old PGconn finishes first (the defaulted operator would replace kept_alive_ first,
        // pulling the transport out from under a connection that is still open).
        conn_ = std::move(other.conn_);
        cancel_ = std::move(other.cancel_);
        notice_handler_ = std::move(other.notice_handler_);
        kept_alive_ = std::move(other.kept_alive_);
    }
    return *this;
}

void Connection::CancelDeleter::operator()(PGcancel* c) const {
    PQfreeCancel(c);
}

Result<Connection> Connection::open(const ConnParams& params, const std::function<bool()>& stop) {
    std::vector<const char*> keys;
    std::vector<const char*> values;
    keys.reserve(params.size() + 1);
    values.reserve(params.size() + 1);
    for (const auto& [key, value] : params) {
        keys.push_back(key.c_str());
        values.push_back(value.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);

    if (has_several_hosts(params)) {
        // libpq's own loop moves on to the next host when connect_timeout expires; keep it.
        PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 0);
        if (conn == nullptr)
            return make_error(ErrorKind::Connection, "out of memory");
        if (PQstatus(conn) != CONNECTION_OK) {
            std::string msg = std::string(util::trim(PQerrorMessage(conn)));
            PQfinish(conn);
            return make_error(ErrorKind::Connection, msg.empty() ? "connection failed" : msg);
        }
        return Connection(conn);
    }

    PGconn* conn = PQconnectStartParams(keys.data(), values.data(), 0);
    if (conn == nullptr)
        return make_error(ErrorKind::Connection, "out of memory");
    std::unique_ptr<PGconn, Deleter> guard(conn);
    std::string timeout_message;
    if (PQstatus(conn) != CONNECTION_BAD) {
        // Verbose errors carry the SQLSTATE of a server's startup error (see above).
        PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);
        if (poll_connect(conn, timeout_message, stop)) {
            PQsetErrorVerbosity(conn, PQERRORS_DEFAULT);
            return Connection(guard.release());
        }
        if (stop && stop())
            return make_error(ErrorKind::Connection, "the connection attempt was stopped");
    }
    std::optional<ServerError> server;
    std::string msg = split_verbose_startup_error(PQerrorMessage(conn), server);
    if (!timeout_message.empty())
        msg = msg.empty() ? timeout_message : msg + "\n" + timeout_message;
    if (msg.empty())
        msg = "connection failed";
    return Error{ErrorKind::Connection, msg, server};
}

Result<QueryResult> Connection::exec(std::string_view sql) {
    PGconn* conn = conn_.get();
    std::string text(sql);
    if (PQsendQuery(conn, text.c_str()) == 0)
        return connection_error(conn, "cannot send query");
    return drain(conn);
}

Result<QueryResult> Connection::exec_params(std::string_view sql,
                                            const std::vector<std::optional<std::string>>& params) {
    PGconn* conn = conn_.get();
    std::string text(sql);
    if (send_params(conn, text, params) == 0) {
        return connection_error(conn, "cannot send query");
    }
    return drain(conn);
}

std::optional<Connection::BatchError> Connection::exec_batch(
    std::string_view sql, const std::vector<std::vector<std::optional<std::string>>>& rows) {
    if (rows.empty())
        return std::nullopt;
    PGconn* conn = conn_.get();
    const std::string text(sql);
    if (PQenterPipelineMode(conn) == 0) {
        return BatchError{0, connection_error(conn, "cannot enter pipeline mode")};
    }

    // Rows are sent in chunks, each followed by a Flush request and the reading of its results,
    // so neither side's buffers grow without bound. A single Sync at the end keeps the whole
    // batch in one implicit transaction.
    constexpr size_t kChunk = 512;
    std::optional<BatchError> failure;
    size_t sent = 0;
    size_t answered = 0;  // results (success, error, aborted) received so far
    bool broken = false;

    // Reads results until `want` statements are answered or the Sync result arrives.
    auto read_until = [&](size_t want, bool until_sync) {
        int nulls = 0;
        while (!broken && (until_sync || answered < want)) {
            PGresult* raw = PQgetResult(conn);
            if (raw == nullptr) {
                if (PQstatus(conn) == CONNECTION_BAD || ++nulls > 2) {
                    broken = true;
                    if (!failure) {
                        failure = BatchError{answered, connection_error(conn, "connection lost")};
                    }
                }
                continue;
            }
            nulls = 0;
            ResultPtr res(raw, &PQclear);
            switch (PQresultStatus(raw)) {
                case PGRES_PIPELINE_SYNC:
                    if (until_sync)
                        return;
                    break;
                case PGRES_FATAL_ERROR:
                case PGRES_NONFATAL_ERROR:
                case PGRES_BAD_RESPONSE:
                    if (!failure)
                        failure = BatchError{answered, error_of(raw, conn)};
                    ++answered;
                    break;
                default:  // COMMAND_OK, TUPLES_OK, PIPELINE_ABORTED
                    ++answered;
                    break;
            }
        }
    };

    while (sent < rows.size() && !failure && !broken) {
        size_t end = std::min(rows.size(), sent + kChunk);
        for (; sent < end; ++sent) {
            if (send_params(conn, text, rows[sent]) == 0) {
                failure = BatchError{sent, connection_error(conn, "cannot send query")};
                broken = PQstatus(conn) == CONNECTION_BAD;
                break;
            }
        }
        if (failure)
            break;
        if (sent < rows.size()) {
            if (PQsendFlushRequest(conn) == 0 || PQflush(conn) != 0) {
                failure = BatchError{sent, connection_error(conn, "cannot flush pipeline")};
                broken = PQstatus(conn) == CONNECTION_BAD;
                break;
            }
            read_until(sent, false);
        }
    }
    if (!broken) {
        if (PQpipelineSync(conn) == 0) {
            if (!failure)
                failure = BatchError{answered, connection_error(conn, "cannot sync")};
            broken = true;
        } else {
            read_until(sent, true);
        }
    }
    // Drain whatever is left (nothing, normally) and leave pipeline mode.
    if (!broken) {
        while (PGresult* raw = PQgetResult(conn))
            PQclear(raw);
    }
    PQexitPipelineMode(conn);
    return failure;
}

Status Connection::copy_in(std::string_view copy_sql, std::string_view data) {
    PGconn* conn = conn_.get();
    std::string text(copy_sql);
    if (PQsendQuery(conn, text.c_str()) == 0)
        return connection_error(conn, "cannot send COPY");
    ResultPtr start(PQgetResult(conn), &PQclear);
    if (!start)
        return connection_error(conn, "no result from server");
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) {
        // An error (or a statement that is not COPY FROM STDIN): report it after draining.
        Error err = PQresultStatus(start.get()) == PGRES_FATAL_ERROR
                        ? error_of(start.get(), conn)
                        : make_error(ErrorKind::Execution, "not a COPY FROM STDIN statement");
        start.reset();
        auto rest = drain(conn);
        (void)rest;
        return err;
    }
    start.reset();

    constexpr size_t kChunk = 1 << 16;
    std::string send_error;
    for (size_t off = 0; off < data.size(); off += kChunk) {
        size_t n = std::min(kChunk, data.size() - off);
        if (PQputCopyData(conn, data.data() + off, static_cast<int>(n)) != 1) {
            send_error = std::string(util::trim(PQerrorMessage(conn)));
            break;
        }
    }
    if (PQputCopyEnd(conn, send_error.empty() ? nullptr : send_error.c_str()) != 1) {
        return connection_error(conn, "cannot end COPY");
    }
    auto res = drain(conn);
    if (!res)
        return std::move(res).error();
    if (!send_error.empty())
        return make_error(ErrorKind::Execution, send_error);
    return Status::ok();
}

namespace {
void notice_trampoline(void* arg, const PGresult* res) {
    auto* handler = static_cast<NoticeHandler*>(arg);
    if (handler == nullptr || !*handler)
        return;
    try {
        // A notice's severity is the non-localised one (PostgreSQL 9.6+) where the server sends
        // it: pgmi decides by it which notices to label, and --json reports it.
        Notice notice = diagnostics_of(res);
        if (const char* code = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
            code != nullptr && *code != '\0') {
            notice.severity = code;
        }
        (*handler)(notice);
    } catch (...) {  // never unwind through libpq
    }
}
}  // namespace

void Connection::set_notice_handler(NoticeHandler handler) {
    auto next = std::make_unique<NoticeHandler>(std::move(handler));
    PQsetNoticeReceiver(conn_.get(), &notice_trampoline, next.get());
    notice_handler_ = std::move(next);
}

Status Connection::cancel() {
    if (!cancel_)
        return make_error(ErrorKind::Execution, "cannot cancel: no cancel handle");
    char errbuf[256] = {0};
    if (PQcancel(cancel_.get(), errbuf, sizeof errbuf) == 0) {
        return make_error(ErrorKind::Execution,
                          "cannot cancel: " + std::string(util::trim(errbuf)));
    }
    return Status::ok();
}

std::string Connection::parameter_status(const char* name) const {
    const char* v = PQparameterStatus(conn_.get(), name);
    return v != nullptr ? std::string(v) : std::string();
}

}  // namespace pgmi::pg
