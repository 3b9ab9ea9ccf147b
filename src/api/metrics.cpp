#include "api/metrics.h"

#include <fmt/format.h>

namespace caas::api {

Metrics::Metrics(const Router& router) : router_(router), series_(router.routes().size() + 1) {}

void Metrics::observe(const Route* route, std::string_view method, unsigned status, double seconds,
                      std::uint64_t bytes_in, std::uint64_t bytes_out) {
  Series& series = series_[route != nullptr ? route->id : series_.size() - 1];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      series.buckets[i].fetch_add(1, std::memory_order_relaxed);
      break;  // buckets are stored non-cumulative and summed at render time
    }
  }
  series.count.fetch_add(1, std::memory_order_relaxed);
  series.sum_micros.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  {
    std::lock_guard lock(series.mutex);
    // Unmatched requests may carry any method; only the known ones get their own label.
    std::string label = route != nullptr ? route->method : std::string(method);
    if (route == nullptr && label != "GET" && label != "POST" && label != "PUT" &&
        label != "DELETE" && label != "HEAD") {
      label = "other";
    }
    ++series.by_status[{std::move(label), status}];
  }
  bytes_in_.fetch_add(bytes_in, std::memory_order_relaxed);
  bytes_out_.fetch_add(bytes_out, std::memory_order_relaxed);
}

std::string Metrics::render() const {
  std::string out;
  auto route_name = [&](std::size_t i) -> std::string {
    return i < router_.routes().size() ? router_.routes()[i]->pattern : "unmatched";
  };
  out += "# HELP caas_http_requests_total HTTP requests by route, method and status.\n";
  out += "# TYPE caas_http_requests_total counter\n";
  for (std::size_t i = 0; i < series_.size(); ++i) {
    std::lock_guard lock(series_[i].mutex);
    for (const auto& [key, count] : series_[i].by_status) {
      out +=
          fmt::format("caas_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                      key.first, route_name(i), key.second, count);
    }
  }
  out += "# HELP caas_http_request_duration_seconds Time from request header to response sent.\n";
  out += "# TYPE caas_http_request_duration_seconds histogram\n";
  for (std::size_t i = 0; i < series_.size(); ++i) {
    const Series& series = series_[i];
    std::uint64_t count = series.count.load(std::memory_order_relaxed);
    if (count == 0) {
      continue;
    }
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kBuckets.size(); ++b) {
      cumulative += series.buckets[b].load(std::memory_order_relaxed);
      out += fmt::format("caas_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                         route_name(i), kBuckets[b], cumulative);
    }
    out += fmt::format("caas_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                       route_name(i), count);
    out += fmt::format(
        "caas_http_request_duration_seconds_sum{{route=\"{}\"}} {:.6f}\n", route_name(i),
        static_cast<double>(series.sum_micros.load(std::memory_order_relaxed)) / 1e6);
    out += fmt::format("caas_http_request_duration_seconds_count{{route=\"{}\"}} {}\n",
                       route_name(i), count);
  }
  out += "# TYPE caas_http_received_bytes_total counter\n";
  out += fmt::format("caas_http_received_bytes_total {}\n", bytes_in_.load());
  out += "# TYPE caas_http_sent_bytes_total counter\n";
  out += fmt::format("caas_http_sent_bytes_total {}\n", bytes_out_.load());
  out += "# TYPE caas_http_open_connections gauge\n";
  out += fmt::format("caas_http_open_connections {}\n", open_connections_.load());
  out += "# TYPE caas_http_rejected_connections_total counter\n";
  out += fmt::format("caas_http_rejected_connections_total {}\n", rejected_connections_.load());
  for (const GaugeSource& source : gauge_sources_) {
    out += source();
  }
  return out;
}

}  // namespace caas::api
