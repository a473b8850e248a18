// Counterfactual explanations of a run: who and what was pivotal, the smallest changes that
// flip the outcome (found by bisection on the engine itself), how far the draft was from any
// acceptable text, and blocking-power indices over a sweep.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "negsim/engine.hpp"
#include "negsim/scenario.hpp"
#include "negsim/sweep.hpp"

namespace negsim {

struct ExplainOptions {
  std::uint64_t seed = 1;
  std::uint64_t replicates = 1000;  // for the blocking-power index: the most run (0: skip the sweep)
  // Replicates are run in batches of explain_batch, and the sweep stops after the first batch at
  // which every delegation's 95% Wilson interval for its blocking power is at most 2 x precision
  // wide (or at `replicates`). 0: exactly `replicates`.
  double precision = 0.03;
  int threads = 0;
  int bisection_steps = 24;  // each halves the interval: 2^-24 of the searched range
  // Skip the run of a variant whose red lines leave no acceptable value on some paragraph, in a
  // room where that alone blocks every text (no fallbacks, no policies of its own): its outcome
  // is "not adopted" without running it. False runs every variant (tests compare the two).
  bool skip_blocked_runs = true;
  // Play a variant that changes only red lines from the explained run's last round before the
  // change could matter (RecordedRun), or take that run's outcome when it never could. False
  // plays every variant from the first round (tests compare the two).
  bool resume_red_line_variants = true;
  // The smallest single changes are searched in full (every candidate bisected) when the
  // estimated work, candidates run x (bisection_steps + 1) x process.max_rounds x delegations x
  // issues (docs/MODEL.md, section 13), is at most work_budget, or when `exhaustive` is set.
  // Otherwise explain answers a smaller question: the top_changes smallest changes among the
  // candidates of the delegations nearest to changing their answer, found exactly by branch and
  // bound; as many delegations (at least one) as keep the far-end runs of their candidates,
  // candidates run x process.max_rounds x delegations x issues, within nearest_budget.
  bool exhaustive = false;
  double work_budget = 1e9;     // delegation-issue-rounds; every shipped scenario is below it
  double nearest_budget = 2e8;  // delegation-issue-rounds
  std::size_t top_changes = 12;
  // Tests: examine this many nearest delegations instead of the nearest_budget's count (0: the budget's).
  int nearest_delegations = 0;
};

// A red line changed by a variant: delegation, issue.
struct RedLineCell {
  int delegation = -1;
  int issue = -1;
};

// The explained run, kept round by round: the state at the start of each round (checkpoints) and
// the range of values each paragraph was polled at. A variant that changes only some red lines
// plays every round the same as this run until a value polled on the paragraph, or the
// delegation's position there, reaches the part of the scale where the old and new bounds
// answer differently (docs/MODEL.md, section 13); from that round it is resumed.
class RecordedRun {
 public:
  RecordedRun(const Scenario& scenario, std::uint64_t seed);
  const Outcome& outcome() const { return outcome_; }
  int rounds() const { return static_cast<int>(checkpoints_.size()); }
  // The first round whose play `variant` (the scenario but for the red lines of `cells`) could
  // change; rounds() when none could.
  int first_round_changed(const Scenario& variant, const std::vector<RedLineCell>& cells) const;
  // The run of `variant` with the same seed, resumed from that round's checkpoint (this run's
  // outcome when no round changes): the same as simulate(variant, seed).
  Outcome replay(const Scenario& variant, const std::vector<RedLineCell>& cells) const;
  // Whether replay() may be used: no delegation or chair answers through a registered policy,
  // which could read a red line anywhere.
  bool resumable() const { return resumable_; }

