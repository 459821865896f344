// The advanced template end to end: `pgmi init -t advanced` scaffolds it, the real binary
// deploys it (ephemeral and to this binary's PostgreSQL), a second deploy changes nothing but
// the ledger, a failing test rolls everything back, parameters are reconciled with session.xml,
// and the shipped HTTP gateway (tools/gateway.py) serves REST, JSON-RPC and MCP on loopback to
// real clients: libcurl, the official MCP TypeScript SDK and an OpenAPI 3.1 schema validator.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cloud/http.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using V = std::vector<std::string>;

const RunOptions kBatch{.env = {{"PGMI_NON_INTERACTIVE", "1"}}};

bool has(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + needle.size()))
        ++n;
    return n;
}

// `pgmi init <dir>/<name> -t advanced`; empty path (and a test failure) when it failed.
fs::path scaffold(const TempDir& dir, const std::string& name) {
    const fs::path project = dir.path() / name;
    auto r = run_pgmi({"init", project.string(), "-t", "advanced"}, kBatch);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? project : fs::path();
}

// A program on PATH, as an absolute path (the test runner execs without a shell).
std::string on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        const std::size_t end = std::min(dirs.find(':', start), dirs.size());
        const fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
        if (access(candidate.c_str(), X_OK) == 0)
            return candidate.string();
        start = end + 1;
    }
    return "";
}

