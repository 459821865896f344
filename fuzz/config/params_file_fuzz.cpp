// Fuzzes the --params-file parser, the --param splitter and parameter validation.
// Invariants: no crash; errors are short (they name the line, never echo it).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/params.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::string path = "fuzz.env";

    auto pairs = pgmi::config::parse_params_text(input, path);
    if (!pairs) {
        if (pairs.error().message.size() > 200)
            std::abort();
    } else {
        for (const auto& [key, value] : pairs.value()) {
            if (key.empty())
                std::abort();
            auto st = pgmi::config::validate_param(key, value);
            // Messages may quote a name-like key but never a value longer than the key limit.
            if (!st && st.error().message.size() > 400)
                std::abort();
        }
    }

    auto flag = pgmi::config::parse_param_flag(input);
    if (!flag) {
        // With an '=' the only fault is an empty key, reported without the value.
        const std::string& m = flag.error().message;
        if (input.find('=') != std::string_view::npos && m.find("empty key") == std::string::npos) {
            std::abort();
        }
        // Long text without '=' is never quoted: the message is the fixed one.
        static const std::string kHidden =
            pgmi::config::parse_param_flag("not a name").error().message;
        if (input.find('=') == std::string_view::npos && input.size() > 24 && m != kHidden) {
            std::abort();
        }
    } else if (flag.value().first.size() + flag.value().second.size() + 1 != size) {
        std::abort();
    }
    return 0;
}
