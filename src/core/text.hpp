#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace emporium::core {

std::string_view Trim(std::string_view text);
std::string ToLowerAscii(std::string_view text);
// Number of Unicode code points, or npos when `text` is not valid UTF-8.
std::size_t Utf8Length(std::string_view text);
// "Blue Cotton T-Shirt (XL)" -> "blue-cotton-t-shirt-xl"; only [a-z0-9-], at most `max_length`.
std::string Slugify(std::string_view text, std::size_t max_length = 100);
bool IsValidSlug(std::string_view slug);
// 64-bit FNV-1a; for ETags and cache keys, not for security.
uint64_t Fnv1a(std::string_view data);
// A strong ETag for a representation: "\"<16 hex digits>\"".
std::string EtagFor(std::string_view body);

}  // namespace emporium::core
