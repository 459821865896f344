// The walk reads each directory once (names sorted byte-wise) and reads each file with one
// open/fstat/read. Links are never followed inside the project, even under a race: the root is
// opened once (it may itself be a link to a directory), and every directory and file below it,
// deploy.sql included, is opened relative to its parent's descriptor with O_NOFOLLOW. A directory
// swapped for a link while the scan runs is refused, never entered; the walk holds one descriptor
// per level of nesting.
#include "project/scanner.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <set>
#include <string_view>
#include <utility>

#include "project/checksum.hpp"
#include "project/normalizer.hpp"
#include "project/utf8.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace pgmi::project {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string os_error(int err) {
    return std::strerror(err);
}

/// Entries the walk neither loads nor enters: hidden names, node_modules, __pycache__.
bool is_skipped_name(std::string_view name) {
    return name.front() == '.' || name == "node_modules" || name == "__pycache__";
}

/// Go's unicode.IsPrint, closely enough for quoting paths in messages.
bool is_printable(char32_t c) {
    if (c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0xAD)
        return false;
    if (c == 0x1680 || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F))
        return false;
    if ((c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF)
        return false;
    return !(c >= 0xFFF9 && c <= 0xFFFB);
}

/// A string quoted like Go's %q: printable UTF-8 kept, everything else escaped.
std::string quote_like_go(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "\"";
    size_t i = 0;
    while (i < s.size()) {
        const CodePoint cp = decode_utf8(s, i);
        if (cp.length == 0) {
            const auto b = static_cast<unsigned char>(s[i]);
            out += "\\x";
            out += kHex[b >> 4];
            out += kHex[b & 0xF];
            ++i;
            continue;
        }
        const char32_t c = cp.value;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\a':
                out += "\\a";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\v':
                out += "\\v";
                break;
            default:
                if (is_printable(c)) {
                    out.append(s.substr(i, cp.length));
                } else if (c < 0x80) {
                    out += "\\x";
                    out += kHex[c >> 4];
                    out += kHex[c & 0xF];
                } else {
                    out += "\\u";
                    for (int shift = 12; shift >= 0; shift -= 4)
                        out += kHex[(c >> shift) & 0xF];
                }
        }
        i += cp.length;
    }
    out += '"';
    return out;
}

/// What the directory segments named __x__ say about a path (session-api §1.3 step 6, §1.6).
/// Emulates the successive non-overlapping matches of /__([^/]+)__/: a match consumes the '/' after
/// its segment, so the segment directly following a matched one is not examined.
struct DunderSegments {
    bool is_test = false;
    std::string_view unsupported;  // first captured name other than test/tests
};

DunderSegments classify_dunder(std::string_view path) {
    DunderSegments result;
    size_t slash = path.find('/');
    while (slash != std::string_view::npos) {
        const size_t end = path.find('/', slash + 1);
        if (end == std::string_view::npos)
            break;
        const std::string_view segment = path.substr(slash + 1, end - slash - 1);
        if (segment.size() >= 5 && segment.starts_with("__") && segment.ends_with("__")) {
            const std::string_view name = segment.substr(2, segment.size() - 4);
            if (name == "test" || name == "tests") {
                result.is_test = true;
            } else if (result.unsupported.empty()) {
                result.unsupported = name;
            }
            slash = path.find('/', end + 1);
        } else {
            slash = end;
        }
    }
    return result;
}

/// Segments after the first /__test__/ or /__tests__/ of a test directory path (session-api §1.6).
int test_depth(std::string_view dir) {
    size_t at = dir.find("/__test__/");
    size_t len = 10;
    const size_t tests = dir.find("/__tests__/");
    if (tests < at) {
        at = tests;
        len = 11;
    }
    if (at == std::string_view::npos)
        return 0;
    const std::string_view rest = dir.substr(at + len);
    return static_cast<int>(std::count(rest.begin(), rest.end(), '/'));
}

/// Removes one leading UTF-8 BOM; returns how many bytes went.
size_t strip_bom(std::string& content) {
    if (!std::string_view(content).starts_with(kBom))
        return 0;
    content.erase(0, kBom.size());
    return kBom.size();
}

