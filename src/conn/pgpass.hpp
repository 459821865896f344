// The password file (.pgpass, $PGPASSFILE), read by pgmi itself with libpq's rules (connections
// §5.7): lines `hostname:port:database:username:password`, `\:` and `\\` escapes, a field that is
// exactly `*` matches anything, `#` lines are comments, the first matching line wins, a
// Unix-socket connection matches `localhost`. A file that group or others may access is not used
// (libpq's rule), and the caller is told why, so it can warn.
//
// Writing (the connection wizard's offer, commands §9): one line per saved password, inserted
// first so it wins, replacing the lines for the same host, port, database and user; every other
// line is kept byte for byte; the file is replaced atomically with mode 0600.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/env.hpp"
#include "util/error.hpp"

namespace pgmi::conn {

struct PgpassEntry {
    std::string host, port, database, user;  // unescaped; "*" = any
    bool any_host = false, any_port = false, any_database = false, any_user = false;
    std::string password;  // secret
    int line = 0;
};

/// Parses the file's text. Never fails: comment lines, blank lines and lines with fewer than five
/// fields are skipped, as libpq does (a password ends at its first unescaped ':').
std::vector<PgpassEntry> parse_pgpass(std::string_view text);

/// The password of the first entry matching this connection, if any. `host` "" or a socket
/// directory ('/' or '@' first) matches as "localhost"; `port` 0 as 5432.
std::optional<std::string> lookup_pgpass(const std::vector<PgpassEntry>& entries,
                                         std::string_view host, int port, std::string_view database,
                                         std::string_view user);

struct PasswordFile {
    std::filesystem::path path;
    std::vector<PgpassEntry> entries;  // empty when missing or ignored
    bool present = false;              // the file exists
    bool ignored = false;              // present but not used (see warning)
    std::string warning;               // for stderr; never contains file content
};

/// The largest password file read (larger ones are ignored with a warning).
inline constexpr std::size_t kMaxPasswordFileBytes = std::size_t{1} << 20;

/// Reads the password file at `path` (a link is followed). Missing: no entries, no warning. Not
/// a regular file, accessible by group/others (mode & 077), or over kMaxPasswordFileBytes:
/// ignored with a warning naming the fix.
PasswordFile load_password_file(const std::filesystem::path& path);

/// `passfile` if given, else $PGPASSFILE, else ~/.pgpass ($HOME, then the passwd entry).
std::filesystem::path password_file_path(const std::optional<std::string>& passfile,
                                         const EnvLookup& env);

/// What a saved password is for: the first four fields of its line, unescaped. A field that is
/// exactly "*" is written as the wildcard.
struct PgpassKey {
    std::string host, port, database, user;
};

/// `field` as it appears in a line: `\` and `:` escaped with a backslash.
std::string pgpass_escape(std::string_view field);

/// The line (no line break) for `key` and `password` (a leading '#' escaped, so it is no
/// comment). Config error, naming the field (never its
/// value), when a value holds a line break or a NUL byte, which the file cannot hold, or the
/// password is empty (libpq treats an empty password as none).
Result<std::string> pgpass_line(const PgpassKey& key, std::string_view password);

/// `existing` with `line` (from pgpass_line) inserted first and every line whose first four
/// fields equal `key` removed; all other lines are kept byte for byte. Linear in the input.
std::string pgpass_upsert(std::string_view existing, const PgpassKey& key, std::string_view line);

/// Saves the password for `key` in the password file at `path`: the parent directory is created
/// (mode 0700) when missing, the existing file (a link is followed to its file, which stays a
/// link) is read with the size cap, and the result replaces it atomically with mode 0600. General
/// error naming the file on failure; the file is then unchanged.
Status save_pgpass(const std::filesystem::path& path, const PgpassKey& key,
                   std::string_view password);

}  // namespace pgmi::conn
