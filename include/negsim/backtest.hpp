// Backtests: played over many seeded replicates, does a scenario end the way the record says?
//
//   auto statistics = run_replicates(scenario, options);          // sweep.hpp
//   BacktestResult result = evaluate_backtest(scenario, statistics);
//
// The pass criterion is the scenario's own (`expected.criterion`, docs/SCENARIO_FORMAT.md).
// Default: the recorded outcome kind is the most frequent simulated one, and every named
// objector objected, every named dissociator stood aside and every named contested issue was
// contested in at least half of the replicates.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "negsim/scenario.hpp"
#include "negsim/sweep.hpp"

namespace negsim {

// One named delegation or issue of the expected block and how often the replicates agreed.
struct NamedCheck {
  std::string id;
  double share = 0;  // of replicates
  bool passed = false;
  // What a record check checks (one of check_class below, given with its name); empty for the named objectors,
  // dissociators and contested issues, whose list says it.
  std::string check_class;
};

// The classes of checks the backtest distinguishes, as the leave-one-out reports them.
namespace check_class {
inline constexpr const char* outcome = "outcome kind";
inline constexpr const char* objectors = "objectors";
inline constexpr const char* dissociators = "dissociators";
inline constexpr const char* contested = "contested paragraphs";
inline constexpr const char* text = "text levels";
inline constexpr const char* earlier = "earlier objections";
inline constexpr const char* reservations = "reservations";
}  // namespace check_class

struct BacktestResult {
  // A what-if's `predicted:` block: the model checked against its own earlier prediction,
  // reported apart and never counted as a pass of the historical record.
  bool predicted = false;
  std::string file;  // as given to the backtest
  std::string scenario_id;
  std::string name;  // shown in the table: the file under the backtest directory, without .yaml
  std::string title;
  OutcomeKind recorded = OutcomeKind::consensus;
  std::int64_t replicates = 0;
  std::array<double, outcome_kind_count> shares{};  // indexed by OutcomeKind
  OutcomeKind most_frequent = OutcomeKind::consensus;
  double recorded_share = 0;
  std::optional<double> outcome_share;  // the criterion, when the scenario states one
  double named_share = 0.5;
  bool outcome_passed = false;
  std::vector<NamedCheck> objectors;
  std::vector<NamedCheck> dissociators;
  std::vector<NamedCheck> contested_issues;
  // The record beyond the outcome kind (expected.text, no_other_objectors,
  // no_other_dissociators, objected_earlier), each in at least named_share of the runs.
  std::vector<NamedCheck> record_checks;
  // State-level agreement with a recorded vote (expected.votes), over the replicates that held
  // the vote and the states the record does not list as absent.
  struct Votes {
    std::int64_t replicates_with_vote = 0;
    double agreement = 0;             // mean share of those states whose simulated ballot equals the recorded one
    double simulated[3] = {0, 0, 0};  // mean yes, no, abstain among those states
    int recorded[3] = {0, 0, 0};      // recorded yes, no, abstain
  };
  std::optional<Votes> votes;
  // How many declared uncertain numbers ({value, range}, {value, sd}, `uncertain:`) each
  // replicate drew: the recorded share is then the outcome's robustness to them (0: none drawn).
  std::size_t uncertain_numbers = 0;
  // The case's `provenance:` block (present = false when it declares none).
  Provenance provenance;

  bool passed() const;
  // Why the row failed, in a sentence per failed check; empty when it passed.
  std::vector<std::string> failures() const;
  // The checks whose share lies within two standard errors of their criterion at this many
  // replicates (docs/MODEL.md section 14): "outcome KIND", or a check's id with what it checks
  // ("cuba objected", "no other objector"). More replicates could turn them.
  std::vector<std::string> unsettled_checks() const;
  // Whether more replicates could not turn the row's verdict: false for a pass with an unsettled
  // check, or a fail whose every failed check is unsettled.
  bool verdict_settled() const;
};

// The names of the checks of expected.text, no_other_objectors, no_other_dissociators and
// objected_earlier, in the order record_check_results() answers them.
std::vector<std::string> record_check_names(const Scenario& scenario);
// Whether one run meets each of those checks. `objected_rounds` holds, per delegation, the
// rounds (0-based) in which it objected; it is needed only for objected_earlier.
std::vector<bool> record_check_results(const Scenario& scenario, const Outcome& outcome,
                                       const std::vector<std::vector<int>>& objected_rounds);

// Compares the replicates of `scenario` (which must have an expected block) with the record.
// `record_counts`, when given, counts the runs that met each record check.
BacktestResult evaluate_backtest(const Scenario& scenario, const CellStatistics& statistics,
                                 const std::string& file = "", const std::vector<std::int64_t>& record_counts = {});

// Compares one run's ballots with the recorded ones: matches and the simulated yes, no and
// abstain counts among the states not recorded absent. False when the run held no vote.
bool compare_ballots(const Scenario& scenario, const Outcome& outcome, std::int64_t& matches,
                     std::int64_t (&simulated)[3]);

// Plays the replicates and evaluates them, the record checks included (a run that must know
// who objected in earlier rounds is replayed with a trace of the responses).
BacktestResult run_backtest(const Scenario& scenario, const ReplicateOptions& options, const std::string& file = "");

// The scenario files under `directory`, recursively, sorted: *.yaml files that are not symbolic
// links (a link is another name for a file counted already) and not inside a directory named
// `stances`, `catalogue` or `parameters` (stance files, issue catalogues, bibliographies and
// parameter files are not scenarios).
std::vector<std::string> find_scenario_files(const std::string& directory);

// The recorded cases written before their first run (provenance.written: before_first_run),
// counted: what the backtest says out of sample. What-ifs are never counted.
struct ProvenanceSummary {
  int before_first_run = 0;       // cases written before their first run
  int awaiting_first_run = 0;     // of those, no first run recorded yet: this backtest is it
  int passed_at_first_run = 0;    // of those, passed at that run (provenance.first_run.result)
  int pass_now = 0;               // of those, pass in this backtest
  int pass_now_after_change = 0;  // of those passing now, changed after the first run (in sample)
  int knowing_the_results = 0;    // cases written or tuned knowing the model's results
  int unclear = 0;                // cases whose provenance the record does not settle
  int undeclared = 0;             // recorded cases without a provenance block
};
ProvenanceSummary summarize_provenance(const std::vector<BacktestResult>& results);
// One line (without a newline) saying the summary; empty when no case declares a provenance.
std::string provenance_line(const ProvenanceSummary& summary);

// The block as JSON (null when absent), and the summary as JSON.
nlohmann::ordered_json provenance_json(const Provenance& provenance);
nlohmann::ordered_json provenance_summary_json(const ProvenanceSummary& summary);

// A table for people, one row per scenario, then the reasons for every failed row.
std::string backtest_table(const std::vector<BacktestResult>& results);
nlohmann::ordered_json backtest_json(const std::vector<BacktestResult>& results);

}  // namespace negsim