 private:
  const Scenario& scenario_;
  std::uint64_t seed_;
  Outcome outcome_;
  std::vector<Engine::Checkpoint> checkpoints_;  // at the start of each round played
  Engine::PolledRanges polled_;
  bool resumable_ = true;
};

// Would the outcome change if delegation `delegation` ...
struct PivotalDelegation {
  int delegation = -1;
  OutcomeKind without_red_lines = OutcomeKind::no_consensus;     // ... had no red lines?
  OutcomeKind if_it_never_objected = OutcomeKind::no_consensus;  // ... never objected at all?
};

struct PivotalIssue {
  int issue = -1;
  OutcomeKind if_dropped = OutcomeKind::no_consensus;  // the paragraph left out (status quo)
};

// One minimal change, e.g. "russia red_lines.ihl.max 0.45 -> 0.7251".
struct Flip {
  int delegation = -1;
  int issue = -1;
  std::string parameter;  // "red_lines.<issue>.max", "red_lines.<issue>.min", "positions.<issue>", "salience.<issue>"
  double from = 0;
  double to = 0;
  double size = 0;  // |to - from| on the [0,1] scale; for salience, the share of the weight removed
  OutcomeKind outcome = OutcomeKind::no_consensus;
};

// Red lines bound what any text can say on an issue: [max of minima, min of maxima].
struct IssueGap {
  int issue = -1;
  double tabled = 0;
  bool acceptable_exists = true;
  double low = 0;
  double high = 1;
  double distance = 0;        // from the tabled value to the acceptable interval (0 inside it)
  std::vector<int> raising;   // delegations whose minimum sets `low`
  std::vector<int> lowering;  // delegations whose maximum sets `high`
};

// Several delegations relaxing their red lines together by `shift` (when no single change does).
struct JointChange {
  std::string description;
  double shift = 0;
  OutcomeKind outcome = OutcomeKind::no_consensus;
};

inline constexpr std::uint64_t explain_batch = 100;

// What the search for the smallest single changes covered, when it did not cover every candidate.
struct ChangesScope {
  double estimated_work = 0;         // of the full search, delegation-issue-rounds
  double work_budget = 0;            // the budget it exceeded
  double nearest_budget = 0;         // the budget of the far-end runs of the delegations examined
  std::vector<int> delegations;      // examined, nearest to changing their answer first
  int delegations_not_examined = 0;  // delegations left out (with or without candidates)
  std::size_t candidates = 0;        // candidates of the delegations examined
  std::size_t candidates_total = 0;  // of every delegation
  std::size_t top = 0;               // only this many smallest changes are reported
};

struct Explanation {
  Outcome outcome;
  std::vector<PivotalDelegation> pivotal_delegations;
  std::vector<PivotalIssue> pivotal_issues;
  std::vector<Flip> smallest_changes;         // ranked by size
  std::optional<ChangesScope> changes_scope;  // set when not every candidate was searched
  std::vector<JointChange> joint_changes;     // ranked by shift
  std::vector<IssueGap> gaps;                 // contested issues (every issue when adopted)
  std::optional<CellStatistics> sweep;        // blocking power: sole_blocker / replicates
  double widest_half_width = 0;               // of the blocking-power intervals, after the sweep
  std::vector<double> shapley_shubik;         // power-weighted, quota = the vote threshold (2/3 if none)
  double quota = 2.0 / 3.0;
};

Explanation explain(const Scenario& scenario, const ExplainOptions& options);

nlohmann::ordered_json explanation_json(const Scenario& scenario, const Explanation& explanation,
                                        const ExplainOptions& options);
std::string explanation_text(const Scenario& scenario, const Explanation& explanation, const ExplainOptions& options);

// Shapley-Shubik index of a weighted quota game (a coalition wins with at least `quota` of the
// total weight): exact over all coalitions for up to 16 players, otherwise estimated from
// `samples` seeded random orderings (on `threads` threads; the same figures for any number).
std::vector<double> shapley_shubik(const Eigen::VectorXd& weights, double quota, std::uint64_t seed,
                                   int samples = 20000, int threads = 1);

}  // namespace negsim
