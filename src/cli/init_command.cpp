#include "cli/init_command.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <system_error>

#include "cli/connection_wizard.hpp"
#include "cli/templates_command.hpp"
#include "config/project_config.hpp"
#include "ui/terminal.hpp"
#include "ui/tree.hpp"
#include "ui/wizard.hpp"
#include "util/env.hpp"
#include "util/file.hpp"

namespace pgmi::cli {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kDefaultTemplate = "basic";
constexpr std::string_view kDefaultDatabase = "mydb";

struct InitArgs {
    std::vector<std::string> positionals;
    std::optional<std::string> template_name;
    bool verbose = false;
};

// What the user asked for, from flags or from the wizard.
struct InitRequest {
    std::string target;  // as typed ("" = ".")
    std::string template_name;
    bool verbose = false;
    std::optional<ConnectionSetup> connection;  // from the connection wizard
};

void err(std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), stderr);
    std::fflush(stderr);
}

void out(std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
}

fs::path absolute_path(const std::string& target) {
    std::error_code ec;
    fs::path abs = fs::absolute(target.empty() ? fs::path(".") : fs::path(target), ec);
    if (ec)
        abs = fs::path(target);
    abs = abs.lexically_normal();
    // "/a/b/" -> "/a/b" (but keep "/")
    std::string s = abs.string();
    while (s.size() > 1 && s.back() == '/')
        s.pop_back();
    return fs::path(s);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string s;
    for (const auto& i : items) {
        if (!s.empty())
            s += sep;
        s += i;
    }
    return s;
}

// Why `abs` cannot receive a project, for the wizard; nullopt when it can.
std::optional<std::string> unfit_reason(const fs::path& abs) {
    std::error_code ec;
    const auto st = fs::status(abs, ec);
    if (ec || !fs::exists(st))
        return std::nullopt;
    if (!fs::is_directory(st))
        return fmt::format("'{}' exists and is not a directory", abs.string());
    auto blocking = blocking_entries(abs);
    if (!blocking)
        return blocking.error().message;
    if (!blocking->empty()) {
        return fmt::format("Directory is not empty: '{}' contains: {}", abs.string(),
                           join(*blocking, ", "));
    }
    return std::nullopt;
}

/// Creates a new file of the scaffold. Exclusively: the directory held nothing in the way when it
/// was checked, so anything at `path` now (a link planted meanwhile, a dangling link named .env)
/// is refused rather than written through.
Status write_file(const fs::path& path, std::string_view content, mode_t mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return make_error(ErrorKind::General, std::strerror(errno));
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int saved = errno;
            ::close(fd);
            return make_error(ErrorKind::General, std::strerror(saved));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fchmod(fd, mode) != 0 || ::close(fd) != 0)
        return make_error(ErrorKind::General, std::strerror(errno));
    return Status::ok();
}

std::vector<std::string> walk(const fs::path& root) {
    std::vector<std::string> paths;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        std::string rel = fs::relative(it->path(), root, ec).generic_string();
        if (ec)
            break;
        std::error_code dir_ec;
        if (it->is_directory(dir_ec) && !it->is_symlink(dir_ec))
            rel += '/';
        paths.push_back(rel);
    }
    return paths;
}

void write_connection(const fs::path& abs, const std::string& shown, const ConnectionSetup& c,
                      const ui::Terminal& term) {
    // The scaffold's pgmi.yaml was created a moment ago; with a connection it becomes 0600 like
    // every pgmi.yaml a wizard creates.
    if (Status saved = save_connection(abs, c.settings, 0600); !saved) {
        err(fmt::format("WARNING: could not save connection: {}\n", saved.error().message));
        return;
    }
    err(fmt::format("Wrote {}/pgmi.yaml\n", shown));
    if (!c.password.empty()) {
        ui::Wizard w(term);
        offer_pgpass(w, c, process_env());
    }
}

