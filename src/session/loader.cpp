#include "session/loader.hpp"

#include <fmt/format.h>

#include "util/resources.hpp"

namespace pgmi::session {

namespace {

constexpr const char* kSourceColumns =
    "path, name, directory, extension, depth, content, size_bytes, checksum, pgmi_checksum, "
    "path_parts, is_sql_file, is_test_file, parent_folder_name";

Error stage_error(const std::string& stage, const Error& cause) {
    Error e = cause;
    e.kind = ErrorKind::General;
    e.message = fmt::format("session preparation failed: {}: {}", stage, cause.message);
    return e;
}

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
        size_t slash = path.find('/', start);
        parts.push_back(path.substr(start, slash - start));
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }
    return parts;
}

std::string extension_of(std::string_view name) {
    size_t i = name.size();
    while (i > 0 && (std::isalnum(static_cast<unsigned char>(name[i - 1])) != 0 &&
                     static_cast<unsigned char>(name[i - 1]) < 0x80)) {
        --i;
    }
    if (i == name.size() || i == 0 || name[i - 1] != '.')
        return "";
    return std::string(name.substr(i - 1));
}

void append_array_literal(std::string& out, const std::vector<std::string_view>& parts) {
    out += '{';
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i > 0)
            out += ',';
        out += '"';
        for (char c : parts[i]) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
    }
    out += '}';
}

template <class F>
void copy_row(std::string& out, F&& fields) {
    bool first = true;
    auto field = [&](std::string_view v) {
        if (!first)
            out += '\t';
        first = false;
        pg::append_copy_text(out, v);
    };
    auto null_field = [&]() {
        if (!first)
            out += '\t';
        first = false;
        out += "\\N";
    };
    fields(field, null_field);
    out += '\n';
}

/// COPY text rows for _pgmi_source_metadata: one per file with a valid <pgmi-meta> block.
std::string metadata_copy_data(const std::vector<project::SourceFile>& files) {
    std::string out;
    for (const auto& f : files) {
        if (!f.metadata)
            continue;
        const project::Metadata& m = *f.metadata;
        // Always an array ('{}' when there are no keys); every element quoted, so keys keep
        // their surrounding white space.
        std::string keys;
        append_array_literal(keys,
                             std::vector<std::string_view>(m.sort_keys.begin(), m.sort_keys.end()));
        copy_row(out, [&](auto field, auto) {
            field(f.path);
            field(m.id.str());
            field(m.idempotent ? "t" : "f");
            field(keys);
            field(m.description);
        });
    }
    return out;
}

}  // namespace

Result<int> resolve_api_version(std::string_view compat) {
    if (compat.empty() || compat == "1")
        return 1;
    return make_error(ErrorKind::Config,
                      fmt::format("invalid configuration: unsupported API version \"{}\"; "
                                  "supported: [1]",
                                  compat));
}

std::string source_copy_data(const std::vector<project::SourceFile>& files) {
    size_t bytes = 0;
    for (const auto& f : files)
        bytes += f.content.size() + 3 * f.path.size() + 200;
    std::string out;
    out.reserve(bytes);
    for (const auto& f : files) {
        const auto parts = split_path(f.path);
        const size_t depth = parts.size() - 2;
        const std::string_view name = parts.back();
        std::string directory = "./";
        for (size_t i = 1; i + 1 < parts.size(); ++i) {
            directory += parts[i];
            directory += '/';
        }
        std::string array;
        append_array_literal(array, parts);
        copy_row(out, [&](auto field, auto null_field) {
            field(f.path);
            field(name);
            field(directory);
            field(extension_of(name));
            field(std::to_string(depth));
            field(f.content);
            field(std::to_string(f.content.size()));
            field(f.checksum);
            field(f.pgmi_checksum);
            field(array);
            field(f.is_sql ? "t" : "f");
            field("f");
            if (depth == 0) {
                null_field();
            } else {
                field(parts[parts.size() - 2]);
            }
        });
    }
    return out;
}

