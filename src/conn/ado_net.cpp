// ADO.NET (Npgsql) connection strings: see parse_ado_net in connection_string.hpp.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "conn/connection_string.hpp"
#include "conn/connection_string_parts.hpp"
#include "util/strings.hpp"

namespace pgmi::conn {

using namespace detail;  // NOLINT(google-build-using-namespace): the parsers' shared parts

namespace {

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
        auto p = parse_port(util::trim(value), where, true);
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

}  // namespace

Result<ConnectionString> parse_ado_net(std::string_view text) {
    ConnectionString cs;
    cs.format = StringFormat::AdoNet;
    const size_t n = text.size();
    size_t i = 0;
    int part = 0;
    bool after_unquoted_secret = false;
    for (;;) {
        while (i < n && (util::is_space(text[i]) || text[i] == ';'))
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
        const std::string key(util::trim(text.substr(key_start, i - key_start)));
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
            while (i < n && util::is_space(text[i]))
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
            value = std::string(util::trim(text.substr(value_start, i - value_start)));
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

}  // namespace pgmi::conn
