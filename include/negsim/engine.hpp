// Engine: plays drafting rounds on a Scenario until adoption or the deadline.
//
//   Engine engine(scenario, seed, &trace);
//   const Outcome& outcome = engine.run();   // or: while (engine.step()) {...}
//
// Each round: the chair tables a draft; every delegation supports, stands aside or objects;
// if the rule is met the text is adopted; otherwise the chair repairs the draft toward red lines
// and weighs amendments, positions move under bloc influence and thresholds concede.
#pragma once

#include <Eigen/Dense>
#include <atomic>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "negsim/model.hpp"
#include "negsim/policy.hpp"
#include "negsim/scenario.hpp"

namespace negsim {

// Everything that changes from round to round. Sized once at construction: the loop does not
// allocate.
struct State {
  int round = 0;
  Eigen::MatrixXd positions;                   // n x k, current ideal points (move under influence)
  Eigen::VectorXd draft;                       // k, the text on the table
  Eigen::VectorXd utility;                     // n, u_i(draft) as each delegation perceives it
  Eigen::VectorXd noise;                       // n, this round's perception noise (0 without noise)
  Eigen::VectorXd support_threshold;           // n, r_i(t)
  Eigen::VectorXd previous_support_threshold;  // n, r_i(t-1), for reciprocal agents
  Eigen::VectorXd blocking_threshold;          // n, outside option minus the isolation cost it faces
  std::vector<Response> responses;             // n
  // n x k row-major: 1 where the draft crosses it. Marked each round for an observer (a TraceSink
  // or a ResponseOverride, which are given the State); a run with neither leaves it unmarked.
  std::vector<std::uint8_t> red_line_crossed;
  std::vector<std::uint8_t> settled;  // k: paragraphs the chair settled by repair or amendment
};

struct ObjectionRecord {
  int delegation = -1;
  std::vector<int> issues;  // what it objected to (red lines first, then largest losses)
  std::vector<int> red_lines_crossed;
};

struct VoteTally {
  int yes = 0;
  int no = 0;
  int abstain = 0;
  bool adopted = false;
  // Each voter's answer to the text (support: yes, object: no, aside: abstain), in file order.
  std::vector<std::pair<int, Response>> ballots;
};

struct Outcome {
  OutcomeKind kind = OutcomeKind::no_consensus;
  int rounds = 0;                   // rounds played
  int decided_round = -1;           // round of adoption (0-based), -1 when none
  Eigen::VectorXd draft;            // final text (after any move to a chair's summary)
  std::vector<Response> responses;  // to the final text
  std::vector<ObjectionRecord> objectors;
  std::vector<ObjectionRecord> dissociators;  // stood aside
  std::vector<int> moved_to_chairs_summary;   // issues
  std::vector<int> overruled;                 // objectors the presidency ruled over (fallbacks.ruling)
  std::vector<ObjectionRecord> reservations;  // joined the adopted text with a reservation on these issues
  std::vector<int> joined_at_gavel;           // stood aside when the chair gavelled, then joined (MODEL.md 6a)
  std::optional<VoteTally> vote;
  std::vector<int> pivotal;           // objectors whose objection alone blocks adoption
  std::vector<int> contested_issues;  // union of objectors' issues (or the moved ones)
  bool interrupted = false;           // ended early by interrupt(), not by the rules
};

// Observer of what happens; the JSON trace, the narration and tests implement it.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void on_start(const Scenario& /*scenario*/, std::uint64_t /*seed*/) {}
  virtual void on_draft(const State& /*state*/, const Eigen::VectorXd* /*previous_draft*/) {}
  // After every delegation answered; `grievances` holds, per delegation, the issues it
  // objects to or dissociates from (empty for supporters).
  virtual void on_responses(const State& /*state*/, const std::vector<std::vector<int>>& /*grievances*/) {}
  // withdrawal: a repair of this pass taken back (from: the repaired value, to: the value before).
  enum class ChangeKind { repair, amendment, withdrawal };
  // A repair or amendment the chair tried, or a repair it withdrew; `reason` says why it was
  // chosen, passed over or withdrawn.
  virtual void on_change(int /*round*/, ChangeKind /*kind*/, int /*delegation*/, int /*issue*/, double /*from*/,
                         double /*to*/, bool /*accepted*/, const std::vector<int>& /*new_objectors*/,
                         const std::string& /*reason*/) {}
  // Objectors the chair does not try to meet this round: the room's way out would carry the text
  // without them and each holds less than the mean power (MODEL.md section 8, outvoted minorities).
  virtual void on_passed_over(int /*round*/, const std::vector<int>& /*delegations*/, const std::string& /*way_out*/,
                              double /*mean_power*/) {}
  // The rule was met with stand-asides: the chair gavels the text or keeps working it.
  virtual void on_gavel(int /*round*/, bool /*gavelled*/, const std::string& /*reason*/) {}
  // At adoption, a delegation that stood aside joins the text or dissociates publicly;
  // `forgiven` is the loss on what the text leaves out, under `dissociation_from: assertions`.
  virtual void on_dissociation(int /*round*/, int /*delegation*/, bool /*joined*/, double /*utility*/,
                               double /*support_threshold*/, double /*forgiven*/) {}
  virtual void on_influence(int /*round*/, const Eigen::MatrixXd& /*before*/, const Eigen::MatrixXd& /*after*/) {}
  virtual void on_chairs_summary(const std::vector<int>& /*moved_issues*/, const std::vector<Response>& /*responses*/,
                                 bool /*adopted*/) {}
  virtual void on_vote(const VoteTally& /*tally*/) {}
  // At the deadline the presidency weighs ruling over the objectors (`applied`: it did).
  virtual void on_ruling(int /*round*/, const std::vector<int>& /*objectors*/, double /*power_share*/,
                         bool /*applied*/) {}
  // In the last round the presidency tables a fresh text of its own, take it or leave it.
  virtual void on_final_text(int /*round*/) {}
  // At adoption a delegation joins the text with a reservation on these paragraphs.
  virtual void on_reservation(int /*round*/, int /*delegation*/, const std::vector<int>& /*issues*/) {}
  // The text was not adopted; the room took note of it over these objectors.
  virtual void on_taken_note(int /*round*/, const std::vector<int>& /*objectors*/) {}
  virtual void on_end(const State& /*state*/, const Outcome& /*outcome*/) {}
};

