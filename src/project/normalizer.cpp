// Two passes, both linear: a byte lexer that drops comments and folds case outside literals
// (session-api §2.1), then a UTF-8 pass that collapses whitespace runs and trims (session-api
// §2.2). The second pass works in place on the first pass's output: a run never grows when it
// becomes one space.
#include "project/normalizer.hpp"

#include <cstring>

#include "project/utf8.hpp"

namespace pgmi::project {

namespace {

bool is_identifier_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || c >= 0x80;
}

bool is_tag_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_tag_char(char c) {
    return is_tag_start(c) || (c >= '0' && c <= '9');
}

char fold(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Length of the dollar-quote delimiter (`$$` or `$tag$`) starting at s[i] == '$', or 0.
size_t dollar_delimiter_at(std::string_view s, size_t i) {
    const size_t n = s.size();
    if (i + 1 >= n)
        return 0;
    if (s[i + 1] == '$')
        return 2;
    if (!is_tag_start(s[i + 1]))
        return 0;
    size_t j = i + 2;
    while (j < n && is_tag_char(s[j]))
        ++j;
    return j < n && s[j] == '$' ? j - i + 1 : 0;
}

/// An E'...' string: the quote follows an E/e that is not the tail of a longer identifier.
bool opens_escape_string(std::string_view s, size_t quote) {
    if (quote == 0 || (s[quote - 1] != 'E' && s[quote - 1] != 'e'))
        return false;
    return quote == 1 || !is_identifier_byte(static_cast<unsigned char>(s[quote - 2]));
}

enum class State { Normal, Line, Block, String, QuotedIdent, Dollar };

/// Pass 1 (session-api §2.1): comments become one space (a line comment keeps its line break),
/// ASCII letters fold to lower case outside strings, quoted identifiers and dollar bodies.
std::string strip_comments_and_fold(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    const size_t n = s.size();
    State state = State::Normal;
    bool escape_string = false;
    std::string_view delimiter;  // "$tag$" of the open dollar body
    int depth = 0;               // nesting of block comments
    size_t i = 0;
    while (i < n) {
        const char c = s[i];
        const char next = i + 1 < n ? s[i + 1] : '\0';
        switch (state) {
            case State::Normal:
                if (c == '-' && next == '-') {
                    out += ' ';
                    state = State::Line;
                    i += 2;
                } else if (c == '/' && next == '*') {
                    out += ' ';
                    state = State::Block;
                    depth = 1;
                    i += 2;
                } else if (c == '\'') {
                    escape_string = opens_escape_string(s, i);
                    out += c;
                    state = State::String;
                    ++i;
                } else if (c == '"') {
                    out += c;
                    state = State::QuotedIdent;
                    ++i;
                } else if (c == '$') {
                    const size_t len = dollar_delimiter_at(s, i);
                    if (len == 0) {
                        out += c;
                        ++i;
                    } else {
                        delimiter = s.substr(i, len);
                        out.append(delimiter);
                        state = State::Dollar;
                        i += len;
                    }
                } else {
                    out += fold(c);
                    ++i;
                }
                break;
            case State::Line: {
                const void* nl = std::memchr(s.data() + i, '\n', n - i);
                if (nl == nullptr) {
                    i = n;
                    break;
                }
                const size_t at = static_cast<size_t>(static_cast<const char*>(nl) - s.data());
                // The '\r' of a "\r\n" belongs to the line break, never to the "--" itself.
                if (at > i && s[at - 1] == '\r')
                    out += '\r';
                out += '\n';
                state = State::Normal;
                i = at + 1;
                break;
            }
            case State::Block:
                if (c == '/' && next == '*') {
                    ++depth;
                    i += 2;
                } else if (c == '*' && next == '/') {
                    if (--depth == 0)
                        state = State::Normal;
                    i += 2;
                } else {
                    ++i;
                }
                break;
            case State::String:
                if (escape_string && c == '\\') {
                    out.append(s.substr(i, 2));
                    i += 2;
                } else if (c == '\'' && next == '\'') {
                    out += "''";
                    i += 2;
                } else {
                    out += c;
                    if (c == '\'')
                        state = State::Normal;
                    ++i;
                }
                break;
            case State::QuotedIdent:
                if (c == '"' && next == '"') {
                    out += "\"\"";
                    i += 2;
                } else {
                    out += c;
                    if (c == '"')
                        state = State::Normal;
                    ++i;
                }
                break;
            case State::Dollar: {
                if (c == '$' && s.compare(i, delimiter.size(), delimiter) == 0) {
                    out.append(delimiter);
                    state = State::Normal;
                    i += delimiter.size();
                    break;
                }
                // Copy verbatim up to the next '$' that could close the body.
                const void* dollar = std::memchr(s.data() + i + 1, '$', n - i - 1);
                const size_t end =
                    dollar == nullptr
                        ? n
                        : static_cast<size_t>(static_cast<const char*>(dollar) - s.data());
                out.append(s.substr(i, end - i));
                i = end;
                break;
            }
        }
    }
    return out;
}

/// Go's unicode.IsSpace.
bool is_space(char32_t c) {
    if (c < 0x80)
        return c == ' ' || (c >= 0x09 && c <= 0x0D);
    return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
           c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/// Pass 2 (session-api §2.2), in place: every maximal whitespace run becomes one space, then both
/// ends are trimmed. Bytes that are not valid UTF-8 are never whitespace and pass through
/// unchanged.
void collapse_whitespace(std::string& s) {
    const size_t n = s.size();
    size_t w = 0;
    bool pending_space = false;
    size_t r = 0;
    while (r < n) {
        const unsigned char b = static_cast<unsigned char>(s[r]);
        size_t len = 1;
        bool space;
        if (b < 0x80) {
            space = is_space(b);
        } else {
            const CodePoint cp = decode_utf8(s, r);
            len = cp.length == 0 ? 1 : cp.length;
            space = cp.length != 0 && is_space(cp.value);
        }
        if (space) {
            pending_space = w > 0;
        } else {
            if (pending_space) {
                s[w++] = ' ';
                pending_space = false;
            }
            for (size_t k = 0; k < len; ++k)
                s[w++] = s[r + k];
        }
        r += len;
    }
    s.resize(w);
}

}  // namespace

std::string normalize(std::string_view sql) {
    std::string out = strip_comments_and_fold(sql);
    collapse_whitespace(out);
    return out;
}

}  // namespace pgmi::project
