// Metrics: counters and histograms of the HTTP server, rendered in the Prometheus text format
// (version 0.0.4) by GET /v1/sys/metrics. Routes are labelled by pattern, never by raw path, so
// the number of series is bounded by the router; requests that match no route count as
// route="unmatched".
//
// Thread-safe. observe() is on every request's path: atomics, plus one short mutex per route
// for the status counters.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "api/router.h"

namespace caas::api {

class Metrics {
 public:
  // Upper bounds of the latency histogram buckets, in seconds.
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};

  // One series per route of `router` (which must outlive this) plus "unmatched".
  explicit Metrics(const Router& router);

  // `route` is nullptr for unmatched requests.
  void observe(const Route* route, std::string_view method, unsigned status, double seconds,
               std::uint64_t bytes_in, std::uint64_t bytes_out);
  void connection_opened() { open_connections_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }
  void connection_rejected() { rejected_connections_.fetch_add(1, std::memory_order_relaxed); }

  // Gauges owned elsewhere (seal state), rendered as `name value` lines.
  using GaugeSource = std::function<std::string()>;
  void add_gauge_source(GaugeSource source) { gauge_sources_.push_back(std::move(source)); }

  [[nodiscard]] std::string render() const;

 private:
  struct Series {
    std::array<std::atomic<std::uint64_t>, kBuckets.size()> buckets{};
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_micros{0};
    mutable std::mutex mutex;                                             // guards by_status
    std::map<std::pair<std::string, unsigned>, std::uint64_t> by_status;  // (method, status)
  };

  const Router& router_;
  std::deque<Series> series_;  // routes in id order, then "unmatched"
  std::atomic<std::uint64_t> bytes_in_{0};
  std::atomic<std::uint64_t> bytes_out_{0};
  std::atomic<std::int64_t> open_connections_{0};
  std::atomic<std::uint64_t> rejected_connections_{0};
  std::vector<GaugeSource> gauge_sources_;
};

}  // namespace caas::api
