// The process-wide supervisor of ephemeral servers (internal to ephemeral/): the registry of
// running servers, the helper thread that forks every server child, and the signal and exit
// cleanup that stops them. Server (server.cpp) owns one Record per server and calls in here.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "ephemeral/process.hpp"
#include "util/error.hpp"

namespace pgmi::ephemeral::detail {

/// What the supervisor needs of one server. `pid` is guarded by registry_mutex().
struct Record {
    std::filesystem::path root;  // private temp dir: data/, the socket, logs
    pid_t owner = 0;  // the process that created this server; copies in forked children ignore it
    pid_t pid = 0;    // postmaster or initdb
    bool removed = false;  // directory already removed (signal or exit cleanup)
};

/// One child to start. Everything it needs is prepared before fork (the child only makes system
/// calls).
struct Spawn {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string cwd;
    std::string output;  // stdout+stderr file (appended)
    RunAs run_as;
    Record* record = nullptr;  // gets the pid (under the registry mutex)
    // result
    pid_t pid = -1;
    std::string error;
    bool done = false;
};

/// Forks and execs `s` on the helper thread; the pid is also stored into s.record.
Result<pid_t> launch(Spawn& s);

/// Guards every Record's pid.
std::mutex& registry_mutex();

/// Adds a server to the registry (installing the signal handlers with the first one).
void register_record(Record* r);

/// Stops the server of `r` (SIGINT, then escalating), removes its directory and forgets it; does
/// nothing in a forked copy of the process that created it.
void retire(Record* r);

/// This process's environment without PG* variables (PGDATA, PGPORT, PGOPTIONS are not for the
/// server pgmi starts).
std::vector<std::string> child_env();

}  // namespace pgmi::ephemeral::detail
