// Sweeps: many seeded replicates of a scenario, and grids of what-if variants.
//
// Replicate r of a sweep with master seed s uses seed derive_seed(s, r): it draws the
// scenario's declared uncertainty (when sampling) and the perception noise from it. All
// statistics are integer counts (utilities in fixed point), so merging partial results in any
// order gives the same bytes: 1 thread, 8 threads or 4 MPI ranks agree exactly.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "negsim/engine.hpp"
#include "negsim/scenario.hpp"

namespace negsim {

constexpr double utility_fixed_point = 1e9;  // utility sums are kept as integers in 1e-9 units

// Aggregate statistics of a set of replicates. Memory does not grow with the replicate count.
struct CellStatistics {
  std::int64_t replicates = 0;
  std::array<std::int64_t, outcome_kind_count> outcome_counts{};  // indexed by OutcomeKind
  std::vector<std::int64_t> rounds_histogram;                     // [rounds] -> replicates that ended after that many
  std::vector<std::int64_t> decided_histogram;                    // [round, 1-based] -> adopted in that round
  std::vector<std::int64_t> objected;                             // per delegation: objected to the final text
  std::vector<std::int64_t> stood_aside;                          // per delegation
  std::vector<std::int64_t> sole_blocker;                         // per delegation: its objection alone blocked
  std::vector<std::int64_t> contested;                            // per issue
  std::vector<std::int64_t> bloc_utility;  // per bloc: sum over replicates of the members' mean utility
  std::int64_t overall_utility = 0;        // sum over replicates of every delegation's mean utility

  // Sized for `scenario` (same delegations, issues, blocs and max_rounds across a cell).
  explicit CellStatistics(const Scenario& scenario);
  CellStatistics() = default;
  void add(const Scenario& scenario, const Outcome& outcome);
  void merge(const CellStatistics& other);  // order-independent
  bool operator==(const CellStatistics& other) const;

  double share(OutcomeKind kind) const;
  double mean_utility_of_bloc(std::size_t bloc) const;
  double mean_utility() const;
  // The q-quantile (0..1) of rounds played, or of the adoption round among adopted replicates
  // (-1 when none was adopted).
  int rounds_quantile(double q) const;
  int decided_quantile(double q) const;
  double mean_decided_round() const;  // NaN when none adopted
};

// 95% Wilson score interval for `successes` out of `trials` (Wilson 1927).
struct Interval {
  double low = 0;
  double high = 0;
};
Interval wilson_interval(std::int64_t successes, std::int64_t trials, double z = 1.959963984540054);

struct ReplicateOptions {
  std::uint64_t master_seed = 1;
  std::uint64_t first_replicate = 0;  // index of the first replicate (for splitting across ranks)
  std::uint64_t replicates = 100;
  bool sample_uncertainty = true;  // draw declared uncertainty per replicate
  int threads = 0;                 // 0: all cores
  // Called now and then from worker threads with the number of replicates finished so far
  // (monotone). May be empty.
  std::function<void(std::uint64_t)> progress;
  // Called for every replicate (from worker threads, in no particular order) with its index,
  // sampled scenario and outcome. May be empty. Must be thread-safe.
  std::function<void(std::uint64_t, const Scenario&, const Outcome&)> on_replicate;
  // Non-zero: stop early, between replicates (a signal handler sets it). The statistics are
  // then of the replicates that ran, and the caller must not take them for the whole count.
  const std::atomic<int>* stop = nullptr;
};

// Runs replicates [first, first + count) of `scenario` in parallel and aggregates them.
CellStatistics run_replicates(const Scenario& scenario, const ReplicateOptions& options);

// The outcome and scenario of one replicate, exactly as run_replicates plays it.
Scenario replicate_scenario(const Scenario& scenario, std::uint64_t master_seed, std::uint64_t index,
                            bool sample_uncertainty);

// The cores this process may run on (its CPU affinity: under mpirun, which binds each rank to
// one core by default, that can be fewer than the machine has), and so the default --threads.
int default_thread_count();

}  // namespace negsim