int scaffold(const InitRequest& req, const ui::Terminal& term, const Reporter& rep) {
    const std::string shown = req.target.empty() ? "." : req.target;
    auto verbose = [&req](const std::string& line) {
        if (req.verbose)
            err("[VERBOSE] " + line + "\n");
    };
    auto created = create_project({.target = req.target,
                                   .template_name = req.template_name,
                                   .project_name = std::nullopt,
                                   .verbose = verbose});
    if (!created)
        return rep.fail(created.error());
    const fs::path& abs = created->path;

    err(fmt::format("Wrote {} ({} template).\n", shown, req.template_name));
    if (req.connection)
        write_connection(abs, shown, *req.connection, term);
    out(ui::render_tree(abs.string(), walk(abs)) + "\n");
    if (req.template_name == "advanced") {
        // The template creates roles and extensions; say so before the first deploy fails.
        err("\nThe advanced template creates roles and the extensions pgcrypto and pg_trgm "
            "(PostgreSQL contrib):\ndeploy as a role with CREATEROLE and CREATEDB; no superuser "
            "needed.\nProduction: pass env=prod and real role passwords (see README.md, "
            "\"Production\").\n");
    }

    const std::string target = shell_quote(shown);
    const std::string db = req.connection && !req.connection->settings.database.empty()
                               ? req.connection->settings.database
                               : std::string(kDefaultDatabase);
    const std::string ephemeral = fmt::format("pgmi deploy {} --ephemeral", target);
    const std::string real = fmt::format("pgmi deploy {} -d {}", target, shell_quote(db));
    const std::size_t width = std::max(ephemeral.size(), real.size()) + 3;
    const std::string readme = shown == "." ? "README.md" : shown + "/README.md";
    err(
        fmt::format("\nNext:\n  {:<{}}# try it on a throwaway local PostgreSQL\n"
                    "  {:<{}}# deploy to your server (pgmi.yaml, PG* variables or "
                    "--connection)\n\n"
                    "{} explains the project in five minutes; `pgmi deploy --help` lists every "
                    "flag.\n",
                    ephemeral, width, real, width, readme));
    return 0;
}

// --- the wizard -------------------------------------------------------------------------------

enum class Flow { Done, Cancelled };

Flow run_wizard(const ui::Terminal& term, InitRequest& req) {
    ui::Wizard w(term);
    w.title("pgmi init - Project Setup");
    w.note("Enter accepts, Tab completes directories, Esc goes back, Ctrl+C cancels.\n");
    const auto templates = available_templates();
    std::size_t template_index = 0;
    std::string dir = req.target;
    const EnvLookup env = process_env();
    const auto home = non_empty(env, "HOME");
    std::error_code ec;
    const fs::path cwd = fs::current_path(ec);
    auto completer = [&cwd, &home](const std::string& input) {
        return ui::complete_directories(input, cwd, home);
    };

    int step = 1;
    for (;;) {
        if (step == 1) {
            auto a = w.text("Project directory", dir, completer,
                            [](const std::string& v) { return unfit_reason(absolute_path(v)); });
            if (a.step != ui::Step::Next)
                return Flow::Cancelled;
            dir = a.value;
            req.target = dir;
            step = 2;
        } else if (step == 2) {
            std::vector<ui::Choice> choices;
            choices.reserve(templates.size());
            for (const TemplateInfo* t : templates)
                choices.push_back({std::string(t->name), std::string(t->summary)});
            auto a = w.choose("Template", choices, template_index);
            if (a.step == ui::Step::Cancel)
                return Flow::Cancelled;
            if (a.step == ui::Step::Back) {
                step = 1;
                continue;
            }
            template_index = a.value;
            req.template_name = std::string(templates.at(a.value)->name);
            step = 3;
        } else {
            auto a = w.confirm("Configure a database connection now?", false);
            if (a.step == ui::Step::Cancel)
                return Flow::Cancelled;
            if (a.step == ui::Step::Back) {
                step = 2;
                continue;
            }
            if (!a.value)
                return Flow::Done;
            w.note("");
            auto c = run_connection_wizard(w, term, process_env(), {.saving = true});
            if (c.step == ui::Step::Back)
                continue;  // ask again whether to configure a connection
            if (c.step == ui::Step::Next)
                req.connection = std::move(c.value);
            else
                w.note("Connection setup cancelled; scaffolding without it.");
            return Flow::Done;
        }
    }
}