// Everything a deploy could change outside the ledger's execution log: every row with its row
// version (xmin, so even a no-op UPDATE shows), functions, relations, columns, constraints,
// policies, grants, schemas, roles (passwords included), memberships, extensions.
const char* kFingerprint = R"sql(
WITH s(nsp) AS (SELECT unnest(ARRAY['internal', 'common', 'core', 'api', 'membership', 'extensions']))
SELECT md5(string_agg(x, E'\n' ORDER BY x)) FROM (
  SELECT 'data:' || c.oid::regclass::text || ':' || (xpath('/row/h/text()', query_to_xml(format(
      'SELECT md5(coalesce(string_agg(t::text || ''@'' || t.xmin::text, '','' ORDER BY t::text), '''')) AS h FROM %s t',
      c.oid::regclass), false, true, '')))[1]::text AS x
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN s ON s.nsp = n.nspname
   WHERE c.relkind = 'r' AND c.oid <> 'internal.deployment_script_execution_log'::regclass
  UNION ALL
  SELECT 'fn:' || p.oid::regprocedure::text || md5(pg_get_functiondef(p.oid)) || coalesce(p.proacl::text, '')
         || p.proowner::regrole::text
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN s ON s.nsp = n.nspname
  UNION ALL
  SELECT 'rel:' || c.oid::regclass::text || c.relkind::text || coalesce(c.relacl::text, '')
         || c.relowner::regrole::text || c.relrowsecurity || coalesce(pg_get_viewdef(c.oid), '')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN s ON s.nsp = n.nspname
  UNION ALL
  SELECT 'col:' || a.attrelid::regclass::text || a.attname || format_type(a.atttypid, a.atttypmod)
         || coalesce(a.attacl::text, '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN s ON s.nsp = n.nspname WHERE a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'con:' || conrelid::regclass::text || conname || pg_get_constraintdef(co.oid)
    FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace JOIN s ON s.nsp = n.nspname
  UNION ALL
  SELECT 'pol:' || schemaname || tablename || policyname || cmd || coalesce(qual, '') || coalesce(with_check, '')
    FROM pg_policies
  UNION ALL
  SELECT 'ns:' || nspname || nspowner::regrole::text || coalesce(nspacl::text, '')
    FROM pg_namespace JOIN s ON s.nsp = nspname
  UNION ALL
  SELECT 'role:' || rolname || rolcanlogin || rolconnlimit || coalesce(rolpassword, '') FROM pg_authid
   WHERE rolname LIKE current_database() || '\_%'
  UNION ALL
  SELECT 'member:' || roleid::regrole::text || member::regrole::text FROM pg_auth_members
   WHERE roleid::regrole::text LIKE current_database() || '\_%'
  UNION ALL
  SELECT 'db:' || datdba::regrole::text || coalesce(datacl::text, '') FROM pg_database
   WHERE datname = current_database()
  UNION ALL
  SELECT 'ext:' || extname || extversion FROM pg_extension
  UNION ALL
  SELECT 'defacl:' || defaclrole::regrole::text || defaclobjtype::text || coalesce(defaclacl::text, '')
    FROM pg_default_acl
) f
)sql";

TEST(AdvancedTemplate, ListedAndDescribed) {
    auto r = run_pgmi({"templates", "list"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has(r.out,
                    "advanced     Reference app: SQL-native REST/RPC/MCP, multi-tenant RLS, audit\n"
                    "               for: SQL-native application stack \u2014 scaffold, read, trim "
                    "to fit\n"))
        << r.out;
    EXPECT_LT(r.out.find("basic "), r.out.find("advanced ")) << "recommended order";

    auto d = run_pgmi({"templates", "describe", "advanced"});
    ASSERT_EQ(d.exit_code, 0) << d.err;
    EXPECT_EQ(d.out.rfind("advanced \u2014 Reference app: SQL-native REST/RPC/MCP", 0), 0u)
        << d.out;
    EXPECT_TRUE(has(d.out, "session.xml")) << d.out;
    EXPECT_TRUE(has(d.out, "\u2514\u2500\u2500 gateway.py\n")) << d.out;
    EXPECT_TRUE(has(d.out, "\nFeatures:\n  - session.xml parameters")) << d.out;
    EXPECT_TRUE(has(d.out, "\nFor: SQL-native application stack")) << d.out;
    EXPECT_EQ(d.err, "\nScaffold with: pgmi init <path> -t advanced\n");
}

TEST(AdvancedTemplate, InitWritesEveryFileWithMetadata) {
    TempDir dir;
    const fs::path project = dir.path() / "shop";
    auto r = run_pgmi({"init", project.string(), "-t", "advanced"}, kBatch);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has(r.err, "Wrote " + project.string() + " (advanced template).\n")) << r.err;
    EXPECT_TRUE(has(r.err, "CREATEROLE")) << r.err;
    EXPECT_EQ(read_whole_file(project / "README.md").rfind("# shop\n", 0), 0u);
    for (const char* f : {"deploy.sql", "session.xml", "pgmi.yaml", "ARCHITECTURE.md",
                          "tools/gateway.py", "lib/api/01-handler-registry.sql", ".gitignore"})
        EXPECT_TRUE(fs::is_regular_file(project / f)) << f;

    std::size_t sql = 0;
    std::size_t tests = 0;
    for (const auto& e : fs::recursive_directory_iterator(project)) {
        const std::string rel = fs::relative(e.path(), project).string();
        if (!e.is_regular_file())
            continue;
        const std::string content = read_whole_file(e.path());
        EXPECT_FALSE(has(content, "{{")) << rel << ": a placeholder was left";
        if (e.path().extension() != ".sql" || rel == "deploy.sql")
            continue;
        if (has(rel, "__test__/")) {
            tests += e.path().filename().string().rfind("test_", 0) == 0 ? 1 : 0;
            continue;
        }
        ++sql;
        EXPECT_TRUE(has(content, "<pgmi-meta id=\"")) << rel << " has no <pgmi-meta>";
        EXPECT_TRUE(has(content, "<sortKeys><key>")) << rel << " has no sort key";
    }
    EXPECT_GE(sql, 15u);
    EXPECT_GE(tests, 30u) << "the template ships at least 30 tests";
}

TEST(AdvancedTemplate, EphemeralDeployPassesEveryTemplateTest) {
    TempDir dir;
    const fs::path project = scaffold(dir, "app");
    ASSERT_FALSE(project.empty());
    auto r = run_pgmi({"deploy", project.string(), "--ephemeral"}, {.timeout_seconds = 300});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_GE(count_of(r.err, "[pgmi] Test: "), 30u) << r.err;
    EXPECT_TRUE(has(r.err, "[pgmi] Test suite completed")) << r.err;
    // Notices print as the bare message (paper cut 1 of issue 16), at the start of a line.
    EXPECT_TRUE(has(r.err, "\nDONE: ")) << r.err;
    EXPECT_FALSE(has(r.err, "[pgmi] Skip")) << "a fresh database applies every script";
}

TEST(AdvancedTemplate, SecondDeployChangesOnlyTheLedger) {
    TempDir dir;
    const fs::path project = scaffold(dir, "app");
    ASSERT_FALSE(project.empty());
    const std::string db = unique_db("adv_twice");
    auto first = run_pgmi(deploy_args(project, db));
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_TRUE(has(first.err, "[role] created " + db + "_owner")) << first.err;
    EXPECT_TRUE(has(first.err, "[pgmi] Run ./membership/05-default-organization.sql")) << first.err;

    const auto before = query(db, kFingerprint);
    const auto log_before =
        query(db, "SELECT count(*) FROM internal.deployment_script_execution_log");
    auto second = run_pgmi(deploy_args(project, db));
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_TRUE(has(second.err, "[pgmi] Skip ./membership/05-default-organization.sql"))
        << second.err;
    EXPECT_FALSE(has(second.err, "[role] ")) << "roles already converged: " << second.err;
    EXPECT_EQ(query(db, kFingerprint), before) << "the second deploy changed more than the ledger";
    EXPECT_GT(std::stoll(
                  query(db, "SELECT count(*) FROM internal.deployment_script_execution_log").at(0)),
              std::stoll(log_before.at(0)))
        << "the second deploy is recorded";
    EXPECT_EQ(query(db,
                    "SELECT count(*) FROM internal.deployment_script_execution_log l "
                    "JOIN internal.deployment_script s ON s.id = l.script_id "
                    "WHERE s.path = './membership/05-default-organization.sql' "
                    "GROUP BY l.outcome ORDER BY l.outcome"),
              (V{"1", "1"}))
        << "executed once, skipped once";

    // The fingerprint sees a change when there is one (so the equality above means something).
    query(db, "UPDATE api.handler SET summary = summary WHERE name = 'hello'");
    EXPECT_NE(query(db, kFingerprint), before);
}

TEST(AdvancedTemplate, FailingTestRollsBackEverything) {
    TempDir dir;
    const fs::path project = scaffold(dir, "app");
    ASSERT_FALSE(project.empty());
    const std::string fail_test = "DO $$ BEGIN RAISE EXCEPTION 'deliberate failure'; END $$;\n";

    // On an empty database: nothing at all remains, not even the roles.
    dir.write("app/__test__/test_zz_fails.sql", fail_test);
    const std::string db = unique_db("adv_fail");
    auto r = run_pgmi(deploy_args(project, db));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "deliberate failure")) << r.err;
    EXPECT_EQ(query(db,
                    "SELECT count(*) FROM pg_namespace WHERE nspname IN ('api', 'membership', "
                    "'internal')"),
              V{"0"});
    EXPECT_EQ(query(db, "SELECT count(*) FROM pg_roles WHERE rolname LIKE '" + db + "\\_%'"),
              V{"0"});

    // On a deployed database: a new script and its ledger entry vanish with the failed test.
    fs::remove(project / "__test__/test_zz_fails.sql");
    ASSERT_EQ(run_pgmi(deploy_args(project, db)).exit_code, 0);
    const auto log = query(db, "SELECT count(*) FROM internal.deployment_script_execution_log");
    dir.write("app/lib/core/extra.sql",
              "/*\n<pgmi-meta id=\"0b7f30a6-e6c0-46e1-8e8e-0ec161eb5267\" idempotent=\"true\">\n"
              "  <sortKeys><key>003/100</key></sortKeys>\n</pgmi-meta>\n*/\n"
              "CREATE TABLE core.extra (id integer);\n");
    dir.write("app/__test__/test_zz_fails.sql", fail_test);
    r = run_pgmi(deploy_args(project, db));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "[pgmi] Run ./lib/core/extra.sql")) << r.err;
    EXPECT_EQ(query(db, "SELECT to_regclass('core.extra') IS NULL"), V{"t"});
    EXPECT_EQ(query(db, "SELECT count(*) FROM internal.deployment_script_execution_log"), log);
}

TEST(AdvancedTemplate, ParametersAreReconciledWithSessionXml) {
    TempDir dir;
    const fs::path project = scaffold(dir, "app");
    ASSERT_FALSE(project.empty());
    const std::string db = unique_db("adv_params");

    auto r = run_pgmi(deploy_args(project, db, {"--param", "colour=blue"}));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "colour is not declared in session.xml")) << r.err;

    r = run_pgmi(deploy_args(project, db, {"--param", "env=production"}));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "env must be one of [dev test staging prod], got \"production\""))
        << r.err;

    r = run_pgmi(deploy_args(project, db, {"--param", "env=prod"}));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "database_admin_password is required (env prod)")) << r.err;
    EXPECT_TRUE(has(r.err, "database_customer_password is required (env prod)")) << r.err;

    const std::string customer_pw = "Cust0mer-Pw-7d1f";
    const fs::path weak = dir.write("weak.params",
                                    "env=prod\ndatabase_admin_password=postgres\n"
                                    "database_customer_password=" +
                                        customer_pw + "\n");
    r = run_pgmi(deploy_args(project, db, {"--params-file", weak.string()}));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "database_admin_password is the development password")) << r.err;
    EXPECT_FALSE(has(r.out + r.err, customer_pw)) << "a secret was printed";

    const std::string admin_pw = "Adm1n-Pw-93c2";
    const fs::path good =
        dir.write("prod.params", "env=prod\ndatabase_admin_password=" + admin_pw +
                                     "\ndatabase_customer_password=" + customer_pw + "\n");
    r = run_pgmi(deploy_args(project, db, {"--params-file", good.string()}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(has(r.out + r.err, admin_pw)) << "a secret was printed";
    EXPECT_FALSE(has(r.out + r.err, customer_pw)) << "a secret was printed";
    EXPECT_TRUE(has(r.err, "[param] env = prod (given)")) << r.err;
    EXPECT_EQ(query(db, "SELECT internal.setting('env')"), V{"prod"});
    EXPECT_EQ(query(db,
                    "SELECT rolpassword IS NOT NULL AND rolcanlogin FROM pg_authid "
                    "WHERE rolname = '" +
                        db + "_admin'"),
              V{"t"});
}

// --- through the real gateway ----------------------------------------------------------------

int free_loopback_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

struct Reply {
    long status = 0;
    std::string content_type;
    json body;
};

class Gateway {
  public:
    explicit Gateway(int port) : base_("http://127.0.0.1:" + std::to_string(port)) {}
    const std::string& base() const { return base_; }

    Reply send(const std::string& method, const std::string& target, const std::string& body = "",
               const std::string& key = "") const {
        cloud::HttpRequest req;
        req.method = method;
        req.url = base_ + target;
        req.body = body;
        if (!body.empty())
            req.headers.emplace_back("Content-Type", "application/json");
        if (!key.empty())
            req.headers.emplace_back("Authorization", "Bearer " + key);
        auto r = cloud::http_send(req);
        Reply out;
        if (!r) {
            ADD_FAILURE() << method << " " << target << ": " << r.error().message;
            return out;
        }
        out.status = r->status;
        out.content_type = r->header("content-type").value_or("");
        out.body = json::parse(r->body, nullptr, false);
        return out;
    }

    // Polls /health until the gateway answers (bounded: at most 200 tries).
    bool wait_ready() const {
        for (int i = 0; i < 200; ++i) {
            cloud::HttpRequest req;
            req.url = base_ + "/health";
            auto r = cloud::http_send(req);
            if (r && r->status == 200)
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }

  private:
    std::string base_;
};

TEST(AdvancedTemplate, GatewayServesRestRpcAndMcpToRealClients) {
    const std::string node = on_path("node");
    ASSERT_FALSE(node.empty()) << "node (20+) is needed for the MCP SDK and the OpenAPI validator";
    const std::string tools = std::string(PGMI_SOURCE_DIR) + "/tests/node";
    auto install = run_program({"/bin/bash", tools + "/install.sh"}, {.timeout_seconds = 600});
    ASSERT_EQ(install.exit_code, 0) << install.err;

    TempDir dir;
    const fs::path project = scaffold(dir, "app");
    ASSERT_FALSE(project.empty());
    const std::string db = unique_db("adv_gw");
    auto deployed = run_pgmi(deploy_args(project, db));
    ASSERT_EQ(deployed.exit_code, 0) << deployed.err;

    // The gateway connects as the template's admin role (member of owner and api), not as a
    // superuser, so row-level security is what it would be in production.
    const int port = free_loopback_port();
    ASSERT_GT(port, 0);
    const std::string dsn = "host=" + server().socket_dir().string() +
                            " port=" + std::to_string(server().port()) + " dbname=" + db +
                            " user=" + db + "_admin";
    Process gateway({"/usr/bin/python3", (project / "tools/gateway.py").string(), "--port",
                     std::to_string(port)},
                    {.env = {{"GATEWAY_DSN", dsn}}, .timeout_seconds = 30});
    const Gateway gw(port);
    ASSERT_TRUE(gw.wait_ready()) << "the gateway never answered /health";

    Reply r = gw.send("GET", "/health");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.value("status", ""), "ok") << r.body.dump();

    // OpenAPI 3.1, checked by a real validator, which does reject a broken document.
    r = gw.send("GET", "/openapi.json");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body.value("openapi", ""), "3.1.0");
    const fs::path doc = dir.write("openapi.json", r.body.dump());
    auto valid = run_program({node, tools + "/openapi_validate.mjs", doc.string()});
    EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
    EXPECT_TRUE(has(valid.out, "\"valid\":true,\"version\":\"3.1\"")) << valid.out;
    json broken = r.body;
    broken.erase("info");
    broken["paths"]["/hello"]["get"].erase("responses");
    const fs::path bad = dir.write("broken.json", broken.dump());
    auto invalid = run_program({node, tools + "/openapi_validate.mjs", bad.string()});
    EXPECT_EQ(invalid.exit_code, 1) << invalid.out << invalid.err;

    r = gw.send("GET", "/hello?name=Gateway");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body.value("message", ""), "Hello, Gateway!");

    r = gw.send("GET", "/me");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_EQ(r.body.value("status", 0), 401) << r.body.dump();
    EXPECT_EQ(r.body.value("title", ""), "Unauthorized");

    // The first key comes from SQL; every other key from the admin route.
    const std::string admin =
        query(db, "SELECT membership.bootstrap_admin('ops@example.test')").at(0);
    std::map<std::string, std::string> org;
    for (const std::string name : {"alpha", "beta"}) {
        r = gw.send("POST", "/admin/users", json{{"email", name + "@example.test"}}.dump(), admin);
        ASSERT_EQ(r.status, 200) << r.body.dump();
        r = gw.send("POST", "/admin/organizations",
                    json{{"slug", name}, {"name", name + " inc"}}.dump(), admin);
        ASSERT_EQ(r.status, 200) << r.body.dump();
        org[name] = r.body.value("id", "");
        // members.add needs repeatable read: the gateway's first try gets 428 and it retries.
        r = gw.send("POST", "/admin/organizations/" + org[name] + "/members",
                    json{{"email", name + "@example.test"}, {"role", "owner"}}.dump(), admin);
        ASSERT_EQ(r.status, 200) << r.body.dump();
    }
    r = gw.send("POST", "/admin/api-keys",
                json{{"email", "alpha@example.test"}, {"organization_id", org["alpha"]}}.dump(),
                admin);
    ASSERT_EQ(r.status, 200) << r.body.dump();
    const std::string key_a = r.body.value("key", "");
    r = gw.send("POST", "/admin/api-keys", json{{"email", "beta@example.test"}}.dump(), admin);
    ASSERT_EQ(r.status, 200) << r.body.dump();
    const std::string key_b = r.body.value("key", "");
    r = gw.send("GET", "/admin/users", "", key_a);
    EXPECT_EQ(r.status, 403) << "a user's key is no admin key";

    r = gw.send("GET", "/me", "", key_a);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body["user"].value("email", ""), "alpha@example.test") << r.body.dump();

    // Organization isolation: beta's key never sees alpha's rows.
    r = gw.send("POST", "/organizations/" + org["alpha"] + "/notes",
                json{{"body", "alpha only"}}.dump(), key_a);
    ASSERT_EQ(r.status, 200) << r.body.dump();
    r = gw.send("GET", "/organizations/" + org["alpha"] + "/notes", "", key_a);
    EXPECT_EQ(r.body.size(), 1u) << r.body.dump();
    r = gw.send("GET", "/organizations/" + org["alpha"] + "/notes", "", key_b);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, json::array()) << r.body.dump();
    r = gw.send("GET", "/organizations/" + org["alpha"], "", key_b);
    EXPECT_EQ(r.status, 404) << r.body.dump();
    r = gw.send("POST", "/organizations/" + org["alpha"] + "/notes", json{{"body", "x"}}.dump(),
                key_b);
    EXPECT_EQ(r.status, 404) << r.body.dump();
    r = gw.send("GET", "/organizations", "", key_b);
    ASSERT_EQ(r.body.size(), 1u) << r.body.dump();
    EXPECT_EQ(r.body[0].value("slug", ""), "beta");

    // JSON-RPC.
    r = gw.send("POST", "/rpc", R"({"jsonrpc": "2.0", "id": 9, "method": "me"})", key_b);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body["result"]["user"].value("email", ""), "beta@example.test") << r.body.dump();

    // MCP through the official TypeScript SDK client (Streamable HTTP).
    auto mcp = run_program({node, tools + "/mcp_client.mjs", gw.base() + "/mcp", "me", "{}", key_a},
                           {.timeout_seconds = 60});
    ASSERT_EQ(mcp.exit_code, 0) << mcp.out << mcp.err;
    const json m = json::parse(mcp.out, nullptr, false);
    ASSERT_FALSE(m.is_discarded()) << mcp.out;
    EXPECT_EQ(m["server"].value("name", ""), db);
    const auto& names = m["tools"];
    EXPECT_NE(std::find(names.begin(), names.end(), "hello"), names.end()) << names.dump();
    EXPECT_NE(std::find(names.begin(), names.end(), "notes_create"), names.end()) << names.dump();
    EXPECT_EQ(std::find(names.begin(), names.end(), "admin_users_list"), names.end())
        << "admin tools are not listed for a user's key";
    EXPECT_EQ(m["result"].value("isError", true), false) << mcp.out;
    EXPECT_EQ(m["result"]["structuredContent"]["user"].value("email", ""), "alpha@example.test")
        << mcp.out;

    // The exchange log has the traffic, and no key in it.
    EXPECT_GE(std::stoi(query(db, "SELECT count(*) FROM api.exchange").at(0)), 15);
    for (const std::string& key : {admin, key_a, key_b})
        EXPECT_EQ(query(db,
                        "SELECT count(*) FROM api.exchange WHERE strpos(request::text || "
                        "coalesce(response::text, ''), '" +
                            key + "') > 0"),
                  V{"0"});

    gateway.signal(SIGTERM);
    const RunResult out = gateway.wait();
    for (const std::string& key : {admin, key_a, key_b})
        EXPECT_FALSE(has(out.out + out.err, key)) << "the gateway printed a key";
}

}  // namespace
}  // namespace pgmi::test
