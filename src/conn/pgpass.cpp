#include "conn/pgpass.hpp"

#include <fmt/format.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.hpp"

namespace pgmi::conn {

namespace {

/// Reads one ':'-terminated field starting at `pos`; `\x` stands for x. False when the line ends
/// before the ':' (the field is incomplete).
bool read_field(std::string_view line, size_t& pos, std::string& out, bool& star) {
    out.clear();
    star = line.substr(pos, 2) == "*:";
    if (star) {
        out = "*";
        pos += 2;
        return true;
    }
    while (pos < line.size()) {
        char c = line[pos];
        if (c == '\\' && pos + 1 < line.size()) {
            out += line[pos + 1];
            pos += 2;
            continue;
        }
        if (c == ':') {
            ++pos;
            return true;
        }
        out += c;
        ++pos;
    }
    return false;
}

bool is_socket_host(std::string_view host) {
    return host.empty() || host.front() == '/' || host.front() == '@';
}

}  // namespace

std::vector<PgpassEntry> parse_pgpass(std::string_view text) {
    std::vector<PgpassEntry> entries;
    int line_no = 0;
    size_t start = 0;
    while (start < text.size()) {
        size_t nl = text.find('\n', start);
        std::string_view line =
            text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        start = nl == std::string_view::npos ? text.size() : nl + 1;
        ++line_no;
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
            line.remove_suffix(1);
        if (line.empty() || line.front() == '#')
            continue;
        PgpassEntry e;
        e.line = line_no;
        size_t pos = 0;
        if (!read_field(line, pos, e.host, e.any_host) ||
            !read_field(line, pos, e.port, e.any_port) ||
            !read_field(line, pos, e.database, e.any_database) ||
            !read_field(line, pos, e.user, e.any_user)) {
            continue;
        }
        // The password runs to the next unescaped ':' or the end of the line.
        std::string pw;
        while (pos < line.size() && line[pos] != ':') {
            if (line[pos] == '\\' && pos + 1 < line.size())
                ++pos;
            pw += line[pos++];
        }
        e.password = std::move(pw);
        entries.push_back(std::move(e));
    }
    return entries;
}

std::optional<std::string> lookup_pgpass(const std::vector<PgpassEntry>& entries,
                                         std::string_view host, int port, std::string_view database,
                                         std::string_view user) {
    const std::string h = is_socket_host(host) ? std::string("localhost") : std::string(host);
    const std::string p = std::to_string(port > 0 ? port : 5432);
    for (const auto& e : entries) {
        if ((e.any_host || e.host == h) && (e.any_port || e.port == p) &&
            (e.any_database || e.database == database) && (e.any_user || e.user == user)) {
            if (e.password.empty())
                return std::nullopt;  // libpq: an empty password is no password
            return e.password;
        }
    }
    return std::nullopt;
}

PasswordFile load_password_file(const std::filesystem::path& path) {
    PasswordFile f;
    f.path = path;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return f;  // missing (or unreachable): libpq silently goes without
    f.present = true;
    if (!S_ISREG(st.st_mode)) {
        f.ignored = true;
        f.warning = fmt::format("WARNING: password file \"{}\" is not a plain file; it is not used",
                                path.string());
        return f;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        f.ignored = true;
        f.warning = fmt::format(
            "WARNING: password file \"{}\" has group or world access (mode {:04o}); it is not "
            "used. Restrict it with: chmod 0600 {}",
            path.string(), st.st_mode & 07777, path.string());
        return f;
    }
    // Often a link in a home directory, so links are followed; the read itself checks again that
    // the target is a regular file (it may have changed since the stat) and caps its size.
    util::ReadResult text = util::read_regular_file(path, {.max_bytes = kMaxPasswordFileBytes,
                                                           .follow_symlinks = true,
                                                           .limit_for = "a password file"});
    if (!text) {
        f.ignored = true;
        const util::FileError& e = text.error();
        if (e.fault == util::FileFault::Missing || e.fault == util::FileFault::Unreadable) {
            f.warning = fmt::format("WARNING: password file \"{}\" cannot be read; it is not used",
                                    path.string());
        } else {
            f.warning = fmt::format("WARNING: password file \"{}\" {}; it is not used",
                                    path.string(), e.reason);
        }
        return f;
    }
    f.entries = parse_pgpass(text.value());
    return f;
}

std::filesystem::path password_file_path(const std::optional<std::string>& passfile,
                                         const EnvLookup& env) {
    if (passfile && !passfile->empty())
        return *passfile;
    if (auto p = non_empty(env, "PGPASSFILE"))
        return *p;
    std::string home;
    if (auto h = non_empty(env, "HOME")) {
        home = *h;
    } else if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_dir) {
        home = pw->pw_dir;
    }
    if (home.empty())
        return {};
    return std::filesystem::path(home) / ".pgpass";
}

}  // namespace pgmi::conn
