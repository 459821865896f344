#include "cli/metadata_command.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/app.hpp"
#include "project/metadata.hpp"
#include "project/plan.hpp"
#include "report/human.hpp"
#include "util/file.hpp"

namespace pgmi::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

constexpr std::string_view kBom = "\xEF\xBB\xBF";

struct MetadataArgs {
    std::vector<std::string> paths;
    bool write = false;
    bool idempotent = true;
    bool json = false;
    bool verbose = false;
};

/// Every human line of these commands: file names, sort keys and descriptions come from the
/// project, so escape sequences in them are made visible, never acted on.
void err_line(std::string_view text) {
    std::string s = report::terminal_safe(text);
    s += '\n';
    std::fwrite(s.data(), 1, s.size(), stderr);
    std::fflush(stderr);
}

void print_json(const ordered_json& j) {
    const std::string out = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
}

int fail(const Error& error) {
    const std::string block = report::error_block(error, report::Redactor{});
    std::fwrite(block.data(), 1, block.size(), stderr);
    return exit_code(error.kind);
}

/// Exactly one <project_path> (commands §1 argument rules); throws the usage error otherwise.
std::string one_path(const MetadataArgs& args, const std::string& command) {
    if (args.paths.empty()) {
        throw CLI::ValidationError(
            "usage error: missing required argument: <project_path>\n\nUsage: pgmi metadata " +
            command + " <project_path> [flags]\n\nExample:\n  pgmi metadata " + command + " .");
    }
    if (args.paths.size() > 1) {
        throw CLI::ValidationError("usage error: accepts 1 arg(s), received " +
                                   std::to_string(args.paths.size()));
    }
    return args.paths.front();
}

std::string bool_text(bool b) {
    return b ? "true" : "false";
}

// ---- scaffold ----------------------------------------------------------------------------------

