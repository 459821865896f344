#include "config/duration.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <string>

namespace pgmi::config {

namespace {

constexpr std::uint64_t kMaxMagnitude = std::uint64_t{1} << 63;  // |INT64_MIN|
constexpr std::size_t kMaxQuotedBytes = 64;

struct Unit {
    std::string_view name;
    std::uint64_t nanos;
};

constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // U+00B5 MICRO SIGN
    {"\xCE\xBCs", 1'000},  // U+03BC GREEK SMALL LETTER MU
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

Error duration_error(std::string_view text, std::string_view why) {
    const std::string shown = text.size() <= kMaxQuotedBytes
                                  ? std::string(text)
                                  : std::string(text.substr(0, 61)) + "...";
    return make_error(ErrorKind::Config,
                      fmt::format("invalid duration \"{}\": {}; use a number with a unit (ns, us, "
                                  "ms, s, m, h), e.g. 30s, 5m, 1h30m, or 0 to disable",
                                  shown, why));
}

}  // namespace

Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
    std::string_view s = text;
    bool negative = false;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s == "0")
        return std::chrono::nanoseconds{0};
    if (s.empty())
        return duration_error(text, "empty");

    std::uint64_t total = 0;
    while (!s.empty()) {
        // Integer part; overflow beyond 2^63 is an error.
        std::uint64_t whole = 0;
        std::size_t int_digits = 0;
        while (!s.empty() && is_digit(s.front())) {
            const auto d = static_cast<std::uint64_t>(s.front() - '0');
            if (whole > (kMaxMagnitude - d) / 10)
                return duration_error(text, "out of range");
            whole = whole * 10 + d;
            s.remove_prefix(1);
            ++int_digits;
        }
        // Fraction: digits beyond what 64 bits can scale are ignored, as they are below 1 ns.
        std::uint64_t frac = 0;
        double scale = 1;
        std::size_t frac_digits = 0;
        bool has_point = false;
        if (!s.empty() && s.front() == '.') {
            has_point = true;
            s.remove_prefix(1);
            bool saturated = false;
            while (!s.empty() && is_digit(s.front())) {
                const auto d = static_cast<std::uint64_t>(s.front() - '0');
                if (!saturated && frac <= (std::numeric_limits<std::uint64_t>::max() / 10 - d)) {
                    frac = frac * 10 + d;
                    scale *= 10;
                } else {
                    saturated = true;
                }
                s.remove_prefix(1);
                ++frac_digits;
            }
        }
        if (int_digits == 0 && frac_digits == 0) {
            return duration_error(text, has_point ? "a number needs digits" : "expected a number");
        }
        // Unit: everything up to the next digit or '.'.
        std::size_t unit_len = 0;
        while (unit_len < s.size() && s[unit_len] != '.' && !is_digit(s[unit_len]))
            ++unit_len;
        const std::string_view unit_text = s.substr(0, unit_len);
        s.remove_prefix(unit_len);
        if (unit_text.empty())
            return duration_error(text, "missing unit");
        std::uint64_t unit = 0;
        for (const auto& u : kUnits) {
            if (u.name == unit_text)
                unit = u.nanos;
        }
        if (unit == 0) {
            return duration_error(text, unit_text.size() <= 8
                                            ? fmt::format("unknown unit \"{}\"", unit_text)
                                            : std::string("unknown unit"));
        }
        if (whole > kMaxMagnitude / unit)
            return duration_error(text, "out of range");
        std::uint64_t value = whole * unit;
        if (frac > 0) {
            const double part = static_cast<double>(frac) * (static_cast<double>(unit) / scale);
            // part < unit <= 3.6e12, so the conversion is exact enough and cannot overflow.
            value += static_cast<std::uint64_t>(part);
            if (value > kMaxMagnitude)
                return duration_error(text, "out of range");
        }
        if (value > kMaxMagnitude - total)
            return duration_error(text, "out of range");
        total += value;
    }
    if (!negative && total > kMaxMagnitude - 1)
        return duration_error(text, "out of range");
    if (negative) {
        // -2^63 is representable; negate through the unsigned value to avoid overflow.
        return std::chrono::nanoseconds{static_cast<std::int64_t>(~total + 1)};
    }
    return std::chrono::nanoseconds{static_cast<std::int64_t>(total)};
}

}  // namespace pgmi::config
