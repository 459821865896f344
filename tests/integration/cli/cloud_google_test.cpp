// `pgmi deploy --google` end to end, on loopback only: the real binary's credential chain reads a
// service account file whose token_uri is a fake, asks a fake Admin API for the instance's
// settings and for an ephemeral certificate per connection, and dials a TLS 1.3 front on
// 127.a.b.c:3307 that demands that certificate and forwards to this binary's real PostgreSQL,
// where only the IAM database user may log in over TCP. Proves: the deploy runs as the
// principal's IAM user without -U (even with $USER set), every connection gets its own
// certificate, --json and --verbose hold no secret, an Admin API refusal that quotes the token
// exits 11 without showing it, and an explicit -U wins over the principal.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "integration/cli/cloud_env.hpp"
#include "integration/conn/cloud_sql_fake.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

using namespace cloud_sql_fake;

struct Shared {
    std::unique_ptr<TempDir> dir;
    std::filesystem::path project, home, bin;
};

const Shared& setup() {
    static Shared s = [] {
        Shared made;
        world();  // the fake Google, the IAM role and pg_hba.conf
        made.dir = std::make_unique<TempDir>();
        made.home = made.dir->path() / "home";
        made.bin = made.dir->path() / "bin";
        std::filesystem::create_directories(made.home);
        std::filesystem::create_directories(made.bin);
        made.project = made.dir
                           ->write("project/deploy.sql",
                                   "CREATE TABLE deployed_by AS SELECT current_user::text AS who, "
                                   "session_user::text AS login, "
                                   "inet_server_addr()::text AS addr;\n")
                           .parent_path();
        return made;
    }();
    return s;
}

RunOptions google_options() {
    RunOptions o = cloud_run_options(setup().home, setup().bin, "http://127.0.0.1:1");
    for (const auto& [name, value] : world().env())
        o.env[name] = value;
    // A defaulted user must not replace the principal's IAM database user.
    o.env["USER"] = "not_the_principal";
    return o;
}

std::vector<std::string> deploy_args(const std::string& db, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "deploy", setup().project.string(), "--google", "--google-instance", kInstance, "-d", db};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

/// What the fake and the front saw during one run.
struct Seen {
    size_t certs = 0;
    int handshakes = 0, rejected = 0, cancels = 0;
    size_t cns = 0;
    static Seen now() {
        World& w = world();
        return {w.certs_issued(), w.front->handshakes(), w.front->rejected(), w.front->cancels(),
                w.front->client_cns().size()};
    }
};

void expect_deployed_as_the_iam_user(const std::string& db) {
    auto rows = query(db, "SELECT who || ' ' || login || ' ' || addr FROM deployed_by");
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0], std::string(kDbUser) + " " + kDbUser + " 127.0.0.1/32");
}