// An outside decision for some delegations' answers (`negsim play` seats a student in one); the
// model decides whatever it leaves open. Engines have none unless set_response_override() is called.
class ResponseOverride {
 public:
  struct Amendment {
    int issue = 0;     // in [0, k)
    double value = 0;  // in [0, 1]
  };
  virtual ~ResponseOverride() = default;
  // Asked for every delegation each round, once the draft is tabled (state.draft) and before the
  // poll (state.responses still hold last round's answers). A response returned here holds for
  // the whole round: the poll counts it in the cascade of objections and the trial polls of
  // repairs and amendments keep it. nullopt: the model decides.
  virtual std::optional<Response> respond(const State& state, int delegation) = 0;
  // Asked, instead of the model, for the amendment of an objector whose response was fixed:
  // the one it tables this round, or nullopt for none.
  virtual std::optional<Amendment> amend(const State& state, int delegation) = 0;
};

// What every run of one scenario plays alike, shared by the engines of a sweep's replicates:
// the positions after each round's influence step (they depend on the scenario alone, not on
// the noise, the text or anyone's answer), the compromise chair's draft of each round (a
// function of those positions) and the drafts the built-in Nash and maximin chairs have solved
// (a function of those positions, last round's text and which paragraphs it keeps: replicates
// whose noise leads them to the same text share the solve). The first engine to compute a value
// offers it; the others copy it instead of computing it again: the same bits. Safe to share
// between threads. Only for engines that play the same scenario object, unchanged while the
// cache lives (not a sweep that resamples its scenario per replicate).
class SharedRounds {
 public:
  // Keeps the rounds [1, max_rounds) whose positions fit in `budget_bytes` (the rest are computed
  // by each engine as usual).
  SharedRounds(const Scenario& scenario, std::size_t budget_bytes);
  SharedRounds(const SharedRounds&) = delete;
  SharedRounds& operator=(const SharedRounds&) = delete;

