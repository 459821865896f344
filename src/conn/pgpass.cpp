#include "conn/pgpass.hpp"

#include <fmt/format.h>
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
        out.assign(1, '*');  // not = "*": GCC 12 -Wrestrict false positive when inlined
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

std::string pgpass_escape(std::string_view field) {
    std::string out;
    out.reserve(field.size());
    for (const char c : field) {
        if (c == '\\' || c == ':')
            out += '\\';
        out += c;
    }
    return out;
}

Result<std::string> pgpass_line(const PgpassKey& key, std::string_view password) {
    const std::pair<std::string_view, std::string_view> fields[] = {{"host", key.host},
                                                                    {"port", key.port},
                                                                    {"database", key.database},
                                                                    {"user", key.user},
                                                                    {"password", password}};
    std::string line;
    bool first = true;
    for (const auto& [name, value] : fields) {
        if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
            return make_error(ErrorKind::Config,
                              fmt::format("the {} holds a line break or a NUL byte, which a "
                                          "password file cannot hold",
                                          name));
        }
        if (!first)
            line += ':';
        first = false;
        line += value == "*" && name != "password" ? std::string("*") : pgpass_escape(value);
    }
    if (password.empty())
        return make_error(ErrorKind::Config, "the password is empty; there is nothing to save");
    if (line.front() == '#')  // a host starting with '#' would make the line a comment
        line.insert(0, 1, '\\');
    return line;
}

namespace {

bool same_key(const PgpassEntry& e, const PgpassKey& key) {
    auto same = [](bool any, const std::string& value, const std::string& wanted) {
        return any ? wanted == "*" : wanted != "*" && value == wanted;
    };
    return same(e.any_host, e.host, key.host) && same(e.any_port, e.port, key.port) &&
           same(e.any_database, e.database, key.database) && same(e.any_user, e.user, key.user);
}

}  // namespace

std::string pgpass_upsert(std::string_view existing, const PgpassKey& key, std::string_view line) {
    std::string out(line);
    out += '\n';
    size_t start = 0;
    while (start < existing.size()) {
        const size_t nl = existing.find('\n', start);
        const size_t end = nl == std::string_view::npos ? existing.size() : nl + 1;
        const std::string_view raw = existing.substr(start, end - start);
        start = end;
        const std::vector<PgpassEntry> parsed = parse_pgpass(raw);
        if (parsed.size() == 1 && same_key(parsed.front(), key))
            continue;
        out += raw;
        if (raw.back() != '\n')
            out += '\n';
    }
    return out;
}

Status save_pgpass(const std::filesystem::path& path, const PgpassKey& key,
                   std::string_view password) {
    namespace fs = std::filesystem;
    auto line = pgpass_line(key, password);
    if (!line)
        return line.error();
    // A password file kept as a link (dotfile managers do that) stays one: its file is replaced.
    std::error_code ec;
    fs::path file = path;
    if (fs::is_symlink(path, ec)) {
        file = fs::weakly_canonical(path, ec);
        if (ec) {
            return make_error(ErrorKind::General, fmt::format("cannot resolve the link {}: {}",
                                                              path.string(), ec.message()));
        }
    }
    const fs::path parent = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    if (!fs::exists(parent, ec)) {
        fs::create_directories(parent, ec);
        if (ec) {
            return make_error(ErrorKind::General,
                              fmt::format("cannot create {}: {}", parent.string(), ec.message()));
        }
        fs::permissions(parent, fs::perms::owner_all, ec);
    }
    util::ReadResult current = util::read_regular_file(file, {.max_bytes = kMaxPasswordFileBytes,
                                                              .follow_symlinks = false,
                                                              .limit_for = "a password file"});
    if (!current && !current.missing())
        return current.to_error(ErrorKind::General);
    const std::string text = pgpass_upsert(current ? current.value() : std::string(), key, *line);
    return util::write_file_atomic(file, text, {.mode = 0600, .exact_mode = true});
}

std::filesystem::path password_file_path(const std::optional<std::string>& passfile,
                                         const EnvLookup& env) {
    if (passfile && !passfile->empty())
        return *passfile;
    if (auto p = non_empty(env, "PGPASSFILE"))
        return *p;
    const auto home = home_directory(env);
    if (!home)
        return {};
    return std::filesystem::path(*home) / ".pgpass";
}

}  // namespace pgmi::conn
