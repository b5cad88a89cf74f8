#include "core/cursor.hpp"

#include <charconv>
#include <cstdint>
#include <vector>

#include "core/random.hpp"

namespace emporium::core {

namespace {

// "<list>|<n1>|<n2>…" → the `count` numbers, or nullopt when the cursor is not one of them.
std::optional<std::vector<int64_t>> DecodeNumbers(std::string_view list, std::string_view cursor, std::size_t count) {
    std::string raw;
    std::string prefix = std::string(list) + "|";
    if (cursor.size() > 256 || !Base64UrlDecode(cursor, raw) || !raw.starts_with(prefix)) return std::nullopt;
    std::vector<int64_t> numbers(count);
    const char* at = raw.data() + prefix.size();
    const char* end = raw.data() + raw.size();
    for (std::size_t i = 0; i < count; ++i) {
        if (i > 0) {
            if (at == end || *at != '|') return std::nullopt;
            ++at;
        }
        auto [next, error] = std::from_chars(at, end, numbers[i]);
        if (error != std::errc()) return std::nullopt;
        at = next;
    }
    if (at != end) return std::nullopt;
    return numbers;
}

Error NotACursor() {
    return Error{
        ErrorCode::kMalformed, "The cursor is not valid.", {{"cursor", "is not a cursor returned by this list"}}};
}

}  // namespace

std::string EncodeSequenceCursor(std::string_view list, int64_t sequence) {
    return Base64UrlEncode(std::string(list) + "|" + std::to_string(sequence));
}

Result<std::optional<int64_t>> DecodeSequenceCursor(std::string_view list, std::string_view cursor) {
    if (cursor.empty()) return std::optional<int64_t>();
    auto numbers = DecodeNumbers(list, cursor, 1);
    if (!numbers) return NotACursor();
    return std::optional<int64_t>((*numbers)[0]);
}

std::string EncodeOffsetCursor(std::string_view list, OffsetCursor cursor) {
    return Base64UrlEncode(std::string(list) + "|" + std::to_string(cursor.offset) + "|" +
                           std::to_string(cursor.snapshot));
}

Result<std::optional<OffsetCursor>> DecodeOffsetCursor(std::string_view list, std::string_view cursor) {
    if (cursor.empty()) return std::optional<OffsetCursor>();
    auto numbers = DecodeNumbers(list, cursor, 2);
    if (!numbers || (*numbers)[0] < 0 || (*numbers)[1] < 0 || (*numbers)[1] > int64_t{UINT32_MAX}) return NotACursor();
    return std::optional<OffsetCursor>(OffsetCursor{(*numbers)[0], (*numbers)[1]});
}

std::string EncodeTimeIdCursor(std::string_view list, const TimeIdCursor& cursor) {
    return Base64UrlEncode(std::string(list) + "|" + std::to_string(cursor.time) + "|" + cursor.id);
}

Result<std::optional<TimeIdCursor>> DecodeTimeIdCursor(std::string_view list, std::string_view cursor) {
    if (cursor.empty()) return std::optional<TimeIdCursor>();
    std::string raw;
    std::string prefix = std::string(list) + "|";
    if (cursor.size() > 256 || !Base64UrlDecode(cursor, raw) || !raw.starts_with(prefix)) return NotACursor();
    std::string_view rest = std::string_view(raw).substr(prefix.size());
    std::size_t bar = rest.find('|');
    if (bar == std::string_view::npos) return NotACursor();
    TimeIdCursor out;
    auto [next, error] = std::from_chars(rest.data(), rest.data() + bar, out.time);
    if (error != std::errc() || next != rest.data() + bar) return NotACursor();
    std::string_view id = rest.substr(bar + 1);
    if (id.empty() || id.size() > 64) return NotACursor();
    for (char c : id)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return NotACursor();
    out.id = std::string(id);
    return std::optional<TimeIdCursor>(std::move(out));
}

Result<void> CheckPageLimit(int limit) {
    if (limit < 1 || limit > 100)
        return Error{ErrorCode::kMalformed, "Invalid query parameters.", {{"limit", "must be between 1 and 100"}}};
    return Ok();
}

}  // namespace emporium::core
