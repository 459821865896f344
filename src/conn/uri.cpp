// PostgreSQL URIs: see parse_uri in connection_string.hpp.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "conn/connection_string.hpp"
#include "conn/connection_string_parts.hpp"
#include "util/strings.hpp"

namespace pgmi::conn {

using namespace detail;  // NOLINT(google-build-using-namespace): the parsers' shared parts

namespace {

std::string uri_canonical_key(const std::string& key) {
    std::string k = util::to_lower(key);
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

const char* const kWhere = "the PostgreSQL URI";

/// The four parts of `postgres[ql]://authority/path?query#fragment`.
struct UriParts {
    std::string_view authority;
    std::optional<std::string_view> path;  // after the first '/', if any
    std::string_view query;
    std::string_view fragment;
};

Result<UriParts> split_uri(std::string_view text) {
    const size_t scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos ||
        (text.substr(0, scheme_end) != "postgresql" && text.substr(0, scheme_end) != "postgres")) {
        return parse_error("a PostgreSQL URI starts with postgresql:// or postgres://");
    }
    UriParts u;
    std::string_view rest = text.substr(scheme_end + 3);
    if (size_t hash = rest.find('#'); hash != std::string_view::npos) {
        u.fragment = rest.substr(hash + 1);
        rest = rest.substr(0, hash);
    }
    if (size_t q = rest.find('?'); q != std::string_view::npos) {
        u.query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    const size_t slash = rest.find('/');
    u.authority = rest.substr(0, slash);
    if (slash != std::string_view::npos)
        u.path = rest.substr(slash + 1);
    // An '@' after the authority means a '/', '?' or '#' cut the user name or password short.
    if ((u.path && u.path->find('@') != std::string_view::npos) ||
        u.query.find('@') != std::string_view::npos ||
        u.fragment.find('@') != std::string_view::npos) {
        return parse_error(
            "the PostgreSQL URI has an '@' after its host part; percent-encode '@' as %40 "
            "there, and a '/', '?' or '#' in a user name or password as %2F, %3F, %23");
    }
    return u;
}

/// `user[:password]` before the '@'.
Status parse_userinfo(std::string_view userinfo, ConnectionString& cs) {
    const size_t colon = userinfo.find(':');
    auto user = util::percent_decode(userinfo.substr(0, colon), false);
    if (!user)
        return parse_error("invalid percent-encoding in the user name of the PostgreSQL URI");
    if (!user->empty())
        cs.user = *user;
    if (colon != std::string_view::npos) {
        auto pw = util::percent_decode(userinfo.substr(colon + 1), false);
        if (!pw) {
            return parse_error(
                "invalid percent-encoding in the password of the PostgreSQL URI (write '%' "
                "itself as %25)");
        }
        if (!pw->empty())
            cs.password = *pw;
    }
    return Status::ok();
}

/// `host[:port][,host[:port]...]` after the '@'.
Status parse_hosts(std::string_view hostpart, ConnectionString& cs) {
    if (hostpart.empty())
        return Status::ok();
    std::vector<int> ports;
    bool any_port = false;
    size_t start = 0;
    for (;;) {
        const size_t comma = hostpart.find(',', start);
        std::string_view item = hostpart.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        std::string host, port_text;
        if (Status s = parse_host_item(item, true, false, kWhere, host, port_text); !s)
            return s;
        auto port = parse_port(port_text, kWhere);
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
    return Status::ok();
}

/// `k=v&k=v`: libpq keywords; the first occurrence of a key wins.
Status parse_query(std::string_view query, ConnectionString& cs) {
    std::set<std::string> seen;
    size_t start = 0;
    int index = 0;
    while (start <= query.size() && !query.empty()) {
        const size_t amp = query.find('&', start);
        std::string_view pair = query.substr(
            start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
        start = amp == std::string_view::npos ? query.size() + 1 : amp + 1;
        ++index;
        if (pair.empty())
            continue;
        const size_t eq = pair.find('=');
        auto key = util::percent_decode(pair.substr(0, eq), true);
        auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                  : util::percent_decode(pair.substr(eq + 1), true);
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
            continue;
        if (Status s = apply_keyword(cs, canonical, *value, kWhere, true); !s)
            return s;
    }
    return Status::ok();
}

}  // namespace

Result<ConnectionString> parse_uri(std::string_view text) {
    auto parts = split_uri(text);
    if (!parts)
        return std::move(parts).error();
    ConnectionString cs;
    cs.format = StringFormat::Uri;
    std::string_view hostpart = parts->authority;
    if (size_t at = hostpart.rfind('@'); at != std::string_view::npos) {
        if (Status s = parse_userinfo(hostpart.substr(0, at), cs); !s)
            return std::move(s).error();
        hostpart = hostpart.substr(at + 1);
    }
    if (Status s = parse_hosts(hostpart, cs); !s)
        return std::move(s).error();
    if (parts->path && !parts->path->empty()) {
        auto db = util::percent_decode(*parts->path, false);
        if (!db)
            return parse_error(
                "invalid percent-encoding in the database name of the PostgreSQL URI");
        if (!db->empty())
            cs.database = *db;
    }
    if (Status s = parse_query(parts->query, cs); !s)
        return std::move(s).error();
    if (cs.ports.size() > 1 && cs.ports.size() != std::max<size_t>(cs.hosts.size(), 1)) {
        return parse_error(fmt::format("{} ports for {} hosts in the PostgreSQL URI",
                                       cs.ports.size(), std::max<size_t>(cs.hosts.size(), 1)));
    }
    return cs;
}

}  // namespace pgmi::conn
