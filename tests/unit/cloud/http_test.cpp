#include "cloud/http.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "support/fake_http.hpp"
#include "test_util.hpp"

namespace pgmi::cloud {
namespace {

using pgmi::test::FakeHttpServer;
using pgmi::test::FakeResponse;

TEST(Http, GetSendsHeadersAndReturnsStatusHeadersBody) {
    FakeHttpServer fake;
    FakeResponse r = FakeResponse::json("{\"ok\":true}");
    r.headers.emplace_back("X-Answer", "forty two");
    fake.on("GET", "/thing", r);
    HttpRequest req;
    req.url = fake.url() + "/thing?a=1&b=x%20y";
    req.headers = {{"Metadata", "true"}, {"X-Two", "2"}};
    auto resp = http_send(req);
    ASSERT_TRUE(resp) << resp.error().message;
    EXPECT_EQ(resp->status, 200);
    EXPECT_EQ(resp->body, "{\"ok\":true}");
    EXPECT_EQ(resp->header("x-answer").value_or(""), "forty two");
    EXPECT_EQ(resp->header("X-ANSWER").value_or(""), "forty two");
    EXPECT_EQ(resp->header("content-type").value_or(""), "application/json");
    EXPECT_FALSE(resp->header("missing"));
    auto got = fake.requests();
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(got[0].method, "GET");
    EXPECT_EQ(got[0].path, "/thing");
    EXPECT_EQ(got[0].query, "a=1&b=x%20y");
    EXPECT_EQ(got[0].query_param("b").value_or(""), "x y");
    EXPECT_EQ(got[0].header("metadata"), "true");
    EXPECT_EQ(got[0].header("x-two"), "2");
    EXPECT_EQ(got[0].header("user-agent"), "pgmi");
    EXPECT_FALSE(got[0].has_header("expect"));
}

TEST(Http, PostAndPutSendTheirBodies) {
    FakeHttpServer fake;
    fake.on("POST", "/p", FakeResponse{201, {}, "made"});
    fake.on("PUT", "/t", FakeResponse{200, {}, "tok"});
    HttpRequest post;
    post.method = "POST";
    post.url = fake.url() + "/p";
    post.body = std::string(5000, 'x');  // large enough that curl would otherwise send Expect
    post.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    auto a = http_send(post);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->status, 201);
    EXPECT_EQ(a->body, "made");
    HttpRequest put;
    put.method = "PUT";
    put.url = fake.url() + "/t";
    put.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
    auto b = http_send(put);
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(b->body, "tok");
    auto got = fake.requests();
    ASSERT_EQ(got.size(), 2U);
    EXPECT_EQ(got[0].method, "POST");
    EXPECT_EQ(got[0].body, std::string(5000, 'x'));
    EXPECT_EQ(got[0].header("content-type"), "application/x-www-form-urlencoded");
    EXPECT_FALSE(got[0].has_header("expect"));
    EXPECT_EQ(got[1].method, "PUT");
    EXPECT_EQ(got[1].body, "");
    EXPECT_EQ(got[1].header("x-aws-ec2-metadata-token-ttl-seconds"), "21600");
}

TEST(Http, UnknownRouteIsA404NotAnError) {
    FakeHttpServer fake;
    HttpRequest req;
    req.url = fake.url() + "/nothing";
    auto resp = http_send(req);
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->status, 404);
}

TEST(Http, RedirectsAreNotFollowed) {
    FakeHttpServer fake;
    fake.on("GET", "/from", FakeResponse{302, {{"Location", "/to"}}, ""});
    fake.on("GET", "/to", FakeResponse{200, {}, "followed"});
    HttpRequest req;
    req.url = fake.url() + "/from";
    auto resp = http_send(req);
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->status, 302);
    EXPECT_EQ(fake.requests().size(), 1U);
}

