#include "negsim/sweep.hpp"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>

#include "negsim/random.hpp"

namespace negsim {

namespace {

// The memory a sweep may keep for the positions it shares between replicates (SharedRounds):
// 193 delegations x 40 issues x 100 rounds take 6.2 MB; larger rooms share their first rounds.
constexpr std::size_t shared_rounds_budget = std::size_t{8} << 20;

std::int64_t to_fixed_point(double utility) {
  return std::llround(utility * utility_fixed_point);
}

int quantile_of(const std::vector<std::int64_t>& histogram, double q) {
  std::int64_t total = 0;
  for (std::int64_t count : histogram) total += count;
  if (total == 0) return -1;
  // The smallest value whose cumulative count reaches q of the total (nearest-rank method).
  const auto rank = static_cast<std::int64_t>(std::max(1.0, std::ceil(q * static_cast<double>(total))));
  std::int64_t seen = 0;
  for (std::size_t value = 0; value < histogram.size(); ++value) {
    seen += histogram[value];
    if (seen >= rank) return static_cast<int>(value);
  }
  return static_cast<int>(histogram.size()) - 1;
}

}  // namespace

CellStatistics::CellStatistics(const Scenario& scenario)
    : rounds_histogram(static_cast<std::size_t>(scenario.process.max_rounds) + 1, 0),
      decided_histogram(static_cast<std::size_t>(scenario.process.max_rounds) + 1, 0),
      objected(static_cast<std::size_t>(scenario.delegation_count()), 0),
      stood_aside(static_cast<std::size_t>(scenario.delegation_count()), 0),
      sole_blocker(static_cast<std::size_t>(scenario.delegation_count()), 0),
      contested(static_cast<std::size_t>(scenario.issue_count()), 0),
      bloc_utility(scenario.blocs.size(), 0) {}

void CellStatistics::add(const Scenario& scenario, const Outcome& outcome) {
  ++replicates;
  ++outcome_counts[static_cast<std::size_t>(outcome.kind)];
  ++rounds_histogram[static_cast<std::size_t>(outcome.rounds)];
  if (outcome.decided_round >= 0) ++decided_histogram[static_cast<std::size_t>(outcome.decided_round) + 1];
  for (std::size_t i = 0; i < outcome.responses.size(); ++i) {
    if (outcome.responses[i] == Response::object) ++objected[i];
    if (outcome.responses[i] == Response::aside) ++stood_aside[i];
  }
  for (int i : outcome.pivotal) ++sole_blocker[static_cast<std::size_t>(i)];
  for (int issue : outcome.contested_issues) ++contested[static_cast<std::size_t>(issue)];
  // Utility of the final text to each delegation as it came to the table: measured from its
  // declared (initial) position, so that influence does not redefine what it wanted; no noise.
  thread_local Eigen::VectorXd utilities;
  utilities.resize(scenario.delegation_count());
  compute_utilities(scenario.positions, scenario.salience, outcome.draft, scenario.process.utility, utilities);
  for (std::size_t b = 0; b < scenario.blocs.size(); ++b) {
    const auto& members = scenario.blocs[b].members;
    if (members.empty()) continue;
    double sum = 0;
    for (int member : members) sum += utilities(member);
    bloc_utility[b] += to_fixed_point(sum / static_cast<double>(members.size()));
  }
  overall_utility += to_fixed_point(utilities.mean());
}

void CellStatistics::merge(const CellStatistics& other) {
  if (replicates == 0 && rounds_histogram.empty()) {
    *this = other;
    return;
  }
  replicates += other.replicates;
  for (std::size_t j = 0; j < outcome_counts.size(); ++j) outcome_counts[j] += other.outcome_counts[j];
  auto add_all = [](std::vector<std::int64_t>& into, const std::vector<std::int64_t>& from) {
    for (std::size_t j = 0; j < into.size() && j < from.size(); ++j) into[j] += from[j];
  };
  add_all(rounds_histogram, other.rounds_histogram);
  add_all(decided_histogram, other.decided_histogram);
  add_all(objected, other.objected);
  add_all(stood_aside, other.stood_aside);
  add_all(sole_blocker, other.sole_blocker);
  add_all(contested, other.contested);
  add_all(bloc_utility, other.bloc_utility);
  overall_utility += other.overall_utility;
}

bool CellStatistics::operator==(const CellStatistics& other) const {
  return replicates == other.replicates && outcome_counts == other.outcome_counts &&
         rounds_histogram == other.rounds_histogram && decided_histogram == other.decided_histogram &&
         objected == other.objected && stood_aside == other.stood_aside && sole_blocker == other.sole_blocker &&
         contested == other.contested && bloc_utility == other.bloc_utility && overall_utility == other.overall_utility;
}

double CellStatistics::share(OutcomeKind kind) const {
  return replicates == 0
             ? 0.0
             : static_cast<double>(outcome_counts[static_cast<std::size_t>(kind)]) / static_cast<double>(replicates);
}

double CellStatistics::mean_utility_of_bloc(std::size_t bloc) const {
  return replicates == 0
             ? 0.0
             : static_cast<double>(bloc_utility[bloc]) / utility_fixed_point / static_cast<double>(replicates);
}

double CellStatistics::mean_utility() const {
  return replicates == 0 ? 0.0
                         : static_cast<double>(overall_utility) / utility_fixed_point / static_cast<double>(replicates);
}

int CellStatistics::rounds_quantile(double q) const {
  return quantile_of(rounds_histogram, q);
}
int CellStatistics::decided_quantile(double q) const {
  return quantile_of(decided_histogram, q);
}

double CellStatistics::mean_decided_round() const {
  std::int64_t count = 0;
  std::int64_t sum = 0;
  for (std::size_t round = 0; round < decided_histogram.size(); ++round) {
    count += decided_histogram[round];
    sum += decided_histogram[round] * static_cast<std::int64_t>(round);
  }
  return count == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(sum) / static_cast<double>(count);
}

Interval wilson_interval(std::int64_t successes, std::int64_t trials, double z) {
  if (trials <= 0) return {0.0, 1.0};
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half_width = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
  return {std::max(0.0, centre - half_width), std::min(1.0, centre + half_width)};
}

int default_thread_count() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0 && CPU_COUNT(&allowed) > 0) return CPU_COUNT(&allowed);
  const unsigned count = std::thread::hardware_concurrency();
  return count == 0 ? 1 : static_cast<int>(count);
}

