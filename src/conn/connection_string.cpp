// Connection-string parsing. See connection_string.hpp for the contract. The one rule that shapes
// every error message here: a mistyped string can spill a password into any later part (an
// unencoded '/' in a URI password, an unquoted ';' in an ADO.NET password), so messages name
// parts by position or by a key that cannot be a password fragment, and never quote text that
// might be one.
#include "conn/connection_string.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

namespace pgmi::conn {

namespace {

constexpr std::array<std::string_view, 6> kSslModes = {"disable", "allow",     "prefer",
                                                       "require", "verify-ca", "verify-full"};

Error parse_error(std::string_view detail) {
    return make_error(ErrorKind::Config,
                      fmt::format("invalid connection string: {}: invalid configuration", detail));
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
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

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// %XX decoding (and '+' → ' ' in query components). Fails on a malformed escape or a NUL byte.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size())
                return std::nullopt;
            int hi = hex_value(s[i + 1]);
            int lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0)
                return std::nullopt;
            char decoded = static_cast<char>(hi * 16 + lo);
            if (decoded == '\0')
                return std::nullopt;
            out += decoded;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else if (c == '\0') {
            return std::nullopt;
        } else {
            out += c;
        }
    }
    return out;
}

bool valid_sslmode(std::string_view m) {
    return std::find(kSslModes.begin(), kSslModes.end(), m) != kSslModes.end();
}

