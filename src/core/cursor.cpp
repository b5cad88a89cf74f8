#include "core/cursor.hpp"

#include <charconv>

#include "core/random.hpp"

namespace emporium::core {

std::string EncodeSequenceCursor(std::string_view list, int64_t sequence) {
    return Base64UrlEncode(std::string(list) + "|" + std::to_string(sequence));
}

Result<std::optional<int64_t>> DecodeSequenceCursor(std::string_view list, std::string_view cursor) {
    if (cursor.empty()) return std::optional<int64_t>();
    std::string raw;
    std::string prefix = std::string(list) + "|";
    int64_t sequence = 0;
    bool ok = cursor.size() <= 256 && Base64UrlDecode(cursor, raw) && raw.starts_with(prefix);
    if (ok) {
        auto [end, ec] = std::from_chars(raw.data() + prefix.size(), raw.data() + raw.size(), sequence);
        ok = ec == std::errc() && end == raw.data() + raw.size();
    }
    if (!ok)
        return Error{
            ErrorCode::kMalformed, "The cursor is not valid.", {{"cursor", "is not a cursor returned by this list"}}};
    return std::optional<int64_t>(sequence);
}

std::string EncodeOffsetCursor(std::string_view list, OffsetCursor cursor) {
    return Base64UrlEncode(std::string(list) + "|" + std::to_string(cursor.offset) + "|" +
                           std::to_string(cursor.snapshot));
}

Result<std::optional<OffsetCursor>> DecodeOffsetCursor(std::string_view list, std::string_view cursor) {
    if (cursor.empty()) return std::optional<OffsetCursor>();
    std::string raw;
    std::string prefix = std::string(list) + "|";
    OffsetCursor decoded;
    bool ok = cursor.size() <= 256 && Base64UrlDecode(cursor, raw) && raw.starts_with(prefix);
    if (ok) {
        const char* end = raw.data() + raw.size();
        auto [middle, first_error] = std::from_chars(raw.data() + prefix.size(), end, decoded.offset);
        ok = first_error == std::errc() && middle != end && *middle == '|';
        if (ok) {
            auto [last, second_error] = std::from_chars(middle + 1, end, decoded.snapshot);
            ok = second_error == std::errc() && last == end && decoded.offset >= 0 && decoded.snapshot >= 0;
        }
    }
    if (!ok)
        return Error{
            ErrorCode::kMalformed, "The cursor is not valid.", {{"cursor", "is not a cursor returned by this list"}}};
    return std::optional<OffsetCursor>(decoded);
}

Result<void> CheckPageLimit(int limit) {
    if (limit < 1 || limit > 100)
        return Error{ErrorCode::kMalformed, "Invalid query parameters.", {{"limit", "must be between 1 and 100"}}};
    return Ok();
}

}  // namespace emporium::core
