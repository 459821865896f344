// pg::Connection against a real server: results, error fields, notices, pipeline batches, COPY,
// cancel and connection failures.
#include "pg/connection.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/support.hpp"

namespace pgmi::pg {
namespace {

using Clock = std::chrono::steady_clock;
using Row = std::vector<std::optional<std::string>>;

Connection connect(const std::string& db = "postgres") {
    auto c = Connection::open(test::server().conn_params(db));
    if (!c) {
        ADD_FAILURE() << "connect: " << c.error().message;
        std::abort();
    }
    return std::move(c).value();
}

std::string scalar(Connection& c, const std::string& sql) {
    auto r = c.exec(sql);
    if (!r)
        return "ERROR " + r.error().message;
    if (r->rows() < 1 || r->columns() < 1)
        return "<no rows>";
    return r->is_null(0, 0) ? "<null>" : std::string(r->value(0, 0));
}

int closed_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

// ---- exec -------------------------------------------------------------------------------

TEST(Exec, MultiStatementReturnsLastResult) {
    Connection c = connect();
    auto r = c.exec("SELECT 1 AS one; SELECT 2 AS two, 'x' AS letter UNION ALL SELECT 3, 'y'");
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->rows(), 2);
    ASSERT_EQ(r->columns(), 2);
    EXPECT_EQ(r->column_name(0), "two");
    EXPECT_EQ(r->value(0, 0), "2");
    EXPECT_EQ(r->value(1, 1), "y");
    EXPECT_EQ(c.transaction_status(), PQTRANS_IDLE);
}

TEST(Exec, NullAndEmptyValues) {
    Connection c = connect();
    auto r = c.exec("SELECT NULL::text, ''::text");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->is_null(0, 0));
    EXPECT_FALSE(r->is_null(0, 1));
    EXPECT_EQ(r->value(0, 1), "");
}

TEST(Exec, SyntaxErrorHasPositionAndSqlstate) {
    Connection c = connect();
    auto r = c.exec("SELECT 1;\nSELEC 2");
    ASSERT_FALSE(r);
    const Error& e = r.error();
    EXPECT_EQ(e.kind, ErrorKind::Execution);
    ASSERT_TRUE(e.server.has_value());
    EXPECT_EQ(e.server->sqlstate, "42601");
    EXPECT_EQ(e.server->severity, "ERROR");
    EXPECT_EQ(e.server->message, "syntax error at or near \"SELEC\"");
    EXPECT_EQ(e.server->position, 11);  // 1-based, in the whole message
    EXPECT_EQ(e.message, "ERROR: syntax error at or near \"SELEC\" (SQLSTATE 42601)");
    EXPECT_EQ(scalar(c, "SELECT 'still usable'"), "still usable");
}

TEST(Exec, RaiseExceptionCarriesDetailHintContext) {
    Connection c = connect();
    auto r = c.exec(
        "DO $$ BEGIN RAISE EXCEPTION 'boom %', 42 USING DETAIL = 'the detail', "
        "HINT = 'the hint', ERRCODE = '22012'; END $$");
    ASSERT_FALSE(r);
    ASSERT_TRUE(r.error().server.has_value());
    const ServerError& s = *r.error().server;
    EXPECT_EQ(s.sqlstate, "22012");
    EXPECT_EQ(s.message, "boom 42");
    EXPECT_EQ(s.detail, "the detail");
    EXPECT_EQ(s.hint, "the hint");
    EXPECT_NE(s.context.find("PL/pgSQL function inline_code_block line 1 at RAISE"),
              std::string::npos)
        << s.context;
    EXPECT_EQ(s.position, 0);
    EXPECT_EQ(r.error().message, "ERROR: boom 42 (SQLSTATE 22012)");
}

TEST(Exec, ErrorInsideExecuteHasInternalQuery) {
    Connection c = connect();
    auto r = c.exec("DO $$ BEGIN EXECUTE 'SELECT * FROM no_such_table_xyz'; END $$");
    ASSERT_FALSE(r);
    ASSERT_TRUE(r.error().server.has_value());
    const ServerError& s = *r.error().server;
    EXPECT_EQ(s.sqlstate, "42P01");
    EXPECT_EQ(s.message, "relation \"no_such_table_xyz\" does not exist");
    EXPECT_EQ(s.internal_query, "SELECT * FROM no_such_table_xyz");
    EXPECT_EQ(s.internal_position, 15);
    EXPECT_NE(s.context.find("EXECUTE"), std::string::npos) << s.context;
}

