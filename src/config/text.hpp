// Small text helpers shared by the config parsers (trimming and case live in util/strings):
// UTF-8 validation, reading a whole file, and deciding whether a piece of user input may be quoted
// in an error message. Rule of the module: messages quote names (keys, paths, units), never values,
// and quote a name only when it looks like one — text with ':', '/', '@', '=', quotes or that is
// long is more likely a pasted value (a URL with a password, a token) and is described instead.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace pgmi::config::text {

/// `s` without a leading UTF-8 byte-order mark.
std::string_view strip_bom(std::string_view s);

/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// True when `s` may be quoted in a message: non-empty, at most `max_bytes`, valid UTF-8, only
/// letters, digits, '_', '.', '-', non-ASCII characters, and (when `allow_space`) spaces.
bool is_name_like(std::string_view s, std::size_t max_bytes, bool allow_space);

/// Reads a whole file into `out`. Returns the OS error, or an empty error_code on success.
std::error_code read_file(const std::filesystem::path& path, std::string& out);

}  // namespace pgmi::config::text
