#include "ui/line_reader.hpp"

#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <string>

namespace pgmi::ui {

namespace {

constexpr char kEsc = '\x1b';
constexpr int kEscTimeoutMs = 50;  // a lone Esc is told from an escape sequence by this pause

bool is_continuation(unsigned char c) {
    return (c & 0xC0) == 0x80;
}

// Length of the UTF-8 sequence started by lead byte `c` (1 for invalid lead bytes).
std::size_t utf8_length(unsigned char c) {
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    if (c >= 0xE0)
        return c <= 0xEF ? 3 : 1;
    if (c >= 0xC2)
        return 2;
    return 1;
}

Key key(KeyType type) {
    return Key{type, {}};
}

// CSI / SS3 final byte (plus an optional numeric parameter) to a key.
Key csi_key(std::string_view params, char final) {
    switch (final) {
        case 'A':
            return key(KeyType::Up);
        case 'B':
            return key(KeyType::Down);
        case 'C':
            return key(KeyType::Right);
        case 'D':
            return key(KeyType::Left);
        case 'H':
            return key(KeyType::Home);
        case 'F':
            return key(KeyType::End);
        case 'Z':
            return key(KeyType::BackTab);
        case '~':
            if (params == "3")
                return key(KeyType::Delete);
            if (params == "1" || params == "7")
                return key(KeyType::Home);
            if (params == "4" || params == "8")
                return key(KeyType::End);
            return key(KeyType::Other);
        default:
            return key(KeyType::Other);
    }
}

}  // namespace

std::optional<Key> decode_key(std::string_view bytes, bool complete, std::size_t& used) {
    used = 0;
    if (bytes.empty())
        return std::nullopt;
    const auto c = static_cast<unsigned char>(bytes[0]);
    if (c == static_cast<unsigned char>(kEsc)) {
        if (bytes.size() == 1) {
            if (!complete)
                return std::nullopt;
            used = 1;
            return key(KeyType::Escape);
        }
        const char kind = bytes[1];
        if (kind != '[' && kind != 'O') {
            // Alt+<key> or two Escs in a row: the first one is a lone Esc.
            used = 1;
            return key(KeyType::Escape);
        }
        // ESC [ <params> <final byte 0x40-0x7E>
        for (std::size_t i = 2; i < bytes.size(); ++i) {
            const auto b = static_cast<unsigned char>(bytes[i]);
            if (b >= 0x40 && b <= 0x7E) {
                used = i + 1;
                return csi_key(bytes.substr(2, i - 2), static_cast<char>(b));
            }
            if (b < 0x20 || b > 0x3F) {  // not a parameter byte: a broken sequence
                used = i;
                return key(KeyType::Other);
            }
        }
        if (!complete)
            return std::nullopt;
        used = bytes.size();
        return key(KeyType::Other);
    }
    used = 1;
    switch (c) {
        case '\r':
        case '\n':
            return key(KeyType::Enter);
        case '\t':
            return key(KeyType::Tab);
        case 0x7F:
        case 0x08:
            return key(KeyType::Backspace);
        case 0x03:
            return key(KeyType::Interrupt);
        case 0x04:
            return key(KeyType::Eof);
        case 0x15:
            return key(KeyType::KillLine);
        case 0x01:
            return key(KeyType::Home);
        case 0x05:
            return key(KeyType::End);
        case 0x02:
            return key(KeyType::Left);
        case 0x06:
            return key(KeyType::Right);
        case 0x10:
            return key(KeyType::Up);
        case 0x0E:
            return key(KeyType::Down);
        default:
            break;
    }
    if (c < 0x20)
        return key(KeyType::Other);
    const std::size_t n = utf8_length(c);
    if (n == 1)
        return c < 0x80 ? Key{KeyType::Char, std::string(1, static_cast<char>(c))}
                        : key(KeyType::Other);
    for (std::size_t i = 1; i < n; ++i) {
        if (i >= bytes.size()) {
            if (!complete) {
                used = 0;
                return std::nullopt;
            }
            used = i;
            return key(KeyType::Other);
        }
        if (!is_continuation(static_cast<unsigned char>(bytes[i]))) {
            used = i;
            return key(KeyType::Other);
        }
    }
    used = n;
    return Key{KeyType::Char, std::string(bytes.substr(0, n))};
}

std::string common_prefix(const std::vector<std::string>& items) {
    if (items.empty())
        return "";
    std::string prefix = items.front();
    for (const auto& s : items) {
        std::size_t n = 0;
        while (n < prefix.size() && n < s.size() && prefix[n] == s[n])
            ++n;
        prefix.resize(n);
    }
    // Never end inside a UTF-8 character.
    if (!prefix.empty()) {
        std::size_t start = prefix.size() - 1;
        while (start > 0 && is_continuation(static_cast<unsigned char>(prefix[start])))
            --start;
        if (start + utf8_length(static_cast<unsigned char>(prefix[start])) > prefix.size())
            prefix.resize(start);
    }
    return prefix;
}

LineEditor::LineEditor(std::string initial, Completer completer)
    : text_(std::move(initial)), cursor_(text_.size()), completer_(std::move(completer)) {}

std::size_t LineEditor::chars_after_cursor() const {
    std::size_t n = 0;
    for (std::size_t i = cursor_; i < text_.size(); ++i) {
        if (!is_continuation(static_cast<unsigned char>(text_[i])))
            ++n;
    }
    return n;
}

void LineEditor::complete() {
    if (!completer_)
        return;
    if (!cycle_.empty()) {
        cycle_pos_ = (cycle_pos_ + 1) % cycle_.size();
        text_ = cycle_[cycle_pos_];
        cursor_ = text_.size();
        return;
    }
    std::vector<std::string> candidates = completer_(text_);
    if (candidates.empty())
        return;
    if (candidates.size() == 1) {
        text_ = candidates.front();
        cursor_ = text_.size();
        return;
    }
    const std::string prefix = common_prefix(candidates);
    if (prefix.size() > text_.size() && prefix.compare(0, text_.size(), text_) == 0) {
        text_ = prefix;
        cursor_ = text_.size();
        return;
    }
    // Nothing left to extend: cycle through the candidates on this and later Tabs.
    cycle_ = std::move(candidates);
    cycle_pos_ = 0;
    text_ = cycle_[0];
    cursor_ = text_.size();
}

LineEditor::Outcome LineEditor::apply(const Key& k) {
    if (k.type != KeyType::Tab)
        cycle_.clear();
    switch (k.type) {
        case KeyType::Char:
            text_.insert(cursor_, k.text);
            cursor_ += k.text.size();
            break;
        case KeyType::Enter:
            return Outcome::Submit;
        case KeyType::Escape:
            return Outcome::Back;
        case KeyType::Interrupt:
        case KeyType::Closed:
            return Outcome::Cancel;
        case KeyType::Eof:
            if (text_.empty())
                return Outcome::Cancel;
            if (cursor_ < text_.size()) {
                std::size_t end = cursor_ + 1;
                while (end < text_.size() &&
                       is_continuation(static_cast<unsigned char>(text_[end])))
                    ++end;
                text_.erase(cursor_, end - cursor_);
            }
            break;
        case KeyType::Tab:
            complete();
            break;
        case KeyType::Backspace:
            if (cursor_ > 0) {
                std::size_t start = cursor_ - 1;
                while (start > 0 && is_continuation(static_cast<unsigned char>(text_[start])))
                    --start;
                text_.erase(start, cursor_ - start);
                cursor_ = start;
            }
            break;
        case KeyType::Delete:
            if (cursor_ < text_.size()) {
                std::size_t end = cursor_ + 1;
                while (end < text_.size() &&
                       is_continuation(static_cast<unsigned char>(text_[end])))
                    ++end;
                text_.erase(cursor_, end - cursor_);
            }
            break;
        case KeyType::Left:
            if (cursor_ > 0) {
                --cursor_;
                while (cursor_ > 0 && is_continuation(static_cast<unsigned char>(text_[cursor_])))
                    --cursor_;
            }
            break;
        case KeyType::Right:
            if (cursor_ < text_.size()) {
                ++cursor_;
                while (cursor_ < text_.size() &&
                       is_continuation(static_cast<unsigned char>(text_[cursor_])))
                    ++cursor_;
            }
            break;
        case KeyType::Home:
            cursor_ = 0;
            break;
        case KeyType::End:
            cursor_ = text_.size();
            break;
        case KeyType::KillLine:
            text_.erase(0, cursor_);
            cursor_ = 0;
            break;
        default:
            break;
    }
    return Outcome::Continue;
}

namespace {

// What the signal handler needs, set before it is installed and cleared after it is removed.
int g_raw_fd = -1;
termios g_raw_saved{};
// SIGINT too: raw mode turns Ctrl+C into a key, but `kill -INT` from elsewhere still arrives.
constexpr std::array<int, 4> kRestoreSignals = {SIGTERM, SIGHUP, SIGQUIT, SIGINT};
std::array<struct sigaction, kRestoreSignals.size()> g_previous{};

void restore_terminal_on_signal(int sig) {
    if (g_raw_fd >= 0)
        tcsetattr(g_raw_fd, TCSANOW, &g_raw_saved);  // async-signal-safe
    for (size_t i = 0; i < kRestoreSignals.size(); ++i) {
        if (kRestoreSignals[i] != sig)
            continue;
        const struct sigaction& prev = g_previous[i];
        if ((prev.sa_flags & SA_SIGINFO) == 0 && prev.sa_handler != SIG_DFL &&
            prev.sa_handler != SIG_IGN) {
            prev.sa_handler(sig);  // e.g. the deploy's cancel handler
            return;
        }
        if (prev.sa_handler == SIG_IGN)
            return;
    }
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

}  // namespace

RawMode::RawMode(int fd) : fd_(fd) {
    if (tcgetattr(fd_, &saved_) != 0)
        return;
    termios raw = saved_;
    raw.c_iflag &= ~static_cast<tcflag_t>(ICRNL | IXON | ISTRIP | INLCR | IGNCR);
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG | IEXTEN);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    g_raw_fd = fd_;
    g_raw_saved = saved_;
    struct sigaction sa {};
    sa.sa_handler = restore_terminal_on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < kRestoreSignals.size(); ++i)
        sigaction(kRestoreSignals[i], &sa, &g_previous[i]);
    // TCSANOW, not TCSAFLUSH: keys typed ahead of the prompt are kept.
    active_ = tcsetattr(fd_, TCSANOW, &raw) == 0;
}