TEST(Exec, ErrorSkipsRestOfMessageAndRollsBackImplicitTransaction) {
    Connection c = connect();
    auto r = c.exec(
        "CREATE TEMP TABLE skipped(x int); INSERT INTO skipped VALUES (1); SELECT 1/0; "
        "INSERT INTO skipped VALUES (2)");
    ASSERT_FALSE(r);
    ASSERT_TRUE(r.error().server.has_value());
    EXPECT_EQ(r.error().server->sqlstate, "22012");
    EXPECT_EQ(c.transaction_status(), PQTRANS_IDLE);
    auto gone = c.exec("SELECT count(*) FROM skipped");
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().server->sqlstate, "42P01");
}

TEST(Exec, CopyThroughExecNeverHangs) {
    Connection c = connect();
    auto in = c.exec("CREATE TEMP TABLE ci(x int); COPY ci FROM STDIN");
    ASSERT_FALSE(in);
    EXPECT_EQ(in.error().server->sqlstate, "57014");
    auto out = c.exec("COPY (SELECT generate_series(1, 1000)) TO STDOUT; SELECT 'after'");
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->value(0, 0), "after");
    EXPECT_EQ(c.transaction_status(), PQTRANS_IDLE);
}

TEST(Exec, LostConnectionIsExecutionError) {
    Connection victim = connect();
    Connection killer = connect();
    int pid = victim.backend_pid();
    ASSERT_EQ(scalar(killer, "SELECT pg_terminate_backend(" + std::to_string(pid) + ")"), "t");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto r = victim.exec("SELECT 1");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Execution);
    EXPECT_FALSE(r.error().message.empty());
    if (r.error().server) {
        EXPECT_EQ(r.error().server->sqlstate, "57P01");
    }
    EXPECT_FALSE(victim.is_open());
    auto again = victim.exec("SELECT 1");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().kind, ErrorKind::Execution);
}

TEST(ExecParams, TextParametersAndNull) {
    Connection c = connect();
    auto r = c.exec_params("SELECT $1::int + 1, $2::text IS NULL, $3::text",
                           {"41", std::nullopt, "tab\there 'quoted' ü"});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->value(0, 0), "42");
    EXPECT_EQ(r->value(0, 1), "t");
    EXPECT_EQ(r->value(0, 2), "tab\there 'quoted' ü");
    auto bad = c.exec_params("SELECT $1::int", {"not a number"});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().server->sqlstate, "22P02");
    auto none = c.exec_params("SELECT 7", {});
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_EQ(none->value(0, 0), "7");
}

TEST(Connection, ParameterStatusAndVersion) {
    Connection c = connect();
    EXPECT_EQ(c.parameter_status("server_encoding"), "UTF8");
    EXPECT_EQ(c.parameter_status("no_such_parameter"), "");
    EXPECT_GE(c.server_version(), 100000);
    EXPECT_GT(c.backend_pid(), 0);
    EXPECT_TRUE(c.is_open());
    EXPECT_NE(c.cancel_handle(), nullptr);
}

// ---- notices ----------------------------------------------------------------------------

TEST(Notices, ArriveInOrderWithSeverityAndFields) {
    Connection c = connect();
    std::vector<Notice> got;
    c.set_notice_handler([&](const Notice& n) { got.push_back(n); });
    auto r = c.exec(
        "SET client_min_messages = notice; DO $$ BEGIN RAISE NOTICE 'first'; "
        "RAISE WARNING 'second' USING DETAIL = 'd2', HINT = 'h2'; RAISE INFO 'third'; END $$; "
        "SELECT 1");
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].severity, "NOTICE");
    EXPECT_EQ(got[0].message, "first");
    EXPECT_EQ(got[0].sqlstate, "00000");
    EXPECT_EQ(got[1].severity, "WARNING");
    EXPECT_EQ(got[1].message, "second");
    EXPECT_EQ(got[1].sqlstate, "01000");
    EXPECT_EQ(got[1].detail, "d2");
    EXPECT_EQ(got[1].hint, "h2");
    EXPECT_EQ(got[2].severity, "INFO");
    EXPECT_EQ(got[2].message, "third");
}

TEST(Notices, ServerWarningsToo) {
    Connection c = connect();
    std::vector<Notice> got;
    c.set_notice_handler([&](const Notice& n) { got.push_back(n); });
    ASSERT_TRUE(c.exec("COMMIT"));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].severity, "WARNING");
    EXPECT_EQ(got[0].sqlstate, "25P01");
    EXPECT_EQ(got[0].message, "there is no transaction in progress");
}

