// The linear parser behind `ai contract` and the document's shape. That the parsed objects match
// a real session is shown by tests/integration/session/contract_test.cpp.
#include "ai/contract.hpp"

#include <gtest/gtest.h>

#include "util/error.hpp"

namespace pgmi::ai {
namespace {

TEST(ContractParser, ViewsColumnsFromSelectList) {
    const auto o = parse_session_sql(
        "-- CREATE VIEW fake AS SELECT nope FROM x;\n"
        "CREATE TEMP VIEW a_view AS SELECT path, t.name, f(x, y) AS \"Quoted\", "
        "row_number() OVER (ORDER BY k COLLATE \"C\") AS n, 'a,b' AS s FROM t;\n"
        "create or replace temporary view pg_temp.b AS\n  select x\n  from y;");
    ASSERT_EQ(o.views.size(), 2u);
    EXPECT_EQ(o.views[0].name, "a_view");
    EXPECT_EQ(o.views[0].columns, (std::vector<std::string>{"path", "name", "Quoted", "n", "s"}));
    EXPECT_EQ(o.views[1].name, "b");
    EXPECT_EQ(o.views[1].columns, (std::vector<std::string>{"x"}));
}

TEST(ContractParser, FunctionsArgsAndReturns) {
    const auto o = parse_session_sql(
        "CREATE OR REPLACE FUNCTION pg_temp.f(a text,\n    b text DEFAULT 'x, y')\n"
        "RETURNS TABLE (c1 integer, c2 text) LANGUAGE sql AS $fn$ SELECT 1; "
        "CREATE VIEW inner_view AS SELECT 1 FROM x; $fn$;\n"
        "CREATE FUNCTION g() RETURNS pg_temp._t LANGUAGE plpgsql AS $$ BEGIN END $$;\n"
        "CREATE FUNCTION h(e pg_temp.ev) RETURNS void\nLANGUAGE sql IMMUTABLE AS 'SELECT'");
    ASSERT_EQ(o.functions.size(), 3u);
    EXPECT_TRUE(o.views.empty()) << "text inside a body is not a statement";
    EXPECT_EQ(o.functions[0].name, "f");
    EXPECT_EQ(o.functions[0].args, (std::vector<std::string>{"a text", "b text DEFAULT 'x, y'"}));
    EXPECT_EQ(o.functions[0].returns, (std::vector<std::string>{"c1", "c2"}));
    EXPECT_TRUE(o.functions[1].args.empty());
    EXPECT_EQ(o.functions[1].returns, (std::vector<std::string>{"_t"}));
    EXPECT_EQ(o.functions[2].args, (std::vector<std::string>{"e pg_temp.ev"}));
    EXPECT_EQ(o.functions[2].returns, (std::vector<std::string>{"void"}));
}

TEST(ContractParser, CompositeTypesAndHostileInput) {
    const auto o = parse_session_sql(
        "CREATE TYPE pg_temp.ev AS (event text, n  integer, c numeric(10, 2));\n"
        "CREATE TABLE t (a text CHECK (a <> E'\\';'));");
    ASSERT_EQ(o.types.size(), 1u);
    ASSERT_EQ(o.types[0].fields.size(), 3u);
    EXPECT_EQ(o.types[0].fields[2].name, "c");
    EXPECT_EQ(o.types[0].fields[2].type, "numeric(10, 2)");
    // Unterminated strings, bodies, comments and parentheses end the scan without harm.
    for (const char* bad : {"CREATE VIEW v AS SELECT 'x", "CREATE FUNCTION f( RETURNS", "/* open",
                            "CREATE FUNCTION f() RETURNS int AS $a$ x", "$", "\"",
                            "CREATE VIEW v AS SELECT (((", "CREATE TYPE t AS ("}) {
        (void)parse_session_sql(bad);
    }
}

TEST(Contract, EmbeddedSessionObjects) {
    const auto o = session_objects();
    EXPECT_EQ(o.views.size(), 6u);
    bool found = false;
    for (const auto& v : o.views) {
        if (v.name == "pgmi_plan_view") {
            found = true;
            EXPECT_EQ(v.columns, (std::vector<std::string>{
                                     "path", "content", "checksum", "generic_id", "id",
                                     "idempotent", "description", "sort_key", "execution_order"}));
        }
    }
    EXPECT_TRUE(found);
}

TEST(Contract, KeysInOrderAndExitCodesFromErrorKind) {
    const auto doc = contract();
    std::vector<std::string> keys;
    for (const auto& [k, v] : doc.items())
        keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"views", "functions", "types", "step_types",
                                              "step_types_note", "exit_codes", "macros",
                                              "execution_contract"}));
    std::vector<int> codes;
    for (const auto& c : doc["exit_codes"])
        codes.push_back(c["code"].get<int>());
    EXPECT_EQ(codes, (std::vector<int>{0, 1, 2, 3, 10, 11, 12, 13, 14, 15, 16, 130, 143}));
    EXPECT_EQ(doc["views"][0]["name"], "pgmi_source_view");
    EXPECT_EQ(doc["views"][1]["name"], "pgmi_parameter_view");
    EXPECT_TRUE(doc["views"][1].contains("note"));
    EXPECT_EQ(doc["functions"][0]["name"], "pgmi_test_plan");
    EXPECT_EQ(doc["functions"][0]["args"][0], "p_pattern text DEFAULT NULL");
    EXPECT_EQ(doc["functions"].size(), 8u);
    EXPECT_EQ(doc["types"][0]["name"], "pgmi_test_event");
    EXPECT_EQ(doc["types"][0]["events"].size(), 9u);
    const std::string text = contract_text();
    EXPECT_EQ(text.substr(0, 14), "{\n  \"views\": [");
    EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace pgmi::ai
