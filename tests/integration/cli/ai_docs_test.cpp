// Docs that run: every ```sql runnable``` block of the guidance embedded in the binary
// (resources/ai/**/*.md) is deployed as the deploy.sql of an otherwise empty project into a
// fresh database of the real server, and must succeed. Guidance that stops being true fails here.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/support.hpp"
#include "util/resources.hpp"

namespace pgmi::test {
namespace {

struct Block {
    std::string where;  // "ai/skills/pgmi-sql.md:42"
    std::string sql;
};

// Fenced blocks whose info string is exactly "sql runnable"; the fence closes at a line that is
// exactly ```.
std::vector<Block> runnable_blocks() {
    std::vector<Block> blocks;
    for (const auto& e : resources::all()) {
        if (e.path.substr(0, 3) != "ai/" || e.path.size() < 3 ||
            e.path.substr(e.path.size() - 3) != ".md")
            continue;
        const std::string_view text = e.content;
        std::size_t pos = 0;
        int line = 0;
        Block* open = nullptr;
        while (pos < text.size()) {
            const std::size_t end = std::min(text.find('\n', pos), text.size());
            const std::string_view l = text.substr(pos, end - pos);
            ++line;
            if (open == nullptr && l == "```sql runnable") {
                blocks.push_back({std::string(e.path) + ":" + std::to_string(line), ""});
                open = &blocks.back();
            } else if (open != nullptr && l == "```") {
                open = nullptr;
            } else if (open != nullptr) {
                open->sql += std::string(l) + "\n";
            }
            pos = end + 1;
        }
        EXPECT_EQ(open, nullptr) << e.path << ": unclosed runnable block";
    }
    return blocks;
}

TEST(AiDocs, EveryRunnableBlockDeploys) {
    const auto blocks = runnable_blocks();
    EXPECT_GE(blocks.size(), 39u);
    for (const auto& b : blocks) {
        SCOPED_TRACE(b.where);
        TempDir project;
        project.write("deploy.sql", b.sql);
        auto r = run_pgmi(deploy_args(project.path(), unique_db()));
        EXPECT_EQ(r.exit_code, 0) << b.where << "\n" << r.err << "\n--- deploy.sql ---\n" << b.sql;
    }
}

}  // namespace
}  // namespace pgmi::test
