// `pgmi info [path] [--json]` (commands §5): what a project directory holds, without a database.
// Unlike the reference, a bad <pgmi-meta> block does not abort it: such files count as files
// without metadata and a warning on stderr points to `pgmi metadata validate`.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "util/error.hpp"

namespace pgmi::cli {

struct ProjectInfo {
    std::string path;           // absolute, normalised
    std::string template_name;  // advanced, basic or unknown
    bool deploy_sql = false;
    std::string config_file;  // absent, ok, or "error: ..."
    size_t total = 0;
    size_t sql = 0;
    size_t tests = 0;
    size_t with_metadata = 0;
    std::map<std::string, size_t> directories;  // std::string order: bytewise
    size_t metadata_problems = 0;
};

/// What `pgmi info` says of the project at `path`; fails only when the directory cannot be
/// scanned.
Result<ProjectInfo> read_project_info(const std::string& path);

/// `info --json`.
nlohmann::ordered_json info_json(const ProjectInfo& info);

/// Adds the info subcommand to `app`; `result` receives the exit code when it runs.
void add_info_command(CLI::App& app, int& result);

}  // namespace pgmi::cli
