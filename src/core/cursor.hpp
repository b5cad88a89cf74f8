#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace emporium::core {

// Opaque cursors of lists ordered by an insertion sequence ("newest first" pages): the
// base64url of "<list>|<sequence of the last row shown>". `list` names the list so a
// cursor from one list is refused by another.
std::string EncodeSequenceCursor(std::string_view list, int64_t sequence);
// nullopt for an empty cursor (the first page); kMalformed (field "cursor") if unreadable.
Result<std::optional<int64_t>> DecodeSequenceCursor(std::string_view list, std::string_view cursor);
// Cursors of lists paged by position over a snapshot (search results): the base64url of
// "<list>|<offset>|<snapshot>". The snapshot is what the first page saw, so that later pages
// leave out what was added since and the positions do not move under concurrent inserts.
struct OffsetCursor {
    int64_t offset = 0;
    int64_t snapshot = 0;
};
std::string EncodeOffsetCursor(std::string_view list, OffsetCursor cursor);
// nullopt for an empty cursor (the first page); kMalformed (field "cursor") if unreadable,
// negative, or with a snapshot past 2^32 - 1 (a document number).
Result<std::optional<OffsetCursor>> DecodeOffsetCursor(std::string_view list, std::string_view cursor);
// Cursors of lists ordered by (time, id), newest first, merged from several stores that
// share no sequence (orders of every shard, accounts): the base64url of
// "<list>|<time>|<id>" of the last row shown; the next page is what sorts strictly after it.
struct TimeIdCursor {
    int64_t time = 0;
    std::string id;
};
std::string EncodeTimeIdCursor(std::string_view list, const TimeIdCursor& cursor);
// nullopt for an empty cursor (the first page); kMalformed (field "cursor") if unreadable or
// its id is not 1-64 characters of [A-Za-z0-9_-].
Result<std::optional<TimeIdCursor>> DecodeTimeIdCursor(std::string_view list, std::string_view cursor);
// kMalformed (field "limit") unless 1 <= limit <= 100.
Result<void> CheckPageLimit(int limit);

}  // namespace emporium::core
