// libpq keyword/value connection strings: see parse_key_value in connection_string.hpp.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "conn/connection_string.hpp"
#include "conn/connection_string_parts.hpp"
#include "util/strings.hpp"

namespace pgmi::conn {

using namespace detail;  // NOLINT(google-build-using-namespace): the parsers' shared parts

Result<ConnectionString> parse_key_value(std::string_view text) {
    ConnectionString cs;
    cs.format = StringFormat::KeyValue;
    const std::string where = "the key=value connection string";
    const size_t n = text.size();
    size_t i = 0;
    int pair = 0;
    bool after_secret = false;
    for (;;) {
        while (i < n && util::is_space(text[i]))
            ++i;
        if (i >= n)
            break;
        ++pair;
        const size_t key_start = i;
        while (i < n && text[i] != '=' && !util::is_space(text[i]))
            ++i;
        const std::string key(text.substr(key_start, i - key_start));
        while (i < n && util::is_space(text[i]))
            ++i;
        if (i >= n || text[i] != '=' || key.empty()) {
            return parse_error(fmt::format(
                "pair {} of {} has no '=' (write key=value pairs separated by spaces; quote "
                "a value that contains spaces in '...')",
                pair, where));
        }
        ++i;  // '='
        while (i < n && util::is_space(text[i]))
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
            while (i < n && !util::is_space(text[i])) {
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

}  // namespace pgmi::conn
