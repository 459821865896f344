#include "cloud/token.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace pgmi::cloud {

Clock system_clock() {
    return [] { return std::chrono::system_clock::now(); };
}

std::optional<TimePoint> expiry_after(TimePoint now, long long lifetime_seconds) {
    constexpr long long kLongest = 10LL * 366 * 86400;
    if (lifetime_seconds < 0 || lifetime_seconds > kLongest)
        return std::nullopt;
    return now + std::chrono::seconds(lifetime_seconds);
}

std::string describe_attempts(const std::vector<SourceAttempt>& attempts) {
    std::string out;
    for (const auto& a : attempts) {
        if (!out.empty())
            out += "; ";
        out += a.source + ": " + a.outcome;
    }
    return out;
}

std::optional<TimePoint> parse_rfc3339(std::string_view s) {
    auto digits = [&](size_t at, size_t n) -> std::optional<int> {
        if (at + n > s.size())
            return std::nullopt;
        int v = 0;
        for (size_t i = at; i < at + n; ++i) {
            if (!std::isdigit(static_cast<unsigned char>(s[i])))
                return std::nullopt;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    auto year = digits(0, 4);
    auto month = digits(5, 2);
    auto day = digits(8, 2);
    auto hour = digits(11, 2);
    auto minute = digits(14, 2);
    auto second = digits(17, 2);
    if (!year || !month || !day || !hour || !minute || !second || s[4] != '-' || s[7] != '-' ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
        return std::nullopt;
    if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
        *second > 60)
        return std::nullopt;
    size_t i = 19;
    if (i < s.size() && s[i] == '.') {
        ++i;
        const size_t start = i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
            ++i;
        if (i == start)
            return std::nullopt;
    }
    long offset = 0;
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
        ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        auto oh = digits(i + 1, 2);
        auto om = digits(i + 4, 2);
        if (!oh || !om || s[i + 3] != ':' || *oh > 23 || *om > 59)
            return std::nullopt;
        offset = (*oh * 3600L + *om * 60L) * (s[i] == '+' ? 1 : -1);
        i += 6;
    } else {
        return std::nullopt;
    }
    if (i != s.size())
        return std::nullopt;
    std::tm tm{};
    tm.tm_year = *year - 1900;
    tm.tm_mon = *month - 1;
    tm.tm_mday = *day;
    tm.tm_hour = *hour;
    tm.tm_min = *minute;
    tm.tm_sec = *second;
    // Clamped to 1970..2100: year 9999 (a "never expires" value) or 0000 would overflow the
    // clock's nanosecond count.
    const std::time_t t = std::clamp<std::time_t>(timegm(&tm) - offset, 0, 4102444800);
    return std::chrono::system_clock::from_time_t(t);
}

std::string scrub(std::string text, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        if (secret.empty())
            continue;
        size_t at = 0;
        while ((at = text.find(secret, at)) != std::string::npos) {
            text.replace(at, secret.size(), "[redacted]");
            at += 10;
        }
    }
    return text;
}

std::string describe_duration(std::chrono::milliseconds d) {
    if (d.count() % 1000 == 0)
        return std::to_string(d.count() / 1000) + " s";
    return std::to_string(d.count()) + " ms";
}

std::string excerpt(std::string_view text, size_t max) {
    std::string out;
    for (char c : text) {
        if (out.size() >= max) {
            while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80)
                out.pop_back();
            if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80) != 0)
                out.pop_back();
            return out + "...";
        }
        out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

}  // namespace pgmi::cloud
