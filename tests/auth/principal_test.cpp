// Scopes: what a session, an API key and the operator may do.
#include "auth/principal.h"

#include <gtest/gtest.h>

namespace caas::auth {
namespace {

Principal api_key(std::vector<std::string> scopes) {
  Principal principal;
  principal.kind = Principal::Kind::kApiKey;
  principal.user_id = "u";
  principal.api_key_id = "k";
  principal.scopes = std::move(scopes);
  return principal;
}

TEST(PrincipalTest, ATransitKeyCannotTouchFiles) {
  Principal key = api_key({"transit:foo"});
  EXPECT_TRUE(key.allows("transit:foo"));
  EXPECT_FALSE(key.allows("transit:bar"));
  EXPECT_FALSE(key.allows("transit:foobar"));
  EXPECT_FALSE(key.allows("files:read"));
  EXPECT_FALSE(key.allows("files:write"));
  EXPECT_FALSE(key.allows("keys:read"));
  EXPECT_FALSE(key.is_session());
}

TEST(PrincipalTest, WildcardCoversTransitOnly) {
  Principal key = api_key({"transit:*", "files:read"});
  EXPECT_TRUE(key.allows("transit:anything"));
  EXPECT_TRUE(key.allows("files:read"));
  EXPECT_FALSE(key.allows("files:write"));  // read does not imply write
}

TEST(PrincipalTest, SessionsMayDoAllAndTheOperatorNoUserData) {
  Principal session;
  session.kind = Principal::Kind::kSession;
  session.user_id = "u";
  EXPECT_TRUE(session.allows("files:write"));
  EXPECT_TRUE(session.allows("transit:x"));
  EXPECT_EQ(session.audit_actor(), "user:u");
  Principal root;
  root.kind = Principal::Kind::kOperator;
  EXPECT_FALSE(root.allows("files:read"));
  EXPECT_EQ(root.audit_actor(), "operator");
  EXPECT_EQ(api_key({}).audit_actor(), "api_key:k");
}

TEST(PrincipalTest, ScopeListsAreValidated) {
  EXPECT_TRUE(validate_scopes({"files:read", "files:write", "keys:read", "transit:a.b-c_d"}).ok());
  EXPECT_TRUE(validate_scopes({"transit:*"}).ok());
  for (const auto& bad :
       std::vector<std::vector<std::string>>{{},
                                             {"files:delete"},
                                             {"transit:"},
                                             {"transit:a/b"},
                                             {"transit:.hidden"},
                                             {"transit:" + std::string(65, 'a')},
                                             {"files:read", "files:read"},
                                             {"FILES:READ"},
                                             std::vector<std::string>(33, "files:read")}) {
    Status status = validate_scopes(bad);
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(status.message().starts_with("field scopes:")) << status.message();
  }
}

TEST(PrincipalTest, StoredScopeListsRoundTrip) {
  std::vector<std::string> scopes = {"files:read", "transit:*"};
  EXPECT_EQ(join_scopes(scopes), "files:read transit:*");
  EXPECT_EQ(split_scopes(join_scopes(scopes)), scopes);
  EXPECT_TRUE(split_scopes("").empty());
}

}  // namespace
}  // namespace caas::auth