TEST(Notices, ArriveWhileStatementRuns) {
    Connection c = connect();
    std::vector<std::pair<std::string, double>> got;
    auto start = Clock::now();
    c.set_notice_handler([&](const Notice& n) {
        got.emplace_back(n.message, std::chrono::duration<double>(Clock::now() - start).count());
    });
    auto r = c.exec(
        "DO $$ BEGIN RAISE NOTICE 'early'; PERFORM pg_sleep(1.5); RAISE NOTICE 'late'; END $$");
    double total = std::chrono::duration<double>(Clock::now() - start).count();
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].first, "early");
    EXPECT_LT(got[0].second, 1.0) << "the first notice waited for the statement to end";
    EXPECT_EQ(got[1].first, "late");
    EXPECT_GE(got[1].second, 1.4);
    EXPECT_GE(total, 1.4);
}

TEST(Notices, HandlerSurvivesMoveAndCanBeCleared) {
    Connection c = connect();
    int count = 0;
    c.set_notice_handler([&](const Notice&) { ++count; });
    Connection moved = std::move(c);
    ASSERT_TRUE(moved.exec("DO $$ BEGIN RAISE NOTICE 'x'; END $$"));
    EXPECT_EQ(count, 1);
    moved.set_notice_handler({});
    ASSERT_TRUE(moved.exec("DO $$ BEGIN RAISE NOTICE 'y'; END $$"));
    EXPECT_EQ(count, 1);
}

// ---- exec_batch -------------------------------------------------------------------------

TEST(ExecBatch, InsertsAllRowsInOneTransaction) {
    Connection c = connect();
    ASSERT_TRUE(c.exec("CREATE TEMP TABLE b(id int PRIMARY KEY, v text)"));
    std::vector<Row> rows;
    for (int i = 0; i < 3000; ++i) {  // several chunks
        rows.push_back(
            {std::to_string(i),
             i % 7 == 0 ? std::nullopt : std::optional<std::string>("v" + std::to_string(i))});
    }
    auto err = c.exec_batch("INSERT INTO b VALUES ($1::int, $2)", rows);
    ASSERT_FALSE(err) << err->index << ": " << err->error.message;
    EXPECT_EQ(scalar(c, "SELECT count(*) FROM b"), "3000");
    EXPECT_EQ(scalar(c, "SELECT count(*) FROM b WHERE v IS NULL"), "429");
    EXPECT_EQ(scalar(c, "SELECT v FROM b WHERE id = 2999"), "v2999");
    EXPECT_EQ(PQpipelineStatus(c.raw()), PQ_PIPELINE_OFF);
    EXPECT_EQ(c.transaction_status(), PQTRANS_IDLE);
    EXPECT_FALSE(c.exec_batch("INSERT INTO b VALUES ($1::int, 'x')", {}));
}

void expect_batch_fails_at(size_t total, size_t bad) {
    Connection c = connect();
    ASSERT_TRUE(c.exec("CREATE TEMP TABLE f(id int PRIMARY KEY)"));
    std::vector<Row> rows;
    for (size_t i = 0; i < total; ++i) {
        rows.push_back({std::to_string(i == bad ? 0 : i)});  // row `bad` duplicates row 0
    }
    auto err = c.exec_batch("INSERT INTO f VALUES ($1::int)", rows);
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->index, bad);
    EXPECT_EQ(err->error.kind, ErrorKind::Execution);
    ASSERT_TRUE(err->error.server.has_value());
    EXPECT_EQ(err->error.server->sqlstate, "23505");
    // The connection is idle, out of pipeline mode, and nothing was committed.
    EXPECT_EQ(PQpipelineStatus(c.raw()), PQ_PIPELINE_OFF);
    EXPECT_EQ(c.transaction_status(), PQTRANS_IDLE);
    EXPECT_EQ(scalar(c, "SELECT count(*) FROM f"), "0");
}

TEST(ExecBatch, ErrorReportsIndexAndLeavesConnectionUsable) {
    expect_batch_fails_at(5, 3);
}

TEST(ExecBatch, ErrorInLaterChunk) {
    expect_batch_fails_at(2000, 1500);
}

TEST(ExecBatch, ErrorInFirstRow) {
    Connection c = connect();
    auto err = c.exec_batch("SELECT $1::int", {{"x"}, {"1"}});
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->index, 0u);
    EXPECT_EQ(err->error.server->sqlstate, "22P02");
    EXPECT_EQ(scalar(c, "SELECT 'ok'"), "ok");
}

