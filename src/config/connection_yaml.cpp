#include "config/connection_yaml.hpp"

#include <fmt/format.h>

#include <vector>

#include "config/project_config.hpp"

namespace pgmi::config {

namespace {

bool is_ascii_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/// YAML 1.1 words a plain scalar would turn into a boolean or null, and number-like text.
bool reads_as_non_string(std::string_view s) {
    for (std::string_view word :
         {"yes",   "Yes",   "YES",   "no", "No", "NO", "true", "True", "TRUE",
          "false", "False", "FALSE", "on", "On", "ON", "off",  "Off",  "OFF",
          "null",  "Null",  "NULL",  "y",  "Y",  "n",  "N"}) {
        if (s == word)
            return true;
    }
    return s.find_first_not_of("0123456789._+-") == std::string_view::npos;
}

/// Plain when it starts with [A-Za-z0-9_], continues with [A-Za-z0-9_./-], and is no YAML word.
bool is_yaml_plain(std::string_view s) {
    if (s.empty() || !(is_ascii_alnum(s[0]) || s[0] == '_'))
        return false;
    for (const char c : s) {
        if (!(is_ascii_alnum(c) || c == '_' || c == '.' || c == '/' || c == '-'))
            return false;
    }
    return !reads_as_non_string(s);
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos)
            end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

bool blank(std::string_view line) {
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

bool is_blank_char(char c) {
    return c == ' ' || c == '\t';
}

/// `connection` at column 0, optional blanks, then ':'.
bool is_connection_key(std::string_view line) {
    constexpr std::string_view kKey = "connection";
    if (line.substr(0, kKey.size()) != kKey)
        return false;
    size_t i = kKey.size();
    while (i < line.size() && is_blank_char(line[i]))
        ++i;
    return i < line.size() && line[i] == ':';
}

/// The key of an indented commented example (`  # name: ...`), or "".
std::string_view commented_key(std::string_view line) {
    size_t i = 0;
    while (i < line.size() && is_blank_char(line[i]))
        ++i;
    if (i == 0 || i >= line.size() || line[i] != '#')
        return {};
    ++i;
    while (i < line.size() && is_blank_char(line[i]))
        ++i;
    const size_t start = i;
    while (i < line.size() && (is_ascii_alnum(line[i]) || line[i] == '_') &&
           !(line[i] >= '0' && line[i] <= '9'))
        ++i;
    const std::string_view key = line.substr(start, i - start);
    while (i < line.size() && is_blank_char(line[i]))
        ++i;
    return !key.empty() && i < line.size() && line[i] == ':' ? key : std::string_view();
}

}  // namespace

std::string yaml_scalar(std::string_view s) {
    if (is_yaml_plain(s))
        return std::string(s);
    std::string q = "\"";
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            q += '\\';
            q += c;
        } else if (u < 0x20 || u == 0x7F) {
            q += fmt::format("\\x{:02x}", u);
        } else {
            q += c;
        }
    }
    q += '"';
    return q;
}

std::string connection_block(const ConnectionSettings& c) {
    std::string s = "connection:\n";
    s += "  host: " + yaml_scalar(c.host) + "\n";
    s += fmt::format("  port: {}\n", c.port);
    s += "  database: " + yaml_scalar(c.database) + "\n";
    if (!c.username.empty())
        s += "  username: " + yaml_scalar(c.username) + "\n";
    s += "  sslmode: " + yaml_scalar(c.sslmode) + "\n";
    return s;
}

Result<std::string> merge_connection(std::string_view yaml, const ConnectionSettings& c) {
    const std::vector<std::string_view> lines = split_lines(yaml);
    size_t begin = lines.size();
    for (size_t i = 0; i < lines.size(); ++i) {
        if (is_connection_key(lines[i])) {
            begin = i;
            break;
        }
    }
    const std::string block = connection_block(c);
    const std::vector<std::string_view> block_lines = split_lines(block);
    std::vector<std::string_view> result;
    if (begin == lines.size()) {
        // No connection yet: after the leading comments (and a document start marker).
        size_t at = 0;
        while (at < lines.size() &&
               (blank(lines[at]) || lines[at].front() == '#' || lines[at].substr(0, 3) == "---"))
            ++at;
        result.assign(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(at));
        if (!result.empty() && !blank(result.back()))
            result.emplace_back();
        result.insert(result.end(), block_lines.begin(), block_lines.end());
        if (at < lines.size())
            result.emplace_back();
        result.insert(result.end(), lines.begin() + static_cast<std::ptrdiff_t>(at), lines.end());
    } else {
        size_t end = begin + 1;
        while (end < lines.size() && (blank(lines[end]) || is_blank_char(lines[end].front())))
            ++end;
        while (end > begin + 1 && blank(lines[end - 1]))  // trailing blank lines stay outside
            --end;
        result.assign(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(begin));
        result.insert(result.end(), block_lines.begin(), block_lines.end());
        // Commented examples of keys that were not set are kept.
        for (size_t i = begin + 1; i < end; ++i) {
            const std::string_view key = commented_key(lines[i]);
            if (key.empty())
                continue;
            const bool set = key == "host" || key == "port" || key == "database" ||
                             key == "sslmode" || (key == "username" && !c.username.empty());
            if (!set)
                result.push_back(lines[i]);
        }
        result.insert(result.end(), lines.begin() + static_cast<std::ptrdiff_t>(end), lines.end());
    }
    std::string text;
    for (const auto& l : result) {
        text += l;
        text += '\n';
    }
    auto parsed = parse_project_config(text, "pgmi.yaml");
    if (!parsed)
        return parsed.error();
    const auto& conn = parsed->connection;
    if (conn.host.value_or("") != c.host || conn.port.value_or(0) != c.port ||
        conn.database.value_or("") != c.database || conn.sslmode.value_or("") != c.sslmode ||
        conn.username.value_or("") != c.username) {
        return make_error(ErrorKind::Config,
                          "pgmi.yaml: the connection settings did not survive a round trip");
    }
    return text;
}

}  // namespace pgmi::config
