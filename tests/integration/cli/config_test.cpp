// `pgmi config` and the connection wizard end to end, through a pseudo-terminal like a person at
// a terminal: every provider's form, the connection test against this binary's real PostgreSQL
// (a role with a SCRAM password on 127.0.0.1), saving pgmi.yaml (only the connection block
// changes), the .pgpass offer, cancelling, an existing file, and the refusal without a terminal.
// Also the wizard where it is embedded: `pgmi deploy` with no connection source at a terminal.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "config/project_config.hpp"
#include "pty_session.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

namespace fs = std::filesystem;

// Characters .pgpass must escape, and a SQL quote.
constexpr const char* kPassword = "Pw:with\\colon'4417";
constexpr const char* kWrongPassword = "Wrong-Pw-9923";
constexpr const char* kUser = "wizard_user";

void setup_once() {
    static bool done = [] {
        query("postgres", std::string("CREATE ROLE ") + kUser +
                              " LOGIN CREATEDB PASSWORD 'Pw:with\\colon''4417'");
        Status s = server().reload_with(
            "local all all trust\n"
            "host all wizard_user 127.0.0.1/32 scram-sha-256\n"
            "host all all 127.0.0.1/32 trust\n");
        EXPECT_TRUE(s) << s.error().message;
        return true;
    }();
    (void)done;
}

bool has(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
}

std::string port() {
    return std::to_string(server().port());
}

/// A project directory, a home without a password file, and the environment of a run there.
struct Sandbox {
    TempDir dir;
    fs::path project() const { return dir.path() / "proj"; }
    fs::path pgpass() const { return dir.path() / "home" / ".pgpass"; }
    Sandbox() {
        dir.write("proj/deploy.sql", "SELECT 1;\n");
        dir.write("home/.keep", "");
    }
    PtySession::Options options() const {
        return {.env = {{"NO_COLOR", "1"},
                        {"HOME", (dir.path() / "home").string()},
                        {"PGPASSFILE", std::nullopt},
                        {"PGSERVICE", std::nullopt},
                        {"PGMI_CONNECTION_STRING", std::nullopt},
                        {"AWS_REGION", std::nullopt},
                        {"AWS_DEFAULT_REGION", std::nullopt}},
                .cwd = dir.path()};
    }
};

/// Types the Local form: host 127.0.0.1, this server's port, `database`, maintenance postgres,
/// kUser, `password`.
void fill_local_form(PtySession& s, const std::string& database, const std::string& password) {
    ASSERT_TRUE(s.expect("Host: localhost"));
    s.send(
        "\x15"
        "127.0.0.1\r");
    ASSERT_TRUE(s.expect("Port: 5432"));
    s.send("\x15" + port() + "\r");
    ASSERT_TRUE(s.expect("Database: "));
    s.send(database + "\r");
    ASSERT_TRUE(s.expect("Maintenance database: postgres"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Username: postgres"));
    s.send(std::string("\x15") + kUser + "\r");
    ASSERT_TRUE(s.expect("Password: "));
    s.send(password + "\r");
}

TEST(Config, WithoutATerminalItRefusesAndSaysWhatToDoInstead) {
    Sandbox box;
    auto r = run_pgmi({"config", box.project().string()});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(has(r.err, "pgmi: error: usage error: config requires an interactive terminal"))
        << r.err;
    EXPECT_TRUE(has(r.err, "PGHOST")) << r.err;
    EXPECT_TRUE(has(r.err, "--connection")) << r.err;
    EXPECT_FALSE(fs::exists(box.project() / "pgmi.yaml"));
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"CI", "true"}, {"PGMI_NON_INTERACTIVE", "1"}}) {
        PtySession s({"config", "proj"},
                     {.env = {{key, value}}, .cwd = box.dir.path(), .stderr_pipe = true});
        EXPECT_EQ(s.wait(), 2) << key;
        EXPECT_TRUE(has(s.err(), "requires an interactive terminal")) << key << s.err();
    }
    auto extra = run_pgmi({"config", "a", "b"});
    EXPECT_EQ(extra.exit_code, 2);
    EXPECT_TRUE(has(extra.err, "accepts at most 1 arg(s), received 2")) << extra.err;
}

