// Tournaments (negsim tournament): strategies x scenarios x seeds, each strategy taking a seat
// (or every seat in turn) against the others' default agents.
//
// Every (strategy, scenario, seat) is one cell of a sweep (negsim/sweep_run.hpp) with that
// seat's agent replaced; replicate r of every cell uses seed derive_seed(master, r), so all
// strategies meet the same noise and draws. Per replicate it records whether a text was
// adopted, the seat's utility at the outcome, and whether it objected to the final text or its
// objection alone blocked it; the table is computed from those in replicate order, so it is
// the same for any thread count or MPI rank count (docs/MODEL.md "Tournaments").
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "negsim/scenario.hpp"
#include "negsim/sweep.hpp"

namespace negsim {

class ProcessGroup;

// "default" keeps the seat's own agent from the file (the baseline).
inline constexpr const char* default_strategy = "default";

struct TournamentOptions {
  std::vector<std::string> strategies;  // registered names or "default"
  std::vector<std::string> seats;       // delegation ids; empty: every seat of each scenario in turn
  std::uint64_t master_seed = 1;
  std::uint64_t seeds = 100;  // replicates per cell
  bool sample_uncertainty = false;
  int threads = 0;
  std::uint64_t block = 512;                    // under MPI: replicates per work unit (no effect on results)
  std::function<void(std::uint64_t)> progress;  // runs finished so far
  const std::atomic<int>* stop = nullptr;
  // The MPI ranks to run on (negsim/distributed.hpp); null: this process. Every rank calls
  // run_tournament with the same arguments; rank 0 gets the table, the others an empty one.
  const ProcessGroup* group = nullptr;
};

struct TournamentRow {
  std::string strategy;
  std::string scenario;  // id
  std::string seat;      // delegation id
  std::int64_t runs = 0;
  std::int64_t agreements = 0;  // a text was adopted (any adopted outcome kind)
  std::int64_t objected = 0;    // the seat objected to the final text
  std::int64_t blocked = 0;     // its objection alone blocked adoption (it was pivotal)
  Interval agreement_interval;  // Wilson 95%
  Interval objected_interval;
  Interval blocked_interval;
  double mean_utility = 0;    // the seat's utility at the outcome (below), mean over runs
  Interval utility_interval;  // 95% percentile bootstrap (bootstrap_mean_interval)
};

struct TournamentResult {
  std::vector<TournamentRow> rows;  // strategy-major, then scenario, then seat (file order)
  // One per strategy, pooled over its scenarios and seats (scenario and seat empty): every run
  // of the strategy counts as one draw.
  std::vector<TournamentRow> summary;
  bool complete = true;  // false when stopped early
};

// Resamples of the bootstrap interval of a mean utility.
inline constexpr int tournament_bootstrap_resamples = 1000;
// How the intervals are made, in the JSON, the terminal and the report page.
inline constexpr const char* tournament_intervals_text =
    "95% intervals: Wilson for rates, percentile bootstrap (1000 resamples) for the mean utility";

// The 95% percentile bootstrap interval of the mean of `values`: `resamples` resamples of the
// same size drawn with replacement from Random(derive_seed(seed ^ stream, key)); the interval
// is the 2.5% and 97.5% nearest-rank quantiles of their means. Sequential, so the same bytes
// wherever it runs. Values all equal (or fewer than two): the value itself.
Interval bootstrap_mean_interval(const std::vector<double>& values, std::uint64_t seed, std::uint64_t key,
                                 int resamples = tournament_bootstrap_resamples);

// The seat's utility at the outcome: u(final text) by its stance as written (positions and
// salience of the scenario played, sampled when sampling) when a text was adopted, its outside
// option when none was.
double seat_outcome_utility(const Scenario& scenario, const Outcome& outcome, int seat);

// The scenario with `seat`'s agent replaced by `strategy` (a built-in model name or a
// registered policy; "default" leaves it). Throws UsageError for an unknown name.
Scenario seat_strategy(const Scenario& scenario, int seat, const std::string& strategy);

// Throws UsageError for an unknown strategy or a seat missing from a scenario.
TournamentResult run_tournament(const std::vector<Scenario>& scenarios, const TournamentOptions& options);

nlohmann::ordered_json tournament_json(const TournamentResult& result, const TournamentOptions& options);
std::string tournament_csv(const TournamentResult& result);
// The terminal table: the per-strategy summary, then a row per strategy, scenario and seat.
std::string tournament_table(const TournamentResult& result);
// The report page of a tournament directory (negsim report DIR): a self-contained HTML page,
// nothing fetched: the per-strategy summary, then each scenario's seats in a collapsible
// section; each rate and mean utility drawn as a bar with its interval. Throws
// InputError when tournament.json is missing or malformed.
std::string tournament_report_html(const std::string& directory);

}  // namespace negsim
