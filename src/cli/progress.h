// A one-line progress bar on stderr for long transfers: bytes, rate and time left, redrawn at
// most ten times a second. It draws only when stdout and stderr are both terminals and the
// transfer is at least kMinProgressBytes; otherwise every call does nothing, so scripts and
// logs stay clean.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace caas::cli {

inline constexpr std::uint64_t kMinProgressBytes = std::uint64_t{1} << 20;

class ProgressBar {
 public:
  ProgressBar(std::string label, std::uint64_t total);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar();  // ends the line if one was drawn

  void update(std::uint64_t done);
  // Draws the final state and ends the line.
  void finish();

 private:
  void draw(std::uint64_t done, bool last);

  std::string label_;
  std::uint64_t total_;
  bool enabled_;
  bool drawn_ = false;
  bool finished_ = false;
  std::uint64_t done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1.5 MiB", "312 B": for humans.
std::string format_bytes(std::uint64_t bytes);

}  // namespace caas::cli
