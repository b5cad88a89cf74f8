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
// kMalformed (field "limit") unless 1 <= limit <= 100.
Result<void> CheckPageLimit(int limit);

}  // namespace emporium::core