Scenario replicate_scenario(const Scenario& scenario, std::uint64_t master_seed, std::uint64_t index,
                            bool sample_uncertainty) {
  if (!sample_uncertainty || scenario.uncertainties.empty()) return scenario;
  return sample_scenario(scenario, derive_seed(master_seed, index));
}

CellStatistics run_replicates(const Scenario& scenario, const ReplicateOptions& options) {
  const int threads = std::max(1, options.threads > 0 ? options.threads : default_thread_count());
  const std::uint64_t end = options.first_replicate + options.replicates;
  // Work is handed out in small blocks so threads balance; the statistics are integer sums,
  // so which thread did which block cannot change the result.
  constexpr std::uint64_t block = 16;
  std::atomic<std::uint64_t> next{options.first_replicate};
  std::atomic<std::uint64_t> finished{0};
  std::mutex merge_mutex;
  CellStatistics total(scenario);
  const bool sample = options.sample_uncertainty && !scenario.uncertainties.empty();

  // A run that throws (a strategy of one's own failing, RunError) stops every worker; the first
  // failure is rethrown to the caller once they have all stopped.
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  // Without sampling every replicate plays the same scenario, whose positions move alike in all
  // of them (influence reads neither the noise nor the text): the threads share each round's.
  std::optional<SharedRounds> shared_rounds;
  if (!sample) shared_rounds.emplace(scenario, shared_rounds_budget);

  auto work = [&]() {
    CellStatistics local(scenario);
    std::optional<Scenario> sampled;
    if (sample) sampled = scenario;
    // One engine per thread, restarted for each replicate: the same run as a new engine's,
    // without its allocations.
    std::optional<Engine> engine;
    while (true) {
      if (options.stop != nullptr && options.stop->load() != 0) break;
      if (failed.load()) break;
      const std::uint64_t start = next.fetch_add(block);
      if (start >= end) break;
      const std::uint64_t stop = std::min(end, start + block);
      for (std::uint64_t index = start; index < stop; ++index) {
        const std::uint64_t seed = derive_seed(options.master_seed, index);
        const Scenario* played = &scenario;
        if (sample) {
          resample_scenario(scenario, *sampled, seed);
          played = &*sampled;
        }
        if (engine) {
          engine->restart(seed);
        } else {
          engine.emplace(*played, seed);
          if (shared_rounds) engine->share_rounds(&*shared_rounds);
        }
        const Outcome& outcome = engine->run();
        local.add(*played, outcome);
        if (options.on_replicate) options.on_replicate(index, *played, outcome);
      }
      const std::uint64_t done = finished.fetch_add(stop - start) + (stop - start);
      if (options.progress) options.progress(done);
    }
    std::lock_guard<std::mutex> lock(merge_mutex);
    total.merge(local);
  };
  auto worker = [&]() {
    try {
      work();
    } catch (...) {
      std::lock_guard<std::mutex> lock(merge_mutex);
      if (!failure) failure = std::current_exception();
      failed = true;
    }
  };

  if (threads == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& thread : pool) thread.join();
  }
  if (failure) std::rethrow_exception(failure);
  return total;
}

}  // namespace negsim
