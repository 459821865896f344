#include "deploy/target.hpp"

#include <fmt/format.h>

namespace pgmi::deploy {

std::string quote_ident(std::string_view name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

std::string quote_for_message(std::string_view name) {
    std::string out = "\"";
    for (unsigned char c : name) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", c);
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

Result<pg::Connection> open_target(conn::Connector& connector,
                                   const conn::ResolvedConnection& resolved,
                                   const Deadline& deadline, const TargetLog& log) {
    const std::string& db = resolved.target_db;
    log.verbose(fmt::format("Connecting to database {}", quote_for_message(db)));
    auto session = connector.connect(db, deadline);
    if (session)
        return session;
    if (session.error().kind != ErrorKind::Connection ||
        conn::classify_connection_failure(session.error().message) !=
            conn::FailureClass::NoSuchDatabase) {
        return session.error().wrapped(fmt::format(
            "database connection failed: failed to connect to database {}", quote_for_message(db)));
    }

    log.verbose(fmt::format("Database {} not found; using the maintenance database to create it",
                            quote_for_message(db)));
    log.verbose(fmt::format("Connecting to maintenance database {}",
                            quote_for_message(resolved.maintenance_db)));
    auto maint = connector.connect(resolved.maintenance_db, deadline);
    if (!maint) {
        return maint.error().wrapped(
            "failed to ensure database exists: failed to connect to maintenance database");
    }
    log.progress(fmt::format("Database {} does not exist; creating", quote_for_message(db)));
    auto created = maint->exec("CREATE DATABASE " + quote_ident(db));
    if (!created) {
        const auto& server = created.error().server;
        if (server && (server->sqlstate == "42P04" || server->sqlstate == "23505")) {
            return make_error(ErrorKind::Lock,
                              "concurrent deployment in progress: the database was created by "
                              "another deploy while this one was starting");
        }
        Error e = created.error().wrapped(
            fmt::format("failed to ensure database exists: failed to create database {}",
                        quote_for_message(db)));
        e.kind = ErrorKind::General;
        return e;
    }
    log.verbose(fmt::format("Created database {}", quote_for_message(db)));

    log.verbose(fmt::format("Connecting to database {}", quote_for_message(db)));
    session = connector.connect(db, deadline);
    if (!session) {
        return session.error().wrapped(fmt::format(
            "database connection failed: failed to connect to database {}", quote_for_message(db)));
    }
    return session;
}

}  // namespace pgmi::deploy
