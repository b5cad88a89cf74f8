#include "core/random.hpp"

#include <sodium.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <random>

namespace emporium::core {

bool InitCrypto() { return sodium_init() >= 0; }

std::string Base64UrlEncode(std::string_view bytes) {
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(out.size() - 1);  // the terminating NUL
    return out;
}

bool Base64UrlDecode(std::string_view text, std::string& out) {
    out.resize(text.size());
    std::size_t length = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                          &length, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return false;
    out.resize(length);
    return true;
}

std::string RandomToken(std::size_t bytes) {
    std::string raw(bytes, '\0');
    randombytes_buf(raw.data(), raw.size());
    return Base64UrlEncode(raw);
}

std::string NewId(std::string_view prefix) {
    std::string id(prefix);
    id += '_';
    id += RandomToken(12);
    return id;
}

std::string TimeOrderedToken() {
    static constexpr char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    auto millis = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    std::string token(8, '0');  // 62^8 ms: until the year 8888
    for (int i = 7; i >= 0; --i) {
        token[static_cast<std::size_t>(i)] = kBase62[millis % 62];
        millis /= 62;
    }
    token += RandomToken(12);
    return token;
}

std::string NewTimeOrderedId(std::string_view prefix) {
    std::string id(prefix);
    id += '_';
    id += TimeOrderedToken();
    return id;
}

std::string NewRequestId() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id(32, '0');
    for (int half = 0; half < 2; ++half) {
        uint64_t value = generator();
        for (int i = 0; i < 16; ++i) id[half * 16 + i] = kHex[(value >> (i * 4)) & 0xF];
    }
    return id;
}

std::string Sha256Hex(std::string_view data) {
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size());
    std::string hex(digest.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    hex.pop_back();
    return hex;
}

}  // namespace emporium::core