Error config(std::string message) {
    return make_error(ErrorKind::Config, std::move(message));
}
Error general(std::string message) {
    return make_error(ErrorKind::General, std::move(message));
}

Error symlink_error(const std::string& path) {
    return config(path +
                  " is a symbolic link; pgmi does not follow links inside a project (copy the file "
                  "in, or move the link into a hidden directory)");
}

Error not_regular_error(const std::string& path, std::string_view what) {
    return config(path + " is a " + std::string(what) +
                  ", not a regular file; pgmi loads only regular files from a project (move it "
                  "into a hidden directory)");
}

unsigned char dirent_type(mode_t mode) {
    if (S_ISREG(mode))
        return DT_REG;
    if (S_ISDIR(mode))
        return DT_DIR;
    if (S_ISLNK(mode))
        return DT_LNK;
    if (S_ISFIFO(mode))
        return DT_FIFO;
    if (S_ISSOCK(mode))
        return DT_SOCK;
    if (S_ISCHR(mode))
        return DT_CHR;
    if (S_ISBLK(mode))
        return DT_BLK;
    return DT_UNKNOWN;
}

struct Entry {
    std::string name;
    unsigned char type;
};

/// The rules the session tables hold every project path to (resources/session/schema.sql),
/// checked here so a project that breaks one is refused offline (exit 10) with the file named,
/// not by a server constraint after connecting.
constexpr size_t kMaxDepth = 100;  // directories between the project root and a file

/// The one refusal of a path deeper than kMaxDepth: `what` is "file" or "directory".
Status too_deep(std::string_view what, const std::string& path, size_t depth) {
    return config(std::string(what) + " " + go_quote(path.substr(0, 60) + "...") + " is " +
                  std::to_string(depth) + " directories deep; pgmi allows at most " +
                  std::to_string(kMaxDepth));
}

Status check_session_path(const std::string& path, const std::string& name) {
    if (path.find('\\') != std::string::npos) {
        return config("file name " + go_quote(path) +
                      " contains a backslash; rename it (pgmi paths use '/' only)");
    }
    if (name.find_first_not_of(' ') == std::string::npos) {
        return config("file name " + go_quote(path) + " is only spaces; rename it");
    }
    if (const auto depth = static_cast<size_t>(std::count(path.begin(), path.end(), '/')) - 1;
        depth > kMaxDepth) {
        return too_deep("file", path, depth);
    }
    return Status::ok();
}

/// The walk of session-api §1.2–1.3 over one project.
class Walker {
  public:
    Walker(const ScanOptions& options, Project& project) : options_(options), project_(project) {}

