#include "util/env.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace pgmi {

EnvLookup process_env() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());
        if (v == nullptr)
            return std::nullopt;
        return std::string(v);
    };
}

EnvLookup env_from(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end())
            return std::nullopt;
        return it->second;
    };
}

std::optional<std::string> non_empty(const EnvLookup& env, std::string_view name) {
    auto v = env(name);
    if (!v || v->empty())
        return std::nullopt;
    return v;
}

std::optional<std::string> home_directory(const EnvLookup& env) {
    if (auto home = non_empty(env, "HOME"))
        return home;
    if (const passwd* pw = ::getpwuid(::geteuid());
        pw != nullptr && pw->pw_dir != nullptr && pw->pw_dir[0] != '\0') {
        return std::string(pw->pw_dir);
    }
    return std::nullopt;
}

}  // namespace pgmi
