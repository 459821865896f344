#include "config/connection_yaml.hpp"

#include <fmt/format.h>

#include <algorithm>
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

std::vector<std::pair<std::string_view, std::string>> connection_fields(
    const ConnectionSettings& c) {
    std::vector<std::pair<std::string_view, std::string>> fields;
    auto add = [&fields](std::string_view key, const std::string& value) {
        if (!value.empty())
            fields.emplace_back(key, value);
    };
    add("host", c.host);
    add("port", c.port != 0 ? std::to_string(c.port) : std::string());
    add("database", c.database);
    add("maintenance_database", c.maintenance_database);
    add("username", c.username);
    add("sslmode", c.sslmode);
    add("sslcert", c.sslcert);
    add("sslkey", c.sslkey);
    add("sslrootcert", c.sslrootcert);
    add("auth_method", c.auth_method);
    add("azure_tenant_id", c.azure_tenant_id);
    add("azure_client_id", c.azure_client_id);
    add("aws_region", c.aws_region);
    add("google_instance", c.google_instance);
    return fields;
}

ConnectionSettings settings_from(const YamlConnection& yaml) {
    return ConnectionSettings{.host = yaml.host.value_or(""),
                              .port = yaml.port.value_or(0),
                              .database = yaml.database.value_or(""),
                              .maintenance_database = yaml.maintenance_database.value_or(""),
                              .username = yaml.username.value_or(""),
                              .sslmode = yaml.sslmode.value_or(""),
                              .sslcert = yaml.sslcert.value_or(""),
                              .sslkey = yaml.sslkey.value_or(""),
                              .sslrootcert = yaml.sslrootcert.value_or(""),
                              .auth_method = yaml.auth_method.value_or(""),
                              .azure_tenant_id = yaml.azure_tenant_id.value_or(""),
                              .azure_client_id = yaml.azure_client_id.value_or(""),
                              .aws_region = yaml.aws_region.value_or(""),
                              .google_instance = yaml.google_instance.value_or("")};
}

std::string connection_block(const ConnectionSettings& c) {
    std::string s = "connection:\n";
    for (const auto& [key, value] : connection_fields(c))
        s += fmt::format("  {}: {}\n", key, key == "port" ? value : yaml_scalar(value));
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
    const auto fields = connection_fields(c);
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
            const bool set = std::any_of(fields.begin(), fields.end(),
                                         [key](const auto& f) { return f.first == key; });
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
    if (connection_fields(settings_from(conn)) != fields || conn.google_ip_type) {
        return make_error(ErrorKind::Config,
                          "pgmi.yaml: the connection settings did not survive a round trip");
    }
    return text;
}

}  // namespace pgmi::config
