// Scenario: the immutable, validated description of a negotiation.
// Loaded from YAML by load_scenario_file(); every check a run relies on happens there.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace negsim {

enum class AgentModel { sincere, concession, reciprocal, bloc_follower, spoiler };
enum class ChairStrategy { compromise, nash, maximin };
enum class UtilityShape { linear, quadratic };
enum class RuleKind { unanimity, consensus, consensus_minus };
enum class OutcomeKind {
  consensus,
  consensus_with_dissociations,
  adopted_over_objections,
  chairs_summary,
  vote,
  taken_note,  // not adopted: the room took note of the text (UNFCCC COP15, the Copenhagen Accord)
  no_consensus
};

// Every outcome kind, in the order outputs list them: the one list backtest, calibrate and
// grid iterate.
constexpr OutcomeKind all_outcome_kinds[] = {OutcomeKind::consensus,
                                             OutcomeKind::consensus_with_dissociations,
                                             OutcomeKind::adopted_over_objections,
                                             OutcomeKind::chairs_summary,
                                             OutcomeKind::vote,
                                             OutcomeKind::taken_note,
                                             OutcomeKind::no_consensus};
constexpr int outcome_kind_count = static_cast<int>(sizeof(all_outcome_kinds) / sizeof(all_outcome_kinds[0]));
// Whether the room adopted a text (not so when it failed or only took note of one).
constexpr bool is_adopted(OutcomeKind kind) {
  return kind != OutcomeKind::no_consensus && kind != OutcomeKind::taken_note;
}

std::string to_string(AgentModel model);
std::string to_string(ChairStrategy strategy);
std::string to_string(UtilityShape shape);
std::string to_string(OutcomeKind outcome);
std::optional<OutcomeKind> outcome_from_string(const std::string& text);

// One named point of an issue's scale: what the draft says when x_k equals `value`.
struct TextLevel {
  double value = 0;
  std::string text;
};

struct Issue {
  std::string id;
  std::string title;
  std::string notes;
  std::vector<TextLevel> levels;  // strictly increasing values in [0,1], at least two
  double status_quo = 0;          // what leaving the paragraph out means
  bool omitted = false;           // the chair leaves it out: the text stays at the status quo

  // The level whose value is nearest to `value` (ties go to the lower level).
  const TextLevel& nearest_level(double value) const;
  // The highest level at or below `value` (the level a text at `value` has reached), or null
  // when `value` is below every level.
  const TextLevel* reached_level(double value) const;
  // The words a draft value stands for, claiming no more than the value: the level's own text
  // when the value is at a level, else the level reached and the value,
  // '"A" (reached 0.25; draft at 0.48)' (a text at 0.475 is not yet "Half of the flow": a red
  // line at 0.50 is crossed), or 'Short of "A" (0.25; draft at 0.10)' below every level.
  std::string text_at(double value) const;
  // The draft value as every output prints it beside or in place of text_at: the number after
  // "draft at" when text_at shows one (0.504 just above a level at 0.50, never "0.50"), else two
  // decimals. draft.md, play, the room and the report print a paragraph's value this way.
  std::string value_text(double value) const;
  // The level nearest `value` among those within [low, high] (ties to the lower level), or
  // `value` itself when no level lies there: what a chair drafting in the catalogue's words
  // (process.drafting: levels) writes for it.
  double in_words(double value, double low = 0, double high = 1) const;
  // An amendment from `from` toward `position` in words: the level nearest `to`, or, when that
  // is `from` itself, the next level toward `position` if it is nearer `position` (else `from`).
  double amendment_in_words(double from, double to, double position) const;
};

struct Bloc {
  std::string id;
  std::string name;
  double cohesion = 0.5;       // weight a member puts on its bloc in W
  int leader = -1;             // delegation index, -1 when none
  double leader_weight = 0.5;  // share of the bloc weight that goes to the leader
  std::vector<int> members;    // delegation indices, in file order
  int negotiator = -1;         // delegation index of the group negotiator speaking for all, -1 when none
};

struct AgentParameters {
  AgentModel model = AgentModel::concession;
  double support_max = 0.85;  // r_max
  double support_min = 0.6;   // r_min
  double beta = 1.0;          // < 1 Boulware, > 1 conceder
  double reciprocity = 1.0;   // reciprocal: share of others' concession matched
  // A registered policy of its own (negsim/policy.hpp) instead of the built-in `model`; empty:
  // the built-in.
  std::string policy;
};

