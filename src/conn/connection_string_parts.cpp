#include "conn/connection_string_parts.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>

#include "util/strings.hpp"

namespace pgmi::conn::detail {

Error parse_error(std::string_view detail) {
    return make_error(ErrorKind::Config,
                      fmt::format("invalid connection string: {}: invalid configuration", detail));
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// A value safe to show: short and printable (used only for values that cannot be secrets).
std::string shown(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 32)) {
        auto u = static_cast<unsigned char>(c);
        out += (u >= 0x20 && u < 0x7f && c != '"') ? c : '?';
    }
    if (s.size() > 32)
        out += "...";
    return out;
}

bool valid_sslmode(std::string_view m) {
    return std::find(kSslModes.begin(), kSslModes.end(), m) != kSslModes.end();
}

/// Port text → port (0 = default when empty). `where` names the string part for messages; the
/// text itself is shown only when it is all digits (it cannot be a password fragment then).
Result<int> parse_port(std::string_view text, std::string_view where, bool allow_plus) {
    std::string_view t = text;
    if (t.empty())
        return 0;
    if (allow_plus && t.front() == '+')
        t.remove_prefix(1);
    if (!all_digits(t))
        return parse_error(fmt::format("invalid port in {}: not a number", where));
    if (t.size() > 5 || std::stoi(std::string(t)) < 1 || std::stoi(std::string(t)) > 65535) {
        return parse_error(
            fmt::format("invalid port {} in {}: must be between 1 and 65535", shown(t), where));
    }
    return std::stoi(std::string(t));
}

Result<std::vector<int>> parse_port_list(std::string_view text, std::string_view where) {
    std::vector<int> ports;
    size_t start = 0;
    for (;;) {
        size_t comma = text.find(',', start);
        auto p = parse_port(
            util::trim(text.substr(
                start, comma == std::string_view::npos ? std::string_view::npos : comma - start)),
            where);
        if (!p)
            return std::move(p).error();
        ports.push_back(*p);
        if (comma == std::string_view::npos)
            break;
        start = comma + 1;
    }
    if (std::all_of(ports.begin(), ports.end(), [](int p) { return p == 0; }))
        ports.clear();
    return ports;
}

std::vector<std::string> split_hosts(std::string_view text) {
    std::vector<std::string> hosts;
    size_t start = 0;
    for (;;) {
        size_t comma = text.find(',', start);
        hosts.emplace_back(util::trim(text.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
        if (comma == std::string_view::npos)
            break;
        start = comma + 1;
    }
    if (hosts.size() == 1 && hosts[0].empty())
        hosts.clear();
    return hosts;
}

Result<int> parse_timeout(std::string_view text, std::string_view what) {
    std::string_view t = util::trim(text);
    bool negative = false;
    if (!t.empty() && (t.front() == '-' || t.front() == '+')) {
        negative = t.front() == '-';
        t.remove_prefix(1);
    }
    if (!all_digits(t) || t.size() > 9) {
        return parse_error(
            fmt::format("invalid {}: must be a whole number of seconds (0 = no limit)", what));
    }
    int v = std::stoi(std::string(t));
    return negative ? 0 : v;
}

/// Applies one libpq keyword (URI query parameter or key=value pair). `echo` says whether the
/// key may be quoted in a message.
Status apply_keyword(ConnectionString& cs, const std::string& key, const std::string& value,
                     std::string_view where, bool echo) {
    if (key == "host") {
        cs.hosts = split_hosts(value);
    } else if (key == "port") {
        auto ports = parse_port_list(value, where);
        if (!ports)
            return std::move(ports).error();
        cs.ports = *ports;
    } else if (key == "dbname") {
        cs.database = value.empty() ? std::nullopt : std::optional(value);
    } else if (key == "user") {
        cs.user = value.empty() ? std::nullopt : std::optional(value);
    } else if (key == "password") {
        cs.password = value.empty() ? std::nullopt : std::optional(value);
    } else if (key == "sslmode") {
        if (!valid_sslmode(value)) {
            return parse_error(
                fmt::format("invalid sslmode \"{}\" in {} (valid: disable, allow, prefer, require, "
                            "verify-ca, verify-full)",
                            shown(value), where));
        }
        cs.sslmode = value;
    } else if (key == "sslcert") {
        cs.sslcert = value.empty() ? std::nullopt : std::optional(value);
    } else if (key == "sslkey") {
        cs.sslkey = value.empty() ? std::nullopt : std::optional(value);
    } else if (key == "sslrootcert") {
        cs.sslrootcert = value.empty() ? std::nullopt : std::optional(value);
    } else if (key == "sslpassword") {
        cs.sslpassword = value.empty() ? std::nullopt : std::optional(value);
    } else if (key == "application_name") {
        cs.app_name = value;
    } else if (key == "connect_timeout") {
        auto t = parse_timeout(value, "connect_timeout");
        if (!t)
            return std::move(t).error();
        cs.connect_timeout = *t;
    } else if (is_libpq_keyword(key)) {
        cs.params[key] = value;
    } else if (echo) {
        return parse_error(fmt::format(
            "unknown connection parameter \"{}\" in {}: libpq has no such keyword (server "
            "settings go in options, e.g. options=-c {}=value)",
            shown(key), where, shown(key)));
    } else {
        return parse_error(
            fmt::format("unknown connection parameter in {} after the password; if the "
                        "password contains spaces, quote it with '...'",
                        where));
    }
    return Status::ok();
}

bool is_secret_key(std::string_view key) {
    return key == "password" || key == "sslpassword";
}

/// A `host[:port]` or `[v6][:port]` item. `bare_v6`: a host with several ':' and no brackets is
/// an IPv6 literal without a port (ADO.NET); in a URI that is an error.
Status parse_host_item(std::string_view item, bool decode, bool bare_v6, std::string_view where,
                       std::string& host, std::string& port_text) {
    port_text.clear();
    std::string_view h;
    if (!item.empty() && item.front() == '[') {
        size_t close = item.find(']');
        if (close == std::string_view::npos) {
            return parse_error(fmt::format(
                "unterminated '[' in the host of {} (IPv6 literals look like [::1]:5432)", where));
        }
        h = item.substr(1, close - 1);
        std::string_view after = item.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                return parse_error(
                    fmt::format("unexpected text after ']' in the host of {}", where));
            }
            port_text = std::string(after.substr(1));
        }
        if (h.empty())
            return parse_error(fmt::format("empty IPv6 literal [] in {}", where));
    } else if (bare_v6 && std::count(item.begin(), item.end(), ':') > 1) {
        h = item;
    } else {
        size_t colon = item.find(':');
        h = item.substr(0, colon);
        if (colon != std::string_view::npos)
            port_text = std::string(item.substr(colon + 1));
    }
    if (decode) {
        auto d = util::percent_decode(h, false);
        if (!d)
            return parse_error(fmt::format("invalid percent-encoding in the host of {}", where));
        host = *d;
    } else {
        host = std::string(h);
    }
    return Status::ok();
}

const std::set<std::string>& libpq_keywords() {
    static const std::set<std::string> keywords = [] {
        std::set<std::string> out;
        PQconninfoOption* opts = PQconndefaults();
        if (opts != nullptr) {
            for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o)
                out.insert(o->keyword);
            PQconninfoFree(opts);
        }
        return out;
    }();
    return keywords;
}

}  // namespace pgmi::conn::detail
