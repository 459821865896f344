// `pgmi metadata scaffold|validate|plan <project_path>` (commands §6): the <pgmi-meta> tools,
// offline, on the same scanner and plan code the deploy uses.
//   scaffold  prepends a block to SQL files without one; its id is the file's generic_id and its
//             key the file's path, so scaffolding changes neither ids nor the plan order
//   validate  every block problem and every shared id, all at once (exit 10 when any)
//   plan      exactly the rows pg_temp.pgmi_plan_view will hold, in execution_order
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "project/plan.hpp"
#include "project/scanner.hpp"
#include "util/env.hpp"

namespace pgmi::cli {

/// Adds the metadata group and its subcommands to `app`; `result` receives the exit code.
void add_metadata_command(CLI::App& app, int& result);

/// Scanner options every offline command shares (PGMI_MAX_FILE_SIZE, when a positive integer).
project::ScanOptions scan_options_from_env(const EnvLookup& env);

/// The project as `metadata validate` reads it: <pgmi-meta> problems are collected, not fatal.
Result<project::Project> scan_for_validation(const std::string& path);

/// `metadata validate --json`: counts, validation_passed, duplicate_ids, problems.
nlohmann::ordered_json validation_json(const project::Project& project);

/// `metadata plan --json`: total_files, total_entries and one row per plan entry.
nlohmann::ordered_json plan_json(const project::Project& project,
                                 const std::vector<project::PlanEntry>& plan);

}  // namespace pgmi::cli