RawMode::~RawMode() {
    if (active_)
        tcsetattr(fd_, TCSANOW, &saved_);
    if (g_raw_fd == fd_) {
        for (size_t i = 0; i < kRestoreSignals.size(); ++i)
            sigaction(kRestoreSignals[i], &g_previous[i], nullptr);
        g_raw_fd = -1;
    }
}

Key KeyReader::next() {
    for (;;) {
        bool complete = false;
        if (!pending_.empty()) {
            std::size_t used = 0;
            if (auto k = decode_key(pending_, false, used)) {
                pending_.erase(0, used);
                return *k;
            }
            // A possible prefix of a longer sequence: wait briefly for the rest.
            pollfd pfd{fd_, POLLIN, 0};
            int ready = poll(&pfd, 1, kEscTimeoutMs);
            // Nothing more within the pause, or poll failed for good: take what there is.
            if (ready == 0 || (ready < 0 && errno != EINTR))
                complete = true;
            if (complete) {
                auto k = decode_key(pending_, true, used);
                pending_.erase(0, used);
                return k ? *k : Key{KeyType::Other, {}};
            }
        }
        char buf[256];
        ssize_t n = read(fd_, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return Key{KeyType::Closed, {}};
        pending_.append(buf, static_cast<std::size_t>(n));
    }
}

namespace {

void draw(const std::string& prompt, const LineEditor& editor, Echo echo, const Display& display) {
    std::string out = "\r\x1b[2K" + prompt;
    if (echo == Echo::Visible) {
        out += display ? display(editor.text()) : editor.text();
        if (std::size_t back = editor.chars_after_cursor(); back > 0)
            out += "\x1b[" + std::to_string(back) + "D";
    }
    std::fwrite(out.data(), 1, out.size(), stderr);
    std::fflush(stderr);
}

}  // namespace

LineResult read_line(KeyReader& keys, const std::string& prompt, const std::string& initial,
                     const Completer& completer, Echo echo, const Display& display) {
    LineEditor editor(initial, completer);
    draw(prompt, editor, echo, display);
    for (;;) {
        const Key k = keys.next();
        const LineEditor::Outcome outcome = editor.apply(k);
        if (outcome != LineEditor::Outcome::Continue) {
            return LineResult{outcome, editor.text()};
        }
        draw(prompt, editor, echo, display);
    }
}

}  // namespace pgmi::ui
