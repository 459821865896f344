// Typesetting --help as a manual page (cli/man_page.hpp): escaping and the sections a help text
// becomes. The rendered pages are compared with the real --help by
// tests/integration/cli/man_pages_test.cpp.
#include "cli/man_page.hpp"

#include <gtest/gtest.h>

namespace pgmi::cli {
namespace {

TEST(ManPage, EscapesWhatRoffWouldInterpret) {
    EXPECT_EQ(roff_escape("--help"), "\\-\\-help");
    EXPECT_EQ(roff_escape("C:\\dir"), "C:\\edir");
    EXPECT_EQ(roff_escape(".TH not a request\n'quote"), "\\&.TH not a request\n\\&'quote");
    EXPECT_EQ(roff_escape("a.b"), "a.b");
}

TEST(ManPage, HelpSectionsBecomeManSections) {
    const std::string help =
        "Do a thing: the long description\n"
        "\n"
        "More words here.\n"
        "\n"
        "Usage:\n"
        "  pgmi thing <path> [flags]\n"
        "\n"
        "Examples:\n"
        "  pgmi thing .   # here\n"
        "\n"
        "Flags:\n"
        "  -d, --database string   Target database, with a description that wraps onto\n"
        "                          a second line\n"
        "      --json              JSON\n"
        "      --help              Show help for thing\n";
    const std::string roff = help_to_roff(help, "pgmi-thing", "1.2.3", {"pgmi(1)"});
    EXPECT_NE(roff.find(".TH \"PGMI\\-THING\" \"1\" \"\" \"pgmi 1.2.3\""), std::string::npos)
        << roff;
    EXPECT_NE(roff.find(".SH \"NAME\"\npgmi\\-thing \\- Do a thing: the long description\n"),
              std::string::npos)
        << roff;
    // SYNOPSIS comes before DESCRIPTION, as man readers expect.
    EXPECT_LT(roff.find(".SH \"SYNOPSIS\""), roff.find(".SH \"DESCRIPTION\""));
    EXPECT_NE(roff.find("  pgmi thing <path> [flags]"), std::string::npos);
    EXPECT_NE(roff.find(".SH \"EXAMPLES\""), std::string::npos);
    // A wrapped flag description is one paragraph again; names bold, the type italic.
    EXPECT_NE(roff.find(".TP\n\\fB\\-d\\fR, \\fB\\-\\-database\\fR \\fIstring\\fR\nTarget "
                        "database, with a description that wraps onto a second line\n"),
              std::string::npos)
        << roff;
    EXPECT_NE(roff.find(".SH \"SEE ALSO\"\n\\fBpgmi\\fR(1)\n"), std::string::npos) << roff;
}

TEST(ManPage, UnknownSectionsKeepTheirTitle) {
    const std::string roff = help_to_roff(
        "x\n\nUsage:\n  pgmi x\n\nGlobal Flags:\n  -v, --verbose   More\n\n"
        "Notes:\n  a note\n",
        "pgmi-x", "1", {});
    EXPECT_NE(roff.find(".SH \"GLOBAL OPTIONS\"\n.TP\n\\fB\\-v\\fR, \\fB\\-\\-verbose\\fR\nMore"),
              std::string::npos)
        << roff;
    EXPECT_NE(roff.find(".SH \"NOTES\""), std::string::npos) << roff;
}

}  // namespace
}  // namespace pgmi::cli