  const Scenario& scenario() const { return scenario_; }
  // The positions after `round` influence steps, or null when no engine has offered them yet.
  const Eigen::MatrixXd* positions(int round) const { return ready(positions_, round); }
  void offer_positions(int round, const Eigen::MatrixXd& positions) { offer(positions_, round, positions); }
  // The compromise draft of round `round` (every paragraph, leaned toward the chair), or null.
  const Eigen::VectorXd* compromise(int round) const { return ready(compromise_, round); }
  void offer_compromise(int round, const Eigen::VectorXd& draft) { offer(compromise_, round, draft); }
  // A solved chair draft under `key` (the bytes of the round, of the text the chair starts from
  // and of the settled flags: Engine::table_draft builds it): copied into `draft` when known.
  // Drafts are kept while they fit in the budget; past it, offers are dropped (each engine then
  // solves as usual).
  bool find_chair_draft(const std::string& key, Eigen::VectorXd& draft) const;
  void offer_chair_draft(const std::string& key, const Eigen::VectorXd& draft);

 private:
  template <typename Value>
  struct Slots {
    std::vector<Value> values;
    std::unique_ptr<std::atomic<int>[]> states;  // 0 empty, 1 being written, 2 ready
  };
  template <typename Value>
  static const Value* ready(const Slots<Value>& slots, int round) {
    if (round < 0 || static_cast<std::size_t>(round) >= slots.values.size()) return nullptr;
    const auto index = static_cast<std::size_t>(round);
    return slots.states[index].load(std::memory_order_acquire) == 2 ? &slots.values[index] : nullptr;
  }
  template <typename Value>
  static void offer(Slots<Value>& slots, int round, const Value& value) {
    if (round < 0 || static_cast<std::size_t>(round) >= slots.values.size()) return;
    const auto index = static_cast<std::size_t>(round);
    int empty = 0;  // only the first offer of a slot writes it; the others are the same bits
    if (!slots.states[index].compare_exchange_strong(empty, 1, std::memory_order_acq_rel)) return;
    slots.values[index] = value;
    slots.states[index].store(2, std::memory_order_release);
  }
  const Scenario& scenario_;
  Slots<Eigen::MatrixXd> positions_;
  Slots<Eigen::VectorXd> compromise_;
  mutable std::mutex chair_drafts_mutex_;
  std::unordered_map<std::string, Eigen::VectorXd> chair_drafts_;
  std::size_t chair_drafts_left_ = 0;  // how many more drafts the budget keeps
};

class Engine {
 public:
  // The scenario must outlive the engine. `sink` may be null (sweeps keep no trace).
  Engine(const Scenario& scenario, std::uint64_t seed, TraceSink* sink = nullptr);

  // Starts a new run with `seed`, exactly as a new Engine(scenario, seed, sink) on the same
  // scenario object would play it (its values are read again: a sweep may have resampled it in
  // place), but keeping the buffers' capacity: a sweep's thread plays its replicates on one
  // engine without allocating per replicate. The sink and the response override stay set.
  void restart(std::uint64_t seed);
  // Lets the engine copy what `rounds` already holds, and fill it, instead of computing it
  // (null: none). `rounds` must be of this engine's scenario object and outlive the run.
  void share_rounds(SharedRounds* rounds) { shared_rounds_ = rounds; }

  // Plays one round. Returns false once the run has ended (then outcome() is set).
  bool step();
  // Ends the run between rounds (after step() returned true), as if the deadline had come with
  // no fallbacks: outcome no_consensus, `interrupted` set, the rounds played so far.
  void interrupt();
  // Plays to the end.
  const Outcome& run();
  // Lets `response_override` (null: none) fix some delegations' answers; it must outlive the run.
  void set_response_override(ResponseOverride* response_override) { response_override_ = response_override; }

