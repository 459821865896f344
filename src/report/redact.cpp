#include "report/redact.hpp"

#include <algorithm>
#include <regex>

namespace pgmi::report {

void Redactor::add_secret(std::string value) {
    if (value.size() < 3)
        return;
    if (std::find(secrets_.begin(), secrets_.end(), value) == secrets_.end()) {
        secrets_.push_back(std::move(value));
        // Longest first, so a secret containing another is replaced whole.
        std::sort(secrets_.begin(), secrets_.end(),
                  [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    }
}

std::string Redactor::operator()(std::string_view text) const {
    std::string out(text);
    for (const auto& s : secrets_) {
        size_t pos = 0;
        while ((pos = out.find(s, pos)) != std::string::npos) {
            out.replace(pos, s.size(), "[redacted]");
            pos += 10;
        }
    }
    return redact_patterns(out);
}

std::string redact_patterns(std::string_view text) {
    static const std::regex kKeyValue(R"re(password\s*=\s*('[^']*'|"[^"]*"|[^\s&;'"]*))re",
                                      std::regex::icase | std::regex::ECMAScript);
    static const std::regex kUserInfo(R"re(([a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]+):\S*@)re",
                                      std::regex::ECMAScript);
    std::string s = std::regex_replace(std::string(text), kKeyValue, "password=[redacted]");
    return std::regex_replace(s, kUserInfo, "$1:[redacted]@");
}

}  // namespace pgmi::report