TEST(Config, LocalSavesPgmiYamlTestsTheConnectionAndSavesThePasswordToPgpass) {
    setup_once();
    Sandbox box;
    PtySession s({"config", "proj"}, box.options());
    ASSERT_TRUE(s.expect("pgmi - Connection Setup"));
    ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
    ASSERT_TRUE(s.expect("Other / Connection String"));
    s.send("\r");
    fill_local_form(s, "cfg_local", kPassword);
    ASSERT_TRUE(s.expect("Target: 127.0.0.1:" + port() + "/postgres"));
    ASSERT_TRUE(s.expect("ok Connected: PostgreSQL "));
    ASSERT_TRUE(s.expect("Wrote proj/pgmi.yaml"));
    ASSERT_TRUE(s.expect("Save the password to .pgpass for future sessions?"));
    s.send("y");
    ASSERT_TRUE(s.expect("Saved to " + box.pgpass().string()));
    EXPECT_EQ(s.wait(), 0) << s.output();
    termios after{};
    ASSERT_EQ(tcgetattr(s.master(), &after), 0);
    EXPECT_EQ(after.c_lflag & (ECHO | ICANON | ISIG), tcflag_t{ECHO | ICANON | ISIG})
        << "the terminal is cooked again";

    EXPECT_FALSE(has(s.output(), kPassword)) << "never echoed: " << s.output();
    const fs::path yaml = box.project() / "pgmi.yaml";
    EXPECT_EQ(mode_of(yaml), 0600u);
    EXPECT_EQ(read_whole_file(yaml),
              "connection:\n  host: \"127.0.0.1\"\n  port: " + port() +
                  "\n  database: cfg_local\n  maintenance_database: postgres\n"
                  "  username: wizard_user\n  sslmode: prefer\n");
    EXPECT_EQ(mode_of(box.pgpass()), 0600u);
    EXPECT_EQ(read_whole_file(box.pgpass()),
              "127.0.0.1:" + port() + ":*:wizard_user:Pw\\:with\\\\colon'4417\n");

    // The saved settings and password deploy: pgmi.yaml names the server, ~/.pgpass the password.
    auto deployed = run_pgmi({"deploy", box.project().string()},
                             {.env = {{"HOME", (box.dir.path() / "home").string()}}});
    EXPECT_EQ(deployed.exit_code, 0) << deployed.err;
    EXPECT_EQ(query("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'cfg_local'"),
              std::vector<std::string>{"1"});
}

TEST(Config, DecliningThePgpassOfferWritesNoPasswordAnywhere) {
    setup_once();
    Sandbox box;
    PtySession s({"config", "proj"}, box.options());
    ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
    s.send("\r");
    fill_local_form(s, "cfg_no", kPassword);
    ASSERT_TRUE(s.expect("Connected: PostgreSQL"));
    ASSERT_TRUE(s.expect("Save the password to .pgpass"));
    s.send("n");
    ASSERT_TRUE(s.expect("Tip: when you deploy, give the password with $PGPASSWORD"));
    EXPECT_EQ(s.wait(), 0) << s.output();
    EXPECT_FALSE(fs::exists(box.pgpass()));
    EXPECT_FALSE(has(read_whole_file(box.project() / "pgmi.yaml"), "4417"));
    EXPECT_FALSE(has(s.output(), kPassword));
}

