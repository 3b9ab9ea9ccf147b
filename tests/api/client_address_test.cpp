#include "api/client_address.h"

#include <gtest/gtest.h>

namespace caas::api {
namespace {

const std::vector<std::string> kProxies = {"10.0.0.1", "10.0.0.2"};

TEST(ClientAddressTest, UntrustedPeerIsTheClientWhateverItClaims) {
  EXPECT_EQ(client_address("203.0.113.9", "", kProxies), "203.0.113.9");
  EXPECT_EQ(client_address("203.0.113.9", "1.2.3.4", kProxies), "203.0.113.9");
  EXPECT_EQ(client_address("203.0.113.9", "1.2.3.4", {}), "203.0.113.9");
}

TEST(ClientAddressTest, TrustedPeerNamesTheNearestUntrustedHop) {
  EXPECT_EQ(client_address("10.0.0.1", "198.51.100.7", kProxies), "198.51.100.7");
  // A client-supplied left part cannot win: the walk stops at the first untrusted hop.
  EXPECT_EQ(client_address("10.0.0.1", "6.6.6.6, 198.51.100.7", kProxies), "198.51.100.7");
  EXPECT_EQ(client_address("10.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2", kProxies),
            "198.51.100.7");
  EXPECT_EQ(client_address("10.0.0.1", "2001:db8::1", kProxies), "2001:db8::1");
}

TEST(ClientAddressTest, EmptyOrMalformedHeaderFallsBackToTheLastReadableHop) {
  EXPECT_EQ(client_address("10.0.0.1", "", kProxies), "10.0.0.1");
  EXPECT_EQ(client_address("10.0.0.1", "evil.example", kProxies), "10.0.0.1");
  EXPECT_EQ(client_address("10.0.0.1", "1.2.3.4, <script>", kProxies), "10.0.0.1");
  EXPECT_EQ(client_address("10.0.0.1", "10.0.0.2", kProxies), "10.0.0.2");
  EXPECT_EQ(client_address("10.0.0.1", std::string(100, '1'), kProxies), "10.0.0.1");
}

}  // namespace
}  // namespace caas::api
