// A loopback TCP relay that can stall the network path the way a broken middlebox does: it
// forwards bytes both ways between each client and 127.0.0.1:<backend_port> until stall() is
// called; from then on it swallows what clients send (existing and new connections alike, a
// client's close included), while it keeps forwarding what the server sends. Nothing is closed,
// so a client waiting for an answer to bytes it sent after the stall waits forever unless it
// gives up by itself. held_bytes() lets a test wait until the client has sent into the stall.
// One thread for all connections; 127.0.0.1 only.
#pragma once

#include <atomic>
#include <mutex>
#include <thread>

namespace pgmi::test {

class StallProxy {
  public:
    explicit StallProxy(int backend_port);  // listens on 127.0.0.1:0
    ~StallProxy();
    StallProxy(const StallProxy&) = delete;
    StallProxy& operator=(const StallProxy&) = delete;

    int port() const { return port_; }
    /// Stops forwarding client→server bytes from now on (server→client goes on).
    void stall();
    /// How many client connections were accepted so far.
    int connections() const { return connections_.load(); }
    /// How many client bytes the stall swallowed so far.
    long held_bytes() const { return held_bytes_.load(); }

  private:
    void run();

    int backend_port_;
    int listen_fd_ = -1;
    int port_ = 0;
    int wake_[2] = {-1, -1};  // self-pipe: stall() and the destructor wake the thread
    std::atomic<bool> stalled_{false};
    std::atomic<bool> stopping_{false};
    std::atomic<int> connections_{0};
    std::atomic<long> held_bytes_{0};
    std::thread thread_;
};

}  // namespace pgmi::test
