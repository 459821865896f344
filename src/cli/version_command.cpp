#include "cli/version_command.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <openssl/opensslv.h>

#include <cstdio>

#include "session/loader.hpp"

namespace pgmi::cli {

std::string version_text(bool full) {
    std::string out = fmt::format("pgmi {}\ncommit {}, built {}\n", PGMI_VERSION, PGMI_GIT_COMMIT,
                                  PGMI_BUILD_DATE);
    if (!full)
        return out;
    const int pq = PQlibVersion();
    out += fmt::format("compat {}\n", session::kLatestApiVersion);
    out += fmt::format("compiler {}\n", __VERSION__);
    out += fmt::format("libpq {}.{}\n", pq / 10000, pq % 10000);
    out += fmt::format("{}\n", OPENSSL_VERSION_TEXT);
    return out;
}

void add_version_command(CLI::App& app, int& result) {
    CLI::App* cmd = app.add_subcommand("version", "Print version and build information");
    cmd->callback([&result] {
        std::fputs(version_text(true).c_str(), stdout);
        result = 0;
    });
}

}  // namespace pgmi::cli
