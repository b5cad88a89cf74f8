#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace emporium::core {

std::string_view Trim(std::string_view text);
std::string ToLowerAscii(std::string_view text);
// Number of Unicode code points, or npos when `text` is not valid UTF-8.
std::size_t Utf8Length(std::string_view text);
// A whole decimal integer (optional leading '-'), e.g. a query parameter; nullopt for
// anything else, including an empty text, trailing characters or an overflow.
std::optional<int64_t> ParseInteger(std::string_view text);
// "Blue Cotton T-Shirt (XL)" -> "blue-cotton-t-shirt-xl"; only [a-z0-9-], at most `max_length`.
std::string Slugify(std::string_view text, std::size_t max_length = 100);
bool IsValidSlug(std::string_view slug);
bool IsAsciiAlnum(char c);
// True when `text` is 1..max_length characters, each visible ASCII ('!'..'~'): the rule for
// client-chosen identifiers carried in headers and bodies (request ids, idempotency keys).
bool IsVisibleAscii(std::string_view text, std::size_t max_length);
// True when `text` holds an ASCII control character other than tab, line feed and carriage
// return (U+0000..U+001F, U+007F): text a person typed or pasted never does.
bool HasControlCharacters(std::string_view text);
// Why `value` breaks a length rule counted in code points (not valid UTF-8, shorter than
// `min` or longer than `max`), or empty when it does not. For field validation messages.
std::string TextLengthProblem(std::string_view value, std::size_t min, std::size_t max);
// 64-bit FNV-1a; for ETags and cache keys, not for security.
uint64_t Fnv1a(std::string_view data);
// A strong ETag for a representation: "\"<16 hex digits>\"".
std::string EtagFor(std::string_view body);

}  // namespace emporium::core
