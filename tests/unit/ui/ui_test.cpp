// ui/: terminal capabilities, key decoding, the line editor, directory completion, the tree.
#include <gtest/gtest.h>

#include "support/support.hpp"
#include "ui/line_reader.hpp"
#include "ui/splash.hpp"
#include "ui/terminal.hpp"
#include "ui/tree.hpp"
#include "ui/wizard.hpp"

namespace pgmi::ui {
namespace {

using V = std::vector<std::string>;

Terminal term(std::map<std::string, std::string> env, Ttys ttys) {
    return Terminal::from(env_from(std::move(env)), ttys);
}

constexpr Ttys kAllTty{.in = true, .out = true, .err = true};
constexpr Ttys kNoTty{};

TEST(Terminal, InteractiveNeedsStdinAndStdoutTtysAndNoCi) {
    EXPECT_TRUE(term({}, kAllTty).interactive);
    EXPECT_FALSE(term({}, kNoTty).interactive);
    EXPECT_FALSE(term({}, {.in = true, .out = false, .err = true}).interactive);
    EXPECT_FALSE(term({}, {.in = false, .out = true, .err = true}).interactive);
    EXPECT_FALSE(term({{"CI", "true"}}, kAllTty).interactive);
    EXPECT_TRUE(term({{"CI", ""}}, kAllTty).interactive);
    EXPECT_FALSE(term({{"PGMI_NON_INTERACTIVE", "1"}}, kAllTty).interactive);
    EXPECT_TRUE(term({{"PGMI_NON_INTERACTIVE", "0"}}, kAllTty).interactive);
    EXPECT_TRUE(non_interactive_env(env_from({{"CI", "1"}})));
    EXPECT_FALSE(non_interactive_env(env_from({})));
}

TEST(Terminal, ColourRules) {
    EXPECT_TRUE(term({}, kAllTty).color);
    EXPECT_TRUE(term({}, kAllTty).stdout_color);
    EXPECT_FALSE(term({}, kNoTty).color);
    EXPECT_FALSE(term({{"NO_COLOR", "1"}}, kAllTty).color);
    EXPECT_TRUE(term({{"NO_COLOR", "1"}}, kAllTty).plain_icons);
    EXPECT_TRUE(term({{"NO_COLOR", ""}}, kAllTty).color) << "an empty NO_COLOR is unset";
    EXPECT_FALSE(term({{"NO_COLOR", "1"}, {"CLICOLOR_FORCE", "1"}}, kAllTty).color);
    EXPECT_TRUE(term({{"CLICOLOR_FORCE", "1"}}, kNoTty).color);
    EXPECT_TRUE(term({{"CLICOLOR_FORCE", "1"}}, kNoTty).stdout_color);
    EXPECT_FALSE(term({{"CLICOLOR_FORCE", "0"}}, kNoTty).color);
    EXPECT_FALSE(term({{"CLICOLOR", "0"}}, kAllTty).color);
    EXPECT_FALSE(term({{"TERM", "dumb"}}, kAllTty).color);
    EXPECT_FALSE(term({}, {.in = true, .out = false, .err = true}).stdout_color);
}

TEST(Terminal, IconsAndPaint) {
    const Terminal plain = term({{"NO_COLOR", "1"}}, kAllTty);
    EXPECT_EQ(plain.ok_icon(), "ok");
    EXPECT_EQ(plain.fail_icon(), "FAILED");
    EXPECT_EQ(plain.paint("1", "x"), "x");
    const Terminal colour = term({}, kAllTty);
    EXPECT_EQ(colour.paint("1", "x"), "\x1b[1mx\x1b[0m");
    EXPECT_EQ(term({}, kNoTty).ok_icon(), "\u2713");
    EXPECT_EQ(sgr(false, "31", "e"), "e");
}

Key decode(std::string_view bytes, bool complete, std::size_t expect_used) {
    std::size_t used = 99;
    auto k = decode_key(bytes, complete, used);
    EXPECT_TRUE(k.has_value()) << bytes;
    EXPECT_EQ(used, expect_used) << bytes;
    return k.value_or(Key{});
}

TEST(DecodeKey, ControlAndPrintable) {
    EXPECT_EQ(decode("a", false, 1).type, KeyType::Char);
    EXPECT_EQ(decode("ab", false, 1).text, "a");
    EXPECT_EQ(decode("\r", false, 1).type, KeyType::Enter);
    EXPECT_EQ(decode("\n", false, 1).type, KeyType::Enter);
    EXPECT_EQ(decode("\t", false, 1).type, KeyType::Tab);
    EXPECT_EQ(decode("\x7f", false, 1).type, KeyType::Backspace);
    EXPECT_EQ(decode("\x03", false, 1).type, KeyType::Interrupt);
    EXPECT_EQ(decode("\x04", false, 1).type, KeyType::Eof);
    EXPECT_EQ(decode("\x15", false, 1).type, KeyType::KillLine);
    EXPECT_EQ(decode("\x07", false, 1).type, KeyType::Other);
}

TEST(DecodeKey, EscapeSequences) {
    EXPECT_EQ(decode("\x1b[A", false, 3).type, KeyType::Up);
    EXPECT_EQ(decode("\x1b[B", false, 3).type, KeyType::Down);
    EXPECT_EQ(decode("\x1bOC", false, 3).type, KeyType::Right);
    EXPECT_EQ(decode("\x1b[D", false, 3).type, KeyType::Left);
    EXPECT_EQ(decode("\x1b[3~", false, 4).type, KeyType::Delete);
    EXPECT_EQ(decode("\x1b[1~", false, 4).type, KeyType::Home);
    EXPECT_EQ(decode("\x1b[F", false, 3).type, KeyType::End);
    EXPECT_EQ(decode("\x1b[Z", false, 3).type, KeyType::BackTab);
    EXPECT_EQ(decode("\x1b[1;5C", false, 6).type, KeyType::Right) << "modifiers are ignored";
    EXPECT_EQ(decode("\x1b[99~", false, 5).type, KeyType::Other);
    // A lone Esc needs the pause after it: incomplete until the caller says so.
    std::size_t used = 0;
    EXPECT_FALSE(decode_key("\x1b", false, used).has_value());
    EXPECT_FALSE(decode_key("\x1b[", false, used).has_value());
    EXPECT_FALSE(decode_key("\x1b[1;", false, used).has_value());
    EXPECT_EQ(decode("\x1b", true, 1).type, KeyType::Escape);
    EXPECT_EQ(decode("\x1b[", true, 2).type, KeyType::Other);
    EXPECT_EQ(decode("\x1b\x1b", false, 1).type, KeyType::Escape);
    EXPECT_EQ(decode("\x1bx", false, 1).type, KeyType::Escape);
    EXPECT_EQ(decode("\x1b[\x01", false, 2).type, KeyType::Other) << "a broken sequence";
}

TEST(DecodeKey, Utf8) {
    EXPECT_EQ(decode("\xc3\xa9x", false, 2).text, "\xc3\xa9");
    EXPECT_EQ(decode("\xe2\x9c\x93", false, 3).text, "\xe2\x9c\x93");
    EXPECT_EQ(decode("\xf0\x9f\x98\x80", false, 4).text, "\xf0\x9f\x98\x80");
    std::size_t used = 5;
    EXPECT_FALSE(decode_key("\xe2\x9c", false, used).has_value());
    EXPECT_EQ(used, 0u) << "nothing is consumed while waiting for more";
    EXPECT_EQ(decode("\xe2\x9c", true, 2).type, KeyType::Other);
    EXPECT_EQ(decode("\xe2x", false, 1).type, KeyType::Other);
    EXPECT_EQ(decode("\x80", false, 1).type, KeyType::Other);
    EXPECT_EQ(decode("\xff", false, 1).type, KeyType::Other);
    EXPECT_FALSE(decode_key("", true, used).has_value());
}

Key ch(std::string s) {
    return Key{KeyType::Char, std::move(s)};
}
Key k(KeyType t) {
    return Key{t, {}};
}

TEST(LineEditor, Editing) {
    LineEditor e("ab");
    EXPECT_EQ(e.cursor(), 2u);
    e.apply(ch("c"));
    e.apply(k(KeyType::Left));
    e.apply(k(KeyType::Left));
    e.apply(ch("\xc3\xa9"));
    EXPECT_EQ(e.text(),
              "a\xc3\xa9"
              "bc");
    EXPECT_EQ(e.chars_after_cursor(), 2u);
    e.apply(k(KeyType::Backspace));
    EXPECT_EQ(e.text(), "abc");
    e.apply(k(KeyType::Home));
    e.apply(k(KeyType::Delete));
    EXPECT_EQ(e.text(), "bc");
    e.apply(k(KeyType::End));
    e.apply(ch("\xe2\x9c\x93"));
    e.apply(k(KeyType::Left));
    EXPECT_EQ(e.cursor(), 2u) << "left skips a whole character";
    e.apply(k(KeyType::Right));
    EXPECT_EQ(e.cursor(), 5u);
    e.apply(k(KeyType::KillLine));
    EXPECT_EQ(e.text(), "");
    e.apply(k(KeyType::Backspace));
    e.apply(k(KeyType::Left));
    e.apply(k(KeyType::Delete));
    EXPECT_EQ(e.text(), "");
}

TEST(LineEditor, Outcomes) {
    EXPECT_EQ(LineEditor("x").apply(k(KeyType::Enter)), LineEditor::Outcome::Submit);
    EXPECT_EQ(LineEditor("x").apply(k(KeyType::Escape)), LineEditor::Outcome::Back);
    EXPECT_EQ(LineEditor("x").apply(k(KeyType::Interrupt)), LineEditor::Outcome::Cancel);
    EXPECT_EQ(LineEditor("x").apply(k(KeyType::Closed)), LineEditor::Outcome::Cancel);
    EXPECT_EQ(LineEditor("").apply(k(KeyType::Eof)), LineEditor::Outcome::Cancel);
    EXPECT_EQ(LineEditor("x").apply(k(KeyType::Eof)), LineEditor::Outcome::Continue);
    EXPECT_EQ(LineEditor("x").apply(k(KeyType::Up)), LineEditor::Outcome::Continue);
}

TEST(LineEditor, TabCompletesPrefixThenCycles) {
    const V dirs = {"proj-a/", "proj-b/", "other/"};
    Completer c = [&dirs](const std::string& in) {
        V out;
        for (const auto& d : dirs) {
            if (d.rfind(in, 0) == 0)
                out.push_back(d);
        }
        return out;
    };
    LineEditor e("p", c);
    e.apply(k(KeyType::Tab));
    EXPECT_EQ(e.text(), "proj-");
    e.apply(k(KeyType::Tab));
    EXPECT_EQ(e.text(), "proj-a/");
    e.apply(k(KeyType::Tab));
    EXPECT_EQ(e.text(), "proj-b/");
    e.apply(k(KeyType::Tab));
    EXPECT_EQ(e.text(), "proj-a/");
    e.apply(ch("x"));  // typing ends the cycle
    e.apply(k(KeyType::Tab));
    EXPECT_EQ(e.text(), "proj-a/x");
    LineEditor single("o", c);
    single.apply(k(KeyType::Tab));
    EXPECT_EQ(single.text(), "other/");
    LineEditor none("zz", nullptr);
    none.apply(k(KeyType::Tab));
    EXPECT_EQ(none.text(), "zz");
}

TEST(CommonPrefix, NeverSplitsACharacter) {
    EXPECT_EQ(common_prefix({}), "");
    EXPECT_EQ(common_prefix({"abc", "abd"}), "ab");
    EXPECT_EQ(common_prefix({"x\xc3\xa9", "x\xc3\xa8"}), "x");
    EXPECT_EQ(common_prefix({"same", "same"}), "same");
}

TEST(CompleteDirectories, RelativeAbsoluteHomeHidden) {
    test::TempDir dir;
    dir.write("alpha/x", "");
    dir.write("alps/x", "");
    dir.write("beta/x", "");
    dir.write(".hidden/x", "");
    dir.write("afile", "");
    const auto& cwd = dir.path();
    EXPECT_EQ(complete_directories("al", cwd, std::nullopt), (V{"alpha/", "alps/"}));
    EXPECT_EQ(complete_directories("", cwd, std::nullopt), (V{"alpha/", "alps/", "beta/"}));
    EXPECT_EQ(complete_directories(".h", cwd, std::nullopt), V{".hidden/"});
    EXPECT_EQ(complete_directories("a", cwd, std::nullopt), (V{"alpha/", "alps/"}))
        << "files are not offered";
    EXPECT_EQ(complete_directories("./b", cwd, std::nullopt), V{"./beta/"});
    EXPECT_EQ(complete_directories(cwd.string() + "/be", "/", std::nullopt),
              V{cwd.string() + "/beta/"});
    EXPECT_EQ(complete_directories("~/al", "/", cwd.string()), (V{"~/alpha/", "~/alps/"}));
    EXPECT_EQ(complete_directories("~/al", "/", std::nullopt), V{});
    EXPECT_EQ(complete_directories("missing/x", cwd, std::nullopt), V{});
}

TEST(Tree, DrawsLikeTree) {
    EXPECT_EQ(render_tree("/p", {"b.sql", "a/x.sql", "a/y/z.sql", ".gitignore", "e/"}),
              "/p/\n"
              "\u251c\u2500\u2500 .gitignore\n"
              "\u251c\u2500\u2500 a/\n"
              "\u2502   \u251c\u2500\u2500 x.sql\n"
              "\u2502   \u2514\u2500\u2500 y/\n"
              "\u2502       \u2514\u2500\u2500 z.sql\n"
              "\u251c\u2500\u2500 b.sql\n"
              "\u2514\u2500\u2500 e/\n");
    EXPECT_EQ(render_tree("root/", {}), "root/\n");
    EXPECT_EQ(render_tree(".", {"./a", "b//c"}),
              "./\n\u251c\u2500\u2500 a\n\u2514\u2500\u2500 b/\n    \u2514\u2500\u2500 c\n");
}

TEST(Splash, LogoTaglineExamples) {
    const std::string s = splash_text(Terminal::from(env_from({{"NO_COLOR", "1"}}), kNoTty));
    std::size_t block_lines = 0;
    std::size_t start = 0;
    while (start < s.size()) {
        const auto end = s.find('\n', start);
        if (s.substr(start, end - start).find("\u2588") != std::string::npos)
            ++block_lines;
        start = end + 1;
    }
    EXPECT_EQ(block_lines, 6u);
    EXPECT_NE(s.find("PostgreSQL-native deployment driver."), std::string::npos);
    EXPECT_NE(s.find("pgmi init demo"), std::string::npos);
    EXPECT_NE(s.find("pgmi --help"), std::string::npos);
    EXPECT_EQ(s.find("\x1b["), std::string::npos) << "no colour with NO_COLOR";
}

}  // namespace
}  // namespace pgmi::ui