struct RedLine {
  int issue = 0;
  double min = 0;
  double max = 1;
};

struct Delegation {
  std::string id;
  std::string name;
  std::string notes;
  int bloc = -1;  // bloc index, -1 when none
  AgentParameters agent;
  double outside_option = 0.3;    // utility of no agreement: the blocking threshold
  double susceptibility = 0.3;    // lambda in Friedkin-Johnsen
  bool observer = false;          // speaks, but its objection never counts and it does not vote
  bool outside_drafting = false;  // not drafted or repaired for (left the process); still blocks and votes
  // Whether the story reads its name as several ("stand aside ... to them"): set by `plural`, else
  // guessed from the name (a list, or a plural noun at its end).
  std::optional<bool> plural;
  std::vector<int> reservations;  // issues on which a crossed red line draws a reservation, not an objection
  std::vector<RedLine> red_lines;
  std::vector<std::pair<int, double>> ties;  // (delegation index, weight)
};

struct Rule {
  RuleKind kind = RuleKind::consensus;
  int max_objectors = 0;  // N in consensus-minus-N
  std::string name() const;
};

struct ChairSettings {
  int delegation = -1;  // -1: a neutral chair with no delegation of its own
  ChairStrategy strategy = ChairStrategy::compromise;
  double bias = 0;
  bool repair = true;
  bool amendments = true;
  // Share of the rounds before the deadline in which the chair keeps working a text that nobody
  // objects to but some stand aside from, instead of gavelling it (0: gavel at once).
  double patience = 0;
  // lambda in [0,1]: the chair weighs each objection by (power / mean power)^lambda when it chooses
  // between changes, and may trade objectors when that lowers the weight left outside (0: every
  // objection counts alike and a change that creates a new objector is never made).
  double power_weight = 0;
  bool final_text = false;          // last round: a fresh text over every paragraph, no amendments
  std::vector<int> drafting_group;  // delegations the chair drafts from; empty: the whole room
  // A registered drafting strategy (negsim/policy.hpp) instead of the built-in `strategy`;
  // empty: the built-in.
  std::string policy;
};

// The presidency rules that consensus is not unanimity (process.fallbacks.ruling).
struct Ruling {
  int max_objectors = 1;         // at most this many objectors may be overruled
  double max_power_share = 1.0;  // holding at most this share of the voting delegations' power
};

struct Fallbacks {
  bool chairs_summary = false;
  std::optional<Ruling> ruling;
  bool take_note = false;
  std::optional<double> vote_threshold;  // share of yes among yes + no
  std::string vote_body;                 // where the vote is held; empty: the room itself
  std::vector<int> electorate;           // delegation indices that vote; empty: every non-observer

  // A ruling, taking note or a vote: a way to carry a text past some objectors (MODEL.md section 8).
  bool can_carry_past_objectors() const { return ruling.has_value() || take_note || vote_threshold.has_value(); }
};

// `process.dissociation_from`: `shortfall` counts every paragraph's loss; `assertions` forgives
// the loss on paragraphs where the text says less than the delegation wanted (between the status
// quo and its position), because a delegation dissociates from what a text says, not from what
// it leaves out.
enum class DissociationBasis { shortfall, assertions };
std::string to_string(DissociationBasis basis);
// The rule named `name` ("shortfall" or "assertions"), or nothing for another word.
std::optional<DissociationBasis> dissociation_basis_named(const std::string& name);

// `process.dissociation_bar`: the bar a stand-aside weighs the text against at the gavel. `round`
// is its support threshold of the round; `deadline` the least it would have accepted by the
// deadline (r_min for a concession or bloc-follower agent, whose threshold reaches it in the last
// round; its threshold of the round for the others), because the gavel ends the talks.
enum class DissociationBar { round, deadline };
std::string to_string(DissociationBar bar);
// The bar named `name` ("round" or "deadline"), or nothing for another word.
std::optional<DissociationBar> dissociation_bar_named(const std::string& name);

// `process.drafting`: what the chair writes into a paragraph. `values` any point of the scale (the
// level text shown is the one the value has reached); `levels` only the issue's levels, the words
// of its catalogue, so that the value the delegations weigh is the text shown (MODEL.md section 7).
enum class Drafting { values, levels };
std::string to_string(Drafting drafting);
// The way of drafting named `name` ("values" or "levels"), or nothing for another word.
std::optional<Drafting> drafting_named(const std::string& name);