  // ---- Checkpoints (explain, issue 16; sim/engine.cpp has the matching block) ----
  // Everything a run carries from one round to the next, saved between rounds: resuming from it
  // plays the remaining rounds exactly as the engine it was taken from would have.
  struct Checkpoint {
    State state;
    Eigen::VectorXd previous_draft;
    std::vector<std::vector<int>> grievances;
    std::vector<int> rejection_witness;
    std::vector<std::optional<Response>> fixed_responses;
    std::vector<std::uint8_t> asked_policy;
    PublicRecord record;
    bool polled = false;
    double others_mean_concession = 0;
    std::vector<std::pair<int, int>> met_red_lines;
  };
  // The state between rounds (before the first step(), or after a step() that returned true).
  Checkpoint checkpoint() const;
  // Continues from `checkpoint`, taken from an engine with the same seed on a scenario of the same
  // shape. This engine keeps its own scenario: the caller answers for the rounds already played
  // being the same under it (explain proves that for red lines a run never came near).
  void resume(const Checkpoint& checkpoint);
  // Per round, the lowest and highest value each paragraph was polled at: the drafts polled and
  // every repair or amendment tried on it. Round r, paragraph k: low[r * k_count + k].
  struct PolledRanges {
    std::vector<double> low;
    std::vector<double> high;
  };
  // Records into `ranges` (null: stop recording); it must outlive the run.
  void record_polled_ranges(PolledRanges* ranges) { polled_ranges_ = ranges; }
  // ---- end of checkpoints ----

  const State& state() const { return state_; }
  // What `delegation` sees now (negsim/policy.hpp): its own stance, the draft on the table, its
  // utility, thresholds and the public record.
  DelegationView view_of(int delegation) const;
  bool finished() const { return outcome_.has_value(); }
  const Outcome& outcome() const { return *outcome_; }

 private:
  // simulate() hands the outcome of its engine, which it then destroys, to the caller.
  friend Outcome simulate(const Scenario& scenario, std::uint64_t seed);
  // One buffer for the engine's own lists (per delegation, per paragraph, the chair's
  // candidates): set-up takes them from it instead of allocating each, and they sit side by side.
  // Sized from the scenario's shape; a list that outgrows it (a resampled scenario with more red
  // lines) takes a new block, kept until the engine is destroyed.
  std::pmr::monotonic_buffer_resource arena_;
  template <typename Item>
  using List = std::pmr::vector<Item>;
  static std::size_t arena_bytes(const Scenario& scenario);

