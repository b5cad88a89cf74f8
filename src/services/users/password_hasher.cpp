#include "services/users/password_hasher.hpp"

#include <sodium.h>

#include <mutex>

#include "core/random.hpp"

namespace emporium::users {

core::Result<std::string> PasswordHasher::Hash(std::string_view password) const {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), settings_.ops_limit, settings_.memory_bytes,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return core::Error::Unavailable("password hashing ran out of memory");
    return std::string(out);
}

bool PasswordHasher::Verify(std::string_view encoded_hash, std::string_view password) const {
    std::string hash(encoded_hash);  // crypto_pwhash_str_verify needs a NUL-terminated string
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

const std::string& PasswordHasher::DummyHash() const {
    static std::once_flag once;
    static std::string dummy;
    std::call_once(once, [this] {
        auto hashed = Hash(core::RandomToken(24));
        dummy = hashed.ok() ? *hashed : std::string();
    });
    return dummy;
}

}  // namespace emporium::users
