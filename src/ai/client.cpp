#include "ai/client.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "util/resources.hpp"
#include "util/strings.hpp"

namespace pgmi::ai {

namespace {

std::string document(std::string_view name) {
    return std::string(
        resources::find(fmt::format("ai/client/{}.md", name)).value_or(std::string_view{}));
}

}  // namespace

const std::vector<std::string>& client_languages() {
    static const std::vector<std::string> languages = {"typescript", "python", "go", "csharp",
                                                       "rust"};
    return languages;
}

std::string client_document(std::string_view language) {
    if (language.empty())
        return document("doctrine");
    const std::string lang = util::to_lower(language);
    const auto& known = client_languages();
    if (std::find(known.begin(), known.end(), lang) != known.end())
        return document(lang);
    return document("doctrine") +
           fmt::format(
               "\n---\n\nNo built-in idiom for \"{}\". Any OpenAPI generator works: point "
               "it at `/openapi.json`.\n",
               language);
}

}  // namespace pgmi::ai