TEST(ExecBatch, InsideExplicitTransaction) {
    Connection c = connect();
    ASSERT_TRUE(c.exec("CREATE TEMP TABLE t(x int)"));
    ASSERT_TRUE(c.exec("BEGIN"));
    ASSERT_FALSE(c.exec_batch("INSERT INTO t VALUES ($1::int)", {{"1"}, {"2"}}));
    EXPECT_EQ(c.transaction_status(), PQTRANS_INTRANS);
    ASSERT_TRUE(c.exec("ROLLBACK"));
    EXPECT_EQ(scalar(c, "SELECT count(*) FROM t"), "0");
}

// ---- COPY -------------------------------------------------------------------------------

TEST(CopyIn, RoundTripsAwkwardText) {
    Connection c = connect();
    ASSERT_TRUE(c.exec("CREATE TEMP TABLE cp(n int, a text, b text)"));
    std::vector<std::string> values = {
        "plain",
        "tab\there",
        "new\nline",
        "carriage\r\nreturn",
        "back\\slash \\N not null",
        "unicode: żółć 日本語 🐘",
        "",
        "\b\f\v controls",
        std::string(100000, 'x') + "\n" + std::string(100000, 'y'),  // spans COPY chunks
    };
    std::string data;
    for (size_t i = 0; i < values.size(); ++i) {
        data += std::to_string(i) + "\t";
        append_copy_text(data, values[i]);
        data += "\t\\N\n";
    }
    auto st = c.copy_in("COPY cp (n, a, b) FROM STDIN", data);
    ASSERT_TRUE(st) << st.error().message;
    auto r = c.exec("SELECT a, b IS NULL FROM cp ORDER BY n");
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(static_cast<size_t>(r->rows()), values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        EXPECT_EQ(r->value(static_cast<int>(i), 0), values[i]) << "row " << i;
        EXPECT_EQ(r->value(static_cast<int>(i), 1), "t");
    }
}

TEST(CopyIn, BadDataIsExecutionErrorAndConnectionStaysUsable) {
    Connection c = connect();
    ASSERT_TRUE(c.exec("CREATE TEMP TABLE ci(n int)"));
    auto st = c.copy_in("COPY ci FROM STDIN", "1\nnot-a-number\n3\n");
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().kind, ErrorKind::Execution);
    ASSERT_TRUE(st.error().server.has_value());
    EXPECT_EQ(st.error().server->sqlstate, "22P02");
    EXPECT_NE(st.error().server->context.find("COPY ci, line 2"), std::string::npos)
        << st.error().server->context;
    EXPECT_EQ(scalar(c, "SELECT count(*) FROM ci"), "0");
    auto missing = c.copy_in("COPY no_such_table FROM STDIN", "1\n");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().server->sqlstate, "42P01");
    auto not_copy = c.copy_in("SELECT 1", "");
    ASSERT_FALSE(not_copy);
    EXPECT_EQ(scalar(c, "SELECT 'ok'"), "ok");
}

// ---- cancel -----------------------------------------------------------------------------

TEST(Cancel, FromAnotherThreadInterruptsQuickly) {
    Connection c = connect();
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        Status s = c.cancel();
        EXPECT_TRUE(s) << s.error().message;
    });
    auto start = Clock::now();
    auto r = c.exec("SELECT pg_sleep(30)");
    double took = std::chrono::duration<double>(Clock::now() - start).count();
    canceller.join();
    ASSERT_FALSE(r);
    ASSERT_TRUE(r.error().server.has_value()) << r.error().message;
    EXPECT_EQ(r.error().server->sqlstate, "57014");
    EXPECT_EQ(r.error().message, "ERROR: canceling statement due to user request (SQLSTATE 57014)");
    EXPECT_LT(took, 5.0);
    EXPECT_EQ(scalar(c, "SELECT 'alive'"), "alive");
}

TEST(Cancel, WhenIdleIsHarmless) {
    Connection c = connect();
    EXPECT_TRUE(c.cancel());
    EXPECT_EQ(scalar(c, "SELECT 1"), "1");
}

// ---- connection failures ----------------------------------------------------------------

TEST(Open, RefusedPortIsConnectionError) {
    int port = closed_port();
    auto c = Connection::open({{"host", "127.0.0.1"},
                               {"port", std::to_string(port)},
                               {"dbname", "postgres"},
                               {"user", "postgres"},
                               {"password", "s3cret-pw"}});
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind, ErrorKind::Connection);
    EXPECT_NE(c.error().message.find("Connection refused"), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find(std::to_string(port)), std::string::npos);
    EXPECT_EQ(c.error().message.find("s3cret-pw"), std::string::npos);
    EXPECT_FALSE(c.error().server.has_value());
}

