// <pgmi-meta> end to end: projects with metadata deployed by the real pgmi binary into the real
// PostgreSQL of this binary; the offline plan (project::build_plan and `pgmi metadata plan`)
// compared row for row with the server's pg_temp.pgmi_plan_view; every metadata error decided
// before connecting; scaffold, validate and info on the same projects.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "project/plan.hpp"
#include "project/scanner.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kId = "550e8400-e29b-41d4-a716-446655440000";

/// Where nothing listens: a connection attempt would exit 11, so exit 10 proves none was made.
std::vector<std::string> offline_deploy_args(const fs::path& project) {
    return {"deploy", project.string(), "-h", "127.0.0.1", "-p", "1", "-d", "never_created"};
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string meta_block(const std::string& id, const std::string& idempotent,
                       const std::vector<std::string>& keys, const std::string& description) {
    std::string out = "<pgmi-meta id=\"" + id + "\" idempotent=\"" + idempotent + "\">\n";
    if (!description.empty())
        out += "  <description>" + description + "</description>\n";
    if (!keys.empty()) {
        out += "  <sortKeys>";
        for (const auto& k : keys)
            out += "<key>" + k + "</key>";
        out += "</sortKeys>\n";
    }
    return out + "</pgmi-meta>";
}

/// One deploy.sql for every plan project: copies the plan and metadata views into tables, then
/// runs every SQL file of the plan in execution_order; each run is logged with its sort key.
constexpr const char* kPlanDeploySql = R"sql(BEGIN;
CREATE TABLE plan_copy AS
    SELECT path, checksum, generic_id::text AS generic_id, id::text AS id, idempotent,
           description, sort_key, execution_order
    FROM pg_temp.pgmi_plan_view;
CREATE TABLE meta_copy AS
    SELECT path, id::text AS id, idempotent, sort_keys::text AS sort_keys, description
    FROM pg_temp.pgmi_source_metadata_view;
CREATE TABLE run_log (seq bigserial PRIMARY KEY, path text NOT NULL, sort_key text NOT NULL);
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT p.path, p.sort_key, p.content FROM pg_temp.pgmi_plan_view p
             WHERE pg_temp.pgmi_is_sql_file(p.path) ORDER BY p.execution_order LOOP
        PERFORM set_config('plan_test.sort_key', r.sort_key, true);
        EXECUTE r.content;
    END LOOP;
END $$;
COMMIT;
)sql";

std::string log_insert(const std::string& path) {
    return "INSERT INTO run_log (path, sort_key) VALUES ('" + path +
           "', current_setting('plan_test.sort_key'));\n";
}

/// The server's copy of pgmi_plan_view, one line per row in execution_order.
std::vector<std::string> server_plan(const std::string& db) {
    return query(db,
                 "SELECT concat_ws('|', execution_order, path, sort_key, generic_id, "
                 "coalesce(id, '<null>'), idempotent::text, checksum, description) "
                 "FROM plan_copy ORDER BY execution_order");
}

/// The same lines from the offline plan of the project directory.
std::vector<std::string> offline_plan(const fs::path& dir) {
    auto project = project::scan(dir);
    EXPECT_TRUE(project) << (project ? "" : project.error().message);
    std::vector<std::string> out;
    if (!project)
        return out;
    for (const project::PlanEntry& e : project::build_plan(project->files)) {
        out.push_back(std::to_string(e.execution_order) + "|" + e.path + "|" + e.sort_key + "|" +
                      e.generic_id.str() + "|" + (e.id ? e.id->str() : "<null>") + "|" +
                      (e.idempotent ? "true" : "false") + "|" + e.checksum + "|" + e.description);
    }
    return out;
}

