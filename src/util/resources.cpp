#include "util/resources.hpp"

namespace pgmi::resources {

std::optional<std::string_view> find(std::string_view path) {
    for (const Entry& e : all()) {
        if (e.path == path)
            return e.content;
    }
    return std::nullopt;
}

}  // namespace pgmi::resources
