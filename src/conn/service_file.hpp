// Connection service files (pg_service.conf), read only to learn what a `service=` / $PGSERVICE
// entry says about host, port, database and user, so pgmi can show it, pick the target database,
// and not override it with its own defaults. libpq itself still applies the service (pgmi passes
// `service=` through), so the file's other keywords keep working as they do in psql.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/env.hpp"
#include "util/error.hpp"

namespace pgmi::conn {

struct ServiceEntry {
    std::string name;
    std::filesystem::path file;                 // where it was found
    std::map<std::string, std::string> values;  // keyword → value, as libpq would read them
};

/// The keywords of section `[name]` in a service file's text; nullopt when the section is
/// absent. Errors (Config) name the line: a line without '=', a nested `service`, a keyword
/// libpq does not know.
Result<std::optional<std::map<std::string, std::string>>> parse_service_file(
    std::string_view text, std::string_view name, const std::string& file_name);

/// The largest service file read.
inline constexpr std::size_t kMaxServiceFileBytes = std::size_t{1} << 20;

/// Finds service `name` like libpq: $PGSERVICEFILE or ~/.pg_service.conf, then
/// $PGSYSCONFDIR/pg_service.conf (default /etc/postgresql-common). Not found → Config error.
/// A file that is missing or unreadable is skipped; one that is there but is not a regular file
/// (links are followed) or is over kMaxServiceFileBytes is a Config error.
Result<ServiceEntry> lookup_service(const std::string& name, const EnvLookup& env);

}  // namespace pgmi::conn
