// `pgmi ai contract` against the truth: a real session prepared by session::prepare on the
// PostgreSQL of this binary. Every temp view and its columns (in order), every function's
// argument list and result, and the test event type's fields must match the contract, and the
// session must hold no public object the contract leaves out.
#include "ai/contract.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pg/connection.hpp"
#include "project/scanner.hpp"
#include "session/loader.hpp"
#include "support/support.hpp"

namespace pgmi::test {
namespace {

using Json = nlohmann::ordered_json;

struct Live {
    TempDir dir;
    std::optional<pg::Connection> conn;
};

void prepare(Live& live) {
    live.dir.write("deploy.sql", "SELECT 1;\n");
    live.dir.write("__test__/t.sql", "SELECT 1;\n");
    const std::string db = unique_db("contract");
    query("postgres", "CREATE DATABASE " + db);
    auto project = project::scan(live.dir.path());
    ASSERT_TRUE(project) << project.error().message;
    auto c = pg::Connection::open(server().conn_params(db));
    ASSERT_TRUE(c) << c.error().message;
    live.conn = std::move(*c);
    auto prepared = session::prepare(*live.conn, *project, {{"env", "test"}},
                                     session::kLatestApiVersion, [](std::string_view) {});
    ASSERT_TRUE(prepared) << prepared.error().message;
}

std::vector<std::vector<std::string>> rows(pg::Connection& conn, const std::string& sql) {
    auto r = conn.exec(sql);
    EXPECT_TRUE(r) << r.error().message;
    std::vector<std::vector<std::string>> out;
    if (!r)
        return out;
    for (int i = 0; i < r->rows(); ++i) {
        std::vector<std::string> row;
        for (int j = 0; j < r->columns(); ++j)
            row.emplace_back(r->value(i, j));
        out.push_back(std::move(row));
    }
    return out;
}

// The catalog prints types visible through pg_temp without a schema and casts defaults
// (NULL::text); the contract shows the definitions as written.
std::string normalized(std::string s) {
    for (const std::string drop : {"pg_temp.", "::text"}) {
        for (auto p = s.find(drop); p != std::string::npos; p = s.find(drop, p))
            s.erase(p, drop.size());
    }
    return s;
}

std::string joined(const Json& list) {
    std::string out;
    for (const auto& item : list)
        out += (out.empty() ? "" : ", ") + item.get<std::string>();
    return out;
}

TEST(Contract, ViewsMatchTheLiveSession) {
    Live live;
    ASSERT_NO_FATAL_FAILURE(prepare(live));
    std::map<std::string, std::vector<std::string>> columns;
    std::map<std::string, std::vector<std::string>> types;
    for (const auto& r : rows(*live.conn,
                              "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
                              "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
                              "WHERE c.relnamespace = pg_my_temp_schema() AND c.relkind = 'v' "
                              "AND a.attnum > 0 AND NOT a.attisdropped "
                              "ORDER BY c.relname, a.attnum")) {
        columns[r[0]].push_back(r[1]);
        types[r[0]].push_back(r[1] + " " + r[2]);
    }
    ASSERT_EQ(columns.size(), 6u);

    const Json doc = ai::contract();
    std::set<std::string> listed;
    for (const auto& v : doc.at("views")) {
        const std::string name = v.at("name");
        listed.insert(name);
        ASSERT_TRUE(columns.count(name)) << name << " is in the contract, not in the session";
        EXPECT_EQ(v.at("columns").get<std::vector<std::string>>(), columns[name])
            << name << " (live: " << ::testing::PrintToString(types[name]) << ")";
    }
    for (const auto& [name, cols] : columns)
        EXPECT_TRUE(listed.count(name)) << name << " is in the session, not in the contract";

    // The parameter view's documented behaviour: keys arrive lower-cased.
    EXPECT_EQ(rows(*live.conn, "SELECT key FROM pg_temp.pgmi_parameter_view"),
              (std::vector<std::vector<std::string>>{{"env"}}));
}

TEST(Contract, FunctionsMatchTheLiveSession) {
    Live live;
    ASSERT_NO_FATAL_FAILURE(prepare(live));
    struct Signature {
        std::string args;
        std::string result;
    };
    std::map<std::string, Signature> live_fns;
    for (const auto& r :
         rows(*live.conn,
              "SELECT p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid) "
              "FROM pg_proc p WHERE p.pronamespace = pg_my_temp_schema()")) {
        ASSERT_FALSE(live_fns.count(r[0])) << "overloaded: " << r[0];
        live_fns[r[0]] = {r[1], r[2]};
    }

    const Json doc = ai::contract();
    std::set<std::string> listed(ai::internal_functions().begin(), ai::internal_functions().end());
    for (const auto& f : doc.at("functions")) {
        const std::string name = f.at("name");
        listed.insert(name);
        ASSERT_TRUE(live_fns.count(name)) << name << " is in the contract, not in the session";
        const Signature& sig = live_fns[name];
        EXPECT_EQ(normalized(joined(f.at("args"))), normalized(sig.args)) << name;
        std::string result = joined(f.at("returns"));
        if (sig.result.rfind("TABLE(", 0) == 0) {
            // TABLE(a integer, b text): the contract lists the column names.
            std::string names;
            const std::string inner = sig.result.substr(6, sig.result.size() - 7);
            std::size_t start = 0;
            while (start < inner.size()) {
                std::size_t comma = inner.find(", ", start);
                if (comma == std::string::npos)
                    comma = inner.size();
                const std::string col = inner.substr(start, comma - start);
                names += (names.empty() ? "" : ", ") + col.substr(0, col.find(' '));
                start = comma + 2;
            }
            EXPECT_EQ(result, names) << name;
        } else {
            EXPECT_EQ(result, normalized(sig.result)) << name;
        }
    }
    for (const auto& [name, sig] : live_fns)
        EXPECT_TRUE(listed.count(name)) << name << " is in the session, not in the contract";
    EXPECT_EQ(doc.at("functions").size(), 8u);
}

TEST(Contract, TestEventTypeMatchesTheLiveSession) {
    Live live;
    ASSERT_NO_FATAL_FAILURE(prepare(live));
    const auto fields =
        rows(*live.conn,
             "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_type t "
             "JOIN pg_attribute a ON a.attrelid = t.typrelid "
             "WHERE t.typnamespace = pg_my_temp_schema() AND t.typname = 'pgmi_test_event' "
             "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum");
    const Json doc = ai::contract();
    ASSERT_EQ(doc.at("types").size(), 1u);
    const Json& type = doc.at("types")[0];
    EXPECT_EQ(type.at("name"), "pgmi_test_event");
    std::vector<std::vector<std::string>> contract_fields;
    for (const auto& f : type.at("fields"))
        contract_fields.push_back({f.at("name"), f.at("type")});
    EXPECT_EQ(contract_fields, fields);
    // Every event the contract names is one the session's test runner emits.
    auto gen = rows(*live.conn,
                    "SELECT prosrc FROM pg_proc WHERE pronamespace = pg_my_temp_schema() "
                    "AND proname = 'pgmi_test_generate'");
    ASSERT_EQ(gen.size(), 1u);
    for (const auto& e : type.at("events"))
        EXPECT_NE(gen[0][0].find("'" + e.get<std::string>() + "'"), std::string::npos) << e;
}

}  // namespace
}  // namespace pgmi::test

