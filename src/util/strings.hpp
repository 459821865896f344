// Small text helpers with one home, so no module keeps its own copy. Everything here is ASCII-only
// on purpose: identifiers, keys, hex digits and URL escapes are ASCII, and a locale-dependent
// tolower() or isspace() would make a parser behave differently per machine. All functions run in
// linear time and never throw beyond std::bad_alloc.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgmi::util {

/// True for the ASCII white space bytes: space, \t, \n, \v, \f, \r.
constexpr bool is_space(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/// `s` without leading and trailing ASCII white space.
std::string_view trim(std::string_view s);

/// ASCII lower / upper case; other bytes (UTF-8 included) unchanged.
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);

/// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

/// The value of a hex digit (0-9, a-f, A-F), or -1.
int hex_value(char c);

/// Lower-case hex of every byte.
std::string hex_encode(std::string_view bytes);

/// Bytes of an even-length hex string; nullopt when empty, odd or not hex.
std::optional<std::string> hex_decode(std::string_view hex);

/// RFC 3986 percent-encoding: everything but ALPHA / DIGIT / "-" / "." / "_" / "~" as %XX
/// (upper-case hex).
std::string percent_encode(std::string_view text);

/// Reverses percent_encode (and '+' as space when `plus_is_space`). nullopt on a malformed
/// escape and on a NUL byte, raw or encoded (no caller can carry one onward safely).
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

/// `text` with every CRLF line break turned into LF (a lone CR stays).
std::string crlf_to_lf(std::string_view text);

/// `"name"` for messages: `"` and `\` backslash-escaped, control bytes as \xNN, so a name read
/// from a server or a file can be shown on one line without breaking it.
std::string quote_for_message(std::string_view name);

}  // namespace pgmi::util
