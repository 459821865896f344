// `pgmi templates list` and `pgmi templates describe <name>`: the project templates embedded in
// this binary (resources/templates/<name>/), which `pgmi init` copies.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/reporter.hpp"

namespace pgmi::cli {

struct TemplateInfo {
    std::string_view name;
    std::string_view summary;   // one line
    std::string_view best_for;  // who should pick it
    std::string_view about;     // a paragraph
    std::vector<std::string_view> features;
};

/// Templates that are embedded in this binary, in recommended order.
std::vector<const TemplateInfo*> available_templates();

/// The embedded template called `name`, or nullptr.
const TemplateInfo* find_template(std::string_view name);

/// Names of available_templates(), in the same order.
std::vector<std::string> template_names();

struct TemplateFile {
    std::string path;  // relative to the template root, e.g. "migrations/001_users.sql"
    std::string_view content;
};

/// The files of template `name`, sorted by path (empty for an unknown template).
std::vector<TemplateFile> template_files(std::string_view name);

/// `unknown template "<name>" (available: [a b])` plus the line pointing to `templates list`.
std::string unknown_template_message(std::string_view name);

/// Adds `templates` with its `list` and `describe` subcommands.
void add_templates_command(CLI::App& app, int& result, const Reporter& reporter);

}  // namespace pgmi::cli
