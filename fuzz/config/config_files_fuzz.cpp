// Fuzzes the configuration file readers end to end: the input is written as a project's pgmi.yaml
// and as a params file, then read through load_project_config and read_params_file (the
// bounded, no-pipe, no-link read plus the parsers). Invariants: no crash, nothing thrown, every
// error a Config error; content over the caps is refused by size.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "config/params.hpp"
#include "config/project_config.hpp"
#include "driver/fuzz_support.hpp"

namespace {

void put(const std::filesystem::path& path, std::string_view content) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 ||
        ::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size()) ||
        ::close(fd) != 0) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    try {
        put(pgmi::fuzz::scratch_dir() / "pgmi.yaml", input);
        auto yaml = pgmi::config::load_project_config(pgmi::fuzz::scratch_dir());
        if (!yaml && yaml.error().kind != pgmi::ErrorKind::Config)
            std::abort();
        if (size > pgmi::config::kMaxProjectConfigBytes && yaml)
            std::abort();

        const std::filesystem::path params = pgmi::fuzz::scratch_dir() / "params.env";
        put(params, input);
        auto pairs = pgmi::config::read_params_file(params.string());
        if (!pairs && pairs.error().kind != pgmi::ErrorKind::Config)
            std::abort();
        if (size > pgmi::config::kMaxParamsFileBytes && pairs)
            std::abort();
    } catch (...) {
        std::abort();  // the readers never throw
    }
    return 0;
}
