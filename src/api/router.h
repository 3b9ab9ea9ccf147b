// Router: maps (method, path) to a handler. Patterns are '/'-separated segments: a literal,
// "{name}" (exactly one non-empty segment) or, at most once per pattern, "{name+}" (one or more
// segments, for file paths; it leaves the pattern's later segments their own, so
// "/v1/files/{path+}/grants" gives "a/b" for "/v1/files/a/b/grants"). Matching is by segments,
// so "/v1/sys/health/" and "//v1" match nothing. The first route added that matches, method
// included, wins. Parameters are percent-decoded after matching, so an encoded '/' stays inside
// its segment.
//
// Routes are added at start-up, then the router is only read: concurrent match() is safe.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"

namespace caas::api {

using Handler = std::function<Response(Request&)>;
// For routes that stream their request body (file uploads): called once the header is in.
using UploadHandler = std::function<UploadStart(Request&)>;

struct RouteOptions {
  // The largest request body accepted; 0 means the server's JSON body limit.
  std::size_t max_body_bytes = 0;
  // The body, when there is one, must be application/json (else 415). File routes set false.
  bool json_body = true;
  // The handler blocks or burns CPU (Argon2id, SMTP): it runs on the worker pool, and the
  // connection's I/O thread serves other connections meanwhile.
  bool offload = false;
  // The handler and its streams block on disk or the database (file routes): they run on the
  // file I/O pool, whose threads may sleep in fsync without starving anyone.
  bool file_io = false;
};

struct Route {
  std::size_t id = 0;  // position in the router, 0-based (metrics index by it)
  std::string method;
  std::string pattern;
  Handler handler;       // set for ordinary routes
  UploadHandler upload;  // set for routes added with add_upload
  RouteOptions options;
};

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed, kBadPath };
  Kind kind = Kind::kNotFound;
  const Route* route = nullptr;
  std::vector<std::pair<std::string, std::string>> params;
  std::string allow;  // for kMethodNotAllowed: "GET, POST"
};

class Router {
 public:
  // Adds a route. Adding the same method and pattern twice, or a malformed pattern, is a
  // programming error and aborts.
  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
  // Adds a route whose body is streamed into the sink `handler` returns (api/http_types.h).
  void add_upload(std::string method, std::string pattern, UploadHandler handler,
                  RouteOptions options);

  [[nodiscard]] RouteMatch match(std::string_view method, std::string_view path) const;

  [[nodiscard]] const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

  // "METHOD /pattern" of every route, sorted (caasd --list-routes, the OpenAPI check).
  [[nodiscard]] std::vector<std::string> describe() const;

 private:
  struct Compiled {
    const Route* route;
    std::vector<std::string> segments;
  };
  void add_route(std::unique_ptr<Route> route);

  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<Compiled> compiled_;
};

}  // namespace caas::api
