// A real pgbouncer in front of the test server, on a free loopback port, for pooler tests.
#pragma once

#include <sys/types.h>

#include <string>

#include "support.hpp"

namespace pgmi::test {

class Pgbouncer {
  public:
    /// Starts pgbouncer with `pool_mode` (session | transaction | statement) in front of
    /// server(), trusting every user. As root it runs as the postgres user (it refuses root).
    explicit Pgbouncer(const std::string& pool_mode);
    ~Pgbouncer();
    Pgbouncer(const Pgbouncer&) = delete;
    Pgbouncer& operator=(const Pgbouncer&) = delete;

    int port() const { return port_; }
    /// Arguments for pgmi deploy: through pgbouncer over TCP to database `db`.
    std::vector<std::string> connection_args(const std::string& db) const;

  private:
    TempDir dir_;
    int port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace pgmi::test
