// A progress bar on stderr for long commands: rate and time left, redrawn at most 10 times a
// second, and silent when stderr is not a terminal or the user asked for quiet.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace negsim::cli {

class ProgressBar {
 public:
  ProgressBar(std::uint64_t total, bool enabled)
      : total_(total), enabled_(enabled && isatty(STDERR_FILENO) != 0), started_(Clock::now()), last_(started_) {}
  ~ProgressBar() { finish(); }

  // Thread-safe; `done` counts all work finished so far.
  void update(std::uint64_t done) {
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = Clock::now();
    if (done < total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    draw(done, now);
  }

  void finish() {
    if (!enabled_ || finished_) return;
    finished_ = true;
    std::fputs("\r\033[K", stderr);
  }

 private:
  using Clock = std::chrono::steady_clock;

  void draw(std::uint64_t done, Clock::time_point now) {
    const double seconds = std::chrono::duration<double>(now - started_).count();
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
    const double fraction = total_ == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total_);
    const int width = 30;
    const int filled = static_cast<int>(fraction * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(width - filled), '.');
    const double left = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
    std::fprintf(stderr, "\r[%s] %3.0f%%  %llu/%llu  %.0f/s  %.0fs left\033[K", bar.c_str(), 100.0 * fraction,
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), rate, left);
    std::fflush(stderr);
  }

  std::uint64_t total_;
  bool enabled_;
  bool finished_ = false;
  Clock::time_point started_;
  Clock::time_point last_;
  std::mutex mutex_;
};

}  // namespace negsim::cli
