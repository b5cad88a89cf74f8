#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace emporium::http {

// Caps on simultaneous client connections, in all and per client address, so that one
// client (or a crowd) holding sockets open cannot take every file descriptor and event-loop
// slot. Shared by the server's event-loop threads; thread-safe.
class ConnectionLimits {
  public:
    ConnectionLimits(int64_t max_total, int64_t max_per_address)
        : max_total_(max_total), max_per_address_(max_per_address) {}

    // One held connection; gives its place back when destroyed. Move-only.
    class Slot {
      public:
        Slot() = default;
        Slot(Slot&& other) noexcept : limits_(other.limits_), address_(std::move(other.address_)) {
            other.limits_ = nullptr;
        }
        Slot& operator=(Slot&& other) noexcept;
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot() { Release(); }
        explicit operator bool() const { return limits_ != nullptr; }

      private:
        friend class ConnectionLimits;
        Slot(ConnectionLimits* limits, std::string address) : limits_(limits), address_(std::move(address)) {}
        void Release();
        ConnectionLimits* limits_ = nullptr;
        std::string address_;
    };

    // A slot for a new connection from `address`, or an empty one when the connection
    // would pass either cap (then the caller closes it at once).
    Slot TryAcquire(const std::string& address);

    int64_t open() const;

  private:
    void Release(const std::string& address);

    const int64_t max_total_;
    const int64_t max_per_address_;
    mutable std::mutex mutex_;
    int64_t total_ = 0;
    std::unordered_map<std::string, int64_t> per_address_;
};

}  // namespace emporium::http