TEST(Open, MissingDatabaseCarriesSqlstate) {
    auto c = Connection::open(test::server().conn_params("no_such_db_here"));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind, ErrorKind::Connection);
    ASSERT_TRUE(c.error().server.has_value()) << c.error().message;
    EXPECT_EQ(c.error().server->sqlstate, "3D000");
    EXPECT_EQ(c.error().server->severity, "FATAL");
    EXPECT_EQ(c.error().server->message, "database \"no_such_db_here\" does not exist");
    // The text reads like libpq's default: no SQLSTATE or LOCATION lines spliced in.
    EXPECT_NE(c.error().message.find("FATAL:  database \"no_such_db_here\" does not exist"),
              std::string::npos)
        << c.error().message;
    EXPECT_EQ(c.error().message.find("3D000"), std::string::npos) << c.error().message;
    EXPECT_EQ(c.error().message.find("LOCATION"), std::string::npos) << c.error().message;
}

TEST(Open, MissingRoleCarriesSqlstate) {
    auto params = test::server().conn_params();
    for (auto& [k, v] : params) {
        if (k == "user")
            v = "nobody_here";
    }
    auto c = Connection::open(params);
    ASSERT_FALSE(c);
    ASSERT_TRUE(c.error().server.has_value()) << c.error().message;
    EXPECT_EQ(c.error().server->sqlstate, "28000");
    EXPECT_NE(c.error().message.find("role \"nobody_here\" does not exist"), std::string::npos);
}

TEST(Open, InvalidOptionIsConnectionError) {
    auto c = Connection::open({{"no_such_option", "1"}});
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind, ErrorKind::Connection);
    EXPECT_NE(c.error().message.find("invalid connection option"), std::string::npos)
        << c.error().message;
}

TEST(Open, DbnameIsNotExpanded) {
    auto params = test::server().conn_params("dbname=postgres");
    auto c = Connection::open(params);
    ASSERT_FALSE(c);  // looked up literally as a database name
    ASSERT_TRUE(c.error().server.has_value()) << c.error().message;
    EXPECT_EQ(c.error().server->sqlstate, "3D000");
}

TEST(Open, ConnectTimeoutOnSilentServer) {
    // A listening socket that never answers: the attempt ends after connect_timeout (2 s).
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(fd, 4), 0);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    auto start = Clock::now();
    auto c = Connection::open({{"host", "127.0.0.1"},
                               {"port", std::to_string(ntohs(addr.sin_port))},
                               {"connect_timeout", "1"},
                               {"sslmode", "disable"}});
    double took = std::chrono::duration<double>(Clock::now() - start).count();
    ::close(fd);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind, ErrorKind::Connection);
    EXPECT_NE(c.error().message.find("timeout expired"), std::string::npos) << c.error().message;
    EXPECT_GE(took, 1.9);
    EXPECT_LT(took, 6.0);
}

}  // namespace
}  // namespace pgmi::pg

namespace pgmi::pg {
namespace {

/// A kept-alive resource that records, when it is released, whether the connection's socket
/// was already closed (fcntl on a closed descriptor fails with EBADF).
std::shared_ptr<void> socket_probe(int fd, int& closed_first) {
    return std::shared_ptr<void>(nullptr, [fd, &closed_first](void*) {
        closed_first = ::fcntl(fd, F_GETFD) == -1 && errno == EBADF ? 1 : 0;
    });
}

TEST(KeepAlive, ReleasedOnlyAfterTheConnectionIsFinished) {
    int closed_first = -1;
    {
        Connection c = connect();
        c.keep_alive(socket_probe(PQsocket(c.raw()), closed_first));
        Connection moved = std::move(c);  // travels with the connection
        EXPECT_EQ(scalar(moved, "SELECT 1"), "1");
        EXPECT_EQ(closed_first, -1);
    }
    EXPECT_EQ(closed_first, 1);

    // Move-assignment finishes the old connection before releasing what it kept.
    closed_first = -1;
    Connection target = connect();
    target.keep_alive(socket_probe(PQsocket(target.raw()), closed_first));
    target = connect();
    EXPECT_EQ(closed_first, 1);
    EXPECT_EQ(scalar(target, "SELECT 2"), "2");
}

}  // namespace
}  // namespace pgmi::pg
