// Tournaments (negsim tournament): strategies x scenarios x seeds, each strategy taking a seat
// (or every seat in turn) against the others' default agents.
//
// Every (strategy, scenario, seat) is one cell of a sweep (negsim/sweep_run.hpp) with that
// seat's agent replaced; replicate r of every cell uses seed derive_seed(master, r), so all
// strategies meet the same noise and draws. Per replicate it records whether a text was
// adopted, the seat's utility at the outcome, and whether it objected to the final text or its
// objection alone blocked it; the table is computed from those in replicate order, so it is
// the same for any thread count.
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

// "default" keeps the seat's own agent from the file (the baseline).
inline constexpr const char* default_strategy = "default";

struct TournamentOptions {
  std::vector<std::string> strategies;  // registered names or "default"
  std::vector<std::string> seats;       // delegation ids; empty: every seat of each scenario in turn
  std::uint64_t master_seed = 1;
  std::uint64_t seeds = 100;  // replicates per cell
  bool sample_uncertainty = false;
  int threads = 0;
  std::function<void(std::uint64_t)> progress;  // runs finished so far
  const std::atomic<int>* stop = nullptr;
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
  Interval utility_interval;  // normal 95%: mean +- 1.96 sd / sqrt(runs)
};

struct TournamentResult {
  std::vector<TournamentRow> rows;  // strategy-major, then scenario, then seat (file order)
  bool complete = true;             // false when stopped early
};

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
std::string tournament_table(const TournamentResult& result);
// The report page of a tournament directory (negsim report DIR): a self-contained HTML page,
// nothing fetched, with the table and each rate drawn as a bar with its interval. Throws
// InputError when tournament.json is missing or malformed.
std::string tournament_report_html(const std::string& directory);

}  // namespace negsim
