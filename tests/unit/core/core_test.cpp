#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/cursor.hpp"
#include "core/json_writer.hpp"
#include "core/random.hpp"
#include "core/text.hpp"

namespace emporium::core {
namespace {

TEST(Text, Utf8LengthCountsCodePointsAndRejectsInvalid) {
    EXPECT_EQ(Utf8Length("abc"), 3u);
    EXPECT_EQ(Utf8Length("h\xC3\xA9llo"), 5u);                      // é
    EXPECT_EQ(Utf8Length("\xF0\x9F\x98\x80"), 1u);                  // emoji
    EXPECT_EQ(Utf8Length("\xC3"), std::string_view::npos);          // truncated
    EXPECT_EQ(Utf8Length("\xC0\xAF"), std::string_view::npos);      // overlong
    EXPECT_EQ(Utf8Length("\xED\xA0\x80"), std::string_view::npos);  // surrogate
}

TEST(Text, SlugifyMakesValidSlugs) {
    EXPECT_EQ(Slugify("Blue Cotton T-Shirt (XL)"), "blue-cotton-t-shirt-xl");
    EXPECT_EQ(Slugify("  --Hello,   World!! "), "hello-world");
    EXPECT_TRUE(IsValidSlug(Slugify("Chef's Knife 20cm")));
    EXPECT_EQ(Slugify(std::string(300, 'a')).size(), 100u);
    EXPECT_EQ(Slugify("Crème Brûlée Torch"), "creme-brulee-torch");
    EXPECT_EQ(Slugify("Ünïcödé Café Straße Łódź Œuvre"), "unicode-cafe-strasse-lodz-oeuvre");
    EXPECT_EQ(Slugify("日本語 Tea 2×3"), "tea-2-3");
    EXPECT_EQ(Slugify("日本語"), "");
    EXPECT_EQ(Slugify(std::string(99, 'a') + " ß").size(), 99u);            // "ss" would not fit whole
    EXPECT_EQ(Slugify(std::string(98, 'a') + " ß"), std::string(98, 'a'));  // nor would "-ss": no trailing "-"
    EXPECT_EQ(Slugify("Cre\u0300me bru\u0302le\u0301e"), "creme-brulee");   // decomposed accents
    EXPECT_EQ(Slugify("bad \xC3 byte \xF0\x9F\x98\x80 end"), "bad-byte-end");
    EXPECT_FALSE(IsValidSlug("Upper"));
    EXPECT_FALSE(IsValidSlug("double--dash"));
    EXPECT_FALSE(IsValidSlug("-leading"));
    EXPECT_FALSE(IsValidSlug(""));
}

TEST(Random, TokensAreUrlSafeAndDistinct) {
    ASSERT_TRUE(InitCrypto());
    std::string a = RandomToken(32), b = RandomToken(32);
    EXPECT_EQ(a.size(), 43u);
    EXPECT_NE(a, b);
    EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    std::string decoded;
    ASSERT_TRUE(Base64UrlDecode(Base64UrlEncode("hello|world"), decoded));
    EXPECT_EQ(decoded, "hello|world");
    EXPECT_FALSE(Base64UrlDecode("not base64!", decoded));
}

TEST(Random, TimeOrderedIdsSortByCreationTimeAndStayUnguessable) {
    ASSERT_TRUE(InitCrypto());
    std::string first = NewTimeOrderedId("evt");
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    std::string second = NewTimeOrderedId("evt");
    ASSERT_EQ(first.size(), 4u + 8u + 16u);
    EXPECT_EQ(first.substr(0, 4), "evt_");
    // Later ids sort after earlier ones as plain text (that is what keeps index inserts at the
    // right edge), and the random part still differs between ids of the same millisecond.
    EXPECT_LT(first, second);
    EXPECT_NE(first.substr(4, 8), second.substr(4, 8));
    std::string a = TimeOrderedToken(), b = TimeOrderedToken();
    EXPECT_NE(a.substr(8), b.substr(8));
    EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
}

TEST(Random, Sha256MatchesKnownVector) {
    ASSERT_TRUE(InitCrypto());
    EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(JsonWriter, EscapesAndSeparates) {
    std::string out;
    JsonWriter json(out);
    json.BeginObject().Field("a", "x\"y\\z\n\x01").Key("list").BeginArray().Int(1).Bool(false).Null().EndArray();
    json.Key("raw").Raw("{\"k\":1}").EndObject();
    EXPECT_EQ(out, R"({"a":"x\"y\\z\n\u0001","list":[1,false,null],"raw":{"k":1}})");
}

TEST(Clock, Rfc3339RoundTrips) {
    EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(FormatRfc3339(1795780800), "2026-11-27T12:00:00Z");
    EXPECT_EQ(ParseRfc3339("2026-11-27T12:00:00Z"), 1795780800);
    EXPECT_FALSE(ParseRfc3339("2026-11-27 12:00:00").has_value());
}

TEST(Text, EtagIsQuotedAndStable) {
    EXPECT_EQ(EtagFor("body"), EtagFor("body"));
    EXPECT_NE(EtagFor("body"), EtagFor("body2"));
    EXPECT_EQ(EtagFor("x").front(), '"');
    EXPECT_EQ(EtagFor("x").size(), 18u);
}

TEST(Text, VisibleAsciiIsOneToMaxCharactersFromBangToTilde) {
    EXPECT_TRUE(IsVisibleAscii("k-1~!", 5));
    EXPECT_FALSE(IsVisibleAscii("k-1~!", 4));
    EXPECT_FALSE(IsVisibleAscii("", 5));
    EXPECT_FALSE(IsVisibleAscii("has space", 20));
    EXPECT_FALSE(IsVisibleAscii("tab\t", 20));
    EXPECT_FALSE(IsVisibleAscii("caf\xC3\xA9", 20));
    EXPECT_FALSE(IsVisibleAscii("del\x7f", 20));
}

TEST(Cursor, OffsetCursorsRoundTripAndRefuseOthers) {
    auto decoded = DecodeOffsetCursor("search", EncodeOffsetCursor("search", {40, 1234}));
    ASSERT_TRUE(decoded.ok());
    ASSERT_TRUE(decoded->has_value());
    EXPECT_EQ((*decoded)->offset, 40);
    EXPECT_EQ((*decoded)->snapshot, 1234);
    EXPECT_FALSE(DecodeOffsetCursor("search", "")->has_value());  // the first page
    for (std::string raw : {"search|40", "search|40|", "search|-1|5", "search|4|-5", "search|4|5|6", "search|4|x",
                            "search|4|4294967296", "orders|4|5", "search|99999999999999999999|5"}) {
        auto refused = DecodeOffsetCursor("search", Base64UrlEncode(raw));
        ASSERT_FALSE(refused.ok()) << raw;
        EXPECT_EQ(refused.error().code, ErrorCode::kMalformed);
        EXPECT_EQ(refused.error().fields.at(0).field, "cursor");
    }
    EXPECT_FALSE(DecodeOffsetCursor("search", "!!not base64!!").ok());
    // The one-number cursors of the other lists still read their own.
    EXPECT_EQ(DecodeSequenceCursor("orders", EncodeSequenceCursor("orders", 7))->value(), 7);
    EXPECT_FALSE(DecodeSequenceCursor("orders", Base64UrlEncode("orders|7|8")).ok());
}

TEST(Cursor, TimeIdCursorsRoundTripAndRefuseOthers) {
    auto decoded = DecodeTimeIdCursor("all_orders", EncodeTimeIdCursor("all_orders", {1700000000, "ord_3_Ab-c"}));
    ASSERT_TRUE(decoded.ok());
    ASSERT_TRUE(decoded->has_value());
    EXPECT_EQ((*decoded)->time, 1700000000);
    EXPECT_EQ((*decoded)->id, "ord_3_Ab-c");
    EXPECT_FALSE(DecodeTimeIdCursor("all_orders", "")->has_value());  // the first page
    for (std::string raw :
         std::vector<std::string>{"all_orders|5", "all_orders|5|", "all_orders|x|ord", "users|5|usr_1",
                                  "all_orders|5|ord 1", "all_orders|5|ord'1", "all_orders|5|" + std::string(65, 'a')}) {
        auto refused = DecodeTimeIdCursor("all_orders", Base64UrlEncode(raw));
        ASSERT_FALSE(refused.ok()) << raw;
        EXPECT_EQ(refused.error().fields.at(0).field, "cursor");
    }
}

}  // namespace
}  // namespace emporium::core
