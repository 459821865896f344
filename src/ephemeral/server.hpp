// A throwaway local PostgreSQL: initdb + postgres in a private temp directory, reachable on a
// Unix socket and optionally a loopback TCP port. Used by the integration tests (one server per
// test binary) and by `pgmi deploy --ephemeral`. Not needed by production deploys.
//
// As root, the server runs as the unprivileged `postgres` user (PostgreSQL refuses root). The
// server is always stopped and its directory removed: by the destructor, and by a SIGINT/SIGTERM
// handler for servers still running when the process is interrupted.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "pg/connection.hpp"
#include "util/error.hpp"

namespace pgmi::ephemeral {

struct Options {
    bool tcp = true;                     // also listen on 127.0.0.1 (port chosen free)
    std::vector<std::string> settings;  // extra "name=value" postgresql.conf lines
    std::string hba;                     // pg_hba.conf content; empty = trust on socket + loopback
    std::string superuser = "postgres";
};

/// Directory holding initdb/postgres/pg_ctl: `pg_config --bindir`, PATH, /usr/lib/postgresql/*/bin
/// (highest version first).
Result<std::filesystem::path> find_bindir();

class Server {
public:
    static Result<Server> start(const Options& options = {});

    Server(Server&&) noexcept;
    Server& operator=(Server&&) noexcept;
    ~Server();  // stops the server and removes its directory

    const std::filesystem::path& data_dir() const;
    const std::filesystem::path& socket_dir() const;
    int port() const;  // the TCP port (also the socket's port number)
    const std::string& superuser() const;

    /// libpq parameters for connecting to `dbname` over the Unix socket as the superuser.
    pg::ConnParams conn_params(const std::string& dbname = "postgres") const;
    /// A postgresql:// URI over the Unix socket (host is the socket directory, percent-encoded).
    std::string uri(const std::string& dbname = "postgres") const;

    /// Rewrites pg_hba.conf / adds settings and reloads (SIGHUP), for tests of auth and TLS.
    Status reload_with(const std::string& hba, const std::vector<std::string>& settings = {});
    /// Stops the server now (idempotent). Restart with restart().
    void stop();
    Status restart();

private:
    struct State;
    explicit Server(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace pgmi::ephemeral
