// Step-by-step questions at a terminal: text with Tab completion, a choice from a list
// (↑/k ↓/j, Enter), yes/no. Keys come from stdin in raw mode; everything is drawn on stderr,
// so stdout stays reserved for the command's data. Esc goes back a step, Ctrl+C cancels.
// Callers decide when to use it: only when Terminal::interactive is true.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ui/line_reader.hpp"
#include "ui/terminal.hpp"

namespace pgmi::ui {

/// What the user did with a question.
enum class Step { Next, Back, Cancel };

template <class T>
struct Answer {
    Step step = Step::Cancel;
    T value{};
};

struct Choice {
    std::string label;
    std::string hint;  // shown dimmed after the label
};

class Wizard {
  public:
    explicit Wizard(const Terminal& term, int in_fd = STDIN_FILENO);

    /// A heading line, e.g. "pgmi init - Project Setup".
    void title(std::string_view text);
    /// A plain informational line.
    void note(std::string_view text);
    /// "Error: <text>" (red when colour is allowed).
    void error(std::string_view text);

    /// Returns why a value is not acceptable, or nullopt when it is.
    using Validator = std::function<std::optional<std::string>(const std::string&)>;

    /// One line of text; `initial` is prefilled and editable. A value `validate` rejects is
    /// shown as an error and asked again. `display` (when given) draws the text, also in the
    /// answered line (e.g. masking a password inside a connection string).
    Answer<std::string> text(std::string_view label, const std::string& initial,
                             const Completer& completer = nullptr,
                             const Validator& validate = nullptr, const Display& display = nullptr);
    /// A secret (a password, a client secret): nothing typed is drawn, the answered line says
    /// only whether something was entered, and an empty answer is allowed.
    Answer<std::string> secret(std::string_view label);
    /// One of `choices` (index), starting at `initial`.
    Answer<std::size_t> choose(std::string_view label, const std::vector<Choice>& choices,
                               std::size_t initial = 0);
    /// y/n; Enter takes `default_yes`.
    Answer<bool> confirm(std::string_view label, bool default_yes);

  private:
    void answered(std::string_view label, std::string_view value);
    void write(std::string_view s);

    const Terminal& term_;
    RawMode raw_;
    KeyReader keys_;
};

/// Directory completions for `input` as typed (relative to `cwd`, "~/" = `home`): full
/// replacement texts ending in "/", sorted; hidden directories only when the typed name starts
/// with ".".
std::vector<std::string> complete_directories(const std::string& input,
                                              const std::filesystem::path& cwd,
                                              const std::optional<std::string>& home);

}  // namespace pgmi::ui