int run(const InitArgs& args, const Reporter& rep) {
    if (args.positionals.size() > 1) {
        return rep.usage(
            fmt::format("accepts at most 1 arg(s), received {}", args.positionals.size()));
    }
    InitRequest req;
    req.target = args.positionals.empty() ? "" : args.positionals.front();
    req.verbose = args.verbose;
    req.template_name = args.template_name.value_or(std::string(kDefaultTemplate));

    const EnvLookup env = process_env();
    const ui::Terminal term = ui::Terminal::detect(env);
    if (term.interactive && !args.template_name) {
        // The wizard owns the terminal (raw mode) only while it asks.
        Flow flow = Flow::Cancelled;
        try {
            flow = run_wizard(term, req);
        } catch (const std::exception& e) {
            return rep.general(fmt::format("init wizard failed: {}", e.what()));
        }
        if (flow == Flow::Cancelled) {
            err("Cancelled.\n");
            return 0;
        }
        err("\n");
    }
    return scaffold(req, term, rep);
}

}  // namespace

Result<CreatedProject> create_project(const CreateRequest& req) {
    if (find_template(req.template_name) == nullptr)
        return make_error(ErrorKind::Usage, unknown_template_message(req.template_name));
    const fs::path abs = absolute_path(req.target);
    auto verbose = [&req](const std::string& line) {
        if (req.verbose)
            req.verbose(line);
    };

    std::error_code ec;
    const auto st = fs::status(abs, ec);
    bool created = false;
    if (fs::exists(st)) {
        if (!fs::is_directory(st)) {
            return make_error(ErrorKind::General,
                              fmt::format("failed to create project: {}: path exists but is not "
                                          "a directory",
                                          abs.string()));
        }
        auto blocking = blocking_entries(abs);
        if (!blocking)
            return blocking.error().wrapped("failed to create project");
        if (!blocking->empty()) {
            return make_error(
                ErrorKind::Usage,
                fmt::format("directory \"{}\" is not empty (blocking: [{}])\nHINT: scaffold into a "
                            "new directory instead, e.g. pgmi init ./new-project",
                            abs.string(), join(*blocking, " ")));
        }
    } else {
        fs::create_directories(abs, ec);
        if (ec) {
            return make_error(ErrorKind::General, fmt::format("failed to create project: {}: {}",
                                                              abs.string(), ec.message()));
        }
        fs::permissions(abs, fs::perms(0755), ec);
        created = true;
    }

    const std::string name =
        req.project_name.value_or(project_name_for(req.target, fs::current_path(ec)));
    verbose(fmt::format("Creating project '{}' at {} with template '{}'", name, abs.string(),
                        req.template_name));
    const std::map<std::string, std::string> vars = {{"PROJECT_NAME", name}};

    auto fail = [&](const std::string& message) -> Error {
        if (created) {
            std::error_code rm_ec;
            fs::remove_all(abs, rm_ec);
        }
        return make_error(ErrorKind::General, "failed to create project: " + message);
    };
    for (const TemplateFile& file : template_files(req.template_name)) {
        const fs::path rel(file.path);
        // Directories first, each created (and announced) once.
        fs::path dir_rel;
        for (const auto& part : rel.parent_path()) {
            dir_rel /= part;
            const fs::path dir = abs / dir_rel;
            if (fs::exists(dir, ec))
                continue;
            fs::create_directory(dir, ec);
            if (ec)
                return fail(fmt::format("{}: {}", dir.string(), ec.message()));
            fs::permissions(dir, fs::perms(0755), ec);
            verbose("Creating directory: " + dir_rel.generic_string());
        }
        const fs::path dest = abs / rel;
        // Any entry there is kept, a dangling link included (fs::exists would follow it, and
        // the exclusive create would then fail after the other files were written).
        if ((file.path == "pgmi.yaml" || file.path == ".env") &&
            fs::exists(fs::symlink_status(dest, ec))) {
            verbose("Skipping existing: " + file.path);
            continue;
        }
        Status s = write_file(dest, substitute_placeholders(file.content, file.path, vars), 0644);
        if (!s)
            return fail(fmt::format("{}: {}", dest.string(), s.error().message));
        verbose("Creating file: " + file.path);
    }
    verbose("Project created successfully");
    return CreatedProject{abs, name};
}

