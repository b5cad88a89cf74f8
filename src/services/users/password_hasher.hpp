#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace emporium::users {

struct PasswordHashSettings {
    unsigned long long ops_limit = 2;           // libsodium OPSLIMIT_INTERACTIVE
    std::size_t memory_bytes = 64ULL << 20;     // MEMLIMIT_INTERACTIVE
    int max_concurrent = 2;                     // hashes running at once; others wait for a slot
    int max_waiting = 8;                        // beyond this many waiting, kUnavailable at once
    std::chrono::milliseconds max_wait{3'000};  // then kUnavailable
};

// argon2id through libsodium's crypto_pwhash_str: the output embeds salt and parameters,
// so hashes made with other settings still verify. CPU- and memory-heavy by design: call
// from the blocking pool. Hashing is a bounded pool of its own: at most `max_concurrent`
// run at once, which bounds the memory (64 MiB each by default) and keeps the cores from
// being oversubscribed, and at most `max_waiting` callers queue for a slot (up to
// `max_wait`); anyone more gets kUnavailable (503, retry) at once. So a login storm holds
// at most max_concurrent + max_waiting of the blocking pool's threads, never all of them.
// Thread-safe.
class PasswordHasher {
  public:
    explicit PasswordHasher(PasswordHashSettings settings) : settings_(settings) {}
    PasswordHasher(const PasswordHasher& other) : settings_(other.settings_) {}
    core::Result<std::string> Hash(std::string_view password) const;
    // True when `password` matches `encoded_hash`.
    core::Result<bool> Verify(std::string_view encoded_hash, std::string_view password) const;
    // A valid hash of a random password: verifying against it costs the same as a real one,
    // so a login for an unknown email takes as long as one with a wrong password.
    const std::string& DummyHash() const;
    // Hashes refused because every slot and every waiting place was taken.
    uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }

  private:
    // Takes a hashing slot or reports kUnavailable.
    core::Result<void> Acquire() const;
    void Release() const;

    PasswordHashSettings settings_;
    mutable std::mutex mutex_;
    mutable std::condition_variable slot_free_;
    mutable int running_ = 0;
    mutable int waiting_ = 0;
    mutable std::atomic<uint64_t> rejected_{0};
};

}  // namespace emporium::users
