#include "http/gzip.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

namespace emporium::http {
namespace {

std::string Gunzip(const std::string& data) {
    z_stream stream{};
    EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
    std::string out(1 << 20, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
    out.resize(stream.total_out);
    inflateEnd(&stream);
    return out;
}

TEST(GzipTest, CompressesToAGzipMemberThatInflatesBack) {
    std::string text;
    for (int i = 0; i < 200; ++i) text += "export function render(ctx) { return ctx; }\n";
    auto compressed = Gzip(text);
    ASSERT_TRUE(compressed.has_value());
    EXPECT_LT(compressed->size(), text.size() / 10);
    EXPECT_EQ(static_cast<unsigned char>((*compressed)[0]), 0x1f);  // the gzip magic number
    EXPECT_EQ(static_cast<unsigned char>((*compressed)[1]), 0x8b);
    EXPECT_EQ(Gunzip(*compressed), text);
}

TEST(GzipTest, AcceptEncodingTakesGzipUnlessItsWeightIsZero) {
    auto accepts = [](std::string value) {
        Request request;
        if (!value.empty()) request.headers.emplace_back("accept-encoding", value);
        return AcceptsGzip(request);
    };
    EXPECT_TRUE(accepts("gzip, deflate, br"));
    EXPECT_TRUE(accepts("br;q=1.0, gzip;q=0.8"));
    EXPECT_TRUE(accepts("*"));
    EXPECT_FALSE(accepts(""));
    EXPECT_FALSE(accepts("br, deflate"));
    EXPECT_FALSE(accepts("gzip;q=0"));
    EXPECT_FALSE(accepts("gzip;q=0.000, identity"));
    EXPECT_FALSE(accepts("xgzip"));
}

}  // namespace
}  // namespace emporium::http