  // The constructor's work, shared with restart(): every member a run reads is set here.
  void initialize();
  void table_draft();
  void update_thresholds();
  // Seats with a policy of their own answer the tabled draft (fixed for the round).
  void ask_own_policies();
  void draw_noise();
  // Responses to `draft` with this round's thresholds and noise, into `responses`.
  void poll(const Eigen::VectorXd& draft, std::vector<Response>& responses, Eigen::VectorXd& utility,
            Eigen::VectorXd& blocking_threshold);
  // A trial poll: `draft` is state_.draft but for paragraph `issue`.
  struct Trial {
    int issue = 0;
    bool stop_at_new_objector = false;  // return at the first objector that was not objecting
  };
  // The same, given utilities already computed for `draft`. With `trial`, the red lines crossed
  // are counted from red_lines_crossed_count_; returns false when the trial stopped at a new
  // objector (the responses are then incomplete), true otherwise.
  bool respond(const Eigen::VectorXd& draft, const Eigen::VectorXd& utility, std::vector<Response>& responses,
               Eigen::VectorXd& blocking_threshold, const Trial* trial = nullptr);
  // Counts, per delegation, the red lines state_.draft crosses (those without a reservation).
  void count_red_lines_crossed();
  void find_grievances(const Eigen::VectorXd& draft, const std::vector<Response>& responses,
                       const Eigen::VectorXd& utility, const Eigen::VectorXd& blocking_threshold,
                       std::vector<std::vector<int>>& grievances) const;
  void mark_red_lines();
  // How far the room is from consensus, by what the chair weighs (lexicographically).
  struct Standing {
    int objectors = 0;
    double objection_shortfall = 0;  // sum over objectors of red-line distance and b_i - u_i
    int asides = 0;
    double aside_shortfall = 0;  // sum over stand-asides of r_i - u_i
    double objecting_power = 0;
    double objection_weight = 0;  // sum over objectors of (w_i / mean w)^lambda
  };
  // One repair or amendment the chair could make between rounds.
  struct Candidate {
    TraceSink::ChangeKind kind = TraceSink::ChangeKind::repair;
    int delegation = 0;
    int issue = 0;
    double value = 0;
    // Set by revise_draft() before its trials: the first earlier candidate that sets the same
    // paragraph to the same value (-1: none), the previous distinct candidate on this paragraph
    // (-1: none), and whether this candidate's trial found it helpful.
    int same_as = -1;
    int previous_on_issue = -1;
    bool helpful = false;
  };
  Standing standing(const Eigen::VectorXd& draft, const std::vector<Response>& responses,
                    const Eigen::VectorXd& utility, const Eigen::VectorXd& blocking_threshold) const;
  static bool better(const Standing& a, const Standing& b);
  // lambda: chair.power_weight in a room with a ruling, take-note or vote fallback, else 0.
  double power_weighing() const;
  // The way out that would carry the text as it stands ("ruling", "take_note", "vote"), or none.
  const char* way_out_carrying() const;
  // The ruling's test on these responses (MODEL.md section 10a): few enough objectors holding a
  // small enough share of the voting delegations' power. Fills `objectors` and `share` when given.
  bool ruling_applies(const std::vector<Response>& responses, std::vector<int>* objectors = nullptr,
                      double* share = nullptr) const;
  // The vote's count of these ballots over the electorate; lists each ballot when `keep_ballots`.
  VoteTally count_votes(const std::vector<Response>& ballots, bool keep_ballots) const;
  // b_i: the outside option less the isolation cost left beside `others_objecting` power.
  double blocking_threshold_for(int delegation, double others_objecting) const;
  void revise_draft();
  void collect_candidates();  // repairs and amendments of this round's objectors
  // Marks each candidate that repeats an earlier one (same paragraph, same value): its trial
  // would poll the same draft.
  void find_repeated_candidates();
  // A repair accepted in this round's pass of revise_draft(), as withdraw_repairs() may undo it.
  struct MadeRepair {
    int delegation = 0;
    int issue = 0;
    double before = 0;  // the paragraph's value and settled flag before the repair
    double after = 0;
    std::uint8_t settled_before = 0;
  };
  // Where a text can go on without some delegations: takes back the repairs of this pass made
  // for delegations that still object, when that makes no one object anew (MODEL.md section 8).
  void withdraw_repairs();
  // What a trial must beat to be the chair's choice when no power weight lets a change create an
  // objector: the text as it stands (its standing), and once there is one (`best`),
  // revise_draft()'s best change so far (objection weight, then the others' power-weighted loss).
  struct TrialBar {
    Standing current;
    bool best = false;
    double weight = 0;
    double disturbance = 0;
  };
  // Polls the draft with x_issue = value into the trial buffers; fills new_objectors_. With
  // `stop_at_new_objector` it stops at the first (new_objectors_ then holds only -1), or before
  // polling when one is certain, and needs prepare_trials() called since state_ last changed.
  // With `bar` too (and no fixed answers) it stops before polling when the change surely cannot
  // beat it, and sets trial_outranked_ (the trial buffers are then incomplete).
  void trial_change(int issue, double value, bool stop_at_new_objector = false, const TrialBar* bar = nullptr);
  // Whether the trial of x_issue = value surely cannot beat `bar`: a text no nearer consensus
  // than the current one, or an objection weight and a disturbance that cannot beat the best
  // change (lower bounds of both, from those who surely object and those who do not object
  // now). In two steps: the first reads only the current objectors' trial utilities (and keeps
  // what the second reads), the second everyone's.
  bool objectors_cannot_beat(int issue, double value, const TrialBar& bar);
  bool others_cannot_beat(const TrialBar& bar) const;
  double trial_weight_floor_ = 0;       // the first step's lower bound of the objection weight
  bool trial_objectors_known_ = false;  // it found the objectors the current ones, and a tie on the shortfall
  bool trial_outranked_ = false;
  bool nonnegative_power_ = true;  // every power >= 0: the bounds of objectors_cannot_beat() hold
  // How many more red lines of `delegation` a move of paragraph `issue` from `from` to `to`
  // crosses (-1, 0 or 1): what a trial or an accepted change does to red_lines_crossed_count_.
  int red_lines_crossed_change(int delegation, int issue, double from, double to) const {
    return (crosses_red_line(scenario_, delegation, issue, to) ? 1 : 0) -
           (crosses_red_line(scenario_, delegation, issue, from) ? 1 : 0);
  }
  // u_i with x_issue = value instead of state_.draft's: only that paragraph's loss changes.
  double trial_utility_of(int delegation, int issue, double value) const {
    const double position = state_.positions(delegation, issue);
    const UtilityShape shape = scenario_.process.utility;
    return state_.utility(delegation) +
           scenario_.salience(delegation, issue) *
               (issue_loss(state_.draft(issue), position, shape) - issue_loss(value, position, shape));
  }
  // Before the trials of a pass of the chair: red lines crossed and objection_floor_ for state_.
  void prepare_trials();
  // Whether a delegation surely objects anew to x_issue = value (a red line newly crossed, or the
  // last witness of such a change falling below its floor): a sufficient test, not a necessary one.
  bool change_certainly_adds_objector(int issue, double value);
  void accept_trial(int issue, double value);
  List<MadeRepair> made_repairs_{&arena_};  // this pass's accepted repairs, in order
  // Objectors collect_candidates() did not try to meet (outvoted minorities) and the way out that
  // carries the text without them.
  std::vector<int> passed_over_;
  const char* passed_over_way_out_ = nullptr;
  double mean_power_ = 1;  // of the delegations that are not observers (fixed for the run)
  // The red lines the chair has met this run: (delegation, issue) of every repair accepted and
  // not withdrawn. A presidency's final text is drafted within them (MODEL.md section 10a).
  List<std::pair<int, int>> met_red_lines_{&arena_};
  void keep_met_red_lines(Eigen::VectorXd& draft) const;
  // What the chair writes for `value` on `issue`: the value itself (process.drafting: values), or
  // Issue::in_words (levels). MODEL.md section 7.
  double in_words(int issue, double value, double low = 0, double high = 1) const;
  // Each unsettled paragraph of the tabled draft in words (process.drafting: levels).
  void write_in_words(Eigen::VectorXd& draft) const;
  // Whether the chair keeps working a text that met the rule with stand-asides (and why).
  bool chair_keeps_drafting(std::string& reason) const;
  // At adoption: each stand-aside joins the text or dissociates publicly (section 6 of MODEL.md).
  void settle_dissociations();
  // The bar a stand-aside weighs the adopted text against (process.dissociation_bar).
  double dissociation_bar(int delegation) const;
  // Whether the draft's paragraph says less than the delegation wants (between the status quo
  // and its position), nothing it rejects.
  bool says_less_than_wanted(int delegation, int issue) const;
  // The delegation's loss on those paragraphs; `asserted`, if given, receives the rest.
  double omission_loss(int delegation, double* asserted = nullptr) const;
  // Throws RunError when a utility, threshold, position or draft is not finite: no NaN may
  // reach a trace, whatever the scenario.
  void check_finite() const;
  void finish(OutcomeKind kind, int decided_round, const std::vector<int>& moved_issues, std::optional<VoteTally> vote);
  void apply_fallbacks();
  ObjectionRecord make_record(int delegation, const std::vector<std::vector<int>>& grievances) const;

