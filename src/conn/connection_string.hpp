// Connection strings (connections §4): PostgreSQL URIs, ADO.NET strings, and libpq keyword/value
// strings, parsed by pgmi itself into what the string says. Nothing is defaulted here (the
// resolver owns precedence and defaults). Errors are Config (exit 10) and never quote a password:
// messages name the part of the string that is wrong, not its text.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace pgmi::conn {

enum class StringFormat { Uri, AdoNet, KeyValue };

/// "PostgreSQL URI", "ADO.NET", "key=value".
const char* format_name(StringFormat format);

/// What one connection string says. Unset = the string did not say it.
struct ConnectionString {
    StringFormat format = StringFormat::Uri;
    /// One entry per host (libpq multi-host). A host is a name, an IP literal (IPv6 without
    /// brackets), or a Unix-socket directory (starts with '/' or '@'). "" = libpq's default.
    std::vector<std::string> hosts;
    /// Empty, one port for every host, or one per host; 0 = the default port.
    std::vector<int> ports;
    std::optional<std::string> user;
    std::optional<std::string> password;  // secret
    std::optional<std::string> database;
    std::optional<std::string> sslmode;  // always one of the six libpq modes (normalised)
    std::optional<std::string> sslcert, sslkey, sslrootcert;
    std::optional<std::string> sslpassword;  // secret
    std::optional<std::string> app_name;
    std::optional<int> connect_timeout;  // seconds; <= 0 = none
    /// Every other libpq keyword given (service, passfile, options, target_session_attrs, ...),
    /// validated against libpq's own keyword list.
    std::map<std::string, std::string> params;
    /// Things the user should know that are not errors (ADO.NET pooling keys ignored, ...).
    std::vector<std::string> warnings;
};

/// Detects the format and parses. Detection: empty → error; `postgresql://` or `postgres://`
/// → URI; a `;` outside single quotes → ADO.NET; first key an exact libpq keyword → key=value;
/// anything else with `=` → ADO.NET; otherwise an error.
Result<ConnectionString> parse_connection_string(std::string_view text);

/// `postgres[ql]://[user[:password]@][host[:port][,host[:port]...]][/dbname][?k=v&...]`.
/// Percent-decoding everywhere (a Unix-socket directory is a percent-encoded host or `?host=`),
/// `[v6]` literals, query keys = libpq keywords (the usual ones case-insensitively).
Result<ConnectionString> parse_uri(std::string_view text);

/// `Key=Value;Key=Value`: keys case-insensitive (Host/Server, Port, Database/Initial Catalog,
/// Username/User ID/UID, Password/Pwd, SSL Mode/SslMode, SSL Cert/Key/Root Cert/Password,
/// Application Name, Timeout, Options, Search Path, Target Session Attributes, Passfile, Client
/// Encoding); values quoted with '...' or "..." (doubled quote = one quote) may hold `;`.
/// Npgsql-only pooling/tuning keys are ignored with a warning; any other key is an error.
Result<ConnectionString> parse_ado_net(std::string_view text);

/// libpq's `key=value key='quoted \' value'` conninfo syntax, keys exactly as libpq spells them.
Result<ConnectionString> parse_key_value(std::string_view text);

/// True for a connection keyword libpq knows (PQconndefaults).
bool is_libpq_keyword(std::string_view keyword);

}  // namespace pgmi::conn
