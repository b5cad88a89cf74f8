#include "core/text.hpp"

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

std::string Slugify(std::string_view text, std::size_t max_length) {
    std::string slug;
    bool pending_dash = false;
    for (char raw : text) {
        char c = raw;
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!keep) {
            pending_dash = !slug.empty();
            continue;
        }
        if (pending_dash) {
            if (slug.size() + 1 >= max_length) break;
            slug.push_back('-');
            pending_dash = false;
        }
        if (slug.size() >= max_length) break;
        slug.push_back(c);
    }
    return slug;
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
