#include "cli/version_command.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include <cstdio>
#include <vector>

#include "session/loader.hpp"
#include "util/build_info.hpp"

namespace pgmi::cli {

namespace {

std::string compiler() {
#if defined(__clang__)
    return fmt::format("Clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
    return fmt::format("GCC {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#elif defined(_MSC_VER)
    return fmt::format("MSVC {}", _MSC_VER);
#else
    return "unknown";
#endif
}

// PQlibVersion(): major * 10000 + minor since PostgreSQL 10 (major * 10000 + minor * 100 +
// patch before).
std::string libpq_version() {
    const int v = PQlibVersion();
    if (v >= 100000)
        return fmt::format("{}.{}", v / 10000, v % 10000);
    return fmt::format("{}.{}.{}", v / 10000, (v / 100) % 100, v % 100);
}

}  // namespace

std::string platform() {
#if defined(__linux__)
    const char* os = "linux";
#elif defined(__APPLE__)
    const char* os = "darwin";
#elif defined(_WIN32)
    const char* os = "windows";
#elif defined(__FreeBSD__)
    const char* os = "freebsd";
#else
    const char* os = "unknown";
#endif
#if defined(__x86_64__) || defined(_M_X64)
    const char* arch = "amd64";
#elif defined(__aarch64__) || defined(_M_ARM64)
    const char* arch = "arm64";
#elif defined(__i386__) || defined(_M_IX86)
    const char* arch = "386";
#elif defined(__arm__)
    const char* arch = "arm";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
    const char* arch = "ppc64le";
#elif defined(__s390x__)
    const char* arch = "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
    const char* arch = "riscv64";
#else
    const char* arch = "unknown";
#endif
    return fmt::format("{}/{}", os, arch);
}

std::string version_text(bool full) {
    std::string out = fmt::format("pgmi {} (compat {})\nCommit: {}, Built: {}, Platform: {}\n",
                                  build_info::kVersion, session::kLatestApiVersion,
                                  build_info::kCommit, build_info::kDate, platform());
    if (!full)
        return out;
    out += fmt::format("Compiler: {}\n", compiler());
    out += fmt::format("libpq: {}\n", libpq_version());
    out += fmt::format("OpenSSL: {}\n", OpenSSL_version(OPENSSL_VERSION));
    out += "Repository: https://github.com/vvka-141/pgmi\n";
    return out;
}

void add_version_command(CLI::App& app, int& result) {
    CLI::App* cmd = app.add_subcommand("version", "Print version and build information");
    cmd->description(
        "Print version and build information\n\n"
        "Shows the pgmi version and the session API version it speaks (compat), the commit and "
        "date of the build, the platform, the compiler, and the libpq and OpenSSL libraries in "
        "use. `pgmi --version` prints the first two lines.");
    cmd->footer("Examples:\n  pgmi version\n  pgmi --version\n");
    // Unlike the reference, extra words are errors (issue 16), like unknown flags.
    cmd->callback([&result] {
        std::fputs(version_text(true).c_str(), stdout);
        result = 0;
    });
}

}  // namespace pgmi::cli