/// Text for XML character data inside a SQL block comment: markup escaped, and every '*' as a
/// reference so a path can neither close the comment ("*/") nor open a nested one ("/*").
std::string xml_text(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '*':
                out += "&#42;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

/// The block scaffold prepends: id = generic_id of the path, key = the path (the order the file
/// already had without metadata).
std::string scaffold_block(const std::string& path, bool idempotent) {
    const std::string base = path.substr(path.rfind('/') + 1);
    return "/*\n<pgmi-meta\n    id=\"" + project::md5_uuid(path).str() + "\"\n    idempotent=\"" +
           bool_text(idempotent) + "\">\n  <description>\n    Auto-generated metadata for " +
           xml_text(base) + "\n  </description>\n  <sortKeys>\n    <key>" + xml_text(path) +
           "</key>\n  </sortKeys>\n</pgmi-meta>\n*/\n\n";
}

Error write_error(const std::string& path, const std::string& what, int err) {
    return make_error(ErrorKind::General,
                      "failed to write " + path + ": " + what + ": " + std::strerror(err));
}

/// Prepends the block to the file on disk, atomically: a hidden temporary file in the same
/// directory (never loaded by a scan if left behind), same mode, fsync, rename.
Status write_scaffold(const fs::path& root, const project::SourceFile& file, bool idempotent) {
    const std::string block = scaffold_block(file.path, idempotent);
    // The block must read back as exactly what the plan will use; a path XML cannot carry
    // (control characters) is refused rather than written wrong.
    const std::string updated = block + file.content;
    const project::Extraction check = project::extract_metadata(updated, file.path);
    if (!check.metadata || check.metadata->id != project::md5_uuid(file.path) ||
        check.metadata->sort_keys != std::vector<std::string>{file.path}) {
        return make_error(ErrorKind::General,
                          "cannot scaffold " + file.path +
                              ": its path holds characters a <pgmi-meta> block cannot carry; "
                              "write the block by hand");
    }

    const fs::path target = root / file.path.substr(2);
    // Read again (the file may have changed since the scan), as the scan reads: no link, only a
    // regular file, and never more than the scanned content could be.
    util::ReadResult raw =
        util::read_regular_file(target, {.max_bytes = file.content.size() + kBom.size(),
                                         .follow_symlinks = false,
                                         .shown = file.path});
    if (!raw) {
        const util::FileError& e = raw.error();
        if (e.fault == util::FileFault::TooLarge || e.fault == util::FileFault::Grew) {
            return make_error(ErrorKind::General,
                              file.path + " changed while scaffold ran; run it again");
        }
        if (e.fault == util::FileFault::Missing || e.fault == util::FileFault::Unreadable)
            return write_error(file.path, std::string(e.step), e.os_error);
        return make_error(ErrorKind::General, "failed to write " + e.message);
    }
    const std::string_view text = raw.value();
    const bool bom = text.starts_with(kBom);
    if (text.substr(bom ? kBom.size() : 0) != file.content) {
        return make_error(ErrorKind::General,
                          file.path + " changed while scaffold ran; run it again");
    }
    const std::string out = (bom ? std::string(kBom) : std::string()) + updated;
    // The file keeps its mode: the replacement gets it exactly, whatever the umask.
    struct stat st {};
    if (::lstat(target.c_str(), &st) != 0)
        return write_error(file.path, "stat", errno);
    if (Status s = util::write_file_atomic(
            target, out, {.mode = static_cast<mode_t>(st.st_mode & 07777), .exact_mode = true});
        !s) {
        return make_error(ErrorKind::General,
                          "failed to write " + file.path + ": " + s.error().message);
    }
    return Status::ok();
}

int run_scaffold(const MetadataArgs& args, const std::string& path) {
    err_line("Scanning SQL files...");
    if (args.verbose) {
        err_line("[VERBOSE] Project path: " + path);
        err_line("[VERBOSE] Preview only: " + bool_text(!args.write));
        err_line("[VERBOSE] Default idempotent: " + bool_text(args.idempotent));
    }
    auto project = project::scan(path, scan_options_from_env(process_env()));
    if (!project)
        return fail(project.error().wrapped("failed to scan directory"));
    std::vector<const project::SourceFile*> targets;
    for (const project::SourceFile& f : project->files) {
        if (f.is_sql && !f.metadata)
            targets.push_back(&f);
    }
    if (targets.empty()) {
        err_line("All SQL files already have metadata.");
        return 0;
    }
    err_line("Found " + std::to_string(targets.size()) + " file(s) without metadata:");
    err_line("");
    size_t written = 0;
    for (const project::SourceFile* f : targets) {
        err_line("  " + f->path);
        err_line("    ID: " + project::md5_uuid(f->path).str() + " (fallback)");
        err_line("    Idempotent: " + bool_text(args.idempotent));
        if (args.write) {
            if (Status s = write_scaffold(path, *f, args.idempotent); !s)
                return fail(s.error());
            err_line("    Written to file");
            ++written;
        }
        err_line("");
    }
    if (args.write) {
        err_line("Generated metadata for " + std::to_string(written) + " file(s).");
    } else {
        err_line("Preview mode: no files were modified. Use --write to apply changes.");
    }
    return 0;
}

// ---- validate ----------------------------------------------------------------------------------

int run_validate(const MetadataArgs& args, const std::string& path) {
    if (!args.json) {
        err_line("Scanning and validating SQL files...");
    }
    auto project = scan_for_validation(path);
    if (!project)
        return fail(project.error().wrapped("validation failed"));
    if (!args.json)
        err_line("Validating metadata graph...");
    const ordered_json j = validation_json(*project);
    if (args.json) {
        print_json(j);
    } else {
        err_line("");
        err_line("Validation Summary:");
        err_line("  Total files: " + j["total_files"].dump());
        err_line("  Files with metadata: " + j["files_with_metadata"].dump());
        err_line("  Files without metadata: " + j["files_without_metadata"].dump());
        err_line("");
    }
    if (!j["validation_passed"].get<bool>()) {
        return fail(project::metadata_error(project->metadata_problems, project->duplicate_ids)
                        .wrapped("metadata validation failed"));
    }
    if (!args.json)
        err_line("Metadata validation passed.");
    return 0;
}

// ---- plan --------------------------------------------------------------------------------------

int run_plan(const MetadataArgs& args, const std::string& path) {
    if (!args.json)
        err_line("Scanning files and computing the deployment plan...");
    auto project = project::scan(path, scan_options_from_env(process_env()));
    if (!project)
        return fail(project.error().wrapped("failed to scan directory"));
    const std::vector<project::PlanEntry> plan = project::build_plan(project->files);

    if (args.json) {
        print_json(plan_json(*project, plan));
        return 0;
    }
    err_line("");
    err_line("Deployment plan (" + std::to_string(plan.size()) + " entries from " +
             std::to_string(project->files.size()) + " files):");
    err_line("");
    for (const project::PlanEntry& e : plan) {
        err_line(std::to_string(e.execution_order) + ". " + e.path);
        err_line("   Sort key: " + e.sort_key);
        err_line("   ID: " + (e.id ? e.id->str() : std::string("none (no <pgmi-meta> block)")));
        err_line("   Generic ID: " + e.generic_id.str());
        if (!e.description.empty())
            err_line("   Description: " + e.description);
        err_line("   Idempotent: " + bool_text(e.idempotent));
        err_line("");
    }
    err_line(
        "Note: these are the rows of pg_temp.pgmi_plan_view in execution_order; deploy.sql "
        "decides what runs.");
    return 0;
}

CLI::App* add_leaf(CLI::App* group, const std::string& name, const std::string& summary,
                   const std::string& details, const std::string& examples,
                   const std::shared_ptr<MetadataArgs>& args) {
    CLI::App* cmd = group->add_subcommand(name, summary);
    cmd->description(summary + "\n\n" + details);
    cmd->footer("Examples:\n" + examples);
    cmd->set_help_flag("--help", "Show help for " + name);
    cmd->add_option("project_path", args->paths, "Project directory");
    cmd->add_flag("-v,--verbose", args->verbose, "Explain every step on stderr");
    return cmd;
}

}  // namespace

