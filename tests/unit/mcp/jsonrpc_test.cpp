#include "mcp/jsonrpc.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pgmi::mcp {
namespace {

TEST(Classify, RequestsNotificationsAndResponses) {
    Incoming in = classify(R"({"jsonrpc":"2.0","id":7,"method":"ping"})");
    EXPECT_EQ(in.kind, Incoming::Kind::Request);
    EXPECT_EQ(in.id, 7);
    EXPECT_EQ(in.method, "ping");
    EXPECT_TRUE(in.params.is_null());

    in = classify(R"({"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"info"}})");
    EXPECT_EQ(in.kind, Incoming::Kind::Request);
    EXPECT_EQ(in.id, "x");
    EXPECT_EQ(in.params["name"], "info");

    in = classify(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    EXPECT_EQ(in.kind, Incoming::Kind::Notification);

    in = classify(R"({"jsonrpc":"2.0","id":3,"result":{}})");
    EXPECT_EQ(in.kind, Incoming::Kind::Response);
}

TEST(Classify, ParseErrorsHaveANullId) {
    for (const char* line : {"", "{", "nope", "[]", "[{\"jsonrpc\":\"2.0\"}]", "1", "null", "\"s\"",
                             "{\"a\":\"\xff\"}"}) {
        const Incoming in = classify(line);
        ASSERT_EQ(in.kind, Incoming::Kind::Invalid) << line;
        EXPECT_EQ((*in.error)["error"]["code"], kParseError) << line;
        EXPECT_TRUE((*in.error)["id"].is_null());
        EXPECT_EQ((*in.error)["error"]["message"].get<std::string>().rfind("parse error: ", 0), 0u);
    }
}

TEST(Classify, DeepNestingIsRefusedBeforeParsing) {
    const std::string deep =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":" + std::string(kMaxDepth, '[') +
        std::string(kMaxDepth, ']') + "}";
    EXPECT_EQ(classify(deep).kind, Incoming::Kind::Invalid);
    const std::string ok = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":" +
                           std::string(kMaxDepth - 2, '[') + std::string(kMaxDepth - 2, ']') + "}";
    EXPECT_EQ(classify(ok).kind, Incoming::Kind::Request);
    // Brackets inside strings (escaped quotes included) do not count.
    const std::string in_string =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":\"\\\"" +
        std::string(1000, '[') + "\"}";
    EXPECT_EQ(classify(in_string).kind, Incoming::Kind::Request);
}

TEST(Classify, InvalidRequests) {
    Incoming in = classify(R"({"jsonrpc":"1.0","id":4,"method":"ping"})");
    ASSERT_EQ(in.kind, Incoming::Kind::Invalid);
    EXPECT_EQ((*in.error)["error"]["code"], kInvalidRequest);
    EXPECT_EQ((*in.error)["id"], 4) << "a usable id is echoed";

    for (const char* id : {"null", "true", "{}", "[1]"}) {
        in = classify(std::string(R"({"jsonrpc":"2.0","method":"ping","id":)") + id + "}");
        ASSERT_EQ(in.kind, Incoming::Kind::Invalid) << id;
        EXPECT_EQ((*in.error)["error"]["message"], "id must be a string or number");
        EXPECT_TRUE((*in.error)["id"].is_null());
    }
    in = classify(R"({"jsonrpc":"2.0","id":1,"method":5})");
    EXPECT_EQ(in.kind, Incoming::Kind::Invalid);
    in = classify(R"({"jsonrpc":"2.0","id":1})");
    EXPECT_EQ(in.kind, Incoming::Kind::Invalid);
}

TEST(Responses, OneCompactLineWithMembersInOrder) {
    EXPECT_EQ(to_line(result_response(1, Json::object())),
              "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n");
    EXPECT_EQ(to_line(error_response(nullptr, kMethodNotFound, "method not found: x")),
              "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32601,\"message\":\"method "
              "not found: x\"}}\n");
    // Invalid UTF-8 in an outgoing string never throws.
    EXPECT_NE(to_line(notification("m", Json{{"s", "\xff"}})).find("\xef\xbf\xbd"),
              std::string::npos);
}

}  // namespace
}  // namespace pgmi::mcp