struct Process {
  Rule rule;
  int max_rounds = 10;
  UtilityShape utility = UtilityShape::linear;
  double isolation_cost = 0.1;
  double full_company = 0.25;
  double noise = 0;
  double amendment_step = 0.5;
  // How far below its support threshold a delegation's utility must lie for it to dissociate
  // publicly from an adopted text rather than join it (0: every stand-aside dissociates).
  double dissociation_cost = 0;
  // What a stand-aside weighs when deciding to dissociate at the gavel: its whole shortfall, or
  // only what the text says that it rejects (docs/MODEL.md section 6a).
  DissociationBasis dissociation_from = DissociationBasis::shortfall;
  // The bar it weighs them against (docs/MODEL.md section 6a).
  DissociationBar dissociation_bar = DissociationBar::round;
  // What the chair writes into a paragraph: any value, or only the issue's levels.
  Drafting drafting = Drafting::values;
  ChairSettings chair;
  Fallbacks fallbacks;

  // Whether round `round` (counted from 0) is the presidency's final text: the last round of a
  // room whose chair tables one, never the first (docs/MODEL.md section 10a).
  bool is_final_text_round(int round) const { return chair.final_text && round > 0 && round + 1 == max_rounds; }
  // Whether that final text stays within the red lines the chair's repairs have met: only where
  // the presidency has a ruling at hand, so that it can carry a text over a lone objector and
  // drafts around the conditions of those it cannot overrule; without one, every delegation holds
  // a veto and the presidency tables its own package afresh (docs/MODEL.md section 10a).
  bool final_text_keeps_met_red_lines() const { return chair.final_text && fallbacks.ruling.has_value(); }
  // Whether round `round` (counted from 0) is the last: no text follows it, so nothing is revised
  // or amended after its poll.
  bool is_last_round(int round) const { return round + 1 >= max_rounds; }
};

// What a scenario says its outcome is: the record (`expected:`), or for a what-if the model's
// own prediction (`predicted:`), which is never a pass of the historical record.
struct Expected {
  bool present = false;
  bool predicted = false;
  OutcomeKind outcome = OutcomeKind::consensus;
  std::vector<std::string> objectors;
  std::vector<std::string> dissociators;
  std::vector<std::string> contested_issues;
  bool no_other_objectors = false;     // nobody but `objectors` objected to the final text
  bool no_other_dissociators = false;  // nobody but `dissociators` stood aside from it
  // The adopted text renders at or beyond a level of an issue (e.g. international law applies).
  struct TextBound {
    std::string issue;
    std::optional<double> at_least;
    std::optional<double> at_most;
  };
  std::vector<TextBound> text;
  std::vector<std::string> objected_earlier;  // objected to a draft before the final round's
  // At least `at_least` of the delegations `of` objected to the final text.
  struct SomeObjectors {
    std::vector<std::string> of;
    int at_least = 1;
  };
  std::optional<SomeObjectors> some_objectors;
  std::vector<std::string> reservations;  // joined the adopted text with a reservation
  // The recorded ballots of a vote (expected.votes): delegation index and yes/no/abstain/absent.
  enum class Ballot { yes, no, abstain, absent };
  std::string votes_file;                                // as resolved from the scenario's directory
  std::vector<std::pair<int, Ballot>> recorded_ballots;  // in the CSV's order
  std::string notes;
  // The backtest's pass criterion (expected.criterion). Without `outcome_share` the recorded
  // outcome must be the most frequent simulated one; with it, at least that share of runs.
  std::optional<double> outcome_share;
  double named_share = 0.5;  // each named objector, dissociator and contested issue, in at least this share
};

// How a historical case came to be (top-level `provenance:`): whether its file was written from
// the record before the model was first run on it, and what that first run gave. Read only by
// the backtest, which says how the cases written before their first run fare (out of sample)
// apart from those written or tuned knowing the model's results (in sample).
struct Provenance {
  enum class Written {
    before_first_run,     // committed, then run: its first run is out of sample
    knowing_the_results,  // written or tuned while the model's results on it were known
    unclear               // the record does not settle which (the notes say why)
  };
  bool present = false;
  Written written = Written::unclear;
  struct FirstRun {
    std::string date;    // YYYY-MM-DD
    std::string commit;  // the commit that holds the file as first run (hex); empty when not known
    bool passed = false;
  };
  std::optional<FirstRun> first_run;
  // What was changed after the first run, knowing a result, that bears on the case (in its file,
  // or in the model for its sake); empty when nothing was. A case that passes now and has such
  // a change passes in sample.
  std::string changed_after_first_run;
  std::string notes;
};