    /// Walks the directory open at `dir` (path `rel`, "" = the root) and everything below it.
    Status walk(int dir, const std::string& rel) {
        auto entries = list(dir, rel);
        if (!entries)
            return std::move(entries).error();
        for (Entry& entry : entries.value()) {
            if (is_skipped_name(entry.name))
                continue;
            const std::string child = rel.empty() ? entry.name : rel + "/" + entry.name;
            if (entry.type == DT_UNKNOWN) {
                struct stat st {};
                if (::fstatat(dir, entry.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
                    std::string message = "failed to read ./" + child;
                    message += ": lstat " + child + ": " + os_error(errno);
                    return general(std::move(message));
                }
                entry.type = dirent_type(st.st_mode);
            }
            // The root deploy.sql is the script, not a project file (any case, root only).
            if (rel.empty() && entry.type != DT_DIR && util::to_lower(entry.name) == "deploy.sql") {
                continue;
            }
            Status status = entry.type == DT_DIR ? enter(dir, entry.name, child)
                                                 : load(dir, entry.name, child, entry.type);
            if (!status)
                return status;
        }
        return Status::ok();
    }

    /// Every <pgmi-meta> problem met so far, in scan order.
    std::vector<MetadataProblem>& metadata_problems() { return metadata_problems_; }

    /// Test directory rows: parents resolved across gaps, ordered by depth then path.
    std::vector<TestDirectory> test_directories() const {
        std::vector<TestDirectory> rows;
        rows.reserve(test_dirs_.size());
        for (const std::string& dir : test_dirs_) {
            TestDirectory row{dir, std::nullopt, test_depth(dir)};
            std::string_view up = dir;
            while (up.size() > 1) {
                const size_t cut = up.rfind('/', up.size() - 2);
                if (cut == std::string_view::npos)
                    break;
                up = up.substr(0, cut + 1);
                if (auto it = test_dirs_.find(std::string(up)); it != test_dirs_.end()) {
                    row.parent_path = *it;
                    break;
                }
            }
            rows.push_back(std::move(row));
        }
        std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
            return a.depth < b.depth;  // test_dirs_ is already in path order
        });
        return rows;
    }

  private:
    /// Opens the subdirectory `name` of `dir` without following a link (one swapped in after
    /// readdir typed the entry is refused here) and walks it.
    Status enter(int dir, const std::string& name, const std::string& rel) {
        // The walk recurses per directory: bounded here, before a deep empty tree (thousands of
        // levels) overflows the stack; a file that deep could not be loaded anyway.
        if (const auto depth = static_cast<size_t>(std::count(rel.begin(), rel.end(), '/')) + 1;
            depth > kMaxDepth) {
            return too_deep("directory", "./" + rel, depth);
        }
        const util::Fd sub(
            ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub) {
            if (errno == ELOOP)
                return symlink_error("./" + rel);
            return general("error walking path: open ./" + rel + ": " + os_error(errno));
        }
        return walk(sub.get(), rel);
    }

    /// The names in the directory open at `dir`, in C order.
    static Result<std::vector<Entry>> list(int dir, const std::string& rel) {
        // A descriptor of its own for readdir (closedir closes it); "." is the directory itself.
        const int fd = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR* stream = fd < 0 ? nullptr : ::fdopendir(fd);
        if (stream == nullptr) {
            const int err = errno;
            if (fd >= 0)
                ::close(fd);
            return general("error walking path: open ./" + rel + ": " + os_error(err));
        }
        std::vector<Entry> entries;
        for (;;) {
            errno = 0;
            const dirent* e = ::readdir(stream);
            if (e == nullptr)
                break;
            const std::string_view name = e->d_name;
            if (name == "." || name == "..")
                continue;
            entries.push_back({std::string(name), e->d_type});
        }
        const int err = errno;
        ::closedir(stream);
        if (err != 0)
            return general("error walking path: read ./" + rel + ": " + os_error(err));
        // std::string compares as unsigned bytes: C order.
        std::sort(entries.begin(), entries.end(),
                  [](const Entry& a, const Entry& b) { return a.name < b.name; });
        return entries;
    }

    /// The per-file pipeline of session-api §1.3 for `name` in the directory open at `dir`; the
    /// first failing step wins.
    Status load(int dir, const std::string& name, const std::string& rel, unsigned char type) {
        const std::string path = "./" + rel;
        // Paths are stored as text in the session, so they must be UTF-8 like the contents.
        if (size_t bad = first_invalid_utf8(rel); bad != std::string_view::npos) {
            return config("file name " + go_quote(path) +
                          " is not valid UTF-8; rename it (pgmi stores project paths as text)");
        }
        if (Status named = check_session_path(path, name); !named)
            return named;
        // 1. Never follow a link; refuse anything that is not a regular file (a named pipe would
        //    block the scan). readdir's type is checked first; the read checks again on the
        //    open descriptor, so a swap in between is refused too.
        if (type == DT_LNK)
            return symlink_error(path);
        if (type != DT_REG)
            return not_regular_error(path, util::file_type_name(DTTOIF(type)));
        // 2-3. Size cap, checked on disk and while reading (at most cap+1 bytes are read).
        const size_t cap = options_.max_file_size;
        util::ReadResult read = util::read_regular_file(name, {.max_bytes = cap,
                                                               .follow_symlinks = false,
                                                               .dir_fd = dir,
                                                               .shown = path,
                                                               .seen_regular = true});
        if (!read) {
            const util::FileError& e = read.error();
            switch (e.fault) {
                case util::FileFault::Symlink:
                    return symlink_error(path);
                case util::FileFault::Directory:
                case util::FileFault::Special:
                    return not_regular_error(path, util::file_type_name(e.mode));
                case util::FileFault::TooLarge:
                    return config("failed to read " + path + ": file " + rel + " is " +
                                  std::to_string(e.size) + " bytes, exceeds " +
                                  std::to_string(cap) +
                                  "-byte cap (override via PGMI_MAX_FILE_SIZE)");
                case util::FileFault::Grew:
                    return config("failed to read " + path + ": file " + rel + " grew past the " +
                                  std::to_string(cap) +
                                  "-byte cap during read (override via PGMI_MAX_FILE_SIZE)");
                case util::FileFault::Missing:
                case util::FileFault::Unreadable:
                    break;
            }
            return general("failed to read " + path + ": " + std::string(e.step) + " " + rel +
                           ": " + os_error(e.os_error));
        }
        std::string content = std::move(read).value();
        // 4. One leading BOM. (5. Checksums cannot fail; computed below, for source files only.)
        const size_t bom = strip_bom(content);
        // 6. Only __test__ and __tests__ among __x__ directories.
        const DunderSegments dunder = classify_dunder(path);
        if (!dunder.unsupported.empty()) {
            return config("unsupported directory " +
                          go_quote("__" + std::string(dunder.unsupported) + "__") + " in path " +
                          go_quote(path) +
                          "; only __test__ and __tests__ are allowed: invalid configuration");
        }
        // 7-8. Text only: no NUL, valid UTF-8. Offsets are into the file as stored on disk.
        if (content.find('\0') != std::string::npos) {
            return config("file " + path +
                          " contains a NUL byte; pgmi loads project files as text, so move this "
                          "file outside the project path or into a hidden directory");
        }
        if (size_t bad = first_invalid_utf8(content); bad != std::string_view::npos) {
            return config("file " + path + " is not valid UTF-8 (first invalid byte at offset " +
                          std::to_string(bad + bom) + "); pgmi loads project files as text");
        }
        if (dunder.is_test) {
            add_test(path, std::move(content));
            return Status::ok();
        }
        SourceFile file;
        file.path = path;
        file.checksum = sha256_hex(content);
        file.pgmi_checksum = sha256_hex(normalize(content));
        file.is_sql = is_sql_file_name(path.substr(path.rfind('/') + 1));
        file.content = std::move(content);
        // 9. <pgmi-meta> of non-test SQL files (session-api §5). Problems are collected, not
        // returned, so
        //    one run lists every bad file.
        if (file.is_sql) {
            Extraction extracted = extract_metadata(file.content, path);
            if (extracted.problem)
                metadata_problems_.push_back(std::move(*extracted.problem));
            file.metadata = std::move(extracted.metadata);
        }
        project_.files.push_back(std::move(file));
        return Status::ok();
    }

    void add_test(const std::string& path, std::string content) {
        const size_t slash = path.rfind('/');
        std::string directory = path.substr(0, slash + 1);
        std::string filename = path.substr(slash + 1);
        test_dirs_.insert(directory);
        if (!is_sql_file_name(filename))
            return;  // data.csv etc.: a directory row, nothing else
        const std::string lower = util::to_lower(filename);
        const bool fixture = lower == "_setup.sql" || lower == "_setup.psql";
        project_.tests.push_back(
            {path, std::move(directory), std::move(filename), std::move(content), fixture});
    }

    const ScanOptions& options_;
    Project& project_;
    std::set<std::string> test_dirs_;  // C order
    std::vector<MetadataProblem> metadata_problems_;
};

