// `pgmi ai client [lang]`: how client code calls an application built like the advanced
// template (REST, JSON-RPC or MCP through its gateway). Without a language, the doctrine (which
// door, the live OpenAPI contract, keys, problem documents, retries); with one of
// client_languages(), that language's generator and transport skeleton; with any other, the
// doctrine and a note that any OpenAPI generator works. Texts are resources/ai/client/*.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgmi::ai {

/// The languages with a built-in idiom, in the order they are listed.
const std::vector<std::string>& client_languages();

/// The document `ai client` prints for `language` ("" = none given).
std::string client_document(std::string_view language);

}  // namespace pgmi::ai
