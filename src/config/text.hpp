// Small text helpers shared by the config parsers (trimming and case live in util/strings, reading
// files in util/file): UTF-8 validation, and deciding whether a piece of user input may be quoted
// in an error message. Rule of the module: messages quote names (keys, paths, units), never values,
// and quote a name only when it looks like one — text with ':', '/', '@', '=', quotes or that is
// long is more likely a pasted value (a URL with a password, a token) and is described instead.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pgmi::config::text {

/// `s` without a leading UTF-8 byte-order mark.
std::string_view strip_bom(std::string_view s);

/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// True when `s` may be quoted in a message: non-empty, at most `max_bytes`, valid UTF-8, only
/// letters, digits, '_', '.', '-', non-ASCII characters, and (when `allow_space`) spaces.
bool is_name_like(std::string_view s, std::size_t max_bytes, bool allow_space);

}  // namespace pgmi::config::text
