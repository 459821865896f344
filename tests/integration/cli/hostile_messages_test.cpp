// Hostile server messages on the real binary and a real server (issue 17): notices and errors
// of hundreds of kilobytes (they overflowed the regex redactor's stack: SIGSEGV, no --json, no
// --test-report), escape sequences in server text (they reached the terminal raw), and an
// exception escaping a command under a memory limit (it left --json's stdout empty).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/support.hpp"

namespace pgmi::test {
namespace {

using nlohmann::json;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

/// stdout is exactly one JSON document whose exitCode is the process's.
json only_json(const RunResult& r) {
    EXPECT_FALSE(r.out.empty()) << "no JSON on stdout; exit " << r.exit_code << "; stderr:\n"
                                << r.err.substr(0, 2000);
    json j = json::parse(r.out);  // throws (failing the test) on anything else
    EXPECT_EQ(j.at("exitCode").get<int>(), r.exit_code);
    return j;
}

TEST(HostileMessages, NoticeOf200KilobytesDeploys) {
    TempDir dir;
    dir.write("deploy.sql", "DO $$ BEGIN RAISE NOTICE '%', repeat('a', 200000); END $$;\n");
    auto r = run_pgmi(deploy_args(dir.path(), unique_db(), {"--json"}));
    ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
    const json j = only_json(r);
    EXPECT_EQ(j.at("status"), "success");
    // The notice itself reaches stderr whole.
    EXPECT_TRUE(contains(r.err, "\n" + std::string(200000, 'a') + "\n"))
        << r.err.size() << " bytes on stderr";
}

TEST(HostileMessages, NoticeOf200KilobytesWithoutJson) {
    TempDir dir;
    dir.write("deploy.sql", "DO $$ BEGIN RAISE NOTICE '%', repeat('a', 200000); END $$;\n");
    auto r = run_pgmi(deploy_args(dir.path(), unique_db()));
    ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
    EXPECT_TRUE(contains(r.err, "files loaded in")) << r.err.substr(0, 2000);
}

TEST(HostileMessages, ErrorOf100KilobytesExits13WithJsonAndTestReport) {
    TempDir dir;
    dir.write("deploy.sql", "SELECT repeat('a', 100000)::int;\n");
    TempDir out;
    const auto report = out.path() / "r.xml";
    auto r = run_pgmi(
        deploy_args(dir.path(), unique_db(), {"--json", "--test-report", report.string()}));
    ASSERT_EQ(r.exit_code, 13) << r.err.substr(0, 2000);
    const json j = only_json(r);
    EXPECT_EQ(j.at("status"), "failed");
    EXPECT_EQ(j.at("sqlstate"), "22P02");
    const std::string error = j.at("error");
    EXPECT_TRUE(contains(error, "invalid input syntax for type integer")) << error.substr(0, 200);
    EXPECT_TRUE(contains(error, std::string(100000, 'a'))) << error.size();
    const std::string xml = read_whole_file(report);
    EXPECT_TRUE(contains(xml, "<testsuites")) << xml.substr(0, 2000);
    EXPECT_TRUE(contains(xml, std::string(100000, 'a'))) << xml.size();
    EXPECT_TRUE(contains(r.err, "pgmi: error:")) << r.err.substr(0, 2000);
}

TEST(HostileMessages, DuplicateKeyOnALongKeyIsRedactedAndNeutralised) {
    // The key reaches the DETAIL line whole: 100 KB, a password shape and an escape sequence
    // that would clear the screen.
    TempDir dir;
    dir.write("deploy.sql",
              "CREATE TABLE k(v text PRIMARY KEY);\n"
              "INSERT INTO k SELECT repeat('k', 100000) || ' password=hunter2 ' || chr(27) || "
              "'[2J' FROM generate_series(1, 2);\n");
    TempDir out;
    const auto report = out.path() / "r.xml";
    auto r = run_pgmi(
        deploy_args(dir.path(), unique_db(), {"--json", "--test-report", report.string()}));
    ASSERT_EQ(r.exit_code, 13) << r.err.substr(0, 2000);
    const json j = only_json(r);
    EXPECT_EQ(j.at("sqlstate"), "23505");
    const std::string detail = j.at("detail");
    EXPECT_TRUE(contains(detail, std::string(100000, 'k'))) << detail.size();
    EXPECT_TRUE(contains(detail, "password=[redacted]")) << detail.substr(detail.size() - 100);
    EXPECT_FALSE(contains(r.out, "hunter2"));
    EXPECT_FALSE(contains(r.err, "hunter2"));
    EXPECT_FALSE(contains(read_whole_file(report), "hunter2"));
    // Human output: the escape is shown, not sent.
    EXPECT_TRUE(contains(r.err, "DETAIL: Key (v)=(" + std::string(100000, 'k')))
        << r.err.substr(0, 2000);
    EXPECT_TRUE(contains(r.err, "^[[2J")) << r.err.substr(r.err.size() - 300);
    EXPECT_FALSE(contains(r.err, "\x1b")) << r.err.substr(r.err.size() - 300);
}

TEST(HostileMessages, EscapeSequencesInNoticesAreShownNotSent) {
    TempDir dir;
    dir.write("deploy.sql",
              "DO $$ BEGIN RAISE NOTICE 'a%b', chr(27) || ']0;owned' || chr(7) || chr(13) || "
              "chr(27) || '[1A' USING DETAIL = 'd' || chr(27) || '[8m', HINT = 'h' || chr(127); "
              "END $$;\n");
    auto r = run_pgmi(deploy_args(dir.path(), unique_db()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "\na^[]0;owned^G^M^[[1Ab\n")) << r.err;
    EXPECT_TRUE(contains(r.err, "DETAIL: d^[[8m\n")) << r.err;
    EXPECT_TRUE(contains(r.err, "HINT: h^?\n")) << r.err;
    for (char c : r.err) {
        const auto u = static_cast<unsigned char>(c);
        EXPECT_FALSE((u < 0x20 && c != '\n' && c != '\t') || u == 0x7F)
            << "raw control byte " << static_cast<int>(u) << " on stderr:\n"
            << r.err;
    }
}

TEST(HostileMessages, EscapeSequencesKeepTheirBytesInJson) {
    // JSON escapes control characters itself: the document carries the message unchanged.
    TempDir dir;
    dir.write("deploy.sql", "DO $$ BEGIN RAISE EXCEPTION 'x%y', chr(27) || '[2J'; END $$;\n");
    auto r = run_pgmi(deploy_args(dir.path(), unique_db(), {"--json"}));
    ASSERT_EQ(r.exit_code, 13) << r.err;
    EXPECT_FALSE(contains(r.out, "\x1b"));
    const json j = only_json(r);
    EXPECT_TRUE(contains(j.at("error").get<std::string>(), "x\x1b[2Jy")) << j.dump();
}

TEST(HostileMessages, FlagValueOf100KilobytesIsAUsageError) {
    // CLI11 quotes the value in its message, which was then matched by std::regex: SIGSEGV.
    const std::string value(100000, '7');
    auto r = run_pgmi({"deploy", ".", "-p", value + "x", "--json"});
    ASSERT_EQ(r.exit_code, 2) << r.err.substr(0, 300);
    EXPECT_EQ(r.err.rfind("pgmi: error: usage error: invalid argument \"" + value, 0), 0u)
        << r.err.substr(0, 300);
    EXPECT_TRUE(contains(r.err, value + "x\" for \"--port\" flag\n"))
        << r.err.substr(r.err.size() - 100);
    EXPECT_EQ(only_json(r).at("status"), "failed");
}

TEST(HostileMessages, OutOfMemoryStillAnswersJson) {
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "a sanitizer's shadow memory does not fit under an address-space limit";
#endif
    // pgmi.yaml that never ends, under an address-space limit: reading it runs out of memory
    // (or, once special files are refused, fails as configuration). Either way the process
    // controls the exit, so stdout must hold one JSON document matching the exit code, and the
    // test report is written.
    TempDir dir;
    dir.write("deploy.sql", "SELECT 1;\n");
    std::filesystem::create_symlink("/dev/zero", dir.path() / "pgmi.yaml");
    std::vector<std::string> argv = {PGMI_BINARY};
    TempDir out;
    const auto report = out.path() / "r.xml";
    for (auto& a :
         deploy_args(dir.path(), unique_db(), {"--json", "--test-report", report.string()}))
        argv.push_back(a);
    auto r = run_program(with_address_space_cap(argv, 1000000), {.timeout_seconds = 60});
    ASSERT_NE(r.exit_code, 0) << r.err;
    ASSERT_LT(r.exit_code, 128) << "killed by a signal; stderr:\n" << r.err;
    const json j = only_json(r);
    EXPECT_EQ(j.at("status"), "failed");
    EXPECT_FALSE(r.err.empty());
    EXPECT_TRUE(contains(read_whole_file(report), "<system-err>")) << read_whole_file(report);
}

}  // namespace
}  // namespace pgmi::test
