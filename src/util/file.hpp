// Reading and writing files that pgmi does not control. Everything outside the binary is hostile
// (DESIGN "Security"): a read accepts only a regular file, never blocks on a named pipe or a
// device, never reads more than a cap, and does not follow a link unless the caller allows it; a
// write goes through an exclusively created temporary file renamed into place, so nothing planted
// at the target or at a temporary name is ever written through.
#pragma once

#include <fcntl.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

#include "util/error.hpp"

namespace pgmi::util {

inline constexpr std::size_t kKiB = 1024;
inline constexpr std::size_t kMiB = 1024 * kKiB;

/// Cap for small configuration files: pgmi.yaml, .env, params files, .pgpass, service files.
/// Real ones are a few KiB; the cap only stops a hostile or mistaken file from exhausting memory.
inline constexpr std::size_t kConfigFileMaxBytes = 1 * kMiB;

/// Why a file could not be read.
enum class FileFault {
    Missing,     // nothing at the path (ENOENT, or a path component is not a directory)
    Symlink,     // a symbolic link where links are not followed
    Directory,   // a directory
    Special,     // a named pipe, socket or device
    TooLarge,    // bigger than the cap on disk
    Grew,        // grew past the cap while being read
    Unreadable,  // the OS refused (permissions, I/O error): os_error says why
};

struct FileError {
    FileFault fault = FileFault::Unreadable;
    std::string message;  // names the file, ready to show: "x is a named pipe, not a regular file"
    std::string reason;   // the same without the file: "is a named pipe, not a regular file";
                          // for Missing and Unreadable the OS error text
    int os_error = 0;     // errno for Missing and Unreadable; EISDIR for Directory
    std::string_view step;    // for Missing and Unreadable: "stat", "open" or "read"
    mode_t mode = 0;          // type bits of what was found (Symlink, Directory, Special)
    std::uintmax_t size = 0;  // TooLarge: bytes on disk
};

/// The bytes of a file, or why they could not be read.
class [[nodiscard]] ReadResult {
  public:
    ReadResult(std::string content) : v_(std::move(content)) {}  // NOLINT(google-explicit-*)
    ReadResult(FileError error) : v_(std::move(error)) {}        // NOLINT(google-explicit-*)

    bool has_value() const { return v_.index() == 0; }
    explicit operator bool() const { return has_value(); }
    const std::string& value() const& { return std::get<0>(v_); }
    std::string&& value() && { return std::get<0>(std::move(v_)); }
    const FileError& error() const { return std::get<1>(v_); }
    /// True when the read failed because nothing is at the path.
    bool missing() const { return !has_value() && error().fault == FileFault::Missing; }
    /// The failure as pgmi's Error of `kind`, message unchanged.
    Error to_error(ErrorKind kind) const { return make_error(kind, error().message); }

  private:
    std::variant<std::string, FileError> v_;
};

struct ReadOptions {
    std::size_t max_bytes = kConfigFileMaxBytes;
    /// false: a link at the path itself is refused (FileFault::Symlink). true: a link is followed
    /// and its target must be a regular file (for files users keep as links, like ~/.pgpass).
    bool follow_symlinks = false;
    /// A relative path is resolved against this directory descriptor (openat), so a directory
    /// swapped on the way cannot redirect the read. AT_FDCWD: the working directory.
    int dir_fd = AT_FDCWD;
    std::string_view limit_for;  // what the cap protects, for messages: "pgmi.yaml"
    std::string_view shown;      // how messages name the file; empty: the path itself
    /// The caller has just seen a regular file at this name (readdir's d_type): the stat before
    /// opening is skipped. The check on the open descriptor still runs.
    bool seen_regular = false;
};

/// Reads a whole regular file of at most `max_bytes`. Opens with O_NONBLOCK (a named pipe never
/// blocks), checks the type with fstat on the open descriptor, refuses a file larger than the cap
/// before reading, and never reads more than cap + 1 bytes (a file that grows is caught).
ReadResult read_regular_file(const std::filesystem::path& path, const ReadOptions& options = {});

/// "named pipe", "socket", "character device", "block device", "directory", "symbolic link",
/// "regular file" or "special file", for the type bits of `mode`.
std::string_view file_type_name(mode_t mode);

/// A byte count for messages: "1 MiB", "64 KiB" when exact, else "1234 bytes".
std::string format_size(std::uintmax_t bytes);

struct WriteOptions {
    mode_t mode = 0666;       // permissions of the new file, narrowed by the umask like open(2)
    bool exact_mode = false;  // true: exactly `mode`, umask ignored (to keep an existing mode)
};

/// Replaces `path` with `content` atomically. A temporary file with a random name is created
/// exclusively (O_CREAT|O_EXCL|O_NOFOLLOW) in the same directory, written, fsynced and renamed
/// over `path`; a link planted at `path` is replaced, never followed. On failure the temporary
/// is removed and `path` is untouched. General error: "cannot write <path>: <step>: <OS error>".
Status write_file_atomic(const std::filesystem::path& path, std::string_view content,
                         const WriteOptions& options = {});

}  // namespace pgmi::util
