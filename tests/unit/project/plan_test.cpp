#include "project/plan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pgmi::project {
namespace {

SourceFile file(const std::string& path, std::optional<Metadata> meta = std::nullopt) {
    SourceFile f;
    f.path = path;
    f.content = "SELECT 1;";
    f.pgmi_checksum = "sum-" + path;
    f.is_sql = path.ends_with(".sql");
    f.metadata = std::move(meta);
    return f;
}

Metadata meta(const std::string& id, std::vector<std::string> keys, bool idempotent = true,
              std::string description = "") {
    Metadata m;
    m.id = *parse_uuid(id);
    m.sort_keys = std::move(keys);
    m.idempotent = idempotent;
    m.description = std::move(description);
    return m;
}

std::vector<std::string> order(const std::vector<PlanEntry>& plan) {
    std::vector<std::string> out;
    for (const PlanEntry& e : plan)
        out.push_back(e.path + " @ " + e.sort_key);
    return out;
}

TEST(Plan, ReferenceFixtureOrder) {
    // session-api §3.9: '.' (0x2E) sorts before digits, so files without keys come first.
    const std::vector<SourceFile> files = {
        file("./fallback_a.sql"),
        file("./fallback-b.sql"),
        file("./first.sql", meta("11111111-0000-0000-0000-000000000001", {"001/000"})),
        file("./last.sql", meta("11111111-0000-0000-0000-000000000002", {"999/000"})),
        file("./migrations/002_data.sql"),
        file("./setup/functions.sql"),
    };
    const auto plan = build_plan(files);
    EXPECT_EQ(order(plan), (std::vector<std::string>{
                               "./fallback-b.sql @ ./fallback-b.sql",
                               "./fallback_a.sql @ ./fallback_a.sql",
                               "./migrations/002_data.sql @ ./migrations/002_data.sql",
                               "./setup/functions.sql @ ./setup/functions.sql",
                               "./first.sql @ 001/000",
                               "./last.sql @ 999/000",
                           }));
    for (size_t i = 0; i < plan.size(); ++i)
        EXPECT_EQ(plan[i].execution_order, static_cast<int64_t>(i + 1));
}

TEST(Plan, OneRowPerKeyDuplicatesKept) {
    const std::vector<SourceFile> files = {
        file("./multi.sql",
             meta("11111111-0000-0000-0000-000000000001",
                  {"90-cleanup/9999", "10-utils/0010", "10-utils/0010"}, false, "Two phases")),
        file("./mid.sql", meta("11111111-0000-0000-0000-000000000002", {"50/x"})),
    };
    const auto plan = build_plan(files);
    ASSERT_EQ(plan.size(), 4u);
    EXPECT_EQ(order(plan), (std::vector<std::string>{
                               "./multi.sql @ 10-utils/0010",
                               "./multi.sql @ 10-utils/0010",
                               "./mid.sql @ 50/x",
                               "./multi.sql @ 90-cleanup/9999",
                           }));
    EXPECT_EQ(plan[0].id->str(), "11111111-0000-0000-0000-000000000001");
    EXPECT_FALSE(plan[0].idempotent);
    EXPECT_EQ(plan[0].description, "Two phases");
    EXPECT_EQ(plan[3].execution_order, 4);
}

TEST(Plan, DefaultsWithoutMetadataAndEmptyKeys) {
    const std::vector<SourceFile> files = {
        file("./README"),
        file("./data/products.json"),
        file("./nokeys.sql", meta("11111111-0000-0000-0000-000000000003", {}, false, "d")),
    };
    const auto plan = build_plan(files);
    ASSERT_EQ(plan.size(), 3u);
    EXPECT_EQ(order(plan), (std::vector<std::string>{
                               "./README @ ./README",
                               "./data/products.json @ ./data/products.json",
                               "./nokeys.sql @ ./nokeys.sql",
                           }));
    EXPECT_EQ(plan[0].generic_id.str(), "3b98ea70-5262-3e9e-f9c9-aad829989a61");
    EXPECT_FALSE(plan[0].id);
    EXPECT_TRUE(plan[0].idempotent);
    EXPECT_EQ(plan[0].description, "");
    EXPECT_EQ(plan[0].checksum, "sum-./README");
    // Metadata without keys: its own values, sorted by its path.
    EXPECT_EQ(plan[2].id->str(), "11111111-0000-0000-0000-000000000003");
    EXPECT_FALSE(plan[2].idempotent);
    EXPECT_EQ(plan[2].description, "d");
    EXPECT_EQ(plan[2].generic_id, md5_uuid("./nokeys.sql"));
}

TEST(Plan, ByteOrderNotCollation) {
    // Upper case before lower case, ASCII before any UTF-8 lead byte, shorter prefix first;
    // equal keys ordered by path.
    const std::vector<SourceFile> files = {
        file("./b.sql", meta("11111111-0000-0000-0000-000000000001", {"same"})),
        file("./a.sql", meta("11111111-0000-0000-0000-000000000002", {"same"})),
        file("./c.sql", meta("11111111-0000-0000-0000-000000000003", {"\xC3\xA9t\xC3\xA9"})),
        file("./d.sql", meta("11111111-0000-0000-0000-000000000004", {"Zeta"})),
        file("./e.sql", meta("11111111-0000-0000-0000-000000000005", {"sam"})),
        file("./f.sql", meta("11111111-0000-0000-0000-000000000006", {" lead"})),
    };
    EXPECT_EQ(order(build_plan(files)), (std::vector<std::string>{
                                            "./f.sql @  lead",
                                            "./d.sql @ Zeta",
                                            "./e.sql @ sam",
                                            "./a.sql @ same",
                                            "./b.sql @ same",
                                            "./c.sql @ \xC3\xA9t\xC3\xA9",
                                        }));
}

TEST(Plan, EmptyProject) {
    EXPECT_TRUE(build_plan(std::vector<SourceFile>{}).empty());
}

}  // namespace
}  // namespace pgmi::project
