#include "cli/info_command.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/metadata_command.hpp"
#include "config/project_config.hpp"
#include "project/scanner.hpp"
#include "report/human.hpp"
#include "ui/terminal.hpp"

namespace pgmi::cli {

namespace {

namespace fs = std::filesystem;

struct InfoArgs {
    std::vector<std::string> paths;
    bool json = false;
};

bool exists(const fs::path& p, bool want_dir) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0)
        return false;
    return S_ISDIR(st.st_mode) == want_dir;
}

std::string directory_of(const std::string& path) {
    return path.substr(0, path.rfind('/') + 1);
}

int run(const InfoArgs& args) {
    const std::string path = args.paths.empty() ? "." : args.paths.front();
    auto read = read_project_info(path);
    if (!read) {
        const std::string block = report::error_block(
            read.error().wrapped("failed to scan directory"), report::Redactor{});
        std::fputs(block.c_str(), stderr);
        return exit_code(read.error().kind);
    }
    const ProjectInfo& info = *read;

    if (info.metadata_problems > 0) {
        std::fputs(fmt::format("warning: {} <pgmi-meta> problem(s); run `pgmi metadata validate "
                               "{}` for details\n",
                               info.metadata_problems, path)
                       .c_str(),
                   stderr);
    }

    if (args.json) {
        const nlohmann::ordered_json j = info_json(info);
        const std::string out =
            j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        std::fwrite(out.data(), 1, out.size(), stdout);
        return 0;
    }

    const ui::Terminal term = ui::Terminal::detect(process_env());
    const std::string ok = term.plain_icons ? "ok" : "\u2713";
    const std::string bad = term.plain_icons ? "FAILED" : "\u2717";
    std::string out;
    out += "Project:    " + info.path + "\n";
    out += "Template:   " + info.template_name + "\n";
    out += "deploy.sql: " + (info.deploy_sql ? ok + " present" : bad + " missing") + "\n";
    out += "pgmi.yaml:  " + info.config_file + "\n";
    out += "\nFiles\n";
    out += fmt::format("  Total:    {}\n", info.total);
    out += fmt::format("  SQL:      {}\n", info.sql);
    out += fmt::format("  Tests:    {}\n", info.tests);
    out += fmt::format("  Metadata: {} / {}\n", info.with_metadata, info.sql - info.tests);
    out += "\nDirectories\n";
    for (const auto& [dir, count] : info.directories)
        out += fmt::format("  {:<30} {} files\n", dir, count);
    // Directory names and the path come from the project: escapes are shown, never acted on.
    out = report::terminal_safe(out);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

}  // namespace

Result<ProjectInfo> read_project_info(const std::string& path) {
    project::ScanOptions options = scan_options_from_env(process_env());
    options.metadata_errors_fatal = false;
    options.read_deploy_sql = false;
    auto project = project::scan(path, options);
    if (!project)
        return project.error();

    ProjectInfo info;
    std::error_code ec;
    fs::path absolute = fs::absolute(path, ec).lexically_normal();
    info.path = absolute.string();
    if (info.path.size() > 1 && info.path.back() == '/')
        info.path.pop_back();
    info.deploy_sql = exists(fs::path(path) / "deploy.sql", false);
    if (exists(fs::path(path) / "lib" / "api", true)) {
        info.template_name = "advanced";
    } else {
        info.template_name = info.deploy_sql ? "basic" : "unknown";
    }
    if (!exists(fs::path(path) / "pgmi.yaml", false) &&
        !exists(fs::path(path) / "pgmi.yaml", true)) {
        info.config_file = "absent";
    } else if (auto yaml = config::load_project_config(path); !yaml) {
        info.config_file = "error: " + yaml.error().message;
    } else {
        info.config_file = "ok";
    }
    info.total = project->scanned_files;
    info.tests = project->tests.size();
    info.sql = info.tests;  // test files are SQL files by construction
    for (const project::SourceFile& f : project->files) {
        info.sql += f.is_sql ? 1 : 0;
        info.with_metadata += f.metadata ? 1 : 0;
        ++info.directories[directory_of(f.path)];
    }
    for (const project::TestFile& t : project->tests)
        ++info.directories[t.directory];
    info.metadata_problems = project->metadata_problems.size() + project->duplicate_ids.size();
    return info;
}

nlohmann::ordered_json info_json(const ProjectInfo& info) {
    nlohmann::ordered_json j;
    j["path"] = info.path;
    j["template"] = info.template_name;
    j["deploySql"] = info.deploy_sql;
    j["configFile"] = info.config_file;
    j["totalFiles"] = info.total;
    j["sqlFiles"] = info.sql;
    j["testFiles"] = info.tests;
    j["metadataWith"] = info.with_metadata;
    j["metadataProblems"] = info.metadata_problems;
    nlohmann::ordered_json dirs = nlohmann::ordered_json::object();
    for (const auto& [dir, count] : info.directories)
        dirs[dir] = count;
    j["directories"] = dirs;
    return j;
}

void add_info_command(CLI::App& app, int& result) {
    auto args = std::make_shared<InfoArgs>();
    CLI::App* cmd =
        app.add_subcommand("info", "Describe a project directory (files, tests, metadata)");
    cmd->description(
        "Describe a project directory (files, tests, metadata)\n\n"
        "Reads the directory like `pgmi deploy` does, without a database: template, deploy.sql, "
        "pgmi.yaml, file counts and directories.");
    cmd->footer("Examples:\n  pgmi info\n  pgmi info ./myproject --json\n");
    cmd->set_help_flag("--help", "Show help for info");
    cmd->add_option("path", args->paths, "Project directory (default .)");
    cmd->add_flag("--json", args->json, "Print the description as JSON on stdout");
    cmd->callback([args, &result] {
        if (args->paths.size() > 1) {
            throw CLI::ValidationError("usage error: accepts at most 1 arg(s), received " +
                                       std::to_string(args->paths.size()));
        }
        result = run(*args);
    });
}

}  // namespace pgmi::cli
