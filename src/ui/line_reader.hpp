// Reading keys and editing one line at a terminal in raw mode: arrow keys, Home/End, Backspace,
// Tab completion (longest common prefix, then cycling), Enter, Esc (back) and Ctrl+C (cancel).
// The decoding and the editor are pure state machines so they can be tested without a terminal;
// read_line() drives them on a real TTY and draws on stderr.
#pragma once

#include <termios.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgmi::ui {

enum class KeyType {
    Char,  // printable text (one UTF-8 character) in Key::text
    Enter,
    Tab,
    BackTab,  // Shift+Tab
    Backspace,
    Delete,
    Left,
    Right,
    Up,
    Down,
    Home,
    End,
    Escape,     // a lone Esc
    Interrupt,  // Ctrl+C
    Eof,        // Ctrl+D
    Closed,     // the input ended (or failed)
    KillLine,   // Ctrl+U
    Other,      // anything else (ignored)
};

struct Key {
    KeyType type = KeyType::Other;
    std::string text;  // for Char
};

/// Decodes the first key of `bytes`. Returns nullopt when `bytes` may be the start of a longer
/// sequence and more input may still come (`complete` false); with `complete` true a lone Esc
/// is the Escape key and a truncated sequence is Other. `used` receives the bytes consumed.
std::optional<Key> decode_key(std::string_view bytes, bool complete, std::size_t& used);

/// Returns full replacement texts for the current input (e.g. directories).
using Completer = std::function<std::vector<std::string>(const std::string& input)>;

/// One line being edited. apply() returns what the key means for the caller.
class LineEditor {
  public:
    enum class Outcome { Continue, Submit, Back, Cancel };

    explicit LineEditor(std::string initial = "", Completer completer = nullptr);

    Outcome apply(const Key& key);

    const std::string& text() const { return text_; }
    /// Cursor as a byte offset into text().
    std::size_t cursor() const { return cursor_; }
    /// Characters (UTF-8 code points) after the cursor, for drawing.
    std::size_t chars_after_cursor() const;

  private:
    void complete();

    std::string text_;
    std::size_t cursor_ = 0;
    Completer completer_;
    std::vector<std::string> cycle_;  // candidates being cycled by repeated Tab
    std::size_t cycle_pos_ = 0;
};

/// Longest common prefix of `items` (bytes; empty for an empty list).
std::string common_prefix(const std::vector<std::string>& items);

/// Puts a terminal in raw mode (no echo, no line buffering, no signals from Ctrl+C) for its
/// lifetime and restores the previous mode afterwards -- also when SIGTERM, SIGHUP, SIGQUIT or
/// SIGINT arrive meanwhile: their handler restores the terminal first, then does what the previous
/// handler (or the default action) would have done. One RawMode at a time.
class RawMode {
  public:
    explicit RawMode(int fd);
    ~RawMode();
    RawMode(const RawMode&) = delete;
    RawMode& operator=(const RawMode&) = delete;
    bool active() const { return active_; }

  private:
    int fd_;
    bool active_ = false;
    termios saved_{};
};

/// Reads the next key from `fd` (blocking). Bytes read past the key are kept for the next call.
class KeyReader {
  public:
    explicit KeyReader(int fd) : fd_(fd) {}
    Key next();

  private:
    int fd_;
    std::string pending_;
};

struct LineResult {
    LineEditor::Outcome outcome = LineEditor::Outcome::Cancel;
    std::string text;
};

/// How read_line shows what is typed.
enum class Echo {
    Visible,
    Hidden,  // a secret: nothing of it is drawn (not even its length)
};

/// How a visible line is drawn: the text with parts replaced, one character (UTF-8 code point)
/// for each character, e.g. a password inside a connection string shown as '*'.
using Display = std::function<std::string(const std::string& text)>;

/// Edits one line at the terminal: draws `prompt` + text (through `display` when given) on
/// stderr, reads keys from `keys`.
LineResult read_line(KeyReader& keys, const std::string& prompt, const std::string& initial,
                     const Completer& completer, Echo echo = Echo::Visible,
                     const Display& display = nullptr);

}  // namespace pgmi::ui