/// Reads the root deploy.sql (session-api §1.1 rows 3-4, then its own text rules) from the root
/// open at `root_fd`. Never through a link: deploy.sql is sent to the server, and a link could make
/// that any file the deploying user can read.
Result<std::string> read_deploy_sql(int root_fd, const std::string& root, size_t cap) {
    const std::string shown = (std::filesystem::path(root) / "deploy.sql").string();
    util::ReadResult read = util::read_regular_file(
        "deploy.sql",
        {.max_bytes = cap, .follow_symlinks = false, .dir_fd = root_fd, .shown = shown});
    if (!read) {
        const util::FileError& e = read.error();
        switch (e.fault) {
            case util::FileFault::Missing:
                return make_error(ErrorKind::ProjectMissing,
                                  "deploy.sql not found in " + root + "\nexpected: " + shown +
                                      " \xE2\x80\x94 run `pgmi init` to scaffold one");
            case util::FileFault::Symlink:
                return config(shown +
                              " is a symbolic link; pgmi does not follow links inside a project "
                              "(copy the file in; the project directory itself may be a link)");
            case util::FileFault::Directory:
                return config(shown + " is a directory, expected a regular file");
            case util::FileFault::Special:
                return not_regular_error(shown, util::file_type_name(e.mode));
            case util::FileFault::TooLarge:
                return config(shown + " is " + std::to_string(e.size) + " bytes, over the " +
                              util::format_size(cap) +
                              " limit for deploy.sql (raise it with PGMI_MAX_FILE_SIZE)");
            case util::FileFault::Grew:
                return config(shown + " grew past the " + util::format_size(cap) +
                              " limit for deploy.sql while being read (raise it with "
                              "PGMI_MAX_FILE_SIZE)");
            case util::FileFault::Unreadable:
                break;
        }
        return general("failed to read " + shown + ": " + os_error(e.os_error));
    }
    std::string content = std::move(read).value();
    const size_t bom = strip_bom(content);
    if (const size_t at = content.find('\0'); at != std::string::npos) {
        return config("deploy.sql contains a NUL byte (at offset " + std::to_string(at + bom) +
                      "); re-save the file as UTF-8 text");
    }
    if (size_t bad = first_invalid_utf8(content); bad != std::string_view::npos) {
        return config("deploy.sql is not valid UTF-8 (first invalid byte at offset " +
                      std::to_string(bad + bom) + "); re-save the file as UTF-8");
    }
    return content;
}

}  // namespace

