// Fuzzes merging wizard connection settings into an existing pgmi.yaml (arbitrary user text).
// Invariants: no crash; on success the result parses as pgmi.yaml and holds exactly the
// settings; a failure is a Config error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cli/init_command.hpp"
#include "config/project_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    pgmi::cli::ConnectionSettings c{.host = "db.example.com",
                                    .port = 6543,
                                    .database = "app: \"x\"",
                                    .username = "u#1",
                                    .sslmode = "require"};
    auto merged = pgmi::cli::merge_connection(input, c);
    if (!merged) {
        if (merged.error().kind != pgmi::ErrorKind::Config)
            std::abort();
        return 0;
    }
    auto parsed = pgmi::config::parse_project_config(*merged, "pgmi.yaml");
    if (!parsed || parsed->connection.database != c.database || parsed->connection.port != c.port ||
        parsed->connection.username != c.username)
        std::abort();
    return 0;
}