TEST(Http, RefusedConnectionIsAConnectionErrorWithoutTheQuery) {
    int port = 0;
    {
        FakeHttpServer fake;  // take a free port, then close it
        port = fake.port();
    }
    HttpRequest req;
    req.url = "http://127.0.0.1:" + std::to_string(port) + "/token?client_secret=hunter2";
    auto resp = http_send(req);
    ASSERT_FALSE(resp);
    EXPECT_EQ(resp.error().kind, ErrorKind::Connection);
    EXPECT_EQ(
        resp.error().message.rfind("http://127.0.0.1:" + std::to_string(port) + "/token: ", 0), 0U)
        << resp.error().message;
    EXPECT_EQ(resp.error().message.find("hunter2"), std::string::npos);
    EXPECT_EQ(resp.error().message.find("client_secret"), std::string::npos);
}

TEST(Http, TimeoutIsEnforced) {
    FakeHttpServer fake;
    FakeResponse slow{200, {}, "late"};
    slow.delay = std::chrono::milliseconds(1500);
    fake.on("GET", "/slow", slow);
    HttpRequest req;
    req.url = fake.url() + "/slow";
    req.timeout = std::chrono::milliseconds(300);
    const auto start = std::chrono::steady_clock::now();
    auto resp = http_send(req);
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(resp);
    EXPECT_EQ(resp.error().kind, ErrorKind::Connection);
    EXPECT_EQ(resp.error().message, fake.url() + "/slow: timed out");
    EXPECT_LT(took, std::chrono::milliseconds(1200));
}

TEST(Http, OversizedBodyIsRefused) {
    FakeHttpServer fake;
    fake.on("GET", "/big", FakeResponse{200, {}, std::string((4U << 20) + 10, 'a')});
    HttpRequest req;
    req.url = fake.url() + "/big";
    auto resp = http_send(req);
    ASSERT_FALSE(resp);
    EXPECT_EQ(resp.error().message, fake.url() + "/big: response larger than 4 MiB");
}

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

bool accepting(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

TEST(Http, TlsCertificatesAreVerified) {
    pgmi::test::TempDir dir;
    const auto key = dir.path() / "k.pem";
    const auto crt = dir.path() / "c.pem";
    testing::openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.string(),
                      "-out", crt.string(), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                      "subjectAltName=IP:127.0.0.1"});
    const int port = free_port();
    pgmi::test::Process server({"/usr/bin/openssl", "s_server", "-accept",
                                "127.0.0.1:" + std::to_string(port), "-cert", crt.string(), "-key",
                                key.string(), "-www", "-quiet"});
    for (int i = 0; i < 250 && !accepting(port); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(accepting(port));
    HttpRequest req;
    req.url = "https://127.0.0.1:" + std::to_string(port) + "/";
    auto resp = http_send(req);
    ASSERT_FALSE(resp);  // a self-signed certificate is not trusted
    EXPECT_EQ(resp.error().kind, ErrorKind::Connection);
    EXPECT_NE(resp.error().message.find(": SSL certificate problem: "), std::string::npos)
        << resp.error().message;
}

TEST(Http, LoopbackGuardRefusesOtherHostsBeforeConnecting) {
    ASSERT_TRUE(loopback_only());  // switched on for this whole binary (loopback_guard.cpp)
    for (const char* url : {"http://169.254.169.254/latest/api/token", "http://169.254.170.2/creds",
                            "https://login.microsoftonline.com/t/oauth2/v2.0/token",
                            "http://[fd00:ec2::254]/", "http://10.1.2.3:8080/x"}) {
        HttpRequest req;
        req.url = url;
        const auto start = std::chrono::steady_clock::now();
        auto resp = http_send(req);
        ASSERT_FALSE(resp) << url;
        EXPECT_EQ(resp.error().kind, ErrorKind::Unexpected) << url;
        EXPECT_NE(resp.error().message.find("allows loopback addresses only"), std::string::npos);
        EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
    }
}