std::string to_string(Provenance::Written written);

struct Scenario;

// A number the file declared uncertain: a sweep (or `run --sample`) draws it.
struct Uncertainty {
  enum class Distribution { uniform, normal };
  std::string key_path;    // as in error messages: delegations[3].power
  std::string stream_key;  // the same path with ids: delegations.russia.power
  Distribution distribution = Distribution::uniform;
  double first = 0;   // uniform: low; normal: mean
  double second = 0;  // uniform: high; normal: standard deviation
  double clip_low = 0;
  double clip_high = 1;
  std::function<void(Scenario&, double)> apply;
};

struct Scenario {
  std::string id;           // file stem, used for results/<id>/
  std::string source_file;  // path as given
  // The stance files and overlay bases read to build it, in the order read (paths as resolved
  // from the including file); meta.json records each with its SHA-256.
  std::vector<std::string> included_files;
  std::string title;
  std::string description;
  std::string date_start;
  std::string date_end;
  std::vector<std::string> sources;
  std::vector<Issue> issues;
  std::vector<Bloc> blocs;
  std::vector<Delegation> delegations;
  Process process;
  Expected expected;
  Provenance provenance;
  std::vector<Uncertainty> uncertainties;

  // Matrices: rows are delegations (n), columns are issues (k).
  Eigen::MatrixXd positions;     // n x k, ideal points P in [0,1]
  Eigen::MatrixXd raw_salience;  // n x k, as written (non-negative)
  Eigen::MatrixXd salience;      // n x k, S: raw_salience with each row summing to 1
  Eigen::VectorXd power;         // n, w > 0
  Eigen::MatrixXd red_line_min;  // n x k, 0 where there is no red line
  Eigen::MatrixXd red_line_max;  // n x k, 1 where there is no red line

  int delegation_count() const { return static_cast<int>(delegations.size()); }
  int issue_count() const { return static_cast<int>(issues.size()); }
  int find_delegation(const std::string& wanted_id) const;  // -1 when absent
  int find_issue(const std::string& wanted_id) const;       // -1 when absent
  void normalize_salience();
};

// The deepest nesting a document may be allowed (--max-depth at most this): the loader walks
// the tree recursively, and deeper would put the stack at risk.
constexpr int max_document_depth = 1000;

// Resource limits; the defaults are documented in docs/SCENARIO_FORMAT.md.
struct LoadLimits {
  std::size_t max_file_bytes = 8u << 20;
  int max_delegations = 1000;
  int max_issues = 200;
  int max_blocs = 100;
  int max_rounds = 10000;
  int max_flow_depth = 64;  // nesting: [ and { before parsing, then every level of the tree
  int max_nodes = 0;        // YAML nodes of a scenario and its includes, aliases counted at each use; 0: node_limit()
};

// The node limit in force: max_nodes, or when that is 0 one derived from the delegation, issue
// and bloc limits (what a scenario at all of them may need; 1,323,000 by default).
long node_limit(const LoadLimits& limits);

// Reads, applies `overrides` ("key.path=value", as from --set) and validates.
// Throws InputError naming file, line, column and key path.
Scenario load_scenario_file(const std::string& path, const std::vector<std::string>& overrides = {},
                            const LoadLimits& limits = {});
Scenario load_scenario_text(const std::string& text, const std::string& file_name,
                            const std::vector<std::string>& overrides = {}, const LoadLimits& limits = {});

}  // namespace negsim

namespace negsim {
// A copy of `scenario` with every declared uncertainty drawn from its distribution. Each
// number has its own stream keyed by (seed, key path), so adding one uncertain number does
// not change the draws of the others.
Scenario sample_scenario(const Scenario& scenario, std::uint64_t seed);
// The same draw into `target`, a copy of `base` made earlier: no allocation, for sweeps.
void resample_scenario(const Scenario& base, Scenario& target, std::uint64_t seed);
// The same with chosen values, one per base.uncertainties entry (clipped to each one's range),
// instead of drawn ones: negsim sensitivity sets them by its own sampling plan.
void set_uncertain_values(const Scenario& base, Scenario& target, const std::vector<double>& values);
}  // namespace negsim