  // Lists of indices in one buffer (list l: items[start[l]] to items[start[l + 1]]): a run's set-up
  // fills them without an allocation per list.
  struct IndexLists {
    struct Range {
      const int* first;
      const int* last;
      const int* begin() const { return first; }
      const int* end() const { return last; }
      std::size_t size() const { return static_cast<std::size_t>(last - first); }
      int operator[](std::size_t item) const { return first[item]; }
    };
    explicit IndexLists(std::pmr::memory_resource* arena) : start(1, 0, arena), items(arena) {}
    std::pmr::vector<int> start;
    std::pmr::vector<int> items;
    void clear() {
      start.assign(1, 0);
      items.clear();
    }
    void close_list() { start.push_back(static_cast<int>(items.size())); }  // after pushing its items
    Range operator[](std::size_t list) const { return {items.data() + start[list], items.data() + start[list + 1]}; }
  };

  const Scenario& scenario_;
  std::uint64_t seed_;
  TraceSink* sink_;
  InfluenceOperator influence_;     // W
  Eigen::VectorXd susceptibility_;  // n, diagonal of L
  State state_;
  // n lists, each reserved to k when first written. Found each round for an observer, else only
  // in the last round and at the end (a checkpoint carries them as they are: they are found again
  // before they are next read).
  std::vector<std::vector<int>> grievances_;
  List<std::uint64_t> delegation_keys_{&arena_};  // n, hash of each id: noise streams by name
  List<int> follows_{&arena_};                    // n, the leader a bloc_follower copies, -1 otherwise
  List<int> followers_{&arena_};                  // those with a leader to copy, in index order
  List<int> spoken_for_{&arena_};                 // n, the bloc negotiator who answers for it, -1 otherwise
  bool own_voice_ = false;                        // a vote: members of a negotiating bloc answer for themselves
  IndexLists red_line_issues_{&arena_};           // n lists: the issues where each has a red line

