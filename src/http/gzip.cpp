#include "http/gzip.hpp"

#include <zlib.h>

#include "core/text.hpp"

namespace emporium::http {

std::optional<std::string> Gzip(std::string_view data) {
    z_stream stream{};
    // windowBits 15 + 16: a gzip header and trailer rather than zlib's.
    if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return std::nullopt;
    std::string out(deflateBound(&stream, static_cast<uLong>(data.size())) + 32, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    int status = deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    if (status != Z_STREAM_END) return std::nullopt;
    return out;
}

bool AcceptsGzip(const Request& request) {
    std::string_view rest = request.Header("accept-encoding");
    while (!rest.empty()) {
        auto comma = rest.find(',');
        std::string_view item = core::Trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        auto semicolon = item.find(';');
        std::string_view coding = core::Trim(item.substr(0, semicolon));
        if (coding != "gzip" && coding != "x-gzip" && coding != "*") continue;
        if (semicolon == std::string_view::npos) return true;
        std::string_view parameters = core::Trim(item.substr(semicolon + 1));
        // q=0, q=0.0, q=0.00, q=0.000: not acceptable; any other weight is.
        if (parameters.starts_with("q=") || parameters.starts_with("Q=")) {
            std::string_view weight = parameters.substr(2);
            return weight.find_first_not_of("0.") != std::string_view::npos;
        }
        return true;
    }
    return false;
}

}  // namespace emporium::http