std::string go_quote(std::string_view s) {
    return quote_like_go(s);
}

bool is_sql_file_name(std::string_view name) {
    const size_t dot = name.rfind('.');
    if (dot == std::string_view::npos)
        return false;
    const std::string ext = util::to_lower(name.substr(dot));
    static constexpr std::string_view kSql[] = {".sql", ".ddl",  ".dml",   ".dql",
                                                ".dcl", ".psql", ".pgsql", ".plpgsql"};
    return std::find(std::begin(kSql), std::end(kSql), ext) != std::end(kSql);
}

Result<Project> scan(const std::filesystem::path& root, const ScanOptions& options) {
    const std::string p = root.string();
    // The root may itself be a link to a directory: this one open follows it, and everything
    // below is opened relative to this descriptor. O_PATH: listing needs read permission, but
    // deploy.sql may be read from a directory that only grants search.
    const util::Fd root_fd(p.empty() ? -1 : ::open(p.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd) {
        const int err = p.empty() ? ENOENT : errno;
        struct stat st {};
        if (err == ENOTDIR && ::stat(p.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
            return config("\"" + p +
                          "\" is a file; pass the project directory: invalid configuration");
        }
        if (err == ENOENT || err == ENOTDIR) {
            return config("project path \"" + p + "\" does not exist: invalid configuration");
        }
        return general("cannot access project path \"" + p + "\": " + os_error(err));
    }
    Project project;
    project.root = root;
    if (options.read_deploy_sql) {
        auto deploy_sql =
            read_deploy_sql(root_fd.get(), p, std::max(kDeploySqlMaxBytes, options.max_file_size));
        if (!deploy_sql)
            return std::move(deploy_sql).error();
        project.deploy_sql = std::move(deploy_sql).value();
    }
    Walker walker(options, project);
    if (Status walked = walker.walk(root_fd.get(), ""); !walked)
        return std::move(walked).error();
    project.test_dirs = walker.test_directories();
    project.scanned_files = project.files.size() + project.tests.size();

    // session-api §5.5: ids must be unique across files (problems and duplicates are reported
    // together).
    std::vector<std::pair<std::string, Uuid>> ids;
    for (const SourceFile& f : project.files) {
        if (f.metadata)
            ids.emplace_back(f.path, f.metadata->id);
    }
    std::vector<DuplicateId> duplicates = find_duplicate_ids(ids);
    std::vector<MetadataProblem>& problems = walker.metadata_problems();
    if (!options.metadata_errors_fatal) {
        project.metadata_problems = std::move(problems);
        project.duplicate_ids = std::move(duplicates);
    } else if (!problems.empty() || !duplicates.empty()) {
        return metadata_error(problems, duplicates);
    }
    return project;
}

}  // namespace pgmi::project
