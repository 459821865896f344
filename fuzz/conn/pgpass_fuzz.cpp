// Fuzzes the .pgpass parser and matcher. Invariants: no crash; every entry has a positive line
// number and no newline in any field; a lookup either finds nothing or a non-empty password that
// some entry holds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "conn/pgpass.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    auto entries = pgmi::conn::parse_pgpass(input);
    for (const auto& e : entries) {
        if (e.line <= 0)
            std::abort();
        for (const std::string* f : {&e.host, &e.port, &e.database, &e.user, &e.password}) {
            if (f->find('\n') != std::string::npos)
                std::abort();
        }
    }
    for (const char* host : {"localhost", "/tmp", "db", ""}) {
        auto pw = pgmi::conn::lookup_pgpass(entries, host, 5432, "postgres", "postgres");
        if (pw) {
            bool held = false;
            for (const auto& e : entries)
                held = held || e.password == *pw;
            if (pw->empty() || !held)
                std::abort();
        }
    }
    return 0;
}
