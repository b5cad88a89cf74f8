#include "loadgen/http_message.hpp"

#include <gtest/gtest.h>

#include "loadgen/runner.hpp"

namespace emporium::loadgen {
namespace {

using State = ResponseParser::State;

TEST(Serialize, GetHasNoBodyHeaders) {
    std::string bytes = Serialize(Get("/health/live", "plaintext"), "127.0.0.1:8080");
    EXPECT_EQ(bytes.rfind("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n", 0), 0u) << bytes;
    EXPECT_EQ(bytes.find("Content-Length"), std::string::npos);
    EXPECT_EQ(bytes.substr(bytes.size() - 4), "\r\n\r\n");
}

TEST(Serialize, PostCarriesJsonAndExtraHeaders) {
    Request r = Post("/api/v1/orders", "{}", "order").Bearer("tok").Header("Idempotency-Key", "k1");
    std::string bytes = Serialize(r, "h:1");
    EXPECT_NE(bytes.find("Authorization: Bearer tok\r\n"), std::string::npos);
    EXPECT_NE(bytes.find("Idempotency-Key: k1\r\n"), std::string::npos);
    EXPECT_NE(bytes.find("Content-Type: application/json\r\n"), std::string::npos);
    EXPECT_NE(bytes.find("Content-Length: 2\r\n\r\n{}"), std::string::npos);
    // A bodiless DELETE still says its length is 0.
    EXPECT_NE(Serialize(Delete("/api/v1/cart", "x"), "h").find("Content-Length: 0\r\n"), std::string::npos);
}

TEST(ResponseParser, ContentLengthArrivingInPieces) {
    ResponseParser parser;
    Response out;
    std::string buffer = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Len";
    EXPECT_EQ(parser.Parse(buffer, out), State::kNeedMore);
    buffer += "gth: 10\r\nX-Cart-Token: abc \r\n\r\n{\"id\":";
    EXPECT_EQ(parser.Parse(buffer, out), State::kNeedMore);
    buffer += "\"x\"}";
    ASSERT_EQ(parser.Parse(buffer, out), State::kDone);
    EXPECT_EQ(out.status, 201);
    EXPECT_EQ(out.body, "{\"id\":\"x\"}");
    EXPECT_EQ(out.Header("x-cart-token"), "abc");
    EXPECT_EQ(out.Header("Content-Type"), "application/json");
    EXPECT_EQ(out.Header("missing"), "");
    EXPECT_TRUE(parser.keep_alive());
    EXPECT_TRUE(buffer.empty());
}

TEST(ResponseParser, TwoResponsesInARowOnOneConnection) {
    ResponseParser parser;
    Response out;
    std::string buffer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    ASSERT_EQ(parser.Parse(buffer, out), State::kDone);
    buffer = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    ASSERT_EQ(parser.Parse(buffer, out), State::kDone);
    EXPECT_EQ(out.status, 404);
    EXPECT_EQ(out.body, "");
}

TEST(ResponseParser, ChunkedBodyWithExtensionsAndTrailers) {
    ResponseParser parser;
    Response out;
    std::string buffer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n";
    EXPECT_EQ(parser.Parse(buffer, out), State::kNeedMore);
    buffer += "7\r\n, world\r\n0\r\nTrailer: x\r\n";
    EXPECT_EQ(parser.Parse(buffer, out), State::kNeedMore);
    buffer += "\r\n";
    ASSERT_EQ(parser.Parse(buffer, out), State::kDone);
    EXPECT_EQ(out.body, "hello, world");
    EXPECT_TRUE(buffer.empty());
}

TEST(ResponseParser, BodilessStatusesAndConnectionClose) {
    ResponseParser parser;
    Response out;
    std::string buffer = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
    ASSERT_EQ(parser.Parse(buffer, out), State::kDone);
    EXPECT_EQ(out.status, 204);
    EXPECT_FALSE(parser.keep_alive());
    buffer = "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n";
    ASSERT_EQ(parser.Parse(buffer, out), State::kDone);
    EXPECT_EQ(out.status, 304);
}

TEST(ResponseParser, InterimResponseIsSkipped) {
    ResponseParser parser;
    Response out;
    std::string buffer = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
    ASSERT_EQ(parser.Parse(buffer, out), State::kDone);
    EXPECT_EQ(out.status, 200);
    EXPECT_EQ(out.body, "x");
}

TEST(ResponseParser, BodyUntilCloseEndsWithFinish) {
    ResponseParser parser;
    Response out;
    std::string buffer = "HTTP/1.0 200 OK\r\n\r\nsome";
    EXPECT_EQ(parser.Parse(buffer, out), State::kNeedMore);
    buffer += " text";
    ASSERT_EQ(parser.Finish(buffer, out), State::kDone);
    EXPECT_EQ(out.body, "some text");
    EXPECT_FALSE(parser.keep_alive());
}

TEST(ResponseParser, CloseBeforeAnyByteIsAnError) {
    ResponseParser parser;
    Response out;
    std::string buffer;
    EXPECT_EQ(parser.Finish(buffer, out), State::kError);
    EXPECT_EQ(parser.error(), "connection closed by the server");
}

TEST(ResponseParser, MalformedInputIsAnError) {
    for (std::string bad :
         {"HTTP/1.1 2x0 OK\r\n\r\n", "SMTP 200 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
        ResponseParser parser;
        Response out;
        EXPECT_EQ(parser.Parse(bad, out), State::kError) << bad;
    }
}

TEST(ParseUrl, HostAndPort) {
    auto t = ParseUrl("http://127.0.0.1:8080");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->host, "127.0.0.1");
    EXPECT_EQ(t->port, 8080);
    EXPECT_EQ(t->host_header, "127.0.0.1:8080");
    auto d = ParseUrl("http://localhost/ignored/path");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->port, 80);
    EXPECT_FALSE(ParseUrl("https://x:1"));
    EXPECT_FALSE(ParseUrl("http://x:0"));
    EXPECT_FALSE(ParseUrl("http://x:70000"));
    EXPECT_FALSE(ParseUrl("http://:80"));
}

}  // namespace
}  // namespace emporium::loadgen
