#include "api/router.h"

#include <gtest/gtest.h>

namespace caas::api {
namespace {

Handler named(std::string name) {
  return [name](Request&) {
    Response response;
    response.body = name;
    return response;
  };
}

Router make_router() {
  Router router;
  router.add("GET", "/v1/sys/health", named("health"));
  router.add("POST", "/v1/sys/init", named("init"));
  router.add("GET", "/v1/transit/keys/{name}", named("key"));
  router.add("POST", "/v1/transit/keys/{name}", named("create"));
  router.add("POST", "/v1/transit/keys/{name}/rotate", named("rotate"));
  router.add("GET", "/v1/files/{path+}", named("file"));
  return router;
}

std::string call(const RouteMatch& match) {
  Request request;
  return match.route->handler(request).body;
}

TEST(RouterTest, MatchesLiteralsAndParameters) {
  Router router = make_router();
  RouteMatch health = router.match("GET", "/v1/sys/health");
  ASSERT_EQ(health.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(call(health), "health");
  RouteMatch key = router.match("POST", "/v1/transit/keys/orders");
  ASSERT_EQ(key.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(call(key), "create");
  ASSERT_EQ(key.params.size(), 1U);
  EXPECT_EQ(key.params[0], (std::pair<std::string, std::string>{"name", "orders"}));
  EXPECT_EQ(call(router.match("POST", "/v1/transit/keys/orders/rotate")), "rotate");
}

TEST(RouterTest, RestParameterTakesTheRemainingSegmentsDecoded) {
  Router router = make_router();
  RouteMatch file = router.match("GET", "/v1/files/reports/2026/q3%20final.pdf");
  ASSERT_EQ(file.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(file.params[0].second, "reports/2026/q3 final.pdf");
  EXPECT_EQ(router.match("GET", "/v1/files/").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router.match("GET", "/v1/files/a//b").kind, RouteMatch::Kind::kNotFound);
}

TEST(RouterTest, RestParameterLeavesLaterSegmentsTheirOwn) {
  Router router;
  router.add("DELETE", "/v1/files/{path+}/grants/{email}", named("revoke"));
  router.add("GET", "/v1/files/{path+}/grants", named("grants"));
  router.add("GET", "/v1/files/{path+}", named("file"));
  RouteMatch grants = router.match("GET", "/v1/files/a/b%20c/grants");
  ASSERT_EQ(grants.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(call(grants), "grants");
  EXPECT_EQ(grants.params[0].second, "a/b c");
  RouteMatch revoke = router.match("DELETE", "/v1/files/a/grants/b%40x.org");
  ASSERT_EQ(revoke.kind, RouteMatch::Kind::kFound);
  ASSERT_EQ(revoke.params.size(), 2U);
  EXPECT_EQ(revoke.params[0], (std::pair<std::string, std::string>{"path", "a"}));
  EXPECT_EQ(revoke.params[1], (std::pair<std::string, std::string>{"email", "b@x.org"}));
  // The rest parameter needs one segment of its own.
  EXPECT_EQ(call(router.match("GET", "/v1/files/grants")), "file");
  EXPECT_EQ(router.match("DELETE", "/v1/files/grants/x").kind,
            RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(call(router.match("GET", "/v1/files/a/grants/x")), "file");
}

TEST(RouterTest, UnknownPathIsNotFoundAndKnownPathWrongMethodListsAllowed) {
  Router router = make_router();
  EXPECT_EQ(router.match("GET", "/v1/sys/nope").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router.match("GET", "/v1/sys/health/").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router.match("GET", "//v1/sys/health").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router.match("GET", "v1/sys/health").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router.match("GET", "").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router.match("GET", "/v1/transit/keys/").kind, RouteMatch::Kind::kNotFound);
  RouteMatch wrong = router.match("DELETE", "/v1/transit/keys/x");
  EXPECT_EQ(wrong.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(wrong.allow, "GET, POST");
}

TEST(RouterTest, MalformedPercentEncodingIsABadPath) {
  Router router = make_router();
  EXPECT_EQ(router.match("GET", "/v1/transit/keys/%zz").kind, RouteMatch::Kind::kBadPath);
  EXPECT_EQ(router.match("GET", "/v1/files/a%2").kind, RouteMatch::Kind::kBadPath);
}

TEST(RouterTest, EncodedSlashStaysInsideItsSegment) {
  Router router = make_router();
  RouteMatch key = router.match("GET", "/v1/transit/keys/a%2Fb");
  ASSERT_EQ(key.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(key.params[0].second, "a/b");
}

TEST(RouterTest, DescribeListsEveryRouteSorted) {
  Router router = make_router();
  std::vector<std::string> lines = router.describe();
  ASSERT_EQ(lines.size(), 6U);
  EXPECT_EQ(lines.front(), "GET /v1/files/{path+}");
  EXPECT_TRUE(std::is_sorted(lines.begin(), lines.end()));
  EXPECT_EQ(router.routes()[3]->id, 3U);
}

TEST(RouterDeathTest, DuplicateOrMalformedRoutesAbort) {
  EXPECT_DEATH(
      {
        Router router;
        router.add("GET", "/v1/a", named("a"));
        router.add("GET", "/v1/a", named("b"));
      },
      "");
  EXPECT_DEATH(
      {
        Router router;
        router.add("GET", "/v1/{rest+}/{more+}", named("a"));
      },
      "");
}

TEST(RequestTest, QueryParametersAreDecoded) {
  Request request;
  request.query = "after=10&limit=5&name=a%20b&empty=&flag";
  EXPECT_EQ(request.query_param("after"), "10");
  EXPECT_EQ(request.query_param("name"), "a b");
  EXPECT_EQ(request.query_param("empty"), "");
  EXPECT_EQ(request.query_param("flag"), "");
  EXPECT_FALSE(request.query_param("missing").has_value());
  request.query = "bad=%g1";
  EXPECT_FALSE(request.query_param("bad").has_value());
}

TEST(RequestTest, BearerTokenNeedsTheScheme) {
  Request request;
  request.authorization = "Bearer abc";
  EXPECT_EQ(request.bearer_token(), "abc");
  request.authorization = "bearer   xyz";
  EXPECT_EQ(request.bearer_token(), "xyz");
  request.authorization = "Basic abc";
  EXPECT_EQ(request.bearer_token(), "");
  request.authorization = "Bearer";
  EXPECT_EQ(request.bearer_token(), "");
}

TEST(PercentDecodeTest, DecodesAndRejectsMalformedEscapes) {
  EXPECT_EQ(percent_decode("a%2Fb%2f"), "a/b/");
  EXPECT_EQ(percent_decode("100%25"), "100%");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_FALSE(percent_decode("%").has_value());
  EXPECT_FALSE(percent_decode("%4").has_value());
  EXPECT_FALSE(percent_decode("%4x").has_value());
}

}  // namespace
}  // namespace caas::api
