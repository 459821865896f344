// Finds the project file a server error happened in, when deploy.sql ran that file's content
// through EXECUTE: by the error's internal query (the text EXECUTE ran; syntax errors carry a
// position in it) or by the `SQL statement "..."` line of its CONTEXT (runtime errors). Exact
// where the reference relied on a `Failed in <path>` wrapper in the project's own SQL.
#pragma once

#include <optional>
#include <string>

#include "project/scanner.hpp"
#include "script/location.hpp"
#include "util/error.hpp"

namespace pgmi::deploy {

struct FileHit {
    std::string path;
    std::optional<script::Location> location;  // line/column inside the file, when known
};

/// The loaded file the error points into; `named` (a `Failed in` path) is preferred when given.
std::optional<FileHit> locate_in_files(const ServerError& error, const project::Project& project,
                                       const std::optional<std::string>& named);

}  // namespace pgmi::deploy
