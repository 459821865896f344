#include "util/env.hpp"

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

}  // namespace pgmi
