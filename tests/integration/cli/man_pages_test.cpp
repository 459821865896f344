// The manual pages and --help cannot drift. The pages the build generated
// (build/generated-docs/man, what the package installs) are rendered by man(1), and:
//   - there is one section 1 page per command reachable through `--help`'s "Available Commands"
//     (walked here independently of the generator), plus pgmi-session(7) and pgmi-exit-codes(7);
//   - every line of a command's `--help` (section titles aside) appears in its rendered page;
//   - pgmi-exit-codes(7) holds every exit code of `pgmi ai contract` with its name and meaning,
//     and pgmi-session(7) every view, column and function of the session;
//   - the generated files are what the binary prints now (`pgmi __man <page>`), so a build that
//     skipped regenerating them fails too.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/support.hpp"

namespace pgmi::test {
namespace {

namespace fs = std::filesystem;

const fs::path kMan = fs::path(PGMI_BINARY).parent_path() / "generated-docs" / "man";

// White space runs collapsed to one space, ends trimmed.
std::string squash(const std::string& s) {
    std::string out;
    bool space = false;
    for (const char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = !out.empty();
            continue;
        }
        if (space)
            out += ' ';
        space = false;
        out += c;
    }
    return out;
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < s.size()) {
        std::size_t end = s.find('\n', pos);
        if (end == std::string::npos)
            end = s.size();
        out.push_back(s.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

std::string render(const fs::path& page) {
    RunOptions o;
    o.env["LC_ALL"] = "C";
    o.env["MANWIDTH"] = "300";
    o.env["MAN_KEEP_FORMATTING"] = std::nullopt;
    const auto r = run_program({"/usr/bin/man", "--warnings", "-l", page.string()}, o);
    EXPECT_EQ(r.exit_code, 0) << page << ": " << r.err;
    EXPECT_EQ(r.err, "") << page;
    return r.out;
}

// Commands under `path` (e.g. {"templates"}) from the "Available Commands" of their --help.
void walk(const std::vector<std::string>& path, std::set<std::string>& pages) {
    std::vector<std::string> args = path;
    args.push_back("--help");
    const auto r = run_pgmi(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string name = "pgmi";
    for (const auto& p : path)
        name += "-" + p;
    pages.insert(name);
    bool in = false;
    for (const auto& l : lines_of(r.out)) {
        if (l == "Available Commands:") {
            in = true;
        } else if (in && l.rfind("  ", 0) == 0) {
            auto sub = path;
            sub.push_back(squash(l).substr(0, squash(l).find(' ')));
            walk(sub, pages);
        } else {
            in = false;
        }
    }
}

struct Listed {
    std::string name;
    std::string section;
};

std::vector<Listed> listed_pages() {
    const auto r = run_pgmi({"__man"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<Listed> out;
    for (const auto& l : lines_of(r.out)) {
        const auto sp = l.find(' ');
        out.push_back({l.substr(0, sp), l.substr(sp + 1)});
    }
    return out;
}

fs::path file_of(const Listed& p) {
    return kMan / ("man" + p.section) / (p.name + "." + p.section + ".gz");
}

TEST(ManPages, OnePagePerCommandOfTheHelpTreeAndNoOther) {
    std::set<std::string> expected;
    walk({}, expected);
    expected.insert("pgmi-session");
    expected.insert("pgmi-exit-codes");
    std::set<std::string> listed;
    for (const auto& p : listed_pages())
        listed.insert(p.name);
    EXPECT_EQ(listed, expected);
    EXPECT_GE(listed.size(), 12u);

    std::set<std::string> generated;
    for (const auto& e : fs::recursive_directory_iterator(kMan)) {
        if (e.is_regular_file()) {
            std::string n = e.path().filename().string();  // pgmi-deploy.1.gz
            generated.insert(n.substr(0, n.find('.')));
        }
    }
    EXPECT_EQ(generated, expected) << "build/generated-docs is stale: rebuild the pgmi_docs target";
}

TEST(ManPages, EveryLineOfHelpIsInTheCommandsPage) {
    for (const auto& p : listed_pages()) {
        if (p.section != "1")
            continue;
        SCOPED_TRACE(p.name);
        std::vector<std::string> args;
        std::string rest = p.name.substr(4);  // "-templates-list"
        while (!rest.empty()) {
            rest.erase(0, 1);
            const auto dash = rest.find('-');
            args.push_back(rest.substr(0, dash));
            rest = dash == std::string::npos ? "" : rest.substr(dash);
        }
        args.push_back("--help");
        const auto help = run_pgmi(args);
        ASSERT_EQ(help.exit_code, 0);
        const std::string page = squash(render(file_of(p)));
        EXPECT_NE(page.find("NAME"), std::string::npos);
        int checked = 0;
        for (const auto& l : lines_of(help.out)) {
            const std::string want = squash(l);
            const bool title = !l.empty() && l.back() == ':' && l.front() != ' ' &&
                               l.find(' ') == l.rfind(' ') && l.size() < 24;
            if (want.empty() || title)
                continue;
            ++checked;
            EXPECT_NE(page.find(want), std::string::npos)
                << "--help line missing from " << p.name << "(1): " << l;
        }
        EXPECT_GE(checked, 3);
    }
}

TEST(ManPages, GeneratedFilesAreWhatTheBinaryPrintsNow) {
    for (const auto& p : listed_pages()) {
        SCOPED_TRACE(p.name);
        const auto now = run_pgmi({"__man", p.name});
        ASSERT_EQ(now.exit_code, 0);
        const auto unzipped = run_program({"/bin/gzip", "-dc", file_of(p).string()});
        ASSERT_EQ(unzipped.exit_code, 0) << unzipped.err;
        EXPECT_TRUE(unzipped.out == now.out) << file_of(p) << " differs from `pgmi __man " << p.name
                                             << "`: rebuild the pgmi_docs target";
    }
}

TEST(ManPages, SectionSevenPagesHoldTheContract) {
    const auto c = run_pgmi({"ai", "contract"});
    ASSERT_EQ(c.exit_code, 0);
    const auto contract = nlohmann::json::parse(c.out);
    const std::string codes = squash(render(kMan / "man7" / "pgmi-exit-codes.7.gz"));
    ASSERT_FALSE(contract["exit_codes"].empty());
    for (const auto& e : contract["exit_codes"]) {
        const std::string row = std::to_string(e["code"].get<int>()) + " (" +
                                e["name"].get<std::string>() + ") " +
                                e["description"].get<std::string>();
        EXPECT_NE(codes.find(squash(row)), std::string::npos) << row;
    }
    const std::string session = squash(render(kMan / "man7" / "pgmi-session.7.gz"));
    for (const auto& v : contract["views"]) {
        EXPECT_NE(session.find("pg_temp." + v["name"].get<std::string>()), std::string::npos);
        for (const auto& col : v["columns"])
            EXPECT_NE(session.find(col.get<std::string>()), std::string::npos) << col;
    }
    for (const auto& f : contract["functions"])
        EXPECT_NE(session.find("pg_temp." + f["name"].get<std::string>() + "("), std::string::npos)
            << f["name"];
    for (const auto& m : contract["macros"])
        EXPECT_NE(session.find(m["form"].get<std::string>()), std::string::npos) << m["form"];
}

TEST(ManPages, UnknownPageIsAUsageError) {
    const auto r = run_pgmi({"__man", "pgmi-nonsense"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("no manual page named \"pgmi-nonsense\""), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pgmi::test
