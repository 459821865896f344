// Files under resources/, embedded into the binary at build time.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace pgmi::resources {

struct Entry {
    std::string_view path;  // relative to resources/, e.g. "session/schema.sql"
    std::string_view content;
};

/// Every embedded file, sorted by path.
std::span<const Entry> all();

/// The content of one embedded file, or nullopt when no such resource exists.
std::optional<std::string_view> find(std::string_view path);

}  // namespace pgmi::resources
