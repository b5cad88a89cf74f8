#include "http/session_cookie.hpp"

#include <gtest/gtest.h>

namespace emporium::http {
namespace {

Request WithCookies(std::initializer_list<std::string> fields) {
    Request request;
    for (const auto& field : fields) request.headers.emplace_back("cookie", field);
    return request;
}

TEST(SessionCookieTest, FindsACookieAmongOthersByItsExactName) {
    Request request = WithCookies({"xemporium_session=wrong; emporium_session=abc; other=1"});
    EXPECT_EQ(CookieValue(request, kSessionCookie), "abc");
    EXPECT_EQ(CookieValue(request, "other"), "1");
    EXPECT_EQ(CookieValue(request, "missing"), "");
}

TEST(SessionCookieTest, ReadsQuotedValuesAndSplitCookieFields) {
    Request request = WithCookies({"a=1", "emporium_csrf=\"q-1\""});
    EXPECT_EQ(CookieValue(request, kCsrfCookie), "q-1");
}

TEST(SessionCookieTest, CsrfProofNeedsTheHeaderToRepeatTheCookieExactly) {
    Request request = WithCookies({"emporium_csrf=secret"});
    EXPECT_FALSE(HasCsrfProof(request));
    request.headers.emplace_back("x-csrf-token", "secre");
    EXPECT_FALSE(HasCsrfProof(request));
    request.headers.back().second = "secret";
    EXPECT_TRUE(HasCsrfProof(request));
    // No cookie: an empty header proves nothing.
    Request bare;
    bare.headers.emplace_back("x-csrf-token", "");
    EXPECT_FALSE(HasCsrfProof(bare));
}

TEST(SessionCookieTest, OnlyReadsAreExemptFromTheProof) {
    EXPECT_FALSE(NeedsCsrfProof(Method::kGet));
    EXPECT_FALSE(NeedsCsrfProof(Method::kHead));
    EXPECT_TRUE(NeedsCsrfProof(Method::kPost));
    EXPECT_TRUE(NeedsCsrfProof(Method::kDelete));
    EXPECT_TRUE(NeedsCsrfProof(Method::kPatch));
}

TEST(SessionCookieTest, TheSessionCookieIsHttpOnlyAndStrictTheCsrfCookieReadable) {
    Response response;
    SetSessionCookies(response, "tok", "csrf", std::chrono::seconds(60), {.secure = true});
    ASSERT_EQ(response.headers.size(), 2u);
    EXPECT_EQ(response.headers[0].second,
              "emporium_session=tok; Path=/; SameSite=Strict; Max-Age=60; HttpOnly; Secure");
    EXPECT_EQ(response.headers[1].second, "emporium_csrf=csrf; Path=/; SameSite=Strict; Max-Age=60; Secure");
    Response cleared;
    ClearSessionCookies(cleared, {});
    EXPECT_EQ(cleared.headers[0].second, "emporium_session=; Path=/; SameSite=Strict; Max-Age=0; HttpOnly");
}

}  // namespace
}  // namespace emporium::http