  // Red lines by paragraph, so that a trial poll and mark_red_lines() check only those a
  // paragraph can cross.
  IndexLists unreserved_red_lines_{&arena_};    // n lists: those it holds no reservation on
  IndexLists red_line_holders_{&arena_};        // k lists: who holds such a red line there, in order
  List<int> red_lines_crossed_count_{&arena_};  // n: how many of them state_.draft crosses
  bool crossed_counts_current_ = false;         // red_lines_crossed_count_ holds state_.draft's counts
  IndexLists bounded_{&arena_};                 // k lists: whose bounds there are not [0, 1]

  // Per delegation, fixed for the run: the others' power, the blocking threshold alone and in
  // full company (bounds of b_i whatever the power objecting), and the weight of its objection.
  List<double> others_power_{&arena_};
  List<double> lowest_blocking_{&arena_};
  List<double> highest_blocking_{&arena_};
  List<double> objection_weights_{&arena_};
  bool any_follower_ = false;    // some delegation copies a bloc leader
  bool any_spoken_for_ = false;  // some delegation is spoken for by a negotiator
  double trial_objecting_ = 0;   // power objecting in the last trial poll

  // Work buffers for trial polls and influence.
  Eigen::VectorXd trial_draft_;
  Eigen::VectorXd trial_utility_;
  Eigen::VectorXd trial_blocking_;
  std::vector<Response> trial_responses_;
  Eigen::MatrixXd next_positions_;
  Eigen::VectorXd previous_draft_;
  Eigen::VectorXd next_threshold_;
  std::vector<int> new_objectors_;
  // respond(): who the cascade of objections must look at, and who may object, in index order:
  // n entries each; respond() counts those in use, and keeps maybe_objecting_count_ for the trial.
  List<int> cascade_pending_{&arena_};
  List<int> maybe_objecting_{&arena_};
  std::size_t maybe_objecting_count_ = 0;
  // n, read on every poll: each delegation's outside option, and 1 for one outside the drafting
  // (kept here beside the other per-delegation lists rather than read from the scenario's records).
  List<double> outside_option_{&arena_};
  List<std::uint8_t> outside_drafting_{&arena_};
  // n: below this utility a delegation surely objects anew to a trial (-infinity: it cannot by
  // utility alone); set by prepare_trials().
  List<double> objection_floor_{&arena_};
  // n: below this utility a delegation surely objects to a trial, whether it objects now or not,
  // in a round with no fixed answers (-infinity: it cannot by utility alone); fixed for the run.
  List<double> sure_objection_floor_{&arena_};
  // Those who object to state_.draft and count (not observers), in index order; set by
  // prepare_trials() (n entries reserved, the first current_objector_count_ in use).
  List<int> current_objectors_{&arena_};
  std::size_t current_objector_count_ = 0;
  // Whether the power objecting counts only delegations the chair weighs (no one outside the
  // drafting but an observer): then the same objectors the chair weighs mean the same power.
  bool objecting_power_weighed_ = false;
  List<int> rejection_witness_{&arena_};      // 2k: per paragraph and direction, last sure new objector
  List<int> ids_order_{&arena_};              // delegation indices sorted by id
  List<std::uint64_t> id_prefixes_{&arena_};  // n, work buffer of that sort: each id's first 8 bytes
  std::vector<std::uint8_t> observers_;       // n: 1 for an observer (its objection does not count)
  std::vector<std::uint8_t> aside_at_gavel_;  // n: 1 for one standing aside when the chair gavelled
  // n: 1 for a delegation the chair does not weigh when it revises (an observer, or one outside
  // the drafting): it draws no change, is never a new objector, and costs nothing.
  List<std::uint8_t> unweighed_{&arena_};
  List<Candidate> candidates_{&arena_};
  List<int> latest_candidate_on_issue_{&arena_};  // k: revise_draft()'s last distinct candidate per paragraph
  List<std::uint8_t> amended_{&arena_};           // n: tabled an amendment this round
  List<std::optional<ResponseOverride::Amendment>> outside_amendments_{&arena_};  // n, asked once a round
  std::string reason_;
  std::optional<Outcome> outcome_;
  ResponseOverride* response_override_ = nullptr;
  List<std::optional<Response>> fixed_responses_{&arena_};  // n: this round's answers fixed by the override
  bool interrupted_ = false;
  // The text tabled in the last round played and the room's answers to it, kept for interrupt():
  // a run stopped between rounds reports the text the room answered, not the chair's revision of
  // it that no one was shown. Kept only in observed runs (a trace or seats), the ones a person stops.
  struct Tabled {
    bool kept = false;
    Eigen::VectorXd draft;
    Eigen::VectorXd utility;
    Eigen::VectorXd blocking_threshold;
    std::vector<Response> responses;
  };
  Tabled last_tabled_;
  std::vector<int> overruled_;  // the objectors a ruling overrode
  // Policies (negsim/policy.hpp): every seat's sets its threshold; a seat with a policy of its
  // own also answers and amends through it (fixed for the round, as an override's answer).
  List<DelegationPolicy*> policies_{&arena_};                      // n
  List<std::unique_ptr<DelegationPolicy>> own_policies_{&arena_};  // n, null for built-ins
  std::unique_ptr<ChairPolicy> chair_policy_;
  bool own_chair_ = false;  // the chair's strategy is a registered one
  PublicRecord record_;     // kept only when some seat or the chair has a policy of its own
  bool keep_record_ = false;
  List<std::uint8_t> asked_policy_{&arena_};  // n: this round's fixed answer came from its own policy
  bool polled_ = false;                       // a poll has set the blocking thresholds
  // Built-in concession curves: per delegation the index of its beta in concession_betas_ (-1:
  // another policy), and this round's (t / T)^(1 / beta) for each distinct beta.
  List<int> concession_curve_{&arena_};
  List<double> concession_betas_{&arena_};
  List<double> concession_powers_{&arena_};
  // Those powers by round (row r: round r's, written when first computed), kept across restart()
  // while the distinct betas and the deadline stay the same, as over a sweep's replicates: a
  // replicate copies a row instead of calling pow() for each beta. Empty when the table would
  // exceed kPowerTableEntries.
  static constexpr std::size_t kPowerTableEntries = std::size_t{1} << 20;
  bool restarted_ = false;  // restart() has been called: the engine plays several runs
  std::vector<double> power_table_betas_;
  int power_table_rounds_ = -1;
  std::vector<double> power_table_;
  std::vector<std::uint8_t> power_row_ready_;
  double others_mean_concession_ = 0;
  SharedRounds* shared_rounds_ = nullptr;
  bool compromise_chair_ = false;     // the built-in compromise strategy drafts (SharedRounds may hold its drafts)
  Eigen::VectorXd compromise_draft_;  // k, work buffer: a whole compromise draft for SharedRounds
  std::string chair_draft_key_;       // work buffer: the key of a Nash or maximin draft in SharedRounds
  // The compromise chair's weights for the run: who drafts, w_i s_ik per drafter and paragraph,
  // and each paragraph's total.
  List<int> compromise_drafters_{&arena_};
  Eigen::MatrixXd compromise_weights_;
  Eigen::VectorXd compromise_totals_;
  // The compromise draft of every paragraph not settled (null: all), as draft_compromise() writes it.
  void draft_compromise_paragraphs(Eigen::VectorXd& draft, const std::vector<std::uint8_t>* settled) const;
  List<int> copies_{&arena_};  // n: max(follows_, spoken_for_), whose answer it copies (-1: none)
  bool any_fixed_ = false;     // some entry of fixed_responses_ is set this round
  // Checkpoints: the ranges recorded (null: none), and the recording of one polled value.
  PolledRanges* polled_ranges_ = nullptr;
  void note_polled(int issue, double value);
};

// Convenience: a whole run without a trace.
Outcome simulate(const Scenario& scenario, std::uint64_t seed);

}  // namespace negsim