/// Port text → port (0 = default when empty). `where` names the string part for messages; the
/// text itself is shown only when it is all digits (it cannot be a password fragment then).
Result<int> parse_port(std::string_view text, std::string_view where, bool allow_plus = false) {
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
            trim(text.substr(
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
        hosts.emplace_back(trim(text.substr(
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
    std::string_view t = trim(text);
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
        auto d = percent_decode(h, false);
        if (!d)
            return parse_error(fmt::format("invalid percent-encoding in the host of {}", where));
        host = *d;
    } else {
        host = std::string(h);
    }
    return Status::ok();
}

// ---- URI ---------------------------------------------------------------------------------

std::string uri_canonical_key(const std::string& key) {
    std::string k = lower(key);
    if (k == "applicationname")
        return "application_name";
    if (k == "connecttimeout")
        return "connect_timeout";
    static const std::set<std::string> kFolded = {
        "sslmode",     "sslcert",          "sslkey",         "sslrootcert",
        "sslpassword", "application_name", "connect_timeout"};
    if (kFolded.count(k) != 0)
        return k;
    if (!is_libpq_keyword(key) && is_libpq_keyword(k))
        return k;
    return key;
}

// ---- ADO.NET -----------------------------------------------------------------------------

std::string ado_normalise(std::string_view key) {
    std::string out;
    for (char c : key) {
        if (c == ' ' || c == '_' || c == '\t')
            continue;
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// Npgsql keys that tune its own pool, buffers or .NET behaviour: nothing to do for one session.
const std::set<std::string>& ado_ignored_keys() {
    static const std::set<std::string> keys = {
        "pooling",
        "minpoolsize",
        "minimumpoolsize",
        "maxpoolsize",
        "maximumpoolsize",
        "connectionidlelifetime",
        "connectionpruninginterval",
        "connectionlifetime",
        "commandtimeout",
        "internalcommandtimeout",
        "cancellationtimeout",
        "includeerrordetail",
        "includefailedbatchedcommand",
        "logparameters",
        "enlist",
        "persistsecurityinfo",
        "noresetonclose",
        "maxautoprepare",
        "autoprepareminusages",
        "readbuffersize",
        "writebuffersize",
        "socketreceivebuffersize",
        "socketsendbuffersize",
        "multiplexing",
        "writecoalescingbufferthresholdbytes",
        "keepalive",
        "tcpkeepalive",
        "tcpkeepalivetime",
        "tcpkeepaliveinterval",
        "servercompatibilitymode",
        "loadbalancehosts",
        "hostrecheckseconds",
        "trustservercertificate",
        "checkcertificaterevocation",
        "arraynullabilitymode",
        "loadtabletypes",
    };
    return keys;
}

std::optional<std::string> ado_sslmode(std::string_view value) {
    std::string v = ado_normalise(value);
    v.erase(std::remove(v.begin(), v.end(), '-'), v.end());
    if (v == "disable" || v == "allow" || v == "prefer" || v == "require")
        return v;
    if (v == "verifyca")
        return "verify-ca";
    if (v == "verifyfull")
        return "verify-full";
    return std::nullopt;
}

std::optional<std::string> ado_target_session_attrs(std::string_view value) {
    std::string v = ado_normalise(value);
    v.erase(std::remove(v.begin(), v.end(), '-'), v.end());
    if (v == "any" || v == "primary" || v == "standby")
        return v;
    if (v == "readwrite")
        return "read-write";
    if (v == "readonly")
        return "read-only";
    if (v == "preferstandby")
        return "prefer-standby";
    return std::nullopt;
}

/// One `-c name=value` switch for libpq's `options` (spaces and backslashes escaped).
std::string options_switch(std::string_view name, std::string_view value) {
    std::string out = "-c ";
    out += name;
    out += '=';
    for (char c : value) {
        if (c == ' ' || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}

void add_option(ConnectionString& cs, const std::string& text) {
    std::string& o = cs.params["options"];
    if (!o.empty())
        o += ' ';
    o += text;
}

constexpr std::string_view kAdoKnownKeys =
    "Host, Server, Port, Database, Initial Catalog, Username, User ID, UID, Password, SSL Mode, "
    "SslMode, SSL Cert, SSL Key, SSL Root Cert, SSL Password, Application Name, Timeout, "
    "Options, Search Path, Target Session Attributes, Passfile, Client Encoding";

Status apply_ado(ConnectionString& cs, const std::string& key, const std::string& value,
                 const std::string& name) {
    const std::string k = ado_normalise(key);
    const std::string where = "the ADO.NET connection string";
    if (k == "host" || k == "server") {
        cs.hosts.clear();
        std::vector<int> ports;
        bool any_port = false;
        for (const std::string& item : split_hosts(value)) {
            std::string host, port_text;
            if (Status s = parse_host_item(item, false, true, where, host, port_text); !s)
                return s.error();
            auto port = parse_port(port_text, where);
            if (!port)
                return std::move(port).error();
            any_port = any_port || *port != 0;
            cs.hosts.push_back(host);
            ports.push_back(*port);
        }
        if (any_port)
            cs.ports = ports;
    } else if (k == "port") {
        auto p = parse_port(trim(value), where, true);
        if (!p)
            return std::move(p).error();
        if (*p == 0)
            return parse_error(fmt::format("empty Port in {}", where));
        cs.ports = {*p};
    } else if (k == "database" || k == "initialcatalog" || k == "db") {
        cs.database = value.empty() ? std::nullopt : std::optional(value);
    } else if (k == "username" || k == "userid" || k == "uid" || k == "user") {
        cs.user = value.empty() ? std::nullopt : std::optional(value);
    } else if (k == "password" || k == "pwd" || k == "psw") {
        cs.password = value.empty() ? std::nullopt : std::optional(value);
    } else if (k == "sslmode") {
        auto m = ado_sslmode(value);
        if (!m) {
            return parse_error(fmt::format(
                "invalid SSL Mode \"{}\" in {} (valid: Disable, Allow, Prefer, Require, "
                "VerifyCA, VerifyFull)",
                shown(value), where));
        }
        cs.sslmode = *m;
    } else if (k == "sslcert" || k == "sslcertificate") {
        cs.sslcert = value.empty() ? std::nullopt : std::optional(value);
    } else if (k == "sslkey") {
        cs.sslkey = value.empty() ? std::nullopt : std::optional(value);
    } else if (k == "sslrootcert" || k == "rootcertificate" || k == "sslrootcertificate") {
        cs.sslrootcert = value.empty() ? std::nullopt : std::optional(value);
    } else if (k == "sslpassword") {
        cs.sslpassword = value.empty() ? std::nullopt : std::optional(value);
    } else if (k == "applicationname") {
        cs.app_name = value;
    } else if (k == "timeout" || k == "connecttimeout" || k == "connectiontimeout") {
        auto t = parse_timeout(value, "Timeout in " + where);
        if (!t)
            return std::move(t).error();
        cs.connect_timeout = *t;
    } else if (k == "options") {
        add_option(cs, value);
    } else if (k == "searchpath") {
        add_option(cs, options_switch("search_path", value));
    } else if (k == "timezone") {
        add_option(cs, options_switch("TimeZone", value));
    } else if (k == "targetsessionattributes" || k == "targetsessionattrs") {
        auto t = ado_target_session_attrs(value);
        if (!t) {
            return parse_error(
                fmt::format("unsupported Target Session Attributes \"{}\" in {} (libpq knows: "
                            "Any, Primary, Standby, PreferStandby, ReadWrite, ReadOnly)",
                            shown(value), where));
        }
        cs.params["target_session_attrs"] = *t;
    } else if (k == "passfile") {
        cs.params["passfile"] = value;
    } else if (k == "clientencoding" || k == "encoding") {
        cs.params["client_encoding"] = value;
    } else if (ado_ignored_keys().count(k) != 0) {
        cs.warnings.push_back(
            k == "trustservercertificate"
                ? fmt::format("ignoring {} in the ADO.NET connection string: choose certificate "
                              "checks with SSL Mode (Require does not verify the server; "
                              "VerifyCA and VerifyFull do)",
                              name)
                : fmt::format("ignoring {} in the ADO.NET connection string: it tunes Npgsql's "
                              "client and means nothing to pgmi's single session",
                              name));
    } else {
        return parse_error(
            fmt::format("unknown {} in {} (known keys: {})", name, where, kAdoKnownKeys));
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

Result<ConnectionString> parse_uri(std::string_view text) {
    ConnectionString cs;
    cs.format = StringFormat::Uri;
    const std::string where = "the PostgreSQL URI";
    size_t scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos ||
        (text.substr(0, scheme_end) != "postgresql" && text.substr(0, scheme_end) != "postgres")) {
        return parse_error("a PostgreSQL URI starts with postgresql:// or postgres://");
    }
    std::string_view rest = text.substr(scheme_end + 3);
    std::string_view fragment;
    if (size_t hash = rest.find('#'); hash != std::string_view::npos) {
        fragment = rest.substr(hash + 1);
        rest = rest.substr(0, hash);
    }
    std::string_view query;
    if (size_t q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::optional<std::string_view> path;
    if (slash != std::string_view::npos)
        path = rest.substr(slash + 1);

    // An '@' after the authority means a '/', '?' or '#' cut the user name or password short.
    if ((path && path->find('@') != std::string_view::npos) ||
        query.find('@') != std::string_view::npos || fragment.find('@') != std::string_view::npos) {
        return parse_error(
            "the PostgreSQL URI has an '@' after its host part; percent-encode '@' as %40 "
            "there, and a '/', '?' or '#' in a user name or password as %2F, %3F, %23");
    }

    std::string_view hostpart = authority;
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
        std::string_view userinfo = authority.substr(0, at);
        hostpart = authority.substr(at + 1);
        size_t colon = userinfo.find(':');
        auto user = percent_decode(userinfo.substr(0, colon), false);
        if (!user)
            return parse_error("invalid percent-encoding in the user name of the PostgreSQL URI");
        if (!user->empty())
            cs.user = *user;
        if (colon != std::string_view::npos) {
            auto pw = percent_decode(userinfo.substr(colon + 1), false);
            if (!pw) {
                return parse_error(
                    "invalid percent-encoding in the password of the PostgreSQL URI (write '%' "
                    "itself as %25)");
            }
            if (!pw->empty())
                cs.password = *pw;
        }
    }

    if (!hostpart.empty()) {
        std::vector<int> ports;
        bool any_port = false;
        size_t start = 0;
        for (;;) {
            size_t comma = hostpart.find(',', start);
            std::string_view item = hostpart.substr(
                start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
            std::string host, port_text;
            if (Status s = parse_host_item(item, true, false, where, host, port_text); !s)
                return s.error();
            auto port = parse_port(port_text, where);
            if (!port)
                return std::move(port).error();
            any_port = any_port || *port != 0;
            cs.hosts.push_back(host);
            ports.push_back(*port);
            if (comma == std::string_view::npos)
                break;
            start = comma + 1;
        }
        if (cs.hosts.size() == 1 && cs.hosts[0].empty())
            cs.hosts.clear();
        if (any_port)
            cs.ports = ports;
    }

    if (path && !path->empty()) {
        auto db = percent_decode(*path, false);
        if (!db)
            return parse_error(
                "invalid percent-encoding in the database name of the PostgreSQL URI");
        if (!db->empty())
            cs.database = *db;
    }

    std::set<std::string> seen;
    size_t start = 0;
    int index = 0;
    while (start <= query.size() && !query.empty()) {
        size_t amp = query.find('&', start);
        std::string_view pair = query.substr(
            start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
        start = amp == std::string_view::npos ? query.size() + 1 : amp + 1;
        ++index;
        if (pair.empty())
            continue;
        size_t eq = pair.find('=');
        auto key = percent_decode(pair.substr(0, eq), true);
        auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                  : percent_decode(pair.substr(eq + 1), true);
        if (!key || !value) {
            return parse_error(fmt::format(
                "invalid percent-encoding in query parameter {} of the PostgreSQL URI", index));
        }
        if (key->empty()) {
            return parse_error(
                fmt::format("query parameter {} of the PostgreSQL URI has no name", index));
        }
        std::string canonical = uri_canonical_key(*key);
        if (!seen.insert(canonical).second)
            continue;  // the first occurrence wins
        if (Status s = apply_keyword(cs, canonical, *value, where, true); !s)
            return s.error();
    }
    if (cs.ports.size() > 1 && cs.ports.size() != std::max<size_t>(cs.hosts.size(), 1)) {
        return parse_error(fmt::format("{} ports for {} hosts in the PostgreSQL URI",
                                       cs.ports.size(), std::max<size_t>(cs.hosts.size(), 1)));
    }
    return cs;
}

Result<ConnectionString> parse_ado_net(std::string_view text) {
    ConnectionString cs;
    cs.format = StringFormat::AdoNet;
    const size_t n = text.size();
    size_t i = 0;
    int part = 0;
    bool after_unquoted_secret = false;
    for (;;) {
        while (i < n && (is_space(text[i]) || text[i] == ';'))
            ++i;
        if (i >= n)
            break;
        ++part;
        const size_t key_start = i;
        while (i < n && text[i] != '=' && text[i] != ';')
            ++i;
        if (i >= n || text[i] == ';') {
            return parse_error(fmt::format(
                "part {} of the ADO.NET connection string has no '=' (write Key=Value pairs "
                "separated by ';', and put a value that contains ';' in quotes: '...' or \"...\")",
                part));
        }
        const std::string key(trim(text.substr(key_start, i - key_start)));
        ++i;  // '='
        // A key right after an unquoted password may be a piece of that password.
        const std::string name = after_unquoted_secret
                                     ? fmt::format(
                                           "key in part {} (after an unquoted password; "
                                           "quote a password that contains ';')",
                                           part)
                                     : fmt::format("key \"{}\"", shown(key));
        if (key.empty()) {
            return parse_error(
                fmt::format("part {} of the ADO.NET connection string has an empty key", part));
        }
        while (i < n && (text[i] == ' ' || text[i] == '\t'))
            ++i;
        std::string value;
        bool quoted = false;
        if (i < n && (text[i] == '\'' || text[i] == '"')) {
            quoted = true;
            const char q = text[i++];
            bool closed = false;
            while (i < n) {
                if (text[i] == q) {
                    if (i + 1 < n && text[i + 1] == q) {
                        value += q;
                        i += 2;
                        continue;
                    }
                    ++i;
                    closed = true;
                    break;
                }
                value += text[i++];
            }
            if (!closed) {
                return parse_error(fmt::format(
                    "unterminated quote in the value of the {} of the ADO.NET connection string",
                    name));
            }
            while (i < n && is_space(text[i]))
                ++i;
            if (i < n && text[i] != ';') {
                return parse_error(
                    fmt::format("unexpected text after the quoted value of the {} of the ADO.NET "
                                "connection string (a quote inside a quoted value is doubled: "
                                "'it''s')",
                                name));
            }
        } else {
            const size_t value_start = i;
            while (i < n && text[i] != ';')
                ++i;
            value = std::string(trim(text.substr(value_start, i - value_start)));
        }
        if (value.find('\0') != std::string::npos) {
            return parse_error(fmt::format(
                "the value of the {} of the ADO.NET connection string contains a NUL byte", name));
        }
        if (Status s = apply_ado(cs, key, value, name); !s)
            return s.error();
        const std::string k = ado_normalise(key);
        after_unquoted_secret =
            !quoted && (k == "password" || k == "pwd" || k == "psw" || k == "sslpassword");
    }
    if (part == 0)
        return parse_error("the ADO.NET connection string has no Key=Value pairs");
    return cs;
}

Result<ConnectionString> parse_key_value(std::string_view text) {
    ConnectionString cs;
    cs.format = StringFormat::KeyValue;
    const std::string where = "the key=value connection string";
    const size_t n = text.size();
    size_t i = 0;
    int pair = 0;
    bool after_secret = false;
    for (;;) {
        while (i < n && is_space(text[i]))
            ++i;
        if (i >= n)
            break;
        ++pair;
        const size_t key_start = i;
        while (i < n && text[i] != '=' && !is_space(text[i]))
            ++i;
        const std::string key(text.substr(key_start, i - key_start));
        while (i < n && is_space(text[i]))
            ++i;
        if (i >= n || text[i] != '=' || key.empty()) {
            return parse_error(fmt::format(
                "pair {} of {} has no '=' (write key=value pairs separated by spaces; quote "
                "a value that contains spaces in '...')",
                pair, where));
        }
        ++i;  // '='
        while (i < n && is_space(text[i]))
            ++i;
        std::string value;
        if (i < n && text[i] == '\'') {
            ++i;
            bool closed = false;
            while (i < n) {
                if (text[i] == '\\' && i + 1 < n) {
                    value += text[i + 1];
                    i += 2;
                } else if (text[i] == '\'') {
                    ++i;
                    closed = true;
                    break;
                } else {
                    value += text[i++];
                }
            }
            if (!closed)
                return parse_error(
                    fmt::format("unterminated quoted value in pair {} of {}", pair, where));
        } else {
            while (i < n && !is_space(text[i])) {
                if (text[i] == '\\' && i + 1 < n)
                    ++i;
                value += text[i++];
            }
        }
        if (value.find('\0') != std::string::npos)
            return parse_error(fmt::format("pair {} of {} contains a NUL byte", pair, where));
        if (Status s = apply_keyword(cs, key, value, where, !after_secret); !s)
            return s.error();
        after_secret = is_secret_key(key);
    }
    if (pair == 0)
        return parse_error("connection string is empty");
    if (cs.ports.size() > 1 && cs.ports.size() != std::max<size_t>(cs.hosts.size(), 1)) {
        return parse_error(fmt::format("{} ports for {} hosts in {}", cs.ports.size(),
                                       std::max<size_t>(cs.hosts.size(), 1), where));
    }
    return cs;
}

Result<ConnectionString> parse_connection_string(std::string_view text) {
    const std::string_view t = trim(text);
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
    while (key_end < t.size() && t[key_end] != '=' && !is_space(t[key_end]))
        ++key_end;
    if (is_libpq_keyword(t.substr(0, key_end)))
        return parse_key_value(t);
    return parse_ado_net(t);
}

}  // namespace pgmi::conn
