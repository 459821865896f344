// `pgmi init [target_path] [-t|--template <name>]`: scaffold a project from an embedded template
// into a new or empty directory. At an interactive terminal without --template, a wizard asks
// for the directory, the template and (optionally) connection defaults for pgmi.yaml.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/reporter.hpp"
#include "config/connection_yaml.hpp"
#include "util/error.hpp"

namespace pgmi::cli {

using config::connection_block;
using config::ConnectionSettings;
using config::merge_connection;

struct CreateRequest {
    std::string target;  // as typed ("" = the current directory)
    std::string template_name;
    std::optional<std::string> project_name;          // nullopt: project_name_for(target, cwd)
    std::function<void(const std::string&)> verbose;  // may be empty
};

struct CreatedProject {
    std::filesystem::path path;  // absolute
    std::string project_name;
};

/// Scaffolds template `template_name` into `target` (created when missing, else it must be
/// empty apart from pgmi.yaml and .env, which are kept). Usage error (2) for an unknown
/// template or a non-empty directory; General (1) for a file system failure, after removing a
/// directory it created.
Result<CreatedProject> create_project(const CreateRequest& request);

/// Entries of `dir` that make it unfit for init: everything except pgmi.yaml and .env (hidden
/// entries count), sorted bytewise. A directory that does not exist has none.
Result<std::vector<std::string>> blocking_entries(const std::filesystem::path& dir);

/// The project name for `target` as typed: its last path element; for ".", ".." or "" the name
/// of the directory it resolves to from `cwd`; "project" when there is none (the root).
std::string project_name_for(const std::string& target, const std::filesystem::path& cwd);

/// Replaces every `{{NAME}}` of `vars` in `content`. Inside *.json files values are JSON-escaped;
/// elsewhere control characters become '?', so a name can never break a line-based format.
std::string substitute_placeholders(std::string_view content, std::string_view file_path,
                                    const std::map<std::string, std::string>& vars);

/// The text of a JSON string literal without the surrounding quotes.
std::string json_escape(std::string_view s);

/// `path` as a shell word: unchanged when it is plain, single-quoted otherwise.
std::string shell_quote(const std::string& path);

/// Adds `init`; `result` receives the exit code.
void add_init_command(CLI::App& app, int& result, const Reporter& reporter);

}  // namespace pgmi::cli
