// The parts the three connection-string parsers share (internal to conn/): part-by-part error
// messages that never quote a possible password, port and host lists, timeouts, and applying one
// libpq keyword. See connection_string.hpp for the formats themselves.
#pragma once

#include <array>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "conn/connection_string.hpp"

namespace pgmi::conn::detail {

inline constexpr std::array<std::string_view, 6> kSslModes = {
    "disable", "allow", "prefer", "require", "verify-ca", "verify-full"};

/// Config error "invalid connection string: <detail>: invalid configuration".
Error parse_error(std::string_view detail);

bool all_digits(std::string_view s);

/// A value safe to show: short and printable (used only for values that cannot be secrets).
std::string shown(std::string_view s);

bool valid_sslmode(std::string_view m);

/// Port text → port (0 = default when empty). `where` names the string part for messages; the
/// text itself is shown only when it is all digits (it cannot be a password fragment then).
Result<int> parse_port(std::string_view text, std::string_view where, bool allow_plus = false);

/// Comma-separated ports; all-default lists come back empty.
Result<std::vector<int>> parse_port_list(std::string_view text, std::string_view where);

/// Comma-separated hosts, trimmed; a single empty host comes back as no host.
std::vector<std::string> split_hosts(std::string_view text);

/// Whole seconds (negative = 0, as libpq); `what` names the key in messages.
Result<int> parse_timeout(std::string_view text, std::string_view what);

/// Applies one libpq keyword (URI query parameter or key=value pair). `echo` says whether the
/// key may be quoted in a message.
Status apply_keyword(ConnectionString& cs, const std::string& key, const std::string& value,
                     std::string_view where, bool echo);

/// password and sslpassword.
bool is_secret_key(std::string_view key);

/// A `host[:port]` or `[v6][:port]` item. `bare_v6`: a host with several ':' and no brackets is
/// an IPv6 literal without a port (ADO.NET); in a URI that is an error.
Status parse_host_item(std::string_view item, bool decode, bool bare_v6, std::string_view where,
                       std::string& host, std::string& port_text);

/// Every keyword libpq knows (PQconndefaults), computed once.
const std::set<std::string>& libpq_keywords();

}  // namespace pgmi::conn::detail
