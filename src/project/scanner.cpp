// The walk reads each directory once (names sorted byte-wise), keeps at most one directory open at
// a time, and reads each file with one open/fstat/read. Links are never followed inside the
// project: entries are typed from readdir (lstat when the file system does not say) and files are
// opened with O_NOFOLLOW, so a link swapped in during the scan is refused, not read.
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

namespace pgmi::project {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string os_error(int err) {
    return std::strerror(err);
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
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

/// What the directory segments named __x__ say about a path (§1.3 step 6, §1.6). Emulates the
/// successive non-overlapping matches of /__([^/]+)__/: a match consumes the '/' after its
/// segment, so the segment directly following a matched one is not examined.
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

/// Segments after the first /__test__/ or /__tests__/ of a test directory path (§1.6).
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

class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

/// Reads `fd` to its end, or until more than `limit` bytes arrived (then out.size() > limit).
/// Returns 0 or an errno value.
int read_bounded(int fd, size_t size_hint, size_t limit, std::string& out) {
    const size_t stop = limit == SIZE_MAX ? SIZE_MAX : limit + 1;
    // One byte past the expected size, so a file that grew is noticed without another syscall.
    out.resize(std::min(size_hint, stop - 1) + 1);
    size_t got = 0;
    while (got < stop) {
        if (got == out.size())
            out.resize(std::min(std::max(got * 2, size_t{4096}), stop));
        const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            break;
        got += static_cast<size_t>(n);
    }
    out.resize(got);
    return 0;
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

Error not_regular_error(const std::string& path, const char* what) {
    return config(path + " is a " + what +
                  ", not a regular file; pgmi loads only regular files from a project (move it "
                  "into a hidden directory)");
}

const char* special_file_kind(mode_t mode) {
    if (S_ISFIFO(mode))
        return "named pipe";
    if (S_ISSOCK(mode))
        return "socket";
    if (S_ISCHR(mode))
        return "character device";
    if (S_ISBLK(mode))
        return "block device";
    return "special file";
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

/// The walk of §1.2–1.3 over one project.
class Walker {
  public:
    Walker(std::string root, const ScanOptions& options, Project& project)
        : root_(std::move(root)), options_(options), project_(project) {}

    /// Walks the directory at `rel` ("" = the root) and everything below it.
    Status walk(const std::string& rel) {
        auto entries = list(rel);
        if (!entries)
            return std::move(entries).error();
        for (Entry& entry : entries.value()) {
            if (is_skipped_name(entry.name))
                continue;
            const std::string child = rel.empty() ? entry.name : rel + "/" + entry.name;
            if (entry.type == DT_UNKNOWN) {
                struct stat st {};
                if (::lstat(os_path(child).c_str(), &st) != 0) {
                    return general("failed to read ./" + child + ": lstat " + child + ": " +
                                   os_error(errno));
                }
                entry.type = dirent_type(st.st_mode);
            }
            // The root deploy.sql is the script, not a project file (any case, root only).
            if (rel.empty() && entry.type != DT_DIR && lower_ascii(entry.name) == "deploy.sql") {
                continue;
            }
            Status status = entry.type == DT_DIR ? walk(child) : load(child, entry.type);
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
    std::string os_path(const std::string& rel) const { return root_ + "/" + rel; }

    Result<std::vector<Entry>> list(const std::string& rel) const {
        const std::string dir_path = rel.empty() ? root_ : os_path(rel);
        DIR* dir = ::opendir(dir_path.c_str());
        if (dir == nullptr) {
            return general("error walking path: open ./" + rel + ": " + os_error(errno));
        }
        std::vector<Entry> entries;
        for (;;) {
            errno = 0;
            const dirent* e = ::readdir(dir);
            if (e == nullptr)
                break;
            const std::string_view name = e->d_name;
            if (name == "." || name == "..")
                continue;
            entries.push_back({std::string(name), e->d_type});
        }
        const int err = errno;
        ::closedir(dir);
        if (err != 0)
            return general("error walking path: read ./" + rel + ": " + os_error(err));
        // std::string compares as unsigned bytes: C order.
        std::sort(entries.begin(), entries.end(),
                  [](const Entry& a, const Entry& b) { return a.name < b.name; });
        return entries;
    }

    /// The per-file pipeline of §1.3; the first failing step wins.
    Status load(const std::string& rel, unsigned char type) {
        const std::string path = "./" + rel;
        // Paths are stored as text in the session, so they must be UTF-8 like the contents.
        if (size_t bad = first_invalid_utf8(rel); bad != std::string_view::npos) {
            return config("file name " + go_quote(path) +
                          " is not valid UTF-8; rename it (pgmi stores project paths as text)");
        }
        // 1. Never follow a link; refuse anything that is not a regular file (a named pipe would
        //    block the scan).
        if (type == DT_LNK)
            return symlink_error(path);
        if (type != DT_REG)
            return not_regular_error(path, special_file_kind(DTTOIF(type)));
        const Fd fd(::open(os_path(rel).c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        if (fd.get() < 0) {
            if (errno == ELOOP)
                return symlink_error(path);
            return general("failed to read " + path + ": open " + rel + ": " + os_error(errno));
        }
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0) {
            return general("failed to read " + path + ": stat " + rel + ": " + os_error(errno));
        }
        if (!S_ISREG(st.st_mode))
            return not_regular_error(path, special_file_kind(st.st_mode));
        // 2. Size cap.
        const size_t cap = options_.max_file_size;
        const auto size = static_cast<uintmax_t>(st.st_size);
        if (size > cap) {
            return config("failed to read " + path + ": file " + rel + " is " +
                          std::to_string(size) + " bytes, exceeds " + std::to_string(cap) +
                          "-byte cap (override via PGMI_MAX_FILE_SIZE)");
        }
        // 3. Read at most cap+1 bytes.
        std::string content;
        if (int err = read_bounded(fd.get(), static_cast<size_t>(size), cap, content); err != 0) {
            return general("failed to read " + path + ": read " + rel + ": " + os_error(err));
        }
        if (content.size() > cap) {
            return config("failed to read " + path + ": file " + rel + " grew past the " +
                          std::to_string(cap) +
                          "-byte cap during read (override via PGMI_MAX_FILE_SIZE)");
        }
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
        if (std::memchr(content.data(), '\0', content.size()) != nullptr) {
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
        // 9. <pgmi-meta> of non-test SQL files (§5). Problems are collected, not returned, so
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
        const std::string lower = lower_ascii(filename);
        const bool fixture = lower == "_setup.sql" || lower == "_setup.psql";
        project_.tests.push_back(
            {path, std::move(directory), std::move(filename), std::move(content), fixture});
    }

    std::string root_;
    const ScanOptions& options_;
    Project& project_;
    std::set<std::string> test_dirs_;  // C order
    std::vector<MetadataProblem> metadata_problems_;
};

/// Reads the root deploy.sql (§1.1 rows 3-4, then its own text rules; no size cap).
Result<std::string> read_deploy_sql(const std::string& root) {
    const std::string shown = (std::filesystem::path(root) / "deploy.sql").string();
    struct stat st {};
    if (::stat(shown.c_str(), &st) != 0) {
        const int err = errno;
        struct stat lst {};
        if (err == ENOENT && ::lstat(shown.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
            return config(shown + " is a symbolic link to a file that does not exist");
        }
        if (err == ENOENT || err == ENOTDIR) {
            return make_error(ErrorKind::ProjectMissing,
                              "deploy.sql not found in " + root + "\nexpected: " + shown +
                                  " \xE2\x80\x94 run `pgmi init` to scaffold one");
        }
        return general("cannot access " + shown + ": " + os_error(err));
    }
    if (S_ISDIR(st.st_mode))
        return config(shown + " is a directory, expected a regular file");
    if (!S_ISREG(st.st_mode))
        return not_regular_error(shown, special_file_kind(st.st_mode));
    const Fd fd(::open(shown.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (fd.get() < 0)
        return general("failed to read " + shown + ": " + os_error(errno));
    std::string content;
    if (int err = read_bounded(fd.get(), static_cast<size_t>(st.st_size), SIZE_MAX, content);
        err != 0) {
        return general("failed to read " + shown + ": " + os_error(err));
    }
    const size_t bom = strip_bom(content);
    if (const void* nul = std::memchr(content.data(), '\0', content.size())) {
        const auto at = static_cast<size_t>(static_cast<const char*>(nul) - content.data());
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
    const std::string ext = lower_ascii(name.substr(dot));
    static constexpr std::string_view kSql[] = {".sql", ".ddl",  ".dml",   ".dql",
                                                ".dcl", ".psql", ".pgsql", ".plpgsql"};
    return std::find(std::begin(kSql), std::end(kSql), ext) != std::end(kSql);
}

Result<Project> scan(const std::filesystem::path& root, const ScanOptions& options) {
    const std::string p = root.string();
    // The root may itself be a link to a directory: stat follows it.
    struct stat st {};
    if (p.empty() || ::stat(p.c_str(), &st) != 0) {
        const int err = p.empty() ? ENOENT : errno;
        if (err == ENOENT || err == ENOTDIR) {
            return config("project path \"" + p + "\" does not exist: invalid configuration");
        }
        return general("cannot access project path \"" + p + "\": " + os_error(err));
    }
    if (!S_ISDIR(st.st_mode)) {
        return config("\"" + p + "\" is a file; pass the project directory: invalid configuration");
    }
    Project project;
    project.root = root;
    if (options.read_deploy_sql) {
        auto deploy_sql = read_deploy_sql(p);
        if (!deploy_sql)
            return std::move(deploy_sql).error();
        project.deploy_sql = std::move(deploy_sql).value();
    }
    Walker walker(p, options, project);
    if (Status walked = walker.walk(""); !walked)
        return std::move(walked).error();
    project.test_dirs = walker.test_directories();
    project.scanned_files = project.files.size() + project.tests.size();

    // §5.5: ids must be unique across files (problems and duplicates are reported together).
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