/// The same lines from `pgmi metadata plan --json`.
std::vector<std::string> cli_plan(const fs::path& dir) {
    const RunResult r = run_pgmi({"metadata", "plan", dir.string(), "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> out;
    const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    if (j.is_discarded())
        return out;
    for (const auto& e : j["plan"]) {
        out.push_back(std::to_string(e["execution_order"].get<long long>()) + "|" +
                      e["path"].get<std::string>() + "|" + e["sort_key"].get<std::string>() + "|" +
                      e["generic_id"].get<std::string>() + "|" +
                      (e["id"].is_null() ? "<null>" : e["id"].get<std::string>()) + "|" +
                      (e["idempotent"].get<bool>() ? "true" : "false") + "|" +
                      e["checksum"].get<std::string>() + "|" + e["description"].get<std::string>());
    }
    return out;
}

// ---- the plan ----------------------------------------------------------------------------------

TEST(MetadataPlan, DeploysInPlanOrderAndOfflinePlanEqualsServerView) {
    TempDir dir;
    dir.write("deploy.sql", kPlanDeploySql);
    // Without metadata: sorted by their own paths.
    dir.write("migrations/001_schema.sql", "CREATE TABLE app_item (name text PRIMARY KEY);\n" +
                                               log_insert("./migrations/001_schema.sql"));
    dir.write("migrations/002_data.sql",
              "INSERT INTO app_item VALUES ('tea');\n" + log_insert("./migrations/002_data.sql"));
    // Two keys: runs twice, once right after 001_schema (its path is a prefix of the key) and
    // once near the end.
    dir.write("phases/multi.sql",
              "/*\n" +
                  meta_block("11111111-0000-0000-0000-000000000001", "false",
                             {"./migrations/001_schema.sql/after", "zz/last"}, "Two phases") +
                  "\n*/\nINSERT INTO app_item VALUES ('multi-' || "
                  "current_setting('plan_test.sort_key'));\n" +
                  log_insert("./phases/multi.sql"));
    // The block is not the first comment and comes after code.
    dir.write("late.sql",
              "-- a line comment\n/* an ordinary comment */\n" + log_insert("./late.sql") +
                  "/* trailing block\n" +
                  meta_block("11111111-0000-0000-0000-000000000002", "true", {"./a-first"}, "") +
                  "\n*/\n");
    // Keys and a description that need quoting in COPY and in the array literal.
    dir.write("keys.sql", "/*\n" +
                              meta_block("11111111-0000-0000-0000-000000000003", "1",
                                         {" spaced key ", "q\"uo\\te", "\xC3\xA9t\xC3\xA9"},
                                         "Line 1\n\t&quot;quoted&quot; \\ back &amp; tab") +
                              "\n*/\n" + log_insert("./keys.sql"));
    // Metadata without keys and without a description.
    dir.write("nokeys.sql",
              "/* " + meta_block("11111111-0000-0000-0000-000000000004", "false", {}, "") +
                  " */\n" + log_insert("./nokeys.sql"));
    // Not SQL: in the plan, never executed. Test files: not in the plan, blocks ignored.
    dir.write("README.md", "# readme\n");
    dir.write("data/products.json", "[1, 2]\n");
    dir.write("__test__/t.sql", "/* <pgmi:meta> */ SELECT 1;\n");

    const std::string db = unique_db("plan");
    const RunResult r = run_pgmi(deploy_args(dir.path(), db));
    ASSERT_EQ(r.exit_code, 0) << r.err;

    // The order the files ran in (SQL files of the plan, by execution_order).
    EXPECT_EQ(query(db, "SELECT path || ' @ ' || sort_key FROM run_log ORDER BY seq"),
              (std::vector<std::string>{
                  "./keys.sql @  spaced key ",
                  "./late.sql @ ./a-first",
                  "./migrations/001_schema.sql @ ./migrations/001_schema.sql",
                  "./phases/multi.sql @ ./migrations/001_schema.sql/after",
                  "./migrations/002_data.sql @ ./migrations/002_data.sql",
                  "./nokeys.sql @ ./nokeys.sql",
                  "./keys.sql @ q\"uo\\te",
                  "./phases/multi.sql @ zz/last",
                  "./keys.sql @ \xC3\xA9t\xC3\xA9",
              }));
    EXPECT_EQ(query(db, "SELECT name FROM app_item ORDER BY name COLLATE \"C\""),
              (std::vector<std::string>{"multi-./migrations/001_schema.sql/after", "multi-zz/last",
                                        "tea"}));

    // The whole plan, including the non-SQL files, row for row.
    const std::vector<std::string> server = server_plan(db);
    ASSERT_EQ(server.size(), 11u);
    EXPECT_EQ(query(db, "SELECT path || ' @ ' || sort_key FROM plan_copy ORDER BY execution_order"),
              (std::vector<std::string>{
                  "./keys.sql @  spaced key ",
                  "./README.md @ ./README.md",
                  "./late.sql @ ./a-first",
                  "./data/products.json @ ./data/products.json",
                  "./migrations/001_schema.sql @ ./migrations/001_schema.sql",
                  "./phases/multi.sql @ ./migrations/001_schema.sql/after",
                  "./migrations/002_data.sql @ ./migrations/002_data.sql",
                  "./nokeys.sql @ ./nokeys.sql",
                  "./keys.sql @ q\"uo\\te",
                  "./phases/multi.sql @ zz/last",
                  "./keys.sql @ \xC3\xA9t\xC3\xA9",
              }));
    EXPECT_EQ(offline_plan(dir.path()), server);
    EXPECT_EQ(cli_plan(dir.path()), server);

    // Defaults of a file without metadata.
    EXPECT_EQ(query(db,
                    "SELECT concat_ws('|', generic_id, coalesce(id, '<null>'), idempotent, "
                    "description) FROM plan_copy WHERE path = './README.md'"),
              std::vector<std::string>{project::md5_uuid("./README.md").str() + "|<null>|t|"});

    // The metadata rows as loaded: arrays always, '' for an absent description.
    EXPECT_EQ(query(db,
                    "SELECT concat_ws('|', path, id, idempotent, sort_keys, description) "
                    "FROM meta_copy ORDER BY path COLLATE \"C\""),
              (std::vector<std::string>{
                  "./keys.sql|11111111-0000-0000-0000-000000000003|t|{\" spaced key "
                  "\",\"q\\\"uo\\\\te\",\xC3\xA9t\xC3\xA9}|Line 1\n\t\"quoted\" \\ back & tab",
                  "./late.sql|11111111-0000-0000-0000-000000000002|t|{./a-first}|",
                  "./nokeys.sql|11111111-0000-0000-0000-000000000004|f|{}|",
                  "./phases/multi.sql|11111111-0000-0000-0000-000000000001|f|{./migrations/"
                  "001_schema.sql/after,zz/last}|Two phases",
              }));
}

TEST(MetadataPlan, ReferenceFixtureOrderOnTheServer) {
    // session-api §3.9: '.' (0x2E) sorts before digits.
    TempDir dir;
    dir.write("deploy.sql", kPlanDeploySql);
    for (const char* f :
         {"fallback_a.sql", "fallback-b.sql", "migrations/002_data.sql", "setup/functions.sql"}) {
        dir.write(f, log_insert(std::string("./") + f));
    }
    dir.write("first.sql", "/*\n" + meta_block(kId, "true", {"001/000"}, "") + "\n*/\n" +
                               log_insert("./first.sql"));
    dir.write("last.sql",
              "/*\n" + meta_block("550e8400-e29b-41d4-a716-446655440001", "true", {"999/000"}, "") +
                  "\n*/\n" + log_insert("./last.sql"));
    const std::string db = unique_db("fixture");
    const RunResult r = run_pgmi(deploy_args(dir.path(), db));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(query(db, "SELECT path FROM run_log ORDER BY seq"),
              (std::vector<std::string>{"./fallback-b.sql", "./fallback_a.sql",
                                        "./migrations/002_data.sql", "./setup/functions.sql",
                                        "./first.sql", "./last.sql"}));
    EXPECT_EQ(offline_plan(dir.path()), server_plan(db));
    EXPECT_EQ(
        query(db, "SELECT generic_id FROM plan_copy WHERE path = './migrations/002_data.sql'"),
        std::vector<std::string>{project::md5_uuid("./migrations/002_data.sql").str()});
}

// ---- errors, before connecting -----------------------------------------------------------------

struct ErrorCase {
    const char* name;
    const char* file;
    std::string content;
    std::vector<std::string> expected;  // fragments of stderr
};

std::string repeat(char c, size_t n) {
    return std::string(n, c);
}

TEST(MetadataErrors, EveryCaseExits10WithoutConnecting) {
    const std::string valid_id = kId;
    const std::vector<ErrorCase> cases = {
        {"old format",
         "old.sql",
         "SELECT 1;\n/* <pgmi:meta xmlns:pgmi=\"https://pgmi.com/pgmi-metadata/v1\"> */\n",
         {"metadata error in ./old.sql (line 2): Found old metadata format with namespace",
          "Remove the xmlns:pgmi attribute"}},
        {"two blocks",
         "two.sql",
         "/* " + meta_block(valid_id, "true", {}, "") + " */\nSELECT 1;\n\n/*\n" +
             meta_block("550e8400-e29b-41d4-a716-446655440001", "true", {}, "") + " */\n",
         {"metadata error in ./two.sql (line 6): Multiple metadata blocks found",
          "Only one <pgmi-meta> block is allowed per file"}},
        {"too large",
         "large.sql",
         "/* " + meta_block(valid_id, "true", {}, repeat('x', 10300)) + " */\n",
         {"metadata error in ./large.sql (line 1): Metadata block exceeds maximum size of 10240 "
          "bytes (got 10414 bytes)"}},
        {"xml syntax",
         "syntax.sql",
         "SELECT 1;\n\n/*\n<pgmi-meta id=\"" + valid_id +
             "\" idempotent=\"true\">\n  <description>x</descriptio>\n</pgmi-meta>\n*/\n",
         {"metadata error in ./syntax.sql (line 5): XML syntax error",
          "Check that all XML tags are properly closed"}},
        {"bad uuid",
         "uuid.sql",
         "/* " + meta_block("not-a-uuid", "true", {}, "") + " */",
         {"metadata error in ./uuid.sql (line 1): id attribute: invalid UUID length: 10"}},
        {"missing id",
         "noid.sql",
         "\n\n/* <pgmi-meta idempotent=\"true\"/> */",
         {"invalid PGMI metadata in ./noid.sql (line 3):\n  1. id attribute is required and "
          "cannot be the nil UUID"}},
        {"nil id",
         "nil.sql",
         "/* " + meta_block("00000000-0000-0000-0000-000000000000", "true", {}, "") + " */",
         {"invalid PGMI metadata in ./nil.sql (line 1):\n  1. id attribute is required and "
          "cannot be the nil UUID (00000000-0000-0000-0000-000000000000)."}},
        {"missing idempotent",
         "noidem.sql",
         "/* <pgmi-meta id=\"" + valid_id + "\"/> */",
         {"invalid PGMI metadata in ./noidem.sql (line 1):\n  1. idempotent attribute is "
          "required (idempotent=\"true\" or idempotent=\"false\")."}},
        {"bad boolean",
         "bool.sql",
         "/* " + meta_block(valid_id, "yes", {}, "") + " */",
         {"metadata error in ./bool.sql (line 1): idempotent attribute: strconv.ParseBool: "
          "parsing \"yes\": invalid syntax"}},
        {"blank key",
         "key.sql",
         "/* " + meta_block(valid_id, "true", {"a", "   "}, "") + " */",
         {"invalid PGMI metadata in ./key.sql (line 1):\n  1. sortKeys[1] cannot be empty or "
          "whitespace-only."}},
        {"whitespace description",
         "desc.sql",
         "/* " + meta_block(valid_id, "true", {}, " \n\t ") + " */",
         {"invalid PGMI metadata in ./desc.sql (line 1):\n  1. description element contains "
          "only whitespace."}},
    };
    for (const ErrorCase& c : cases) {
        SCOPED_TRACE(c.name);
        TempDir dir;
        dir.write("deploy.sql", "SELECT 1;\n");
        dir.write("fine.sql", "SELECT 1;\n");
        dir.write(c.file, c.content);
        const RunResult r = run_pgmi(offline_deploy_args(dir.path()));
        EXPECT_EQ(r.exit_code, 10) << r.err;
        EXPECT_NE(r.err.find("pgmi: error: file scanning failed: "), std::string::npos) << r.err;
        for (const std::string& fragment : c.expected)
            EXPECT_NE(r.err.find(fragment), std::string::npos) << fragment << "\n---\n" << r.err;
        EXPECT_NE(r.err.find(": invalid configuration"), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find("fine.sql"), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find("connect"), std::string::npos) << r.err;
        EXPECT_EQ(r.out, "");
        // The offline tools agree.
        const RunResult v = run_pgmi({"metadata", "validate", dir.path().string()});
        EXPECT_EQ(v.exit_code, 10) << v.err;
        EXPECT_NE(v.err.find(c.expected.front()), std::string::npos) << v.err;
        const RunResult p = run_pgmi({"metadata", "plan", dir.path().string()});
        EXPECT_EQ(p.exit_code, 10) << p.err;
    }
}

TEST(MetadataErrors, DuplicateIdsAcrossThreeFilesListEveryPath) {
    TempDir dir;
    dir.write("deploy.sql", "SELECT 1;\n");
    const std::string block = "/* " + meta_block(kId, "true", {}, "") + " */\n";
    dir.write("z/last.sql", block);
    dir.write("a.sql", block);
    dir.write("m/mid.sql", block);
    dir.write("other.sql",
              "/* " + meta_block("550e8400-e29b-41d4-a716-446655440001", "true", {}, "") + " */\n");
    const RunResult r = run_pgmi(offline_deploy_args(dir.path()));
    EXPECT_EQ(r.exit_code, 10) << r.err;
    EXPECT_NE(r.err.find("pgmi: error: file scanning failed: duplicate <pgmi-meta id> across "
                         "files; each script must have a unique id:\n  " +
                         std::string(kId) +
                         ": ./a.sql, ./m/mid.sql, ./z/last.sql\n: invalid configuration"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("other.sql"), std::string::npos) << r.err;

    // validate: the same finding, as JSON too; exit 10 like every other metadata problem.
    const RunResult v = run_pgmi({"metadata", "validate", dir.path().string(), "--json"});
    EXPECT_EQ(v.exit_code, 10) << v.err;
    const nlohmann::json j = nlohmann::json::parse(v.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << v.out;
    EXPECT_EQ(j["validation_passed"], false);
    EXPECT_EQ(j["total_files"], 4);
    EXPECT_EQ(j["files_with_metadata"], 4);
    EXPECT_EQ(j["files_without_metadata"], 0);
    EXPECT_EQ(j["duplicate_ids"],
              nlohmann::json::array({std::string(kId) + ": ./a.sql, ./m/mid.sql, ./z/last.sql"}));
    EXPECT_EQ(j["problems"], nlohmann::json::array());
}

TEST(MetadataErrors, ProblemsInSeveralFilesAllListedInOneRun) {
    TempDir dir;
    dir.write("deploy.sql", "SELECT 1;\n");
    dir.write("a/old.sql", "/* <pgmi:meta> */\n");
    dir.write("b.sql", "/* <pgmi-meta><sortKeys><key/></sortKeys></pgmi-meta> */\n");
    dir.write("c.sql", "SELECT 1;\n/* <pgmi-meta id=\"x\" idempotent=\"true\"/> */\n");
    dir.write("d.sql", "/* " + meta_block(kId, "true", {}, "") + " */\n");
    dir.write("e.sql", "/* " + meta_block(kId, "true", {}, "") + " */\n");
    dir.write("ok.sql",
              "/* " + meta_block("550e8400-e29b-41d4-a716-446655440001", "true", {}, "") + " */\n");
    const RunResult r = run_pgmi(offline_deploy_args(dir.path()));
    EXPECT_EQ(r.exit_code, 10) << r.err;
    const std::string& e = r.err;
    const size_t header = e.find("file scanning failed: 4 metadata problems:\n\n");
    const size_t a = e.find("metadata error in ./a/old.sql (line 1): Found old metadata format");
    const size_t b = e.find(
        "invalid PGMI metadata in ./b.sql (line 1):\n  1. id attribute is required and cannot "
        "be the nil UUID");
    const size_t b2 = e.find("  2. idempotent attribute is required");
    const size_t b3 = e.find("  3. sortKeys[0] cannot be empty or whitespace-only.");
    const size_t c = e.find(
        "metadata error in ./c.sql (line 2): id attribute: invalid UUID "
        "length: 1");
    const size_t d = e.find("  " + std::string(kId) + ": ./d.sql, ./e.sql");
    const size_t docs = e.find("See metadata format documentation:");
    for (size_t at : {header, a, b, b2, b3, c, d, docs})
        EXPECT_NE(at, std::string::npos) << e;
    EXPECT_TRUE(header < a && a < b && b < b2 && b2 < b3 && b3 < c && c < d && d < docs) << e;
    EXPECT_EQ(e.find("ok.sql"), std::string::npos) << e;
}

// ---- scaffold, validate, info ------------------------------------------------------------------

TEST(MetadataScaffold, WriteThenValidatePassesAndIdsEqualGenericIds) {
    TempDir dir;
    dir.write("deploy.sql", kPlanDeploySql);
    dir.write("migrations/001.sql", log_insert("./migrations/001.sql"));
    dir.write("migrations/002.sql", "\xEF\xBB\xBF" + log_insert("./migrations/002.sql"));
    dir.write("has.sql", "/*\n" + meta_block(kId, "true", {"./migrations/001.sql~"}, "") +
                             "\n*/\n" + log_insert("./has.sql"));
    dir.write("notes.txt", "not SQL\n");
    dir.write("__test__/t.sql", "SELECT 1;\n");
    ::chmod((dir.path() / "migrations/001.sql").c_str(), 0640);
    const std::vector<std::string> before = cli_plan(dir.path());
    const std::string untouched = read_file(dir.path() / "migrations/001.sql");

    // Preview changes nothing.
    RunResult r = run_pgmi({"metadata", "scaffold", dir.path().string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("Found 2 file(s) without metadata:\n\n  ./migrations/001.sql\n    ID: " +
                         project::md5_uuid("./migrations/001.sql").str() +
                         " (fallback)\n    Idempotent: true\n\n  ./migrations/002.sql\n"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("Preview mode: no files were modified."), std::string::npos);
    EXPECT_EQ(read_file(dir.path() / "migrations/001.sql"), untouched);

    r = run_pgmi({"metadata", "scaffold", dir.path().string(), "--write"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("Generated metadata for 2 file(s)."), std::string::npos) << r.err;
    const std::string id1 = project::md5_uuid("./migrations/001.sql").str();
    EXPECT_EQ(read_file(dir.path() / "migrations/001.sql"),
              "/*\n<pgmi-meta\n    id=\"" + id1 +
                  "\"\n    idempotent=\"true\">\n  <description>\n    Auto-generated metadata "
                  "for 001.sql\n  </description>\n  <sortKeys>\n    "
                  "<key>./migrations/001.sql</key>\n  </sortKeys>\n</pgmi-meta>\n*/\n\n" +
                  untouched);
    struct stat st {};
    ASSERT_EQ(::stat((dir.path() / "migrations/001.sql").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
    // The BOM stays first.
    EXPECT_EQ(read_file(dir.path() / "migrations/002.sql").substr(0, 7), "\xEF\xBB\xBF/*\n<");
    // No temporary file left behind (they are hidden, with random names).
    for (const auto& e : fs::directory_iterator(dir.path() / "migrations"))
        EXPECT_NE(e.path().filename().string().front(), '.') << e.path();

    r = run_pgmi({"metadata", "validate", dir.path().string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("Validation Summary:\n  Total files: 5\n  Files with metadata: 3\n  "
                         "Files without metadata: 2\n\nMetadata validation passed."),
              std::string::npos)
        << r.err;
    r = run_pgmi({"metadata", "scaffold", dir.path().string()});
    EXPECT_NE(r.err.find("All SQL files already have metadata."), std::string::npos) << r.err;

    // Same order, same generic ids; the scaffolded files now carry id = generic_id.
    const std::vector<std::string> after = cli_plan(dir.path());
    ASSERT_EQ(after.size(), before.size());
    const std::string id2 = project::md5_uuid("./migrations/002.sql").str();
    for (size_t i = 0; i < before.size(); ++i) {
        std::string expected = before[i];
        for (const std::string& id : {id1, id2}) {
            const std::string none = id + "|<null>|";
            if (const size_t at = expected.find(none); at != std::string::npos)
                expected.replace(at, none.size(), id + "|" + id + "|");
        }
        // Checksums and descriptions change with the content; compare the first six columns
        // (order, path, sort key, generic id, id, idempotent).
        auto strip_checksum = [](std::string row) {
            size_t bar = 0;
            for (int k = 0; k < 6; ++k)
                bar = row.find('|', bar) + 1;
            return row.substr(0, bar);
        };
        EXPECT_EQ(strip_checksum(after[i]), strip_checksum(expected));
    }

    // And the server agrees: id = generic_id for the scaffolded files, same order.
    const std::string db = unique_db("scaffold");
    r = run_pgmi(deploy_args(dir.path(), db));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(server_plan(db), offline_plan(dir.path()));
    EXPECT_EQ(
        query(db, "SELECT path FROM plan_copy WHERE id = generic_id ORDER BY execution_order"),
        (std::vector<std::string>{"./migrations/001.sql", "./migrations/002.sql"}));
    EXPECT_EQ(
        query(db, "SELECT path FROM run_log ORDER BY seq"),
        (std::vector<std::string>{"./migrations/001.sql", "./has.sql", "./migrations/002.sql"}));
}

TEST(MetadataCommands, UsageAndHelp) {
    RunResult r = run_pgmi({"metadata", "plan"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err,
              "pgmi: error: usage error: missing required argument: <project_path>\n\nUsage: pgmi "
              "metadata plan <project_path> [flags]\n\nExample:\n  pgmi metadata plan .\n");
    r = run_pgmi({"metadata", "validate", "a", "b"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "pgmi: error: usage error: accepts 1 arg(s), received 2\n");
    r = run_pgmi({"metadata", "scaffold"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("Example:\n  pgmi metadata scaffold ."), std::string::npos);
    r = run_pgmi({"info", "a", "b"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "pgmi: error: usage error: accepts at most 1 arg(s), received 2\n");
    // Bare group: help on stdout, exit 0. Unlike the reference, an unknown word is an error
    // (issue 16).
    r = run_pgmi({"metadata"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("Available Commands:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("scaffold"), std::string::npos);
    EXPECT_EQ(r.err, "");
    r = run_pgmi({"metadata", "frob"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "pgmi: error: usage error: unknown command \"frob\" for \"pgmi metadata\"\n");
    // Missing project: a configuration error naming the path.
    r = run_pgmi({"metadata", "plan", "/nonexistent/pgmi-project"});
    EXPECT_EQ(r.exit_code, 10);
    EXPECT_NE(r.err.find("failed to scan directory: project path \"/nonexistent/pgmi-project\" "
                         "does not exist"),
              std::string::npos)
        << r.err;
}

TEST(MetadataCommands, InfoCountsAndSurvivesBadBlocks) {
    TempDir dir;
    dir.write("deploy.sql", "SELECT 1;\n");
    dir.write("migrations/001.sql", "/* " + meta_block(kId, "true", {}, "") + " */\n");
    dir.write("migrations/002.sql", "/* <pgmi:meta> */\n");
    dir.write("README.md", "x\n");
    dir.write("__test__/test_a.sql", "SELECT 1;\n");
    dir.write("__test__/_setup.sql", "SELECT 1;\n");
    RunResult r = run_pgmi({"info", dir.path().string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("warning: 1 <pgmi-meta> problem(s); run `pgmi metadata validate"),
              std::string::npos)
        << r.err;
    const nlohmann::ordered_json j = nlohmann::ordered_json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.out;
    nlohmann::ordered_json expected;
    expected["path"] = fs::absolute(dir.path()).lexically_normal().string();
    expected["template"] = "basic";
    expected["deploySql"] = true;
    expected["configFile"] = "absent";
    expected["totalFiles"] = 5;
    expected["sqlFiles"] = 4;
    expected["testFiles"] = 2;
    expected["metadataWith"] = 1;
    expected["metadataProblems"] = 1;  // the bad block, counted (also for MCP's info tool)
    expected["directories"] = {{"./", 1}, {"./__test__/", 2}, {"./migrations/", 2}};
    EXPECT_EQ(j, expected) << r.out;

    // No deploy.sql: still described.
    fs::remove(dir.path() / "deploy.sql");
    dir.write("pgmi.yaml", "bogus_key: 1\n");
    r = run_pgmi({"info", dir.path().string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Template:   unknown\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("deploy.sql: \xE2\x9C\x97 missing\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("pgmi.yaml:  error: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  Metadata: 1 / 2\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  ./migrations/                  2 files\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace pgmi::test
