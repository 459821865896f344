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

/// The line inside `content` of a runtime error raised in the file's DO block, from the
/// `PL/pgSQL function inline_code_block line N` frame of `context` (PostgreSQL gives no position
/// for runtime errors). Only when the file has exactly one DO block, so the frame cannot
/// belong to another; the column is the line's first non-blank character.
std::optional<script::Location> locate_in_do_block(const std::string& context,
                                                   const std::string& content);

}  // namespace pgmi::deploy
