// Reads check the type twice: fstatat before opening (so a device is not even opened: opening
// some devices has side effects) and fstat on the open descriptor (what is read is what was
// checked, whatever was swapped in between). Writes use a random temporary name only so that a
// planted name cannot block the write; safety comes from O_EXCL, not from the name being secret.
#include "util/file.hpp"

#include <fmt/format.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "util/fd.hpp"

namespace pgmi::util {

namespace {

/// A fault about the file itself: message = "<shown> <reason>".
FileError fault(FileFault kind, std::string_view shown, std::string reason) {
    FileError e;
    e.fault = kind;
    e.message = fmt::format("{} {}", shown, reason);
    e.reason = std::move(reason);
    return e;
}

FileError os_fault(std::string_view shown, std::string_view step, int err) {
    FileError e;
    e.reason = std::strerror(err);
    if (err == ENOENT || err == ENOTDIR) {
        e.fault = FileFault::Missing;
        e.message = fmt::format("{} does not exist", shown);
    } else {
        e.fault = FileFault::Unreadable;
        e.message = fmt::format("cannot read {}: {}", shown, e.reason);
    }
    e.os_error = err;
    e.step = step;
    return e;
}

/// False for a regular file; otherwise true, with the refusal in `out`.
bool type_fault(mode_t mode, std::string_view shown, FileError& out) {
    if (S_ISREG(mode))
        return false;
    FileFault kind = FileFault::Special;
    if (S_ISLNK(mode))
        kind = FileFault::Symlink;
    else if (S_ISDIR(mode))
        kind = FileFault::Directory;
    out = fault(kind, shown, fmt::format("is a {}, not a regular file", file_type_name(mode)));
    out.mode = mode & S_IFMT;
    if (kind == FileFault::Directory)
        out.os_error = EISDIR;
    return true;
}

std::string limit_text(const ReadOptions& o) {
    if (o.limit_for.empty())
        return fmt::format("the {} limit", format_size(o.max_bytes));
    return fmt::format("the {} limit for {}", format_size(o.max_bytes), o.limit_for);
}

/// Reads `fd` to its end or until more than `limit` bytes arrived. Returns 0 or an errno value.
int read_at_most(int fd, std::size_t size_hint, std::size_t limit, std::string& out) {
    const std::size_t stop = limit == SIZE_MAX ? SIZE_MAX : limit + 1;
    // One byte past the expected size, so end of file is seen without growing the buffer.
    out.resize(std::min(size_hint, stop - 1) + 1);
    std::size_t got = 0;
    while (got < stop) {
        if (got == out.size())
            out.resize(std::min(std::max(got * 2, std::size_t{4096}), stop));
        const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            out.clear();
            return err;
        }
        if (n == 0)
            break;
        const std::size_t asked = out.size() - got;
        got += static_cast<std::size_t>(n);
        // A short read that completes the size fstat gave: the file as it was stat'd, whole. Not
        // asking again for the end saves a system call per file (a project is thousands of them);
        // a file that grew before this read still returned more and goes on.
        if (size_hint > 0 && got == size_hint && static_cast<std::size_t>(n) < asked)
            break;
    }
    out.resize(got);
    return 0;
}

/// 16 hex digits from the kernel's generator; a clock and a counter if it is unavailable (the
/// name then is guessable, which costs only retries: O_EXCL keeps the write safe).
std::string random_suffix() {
    std::uint64_t bits = 0;
    if (::getrandom(&bits, sizeof bits, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof bits)) {
        static std::atomic<std::uint64_t> counter{0};
        bits = static_cast<std::uint64_t>(
                   std::chrono::steady_clock::now().time_since_epoch().count()) ^
               (static_cast<std::uint64_t>(::getpid()) << 32) ^ counter.fetch_add(1);
    }
    return fmt::format("{:016x}", bits);
}

Status write_error(const std::filesystem::path& path, std::string_view step, int err) {
    return make_error(ErrorKind::General, fmt::format("cannot write {}: {}: {}", path.string(),
                                                      step, std::strerror(err)));
}

}  // namespace

std::string_view file_type_name(mode_t mode) {
    switch (mode & S_IFMT) {
        case S_IFREG:
            return "regular file";
        case S_IFDIR:
            return "directory";
        case S_IFLNK:
            return "symbolic link";
        case S_IFIFO:
            return "named pipe";
        case S_IFSOCK:
            return "socket";
        case S_IFCHR:
            return "character device";
        case S_IFBLK:
            return "block device";
        default:
            return "special file";
    }
}

