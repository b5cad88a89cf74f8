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

TEST(Router, LastParameterMayTakeTheRestOfThePath) {
    Router router;
    auto& assets = router.Add(Method::kGet, "/assets/{hash}/{path}", Access::kPublic, Ok);
    assets.last_parameter_takes_rest = true;
    Request request;
    EXPECT_EQ(router.Find(Method::kGet, "/assets/ab12/app/main.js", request).route, &assets);
    EXPECT_EQ(request.PathParam("hash"), "ab12");
    EXPECT_EQ(request.PathParam("path"), "app/main.js");
    EXPECT_EQ(router.Find(Method::kGet, "/assets/ab12/app.css", request).route, &assets);
    EXPECT_EQ(request.PathParam("path"), "app.css");
    EXPECT_EQ(router.Find(Method::kGet, "/assets/ab12", request).route, nullptr);
}

// The storefront's pages answer any path, but must not take an API path's 404 or 405.
TEST(Router, LastResortRouteAnswersOnlyPathsNoOtherRouteKnows) {
    Router router;
    router.Add(Method::kPost, "/api/v1/sessions", Access::kPublic, Ok);
    router.Add(Method::kGet, "/cart/{id}", Access::kPublic, Ok);
    auto& pages = router.Add(Method::kGet, "/{page}", Access::kPublic, Ok);
    pages.last_parameter_takes_rest = true;
    pages.last_resort = true;
    pages.last_resort_excludes = {"api", "health"};
    Request request;
    EXPECT_EQ(router.Find(Method::kGet, "/products/blue-shirt", request).route, &pages);
    EXPECT_EQ(request.PathParam("page"), "products/blue-shirt");
    EXPECT_EQ(router.Find(Method::kGet, "/signin", request).route, &pages);
    EXPECT_NE(router.Find(Method::kGet, "/cart/7", request).route, &pages);
    auto wrong_method = router.Find(Method::kGet, "/api/v1/sessions", request);
    EXPECT_EQ(wrong_method.route, nullptr);
    EXPECT_EQ(wrong_method.allowed.size(), 1u);
    EXPECT_EQ(router.Find(Method::kGet, "/api/v1/nothing-here", request).route, nullptr);
    EXPECT_EQ(router.Find(Method::kGet, "/health", request).route, nullptr);
    EXPECT_EQ(router.Find(Method::kPost, "/signin", request).route, nullptr);
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
