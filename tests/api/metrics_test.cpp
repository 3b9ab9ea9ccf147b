#include "api/metrics.h"

#include <thread>

#include <gtest/gtest.h>

namespace caas::api {
namespace {

TEST(MetricsTest, CountsByRouteMethodAndStatusWithCumulativeBuckets) {
  Router router;
  router.add("GET", "/v1/sys/health", [](Request&) { return Response{}; });
  Metrics metrics(router);
  const Route* health = router.routes()[0].get();
  metrics.observe(health, "GET", 200, 0.0002, 10, 20);
  metrics.observe(health, "GET", 200, 0.003, 10, 20);
  metrics.observe(nullptr, "BREW", 404, 0.0001, 5, 6);
  metrics.connection_opened();
  std::string text = metrics.render();
  EXPECT_NE(
      text.find(
          "caas_http_requests_total{method=\"GET\",route=\"/v1/sys/health\",status=\"200\"} 2"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("caas_http_requests_total{method=\"other\",route=\"unmatched\",status=\"404\"} 1"),
      std::string::npos);
  EXPECT_NE(
      text.find(
          "caas_http_request_duration_seconds_bucket{route=\"/v1/sys/health\",le=\"0.0005\"} 1"),
      std::string::npos);
  EXPECT_NE(
      text.find(
          "caas_http_request_duration_seconds_bucket{route=\"/v1/sys/health\",le=\"0.005\"} 2"),
      std::string::npos);
  EXPECT_NE(text.find("caas_http_request_duration_seconds_count{route=\"/v1/sys/health\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("caas_http_received_bytes_total 25"), std::string::npos);
  EXPECT_NE(text.find("caas_http_sent_bytes_total 46"), std::string::npos);
  EXPECT_NE(text.find("caas_http_open_connections 1"), std::string::npos);
}

TEST(MetricsTest, ConcurrentObservationsAreAllCounted) {
  Router router;
  router.add("GET", "/a", [](Request&) { return Response{}; });
  Metrics metrics(router);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        metrics.observe(router.routes()[0].get(), "GET", 200, 0.001, 1, 1);
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_NE(metrics.render().find("status=\"200\"} 40000"), std::string::npos);
}

}  // namespace
}  // namespace caas::api
