// The statements --overwrite replays (deploy/kept_properties), built offline: libpq quotes on a
// connection object that never connected (the most cautious quoting), so every hostile value must
// come out as data. The end-to-end attack against a real server is in
// tests/integration/cli/overwrite_test.cpp.
#include "deploy/kept_properties.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>

namespace pgmi::deploy {
namespace {

struct Offline {
    // A socket path that cannot exist: libpq fails at once and sends nothing anywhere.
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn{
        PQconnectStart("host=/nonexistent/pgmi-unit dbname=x"), &PQfinish};
    pg::Quoter quote{conn.get()};
};

KeptProperties hostile() {
    KeptProperties k;
    k.owner = "own\"er";
    k.comment = "it's \\ a db'); DROP ROLE x; --";
    k.settings = {{"", "search_path", "x;ALTER ROLE low SUPERUSER;SELECT 1"},
                  {"low\"; DROP ROLE x; --", "work_mem", "8MB'; DROP ROLE x; --"},
                  {"", "myapp.flag", "on"}};
    k.grants.emplace();
    k.grants->push_back({"evil\"; DROP ROLE x; --", "CONNECT", true});
    k.grants->push_back({"", "TEMPORARY", false});
    return k;
}

TEST(KeptProperties, ListSettingsAreBoundAndStoredFromCurrent) {
    Offline o;
    auto steps = restore_steps(o.quote, "db", hostile());
    ASSERT_TRUE(steps) << steps.error().message;
    const Step& path = (*steps)[0];
    ASSERT_EQ(path.size(), 4u) << "BEGIN, set_config, ALTER ... FROM CURRENT, COMMIT";
    EXPECT_EQ(path[0].sql, "BEGIN");
    EXPECT_EQ(path[1].sql, "SELECT set_config($1, $2, true)");
    ASSERT_EQ(path[1].params.size(), 2u);
    EXPECT_EQ(path[1].params[0], "search_path");
    EXPECT_EQ(path[1].params[1], "x;ALTER ROLE low SUPERUSER;SELECT 1");
    EXPECT_EQ(path[2].sql, "ALTER DATABASE \"db\" SET \"search_path\" FROM CURRENT");
    EXPECT_EQ(path[3].sql, "COMMIT");
    for (const Step& step : *steps) {
        for (const Statement& st : step)
            EXPECT_EQ(st.sql.find("SUPERUSER"), std::string::npos) << "a value became SQL";
    }
}

TEST(KeptProperties, NamesAndScalarsAreQuotedByLibpq) {
    Offline o;
    auto steps = restore_steps(o.quote, "db", hostile());
    ASSERT_TRUE(steps);
    EXPECT_EQ((*steps)[1][0].sql,
              "ALTER ROLE \"low\"\"; DROP ROLE x; --\" IN DATABASE \"db\" SET \"work_mem\" = "
              "'8MB''; DROP ROLE x; --'");
    EXPECT_EQ((*steps)[2][0].sql, "ALTER DATABASE \"db\" SET \"myapp\".\"flag\" = 'on'");
    EXPECT_EQ((*steps)[3][0].sql,
              "COMMENT ON DATABASE \"db\" IS  E'it''s \\\\ a db''); DROP ROLE x; --'");
    EXPECT_EQ((*steps)[4][0].sql, "REVOKE ALL ON DATABASE \"db\" FROM PUBLIC");
    EXPECT_EQ((*steps)[5][0].sql, "REVOKE ALL ON DATABASE \"db\" FROM \"own\"\"er\"");
    EXPECT_EQ(
        (*steps)[6][0].sql,
        "GRANT CONNECT ON DATABASE \"db\" TO \"evil\"\"; DROP ROLE x; --\" WITH GRANT OPTION");
    EXPECT_EQ((*steps)[7][0].sql, "GRANT TEMPORARY ON DATABASE \"db\" TO PUBLIC");
}

TEST(KeptProperties, AnUnknownPrivilegeOrANulByteIsRefusedNotReplayed) {
    Offline o;
    KeptProperties k = hostile();
    k.grants->push_back({"r", "CONNECT; DROP ROLE x", false});
    auto bad_privilege = restore_steps(o.quote, "db", k);
    ASSERT_FALSE(bad_privilege);
    EXPECT_NE(bad_privilege.error().message.find("unknown database privilege"), std::string::npos);
    KeptProperties nul;
    nul.owner = std::string("a\0b", 3);
    auto create = create_statement(o.quote, "db", nul);
    ASSERT_FALSE(create);
    EXPECT_NE(create.error().message.find("NUL"), std::string::npos);
}

TEST(KeptProperties, CreateKeepsLocaleOwnerLimitAndTablespace) {
    Offline o;
    KeptProperties k;
    k.differs_from_template1 = true;
    k.encoding = "LATIN1";
    k.collate = "de_DE'x";
    k.ctype = "C";
    k.provider = "i";
    k.icu_locale = "und-x-icu";
    k.owner = "shop";
    k.connection_limit = 7;
    k.tablespace = "fast";
    auto create = create_statement(o.quote, "my db", k);
    ASSERT_TRUE(create);
    EXPECT_EQ(create->sql,
              "CREATE DATABASE \"my db\" TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE "
              "'de_DE''x' LC_CTYPE 'C' LOCALE_PROVIDER icu ICU_LOCALE 'und-x-icu' OWNER \"shop\" "
              "CONNECTION LIMIT 7 TABLESPACE \"fast\"");
    k.is_template = true;
    auto before = before_drop_steps(o.quote, "my db", k);
    ASSERT_TRUE(before);
    ASSERT_EQ(before->size(), 1u);
    EXPECT_EQ((*before)[0][0].sql, "ALTER DATABASE \"my db\" IS_TEMPLATE false");
}

}  // namespace
}  // namespace pgmi::deploy