project::ScanOptions scan_options_from_env(const EnvLookup& env) {
    project::ScanOptions options;
    if (auto m = non_empty(env, "PGMI_MAX_FILE_SIZE")) {
        char* end = nullptr;
        const unsigned long long v = std::strtoull(m->c_str(), &end, 10);
        if (end != nullptr && *end == '\0' && v > 0 && (*m)[0] != '-')
            options.max_file_size = v;
    }
    return options;
}

Result<project::Project> scan_for_validation(const std::string& path) {
    project::ScanOptions options = scan_options_from_env(process_env());
    options.metadata_errors_fatal = false;
    return project::scan(path, options);
}

ordered_json validation_json(const project::Project& project) {
    size_t with = 0;
    for (const project::SourceFile& f : project.files)
        with += f.metadata ? 1 : 0;
    const size_t total = project.scanned_files;
    ordered_json j;
    j["total_files"] = total;
    j["files_with_metadata"] = with;
    j["files_without_metadata"] = total - with;
    j["validation_passed"] = project.metadata_problems.empty() && project.duplicate_ids.empty();
    ordered_json dups = ordered_json::array();
    for (const project::DuplicateId& d : project.duplicate_ids) {
        std::string entry = d.id.str() + ":";
        for (size_t i = 0; i < d.paths.size(); ++i)
            entry += (i == 0 ? " " : ", ") + d.paths[i];
        dups.push_back(entry);
    }
    j["duplicate_ids"] = dups;
    ordered_json problems = ordered_json::array();
    for (const project::MetadataProblem& p : project.metadata_problems)
        problems.push_back({{"path", p.path}, {"line", p.line}, {"message", p.text}});
    j["problems"] = problems;
    return j;
}

