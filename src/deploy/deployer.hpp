// The deploy sequence, top to bottom: scan the project, reach the target (creating it if needed),
// check the server, take the deploy lock, prepare the session, split deploy.sql, run its units,
// close. Each step lives in its own module; this file only orders them.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "config/params.hpp"
#include "conn/connection_config.hpp"
#include "report/outcome.hpp"
#include "util/deadline.hpp"

namespace pgmi::deploy {

struct DeployOptions {
    std::filesystem::path project_dir;
    conn::ResolvedConnection connection;
    config::Params params;
    std::string compat;                   // --compat, "" = latest
    std::chrono::nanoseconds timeout{0};  // 0 = none
    bool verbose = false;
    size_t max_file_size = size_t{10} * 1024 * 1024;
    /// This run's own stop request (see Deadline::with_stop); null: only the process's signals.
    std::shared_ptr<const std::atomic<int>> stop;
};

/// Where the deploy speaks. Every callback writes to stderr in the CLI.
struct DeployOutput {
    std::function<void(std::string_view)> progress;
    std::function<void(std::string_view)> verbose;
    std::function<void(const ServerError&)> notice;
    std::function<void(size_t k, size_t n)> unit;    // 1-based unit k of n is about to run
    std::function<void(std::string_view)> activity;  // the test or fixture running now, or ""
    std::function<void(std::string_view)> warning;   // always shown (a cloud token near expiry)
    /// A secret obtained during the run (a cloud token), before anything it could appear in is
    /// shown: the CLI adds it to its redactor.
    std::function<void(const std::string&)> secret;
    /// Approves dropping an existing target (overwrite); unset: ui::approve_overwrite at the
    /// terminal (deploy/target.hpp).
    std::function<Status(const std::string& database, const Deadline& deadline)> approve;
};

report::Outcome run_deploy(const DeployOptions& options, const DeployOutput& out);

}  // namespace pgmi::deploy
