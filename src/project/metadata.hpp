// <pgmi-meta> blocks of SQL files (session-api §5): finding the block with the shared SQL lexer,
// reading its XML (pugixml, Go encoding/xml semantics), validating it, finding ids shared by
// several files, and rendering every problem of a project as one Config error.
//
// Lines in problems are lines of the file (1-based), not of the comment. A file has at most one
// problem: a structural one (old format, two blocks, too large, XML syntax, a value that does not
// decode) or the numbered list of every validation rule it breaks.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace pgmi::project {

/// A UUID as its 16 bytes. No version or variant rules: generic ids are raw MD5 bytes.
struct Uuid {
    std::array<unsigned char, 16> bytes{};

    bool is_nil() const;
    /// Canonical lower-case 8-4-4-4-12 text (what PostgreSQL prints for a uuid).
    std::string str() const;
    auto operator<=>(const Uuid&) const = default;
};

/// Parses what the reference accepts: 36-char hyphenated hex (any case), any 38-char wrapper of
/// it, a `urn:uuid:` prefix, or 32 bare hex digits; no trimming. Errors read `invalid UUID
/// length: <n>`, `invalid UUID format` or `invalid urn prefix: "<p>"`.
Result<Uuid> parse_uuid(std::string_view text);

/// The MD5 of `text` used directly as UUID bytes: `generic_id` of a path, equal to the session's
/// `md5(convert_to(path, 'UTF8'))::uuid`.
Uuid md5_uuid(std::string_view text);

/// A valid <pgmi-meta> block.
struct Metadata {
    Uuid id;                             // never nil
    bool idempotent = true;              //
    std::vector<std::string> sort_keys;  // document order, untrimmed, none blank; may be empty
    std::string description;             // untrimmed; "" when absent
    size_t line = 0;                     // line of the <pgmi-meta> element in its file
};

/// Why one file's block cannot be used, rendered in full.
struct MetadataProblem {
    std::string path;
    size_t line = 0;          // 1-based line in the file (0 = unknown)
    std::string text;         // "metadata error in <path> (line L): ..." or the numbered list
    bool validation = false;  // a numbered list of broken rules (vs a structural error)
};

/// What a SQL file's block comments hold: nothing, a valid block, or a problem.
struct Extraction {
    std::optional<Metadata> metadata;
    std::optional<MetadataProblem> problem;
};

/// Largest metadata block (the trimmed comment text), in bytes.
constexpr size_t kMaxMetadataBytes = 10240;

/// Finds, parses and validates the <pgmi-meta> block of a SQL file's `content`; `path` names the
/// file in problems. Never fails otherwise, never throws; linear in the size of `content` (any
/// bytes are accepted, though the scanner passes only UTF-8 text).
Extraction extract_metadata(std::string_view content, std::string_view path);

/// An id claimed by more than one file.
struct DuplicateId {
    Uuid id;
    std::vector<std::string> paths;  // C order
};

/// Ids used by more than one (path, id) pair, ordered by id; each with every path that uses it.
std::vector<DuplicateId> find_duplicate_ids(std::span<const std::pair<std::string, Uuid>> uses);

/// "duplicate <pgmi-meta id> across files; ...:\n  <id>: <path>, <path>" (one line per id).
std::string duplicate_ids_text(const std::vector<DuplicateId>& duplicates);

/// The one Config error of a project whose metadata is wrong: every problem in the given order,
/// then every duplicate id, then (when a rule was broken) where the format is documented.
Error metadata_error(const std::vector<MetadataProblem>& problems,
                     const std::vector<DuplicateId>& duplicates);

}  // namespace pgmi::project
