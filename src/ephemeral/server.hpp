// A throwaway local PostgreSQL: initdb + postgres in a private temp directory, reachable on a
// Unix socket and optionally a loopback TCP port. Used by the integration tests (one server per
// test binary) and by `pgmi deploy --ephemeral`. Not needed by production deploys.
//
// As root, the server runs as the unprivileged `postgres` user (PostgreSQL refuses root). The
// server is always stopped and its directory removed: by the destructor, and by a SIGINT/SIGTERM
// handler for servers still running when the process is interrupted.
//
// How the cleanup works (server.cpp):
//  * Every server is in a process-wide registry from mkdtemp until its destructor. Children
//    (initdb, postgres) are forked by one helper thread that lives as long as the process; each
//    child gets its own process group (a terminal's Ctrl-C reaches only us, never the server)
//    and PR_SET_PDEATHSIG=SIGQUIT, so even a SIGKILLed owner takes its postgres down (only the
//    directory is then left behind).
//  * While at least one server is registered, SIGINT and SIGTERM are caught, but only where the
//    disposition was the default: the handler just writes the signal number to a self-pipe.
//    The helper thread wakes up, stops all servers (SIGQUIT, then SIGKILL), removes their
//    directories, restores the default disposition and re-sends the signal, so the process still
//    dies of it. An ignored signal stays ignored; a handler the program installed earlier is
//    chained to instead (the program then unwinds, and the destructors / the atexit hook stop
//    the servers); a handler installed later replaces ours.
//  * An atexit hook stops whatever is still registered when the process exits normally.
//  * A child created by fork() without exec forgets its parent's servers (pthread_atfork) and
//    never stops them.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pg/connection.hpp"
#include "util/error.hpp"

namespace pgmi::ephemeral {

struct Options {
    bool tcp = true;                    // also listen on 127.0.0.1 (port chosen free)
    std::vector<std::string> settings;  // extra "name=value" postgresql.conf lines
    std::string hba;                    // pg_hba.conf content; empty = trust on socket + loopback
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

    /// Rewrites pg_hba.conf (empty = the default trust rules) and appends `settings` lines to
    /// postgresql.conf, checks both (pg_hba_file_rules, pg_file_settings; errors are
    /// ErrorKind::Config), then reloads (SIGHUP) and waits until the reload took effect. For
    /// tests of auth and TLS; settings that need a restart take effect at restart().
    Status reload_with(const std::string& hba, const std::vector<std::string>& settings = {});
    /// Writes a file under the data directory (e.g. "server.key" for TLS tests), owned by the
    /// server's user with `mode`, and returns its path.
    Result<std::filesystem::path> write_file(const std::string& name, std::string_view content,
                                             unsigned mode = 0600) const;
    /// Stops the server now (fast shutdown; idempotent). The directory stays for restart().
    void stop();
    /// Stops the server if it runs and starts it again on the same data directory and port.
    Status restart();

    struct State;  // implementation detail (server.cpp)

  private:
    explicit Server(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace pgmi::ephemeral