TEST(Config, AFailedTestShowsWhyAndOffersToChangeTheSettingsOrKeepThem) {
    setup_once();
    Sandbox box;
    PtySession s({"config", "proj"}, box.options());
    ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
    s.send("\r");
    fill_local_form(s, "cfg_fail", kWrongPassword);
    ASSERT_TRUE(s.expect("FAILED Connection failed"));
    ASSERT_TRUE(s.expect("password authentication failed"));
    ASSERT_TRUE(s.expect("The connection failed. What now?"));
    EXPECT_FALSE(has(s.output(), kWrongPassword)) << s.output();
    s.send("\r");  // change the settings: the form again, with what was typed
    ASSERT_TRUE(s.expect("Host: 127.0.0.1"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Port: " + port()));
    s.send("\r");
    ASSERT_TRUE(s.expect("Database: cfg_fail"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Maintenance database: postgres"));
    s.send(
        "\x15"
        "no_such_db\r");
    ASSERT_TRUE(s.expect("Username: wizard_user"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Password: "));
    s.send(std::string(kPassword) + "\r");
    ASSERT_TRUE(s.expect("Target: 127.0.0.1:" + port() + "/no_such_db"));
    ASSERT_TRUE(s.expect("FAILED Connection failed"));
    ASSERT_TRUE(s.expect("no_such_db"));
    ASSERT_TRUE(s.expect("What now?"));
    s.send("\x1b[B\r");  // keep them anyway
    ASSERT_TRUE(s.expect("Wrote proj/pgmi.yaml"));
    ASSERT_TRUE(s.expect("Save the password to .pgpass"));
    s.send("n");
    EXPECT_EQ(s.wait(), 0) << s.output();
    auto yaml = config::load_project_config(box.project());
    ASSERT_TRUE(yaml) << yaml.error().message;
    EXPECT_EQ(yaml->connection.maintenance_database, "no_such_db");
}

TEST(Config, CancellingWritesNothing) {
    Sandbox box;
    {
        PtySession s({"config", "proj"}, box.options());
        ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
        s.send("\x03");
        ASSERT_TRUE(s.expect("Cancelled."));
        EXPECT_EQ(s.wait(), 0);
    }
    {
        PtySession s({"config", "proj"}, box.options());
        ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
        s.send("\r");
        ASSERT_TRUE(s.expect("Host: localhost"));
        s.send("\x1b");  // Esc on the first field: back to the providers
        ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
        s.send("\x1b");  // Esc on the first step: out
        ASSERT_TRUE(s.expect("Cancelled."));
        EXPECT_EQ(s.wait(), 0);
    }
    {
        PtySession s({"config", "proj"}, box.options());
        ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
        s.send("\r");
        ASSERT_TRUE(s.expect("Host: localhost"));
        s.send("\r");
        ASSERT_TRUE(s.expect("Port: 5432"));
        s.send("\r");
        ASSERT_TRUE(s.expect("Database: "));
        s.send("d\r");
        ASSERT_TRUE(s.expect("Maintenance database: "));
        s.send("\r");
        ASSERT_TRUE(s.expect("Username: "));
        s.send("\r");
        ASSERT_TRUE(s.expect("Password: "));
        s.send("half-typed\x03");
        ASSERT_TRUE(s.expect("Cancelled."));
        EXPECT_EQ(s.wait(), 0);
    }
    EXPECT_FALSE(fs::exists(box.project() / "pgmi.yaml"));
    EXPECT_FALSE(fs::exists(box.pgpass()));
}

const std::string kExisting =
    "# Team settings -- keep this comment\n"
    "timeout: 90s  # deliberately short\n"
    "\n"
    "connection:\n"
    "  host: old.example.com   # the old server\n"
    "  port: 5433\n"
    "  database: old\n"
    "  # sslrootcert: /etc/ssl/ca.pem\n"
    "\n"
    "params:\n"
    "  zeta: \"1\"\n"
    "  alpha: two   # order kept\n";

TEST(Config, AnExistingFileIsAskedAboutAndKeptOutsideTheConnectionBlock) {
    Sandbox box;
    const fs::path yaml = box.dir.write("proj/pgmi.yaml", kExisting);
    ::chmod(yaml.c_str(), 0644);
    {
        PtySession s({"config", "proj"}, box.options());
        ASSERT_TRUE(s.expect("pgmi.yaml exists."));
        ASSERT_TRUE(s.expect("Overwrite connection settings? (Y/n)"));
        s.send("n");
        ASSERT_TRUE(s.expect("Cancelled."));
        EXPECT_EQ(s.wait(), 0);
        EXPECT_EQ(read_whole_file(yaml), kExisting);
    }
    PtySession s({"config", "proj"}, box.options());
    ASSERT_TRUE(s.expect("Overwrite connection settings? (Y/n)"));
    s.send("\r");  // yes
    ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
    s.send("\x1b[B\r");  // Azure
    ASSERT_TRUE(s.expect("How does pgmi authenticate?"));
    s.send("\x1b");  // back to the providers, and on to Azure again
    ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
    s.send("\r");
    ASSERT_TRUE(s.expect("How does pgmi authenticate?"));
    s.send("\r");  // Entra ID
    ASSERT_TRUE(s.expect("Server (name or full host name): "));
    s.send("\r");
    ASSERT_TRUE(s.expect("Error: server name is required"));
    s.send("myserver\r");
    ASSERT_TRUE(s.expect("Database: "));
    s.send("app\r");
    ASSERT_TRUE(s.expect("Username (Entra ID user or group): "));
    s.send("me@corp.example\r");
    ASSERT_TRUE(s.expect("Target: myserver.postgres.database.azure.com:5432/app"));
    ASSERT_TRUE(s.expect("Azure Entra ID is configured"));
    ASSERT_TRUE(s.expect("not tested here"));
    ASSERT_TRUE(s.expect("Wrote proj/pgmi.yaml"));
    EXPECT_EQ(s.wait(), 0) << s.output();
    EXPECT_FALSE(has(s.output(), ".pgpass")) << "no password, no offer";
    EXPECT_EQ(read_whole_file(yaml),
              "# Team settings -- keep this comment\n"
              "timeout: 90s  # deliberately short\n"
              "\n"
              "connection:\n"
              "  host: myserver.postgres.database.azure.com\n"
              "  port: 5432\n"
              "  database: app\n"
              "  username: \"me@corp.example\"\n"
              "  sslmode: require\n"
              "  auth_method: azure\n"
              "  # sslrootcert: /etc/ssl/ca.pem\n"
              "\n"
              "params:\n"
              "  zeta: \"1\"\n"
              "  alpha: two   # order kept\n");
    EXPECT_EQ(mode_of(yaml), 0644u) << "an existing file keeps its mode";
}

TEST(Config, AnUnparseableFileIsNeverReplaced) {
    Sandbox box;
    const std::string broken = "connection:\n  host: [unclosed\nparams: {a: 1\n";
    const fs::path yaml = box.dir.write("proj/pgmi.yaml", broken);
    PtySession s({"config", "proj"}, box.options());
    const int code = s.wait();
    EXPECT_EQ(code, 10) << s.output();
    EXPECT_TRUE(has(s.output(), "pgmi.yaml exists but could not be parsed")) << s.output();
    EXPECT_TRUE(has(s.output(), "leaves it as it is")) << s.output();
    EXPECT_FALSE(has(s.output(), "Where is your PostgreSQL?")) << "nothing is offered";
    EXPECT_EQ(read_whole_file(yaml), broken);

    auto missing = run_pgmi({"config", "nowhere"}, {.cwd = box.dir.path()});
    EXPECT_EQ(missing.exit_code, 2) << "no terminal comes first";
    PtySession m({"config", "nowhere"}, box.options());
    EXPECT_EQ(m.wait(), 10);
    EXPECT_TRUE(has(m.output(), "nowhere is not a directory")) << m.output();
}

TEST(Config, AwsAndGoogleIdentitiesAreConfiguredNotTested) {
    Sandbox box;
    {
        PtySession s({"config", "proj"}, box.options());
        ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
        s.send("\x1b[B\x1b[B\r");  // AWS
        ASSERT_TRUE(s.expect("How does pgmi authenticate?"));
        s.send("\r");  // IAM
        ASSERT_TRUE(s.expect("Host (RDS endpoint): "));
        s.send("db.abc.eu-west-1.rds.amazonaws.com\r");
        ASSERT_TRUE(s.expect("Port: 5432"));
        s.send("\r");
        ASSERT_TRUE(s.expect("Database: "));
        s.send("app\r");
        ASSERT_TRUE(s.expect("Username (IAM database user): "));
        s.send("iam_deployer\r");
        ASSERT_TRUE(s.expect("Region"));
        s.send("eu-west-1\r");
        ASSERT_TRUE(s.expect("AWS IAM is configured"));
        ASSERT_TRUE(s.expect("Wrote proj/pgmi.yaml"));
        EXPECT_EQ(s.wait(), 0) << s.output();
        auto yaml = config::load_project_config(box.project());
        ASSERT_TRUE(yaml) << yaml.error().message;
        EXPECT_EQ(yaml->connection.auth_method, "aws");
        EXPECT_EQ(yaml->connection.aws_region, "eu-west-1");
        EXPECT_EQ(yaml->connection.sslmode, "require");
        EXPECT_EQ(yaml->connection.username, "iam_deployer");
    }
    PtySession s({"config", "proj"}, box.options());
    ASSERT_TRUE(s.expect("Overwrite connection settings?"));
    s.send("y");
    ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
    s.send("\x1b[A\x1b[A\r");  // up twice from Local: Google
    ASSERT_TRUE(s.expect("How does pgmi authenticate?"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Instance (project:region:instance): "));
    s.send("just-a-name\r");
    ASSERT_TRUE(s.expect("Error: the instance connection name reads project:region:instance"));
    s.send(
        "\x15"
        "proj:us-central1:db\r");
    ASSERT_TRUE(s.expect("Database: "));
    s.send("app\r");
    ASSERT_TRUE(s.expect("Username"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Target: proj:us-central1:db/app"));
    ASSERT_TRUE(s.expect("Google Cloud SQL IAM is configured"));
    ASSERT_TRUE(s.expect("Wrote proj/pgmi.yaml"));
    EXPECT_EQ(s.wait(), 0) << s.output();
    EXPECT_EQ(read_whole_file(box.project() / "pgmi.yaml"),
              "connection:\n  database: app\n  auth_method: google\n"
              "  google_instance: \"proj:us-central1:db\"\n");
}

TEST(Config, AConnectionStringIsTestedSavedWithoutItsPasswordAndThePasswordOffered) {
    setup_once();
    Sandbox box;
    PtySession s({"config", "proj"}, box.options());
    ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
    s.send("\x1b[A\r");  // up from Local: Other
    ASSERT_TRUE(s.expect("Connection string (URI or ADO.NET): "));
    s.send("not a connection string\r");
    ASSERT_TRUE(s.expect("Error: invalid connection string"));
    const std::string uri = "postgresql://wizard_user:Pw%3Awith%5Ccolon'4417@127.0.0.1:" + port() +
                            "/cfg_uri?application_name=wiz";
    s.send("\x15" + uri + "\r");
    ASSERT_TRUE(s.expect("Target: 127.0.0.1:" + port() + "/postgres"));
    ASSERT_TRUE(s.expect("ok Connected: PostgreSQL"));
    ASSERT_TRUE(s.expect("Not kept in pgmi.yaml (it has no key for them): application_name"));
    ASSERT_TRUE(s.expect("Wrote proj/pgmi.yaml"));
    ASSERT_TRUE(s.expect("Save the password to .pgpass"));
    s.send("\r");
    ASSERT_TRUE(s.expect("Saved to"));
    EXPECT_EQ(s.wait(), 0) << s.output();
    EXPECT_FALSE(has(s.output(), "Pw%3Awith")) << "the string's password is drawn as stars";
    EXPECT_TRUE(has(s.output(), "postgresql://wizard_user:*****")) << s.output();
    const std::string yaml = read_whole_file(box.project() / "pgmi.yaml");
    EXPECT_FALSE(has(yaml, "4417")) << yaml;
    EXPECT_TRUE(has(yaml, "  database: cfg_uri\n")) << yaml;
    EXPECT_EQ(read_whole_file(box.pgpass()),
              "127.0.0.1:" + port() + ":*:wizard_user:Pw\\:with\\\\colon'4417\n");
}

TEST(Config, SignalsLeaveTheTerminalAsItWasAndWriteNothing) {
    for (const int sig : {SIGTERM, SIGINT, SIGHUP}) {
        Sandbox box;
        PtySession s({"config", "proj"}, box.options());
        ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
        s.send("\r");
        ASSERT_TRUE(s.expect("Host: "));
        termios during{};
        ASSERT_EQ(tcgetattr(s.master(), &during), 0);
        EXPECT_EQ(during.c_lflag & (ECHO | ICANON | ISIG), 0u) << "raw while it asks";
        kill(s.pid(), sig);
        EXPECT_EQ(s.wait(), 128 + sig);
        termios after{};
        ASSERT_EQ(tcgetattr(s.master(), &after), 0);
        EXPECT_EQ(after.c_lflag & (ECHO | ICANON | ISIG), tcflag_t{ECHO | ICANON | ISIG})
            << "signal " << sig;
        EXPECT_FALSE(fs::exists(box.project() / "pgmi.yaml"));
    }
}

// --- the wizard inside `pgmi deploy` (connections §2.4) ---------------------------------------

TEST(DeployWizard, NoConnectionSourceAtATerminalAsksAndTheAnswersDeploy) {
    setup_once();
    Sandbox box;
    PtySession s({"deploy", "proj"}, box.options());
    ASSERT_TRUE(s.expect("No connection given"));
    ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
    s.send("\r");
    fill_local_form(s, "deploy_wizard", kPassword);
    ASSERT_TRUE(s.expect("Connected: PostgreSQL"));
    EXPECT_EQ(s.wait(), 0) << s.output();
    EXPECT_FALSE(has(s.output(), "Save the password")) << "deploy saves nothing";
    EXPECT_FALSE(has(s.output(), kPassword));
    EXPECT_FALSE(fs::exists(box.project() / "pgmi.yaml"));
    EXPECT_FALSE(fs::exists(box.pgpass()));
    EXPECT_EQ(query("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'deploy_wizard'"),
              std::vector<std::string>{"1"});
}

TEST(DeployWizard, CancellingDeniesTheDeploy) {
    Sandbox box;
    PtySession s({"deploy", "proj"}, box.options());
    ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
    s.send("\x03");
    ASSERT_TRUE(s.expect("approval denied: connection setup cancelled"));
    EXPECT_EQ(s.wait(), 12) << s.output();
}

TEST(DeployWizard, AConnectionStringBesideGranularFlagsIsRefusedWhereItIsChosen) {
    // -U and -p name no database, so the wizard asks; a connection string could not be used
    // with them, and the user never typed --connection: the provider step says so and asks again.
    Sandbox box;
    PtySession s({"deploy", "proj", "-U", "postgres", "-p", port()}, box.options());
    ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
    ASSERT_TRUE(s.expect("not with -p, -U"));
    s.send("\x1b[A\r");  // up from Local: Other
    ASSERT_TRUE(
        s.expect("Error: a connection string cannot be combined with -p, -U from the "
                 "command line; choose another provider, or press Ctrl+C and run again "
                 "without -p, -U"));
    ASSERT_TRUE(s.expect("Where is your PostgreSQL?"));
    s.send("\x03");
    EXPECT_EQ(s.wait(), 12) << s.output();
    EXPECT_FALSE(has(s.output(), "Connection string (URI or ADO.NET)")) << s.output();
    EXPECT_FALSE(has(s.output(), "cannot specify both --connection")) << s.output();
}

TEST(DeployWizard, NotAskedWithASourceWithForceOrWithoutATerminal) {
    setup_once();
    Sandbox box;
    // -d names the database: no wizard, PGHOST/PGPORT do the rest.
    auto opts = box.options();
    opts.env["PGHOST"] = server().socket_dir().string();
    opts.env["PGPORT"] = port();
    opts.env["PGUSER"] = "postgres";
    {
        PtySession s({"deploy", "proj", "-d", "deploy_flag"}, opts);
        EXPECT_EQ(s.wait(), 0) << s.output();
        EXPECT_FALSE(has(s.output(), "Where is your PostgreSQL?"));
    }
    {
        PtySession s({"deploy", "proj", "--force"}, box.options());
        EXPECT_EQ(s.wait(), 10) << s.output();
        EXPECT_TRUE(has(s.output(), "database name is required")) << s.output();
        EXPECT_FALSE(has(s.output(), "Where is your PostgreSQL?"));
    }
    auto batch = run_pgmi({"deploy", box.project().string()});
    EXPECT_EQ(batch.exit_code, 10) << batch.err;
    EXPECT_FALSE(has(batch.err, "Where is your PostgreSQL?"));
}

}  // namespace
}  // namespace pgmi::test
