#include "core/text.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace emporium::core {

std::string_view Trim(std::string_view text) {
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

std::string ToLowerAscii(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::optional<int64_t> ParseInteger(std::string_view text) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::size_t Utf8Length(std::string_view text) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < text.size();) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        std::size_t extra;
        uint32_t min_value;
        if (c < 0x80) {
            extra = 0;
            min_value = 0;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1;
            min_value = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            min_value = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            min_value = 0x10000;
        } else {
            return std::string_view::npos;
        }
        if (i + extra >= text.size()) return std::string_view::npos;
        uint32_t value = extra == 0 ? c : (c & (0x3F >> extra));
        for (std::size_t k = 1; k <= extra; ++k) {
            unsigned char next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return std::string_view::npos;
            value = (value << 6) | (next & 0x3F);
        }
        if (value < min_value || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
            return std::string_view::npos;
        i += extra + 1;
        ++count;
    }
    return count;
}

namespace {

// ASCII letters for the accented Latin letters of U+00C0..U+017F ("Crème Brûlée" → "creme
// brulee"), as one run per code point range; "" for the two signs in that block (× ÷).
struct Transliteration {
    char32_t first, last;
    const char* ascii;
};
constexpr Transliteration kLatin[] = {
    {0xC0, 0xC5, "a"},    {0xC6, 0xC6, "ae"},   {0xC7, 0xC7, "c"},   {0xC8, 0xCB, "e"},   {0xCC, 0xCF, "i"},
    {0xD0, 0xD0, "d"},    {0xD1, 0xD1, "n"},    {0xD2, 0xD6, "o"},   {0xD7, 0xD7, ""},    {0xD8, 0xD8, "o"},
    {0xD9, 0xDC, "u"},    {0xDD, 0xDD, "y"},    {0xDE, 0xDE, "th"},  {0xDF, 0xDF, "ss"},  {0xE0, 0xE5, "a"},
    {0xE6, 0xE6, "ae"},   {0xE7, 0xE7, "c"},    {0xE8, 0xEB, "e"},   {0xEC, 0xEF, "i"},   {0xF0, 0xF0, "d"},
    {0xF1, 0xF1, "n"},    {0xF2, 0xF6, "o"},    {0xF7, 0xF7, ""},    {0xF8, 0xF8, "o"},   {0xF9, 0xFC, "u"},
    {0xFD, 0xFD, "y"},    {0xFE, 0xFE, "th"},   {0xFF, 0xFF, "y"},   {0x100, 0x105, "a"}, {0x106, 0x10D, "c"},
    {0x10E, 0x111, "d"},  {0x112, 0x11B, "e"},  {0x11C, 0x123, "g"}, {0x124, 0x127, "h"}, {0x128, 0x131, "i"},
    {0x132, 0x133, "ij"}, {0x134, 0x135, "j"},  {0x136, 0x138, "k"}, {0x139, 0x142, "l"}, {0x143, 0x14B, "n"},
    {0x14C, 0x151, "o"},  {0x152, 0x153, "oe"}, {0x154, 0x159, "r"}, {0x15A, 0x161, "s"}, {0x162, 0x167, "t"},
    {0x168, 0x173, "u"},  {0x174, 0x175, "w"},  {0x176, 0x178, "y"}, {0x179, 0x17E, "z"}, {0x17F, 0x17F, "s"},
};

// The ASCII a slug keeps of the character at text[i] (advancing i past it): a lower-case
// letter or digit, a transliterated Latin letter, "" for a combining accent (the letter
// before it stands for both), or nullopt for a separator (anything else).
std::optional<std::string_view> SlugLetters(std::string_view text, std::size_t& i) {
    static constexpr std::string_view kAlnum = "0123456789abcdefghijklmnopqrstuvwxyz";
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
        ++i;
        if (c >= '0' && c <= '9') return kAlnum.substr(c - '0', 1);
        if (c >= 'a' && c <= 'z') return kAlnum.substr(10 + c - 'a', 1);
        if (c >= 'A' && c <= 'Z') return kAlnum.substr(10 + c - 'A', 1);
        return std::nullopt;
    }
    // Two-byte UTF-8 covers the Latin block and the combining accents; longer or broken
    // sequences are separators.
    if ((c & 0xE0) == 0xC0 && i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) {
        char32_t point = (char32_t(c & 0x1F) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F);
        i += 2;
        if (point >= 0x300 && point <= 0x36F) return std::string_view();  // "e" + U+0301 is "é"
        for (const auto& t : kLatin)
            if (point >= t.first && point <= t.last)
                return *t.ascii ? std::optional<std::string_view>(t.ascii) : std::nullopt;
        return std::nullopt;
    }
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
    return std::nullopt;
}

}  // namespace

std::string Slugify(std::string_view text, std::size_t max_length) {
    std::string slug;
    bool pending_dash = false;
    for (std::size_t i = 0; i < text.size();) {
        std::optional<std::string_view> letters = SlugLetters(text, i);
        if (!letters) {
            pending_dash = !slug.empty();
            continue;
        }
        if (letters->empty()) continue;
        // Whole or not at all: a slug never ends in a hyphen or half a transliteration.
        std::size_t needed = letters->size() + (pending_dash ? 1 : 0);
        if (slug.size() + needed > max_length) break;
        if (pending_dash) slug.push_back('-');
        pending_dash = false;
        slug += *letters;
    }
    return slug;
}

bool HasControlCharacters(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
    });
}

bool IsVisibleAscii(std::string_view text, std::size_t max_length) {
    return !text.empty() && text.size() <= max_length &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '!' && c <= '~'; });
}

bool IsAsciiAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

std::string TextLengthProblem(std::string_view value, std::size_t min, std::size_t max) {
    std::size_t length = Utf8Length(value);
    if (length == std::string_view::npos) return "must be valid UTF-8";
    if (length < min) return min == 1 ? "must not be empty" : "must be at least " + std::to_string(min) + " characters";
    if (length > max) return "must be at most " + std::to_string(max) + " characters";
    return {};
}

bool IsValidSlug(std::string_view slug) {
    if (slug.empty() || slug.size() > 100 || slug.front() == '-' || slug.back() == '-') return false;
    char previous = 0;
    for (char c : slug) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok || (c == '-' && previous == '-')) return false;
        previous = c;
    }
    return true;
}

uint64_t Fnv1a(std::string_view data) {
    uint64_t hash = 1469598103934665603ULL;
    for (unsigned char c : data) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    return hash;
}

std::string EtagFor(std::string_view body) {
    static constexpr char kHex[] = "0123456789abcdef";
    uint64_t hash = Fnv1a(body);
    std::string etag(18, '"');
    for (int i = 0; i < 16; ++i) etag[1 + i] = kHex[(hash >> ((15 - i) * 4)) & 0xF];
    return etag;
}

}  // namespace emporium::core