namespace pgmi::test {
namespace {

// chk_checksum_format and chk_pgmi_checksum_format are written without the regex bounded
// repetition the spec shows ('^[a-fA-F0-9]{32,64}$', 12 µs a row): they must still accept and
// refuse exactly what it does, which the server itself judges here, value by value.
TEST(Contract, ChecksumChecksAcceptWhatTheSpecsPatternAccepts) {
    Live live;
    prepare(live);
    ASSERT_TRUE(live.conn);
    const std::vector<std::string> values = {std::string(31, 'a'),
                                             std::string(32, 'a'),
                                             std::string(64, 'F'),
                                             std::string(65, '0'),
                                             std::string(40, 'a') + "g",
                                             "\xc3\xa9" + std::string(40, 'a'),
                                             "",
                                             std::string(32, 'a') + "\n",
                                             " " + std::string(32, 'a'),
                                             std::string(48, 'b') + "-0",
                                             "0123456789abcdefABCDEF0123456789"};
    ASSERT_TRUE(live.conn->exec("BEGIN"));
    int accepted = 0;
    int refused = 0;
    for (const std::string& v : values) {
        for (const std::string column : {"checksum", "pgmi_checksum"}) {
            const std::string other = column == "checksum" ? "pgmi_checksum" : "checksum";
            auto spec = live.conn->exec_params("SELECT $1 ~ '^[a-fA-F0-9]{32,64}$'", {v});
            ASSERT_TRUE(spec) << spec.error().message;
            auto saved = live.conn->exec("SAVEPOINT s");
            ASSERT_TRUE(saved);
            auto r = live.conn->exec_params(
                "INSERT INTO pg_temp._pgmi_source (path, name, directory, extension, depth, "
                "content, size_bytes, " +
                    column + ", " + other +
                    ", path_parts, is_sql_file, is_test_file, parent_folder_name) VALUES "
                    "('./x.sql', 'x.sql', './', '.sql', 0, '', 0, $1, repeat('a', 64), "
                    "'{.,x.sql}', true, false, NULL)",
                {v});
            const bool spec_accepts = spec->value(0, 0) == std::string("t");
            EXPECT_EQ(static_cast<bool>(r), spec_accepts) << column << " = '" << v << "'";
            if (!r) {
                ASSERT_TRUE(r.error().server);
                EXPECT_EQ(r.error().server->sqlstate, "23514");
                EXPECT_NE(r.error().server->message.find("chk_" + column + "_format"),
                          std::string::npos)
                    << r.error().server->message;
                ++refused;
            } else {
                ++accepted;
            }
            ASSERT_TRUE(live.conn->exec("ROLLBACK TO SAVEPOINT s"));
        }
    }
    ASSERT_TRUE(live.conn->exec("ROLLBACK"));
    EXPECT_EQ(accepted, 6);  // 32 and 64 digits and the mixed-case value, in both columns
    EXPECT_EQ(refused, 16);
}

}  // namespace
}  // namespace pgmi::test
