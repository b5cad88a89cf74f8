#include "http/router.hpp"

#include <gtest/gtest.h>

namespace emporium::http {
namespace {

Response Ok(Request&) { return Response::Json(200, "{}"); }

TEST(Router, MatchesPathParametersAndDecodesThem) {
    Router router;
    router.Add(Method::kGet, "/api/v1/products/{product_id_or_slug}", Access::kPublic, Ok);
    Request request;
    auto match = router.Find(Method::kGet, "/api/v1/products/blue%20shirt", request);
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(request.PathParam("product_id_or_slug"), "blue shirt");
}

TEST(Router, LiteralSegmentsWinOverParameters) {
    Router router;
    router.Add(Method::kGet, "/things/{id}", Access::kPublic, Ok);
    auto& literal = router.Add(Method::kGet, "/things/current", Access::kPublic, Ok);
    Request request;
    EXPECT_EQ(router.Find(Method::kGet, "/things/current", request).route, &literal);
}

TEST(Router, ReportsAllowedMethodsForKnownPath) {
    Router router;
    router.Add(Method::kGet, "/items", Access::kPublic, Ok);
    router.Add(Method::kPost, "/items", Access::kPublic, Ok);
    Request request;
    auto match = router.Find(Method::kDelete, "/items", request);
    EXPECT_EQ(match.route, nullptr);
    EXPECT_EQ(match.allowed.size(), 2u);
    auto missing = router.Find(Method::kGet, "/other", request);
    EXPECT_EQ(missing.route, nullptr);
    EXPECT_TRUE(missing.allowed.empty());
    EXPECT_EQ(router.Find(Method::kGet, "/items/", request).route, nullptr);  // no empty parameter or extra segment
}

TEST(Request, QueryParametersAreDecoded) {
    Request request;
    request.query = "q=blue+shirt&limit=5&cursor=a%2Db&empty=";
    EXPECT_EQ(request.QueryParam("q"), "blue shirt");
    EXPECT_EQ(request.QueryParam("limit"), "5");
    EXPECT_EQ(request.QueryParam("cursor"), "a-b");
    EXPECT_EQ(request.QueryParam("empty"), "");
    EXPECT_FALSE(request.QueryParam("missing").has_value());
}

}  // namespace
}  // namespace emporium::http