std::string format_size(std::uintmax_t bytes) {
    if (bytes >= kMiB && bytes % kMiB == 0)
        return fmt::format("{} MiB", bytes / kMiB);
    if (bytes >= kKiB && bytes % kKiB == 0)
        return fmt::format("{} KiB", bytes / kKiB);
    return fmt::format("{} bytes", bytes);
}

ReadResult read_regular_file(const std::filesystem::path& path, const ReadOptions& options) {
    const std::string shown = options.shown.empty() ? path.string() : std::string(options.shown);
    const int nofollow = options.follow_symlinks ? 0 : AT_SYMLINK_NOFOLLOW;
    struct stat st {};
    if (!options.seen_regular) {
        if (::fstatat(options.dir_fd, path.c_str(), &st, nofollow) != 0)
            return os_fault(shown, "stat", errno);
        if (FileError e; type_fault(st.st_mode, shown, e))
            return e;
    }

    const int flags =
        O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (options.follow_symlinks ? 0 : O_NOFOLLOW);
    const Fd fd(::openat(options.dir_fd, path.c_str(), flags));
    if (!fd) {
        const int err = errno;
        if (err == ELOOP && !options.follow_symlinks) {  // swapped for a link since the fstatat
            FileError e =
                fault(FileFault::Symlink, shown, "is a symbolic link, not a regular file");
            e.mode = S_IFLNK;
            return e;
        }
        return os_fault(shown, "open", err);
    }
    if (::fstat(fd.get(), &st) != 0)
        return os_fault(shown, "stat", errno);
    if (FileError e; type_fault(st.st_mode, shown, e))
        return e;
    const auto size = static_cast<std::uintmax_t>(st.st_size);
    if (size > options.max_bytes) {
        FileError e = fault(FileFault::TooLarge, shown,
                            fmt::format("is {} bytes, over {}", size, limit_text(options)));
        e.size = size;
        return e;
    }
    std::string content;
    if (const int err =
            read_at_most(fd.get(), static_cast<std::size_t>(size), options.max_bytes, content);
        err != 0) {
        return os_fault(shown, "read", err);
    }
    if (content.size() > options.max_bytes) {
        return fault(FileFault::Grew, shown,
                     fmt::format("grew past {} while being read", limit_text(options)));
    }
    return content;
}

Status write_file_atomic(const std::filesystem::path& path, std::string_view content,
                         const WriteOptions& options) {
    const std::filesystem::path name = path.filename();
    if (name.empty() || name == "." || name == "..")
        return write_error(path, "open", EISDIR);
    const std::filesystem::path parent = path.parent_path();
    // The temporary and the rename are relative to one directory descriptor: whatever happens to
    // the directory's path meanwhile, the file lands in the directory that was opened.
    const Fd dir(::open(parent.empty() ? "." : parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir)
        return write_error(path, "open directory", errno);

    std::string tmp;
    Fd fd;
    for (int attempt = 0; attempt < 100 && !fd; ++attempt) {
        tmp = fmt::format(".{}.{}.tmp", name.string(), random_suffix());
        fd.reset(::openat(dir.get(), tmp.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, options.mode));
        if (!fd && errno != EEXIST)
            return write_error(path, "create temporary file", errno);
    }
    if (!fd)
        return write_error(path, "create temporary file", EEXIST);

    auto abandon = [&](std::string_view step, int err) {
        fd.reset();
        ::unlinkat(dir.get(), tmp.c_str(), 0);
        return write_error(path, step, err);
    };
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return abandon("write", errno);
        }
        done += static_cast<std::size_t>(n);
    }
    if (options.exact_mode && ::fchmod(fd.get(), options.mode) != 0)
        return abandon("chmod", errno);
    if (::fsync(fd.get()) != 0)
        return abandon("fsync", errno);
    if (::close(fd.release()) != 0)
        return abandon("close", errno);
    if (::renameat(dir.get(), tmp.c_str(), dir.get(), name.c_str()) != 0)
        return abandon("rename", errno);
    // The rename itself reaches the disk with the directory; best effort (some file systems
    // refuse fsync on a directory, and the data is already safe in the renamed file).
    if (const Fd d(::openat(dir.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)); d)
        (void)::fsync(d.get());
    return Status::ok();
}

}  // namespace pgmi::util
