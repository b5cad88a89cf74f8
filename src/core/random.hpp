#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace emporium::core {

// Cryptographically random bytes (libsodium), base64url without padding. Used for
// session tokens (32 bytes = 256 bits) and resource ids.
std::string RandomToken(std::size_t bytes);

// "<prefix>_<16 random bytes base64url>", e.g. "prd_3q2-7wEAAAB..."; unguessable.
std::string NewId(std::string_view prefix);

// 8 characters of creation time (Unix milliseconds, base62 in ASCII order, so the text sorts
// by time) followed by 16 characters of 12 random bytes: as unguessable as RandomToken(12).
// For ids of rows written at a high rate: an index on them grows at its right edge, so the
// rows of one group commit share pages and the hot pages stay cached, where random ids
// would touch one random leaf per row (and write it to the WAL) in every index on them.
std::string TimeOrderedToken();
// "<prefix>_<TimeOrderedToken()>".
std::string NewTimeOrderedId(std::string_view prefix);

// 128-bit hex id for requests; not secret, so a fast thread-local generator.
std::string NewRequestId();

std::string Base64UrlEncode(std::string_view bytes);
bool Base64UrlDecode(std::string_view text, std::string& out);

// SHA-256 of `data` as lower-case hex.
std::string Sha256Hex(std::string_view data);

// Initialises libsodium; call once before any other function here. Returns false on failure.
bool InitCrypto();

}  // namespace emporium::core