TEST(Http, LoopbackHosts) {
    for (const char* h : {"localhost", "LOCALHOST", "127.0.0.1", "127.255.255.254", "127.1.2.3",
                          "::1", "[::1]", "0:0:0:0:0:0:0:1"})
        EXPECT_TRUE(is_loopback_host(h)) << h;
    for (const char* h : {"", "localhost.example.com", "128.0.0.1", "126.255.255.255",
                          "169.254.169.254", "10.0.0.1", "::", "::2", "fd00:ec2::254",
                          "127.0.0.1.nip.io", "0x7f.0.0.1", "example.com"})
        EXPECT_FALSE(is_loopback_host(h)) << h;
}

TEST(Http, OverrideRuleAcceptsHttpsAndLoopbackHttp) {
    for (const char* url :
         {"https://login.example.com/", "https://10.0.0.1:8443/x", "http://127.0.0.1:9/p",
          "http://localhost/", "http://[::1]:8080/", "HTTP://127.0.0.2/", "https://[fd00::1]/"}) {
        auto ok = validate_override_url("SOME_VAR", url);
        ASSERT_TRUE(ok) << url << ": " << ok.error().message;
        EXPECT_EQ(*ok, url);
    }
}

TEST(Http, OverrideRuleRejectsPlainHttpElsewhereNamingTheVariable) {
    struct Case {
        const char* url;
        const char* shown;
    };
    for (const Case c : {Case{"http://example.com/token?secret=abc", "http://example.com"},
                         Case{"http://user:pw@10.0.0.1:8080/x", "http://10.0.0.1:8080"},
                         Case{"http://169.254.169.254/latest", "http://169.254.169.254"},
                         Case{"http://[fd00:ec2::254]/", "http://[fd00:ec2::254]"}}) {
        auto r = validate_override_url("AZURE_AUTHORITY_HOST", c.url);
        ASSERT_FALSE(r) << c.url;
        EXPECT_EQ(r.error().kind, ErrorKind::Config);
        EXPECT_EQ(r.error().message,
                  std::string("AZURE_AUTHORITY_HOST must use https:// (plain http:// is accepted "
                              "only for loopback hosts 127.0.0.0/8, ::1 and localhost), got ") +
                      c.shown);
    }
}

TEST(Http, OverrideRuleExtraHostsAndMalformedValues) {
    EXPECT_TRUE(validate_override_url("V", "http://169.254.170.2/v2/creds", {"169.254.170.2"}));
    EXPECT_TRUE(validate_override_url("V", "http://[fd00:ec2::23]/", {"fd00:ec2::23"}));
    EXPECT_FALSE(validate_override_url("V", "http://169.254.170.3/", {"169.254.170.2"}));
    for (const char* bad : {"", "example.com", "127.0.0.1:8080", "ftp://127.0.0.1/",
                            "file:///etc/passwd", "http://", "https:///path", "gopher://x/"}) {
        auto r = validate_override_url("GCE_VAR", bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().kind, ErrorKind::Config);
        EXPECT_EQ(r.error().message, "GCE_VAR is not an absolute http:// or https:// URL") << bad;
    }
}

TEST(Http, ParseUrl) {
    auto u = parse_url("https://Example.com:8443/a/b?x=1&y=2");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->scheme, "https");
    EXPECT_EQ(u->port, 8443);
    EXPECT_EQ(u->path, "/a/b");
    EXPECT_EQ(u->query, "x=1&y=2");
    auto v = parse_url("http://[::1]/");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->host, "::1");
    EXPECT_EQ(v->port, 80);
    EXPECT_EQ(url_origin(*v), "http://[::1]");
    auto w = parse_url("https://h");
    ASSERT_TRUE(w);
    EXPECT_EQ(w->path, "/");
    EXPECT_EQ(url_origin(*w), "https://h");
}

TEST(Http, FormEncodingPercentEncodesEveryPart) {
    EXPECT_EQ(form_encode({{"grant_type", "client_credentials"}, {"scope", "https://x/.default"}}),
              "grant_type=client_credentials&scope=https%3A%2F%2Fx%2F.default");
    EXPECT_EQ(form_encode({{"a b", "c+d=e&f"}}), "a%20b=c%2Bd%3De%26f");
}

}  // namespace
}  // namespace pgmi::cloud
