// Running a credential helper program (az, azd, an AWS credential_process) without a shell:
// the program is found on PATH, started with posix_spawn, its output captured, and killed when
// it outlives its timeout. Arguments must never carry a secret (they are visible to other users).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/env.hpp"
#include "util/error.hpp"

namespace pgmi::cloud {

/// The first executable `<dir>/<program>` for the directories of PATH (taken from `env`);
/// `program` containing '/' is returned as is when executable.
std::optional<std::string> find_on_path(std::string_view program, const EnvLookup& env);

struct ProcessOutput {
    int exit_code = -1;  // -1 when killed by a signal or the timeout
    bool timed_out = false;
    std::string out;  // stdout, at most 1 MiB
    std::string err;  // stderr, at most 64 KiB
};

/// Runs argv[0] (a path) with argv[1..], stdin from /dev/null, the process environment.
/// An error only when the program could not be started.
Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout);

}  // namespace pgmi::cloud
