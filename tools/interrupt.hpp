// Ctrl-C (SIGINT) and SIGTERM during a run: instead of dying mid-round, the command finishes
// the round it is in, writes what was played (marked "interrupted") and exits 128 + signal
// (130 or 143). A scoped guard installs the handlers and restores the previous ones.
#pragma once

#include <atomic>
#include <csignal>

namespace negsim::cli {

class InterruptGuard {
 public:
  InterruptGuard() {
    received().store(0);
    struct sigaction action {};
    action.sa_handler = &InterruptGuard::handle;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_interrupt_);
    sigaction(SIGTERM, &action, &previous_terminate_);
  }
  ~InterruptGuard() {
    sigaction(SIGINT, &previous_interrupt_, nullptr);
    sigaction(SIGTERM, &previous_terminate_, nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // The signal received since construction, 0 when none.
  int signal() const { return received().load(); }
  // The same, for code that polls it (negsim::ReplicateOptions::stop).
  const std::atomic<int>& flag() const { return received(); }
  // The conventional exit status of a process stopped by that signal.
  int exit_status() const { return 128 + signal(); }

 private:
  // A lock-free atomic is the only state a signal handler may touch.
  static std::atomic<int>& received() {
    static std::atomic<int> value{0};
    static_assert(std::atomic<int>::is_always_lock_free);
    return value;
  }
  static void handle(int signal_number) { received().store(signal_number); }

  struct sigaction previous_interrupt_ {};
  struct sigaction previous_terminate_ {};
};

}  // namespace negsim::cli
