// Process and user helpers of the ephemeral server (internal to ephemeral/): ending a child with
// escalating signals, removing a directory that a stopping server may still write to, and the
// unprivileged user PostgreSQL runs as when pgmi runs as root.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace pgmi::ephemeral::detail {

std::string errno_text(int err);

/// Whether the process has ended; reaps it when it is our child.
bool has_exited(pid_t pid);

/// Polls has_exited() until it is true or `timeout` passed; false on timeout.
bool wait_exit(pid_t pid, std::chrono::milliseconds timeout);

/// Ends a process: `first` signal, then SIGQUIT, then SIGKILL, each after a grace period.
void terminate(pid_t pid, int first, std::chrono::milliseconds grace);

/// Removes `dir` and everything below it, retrying briefly while a stopping server still writes.
void remove_dir(const std::filesystem::path& dir);

/// The user the server processes run as.
struct RunAs {
    bool switch_user = false;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
};

/// As root: the `postgres` system user (PostgreSQL refuses to run as root); else ourselves.
Result<RunAs> decide_run_as();

/// Whether `uid` can traverse every ancestor of `dir` (only world/owner bits are considered).
bool traversable_by(const std::filesystem::path& dir, uid_t uid);

}  // namespace pgmi::ephemeral::detail
