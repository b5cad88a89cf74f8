#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace emporium::users {

struct PasswordHashSettings {
    unsigned long long ops_limit = 2;           // libsodium OPSLIMIT_INTERACTIVE
    std::size_t memory_bytes = 64ULL << 20;     // MEMLIMIT_INTERACTIVE
};

// argon2id through libsodium's crypto_pwhash_str: the output embeds salt and parameters,
// so hashes made with other settings still verify. CPU- and memory-heavy by design: call
// from the blocking pool. Thread-safe.
class PasswordHasher {
public:
    explicit PasswordHasher(PasswordHashSettings settings) : settings_(settings) {}
    core::Result<std::string> Hash(std::string_view password) const;
    bool Verify(std::string_view encoded_hash, std::string_view password) const;
    // A valid hash of a random password: verifying against it costs the same as a real one,
    // so a login for an unknown email takes as long as one with a wrong password.
    const std::string& DummyHash() const;

private:
    PasswordHashSettings settings_;
};

}  // namespace emporium::users
