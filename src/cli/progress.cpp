#include "cli/progress.h"

#include <cstdio>

#include <unistd.h>

namespace caas::cli {
namespace {

constexpr int kBarColumns = 24;
constexpr auto kRedrawEvery = std::chrono::milliseconds(100);

std::string format_duration(double seconds) {
  auto total = static_cast<long>(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
  return text;
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  auto value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  if (unit == 0) {
    std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  }
  return text;
}

ProgressBar::ProgressBar(std::string label, std::uint64_t total)
    : label_(std::move(label)),
      total_(total),
      enabled_(total >= kMinProgressBytes && ::isatty(STDOUT_FILENO) == 1 &&
               ::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  if (drawn_ && !finished_) {
    std::fputs("\n", stderr);
  }
}

void ProgressBar::update(std::uint64_t done) {
  done_ = done;
  if (!enabled_) {
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < kRedrawEvery) {
    return;
  }
  last_draw_ = now;
  draw(done, false);
}

void ProgressBar::finish() {
  if (enabled_ && !finished_) {
    draw(total_, true);
  }
  finished_ = true;
}

void ProgressBar::draw(std::uint64_t done, bool last) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double fraction = total_ == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total_);
  fraction = fraction > 1.0 ? 1.0 : fraction;
  int filled = static_cast<int>(fraction * kBarColumns);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kBarColumns - filled), '.');
  double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  std::string tail;
  if (last) {
    tail = "in " + format_duration(elapsed);
  } else if (rate > 0) {
    tail = "ETA " + format_duration(static_cast<double>(total_ - std::min(done, total_)) / rate);
  }
  std::fprintf(stderr, "\r%s %3d%% [%s] %s / %s  %s/s  %s\033[K%s", label_.c_str(),
               static_cast<int>(fraction * 100), bar.c_str(), format_bytes(done).c_str(),
               format_bytes(total_).c_str(), format_bytes(static_cast<std::uint64_t>(rate)).c_str(),
               tail.c_str(), last ? "\n" : "");
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace caas::cli