Result<Prepared> prepare(pg::Connection& conn, const project::Project& project,
                         const config::Params& params, int api_version, const VerboseLog& verbose) {
    Prepared prepared;

    verbose("Creating pg_temp internal tables");
    auto schema = resources::find("session/schema.sql");
    if (!schema)
        return make_error(ErrorKind::Unexpected, "session/schema.sql is not embedded");
    if (auto r = conn.exec(*schema); !r) {
        return stage_error("failed to create internal tables: failed to create pgmi schema",
                           r.error());
    }

    verbose("Loading files into pg_temp._pgmi_source");
    if (!project.files.empty()) {
        std::string data = source_copy_data(project.files);
        auto s = conn.copy_in(
            fmt::format("COPY pg_temp._pgmi_source ({}) FROM STDIN", kSourceColumns), data);
        if (!s)
            return stage_error("failed to load files: failed to insert source files", s.error());
    }
    if (std::string data = metadata_copy_data(project.files); !data.empty()) {
        auto s = conn.copy_in(
            "COPY pg_temp._pgmi_source_metadata (path, id, idempotent, sort_keys, description) "
            "FROM STDIN",
            data);
        if (!s)
            return stage_error("failed to load files: failed to insert metadata", s.error());
    }
    if (!project.test_dirs.empty()) {
        std::string data;
        for (const auto& d : project.test_dirs) {
            copy_row(data, [&](auto field, auto null_field) {
                field(d.path);
                if (d.parent_path) {
                    field(*d.parent_path);
                } else {
                    null_field();
                }
                field(std::to_string(d.depth));
            });
        }
        auto s = conn.copy_in(
            "COPY pg_temp._pgmi_test_directory (path, parent_path, depth) FROM STDIN", data);
        if (!s)
            return stage_error("failed to load files: failed to insert test directories",
                               s.error());
    }
    if (!project.tests.empty()) {
        std::string data;
        for (const auto& t : project.tests) {
            copy_row(data, [&](auto field, auto) {
                field(t.path);
                field(t.directory);
                field(t.filename);
                field(t.content);
                field(t.is_fixture ? "t" : "f");
            });
        }
        auto s = conn.copy_in(
            "COPY pg_temp._pgmi_test_source (path, directory, filename, content, is_fixture) "
            "FROM STDIN",
            data);
        if (!s)
            return stage_error("failed to load files: failed to insert test files", s.error());
    }
    if (project.scanned_files > 0) {
        // Row counts and statistics for the columns queries filter, join and sort on. Not for
        // contents, checksums or path_parts: nobody plans by them, and their statistics were 80%
        // of the ANALYZE (24 ms of 5,000 files).
        auto r = conn.exec(
            "ANALYZE pg_temp._pgmi_source (path, name, directory, extension, depth, size_bytes, "
            "is_sql_file, is_test_file, parent_folder_name), "
            "pg_temp._pgmi_source_metadata (path, id, idempotent), "
            "pg_temp._pgmi_test_source (path, directory, filename, is_fixture), "
            "pg_temp._pgmi_test_directory");
        if (!r)
            return stage_error("failed to analyze session tables", r.error());
    }
    prepared.files_loaded = project.scanned_files;

    verbose("Loading parameters into pg_temp._pgmi_parameter");
    if (!params.empty()) {
        // Values travel as COPY data, never in SQL text or bind parameters: log_statement=all
        // logs a statement's text and its bind values, but not COPY data. The set_config()
        // statement below reads them from the table, so it logs no value either.
        std::string data;
        for (const auto& param : params) {  // not a structured binding: clang 14 cannot capture one
            copy_row(data, [&](auto field, auto) {
                field(param.first);
                field(param.second);
            });
        }
        if (auto s = conn.copy_in("COPY pg_temp._pgmi_parameter (key, value) FROM STDIN", data);
            !s) {
            return stage_error("failed to load parameters: failed to insert parameters", s.error());
        }
        if (auto r = conn.exec("SELECT set_config('pgmi.' || key, value, false) "
                               "FROM pg_temp._pgmi_parameter");
            !r) {
            return stage_error("failed to load parameters: failed to set pgmi.* settings",
                               r.error());
        }
    }
    prepared.params_loaded = params.size();

    verbose("Applying API contract");
    auto api = resources::find(fmt::format("session/api-v{}.sql", api_version));
    if (!api) {
        return make_error(ErrorKind::Config, fmt::format("invalid configuration: unsupported API "
                                                         "version \"{}\"; supported: [1]",
                                                         api_version));
    }
    if (auto r = conn.exec(*api); !r) {
        return stage_error(
            fmt::format("failed to apply API contract: failed to apply API v{}", api_version),
            r.error());
    }
    verbose(fmt::format("Applied API contract v{}", api_version));
    return prepared;
}

}  // namespace pgmi::session
