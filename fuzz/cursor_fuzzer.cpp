// Page cursors come back from clients as they like: decoding any text must either refuse
// it (kMalformed) or give a position that encodes back to a cursor decoding to the same.
#include <string>
#include <string_view>

#include "core/cursor.hpp"
#include "fuzz_targets.hpp"

namespace emporium::fuzz {

int Cursor(const std::uint8_t* data, std::size_t size) {
    std::string_view cursor(reinterpret_cast<const char*>(data), size);
    constexpr std::string_view kList = "orders";
    auto sequence = core::DecodeSequenceCursor(kList, cursor);
    if (!sequence.ok()) {
        Check(sequence.error().code == core::ErrorCode::kMalformed, "a refused sequence cursor is kMalformed");
    } else if (*sequence) {
        auto again = core::DecodeSequenceCursor(kList, core::EncodeSequenceCursor(kList, **sequence));
        Check(again.ok() && *again == *sequence, "a sequence cursor round-trips");
        Check(!core::DecodeSequenceCursor("products", core::EncodeSequenceCursor(kList, **sequence)).ok(),
              "a cursor of one list is refused by another");
    } else {
        Check(cursor.empty(), "only an empty cursor means the first page");
    }
    auto offset = core::DecodeOffsetCursor(kList, cursor);
    if (!offset.ok()) {
        Check(offset.error().code == core::ErrorCode::kMalformed, "a refused offset cursor is kMalformed");
    } else if (*offset) {
        Check((*offset)->offset >= 0 && (*offset)->snapshot >= 0, "an offset cursor is not negative");
        auto again = core::DecodeOffsetCursor(kList, core::EncodeOffsetCursor(kList, **offset));
        Check(
            again.ok() && *again && (*again)->offset == (*offset)->offset && (*again)->snapshot == (*offset)->snapshot,
            "an offset cursor round-trips");
    }
    return 0;
}

}  // namespace emporium::fuzz

EMPORIUM_FUZZ_ENTRY(Cursor)
