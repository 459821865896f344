#include "ui/wizard.hpp"

#include <algorithm>
#include <cstdio>
#include <system_error>

namespace pgmi::ui {

Wizard::Wizard(const Terminal& term, int in_fd) : term_(term), raw_(in_fd), keys_(in_fd) {}

void Wizard::write(std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), stderr);
    std::fflush(stderr);
}

void Wizard::title(std::string_view text) {
    write(term_.paint("1", text));
    write("\n\n");
}

void Wizard::note(std::string_view text) {
    write(text);
    write("\n");
}

void Wizard::error(std::string_view text) {
    write(term_.paint("31", "Error: "));
    write(text);
    write("\n");
}

void Wizard::answered(std::string_view label, std::string_view value) {
    const std::string mark = term_.plain_icons ? "ok" : "\u2714";
    write("\r\x1b[2K");
    write(term_.paint("32", mark));
    write(" ");
    write(label);
    write(!label.empty() && label.back() == '?' ? " " : ": ");
    write(term_.paint("36", value));
    write("\n");
}

Answer<std::string> Wizard::text(std::string_view label, const std::string& initial,
                                 const Completer& completer, const Validator& validate,
                                 const Display& display) {
    const std::string prompt = term_.paint("36", "?") + " " + std::string(label) + ": ";
    std::string value = initial;
    for (;;) {
        LineResult r = read_line(keys_, prompt, value, completer, Echo::Visible, display);
        value = r.text;
        if (r.outcome == LineEditor::Outcome::Submit) {
            if (validate) {
                if (auto problem = validate(r.text)) {
                    write("\r\x1b[2K");
                    error(*problem);
                    continue;
                }
            }
            answered(label, display ? display(r.text) : r.text);
            return {Step::Next, r.text};
        }
        write("\r\x1b[2K");
        return {r.outcome == LineEditor::Outcome::Back ? Step::Back : Step::Cancel, r.text};
    }
}

Answer<std::string> Wizard::secret(std::string_view label) {
    const std::string prompt =
        term_.paint("36", "?") + " " + std::string(label) + ": " + term_.paint("2", "(hidden) ");
    LineResult r = read_line(keys_, prompt, "", nullptr, Echo::Hidden);
    if (r.outcome == LineEditor::Outcome::Submit) {
        answered(label, r.text.empty() ? "(none)" : "(entered)");
        return {Step::Next, r.text};
    }
    write("\r\x1b[2K");
    return {r.outcome == LineEditor::Outcome::Back ? Step::Back : Step::Cancel, {}};
}

Answer<std::size_t> Wizard::choose(std::string_view label, const std::vector<Choice>& choices,
                                   std::size_t initial) {
    if (choices.empty())
        return {Step::Cancel, 0};
    std::size_t pos = std::min(initial, choices.size() - 1);
    std::size_t width = 0;
    for (const auto& c : choices)
        width = std::max(width, c.label.size());
    const std::string pointer = term_.plain_icons ? ">" : "\u276f";
    bool drawn = false;
    auto draw = [&] {
        std::string out;
        if (drawn)  // back to the heading line of the block, then clear to the end
            out += "\r\x1b[" + std::to_string(choices.size()) + "A\x1b[J";
        out += term_.paint("36", "?") + " " + std::string(label) + " " +
               term_.paint("2", "(\u2191/\u2193 move, Enter select, Esc back)");
        for (std::size_t i = 0; i < choices.size(); ++i) {
            const bool here = i == pos;
            std::string name = choices[i].label;
            if (!choices[i].hint.empty())
                name.resize(width, ' ');
            out += "\n  ";
            out += here ? term_.paint("36", pointer) : std::string(" ");
            out += " ";
            out += here ? term_.paint("36", name) : name;
            if (!choices[i].hint.empty())
                out += "  " + term_.paint("2", choices[i].hint);
        }
        write(out);
        drawn = true;
    };
    auto clear = [&] { write("\r\x1b[" + std::to_string(choices.size()) + "A\x1b[J"); };
    draw();
    for (;;) {
        const Key k = keys_.next();
        switch (k.type) {
            case KeyType::Up:
            case KeyType::BackTab:
                pos = pos == 0 ? choices.size() - 1 : pos - 1;
                draw();
                break;
            case KeyType::Down:
            case KeyType::Tab:
                pos = (pos + 1) % choices.size();
                draw();
                break;
            case KeyType::Char:
                if (k.text == "k") {
                    pos = pos == 0 ? choices.size() - 1 : pos - 1;
                    draw();
                } else if (k.text == "j") {
                    pos = (pos + 1) % choices.size();
                    draw();
                }
                break;
            case KeyType::Enter:
                clear();
                answered(label, choices[pos].label);
                return {Step::Next, pos};
            case KeyType::Escape:
                clear();
                return {Step::Back, pos};
            case KeyType::Interrupt:
            case KeyType::Eof:
            case KeyType::Closed:
                clear();
                return {Step::Cancel, pos};
            default:
                break;
        }
    }
}

Answer<bool> Wizard::confirm(std::string_view label, bool default_yes) {
    const std::string prompt = term_.paint("36", "?") + " " + std::string(label) + " " +
                               term_.paint("2", default_yes ? "(Y/n)" : "(y/N)") + " ";
    write("\r\x1b[2K" + prompt);
    for (;;) {
        const Key k = keys_.next();
        if (k.type == KeyType::Enter) {
            answered(label, default_yes ? "yes" : "no");
            return {Step::Next, default_yes};
        }
        if (k.type == KeyType::Char && (k.text == "y" || k.text == "Y")) {
            answered(label, "yes");
            return {Step::Next, true};
        }
        if (k.type == KeyType::Char && (k.text == "n" || k.text == "N")) {
            answered(label, "no");
            return {Step::Next, false};
        }
        if (k.type == KeyType::Escape) {
            write("\r\x1b[2K");
            return {Step::Back, default_yes};
        }
        if (k.type == KeyType::Interrupt || k.type == KeyType::Eof || k.type == KeyType::Closed) {
            write("\r\x1b[2K");
            return {Step::Cancel, default_yes};
        }
    }
}

std::vector<std::string> complete_directories(const std::string& input,
                                              const std::filesystem::path& cwd,
                                              const std::optional<std::string>& home) {
    namespace fs = std::filesystem;
    const std::size_t slash = input.rfind('/');
    const std::string base = slash == std::string::npos ? "" : input.substr(0, slash + 1);
    const std::string prefix = slash == std::string::npos ? input : input.substr(slash + 1);

    fs::path dir;
    if (base.empty()) {
        dir = cwd;
    } else if (base.rfind("~/", 0) == 0) {
        if (!home || home->empty())
            return {};
        dir = fs::path(*home) / base.substr(2);
    } else if (base.front() == '/') {
        dir = base;
    } else {
        dir = cwd / base;
    }

    std::vector<std::string> out;
    std::error_code ec;
    fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    if (ec)
        return out;
    for (const fs::directory_entry& entry : it) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) != 0)
            continue;
        if (!name.empty() && name.front() == '.' && (prefix.empty() || prefix.front() != '.'))
            continue;
        std::error_code dir_ec;
        if (!entry.is_directory(dir_ec))  // follows symlinks
            continue;
        out.push_back(base + name + "/");
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace pgmi::ui
