// A throwaway PKI for TLS tests, made with the openssl CLI in a temp directory: a CA, a second
// unrelated CA, a server certificate for DNS:localhost only (so 127.0.0.1 fails verify-full), and
// a client certificate for one role with a plain and a passphrase-encrypted key. Also turns TLS
// on for an ephemeral server. Shared by the conn and cli integration tests (header only).
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ephemeral/server.hpp"
#include "support/support.hpp"

namespace pgmi::test {

struct TestPki {
    std::filesystem::path ca_crt, wrong_ca_crt, server_crt, server_key;
    std::filesystem::path client_crt, client_key, client_key_encrypted;
    std::string client_role;
    std::string passphrase;  // of client_key_encrypted
};

inline std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Runs openssl with `args`; the passphrase travels in $PGMI_TEST_PASS, never in argv.
inline void openssl(const std::filesystem::path& dir, std::vector<std::string> args,
                    const std::string& passphrase = "") {
    std::vector<std::string> argv = {"/usr/bin/openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o;
    o.cwd = dir;
    o.env["PGMI_TEST_PASS"] = passphrase;
    auto r = run_program(argv, o);
    ASSERT_EQ(r.exit_code, 0) << "openssl " << args[0] << ": " << r.err;
}

inline TestPki make_test_pki(const std::filesystem::path& dir, const std::string& client_role,
                             const std::string& passphrase) {
    TestPki p;
    p.client_role = client_role;
    p.passphrase = passphrase;
    auto ca = [&](const std::string& name, const std::string& cn) {
        openssl(dir, {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key",
                      "-out", name + ".crt", "-days", "2", "-subj", "/CN=" + cn, "-addext",
                      "basicConstraints=critical,CA:TRUE", "-addext",
                      "keyUsage=critical,keyCertSign,cRLSign"});
    };
    auto leaf = [&](const std::string& name, const std::string& cn, const std::string& ext) {
        openssl(dir, {"req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
                      name + ".csr", "-subj", "/CN=" + cn});
        std::ofstream(dir / (name + ".ext")) << ext << "\n";
        openssl(dir, {"x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                      "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile",
                      name + ".ext"});
    };
    ca("ca", "pgmi test CA");
    ca("wrong-ca", "some other CA");
    leaf("server", "localhost", "subjectAltName=DNS:localhost");
    leaf("client", client_role, "extendedKeyUsage=clientAuth");
    openssl(dir,
            {"pkcs8", "-topk8", "-in", "client.key", "-out", "client-enc.key", "-v2", "aes-256-cbc",
             "-passout", "env:PGMI_TEST_PASS"},
            passphrase);
    p.ca_crt = dir / "ca.crt";
    p.wrong_ca_crt = dir / "wrong-ca.crt";
    p.server_crt = dir / "server.crt";
    p.server_key = dir / "server.key";
    p.client_crt = dir / "client.crt";
    p.client_key = dir / "client.key";
    p.client_key_encrypted = dir / "client-enc.key";
    for (const auto& k : {p.client_key, p.client_key_encrypted, p.server_key})
        ::chmod(k.c_str(), 0600);
    EXPECT_NE(read_all(p.client_key_encrypted).find("BEGIN ENCRYPTED PRIVATE KEY"),
              std::string::npos);
    return p;
}

/// Installs the server certificate, key and CA in `server`, turns ssl on, then installs `hba`
/// (hostssl lines are only valid once ssl is on). `settings` are added in the same step.
inline void enable_tls(ephemeral::Server& server, const TestPki& pki, const std::string& hba,
                       const std::vector<std::string>& settings = {}) {
    ASSERT_TRUE(server.write_file("server.crt", read_all(pki.server_crt), 0644));
    ASSERT_TRUE(server.write_file("server.key", read_all(pki.server_key), 0600));
    ASSERT_TRUE(server.write_file("root.crt", read_all(pki.ca_crt), 0644));
    std::vector<std::string> all = {"ssl = on", "ssl_cert_file = 'server.crt'",
                                    "ssl_key_file = 'server.key'", "ssl_ca_file = 'root.crt'"};
    all.insert(all.end(), settings.begin(), settings.end());
    Status on = server.reload_with("", all);
    ASSERT_TRUE(on) << on.error().message;
    Status rules = server.reload_with(hba);
    ASSERT_TRUE(rules) << rules.error().message;
}

}  // namespace pgmi::test
