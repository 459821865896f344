#include "conn/service_file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <vector>

#include "conn/connection_string.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace pgmi::conn {

namespace {

Error service_error(const std::string& message) {
    return make_error(ErrorKind::Config, message + ": invalid configuration");
}

/// The file's text; nullopt when there is nothing to read there (libpq skips such a file too).
/// Config error when something is there but is not a regular file of at most 1 MiB: a named pipe
/// would block, a device never ends. A link is followed (service files are often links).
Result<std::optional<std::string>> read_text(const std::filesystem::path& path) {
    util::ReadResult read = util::read_regular_file(path, {.max_bytes = kMaxServiceFileBytes,
                                                           .follow_symlinks = true,
                                                           .limit_for = "a service file"});
    if (read)
        return std::optional<std::string>(std::move(read).value());
    switch (read.error().fault) {
        case util::FileFault::Missing:
        case util::FileFault::Unreadable:
        case util::FileFault::Directory:
            return std::optional<std::string>();
        default:
            return service_error("service file " + read.error().message);
    }
}

}  // namespace

Result<std::optional<std::map<std::string, std::string>>> parse_service_file(
    std::string_view text, std::string_view name, const std::string& file_name) {
    std::optional<std::map<std::string, std::string>> found;
    bool in_group = false;
    int line_no = 0;
    size_t start = 0;
    while (start < text.size()) {
        size_t nl = text.find('\n', start);
        std::string_view line = util::trim(
            text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
        start = nl == std::string_view::npos ? text.size() : nl + 1;
        ++line_no;
        if (line.empty() || line.front() == '#')
            continue;
        if (line.front() == '[') {
            if (found)
                break;  // the section ended
            size_t close = line.find(']');
            in_group = close != std::string_view::npos && line.substr(1, close - 1) == name;
            if (in_group)
                found.emplace();
            continue;
        }
        if (!in_group)
            continue;
        size_t eq = line.find('=');
        if (eq == std::string_view::npos) {
            return service_error(
                fmt::format("syntax error in service file \"{}\", line {}", file_name, line_no));
        }
        std::string key(line.substr(0, eq));
        if (key == "service") {
            return service_error(fmt::format(
                "nested service specifications not supported in service file \"{}\", line {}",
                file_name, line_no));
        }
        if (!is_libpq_keyword(key)) {
            return service_error(
                fmt::format("syntax error in service file \"{}\", line {}: unknown keyword",
                            file_name, line_no));
        }
        found->emplace(std::move(key), std::string(line.substr(eq + 1)));  // first one wins
    }
    return found;
}

Result<ServiceEntry> lookup_service(const std::string& name, const EnvLookup& env) {
    std::vector<std::filesystem::path> files;
    if (auto f = non_empty(env, "PGSERVICEFILE")) {
        files.emplace_back(*f);
    } else {
        if (const auto home = home_directory(env))
            files.push_back(std::filesystem::path(*home) / ".pg_service.conf");
    }
    files.push_back(
        std::filesystem::path(non_empty(env, "PGSYSCONFDIR").value_or("/etc/postgresql-common")) /
        "pg_service.conf");
    std::string searched;
    for (const auto& file : files) {
        if (!searched.empty())
            searched += ", ";
        searched += file.string();
        auto text = read_text(file);
        if (!text)
            return std::move(text).error();
        if (!*text)
            continue;
        auto section = parse_service_file(**text, name, file.string());
        if (!section)
            return std::move(section).error();
        if (*section)
            return ServiceEntry{name, file, std::move(**section)};
    }
    return service_error(
        fmt::format("definition of service \"{}\" not found (looked in {})", name, searched));
}

}  // namespace pgmi::conn
