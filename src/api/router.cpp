#include "api/router.h"

#include <algorithm>

#include "base/check.h"

namespace caas::api {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; an empty segment anywhere (a trailing '/', '//') is kept
// as "" so that it can never match a parameter.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.empty() || path.front() != '/') {
    return segments;
  }
  path.remove_prefix(1);
  for (;;) {
    std::size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) {
      return segments;
    }
    path.remove_prefix(slash + 1);
  }
}

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}
bool is_rest_param(std::string_view segment) {
  return is_param(segment) && segment[segment.size() - 2] == '+';
}
std::string param_name(std::string_view segment) {
  segment = segment.substr(1, segment.size() - 2);
  if (!segment.empty() && segment.back() == '+') {
    segment.remove_suffix(1);
  }
  return std::string(segment);
}

enum class SegmentMatch { kNo, kYes, kBadEncoding };

// Matches one compiled pattern against the path segments; fills `params` on success. A rest
// parameter takes every segment but those the pattern's later segments need, at least one.
SegmentMatch match_segments(const std::vector<std::string>& pattern,
                            const std::vector<std::string_view>& path,
                            std::vector<std::pair<std::string, std::string>>& params) {
  params.clear();
  std::size_t at = 0;  // the next path segment
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const std::string& want = pattern[i];
    if (at >= path.size()) {
      return SegmentMatch::kNo;
    }
    if (is_rest_param(want)) {
      const std::size_t tail = pattern.size() - i - 1;
      if (path.size() - at < tail + 1) {
        return SegmentMatch::kNo;
      }
      const std::size_t end = path.size() - tail;
      std::string rest;
      for (std::size_t j = at; j < end; ++j) {
        if (path[j].empty()) {
          return SegmentMatch::kNo;
        }
        rest += (j == at ? "" : "/");
        rest += path[j];
      }
      std::optional<std::string> decoded = percent_decode(rest);
      if (!decoded) {
        return SegmentMatch::kBadEncoding;
      }
      params.emplace_back(param_name(want), std::move(*decoded));
      at = end;
      continue;
    }
    if (is_param(want)) {
      if (path[at].empty()) {
        return SegmentMatch::kNo;
      }
      std::optional<std::string> decoded = percent_decode(path[at]);
      if (!decoded) {
        return SegmentMatch::kBadEncoding;
      }
      params.emplace_back(param_name(want), std::move(*decoded));
    } else if (want != path[at]) {
      return SegmentMatch::kNo;
    }
    ++at;
  }
  return at == path.size() ? SegmentMatch::kYes : SegmentMatch::kNo;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  add_route(std::make_unique<Route>(Route{routes_.size(), std::move(method), std::move(pattern),
                                          std::move(handler), nullptr, options}));
}

void Router::add_upload(std::string method, std::string pattern, UploadHandler handler,
                        RouteOptions options) {
  add_route(std::make_unique<Route>(Route{routes_.size(), std::move(method), std::move(pattern),
                                          nullptr, std::move(handler), options}));
}

void Router::add_route(std::unique_ptr<Route> route) {
  std::vector<std::string_view> split = split_path(route->pattern);
  CAAS_CHECK(!split.empty());
  std::vector<std::string> segments(split.begin(), split.end());
  std::size_t rest_params = 0;
  for (const std::string& segment : segments) {
    CAAS_CHECK(!segment.empty());
    rest_params += static_cast<std::size_t>(is_rest_param(segment));
  }
  CAAS_CHECK(rest_params <= 1);
  for (const auto& existing : routes_) {
    CAAS_CHECK(existing->method != route->method || existing->pattern != route->pattern);
  }
  compiled_.push_back(Compiled{route.get(), std::move(segments)});
  routes_.push_back(std::move(route));
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  std::vector<std::string_view> segments = split_path(path);
  RouteMatch result;
  std::vector<std::pair<std::string, std::string>> params;
  for (const Compiled& compiled : compiled_) {
    SegmentMatch matched = match_segments(compiled.segments, segments, params);
    if (matched == SegmentMatch::kBadEncoding) {
      result.kind = RouteMatch::Kind::kBadPath;
      return result;
    }
    if (matched == SegmentMatch::kNo) {
      continue;
    }
    if (compiled.route->method == method) {
      result.kind = RouteMatch::Kind::kFound;
      result.route = compiled.route;
      result.params = std::move(params);
      result.allow.clear();
      return result;
    }
    result.kind = RouteMatch::Kind::kMethodNotAllowed;
    if (result.allow.find(compiled.route->method) == std::string::npos) {
      result.allow += (result.allow.empty() ? "" : ", ") + compiled.route->method;
    }
  }
  return result;
}

std::vector<std::string> Router::describe() const {
  std::vector<std::string> lines;
  for (const auto& route : routes_) {
    lines.push_back(route->method + " " + route->pattern);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace caas::api
