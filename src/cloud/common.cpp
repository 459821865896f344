#include "cloud/common.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "util/file.hpp"
#include "util/strings.hpp"

namespace pgmi::cloud::detail {

Result<std::optional<std::string>> read_text_file(const std::string& path, const std::string& what,
                                                  size_t limit) {
    // Credential files are often links (mounted secrets, ~/.config): followed, but the target
    // must be a regular file, read without blocking and never past the limit.
    util::ReadResult read =
        util::read_regular_file(path, {.max_bytes = limit, .follow_symlinks = true});
    if (read)
        return std::optional<std::string>(std::move(read).value());
    const util::FileError& e = read.error();
    switch (e.fault) {
        case util::FileFault::Missing:
            return std::optional<std::string>();
        case util::FileFault::Directory:
            return make_error(ErrorKind::Config, what + " " + path + ": is a directory");
        case util::FileFault::Unreadable:
            return make_error(ErrorKind::Config,
                              what + " " + path + ": cannot be read (" + e.reason + ")");
        case util::FileFault::TooLarge:
        case util::FileFault::Grew:
            return make_error(ErrorKind::Config,
                              what + " " + path + ": larger than " + util::format_size(limit));
        default:
            return make_error(ErrorKind::Config, what + " " + path + ": " + e.reason);
    }
}

std::string home_directory(const EnvLookup& env) {
    if (auto h = non_empty(env, "HOME"))
        return *h;
    if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_dir != nullptr)
        return pw->pw_dir;
    return "";
}

std::string expand_home(const std::string& path, const EnvLookup& env) {
    if (path == "~")
        return home_directory(env);
    if (path.rfind("~/", 0) == 0)
        return home_directory(env) + path.substr(1);
    return path;
}

bool env_true(const EnvLookup& env, std::string_view name) {
    auto v = env(name);
    return v && util::iequals(util::trim(*v), "true");
}

std::optional<nlohmann::json> parse_json_object(std::string_view text) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object())
        return std::nullopt;
    return j;
}

std::optional<std::string> json_string(const nlohmann::json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_string())
        return std::nullopt;
    return it->get<std::string>();
}

std::optional<long long> json_integer(const nlohmann::json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end())
        return std::nullopt;
    if (it->is_number_integer())
        return it->get<long long>();
    if (it->is_number_float()) {
        const double d = it->get<double>();
        if (d < -9e15 || d > 9e15)
            return std::nullopt;
        return static_cast<long long>(d);
    }
    if (it->is_string()) {
        const std::string s = trim(it->get<std::string>());
        if (s.empty() || s.size() > 18)
            return std::nullopt;
        long long v = 0;
        for (char c : s) {
            if (!std::isdigit(static_cast<unsigned char>(c)))
                return std::nullopt;
            v = v * 10 + (c - '0');
        }
        return v;
    }
    return std::nullopt;
}

}  // namespace pgmi::cloud::detail
