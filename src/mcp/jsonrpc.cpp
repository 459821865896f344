#include "mcp/jsonrpc.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgmi::mcp {

namespace {

/// nlohmann's messages start with "[json.exception.parse_error.101] parse error at line 1,
/// column 2: ..."; the part after the bracket is what a client can act on.
std::string parse_detail(const std::string& what) {
    const size_t close = what.find("] ");
    std::string detail = close == std::string::npos ? what : what.substr(close + 2);
    for (std::string_view prefix : {"parse error at ", "parse error: "}) {
        if (detail.rfind(prefix, 0) == 0)
            detail.erase(0, prefix.size());
    }
    return detail;
}

/// The deepest nesting of `[`/`{` outside strings, counted without parsing (linear, no stack).
size_t nesting_depth(std::string_view text) {
    size_t depth = 0;
    size_t deepest = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

Incoming invalid(Json id, int code, std::string_view message) {
    Incoming in;
    in.kind = Incoming::Kind::Invalid;
    in.error = error_response(id, code, message);
    in.id = std::move(id);
    return in;
}

}  // namespace

Incoming classify(std::string_view line) {
    if (nesting_depth(line) > kMaxDepth) {
        return invalid(nullptr, kParseError,
                       fmt::format("parse error: nesting deeper than {} levels", kMaxDepth));
    }
    Json message;
    try {
        message = Json::parse(line.begin(), line.end());
    } catch (const Json::exception& e) {
        return invalid(nullptr, kParseError, "parse error: " + parse_detail(e.what()));
    }
    if (!message.is_object()) {
        return invalid(nullptr, kParseError,
                       fmt::format("parse error: a message must be a JSON object, not {}",
                                   message.type_name()));
    }
    const auto id_it = message.find("id");
    const bool has_id = id_it != message.end();
    const bool usable_id = has_id && (id_it->is_string() || id_it->is_number());
    if (has_id && !usable_id)
        return invalid(nullptr, kInvalidRequest, "id must be a string or number");
    Json id = usable_id ? *id_it : Json(nullptr);

    const auto version = message.find("jsonrpc");
    if (version == message.end() || !version->is_string() || *version != "2.0")
        return invalid(id, kInvalidRequest, "jsonrpc must be \"2.0\"");

    const auto method = message.find("method");
    if (method == message.end()) {
        if (has_id && (message.contains("result") || message.contains("error"))) {
            Incoming in;
            in.kind = Incoming::Kind::Response;
            in.id = std::move(id);
            return in;
        }
        return invalid(id, kInvalidRequest, "method is required");
    }
    if (!method->is_string())
        return invalid(id, kInvalidRequest, "method must be a string");

    Incoming in;
    in.kind = has_id ? Incoming::Kind::Request : Incoming::Kind::Notification;
    in.id = std::move(id);
    in.method = method->get<std::string>();
    if (auto params = message.find("params"); params != message.end())
        in.params = *params;
    return in;
}

Json result_response(const Json& id, Json result) {
    return Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

Json error_response(const Json& id, int code, std::string_view message) {
    return Json{{"jsonrpc", "2.0"},
                {"id", id},
                {"error", Json{{"code", code}, {"message", std::string(message)}}}};
}

Json notification(std::string_view method, Json params) {
    return Json{{"jsonrpc", "2.0"}, {"method", std::string(method)}, {"params", std::move(params)}};
}

std::string to_line(const Json& message) {
    return message.dump(-1, ' ', false, Json::error_handler_t::replace) + '\n';
}

}  // namespace pgmi::mcp
