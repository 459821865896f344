// Reads a project directory into memory, offline, before any connection (session-api §1).
// Every rule that can reject a project is applied here, so a bad project never reaches a server.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "project/metadata.hpp"
#include "util/error.hpp"

namespace pgmi::project {

struct SourceFile {
    std::string path;           // "./" + relative path with '/' separators
    std::string content;        // bytes after stripping one leading UTF-8 BOM
    std::string checksum;       // SHA-256 hex of content
    std::string pgmi_checksum;  // SHA-256 hex of normalize(content)
    bool is_sql = false;        // extension in the SQL list (scanner rule, session-api §1.5)
    std::optional<Metadata> metadata;  // a valid <pgmi-meta> block (SQL files only)
};

struct TestFile {
    std::string path;       // "./.../__test__/.../x.sql"
    std::string directory;  // path through the last '/'
    std::string filename;
    std::string content;
    bool is_fixture = false;  // _setup.sql / _setup.psql (case-insensitive)
};

struct TestDirectory {
    std::string path;                        // ends with '/'
    std::optional<std::string> parent_path;  // nearest ancestor in the set, or none (root)
    int depth = 0;                           // segments after the first /__test(s)__/
};

struct Project {
    std::filesystem::path root;
    std::string deploy_sql;                // root deploy.sql, BOM stripped, valid UTF-8
    std::vector<SourceFile> files;         // non-test files, scan order (C order, pre-order)
    std::vector<TestFile> tests;           // SQL files under __test__/__tests__, scan order
    std::vector<TestDirectory> test_dirs;  // ordered by depth, then path
    size_t scanned_files = 0;              // every file loaded (files + tests)
    // Filled only when ScanOptions::metadata_errors_fatal is false (scan order; ids by id).
    std::vector<MetadataProblem> metadata_problems;
    std::vector<DuplicateId> duplicate_ids;
};

/// deploy.sql's cap: this, or ScanOptions::max_file_size when that is larger. Real scripts are far
/// smaller (the benchmark's 10 MB one included); the cap only bounds memory for a hostile file.
inline constexpr size_t kDeploySqlMaxBytes = size_t{64} * 1024 * 1024;

struct ScanOptions {
    size_t max_file_size =
        size_t{10} * 1024 * 1024;  // per project file; PGMI_MAX_FILE_SIZE in the CLI
    // false: every <pgmi-meta> problem and duplicate id lands in the Project instead of failing.
    bool metadata_errors_fatal = true;
    // false: the root deploy.sql is neither required nor read (`pgmi info` on any directory).
    bool read_deploy_sql = true;
};

/// Scans `root` (itself may be a link to a directory; links inside it, deploy.sql included, are
/// refused, also when swapped in during the scan). Every rule about the project's content is
/// checked here, before any connection: ProjectMissing (no deploy.sql); Config (bad path,
/// deploy.sql a link, a directory, over its cap or not UTF-8 text, __x__ directory, NUL byte,
/// invalid UTF-8 in a file or a file name, symlink, named pipe or other special file, size cap);
/// General (I/O: unreadable directory or file, with the OS error). The first failing file in
/// scan order is reported. Then every <pgmi-meta> problem of every file and every id shared by
/// several files fail the scan together as one Config error (metadata_error()). Messages carry
/// no "file scanning failed" prefix; callers add context.
Result<Project> scan(const std::filesystem::path& root, const ScanOptions& options = {});

/// SQL file by the scanner rule: suffix from the last '.', lower-cased, in the SQL list.
bool is_sql_file_name(std::string_view name);

/// `s` quoted like Go's %q: printable UTF-8 kept, everything else escaped (for messages).
std::string go_quote(std::string_view s);

}  // namespace pgmi::project
