// Connection-string format detection; each format has its own file (uri.cpp, ado_net.cpp,
// key_value.cpp) over connection_string_parts. See connection_string.hpp for the contract. The one
// rule that shapes every error message here: a mistyped string can spill a password into any later
// part (an unencoded '/' in a URI password, an unquoted ';' in an ADO.NET password), so messages
// name parts by position or by a key that cannot be a password fragment, and never quote text that
// might be one.
#include "conn/connection_string.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "conn/connection_string_parts.hpp"
#include "util/strings.hpp"

namespace pgmi::conn {

using namespace detail;  // NOLINT(google-build-using-namespace): the parsers' shared parts

namespace {

bool has_unquoted_semicolon(std::string_view t) {
    bool quoted = false;
    for (size_t i = 0; i < t.size(); ++i) {
        char c = t[i];
        if (quoted && c == '\\') {
            ++i;
        } else if (c == '\'') {
            quoted = !quoted;
        } else if (c == ';' && !quoted) {
            return true;
        }
    }
    return false;
}

}  // namespace

const char* format_name(StringFormat format) {
    switch (format) {
        case StringFormat::Uri:
            return "PostgreSQL URI";
        case StringFormat::AdoNet:
            return "ADO.NET";
        case StringFormat::KeyValue:
            return "key=value";
    }
    return "PostgreSQL URI";
}

bool is_libpq_keyword(std::string_view keyword) {
    return libpq_keywords().count(std::string(keyword)) != 0;
}

Result<ConnectionString> parse_connection_string(std::string_view text) {
    const std::string_view t = util::trim(text);
    if (t.empty())
        return parse_error("connection string is empty");
    if (t.rfind("postgresql://", 0) == 0 || t.rfind("postgres://", 0) == 0)
        return parse_uri(t);
    if (size_t p = t.find("://"); p != std::string_view::npos && p < t.find('=')) {
        std::string_view scheme = t.substr(0, p);
        bool plain = !scheme.empty() && scheme.size() <= 24 &&
                     std::all_of(scheme.begin(), scheme.end(), [](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' ||
                                c == '-' || c == '.' || c == ':';
                     });
        return parse_error(
            plain ? fmt::format("unsupported URI scheme \"{}\"; use postgresql:// or postgres://",
                                scheme)
                  : std::string("unsupported URI scheme; use postgresql:// or postgres://"));
    }
    if (t.find('=') == std::string_view::npos) {
        return parse_error(
            "unrecognized connection string format (use a PostgreSQL URI "
            "postgresql://user@host:5432/db, an ADO.NET string Host=h;Database=db;Username=u, "
            "or libpq key=value pairs host=h dbname=db)");
    }
    if (has_unquoted_semicolon(t))
        return parse_ado_net(t);
    size_t key_end = 0;
    while (key_end < t.size() && t[key_end] != '=' && !util::is_space(t[key_end]))
        ++key_end;
    if (is_libpq_keyword(t.substr(0, key_end)))
        return parse_key_value(t);
    return parse_ado_net(t);
}

}  // namespace pgmi::conn