ordered_json plan_json(const project::Project& project,
                       const std::vector<project::PlanEntry>& plan) {
    ordered_json j;
    j["total_files"] = project.files.size();
    j["total_entries"] = plan.size();
    ordered_json rows = ordered_json::array();
    for (const project::PlanEntry& e : plan) {
        ordered_json row;
        row["execution_order"] = e.execution_order;
        row["path"] = e.path;
        row["sort_key"] = e.sort_key;
        row["generic_id"] = e.generic_id.str();
        row["id"] = e.id ? ordered_json(e.id->str()) : ordered_json(nullptr);
        row["idempotent"] = e.idempotent;
        row["description"] = e.description;
        row["checksum"] = e.checksum;
        rows.push_back(std::move(row));
    }
    j["plan"] = rows;
    return j;
}

void add_metadata_command(CLI::App& app, int& result) {
    CLI::App* group =
        app.add_subcommand("metadata", "Scaffold, validate and plan <pgmi-meta> blocks (offline)");
    group->description(
        "Scaffold, validate and plan <pgmi-meta> blocks (offline)\n\n"
        "A SQL file may carry one <pgmi-meta> block in a /* */ comment: its id, whether it is "
        "idempotent, its sort keys and a description. These commands read the project like "
        "`pgmi deploy` does, without a database.");
    group->footer(
        "Examples:\n"
        "  pgmi metadata scaffold . --write\n"
        "  pgmi metadata validate . --json\n"
        "  pgmi metadata plan .\n");
    // Bare: this help. Unlike the reference, an unknown word is an error (issue 16).
    group->require_subcommand(0, 1);
    group->callback([group, &result] {
        if (group->get_subcommands().empty()) {
            const std::string help = render_help(*group);
            std::fwrite(help.data(), 1, help.size(), stdout);
            result = 0;
        }
    });

    auto scaffold = std::make_shared<MetadataArgs>();
    CLI::App* s = add_leaf(
        group, "scaffold", "Add a <pgmi-meta> block to every SQL file without one",
        "Previews unless --write. The generated id is the file's generic_id (MD5 of its ./path, "
        "as in pg_temp.pgmi_plan_view) and its sort key is the path, so scaffolding changes "
        "neither the ids nor the plan order.",
        "  pgmi metadata scaffold .\n  pgmi metadata scaffold ./myproject --write "
        "--idempotent=false\n",
        scaffold);
    s->add_flag("--write", scaffold->write, "Write the blocks into the files");
    s->add_flag("--idempotent", scaffold->idempotent,
                "idempotent attribute of the generated blocks (default true)");
    s->callback(
        [scaffold, &result] { result = run_scaffold(*scaffold, one_path(*scaffold, "scaffold")); });

    auto validate = std::make_shared<MetadataArgs>();
    CLI::App* v =
        add_leaf(group, "validate", "Check every <pgmi-meta> block and that ids are unique",
                 "Lists every problem of every file at once and exits 10 when there is any, "
                 "as `pgmi deploy` would before connecting.",
                 "  pgmi metadata validate .\n  pgmi metadata validate . --json\n", validate);
    v->add_flag("--json", validate->json, "Print the summary as JSON on stdout");
    v->callback(
        [validate, &result] { result = run_validate(*validate, one_path(*validate, "validate")); });

    auto plan = std::make_shared<MetadataArgs>();
    CLI::App* p =
        add_leaf(group, "plan", "Show the deployment plan: the rows of pgmi_plan_view, in order",
                 "One row per sort key of every non-test file (SQL or not), ordered by sort key "
                 "then path in byte order: exactly what pg_temp.pgmi_plan_view will hold.",
                 "  pgmi metadata plan .\n  pgmi metadata plan . --json\n", plan);
    p->add_flag("--json", plan->json, "Print the plan as JSON on stdout");
    p->callback([plan, &result] { result = run_plan(*plan, one_path(*plan, "plan")); });
}

}  // namespace pgmi::cli
