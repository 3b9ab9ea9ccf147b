// The client's address as the rest of the server should see it (rate limits, logs, audit): the
// socket's peer, unless that peer is a configured trusted proxy, in which case the nearest
// address in X-Forwarded-For that is not itself a trusted proxy. A client cannot spoof its
// address by sending X-Forwarded-For directly: the header is read only from trusted peers, and
// only from its right end (the hops those proxies appended), never from its left.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace caas::api {

// `trusted_proxies` are exact addresses ("10.0.0.1", "::1"). An empty or malformed
// X-Forwarded-For from a trusted peer yields the peer itself.
std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted_proxies);

}  // namespace caas::api