Result<std::vector<std::string>> blocking_entries(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    if (!fs::exists(dir, ec))
        return names;
    fs::directory_iterator it(dir, ec);
    if (ec)
        return make_error(ErrorKind::General,
                          fmt::format("cannot read directory {}: {}", dir.string(), ec.message()));
    for (const auto& entry : it) {
        std::string name = entry.path().filename().string();
        if (name == "pgmi.yaml" || name == ".env")
            continue;
        names.push_back(std::move(name));
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string project_name_for(const std::string& target, const fs::path& cwd) {
    std::string t = target;
    while (t.size() > 1 && t.back() == '/')
        t.pop_back();
    fs::path last = fs::path(t).filename();
    std::string name = last.string();
    if (name.empty() || name == "." || name == ".." || t.empty()) {
        const fs::path resolved = (cwd / (t.empty() ? "." : t)).lexically_normal();
        std::string s = resolved.string();
        while (s.size() > 1 && s.back() == '/')
            s.pop_back();
        name = fs::path(s).filename().string();
    }
    if (name.empty() || name == "/" || name == "." || name == "..")
        return "project";
    return name;
}

std::string json_escape(std::string_view s) {
    // nlohmann writes a complete literal; invalid UTF-8 becomes U+FFFD instead of throwing.
    const std::string literal = nlohmann::json(std::string(s))
                                    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return literal.substr(1, literal.size() - 2);
}

std::string substitute_placeholders(std::string_view content, std::string_view file_path,
                                    const std::map<std::string, std::string>& vars) {
    const bool json = file_path.size() >= 5 && file_path.substr(file_path.size() - 5) == ".json";
    std::string result;
    std::size_t pos = 0;
    while (pos < content.size()) {
        const std::size_t open = content.find("{{", pos);
        if (open == std::string_view::npos)
            break;
        const std::size_t close = content.find("}}", open + 2);
        if (close == std::string_view::npos)
            break;
        const std::string key(content.substr(open + 2, close - open - 2));
        auto it = vars.find(key);
        result.append(content.substr(pos, open - pos));
        if (it == vars.end()) {
            result.append(content.substr(open, 2));
            pos = open + 2;
            continue;
        }
        if (json) {
            result += json_escape(it->second);
        } else {
            for (const char c : it->second) {
                const auto u = static_cast<unsigned char>(c);
                result += (u < 0x20 || u == 0x7F) ? '?' : c;
            }
        }
        pos = close + 2;
    }
    result.append(content.substr(pos));
    return result;
}

std::string shell_quote(const std::string& path) {
    if (!path.empty() &&
        path.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                               "_-./~+@%:,") == std::string::npos &&
        path.front() != '~')
        return path;
    std::string q = "'";
    for (const char c : path) {
        if (c == '\'')
            q += "'\\''";
        else
            q += c;
    }
    q += "'";
    return q;
}

void add_init_command(CLI::App& app, int& result, const Reporter& reporter) {
    auto args = std::make_shared<InitArgs>();
    CLI::App* cmd = app.add_subcommand("init", "Create a new project from a template");
    cmd->description(
        "Create a new project from a template\n\n"
        "Scaffolds a complete, deployable project (deploy.sql, migrations, tests, pgmi.yaml) "
        "into a new or empty directory; an existing pgmi.yaml or .env is kept. At a terminal, "
        "without --template, a short wizard asks for the directory, the template and optional "
        "connection defaults.");
    cmd->footer(
        "Examples:\n"
        "  pgmi init myproject                  # then: pgmi deploy myproject --ephemeral\n"
        "  pgmi init ./db -t basic              # no questions asked\n"
        "  pgmi init                            # the wizard (at a terminal)\n"
        "  pgmi templates list                  # the available templates\n");
    cmd->add_option("target_path", args->positionals, "Directory to create (default: .)")
        ->type_name("[target_path]");
    cmd->add_option("-t,--template", args->template_name,
                    "Template to copy (see `pgmi templates list`; default basic)")
        ->type_name("string");
    cmd->add_flag("-v,--verbose", args->verbose, "Show every directory and file created");
    cmd->callback([args, &result, &reporter] { result = run(*args, reporter); });
}

}  // namespace pgmi::cli