TEST(CloudGoogle, DeploysAsTheIamUserWithAFreshCertificateForEveryConnection) {
    const std::string db = unique_db("google");
    const Seen before = Seen::now();
    auto r = run_pgmi(deploy_args(db, {"--verbose"}), google_options());
    ASSERT_EQ(r.exit_code, 0) << everything(r);
    expect_deployed_as_the_iam_user(db);

    const Seen after = Seen::now();
    // The target did not exist: at least a probe, the maintenance connection and the session.
    const size_t certs = after.certs - before.certs;
    EXPECT_GE(certs, 3U);
    // Each connection was one TLS handshake with a verified client certificate of its own.
    EXPECT_EQ(static_cast<size_t>(after.handshakes - before.handshakes), certs);
    EXPECT_EQ(after.cancels, before.cancels);
    EXPECT_EQ(after.rejected, before.rejected);  // never tried without the certificate
    {
        std::lock_guard<std::mutex> l(world().google.mu);
        const auto& keys = world().google.public_keys;
        const std::set<std::string> distinct(keys.begin() + static_cast<long>(before.certs),
                                             keys.end());
        EXPECT_EQ(distinct.size(), certs);
    }
    const auto cns = world().front->client_cns();
    const auto users = world().front->startup_users();
    for (size_t i = before.cns; i < cns.size(); ++i) {
        EXPECT_EQ(cns[i], kEmail);
        EXPECT_EQ(users[i], kDbUser);  // not $USER: the principal's IAM database user
    }

    // --verbose names the instance and the way in, and shows no secret.
    EXPECT_NE(r.err.find(std::string("Google Instance: ") + kInstance), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(std::string("Cloud SQL instance ") + kInstance + " at " +
                         world().front->ip() + ":3307"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("the Google principal's IAM database user"), std::string::npos) << r.err;
    expect_no_secret(everything(r));
}

TEST(CloudGoogle, AMissingDatabaseIsCreatedThoughTheInstanceClosesWithoutCloseNotify) {
    // Seen with Cloud SQL: the server's `database "x" does not exist` arrives, then the instance
    // closes the TLS connection without close_notify. pgmi must act on the server's error (create
    // the database), not report the bridge's "unexpected eof".
    const std::string db = unique_db("google_eof");
    world().front->set_close_notify(false);
    auto r = run_pgmi(deploy_args(db), google_options());
    world().front->set_close_notify(true);
    ASSERT_EQ(r.exit_code, 0) << everything(r);
    EXPECT_EQ(r.err.find("unexpected eof"), std::string::npos) << r.err;
    expect_deployed_as_the_iam_user(db);
    expect_no_secret(everything(r));
}

TEST(CloudGoogle, JsonOnSuccessParsesAndHoldsNoToken) {
    const std::string db = unique_db("google_json");
    auto r = run_pgmi(deploy_args(db, {"--json"}), google_options());
    ASSERT_EQ(r.exit_code, 0) << everything(r);
    expect_deployed_as_the_iam_user(db);
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << r.out;
    EXPECT_EQ(doc.value("status", ""), "success") << r.out;
    EXPECT_EQ(doc.value("database", ""), db) << r.out;
    expect_no_secret(everything(r));
}

TEST(CloudGoogle, AnAdminApiRefusalQuotingTheTokenExits11WithoutShowingIt) {
    const size_t certs = world().certs_issued();
    world().set_settings_status(403);
    auto r =
        run_pgmi(deploy_args(unique_db("google_403"), {"--json", "--verbose"}), google_options());
    world().set_settings_status(200);
    EXPECT_EQ(r.exit_code, 11) << everything(r);
    EXPECT_NE(everything(r).find("HTTP 403"), std::string::npos) << everything(r);
    EXPECT_NE(everything(r).find("The client is not authorized to make this request"),
              std::string::npos)
        << everything(r);
    EXPECT_NE(everything(r).find("[redacted]"), std::string::npos) << everything(r);
    EXPECT_EQ(world().certs_issued(), certs);
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << r.out;
    EXPECT_EQ(doc.value("exitCode", 0), 11) << r.out;
    EXPECT_NE(doc.value("error", "").find("HTTP 403"), std::string::npos) << r.out;
    expect_no_secret(everything(r));
}

TEST(CloudGoogle, PrivateIpTypeDialsOnlyThePrivateAddress) {
    // The fake instance has PRIMARY and OUTGOING addresses only: asked for the private one,
    // pgmi must not fall back to the public address.
    const size_t certs = world().certs_issued();
    auto r = run_pgmi(deploy_args(unique_db("google_private"), {"--google-ip-type", "private"}),
                      google_options());
    EXPECT_EQ(r.exit_code, 11) << everything(r);
    EXPECT_NE(r.err.find("has no private IP address (PRIVATE); it has PRIMARY, OUTGOING"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(world().certs_issued(), certs) << "nothing is dialled without an address";
    expect_no_secret(everything(r));
}

TEST(CloudGoogle, AnExplicitUserWinsOverThePrincipal) {
    auto r = run_pgmi(deploy_args(unique_db("google_u"), {"-U", "someone_else"}), google_options());
    EXPECT_EQ(r.exit_code, 11) << everything(r);
    EXPECT_EQ(world().front->startup_users().back(), "someone_else");
    EXPECT_NE(r.err.find("authentication rejected for user \"someone_else\""), std::string::npos)
        << r.err;
    expect_no_secret(everything(r));
}

}  // namespace
}  // namespace pgmi::test
