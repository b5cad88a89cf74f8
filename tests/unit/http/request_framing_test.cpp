#include "http/request_framing.hpp"

#include <gtest/gtest.h>

#include "http/connection_limits.hpp"
#include "http/security_headers.hpp"

namespace emporium::http {
namespace {

TEST(TargetProblem, VisibleAsciiAndTextEscapesPass) {
    EXPECT_EQ(TargetProblem("/api/v1/products?limit=20&cursor=abc"), "");
    EXPECT_EQ(TargetProblem("/api/v1/search?q=caf%C3%A9+cr%C3%A8me"), "");
    EXPECT_EQ(TargetProblem("/api/v1/search?q=100%25"), "");
    EXPECT_EQ(TargetProblem("/api/v1/search?q=%ZZ"), "");  // malformed: left to the handler's 400
}

TEST(TargetProblem, RawBytesOutsideVisibleAsciiAreRefused) {
    EXPECT_NE(TargetProblem("/api/v1/products/caf\xe9"), "");
    EXPECT_NE(TargetProblem("/api/v1/products/caf\xc3\xa9"), "");  // even UTF-8: the client must escape it
    EXPECT_NE(TargetProblem("/a b"), "");
    EXPECT_NE(TargetProblem(std::string_view("/a\0b", 4)), "");
    EXPECT_NE(TargetProblem("/a\x7f"), "");
}

TEST(TargetProblem, EscapesDecodingToNoTextAreRefused) {
    EXPECT_NE(TargetProblem("/api/v1/search?q=%FF"), "");
    EXPECT_NE(TargetProblem("/api/v1/products/%C3%28"), "");  // a lead byte without its continuation
    EXPECT_NE(TargetProblem("/api/v1/search?q=a%00b"), "");
    EXPECT_NE(TargetProblem("/api/v1/search?q=a%0Ab"), "");
    EXPECT_NE(TargetProblem("/api/v1/search?q=a%09b"), "");
    EXPECT_NE(TargetProblem("/api/v1/search?q=%ED%A0%80"), "");  // a UTF-16 surrogate
    // A malformed escape elsewhere does not hide one that a handler decodes on its own.
    EXPECT_NE(TargetProblem("/api/v1/search?%FF=x&b=%ZZ"), "");
    EXPECT_NE(TargetProblem("/api/v1/products/%FF/%ZZ"), "");
}

TEST(InstanceFor, EscapesWhatIsNotVisibleAsciiAndDropsTheQuery) {
    EXPECT_EQ(InstanceFor("/api/v1/products/caf\xe9?q=\xff"), "/api/v1/products/caf%E9");
    EXPECT_EQ(InstanceFor("/a%20b"), "/a%20b");  // a valid escape is kept as sent
    EXPECT_EQ(InstanceFor("/100%"), "/100%25");  // a '%' that starts no escape is escaped itself
    EXPECT_EQ(InstanceFor(std::string_view("/a\0\"b", 5)), "/a%00\"b");
}

TEST(ReadRequest, AWholeRequestBecomesOurs) {
    auto reading = ReadRequest(
        "POST /api/v1/cart/items?x=1 HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\n"
        "Content-Length: 2\r\n\r\n{}GET /next",
        16 << 10, 1 << 20);
    ASSERT_TRUE(reading.request);
    EXPECT_FALSE(reading.refusal);
    EXPECT_EQ(reading.request->method, Method::kPost);
    EXPECT_EQ(reading.request->path, "/api/v1/cart/items");
    EXPECT_EQ(reading.request->query, "x=1");
    EXPECT_EQ(reading.request->Header("content-type"), "application/json");
    EXPECT_EQ(reading.request->body, "{}");
    std::string_view whole =
        "POST /api/v1/cart/items?x=1 HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\n"
        "Content-Length: 2\r\n\r\n{}";
    EXPECT_EQ(reading.consumed, whole.size());  // the pipelined rest is not this request's
}

TEST(ReadRequest, RefusesWhatTheServerRefuses) {
    auto refusal = [](std::string_view bytes, std::size_t max_header = 16 << 10, std::size_t max_body = 1 << 20) {
        auto reading = ReadRequest(bytes, max_header, max_body);
        EXPECT_FALSE(reading.request) << bytes;
        return reading.refusal ? reading.refusal->code : core::ErrorCode::kInternal;
    };
    EXPECT_EQ(refusal("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"),
              core::ErrorCode::kMalformed);
    EXPECT_EQ(refusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), core::ErrorCode::kMalformed);
    EXPECT_EQ(refusal("GET /caf\xe9 HTTP/1.1\r\nHost: a\r\n\r\n"), core::ErrorCode::kMalformed);
    EXPECT_EQ(refusal("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(3000, 'x') + "\r\n\r\n", 1024),
              core::ErrorCode::kHeadersTooLarge);
    EXPECT_EQ(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n", 1024, 4096),
              core::ErrorCode::kPayloadTooLarge);
    EXPECT_EQ(refusal("NOT HTTP\r\n\r\n"), core::ErrorCode::kMalformed);
}

TEST(ReadRequest, AnUnfinishedRequestIsNeitherReadNorRefused) {
    auto reading = ReadRequest("GET / HTTP/1.1\r\nHost: a\r\n", 16 << 10, 1 << 20);
    EXPECT_FALSE(reading.request);
    EXPECT_FALSE(reading.refusal);
    reading = ReadRequest("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n{}", 16 << 10, 1 << 20);
    EXPECT_FALSE(reading.request);
    EXPECT_FALSE(reading.refusal);
}

TEST(SecurityHeaders, DefaultsAreAddedAndARoutesOwnAreKept) {
    Response json = Response::Json(200, "{}");
    AddSecurityHeaders(json);
    EXPECT_EQ(json.Header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(json.Header("Content-Security-Policy"), "default-src 'none'; frame-ancestors 'none'");
    EXPECT_EQ(json.Header("X-Frame-Options"), "DENY");
    EXPECT_EQ(json.Header("Referrer-Policy"), "no-referrer");

    Response page = Response::Json(200, "<html></html>");
    page.SetHeader("content-security-policy", "default-src 'self'");
    AddSecurityHeaders(page);
    EXPECT_EQ(page.Header("Content-Security-Policy"), "default-src 'self'");
    std::size_t policies = 0;
    for (const auto& [name, value] : page.headers) policies += name == "Content-Security-Policy" ? 1 : 0;
    EXPECT_EQ(policies, 0u);  // only the route's (spelt its way)
}

TEST(ConnectionLimits, CapsPerAddressAndInAllAndGivesPlacesBack) {
    ConnectionLimits limits(3, 2);
    auto a1 = limits.TryAcquire("10.0.0.1");
    auto a2 = limits.TryAcquire("10.0.0.1");
    EXPECT_TRUE(a1 && a2);
    EXPECT_FALSE(limits.TryAcquire("10.0.0.1"));  // per address
    auto b1 = limits.TryAcquire("10.0.0.2");
    EXPECT_TRUE(b1);
    EXPECT_FALSE(limits.TryAcquire("10.0.0.3"));  // in all
    EXPECT_EQ(limits.open(), 3);
    a1 = ConnectionLimits::Slot();  // a closed connection
    EXPECT_EQ(limits.open(), 2);
    auto a3 = limits.TryAcquire("10.0.0.1");
    EXPECT_TRUE(a3);
    {
        ConnectionLimits::Slot moved = std::move(b1);
        EXPECT_FALSE(b1);
        EXPECT_EQ(limits.open(), 3);
    }
    EXPECT_EQ(limits.open(), 2);  // released once, by the slot it was moved to
    EXPECT_TRUE(limits.TryAcquire("10.0.0.2"));
}

}  // namespace
}  // namespace emporium::http
