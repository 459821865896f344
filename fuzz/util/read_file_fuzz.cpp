// Fuzzes util::read_regular_file's bounded read: the first two bytes are the cap (0-65535), the
// rest is written to a scratch file and read back. Invariants: within the cap the bytes come back
// exactly; over it the read fails as TooLarge and names the size; nothing else ever happens to a
// regular file.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "driver/fuzz_support.hpp"
#include "util/file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2)
        return 0;
    const std::size_t cap = (std::size_t{data[0]} << 8) | data[1];
    const std::string_view content(reinterpret_cast<const char*>(data + 2), size - 2);
    const std::filesystem::path file = pgmi::fuzz::scratch_dir() / "f";
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 ||
        ::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size()) ||
        ::close(fd) != 0) {
        std::abort();
    }
    pgmi::util::ReadResult r = pgmi::util::read_regular_file(file, {.max_bytes = cap});
    if (content.size() <= cap) {
        if (!r || r.value() != content)
            std::abort();
    } else if (r || r.error().fault != pgmi::util::FileFault::TooLarge ||
               r.error().size != content.size()) {
        std::abort();
    }
    return 0;
}
