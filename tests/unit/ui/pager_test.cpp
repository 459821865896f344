// Which pager `pgmi ai` would start: $PGMI_PAGER, then $PAGER, then less -R; `cat` = none.
#include "ui/pager.hpp"

#include <gtest/gtest.h>

namespace pgmi::ui {
namespace {

using V = std::vector<std::string>;

TEST(Pager, CommandPrecedenceAndSplitting) {
    EXPECT_EQ(pager_command(env_from({})), (V{"less", "-R"}));
    EXPECT_EQ(pager_command(env_from({{"PAGER", "more"}})), (V{"more"}));
    EXPECT_EQ(pager_command(env_from({{"PAGER", "more"}, {"PGMI_PAGER", " most\t-s  "}})),
              (V{"most", "-s"}));
    EXPECT_EQ(pager_command(env_from({{"PGMI_PAGER", ""}, {"PAGER", "more"}})), (V{"more"}))
        << "empty means unset";
    EXPECT_EQ(pager_command(env_from({{"PAGER", "cat"}})), V{});
    EXPECT_EQ(pager_command(env_from({{"PGMI_PAGER", "cat -v"}})), V{});
    // No shell: metacharacters are plain words.
    EXPECT_EQ(pager_command(env_from({{"PAGER", "less; rm -rf x"}})),
              (V{"less;", "rm", "-rf", "x"}));
}

}  // namespace
}  // namespace pgmi::ui
