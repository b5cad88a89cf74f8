#include "services/users/password_hasher.hpp"

#include <sodium.h>

#include <mutex>

#include "core/random.hpp"

namespace emporium::users {

core::Result<void> PasswordHasher::Acquire() const {
    std::unique_lock lock(mutex_);
    const auto busy = core::Error::Unavailable("Too many sign-ins in progress; retry shortly.");
    if (running_ >= settings_.max_concurrent && waiting_ >= settings_.max_waiting) {
        rejected_.fetch_add(1, std::memory_order_relaxed);
        return busy;
    }
    ++waiting_;
    bool got = slot_free_.wait_for(lock, settings_.max_wait, [&] { return running_ < settings_.max_concurrent; });
    --waiting_;
    if (!got) {
        rejected_.fetch_add(1, std::memory_order_relaxed);
        return busy;
    }
    ++running_;
    return core::Ok();
}

void PasswordHasher::Release() const {
    {
        std::lock_guard lock(mutex_);
        --running_;
    }
    slot_free_.notify_one();
}

core::Result<std::string> PasswordHasher::Hash(std::string_view password) const {
    EMPORIUM_TRY(Acquire());
    char out[crypto_pwhash_STRBYTES];
    int rc = crypto_pwhash_str_alg(out, password.data(), password.size(), settings_.ops_limit, settings_.memory_bytes,
                                   crypto_pwhash_ALG_ARGON2ID13);
    Release();
    if (rc != 0) return core::Error::Unavailable("password hashing ran out of memory");
    return std::string(out);
}

core::Result<bool> PasswordHasher::Verify(std::string_view encoded_hash, std::string_view password) const {
    EMPORIUM_TRY(Acquire());
    std::string hash(encoded_hash);  // crypto_pwhash_str_verify needs a NUL-terminated string
    int rc = crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size());
    Release();
    return rc == 0;
}

const std::string& PasswordHasher::DummyHash() const {
    static std::once_flag once;
    static std::string dummy;
    std::call_once(once, [this] {
        char out[crypto_pwhash_STRBYTES];
        std::string password = core::RandomToken(24);
        if (crypto_pwhash_str_alg(out, password.data(), password.size(), settings_.ops_limit, settings_.memory_bytes,
                                  crypto_pwhash_ALG_ARGON2ID13) == 0)
            dummy = out;
    });
    return dummy;
}

}  // namespace emporium::users
