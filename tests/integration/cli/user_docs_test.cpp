// The user guide runs: every ```sh block of docs/user/*.md is run by bash (-e, pipefail) in the
// order of its page, the blocks of one page sharing a fresh working directory, with the built pgmi
// first on PATH and PGHOST/PGPORT/PGUSER pointing at this binary's PostgreSQL. A command line
// ending in "# exit N" must fail with exit code N. Command lines may only appear in ```sh blocks:
// a `pgmi ...` line in any other block fails the test, so no command of the guide goes unrun.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "support/support.hpp"

namespace pgmi::test {
namespace {

namespace fs = std::filesystem;

struct Block {
    std::string where;  // "docs/user/ci.md:12"
    std::string script;
};

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos)
        return "";
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// "cmd  # exit 13" -> a check that cmd exits 13; other lines are kept.
std::string expand_line(const std::string& line) {
    const auto at = line.rfind("# exit ");
    if (at == std::string::npos)
        return line;
    const std::string code = trim(line.substr(at + 7));
    if (code.empty() || !std::all_of(code.begin(), code.end(), ::isdigit))
        return line;
    const std::string cmd = trim(line.substr(0, at));
    return "if ( " + cmd + " ); then echo 'docs: expected exit " + code +
           ", got 0' >&2; exit 1; else rc=$?; if [ $rc -ne " + code +
           " ]; then echo \"docs: expected exit " + code + ", got $rc\" >&2; exit 1; fi; fi";
}

struct Page {
    std::string name;
    std::vector<Block> blocks;
    std::vector<std::string> unrun;  // command lines outside ```sh blocks
};

Page parse(const fs::path& file) {
    Page page{"docs/user/" + file.filename().string(), {}, {}};
    const std::string text = read_whole_file(file);
    std::size_t pos = 0;
    int line_no = 0;
    enum { kProse, kRun, kOther } state = kProse;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos)
            end = text.size();
        const std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        const std::string where = page.name + ":" + std::to_string(line_no);
        if (state == kProse && line.rfind("```", 0) == 0) {
            if (line == "```sh") {
                state = kRun;
                page.blocks.push_back({where, ""});
            } else {
                state = kOther;
            }
        } else if (state != kProse && line == "```") {
            state = kProse;
        } else if (state == kRun) {
            page.blocks.back().script += expand_line(line) + "\n";
        } else if (state == kOther) {
            const std::string t = trim(line);
            if (t.rfind("pgmi ", 0) == 0 || t.rfind("$ pgmi", 0) == 0)
                page.unrun.push_back(where + ": " + t);
        }
    }
    EXPECT_EQ(state, kProse) << page.name << ": unclosed code block";
    return page;
}

TEST(UserDocs, EveryShellBlockRuns) {
    const fs::path dir = fs::path(PGMI_SOURCE_DIR) / "docs" / "user";
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() == ".md")
            files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    ASSERT_GE(files.size(), 9u) << "the user guide has lost pages";

    RunOptions options;
    const std::string bin_dir = fs::path(PGMI_BINARY).parent_path().string();
    const char* path = std::getenv("PATH");
    options.env["PATH"] = bin_dir + ":" + (path != nullptr ? path : "/usr/bin:/bin");
    options.env["PGHOST"] = server().socket_dir().string();
    options.env["PGPORT"] = std::to_string(server().port());
    options.env["PGUSER"] = server().superuser();
    options.env["PGMI_EXAMPLES"] = std::string(PGMI_SOURCE_DIR) + "/examples";
    options.timeout_seconds = 300;

    std::size_t run = 0;
    for (const auto& f : files) {
        const Page page = parse(f);
        for (const auto& u : page.unrun)
            ADD_FAILURE() << u << " is a command line outside a ```sh block (it would never run)";
        TempDir work;
        // The ephemeral server (run as postgres when the suite runs as root) reads projects here.
        fs::permissions(work.path(),
                        fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec,
                        fs::perm_options::add);
        options.env["HOME"] = work.path().string();
        options.cwd = work.path();
        for (const auto& b : page.blocks) {
            SCOPED_TRACE(b.where);
            const auto r =
                run_program({"/bin/bash", "-c", "set -eo pipefail\n" + b.script}, options);
            EXPECT_EQ(r.exit_code, 0) << b.where << "\n--- block ---\n"
                                      << b.script << "--- stdout ---\n"
                                      << r.out << "--- stderr ---\n"
                                      << r.err;
            ++run;
        }
    }
    EXPECT_GE(run, 25u) << "fewer runnable blocks than the guide had";
}

}  // namespace
}  // namespace pgmi::test
