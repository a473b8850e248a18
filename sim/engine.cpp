#include "negsim/engine.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "negsim/errors.hpp"
#include "negsim/random.hpp"

namespace negsim {

namespace {

// An observer's objection or stand-aside does not change what the room did.
OutcomeKind adopted_kind(const std::vector<Response>& responses, const std::vector<std::uint8_t>& observers) {
  bool objection = false;
  bool aside = false;
  for (std::size_t i = 0; i < responses.size(); ++i) {
    if (observers[i] != 0) continue;
    objection = objection || responses[i] == Response::object;
    aside = aside || responses[i] == Response::aside;
  }
  if (objection) return OutcomeKind::adopted_over_objections;
  if (aside) return OutcomeKind::consensus_with_dissociations;
  return OutcomeKind::consensus;
}

// crosses_red_line() for bounds [min, max] = [0, 1], those of a delegation with no red line.
bool crosses_unit_bounds(double value) {
  constexpr double tolerance = 1e-9;
  return value < 0.0 - tolerance || value > 1.0 + tolerance;
}

// crosses_red_line() for the bounds [low, high] of a red line, read by the caller.
inline bool crosses_bounds(double low, double high, double value) {
  constexpr double tolerance = 1e-9;
  return value < low - tolerance || value > high + tolerance;
}

// How far `value` lies outside the bounds [low, high] of a red line (0 inside): an objector's
// part of a standing's shortfall (MODEL.md section 8).
inline double distance_outside(double low, double high, double value) {
  return std::max(0.0, low - value) + std::max(0.0, value - high);
}

// A sum of finite numbers that is finite proves them all finite (a NaN or infinity carries into
// the sum); only when it is not are the entries checked one by one (the sum may overflow).
template <typename Matrix>
bool all_finite(const Matrix& values) {
  return std::isfinite(values.sum()) || values.allFinite();
}

}  // namespace

SharedRounds::SharedRounds(const Scenario& scenario, std::size_t budget_bytes) : scenario_(scenario) {
  const std::size_t rounds = static_cast<std::size_t>(std::max(0, scenario.process.max_rounds));
  const std::size_t bytes_per_round =
      std::max<std::size_t>(1, static_cast<std::size_t>(scenario.delegation_count()) *
                                   static_cast<std::size_t>(scenario.issue_count()) * sizeof(double));
  const std::size_t kept = std::min(rounds, budget_bytes / bytes_per_round);
  positions_.values.resize(kept);
  positions_.states = std::make_unique<std::atomic<int>[]>(kept);
  for (std::size_t r = 0; r < kept; ++r) positions_.states[r].store(0);
  compromise_.values.resize(rounds);
  compromise_.states = std::make_unique<std::atomic<int>[]>(rounds);
  for (std::size_t r = 0; r < rounds; ++r) compromise_.states[r].store(0);
  // A chair draft costs its key (the start text's bits and the settled flags) and its value,
  // about twice that with the map's own nodes.
  const std::size_t bytes_per_draft =
      2 * (sizeof(int) + static_cast<std::size_t>(scenario.issue_count()) * (2 * sizeof(double) + 1)) + 128;
  chair_drafts_left_ = budget_bytes / bytes_per_draft;
}

bool SharedRounds::find_chair_draft(const std::string& key, Eigen::VectorXd& draft) const {
  const std::lock_guard<std::mutex> lock(chair_drafts_mutex_);
  const auto found = chair_drafts_.find(key);
  if (found == chair_drafts_.end()) return false;
  draft = found->second;
  return true;
}

void SharedRounds::offer_chair_draft(const std::string& key, const Eigen::VectorXd& draft) {
  const std::lock_guard<std::mutex> lock(chair_drafts_mutex_);
  if (chair_drafts_left_ == 0) return;
  if (chair_drafts_.emplace(key, draft).second) --chair_drafts_left_;
}

Engine::Engine(const Scenario& scenario, std::uint64_t seed, TraceSink* sink)
    : arena_(arena_bytes(scenario)), scenario_(scenario), seed_(seed), sink_(sink), influence_(scenario) {
  initialize();
}

std::size_t Engine::arena_bytes(const Scenario& scenario) {
  // Room for every list initialize() sizes (about 220 bytes per delegation, the chair's
  // candidates n (k + 1), the red lines and bounds per paragraph n k), with some to spare for
  // those that grow in a run (the repairs made).
  const auto n = static_cast<std::size_t>(scenario.delegation_count());
  const auto k = static_cast<std::size_t>(scenario.issue_count());
  return n * (280 + sizeof(int) + sizeof(Candidate) * (k + 1) + 3 * sizeof(int) * k) + (64 + sizeof(int)) * k + 1024;
}

void Engine::restart(std::uint64_t seed) {
  seed_ = seed;
  restarted_ = true;
  influence_.rebuild(scenario_);
  initialize();
}

void Engine::initialize() {
  const Scenario& scenario = scenario_;
  const int n = scenario.delegation_count();
  const int k = scenario.issue_count();
  // What a run changes, back to where a new engine starts (restart() comes here after a run).
  state_.round = 0;
  crossed_counts_current_ = false;
  own_voice_ = false;
  trial_objecting_ = 0;
  interrupted_ = false;
  last_tabled_.kept = false;
  polled_ = false;
  others_mean_concession_ = 0;
  keep_record_ = false;
  outcome_.reset();
  reason_.clear();
  overruled_.clear();
  made_repairs_.clear();
  met_red_lines_.clear();
  candidates_.clear();
  new_objectors_.clear();
  maybe_objecting_count_ = 0;
  record_.drafts.clear();
  record_.responses.clear();
  concession_betas_.clear();
  susceptibility_.resize(n);
  follows_.assign(static_cast<std::size_t>(n), -1);
  spoken_for_.assign(static_cast<std::size_t>(n), -1);
  observers_.assign(static_cast<std::size_t>(n), 0);
  unweighed_.assign(static_cast<std::size_t>(n), 0);
  outside_drafting_.resize(static_cast<std::size_t>(n));
  outside_option_.resize(static_cast<std::size_t>(n));
  delegation_keys_.resize(static_cast<std::size_t>(n));
  state_.support_threshold.resize(n);
  red_line_issues_.clear();
  unreserved_red_lines_.clear();
  {
    std::size_t red_lines = 0;
    for (const Delegation& delegation : scenario.delegations) red_lines += delegation.red_lines.size();
    red_line_issues_.items.reserve(red_lines);
    unreserved_red_lines_.items.reserve(red_lines);
    red_line_issues_.start.reserve(static_cast<std::size_t>(n) + 1);
    unreserved_red_lines_.start.reserve(static_cast<std::size_t>(n) + 1);
  }
  for (int i = 0; i < n; ++i) {
    const Delegation& delegation = scenario.delegations[static_cast<std::size_t>(i)];
    susceptibility_(i) = delegation.susceptibility;
    observers_[static_cast<std::size_t>(i)] = delegation.observer ? 1 : 0;
    unweighed_[static_cast<std::size_t>(i)] = delegation.observer || delegation.outside_drafting ? 1 : 0;
    outside_drafting_[static_cast<std::size_t>(i)] = delegation.outside_drafting ? 1 : 0;
    outside_option_[static_cast<std::size_t>(i)] = delegation.outside_option;
    // Read by draw_noise() only, which draws nothing without noise.
    if (!(scenario.process.noise <= 0)) delegation_keys_[static_cast<std::size_t>(i)] = hash_text(delegation.id);
    state_.support_threshold(i) = delegation.agent.support_max;
    auto& unreserved = unreserved_red_lines_.items;
    const auto first_unreserved = static_cast<std::ptrdiff_t>(unreserved.size());
    for (const auto& red_line : delegation.red_lines) {
      red_line_issues_.items.push_back(red_line.issue);
      const auto& reservations = delegation.reservations;
      if (std::binary_search(reservations.begin(), reservations.end(), red_line.issue)) continue;
      unreserved.push_back(red_line.issue);
    }
    std::sort(unreserved.begin() + first_unreserved, unreserved.end());
    unreserved.erase(std::unique(unreserved.begin() + first_unreserved, unreserved.end()), unreserved.end());
    red_line_issues_.close_list();
    unreserved_red_lines_.close_list();
    const int negotiator =
        delegation.bloc >= 0 ? scenario.blocs[static_cast<std::size_t>(delegation.bloc)].negotiator : -1;
    if (negotiator >= 0 && negotiator != i) {
      spoken_for_[static_cast<std::size_t>(i)] = negotiator;  // the negotiator's answer, not a leader's
    } else if (delegation.agent.model == AgentModel::bloc_follower && delegation.bloc >= 0) {
      const int leader = scenario.blocs[static_cast<std::size_t>(delegation.bloc)].leader;
      if (leader >= 0 && leader != i) follows_[static_cast<std::size_t>(i)] = leader;
    }
  }
  state_.positions = scenario.positions;
  state_.draft = Eigen::VectorXd::Zero(k);
  state_.utility = Eigen::VectorXd::Zero(n);
  state_.noise = Eigen::VectorXd::Zero(n);
  state_.previous_support_threshold = state_.support_threshold;
  state_.blocking_threshold = Eigen::VectorXd::Zero(n);
  state_.responses.assign(static_cast<std::size_t>(n), Response::aside);
  state_.red_line_crossed.assign(static_cast<std::size_t>(n) * static_cast<std::size_t>(k), 0);
  state_.settled.assign(static_cast<std::size_t>(k), 0);
  previous_draft_ = Eigen::VectorXd::Zero(k);
  // An omitted paragraph is settled from the start at its status quo: no strategy, repair or
  // amendment moves it.
  for (int issue = 0; issue < k; ++issue) {
    if (!scenario.issues[static_cast<std::size_t>(issue)].omitted) continue;
    state_.settled[static_cast<std::size_t>(issue)] = 1;
    previous_draft_(issue) = scenario.issues[static_cast<std::size_t>(issue)].status_quo;
  }
  // Holders per paragraph in index order: counted, then placed (a counting sort).
  red_line_holders_.start.assign(static_cast<std::size_t>(k) + 1, 0);
  for (int issue : unreserved_red_lines_.items) ++red_line_holders_.start[static_cast<std::size_t>(issue) + 1];
  for (int issue = 0; issue < k; ++issue) {
    red_line_holders_.start[static_cast<std::size_t>(issue) + 1] +=
        red_line_holders_.start[static_cast<std::size_t>(issue)];
  }
  red_line_holders_.items.resize(unreserved_red_lines_.items.size());
  {
    List<int>& next = red_lines_crossed_count_;  // borrowed as the fill cursor of each paragraph
    next.assign(red_line_holders_.start.begin(), red_line_holders_.start.end() - 1);
    for (int i = 0; i < n; ++i) {
      for (int issue : unreserved_red_lines_[static_cast<std::size_t>(i)]) {
        red_line_holders_.items[static_cast<std::size_t>(next[static_cast<std::size_t>(issue)]++)] = i;
      }
    }
  }
  red_lines_crossed_count_.assign(static_cast<std::size_t>(n), 0);
  bounded_.clear();  // listed by mark_red_lines(), the only reader, when it is first called
  // Each list is given room for k issues the first time it is written (find_grievances()): most
  // delegations support most texts, and their lists are never allocated.
  grievances_.resize(static_cast<std::size_t>(n));
  for (auto& list : grievances_) list.clear();
  trial_draft_.resize(k);
  trial_utility_.resize(n);
  trial_blocking_.resize(n);
  trial_responses_.assign(static_cast<std::size_t>(n), Response::aside);
  next_positions_.resize(n, k);
  ids_order_.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ids_order_[static_cast<std::size_t>(i)] = i;
  // Each id's first 8 bytes as a number, padded with zeros, order ids as the strings do where they
  // differ (bytes compare unsigned, a proper prefix comes first); where they tie, the strings are
  // compared. The same comparisons' results as comparing the strings alone: the same order.
  id_prefixes_.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const std::string& id = scenario.delegations[static_cast<std::size_t>(i)].id;
    unsigned char bytes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    const std::size_t length = std::min<std::size_t>(8, id.size());
    for (std::size_t c = 0; c < length; ++c) bytes[c] = static_cast<unsigned char>(id[c]);
    std::uint64_t prefix = 0;
    for (const unsigned char byte : bytes) prefix = (prefix << 8) | byte;
    id_prefixes_[static_cast<std::size_t>(i)] = prefix;
  }
  std::sort(ids_order_.begin(), ids_order_.end(), [&scenario, prefixes = id_prefixes_.data()](int a, int b) {
    const std::uint64_t prefix_a = prefixes[a];
    const std::uint64_t prefix_b = prefixes[b];
    if (prefix_a != prefix_b) return prefix_a < prefix_b;
    return scenario.delegations[static_cast<std::size_t>(a)].id < scenario.delegations[static_cast<std::size_t>(b)].id;
  });
  candidates_.reserve(static_cast<std::size_t>(n) * static_cast<std::size_t>(k + 1));
  latest_candidate_on_issue_.assign(static_cast<std::size_t>(k), -1);
  amended_.assign(static_cast<std::size_t>(n), 0);
  outside_amendments_.assign(static_cast<std::size_t>(n), std::nullopt);
  new_objectors_.reserve(static_cast<std::size_t>(n));
  cascade_pending_.resize(static_cast<std::size_t>(n));
  maybe_objecting_.resize(static_cast<std::size_t>(n));
  objection_floor_.assign(static_cast<std::size_t>(n), 0.0);
  sure_objection_floor_.assign(static_cast<std::size_t>(n), 0.0);
  current_objectors_.assign(static_cast<std::size_t>(n), 0);
  current_objector_count_ = 0;
  rejection_witness_.assign(2 * static_cast<std::size_t>(k), -1);
  next_threshold_.resize(n);
  fixed_responses_.assign(static_cast<std::size_t>(n), std::nullopt);
  aside_at_gavel_.assign(static_cast<std::size_t>(n), 0);
  policies_.resize(static_cast<std::size_t>(n));
  asked_policy_.assign(static_cast<std::size_t>(n), 0);
  own_policies_.resize(static_cast<std::size_t>(n));
  concession_curve_.assign(static_cast<std::size_t>(n), -1);
  concession_betas_.reserve(static_cast<std::size_t>(n));  // once: restart() keeps its capacity
  // The shared built-in policy of each model, looked up once per model.
  constexpr std::size_t kModels = static_cast<std::size_t>(AgentModel::spoiler) + 1;
  DelegationPolicy* builtin[kModels] = {};
  for (int i = 0; i < n; ++i) {
    const AgentParameters& agent = scenario.delegations[static_cast<std::size_t>(i)].agent;
    auto& own = own_policies_[static_cast<std::size_t>(i)];
    own.reset();  // a policy of one's own starts each run afresh
    if (!agent.policy.empty()) own = make_delegation_policy(agent.policy);
    if (own) {
      policies_[static_cast<std::size_t>(i)] = own.get();
    } else {
      DelegationPolicy*& shared = builtin[static_cast<std::size_t>(agent.model)];
      if (shared == nullptr) shared = &builtin_delegation_policy(agent.model);
      policies_[static_cast<std::size_t>(i)] = shared;
    }
    keep_record_ = keep_record_ || own != nullptr;
    // A built-in concession curve (concession and bloc_follower agents): its beta's index.
    const bool curve = !own && (agent.model == AgentModel::concession || agent.model == AgentModel::bloc_follower);
    if (!curve) continue;
    const auto known = std::find(concession_betas_.begin(), concession_betas_.end(), agent.beta);
    concession_curve_[static_cast<std::size_t>(i)] = static_cast<int>(known - concession_betas_.begin());
    if (known == concession_betas_.end()) concession_betas_.push_back(agent.beta);
  }
  concession_powers_.resize(concession_betas_.size());
  if (restarted_) {  // an engine that plays one run only has no use for the table
    const int rounds = std::max(0, scenario.process.max_rounds);
    const bool same = rounds == power_table_rounds_ && std::equal(concession_betas_.begin(), concession_betas_.end(),
                                                                  power_table_betas_.begin(), power_table_betas_.end());
    if (!same) {
      power_table_betas_.assign(concession_betas_.begin(), concession_betas_.end());
      power_table_rounds_ = rounds;
      const std::size_t entries = static_cast<std::size_t>(rounds) * concession_betas_.size();
      const bool fits = entries <= kPowerTableEntries;
      power_table_.assign(fits ? entries : 0, 0.0);
      power_row_ready_.assign(fits ? static_cast<std::size_t>(rounds) : 0, 0);
    }
  }
  // What respond() and standing() read for every delegation on every poll, computed once.
  const double total_power = scenario.power.sum();
  nonnegative_power_ = (scenario.power.array() >= 0).all();
  objecting_power_weighed_ = true;
  for (int i = 0; i < n; ++i) {
    const auto index = static_cast<std::size_t>(i);
    if (unweighed_[index] != 0 && observers_[index] == 0) objecting_power_weighed_ = false;
  }
  others_power_.resize(static_cast<std::size_t>(n));
  lowest_blocking_.resize(static_cast<std::size_t>(n));
  highest_blocking_.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    others_power_[static_cast<std::size_t>(i)] = total_power - scenario.power(i);
    lowest_blocking_[static_cast<std::size_t>(i)] = blocking_threshold_for(i, 0.0);
    highest_blocking_[static_cast<std::size_t>(i)] = blocking_threshold_for(i, std::numeric_limits<double>::infinity());
  }
  // One who answers for itself (no leader or negotiator to copy) and counts (not an observer)
  // objects, whatever the power objecting beside it, below its lowest blocking threshold.
  for (int i = 0; i < n; ++i) {
    const auto index = static_cast<std::size_t>(i);
    const bool answers_alone = unweighed_[index] == 0 && std::max(follows_[index], spoken_for_[index]) < 0;
    sure_objection_floor_[index] = answers_alone ? lowest_blocking_[index] : -std::numeric_limits<double>::infinity();
  }
  any_follower_ = std::any_of(follows_.begin(), follows_.end(), [](int j) { return j >= 0; });
  followers_.clear();
  followers_.reserve(static_cast<std::size_t>(n));  // once: restart() keeps its capacity
  for (int i = 0; i < n; ++i) {
    if (follows_[static_cast<std::size_t>(i)] >= 0) followers_.push_back(i);
  }
  copies_.resize(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < copies_.size(); ++i) copies_[i] = std::max(follows_[i], spoken_for_[i]);
  any_fixed_ = false;
  any_spoken_for_ = std::any_of(spoken_for_.begin(), spoken_for_.end(), [](int j) { return j >= 0; });
  {
    // Each objection counts (w_i / mean w)^lambda with a power weight lambda > 0, else 1.
    const double lambda = power_weighing();
    double voting_power = 0;
    int voters = 0;
    for (int i = 0; i < n; ++i) {
      if (observers_[static_cast<std::size_t>(i)] != 0) continue;
      voting_power += scenario.power(i);
      ++voters;
    }
    mean_power_ = voters > 0 ? voting_power / voters : 1.0;
    objection_weights_.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      objection_weights_[static_cast<std::size_t>(i)] =
          lambda > 0 && mean_power_ > 0 ? std::pow(scenario.power(i) / mean_power_, lambda) : 1.0;
    }
  }
  const ChairSettings& chair = scenario.process.chair;
  own_chair_ = !chair.policy.empty();
  compromise_chair_ = !own_chair_ && chair.strategy == ChairStrategy::compromise;
  // The built-in compromise strategy is drafted here (draft_compromise_paragraphs()), with no
  // policy object to make.
  if (compromise_chair_) {
    chair_policy_.reset();
  } else {
    chair_policy_ = make_chair_policy(chair_strategy_name(chair));
  }
  compromise_draft_.resize(k);
  compromise_drafters_.clear();
  if (compromise_chair_) {
    compromise_drafters_.reserve(static_cast<std::size_t>(n));
    // draft_compromise()'s weights w_i s_ik of the drafting group (everyone when it is empty), and
    // their totals, summed in the same order.
    const auto& group = chair.drafting_group;
    for (int i = 0; i < n; ++i) {
      if (scenario.delegations[static_cast<std::size_t>(i)].outside_drafting) continue;
      if (group.empty() || std::binary_search(group.begin(), group.end(), i)) compromise_drafters_.push_back(i);
    }
    const auto rows = static_cast<Eigen::Index>(compromise_drafters_.size());
    compromise_weights_.resize(rows, k);
    compromise_totals_.resize(k);
    for (int issue = 0; issue < k; ++issue) {
      double* weights = compromise_weights_.col(issue).data();
      const double* salience = scenario.salience.col(issue).data();
      double total = 0;
      for (Eigen::Index row = 0; row < rows; ++row) {
        const int i = compromise_drafters_[static_cast<std::size_t>(row)];
        weights[row] = scenario.power(i) * salience[i];
        total += weights[row];
      }
      compromise_totals_(issue) = total;
    }
  }
  keep_record_ = keep_record_ || own_chair_;
  if (sink_ != nullptr) sink_->on_start(scenario_, seed_);
}

const Outcome& Engine::run() {
  while (step()) {
  }
  return *outcome_;
}

bool Engine::step() {
  if (outcome_) return false;
  update_thresholds();
  draw_noise();
  table_draft();
  if (response_override_ != nullptr) {
    for (int i = 0; i < scenario_.delegation_count(); ++i) {
      fixed_responses_[static_cast<std::size_t>(i)] = response_override_->respond(state_, i);
    }
  }
  ask_own_policies();
  any_fixed_ = std::any_of(fixed_responses_.begin(), fixed_responses_.end(),
                           [](const std::optional<Response>& fixed) { return fixed.has_value(); });
  poll(state_.draft, state_.responses, state_.utility, state_.blocking_threshold);
  polled_ = true;
  if (keep_record_) {
    record_.drafts.push_back(state_.draft);
    record_.responses.push_back(state_.responses);
  }
  // What each delegation objects to is read by an observer (the trace), and by the end of a run
  // in its last round (the fallbacks and the outcome); an adoption settles the stand-asides and
  // finds them again. The engine itself reads neither in other rounds: a run without an observer
  // skips them there (its outputs are the same).
  const bool observed = sink_ != nullptr || response_override_ != nullptr;
  if (observed) mark_red_lines();
  if (observed || scenario_.process.is_last_round(state_.round)) {
    find_grievances(state_.draft, state_.responses, state_.utility, state_.blocking_threshold, grievances_);
  }
  check_finite();
  if (sink_ != nullptr) sink_->on_responses(state_, grievances_);
  if (observed) {
    last_tabled_.draft = state_.draft;
    last_tabled_.utility = state_.utility;
    last_tabled_.blocking_threshold = state_.blocking_threshold;
    last_tabled_.responses = state_.responses;
    last_tabled_.kept = true;
  }

  bool keep_drafting = false;
  if (rule_met(scenario_.process.rule, state_.responses, &observers_)) {
    const bool standing_aside =
        std::any_of(state_.responses.begin(), state_.responses.end(), [](Response r) { return r == Response::aside; });
    if (standing_aside) {
      keep_drafting = chair_keeps_drafting(reason_);
      if (sink_ != nullptr) sink_->on_gavel(state_.round, !keep_drafting, reason_);
    }
    if (!keep_drafting) {
      settle_dissociations();
      finish(adopted_kind(state_.responses, observers_), state_.round, {}, std::nullopt);
      return false;
    }
  }
  if (!keep_drafting && scenario_.process.is_last_round(state_.round)) {
    apply_fallbacks();
    return false;
  }
  revise_draft();
  // Influence moves positions by the scenario alone: another replicate may have done this step.
  const int next_round = state_.round + 1;
  const Eigen::MatrixXd* shared = shared_rounds_ != nullptr ? shared_rounds_->positions(next_round) : nullptr;
  if (shared != nullptr) {
    next_positions_ = *shared;
  } else {
    influence_step(influence_, susceptibility_, scenario_.positions, state_.positions, scenario_.red_line_min,
                   scenario_.red_line_max, next_positions_);
    if (shared_rounds_ != nullptr) shared_rounds_->offer_positions(next_round, next_positions_);
  }
  if (sink_ != nullptr) sink_->on_influence(state_.round, state_.positions, next_positions_);
  state_.positions.swap(next_positions_);
  previous_draft_ = state_.draft;
  ++state_.round;
  return true;
}

void Engine::update_thresholds() {
  const int n = scenario_.delegation_count();
  // Others' concession last round, for reciprocal agents: drop of each threshold from t-2 to t-1.
  double total_drop = 0;
  {
    const double* const previous = state_.previous_support_threshold.data();
    const double* const current = state_.support_threshold.data();
    for (int j = 0; j < n; ++j) total_drop += std::max(0.0, previous[j] - current[j]);
  }
  // The built-in concession curve's power term, once per distinct beta this round: the same
  // expression concession_threshold() evaluates for each such delegation.
  if (!concession_betas_.empty()) {
    const std::size_t count = concession_betas_.size();
    const auto round = static_cast<std::size_t>(state_.round);
    const bool tabled = round < power_row_ready_.size();
    if (tabled && power_row_ready_[round] != 0) {
      std::copy_n(power_table_.begin() + static_cast<std::ptrdiff_t>(round * count), count, concession_powers_.begin());
    } else {
      const double horizon = std::max(1, scenario_.process.max_rounds - 1);
      const double time = std::clamp(static_cast<double>(state_.round) / horizon, 0.0, 1.0);
      for (std::size_t b = 0; b < count; ++b) {
        concession_powers_[b] = std::pow(time, 1.0 / concession_betas_[b]);
      }
      if (tabled) {
        std::copy_n(concession_powers_.begin(), count,
                    power_table_.begin() + static_cast<std::ptrdiff_t>(round * count));
        power_row_ready_[round] = 1;
      }
    }
  }
  // Each seat's policy sets its threshold (the built-ins: MODEL.md section 4). Operands read once.
  const Delegation* const delegations = scenario_.delegations.data();
  const double* const powers = concession_powers_.data();
  double* const next = next_threshold_.data();
  const int* const curves = concession_curve_.data();
  for (int i = 0; i < n; ++i) {
    // Others' mean concession, as i's view shows it (a built-in curve does not read it; the last
    // delegation's stays set for view_of() and checkpoints).
    const int curve = curves[i];
    if (curve < 0 || i == n - 1) {
      const double own_drop = std::max(0.0, state_.previous_support_threshold(i) - state_.support_threshold(i));
      others_mean_concession_ = n > 1 ? (total_drop - own_drop) / (n - 1) : 0.0;
    }
    if (curve >= 0) {
      // concession_threshold(agent, round, max_rounds), its power term shared.
      const AgentParameters& agent = delegations[i].agent;
      next[i] = agent.support_max - (agent.support_max - agent.support_min) * powers[curve];
      continue;
    }
    const double threshold = policies_[static_cast<std::size_t>(i)]->support_threshold(view_of(i));
    if (!std::isfinite(threshold)) {
      throw RunError("the policy '" + agent_model_name(scenario_.delegations[static_cast<std::size_t>(i)].agent) +
                     "' of " + scenario_.delegations[static_cast<std::size_t>(i)].id +
                     " set a support threshold that is not a finite number");
    }
    next_threshold_(i) = threshold;
  }
  // previous <- current <- next (next_threshold_ is written whole each round before it is read).
  state_.previous_support_threshold.swap(state_.support_threshold);
  state_.support_threshold.swap(next_threshold_);
}

void Engine::draw_noise() {
  const double deviation = scenario_.process.noise;
  if (deviation <= 0) return;
  for (int i = 0; i < scenario_.delegation_count(); ++i) {
    // One stream per (seed, delegation id, round): the same draws whatever the file order.
    Random random(mix64(seed_) ^ mix64(delegation_keys_[static_cast<std::size_t>(i)] ^
                                       mix64(static_cast<std::uint64_t>(state_.round))));
    state_.noise(i) = deviation * random.normal();
  }
}

void Engine::table_draft() {
  // A presidency's final text: in the last round every paragraph is drafted afresh, those
  // repaired or amended earlier too (only an omitted one stays out); no change follows it.
  const bool final_text = scenario_.process.is_final_text_round(state_.round);
  if (final_text) {
    for (int issue = 0; issue < scenario_.issue_count(); ++issue) {
      state_.settled[static_cast<std::size_t>(issue)] =
          scenario_.issues[static_cast<std::size_t>(issue)].omitted ? 1 : 0;
    }
  }
  // Settled paragraphs keep last round's text; the strategy drafts the rest around them.
  crossed_counts_current_ = false;  // the poll of the new text counts them
  state_.draft = previous_draft_;
  if (compromise_chair_ && shared_rounds_ != nullptr) {
    // The compromise draft of a paragraph (leaned toward the chair) depends on this round's
    // positions alone, not on which others are settled: drafted whole once per round and shared.
    const Eigen::VectorXd* whole = shared_rounds_->compromise(state_.round);
    if (whole == nullptr) {
      compromise_draft_ = previous_draft_;
      draft_compromise_paragraphs(compromise_draft_, nullptr);
      lean_toward_chair(scenario_, state_.positions, compromise_draft_, nullptr);
      shared_rounds_->offer_compromise(state_.round, compromise_draft_);
      whole = &compromise_draft_;
    }
    for (int issue = 0; issue < scenario_.issue_count(); ++issue) {
      if (state_.settled[static_cast<std::size_t>(issue)] == 0) state_.draft(issue) = (*whole)(issue);
    }
    write_in_words(state_.draft);
    if (final_text) keep_met_red_lines(state_.draft);
    if (sink_ != nullptr) {
      if (final_text) sink_->on_final_text(state_.round);
      sink_->on_draft(state_, state_.round == 0 ? nullptr : &previous_draft_);
    }
    return;
  }
  ChairView view;
  view.scenario_ = &scenario_;
  view.positions_ = &state_.positions;
  view.settled_ = &state_.settled;
  view.record_ = &record_;
  view.round_ = state_.round;
  if (compromise_chair_) {
    draft_compromise_paragraphs(state_.draft,
                                &state_.settled);  // as chair_policy_ would, its weights fixed for the run
  } else if (!own_chair_ && shared_rounds_ != nullptr) {
    // The Nash or maximin draft is a function of this round's positions (shared), the text it
    // starts from (last round's) and the settled paragraphs: the key holds the last two.
    chair_draft_key_.clear();
    const auto append = [this](const void* bytes, std::size_t size) {
      chair_draft_key_.append(static_cast<const char*>(bytes), size);
    };
    append(&state_.round, sizeof state_.round);
    append(state_.draft.data(), static_cast<std::size_t>(state_.draft.size()) * sizeof(double));
    append(state_.settled.data(), state_.settled.size());
    if (!shared_rounds_->find_chair_draft(chair_draft_key_, state_.draft)) {
      chair_policy_->draft(view, state_.draft);
      shared_rounds_->offer_chair_draft(chair_draft_key_, state_.draft);
    }
  } else {
    chair_policy_->draft(view, state_.draft);
  }
  if (own_chair_) {
    // A strategy of one's own may not move a settled paragraph or leave the scale.
    for (int issue = 0; issue < scenario_.issue_count(); ++issue) {
      if (state_.settled[static_cast<std::size_t>(issue)] != 0) state_.draft(issue) = previous_draft_(issue);
      if (!(state_.draft(issue) >= 0 && state_.draft(issue) <= 1)) {
        throw RunError("the chair strategy '" + scenario_.process.chair.policy + "' drafted paragraph " +
                       scenario_.issues[static_cast<std::size_t>(issue)].id + " outside [0, 1]");
      }
    }
  }
  lean_toward_chair(scenario_, state_.positions, state_.draft, &state_.settled);
  write_in_words(state_.draft);
  if (final_text) keep_met_red_lines(state_.draft);
  if (sink_ != nullptr) {
    if (final_text) sink_->on_final_text(state_.round);
    sink_->on_draft(state_, state_.round == 0 ? nullptr : &previous_draft_);
  }
}

void Engine::keep_met_red_lines(Eigen::VectorXd& draft) const {
  // A presidency with a ruling at hand drafts its final text knowing the conditions the room has
  // shown it: each paragraph stays within the red lines its repairs met during the run (where those
  // still leave a value: two met red lines that exclude each other leave the fresh draft as it is).
  if (!scenario_.process.final_text_keeps_met_red_lines()) return;
  const int k_count = scenario_.issue_count();
  for (int issue = 0; issue < k_count; ++issue) {
    if (scenario_.issues[static_cast<std::size_t>(issue)].omitted) continue;
    double low = 0;
    double high = 1;
    bool any = false;
    for (const auto& [delegation, met_issue] : met_red_lines_) {
      if (met_issue != issue) continue;
      any = true;
      low = std::max(low, scenario_.red_line_min(delegation, issue));
      high = std::min(high, scenario_.red_line_max(delegation, issue));
    }
    if (any && low <= high) draft(issue) = in_words(issue, std::clamp(draft(issue), low, high), low, high);
  }
}

double Engine::in_words(int issue, double value, double low, double high) const {
  if (scenario_.process.drafting == Drafting::values) return value;
  return scenario_.issues[static_cast<std::size_t>(issue)].in_words(value, low, high);
}

void Engine::write_in_words(Eigen::VectorXd& draft) const {
  if (scenario_.process.drafting == Drafting::values) return;
  for (int issue = 0; issue < scenario_.issue_count(); ++issue) {
    if (state_.settled[static_cast<std::size_t>(issue)] == 0) draft(issue) = in_words(issue, draft(issue));
  }
}

void Engine::draft_compromise_paragraphs(Eigen::VectorXd& draft, const std::vector<std::uint8_t>* settled) const {
  // draft_compromise() (negsim/model.hpp) with its weights w_i s_ik and their totals computed once
  // for the run: each paragraph's sum runs over the same delegations in the same order, four
  // paragraphs side by side, so the draft has the same bits.
  constexpr int block = 4;
  const int k_count = scenario_.issue_count();
  const auto rows = static_cast<Eigen::Index>(compromise_drafters_.size());
  for (int first = 0; first < k_count; first += block) {
    const int width = std::min(block, k_count - first);
    bool any_open = false;
    for (int b = 0; b < width; ++b)
      any_open = any_open || settled == nullptr ||
                 (*settled)[static_cast<std::size_t>(first) + static_cast<std::size_t>(b)] == 0;
    if (!any_open) continue;
    double weighted[block] = {0, 0, 0, 0};
    const double* weights[block];
    const double* positions[block];
    for (int b = 0; b < block; ++b) {  // a short last block repeats its last paragraph (not written)
      const int column = first + std::min(b, width - 1);
      weights[b] = compromise_weights_.col(column).data();
      positions[b] = state_.positions.col(column).data();
    }
    const int* drafters = compromise_drafters_.data();
    for (Eigen::Index row = 0; row < rows; ++row) {
      const int i = drafters[row];
      weighted[0] += weights[0][row] * positions[0][i];
      weighted[1] += weights[1][row] * positions[1][i];
      weighted[2] += weights[2][row] * positions[2][i];
      weighted[3] += weights[3][row] * positions[3][i];
    }
    for (int b = 0; b < width; ++b) {
      const int k = first + b;
      if (settled != nullptr && (*settled)[static_cast<std::size_t>(k)] != 0) continue;
      const double total = compromise_totals_(k);
      draft(k) = total > 0 ? weighted[b] / total : scenario_.issues[static_cast<std::size_t>(k)].status_quo;
    }
  }
}

DelegationView Engine::view_of(int delegation) const {
  DelegationView view;
  view.scenario_ = &scenario_;
  view.positions_ = &state_.positions;
  view.draft_ = &state_.draft;
  view.record_ = &record_;
  view.self_ = delegation;
  view.round_ = state_.round;
  view.utility_ = state_.utility(delegation);
  view.support_threshold_ = state_.support_threshold(delegation);
  view.previous_support_threshold_ = state_.previous_support_threshold(delegation);
  view.blocking_threshold_ = polled_ ? state_.blocking_threshold(delegation)
                                     : scenario_.delegations[static_cast<std::size_t>(delegation)].outside_option -
                                           scenario_.process.isolation_cost;
  view.others_mean_concession_ = others_mean_concession_;
  return view;
}

void Engine::ask_own_policies() {
  if (!keep_record_) return;  // a room of built-in agents: the engine answers for all at once
  for (int i = 0; i < scenario_.delegation_count(); ++i) {
    const auto index = static_cast<std::size_t>(i);
    asked_policy_[index] = 0;
    if (!own_policies_[index]) continue;
    if (response_override_ == nullptr) fixed_responses_[index].reset();  // last round's answer
    if (fixed_responses_[index]) continue;                               // a seated person comes first
    DelegationView view = view_of(i);
    view.utility_ = view.utility_of(state_.draft) + state_.noise(i);  // this round's draft, as perceived
    fixed_responses_[index] = own_policies_[index]->respond(view);
    asked_policy_[index] = 1;
  }
}

// Inline: every poll asks it for each delegation.
inline double Engine::blocking_threshold_for(int delegation, double others_objecting) const {
  // Blocking threshold given the power objecting beside it: objecting alone costs
  // isolation_cost; the cost vanishes once fellow objectors hold `full_company` of the power.
  const Process& process = scenario_.process;
  const double others = others_power_[static_cast<std::size_t>(delegation)];
  const double share = others > 0 ? others_objecting / others : 0.0;
  const double company = std::min(1.0, share / process.full_company);
  return outside_option_[static_cast<std::size_t>(delegation)] - process.isolation_cost * (1.0 - company);
}

void Engine::poll(const Eigen::VectorXd& draft, std::vector<Response>& responses, Eigen::VectorXd& utility,
                  Eigen::VectorXd& blocking_threshold) {
  if (polled_ranges_ != nullptr) {  // checkpoints: what this round compared with the red lines
    for (int issue = 0; issue < scenario_.issue_count(); ++issue) note_polled(issue, draft(issue));
  }
  compute_utilities(state_.positions, scenario_.salience, draft, scenario_.process.utility, utility);
  utility += state_.noise;
  respond(draft, utility, responses, blocking_threshold);
}

bool Engine::respond(const Eigen::VectorXd& draft, const Eigen::VectorXd& utility, std::vector<Response>& responses,
                     Eigen::VectorXd& blocking_threshold, const Trial* trial) {
  const int n = scenario_.delegation_count();
  // A trial poll asked to stop at its first new objector: the chair passes such a change over,
  // so the rest of the poll would not be read. Objections only grow below, so the first one
  // found is final.
  const bool stop_at_new_objector = trial != nullptr && trial->stop_at_new_objector;
  auto stops_here = [&](std::size_t index) {
    return stop_at_new_objector && responses[index] == Response::object &&
           state_.responses[index] != Response::object && unweighed_[index] == 0;
  };
  // Whose answer is fixed this round (none in most rooms: then nobody's is looked up), and whose
  // answer each copies (a leader's or a negotiator's; in a vote, a leader's only).
  const bool any_fixed = any_fixed_;
  auto is_fixed = [&](std::size_t index) { return any_fixed && fixed_responses_[index].has_value(); };
  const List<int>& copy_source = own_voice_ ? follows_ : copies_;
  // A trial's draft differs from state_.draft in one paragraph only: the red lines crossed are
  // those counted for state_.draft, corrected for the holders of a red line on that paragraph.
  const IndexLists::Range holders = trial != nullptr ? red_line_holders_[static_cast<std::size_t>(trial->issue)]
                                                     : IndexLists::Range{nullptr, nullptr};
  std::size_t next_holder = 0;
  double red_line_objecting = 0;  // the power objecting after this first pass
  // Who the cascade below must look at: those not yet objecting whose answer may still turn to
  // an objection (they copy another's, or their utility lies below the highest blocking
  // threshold they can face); the others cannot object whatever the power objecting. And, in
  // index order, everyone who may object in the end, over whom the objecting power is summed.
  int* const pending = cascade_pending_.data();  // n entries: no list outgrows them
  int* const maybe_objecting = maybe_objecting_.data();
  std::size_t pending_count = 0;
  std::size_t maybe_count = 0;
  // A poll of state_.draft counts the red lines it crosses for the trials that follow it.
  const bool counting = trial == nullptr && &draft == &state_.draft;
  if (trial != nullptr && !any_fixed) {
    // A trial in a room with no fixed answers: the loop below without the cases that cannot
    // arise, its operands read once (the stores into `responses` would otherwise make the
    // compiler read them again for every delegation). The same answers and lists.
    const int* const crossed_count = red_lines_crossed_count_.data();
    const Response* const current = state_.responses.data();
    const std::uint8_t* const unweighed = unweighed_.data();
    const std::uint8_t* const observer = observers_.data();
    const int* const copied = copy_source.data();
    const double* const highest = highest_blocking_.data();
    const double* const own_utility = utility.data();
    const double* const support = state_.support_threshold.data();
    const double* const power = scenario_.power.data();
    Response* const answer = responses.data();
    const int trial_issue = trial->issue;
    const double value = draft(trial_issue);
    const double from = state_.draft(trial_issue);
    const std::size_t holder_count = holders.size();
    // One delegation's first answer from the red lines it crosses; false: the trial stops here.
    // One who cannot object whatever the power objecting gets its final answer here (support or
    // stand aside, as the loop after the cascade would give it); those the cascade looks at get
    // theirs after it.
    auto first_answer = [&](int i, int count) {
      if (count > 0) {
        answer[i] = Response::object;
        if (stop_at_new_objector && current[i] != Response::object && unweighed[i] == 0) return false;
        maybe_objecting[maybe_count++] = i;
        if (observer[i] == 0) red_line_objecting += power[i];
      } else if (copied[i] >= 0 || own_utility[i] < highest[i]) {
        answer[i] = Response::aside;
        pending[pending_count++] = i;
        maybe_objecting[maybe_count++] = i;
      } else {
        answer[i] = own_utility[i] >= support[i] ? Response::support : Response::aside;
      }
      return true;
    };
    // In index order, the delegations between two holders of a red line on the paragraph without
    // looking for the next holder at each.
    int i = 0;
    for (;;) {
      const int next = next_holder < holder_count ? holders[next_holder] : n;
      for (; i < next; ++i) {
        if (!first_answer(i, crossed_count[i])) return false;
      }
      if (i >= n) break;
      ++next_holder;
      const int count = crossed_count[i] + red_lines_crossed_change(i, trial_issue, from, value);
      if (!first_answer(i, count)) return false;
      ++i;
    }
  }
  const bool plain_poll = trial == nullptr && !any_fixed;
  if (plain_poll) {
    // A poll of a whole text in a room with no fixed answers: the loop below without the cases
    // that cannot arise, its operands read once. The same counts, answers and lists.
    const int* const list_start = unreserved_red_lines_.start.data();
    const int* const list_items = unreserved_red_lines_.items.data();
    const double* const low = scenario_.red_line_min.data();
    const double* const high = scenario_.red_line_max.data();
    const Eigen::Index rows = scenario_.red_line_min.rows();  // red_line_max has the same shape
    const double* const text = draft.data();
    int* const crossed_count = red_lines_crossed_count_.data();
    const std::uint8_t* const observer = observers_.data();
    const int* const copied = copy_source.data();
    const double* const highest = highest_blocking_.data();
    const double* const own_utility = utility.data();
    const double* const power = scenario_.power.data();
    Response* const answer = responses.data();
    for (int i = 0; i < n; ++i) {
      int count = 0;
      for (int item = list_start[i]; item < list_start[i + 1]; ++item) {
        const int issue = list_items[item];
        const Eigen::Index cell = i + issue * rows;
        count += crosses_bounds(low[cell], high[cell], text[issue]) ? 1 : 0;
      }
      if (counting) crossed_count[i] = count;
      if (count > 0) {
        answer[i] = Response::object;
        maybe_objecting[maybe_count++] = i;
        if (observer[i] == 0) red_line_objecting += power[i];
      } else {
        answer[i] = Response::aside;
        if (copied[i] >= 0 || own_utility[i] < highest[i]) {
          pending[pending_count++] = i;
          maybe_objecting[maybe_count++] = i;
        }
      }
    }
  }
  for (int i = 0; i < n && !plain_poll && (trial == nullptr || any_fixed); ++i) {
    bool crossed = false;
    if (trial == nullptr) {
      // A red line on a paragraph it holds a reservation on does not make it object: it joins
      // with an interpretive statement, if the text is otherwise worth its blocking threshold.
      int count = 0;
      for (int issue : unreserved_red_lines_[static_cast<std::size_t>(i)]) {
        count += crosses_red_line(scenario_, i, issue, draft(issue)) ? 1 : 0;
      }
      if (counting) red_lines_crossed_count_[static_cast<std::size_t>(i)] = count;
      crossed = count > 0;
    } else {
      int count = red_lines_crossed_count_[static_cast<std::size_t>(i)];
      if (next_holder < holders.size() && holders[next_holder] == i) {
        ++next_holder;
        count += red_lines_crossed_change(i, trial->issue, state_.draft(trial->issue), draft(trial->issue));
      }
      crossed = count > 0;
    }
    const auto index = static_cast<std::size_t>(i);
    const bool fixed = is_fixed(index);
    responses[index] = fixed ? *fixed_responses_[index] : crossed ? Response::object : Response::aside;
    if (stops_here(index)) return false;
    if (responses[index] == Response::object) {
      maybe_objecting[maybe_count++] = i;
      // Summed in index order, as objecting_power() below sums it.
      if (observers_[index] == 0) red_line_objecting += scenario_.power(i);
    } else if (!fixed) {
      if (copy_source[index] >= 0 || utility(i) < highest_blocking_[index]) {
        pending[pending_count++] = i;
        maybe_objecting[maybe_count++] = i;
      }
    }
  }
  maybe_objecting_count_ = maybe_count;  // the cascade below only changes answers among them
  if (counting) crossed_counts_current_ = true;
  auto blocking_for = [&](int i, double others_objecting) { return blocking_threshold_for(i, others_objecting); };
  // Whether i, not objecting, would object beside `objecting` power. Its blocking threshold lies
  // between lowest_blocking_ and highest_blocking_ (it rises with the power objecting), so most
  // delegations are decided without computing it; the answer is the same.
  auto objects_beside = [&](int i, double objecting) {
    const double own_utility = utility(i);
    const auto index = static_cast<std::size_t>(i);
    if (own_utility < lowest_blocking_[index]) return true;
    if (own_utility >= highest_blocking_[index]) return false;
    return own_utility < blocking_for(i, objecting);
  };
  // An observer's objection cannot block: it keeps no objector company.
  auto objecting_power = [&]() {
    double power = 0;
    for (std::size_t m = 0; m < maybe_count; ++m) {  // in index order: the same sum as over all n
      const int j = maybe_objecting[m];
      const auto index = static_cast<std::size_t>(j);
      if (responses[index] == Response::object && observers_[index] == 0) power += scenario_.power(j);
    }
    return power;
  };
  // Objections cascade: each new objector lowers the isolation cost of the rest. The map is
  // monotone, so iterating from "red lines only" reaches its least fixed point in <= n passes.
  // A pass that changes nothing leaves the power it started from: that of the fixed point.
  bool settled = false;
  double settled_objecting = 0;
  for (int pass = 0; pass <= n; ++pass) {
    bool changed = false;
    // None of it is i's own: i is not objecting.
    const double objecting = pass == 0 ? red_line_objecting : objecting_power();
    for (std::size_t p = 0; p < pending_count; ++p) {
      const int i = pending[p];
      const auto index = static_cast<std::size_t>(i);
      if (responses[index] == Response::object) continue;
      const int copied = copy_source[index];
      const bool objects =
          copied >= 0 ? responses[static_cast<std::size_t>(copied)] == Response::object : objects_beside(i, objecting);
      if (objects) {
        responses[index] = Response::object;
        if (stops_here(index)) return false;
        changed = true;
      }
    }
    if (!changed) {
      settled = true;
      settled_objecting = objecting;
      break;
    }
  }
  const double objecting = settled ? settled_objecting : objecting_power();
  // A trial poll sets the blocking thresholds of its objectors only (what the chair weighs);
  // accept_trial() sets the others' from trial_objecting_ if the change is made.
  if (trial != nullptr) trial_objecting_ = objecting;
  {
    // Operands read once: the stores below would otherwise make the compiler read them again for
    // every delegation. blocking_threshold_for() written out, with the same operations.
    Response* const answer = responses.data();
    const std::uint8_t* const observer = observers_.data();
    const double* const power = scenario_.power.data();
    const double* const own_utility = utility.data();
    const double* const support = state_.support_threshold.data();
    const double* const others_power = others_power_.data();
    const double* const outside = outside_option_.data();
    double* const blocking = blocking_threshold.data();
    const double isolation_cost = scenario_.process.isolation_cost;
    const double full_company = scenario_.process.full_company;
    if (trial != nullptr && !any_fixed) {
      // A trial with no fixed answers: the same thresholds and answers, the objectors' thresholds
      // set from the list of those who may object (every objector is on it), and the answers of
      // those the cascade looked at and left standing.
      for (std::size_t m = 0; m < maybe_count; ++m) {
        const int i = maybe_objecting[m];
        if (answer[i] != Response::object) continue;
        const double others_objecting = observer[i] == 0 ? objecting - power[i] : objecting;
        const double others = others_power[i];
        const double share = others > 0 ? others_objecting / others : 0.0;
        const double company = std::min(1.0, share / full_company);
        blocking[i] = outside[i] - isolation_cost * (1.0 - company);
      }
      for (std::size_t p = 0; p < pending_count; ++p) {  // the others were answered in the first pass
        const int i = pending[p];
        if (answer[i] != Response::object) {
          answer[i] = own_utility[i] >= support[i] ? Response::support : Response::aside;
        }
      }
    }
    if (plain_poll) {
      // The loop below for a poll with no fixed answers: every threshold set, every answer not
      // an objection given by the support threshold.
      for (int i = 0; i < n; ++i) {
        const bool objects = answer[i] == Response::object;
        const double others_objecting = objects && observer[i] == 0 ? objecting - power[i] : objecting;
        const double others = others_power[i];
        const double share = others > 0 ? others_objecting / others : 0.0;
        const double company = std::min(1.0, share / full_company);
        blocking[i] = outside[i] - isolation_cost * (1.0 - company);
        if (!objects) answer[i] = own_utility[i] >= support[i] ? Response::support : Response::aside;
      }
    }
    for (int i = 0; i < n && !plain_poll && (trial == nullptr || any_fixed); ++i) {
      const bool objects = answer[i] == Response::object;
      if (trial == nullptr || objects) {
        const double others_objecting = objects && observer[i] == 0 ? objecting - power[i] : objecting;
        const double others = others_power[i];
        const double share = others > 0 ? others_objecting / others : 0.0;
        const double company = std::min(1.0, share / full_company);
        blocking[i] = outside[i] - isolation_cost * (1.0 - company);
      }
      if (!objects && !is_fixed(static_cast<std::size_t>(i))) {
        answer[i] = own_utility[i] >= support[i] ? Response::support : Response::aside;
      }
    }
  }
  // Followers take their leader's support or stand-aside (chains settle within n passes). Each
  // pass looks at the followers only, in index order.
  for (int pass = 0; pass < n && any_follower_; ++pass) {
    bool changed = false;
    for (const int i : followers_) {
      const auto index = static_cast<std::size_t>(i);
      if (responses[index] == Response::object || is_fixed(index)) continue;
      const Response leader = responses[static_cast<std::size_t>(follows_[index])];
      const Response copied = leader == Response::object ? Response::aside : leader;
      if (copied != responses[index]) {
        responses[index] = copied;
        changed = true;
      }
    }
    if (!changed) break;
  }
  // The group negotiator speaks for its bloc: each member answers as it does, unless the draft
  // crosses the member's own red line (it then objects, above).
  if (own_voice_ || !any_spoken_for_) return true;
  for (int i = 0; i < n; ++i) {
    const auto index = static_cast<std::size_t>(i);
    if (spoken_for_[index] < 0 || responses[index] == Response::object || is_fixed(index)) continue;
    responses[index] = responses[static_cast<std::size_t>(spoken_for_[index])];
  }
  return true;
}

void Engine::count_red_lines_crossed() {
  for (int i = 0; i < scenario_.delegation_count(); ++i) {
    int count = 0;
    for (int issue : unreserved_red_lines_[static_cast<std::size_t>(i)]) {
      count += crosses_red_line(scenario_, i, issue, state_.draft(issue)) ? 1 : 0;
    }
    red_lines_crossed_count_[static_cast<std::size_t>(i)] = count;
  }
}

void Engine::mark_red_lines() {
  const int k = scenario_.issue_count();
  const auto cell = [k](int i, int issue) {
    return static_cast<std::size_t>(i) * static_cast<std::size_t>(k) + static_cast<std::size_t>(issue);
  };
  if (bounded_.start.size() != static_cast<std::size_t>(k) + 1) {
    // Those whose bounds are not [0, 1], per paragraph (a run with no observer never lists them).
    const int n = scenario_.delegation_count();
    bounded_.start.reserve(static_cast<std::size_t>(k) + 1);
    for (int issue = 0; issue < k; ++issue) {
      const double* low = scenario_.red_line_min.col(issue).data();
      const double* high = scenario_.red_line_max.col(issue).data();
      for (int i = 0; i < n; ++i) {
        if (low[i] != 0.0 || high[i] != 1.0) bounded_.items.push_back(i);
      }
      bounded_.close_list();
    }
  }
  std::fill(state_.red_line_crossed.begin(), state_.red_line_crossed.end(), 0);
  for (int issue = 0; issue < k; ++issue) {
    // Bounds [0, 1] are crossed only by a value outside [0, 1]: then every delegation is checked.
    const bool outside_unit = crosses_unit_bounds(state_.draft(issue));
    if (outside_unit) {
      for (int i = 0; i < scenario_.delegation_count(); ++i) {
        state_.red_line_crossed[cell(i, issue)] = crosses_red_line(scenario_, i, issue, state_.draft(issue)) ? 1 : 0;
      }
      continue;
    }
    for (int i : bounded_[static_cast<std::size_t>(issue)]) {
      state_.red_line_crossed[cell(i, issue)] = crosses_red_line(scenario_, i, issue, state_.draft(issue)) ? 1 : 0;
    }
  }
}

void Engine::find_grievances(const Eigen::VectorXd& draft, const std::vector<Response>& responses,
                             const Eigen::VectorXd& utility, const Eigen::VectorXd& blocking_threshold,
                             std::vector<std::vector<int>>& grievances) const {
  const int k = scenario_.issue_count();
  const UtilityShape shape = scenario_.process.utility;
  for (int i = 0; i < scenario_.delegation_count(); ++i) {
    auto& list = grievances[static_cast<std::size_t>(i)];
    list.clear();
    const Response response = responses[static_cast<std::size_t>(i)];
    if (response == Response::support) continue;
    if (list.capacity() == 0) list.reserve(static_cast<std::size_t>(k));
    for (int issue = 0; issue < k; ++issue) {
      if (crosses_red_line(scenario_, i, issue, draft(issue))) list.push_back(issue);
    }
    // An objector names what it would take to lift it to its blocking threshold (one objecting
    // in solidarity, or standing aside: to its support threshold), largest losses first.
    double target = state_.support_threshold(i);
    if (response == Response::object && utility(i) < blocking_threshold(i)) target = blocking_threshold(i);
    if (response == Response::object && !list.empty() && utility(i) >= blocking_threshold(i)) continue;
    double lifted = utility(i);
    for (int issue : list)
      lifted += scenario_.salience(i, issue) * issue_loss(draft(issue), state_.positions(i, issue), shape);
    while (lifted < target) {
      int largest = -1;
      double largest_loss = 0;
      for (int issue = 0; issue < k; ++issue) {
        if (std::find(list.begin(), list.end(), issue) != list.end()) continue;
        const double loss = scenario_.salience(i, issue) * issue_loss(draft(issue), state_.positions(i, issue), shape);
        if (loss > largest_loss + 1e-12) {
          largest = issue;
          largest_loss = loss;
        }
      }
      if (largest < 0) break;
      list.push_back(largest);
      lifted += largest_loss;
    }
  }
  // A follower objecting in solidarity names what its leader objects to; a member its
  // negotiator objects for, what the negotiator objects to.
  for (int i = 0; i < scenario_.delegation_count(); ++i) {
    const auto index = static_cast<std::size_t>(i);
    const int leader = std::max(follows_[index], spoken_for_[index]);
    if (leader < 0 || responses[index] != Response::object || !grievances[index].empty()) continue;
    grievances[index] = grievances[static_cast<std::size_t>(leader)];
  }
}

Engine::Standing Engine::standing(const Eigen::VectorXd& draft, const std::vector<Response>& responses,
                                  const Eigen::VectorXd& utility, const Eigen::VectorXd& blocking_threshold) const {
  // Summed in locals from operands read once (a store into the result would otherwise make the
  // compiler read them again): the same sums, in the same order.
  int objectors = 0;
  double objection_shortfall = 0;
  int asides = 0;
  double aside_shortfall = 0;
  double objecting_power = 0;
  double objection_weight = 0;
  const int n = scenario_.delegation_count();
  const std::uint8_t* const unweighed = unweighed_.data();
  const Response* const response = responses.data();
  const double* const power = scenario_.power.data();
  const double* const weights = objection_weights_.data();
  const double* const own_utility = utility.data();
  const double* const blocking = blocking_threshold.data();
  const double* const support = state_.support_threshold.data();
  const double* const text = draft.data();
  const double* const low = scenario_.red_line_min.data();
  const double* const high = scenario_.red_line_max.data();
  const Eigen::Index rows = scenario_.red_line_min.rows();  // red_line_max has the same shape
  for (int i = 0; i < n; ++i) {
    // An observer cannot block, and the chair does not draft for one outside the drafting.
    if (unweighed[i] != 0) continue;
    if (response[i] == Response::object) {
      ++objectors;
      objecting_power += power[i];
      objection_weight += weights[i];
      objection_shortfall += std::max(0.0, blocking[i] - own_utility[i]);
      for (int issue : red_line_issues_[static_cast<std::size_t>(i)]) {
        const double value = text[issue];
        const Eigen::Index cell = i + issue * rows;
        objection_shortfall += distance_outside(low[cell], high[cell], value);
      }
    } else if (response[i] == Response::aside) {
      ++asides;
      aside_shortfall += std::max(0.0, support[i] - own_utility[i]);
    }
  }
  Standing result;
  result.objectors = objectors;
  result.objection_shortfall = objection_shortfall;
  result.asides = asides;
  result.aside_shortfall = aside_shortfall;
  result.objecting_power = objecting_power;
  result.objection_weight = objection_weight;
  return result;
}

double Engine::power_weighing() const {
  // Only a room with a way to carry a text past objectors (a ruling, taking note, a vote) lets a
  // text live without some delegations; under consensus alone every objection blocks alike.
  const Fallbacks& fallbacks = scenario_.process.fallbacks;
  const bool way_out = fallbacks.can_carry_past_objectors();
  return way_out ? scenario_.process.chair.power_weight : 0.0;
}

bool Engine::better(const Standing& a, const Standing& b) {
  constexpr double tolerance = 1e-12;
  if (a.objectors != b.objectors) return a.objectors < b.objectors;
  if (std::abs(a.objection_shortfall - b.objection_shortfall) > tolerance) {
    return a.objection_shortfall < b.objection_shortfall;
  }
  if (a.asides != b.asides) return a.asides < b.asides;
  if (std::abs(a.aside_shortfall - b.aside_shortfall) > tolerance) return a.aside_shortfall < b.aside_shortfall;
  return a.objecting_power < b.objecting_power - tolerance;
}

const char* Engine::way_out_carrying() const {
  // Tried in the order of the fallbacks at the deadline (MODEL.md section 10a), on this round's
  // responses (the deadline's vote re-polls a negotiating bloc's members for their own ballots).
  const Fallbacks& fallbacks = scenario_.process.fallbacks;
  if (fallbacks.ruling && ruling_applies(state_.responses)) return "ruling";
  if (fallbacks.take_note) return "take_note";
  if (fallbacks.vote_threshold && count_votes(state_.responses, false).adopted) return "vote";
  return nullptr;
}

bool Engine::ruling_applies(const std::vector<Response>& responses, std::vector<int>* objectors, double* share) const {
  const Ruling& ruling = *scenario_.process.fallbacks.ruling;
  int objector_count = 0;
  double objecting = 0;
  double total = 0;
  for (int i = 0; i < scenario_.delegation_count(); ++i) {
    const auto index = static_cast<std::size_t>(i);
    if (observers_[index] != 0) continue;
    total += scenario_.power(i);
    if (responses[index] != Response::object) continue;
    ++objector_count;
    objecting += scenario_.power(i);
    if (objectors != nullptr) objectors->push_back(i);
  }
  const double objecting_share = total > 0 ? objecting / total : 0.0;
  if (share != nullptr) *share = objecting_share;
  return objector_count <= ruling.max_objectors && objecting_share <= ruling.max_power_share + 1e-12;
}

VoteTally Engine::count_votes(const std::vector<Response>& ballots, bool keep_ballots) const {
  const Fallbacks& fallbacks = scenario_.process.fallbacks;
  VoteTally tally;
  auto cast = [&](int i) {
    const Response response = ballots[static_cast<std::size_t>(i)];
    if (keep_ballots) tally.ballots.emplace_back(i, response);
    if (response == Response::support) ++tally.yes;
    if (response == Response::object) ++tally.no;
    if (response == Response::aside) ++tally.abstain;
  };
  if (fallbacks.electorate.empty()) {
    for (int i = 0; i < scenario_.delegation_count(); ++i) {
      if (observers_[static_cast<std::size_t>(i)] == 0) cast(i);
    }
  } else {
    for (int i : fallbacks.electorate) cast(i);
  }
  tally.adopted = tally.yes > 0 && static_cast<double>(tally.yes) / (tally.yes + tally.no) >= *fallbacks.vote_threshold;
  return tally;
}

void Engine::collect_candidates() {
  const ChairSettings& chair = scenario_.process.chair;
  const UtilityShape shape = scenario_.process.utility;
  const int k = scenario_.issue_count();
  candidates_.clear();
  // Where the room's way out would carry the text as it stands and the chair weighs power, it
  // does not try to meet an objector lighter than the mean: the text can go on without it.
  passed_over_.clear();
  passed_over_way_out_ = power_weighing() > 0 ? way_out_carrying() : nullptr;
  const double outvoted_below =
      passed_over_way_out_ != nullptr ? mean_power_ : -std::numeric_limits<double>::infinity();
  // Candidates in id order, so that neither the file's order nor power decides a tie.
  for (int i : ids_order_) {
    const auto index = static_cast<std::size_t>(i);
    if (state_.responses[index] != Response::object || unweighed_[index] != 0) continue;
    if (scenario_.power(i) < outvoted_below - 1e-12) {
      passed_over_.push_back(i);
      continue;
    }
    if (chair.repair) {
      for (int issue : red_line_issues_[index]) {
        const double value = state_.draft(issue);
        if (!crosses_red_line(scenario_, i, issue, value)) continue;
        if (scenario_.issues[static_cast<std::size_t>(issue)].omitted) continue;
        const double low = scenario_.red_line_min(i, issue);
        const double high = scenario_.red_line_max(i, issue);
        const double bound = in_words(issue, std::clamp(value, low, high), low, high);
        candidates_.push_back({TraceSink::ChangeKind::repair, i, issue, bound});
      }
    }
    if (!chair.amendments || amended_[index] != 0 || spoken_for_[index] >= 0) continue;  // its negotiator tables
    if (fixed_responses_[index]) {  // an outside decision: its own amendment, or none
      const auto& amendment = outside_amendments_[index];
      if (amendment && !scenario_.issues[static_cast<std::size_t>(amendment->issue)].omitted) {
        // The chair writes it in the catalogue's words when it drafts in them (a seat or a strategy
        // may ask for any value).
        const double value = in_words(amendment->issue, amendment->value);
        if (scenario_.process.drafting == Drafting::values ||
            std::abs(value - state_.draft(amendment->issue)) > 1e-12) {
          candidates_.push_back({TraceSink::ChangeKind::amendment, i, amendment->issue, value});
        }
      }
      continue;
    }
    // The delegation amends the paragraph that costs it most.
    int worst = -1;
    double worst_loss = 0;
    {
      // Row i of the column-major matrices (stride n), its operands read once, for each shape.
      const Eigen::Index stride = scenario_.salience.rows();
      const double* const salience = scenario_.salience.data() + i;
      const double* const position = state_.positions.data() + i;
      const double* const text = state_.draft.data();
      auto find_worst = [&](auto loss_of) {
        for (int issue = 0; issue < k; ++issue) {
          const Eigen::Index cell = issue * stride;
          const double loss = salience[cell] * loss_of(text[issue], position[cell]);
          if (loss > worst_loss + 1e-12) {
            worst = issue;
            worst_loss = loss;
          }
        }
      };
      if (shape == UtilityShape::linear) {
        find_worst([](double value, double at) { return issue_loss(value, at, UtilityShape::linear); });
      } else {
        find_worst([](double value, double at) { return issue_loss(value, at, UtilityShape::quadratic); });
      }
    }
    if (worst < 0 || scenario_.issues[static_cast<std::size_t>(worst)].omitted) continue;
    const double from = state_.draft(worst);
    const double position = state_.positions(i, worst);
    double to = from + scenario_.process.amendment_step * (position - from);
    if (std::abs(to - from) < 1e-12) continue;  // amendment_step 0: nothing is tabled
    if (scenario_.process.drafting == Drafting::levels) {
      to = scenario_.issues[static_cast<std::size_t>(worst)].amendment_in_words(from, to, position);
    }
    if (std::abs(to - from) < 1e-12) continue;  // no wording of the catalogue brings it nearer
    candidates_.push_back({TraceSink::ChangeKind::amendment, i, worst, to});
  }
}

void Engine::revise_draft() {
  const int n = scenario_.delegation_count();
  std::fill(amended_.begin(), amended_.end(), 0);
  // Only a delegation with a fixed answer has an outside amendment read (collect_candidates()):
  // in a round with none they are left as they are.
  for (int i = 0; i < n && any_fixed_; ++i) {
    const auto index = static_cast<std::size_t>(i);
    outside_amendments_[index].reset();
    if (!fixed_responses_[index] || state_.responses[index] != Response::object) continue;
    if (!asked_policy_[index]) {
      outside_amendments_[index] = response_override_->amend(state_, i);
      continue;
    }
    const auto amendment = policies_[index]->amend(view_of(i));
    if (!amendment) continue;
    if (amendment->issue < 0 || amendment->issue >= scenario_.issue_count() || !(amendment->value >= 0) ||
        !(amendment->value <= 1)) {
      throw RunError("the policy '" + scenario_.delegations[index].agent.policy + "' of " +
                     scenario_.delegations[index].id + " tabled an amendment outside the text (paragraph " +
                     std::to_string(amendment->issue) + ", value " + std::to_string(amendment->value) + ")");
    }
    outside_amendments_[index] = ResponseOverride::Amendment{amendment->issue, amendment->value};
  }
  // The chair makes, one at a time, the change that leaves the room nearest consensus (fewest
  // objectors, then least shortfall, ...), as long as it creates no new objector and improves
  // on the text as it stands.
  const int max_changes = n * (scenario_.issue_count() + 1);
  made_repairs_.clear();
  for (int change = 0; change < max_changes; ++change) {
    collect_candidates();
    if (change == 0 && sink_ != nullptr && !passed_over_.empty()) {
      sink_->on_passed_over(state_.round, passed_over_, passed_over_way_out_, mean_power_);
    }
    if (candidates_.empty()) break;
    const Standing current = standing(state_.draft, state_.responses, state_.utility, state_.blocking_threshold);
    // Among the changes that create no new objector and bring the text nearer consensus, the
    // chair takes the one that leaves the fewest objectors and, among those, costs the rest of
    // the room least (power-weighted utility lost by those who do not object after it).
    // With a power weight lambda > 0 the chair weighs whom a text leaves outside: each objection
    // counts (w_i / mean w)^lambda, and a change that creates new objectors is made when it lowers
    // that weight (a trade: the text keeps the delegation it can least do without).
    const double weighing = power_weighing();
    const double current_weight = current.objection_weight;
    int best = -1;
    int admissible = 0;
    Standing best_standing;
    double best_weight = 0;
    double best_disturbance = 0;
    prepare_trials();
    find_repeated_candidates();
    for (std::size_t c = 0; c < candidates_.size(); ++c) {
      // A change already tried (another delegation's repair to the same bound, an amendment that
      // coincides with a repair) polls the same: it is as helpful as that one, and cannot win over
      // it (it would tie on everything but candidate order).
      const int same_as = candidates_[c].same_as;
      if (same_as >= 0) {
        if (candidates_[static_cast<std::size_t>(same_as)].helpful) ++admissible;
        continue;
      }
      // Without a power weight a change that creates a new objector is thrown away, so its trial
      // may stop at the first one; with it, such a change may be a trade and is polled in full.
      // Nor is a change polled that surely leaves the text no nearer consensus or, once a best
      // change is known and no observer reads how many changes were helpful, surely cannot beat
      // it: either would be passed over (the chair's choice is the same, bit for bit).
      const TrialBar bar{current, best >= 0 && sink_ == nullptr, best_weight, best_disturbance};
      const bool barred = weighing <= 0 && !any_fixed_ && nonnegative_power_;
      trial_change(candidates_[c].issue, candidates_[c].value, weighing <= 0, barred ? &bar : nullptr);
      if (weighing <= 0 && (!new_objectors_.empty() || trial_outranked_)) continue;
      const Standing result = standing(trial_draft_, trial_responses_, trial_utility_, trial_blocking_);
      const double weight = result.objection_weight;
      const bool trade = !new_objectors_.empty();
      if (trade ? weight >= current_weight - 1e-9 : !better(result, current)) continue;
      ++admissible;
      candidates_[c].helpful = true;
      double disturbance = 0;
      {
        const Response* const response = trial_responses_.data();
        const std::uint8_t* const outside = outside_drafting_.data();
        const double* const power = scenario_.power.data();
        const double* const utility = state_.utility.data();
        const double* const trial_utility = trial_utility_.data();
        for (int i = 0; i < n; ++i) {
          // The chair drafts for observers, not for a delegation outside the drafting.
          if (response[i] == Response::object || outside[i] != 0) continue;
          disturbance += power[i] * std::max(0.0, utility[i] - trial_utility[i]);
        }
      }
      const bool wins = best < 0 || weight < best_weight - 1e-9 ||
                        (std::abs(weight - best_weight) <= 1e-9 &&
                         (disturbance < best_disturbance - 1e-12 ||
                          (std::abs(disturbance - best_disturbance) <= 1e-12 && better(result, best_standing))));
      if (wins) {
        best = static_cast<int>(c);
        best_standing = result;
        best_weight = weight;
        best_disturbance = disturbance;
      }
    }
    const bool improves = best >= 0;
    // Report what was passed over only when the chair stops: each change tried and why not.
    if (!improves) {
      if (sink_ != nullptr) {
        for (const auto& candidate : candidates_) {
          trial_change(candidate.issue, candidate.value);
          sink_->on_change(state_.round, candidate.kind, candidate.delegation, candidate.issue,
                           state_.draft(candidate.issue), candidate.value, false, new_objectors_,
                           new_objectors_.empty() ? "would not bring the text nearer consensus"
                           : weighing > 0         ? "would leave more weight outside"
                                                  : "would create new objectors");
        }
      }
      break;
    }
    const Candidate chosen = candidates_[static_cast<std::size_t>(best)];
    trial_change(chosen.issue, chosen.value);
    if (sink_ != nullptr) {
      auto number = [](double value) {
        std::string text = std::to_string(std::round(value * 1e4) / 1e4);
        while (!text.empty() && text.back() == '0') text.pop_back();
        if (!text.empty() && text.back() == '.') text.pop_back();
        return text;
      };
      reason_ = "best of " + std::to_string(admissible) + " helpful of " + std::to_string(candidates_.size()) +
                " changes tried: leaves " + std::to_string(best_standing.objectors) + " objector" +
                (best_standing.objectors == 1 ? "" : "s") + " (shortfall " + number(best_standing.objection_shortfall) +
                ") and " + std::to_string(best_standing.asides) + " standing aside, costing the others " +
                number(best_disturbance) + " power-weighted utility";
      if (!new_objectors_.empty()) {
        reason_ += "; leaves outside delegations weighing less (objection weight " + number(current_weight) + " to " +
                   number(best_weight) + ")";
      }
      sink_->on_change(state_.round, chosen.kind, chosen.delegation, chosen.issue, state_.draft(chosen.issue),
                       chosen.value, true, new_objectors_, reason_);
    }
    if (chosen.kind == TraceSink::ChangeKind::amendment) amended_[static_cast<std::size_t>(chosen.delegation)] = 1;
    if (chosen.kind == TraceSink::ChangeKind::repair) {
      made_repairs_.push_back({chosen.delegation, chosen.issue, state_.draft(chosen.issue), chosen.value,
                               state_.settled[static_cast<std::size_t>(chosen.issue)]});
      met_red_lines_.emplace_back(chosen.delegation, chosen.issue);
    }
    accept_trial(chosen.issue, chosen.value);
  }
  withdraw_repairs();
}

void Engine::find_repeated_candidates() {
  // Per paragraph, the distinct candidates so far are chained from the latest; a candidate is a
  // repeat when one of them has the same value, bit for bit (a trial depends on nothing else).
  std::fill(latest_candidate_on_issue_.begin(), latest_candidate_on_issue_.end(), -1);
  for (std::size_t c = 0; c < candidates_.size(); ++c) {
    Candidate& candidate = candidates_[c];
    candidate.same_as = -1;
    candidate.helpful = false;
    int& latest = latest_candidate_on_issue_[static_cast<std::size_t>(candidate.issue)];
    for (int earlier = latest; earlier >= 0;
         earlier = candidates_[static_cast<std::size_t>(earlier)].previous_on_issue) {
      const double value = candidates_[static_cast<std::size_t>(earlier)].value;
      if (value == candidate.value && std::signbit(value) == std::signbit(candidate.value)) {
        candidate.same_as = earlier;
        break;
      }
    }
    if (candidate.same_as >= 0) continue;
    candidate.previous_on_issue = latest;
    latest = static_cast<int>(c);
  }
}

void Engine::withdraw_repairs() {
  // Only a room with a way to carry a text past objectors (a ruling, taking note, a vote) lets a
  // text live without some delegations; there a concession to a delegation that stays outside
  // buys nothing. Under consensus alone a partial concession is how the chair wins a delegation
  // over in later rounds, so it stays.
  const Fallbacks& fallbacks = scenario_.process.fallbacks;
  const bool way_out = fallbacks.can_carry_past_objectors();
  if (!way_out) return;
  for (const MadeRepair& repair : made_repairs_) {
    if (state_.responses[static_cast<std::size_t>(repair.delegation)] != Response::object) continue;  // won over
    if (std::abs(state_.draft(repair.issue) - repair.after) > 1e-12) continue;  // changed again since: that stands
    prepare_trials();
    trial_change(repair.issue, repair.before, true);
    if (!new_objectors_.empty()) continue;  // the repair keeps someone inside
    if (sink_ != nullptr) {
      sink_->on_change(state_.round, TraceSink::ChangeKind::withdrawal, repair.delegation, repair.issue, repair.after,
                       repair.before, true, {},
                       "withdrawn: the delegation it was made for still objects, and without it no one new objects");
    }
    accept_trial(repair.issue, repair.before);
    state_.settled[static_cast<std::size_t>(repair.issue)] = repair.settled_before;
    // The red line is no longer met: take back the latest record of meeting it.
    const auto met =
        std::find(met_red_lines_.rbegin(), met_red_lines_.rend(), std::make_pair(repair.delegation, repair.issue));
    if (met != met_red_lines_.rend()) met_red_lines_.erase(std::next(met).base());
  }
}

void Engine::prepare_trials() {
  // Counted by the poll of state_.draft (or here, once); accept_trial() keeps them up to date.
  if (!crossed_counts_current_) {
    count_red_lines_crossed();
    crossed_counts_current_ = true;
  }
  // A delegation that answers for itself (no fixed answer, no leader or negotiator to copy) and
  // counts (not an observer) objects to a change, whatever the power objecting beside it, once
  // its utility falls below its lowest blocking threshold (sure_objection_floor_): anew when it
  // does not object to state_.draft.
  current_objector_count_ = 0;
  const bool any_fixed = any_fixed_;
  const Response* const response = state_.responses.data();
  const std::uint8_t* const unweighed = unweighed_.data();
  const double* const sure_floor = sure_objection_floor_.data();
  double* const floor = objection_floor_.data();
  int* const objectors = current_objectors_.data();
  for (int i = 0; i < scenario_.delegation_count(); ++i) {
    const bool objecting = response[i] == Response::object;
    const bool fixed = any_fixed && fixed_responses_[static_cast<std::size_t>(i)].has_value();
    floor[i] = objecting || fixed ? -std::numeric_limits<double>::infinity() : sure_floor[i];
    if (objecting && unweighed[i] == 0) objectors[current_objector_count_++] = i;
  }
}

bool Engine::change_certainly_adds_objector(int issue, double value) {
  // A new red line crossed: that holder objects in the first pass of the poll.
  const double from = state_.draft(issue);
  for (int i : red_line_holders_[static_cast<std::size_t>(issue)]) {
    const auto index = static_cast<std::size_t>(i);
    if (state_.responses[index] == Response::object || fixed_responses_[index] || unweighed_[index] != 0) continue;
    const int count = red_lines_crossed_count_[index] + red_lines_crossed_change(i, issue, from, value);
    if (count > 0) return true;
  }
  // The delegation that showed the last change of this paragraph in this direction to be
  // unacceptable is asked first: the same change of loss often sinks it again.
  const int witness = rejection_witness_[2 * static_cast<std::size_t>(issue) + (value > from ? 1 : 0)];
  if (witness >= 0 && trial_utility_of(witness, issue, value) < objection_floor_[static_cast<std::size_t>(witness)]) {
    return true;
  }
  return false;
}

void Engine::trial_change(int issue, double value, bool stop_at_new_objector, const TrialBar* bar) {
  if (polled_ranges_ != nullptr) note_polled(issue, value);  // checkpoints
  new_objectors_.clear();
  trial_outranked_ = false;
  const int n = scenario_.delegation_count();
  if (stop_at_new_objector) {
    // The chair passes over a change that makes anyone object anew; when some delegation is
    // sure to, the poll (which would stop at the first new objector anyway) is not needed.
    if (change_certainly_adds_objector(issue, value)) {
      new_objectors_.push_back(-1);
      return;
    }
    // trial_utility_of() for each, its operands read once (the stores into trial_utility_ would
    // otherwise make the compiler read them again for every delegation).
    const UtilityShape shape = scenario_.process.utility;
    const double from = state_.draft(issue);
    const double* const position = state_.positions.col(issue).data();
    const double* const salience = scenario_.salience.col(issue).data();
    const double* const utility = state_.utility.data();
    const double* const floor = objection_floor_.data();
    double* const trial_utility = trial_utility_.data();
    const bool barred = bar != nullptr && !any_fixed_;
    if (barred) {
      // The current objectors' first: most changes that cannot beat `bar` are told by them.
      for (std::size_t m = 0; m < current_objector_count_; ++m) {
        const int i = current_objectors_[m];
        trial_utility[i] =
            utility[i] + salience[i] * (issue_loss(from, position[i], shape) - issue_loss(value, position[i], shape));
      }
      if (objectors_cannot_beat(issue, value, *bar)) {
        trial_outranked_ = true;
        return;
      }
    }
    for (int i = 0; i < n; ++i) {
      trial_utility[i] =
          utility[i] + salience[i] * (issue_loss(from, position[i], shape) - issue_loss(value, position[i], shape));
      if (trial_utility[i] < floor[i]) {
        rejection_witness_[2 * static_cast<std::size_t>(issue) + (value > from ? 1 : 0)] = i;
        new_objectors_.push_back(-1);
        return;
      }
    }
    if (barred && others_cannot_beat(*bar)) {
      trial_outranked_ = true;
      return;
    }
  } else {
    for (int i = 0; i < n; ++i) trial_utility_(i) = trial_utility_of(i, issue, value);
  }
  trial_draft_ = state_.draft;
  trial_draft_(issue) = value;
  const Trial trial{issue, stop_at_new_objector};
  if (!respond(trial_draft_, trial_utility_, trial_responses_, trial_blocking_, &trial)) {
    new_objectors_.push_back(-1);  // stopped at the first: who the others are is not needed
    return;
  }
  for (std::size_t m = 0; m < maybe_objecting_count_; ++m) {  // every objector of the trial is among them
    const int j = maybe_objecting_[m];
    const auto index = static_cast<std::size_t>(j);
    if (trial_responses_[index] == Response::object && state_.responses[index] != Response::object &&
        unweighed_[index] == 0) {
      new_objectors_.push_back(j);
    }
  }
}

bool Engine::objectors_cannot_beat(int issue, double value, const TrialBar& bar) {
  // A change that leaves a new objector is thrown away, whatever is decided here: the trial is
  // judged as if it left none, its objectors among the current ones and everyone who does not
  // object now among those who do not object. Those current objectors who surely object (a red
  // line crossed, or a utility below sure_objection_floor_: respond() gives them an objection
  // whatever the power objecting) are then among its objectors.
  const double from = state_.draft(issue);
  const IndexLists::Range holders = red_line_holders_[static_cast<std::size_t>(issue)];
  const int* const crossed_count = red_lines_crossed_count_.data();
  const double* const floor = sure_objection_floor_.data();
  const double* const weights = objection_weights_.data();
  const double* const trial_utility = trial_utility_.data();
  std::size_t next_holder = 0;
  std::size_t sure = 0;
  double weight = 0;
  for (std::size_t m = 0; m < current_objector_count_; ++m) {
    const int i = current_objectors_[m];
    while (next_holder < holders.size() && holders[next_holder] < i) ++next_holder;
    int count = crossed_count[i];
    if (next_holder < holders.size() && holders[next_holder] == i) {
      count += red_lines_crossed_change(i, issue, from, value);
    }
    if (count > 0 || trial_utility[i] < floor[i]) {
      weight += weights[i];
      ++sure;
    }
  }
  // revise_draft() sums the objection weight over the objectors and the disturbance over those
  // who do not object, each in index order, of terms >= 0. Sums in index order over fewer terms
  // >= 0 are no larger (rounding is monotone): these are lower bounds, and a trial whose bounds
  // lose to the best change by revise_draft()'s tests loses to it, whatever its poll. The weight
  // cannot win (weight < best - 1e-9), nor tie (|weight - best| <= 1e-9):
  trial_weight_floor_ = weight;
  trial_objectors_known_ = false;
  if (bar.best && weight - bar.weight > 1e-9) return true;
  if (sure == current_objector_count_ && objecting_power_weighed_) {
    // Its objectors are the current ones, and the power objecting (summed over them in index
    // order) the same: so are their blocking thresholds, state_'s. Its standing, summed as
    // standing() sums it, tells whether it is nearer consensus (better(): the same number of
    // objectors, then the shortfall, the stand-asides and their shortfall; the same power).
    const double* const blocking = state_.blocking_threshold.data();
    const double* const low = scenario_.red_line_min.data();
    const double* const high = scenario_.red_line_max.data();
    const Eigen::Index rows = scenario_.red_line_min.rows();
    double shortfall = 0;
    for (std::size_t m = 0; m < current_objector_count_; ++m) {
      const int i = current_objectors_[m];
      shortfall += std::max(0.0, blocking[i] - trial_utility[i]);
      for (int red_line_issue : red_line_issues_[static_cast<std::size_t>(i)]) {
        const double text = red_line_issue == issue ? value : state_.draft(red_line_issue);
        const Eigen::Index cell = i + red_line_issue * rows;
        shortfall += distance_outside(low[cell], high[cell], text);
      }
    }
    const Standing& now = bar.current;
    if (shortfall - now.objection_shortfall > 1e-12) return true;
    trial_objectors_known_ = std::abs(shortfall - now.objection_shortfall) <= 1e-12;
  }
  return false;
}

bool Engine::others_cannot_beat(const TrialBar& bar) const {
  // The second step of objectors_cannot_beat(), with every trial utility.
  const int n = scenario_.delegation_count();
  const double* const trial_utility = trial_utility_.data();
  const Response* const current = state_.responses.data();
  if (trial_objectors_known_ && !any_follower_ && !any_spoken_for_) {
    // The objectors the current ones, and a tie on the shortfall (better() goes on to the
    // stand-asides). Those who do not object support the text or stand aside by their support
    // thresholds (no one copies another's answer).
    const Standing& now = bar.current;
    const std::uint8_t* const unweighed = unweighed_.data();
    const double* const support = state_.support_threshold.data();
    int asides = 0;
    double aside_shortfall = 0;
    for (int i = 0; i < n; ++i) {
      if (unweighed[i] != 0 || current[i] == Response::object || trial_utility[i] >= support[i]) continue;
      ++asides;
      aside_shortfall += std::max(0.0, support[i] - trial_utility[i]);
    }
    if (asides != now.asides) return asides > now.asides;
    if (std::abs(aside_shortfall - now.aside_shortfall) > 1e-12) return aside_shortfall > now.aside_shortfall;
    return true;  // the same power objecting: no nearer consensus
  }
  if (!bar.best || trial_weight_floor_ < bar.weight - 1e-9) return false;
  const std::uint8_t* const outside = outside_drafting_.data();
  const double* const power = scenario_.power.data();
  const double* const utility = state_.utility.data();
  double disturbance = 0;
  for (int i = 0; i < n; ++i) {
    if (current[i] == Response::object || outside[i] != 0) continue;
    disturbance += power[i] * std::max(0.0, utility[i] - trial_utility[i]);
  }
  // A tie on the weight: the disturbance cannot win (< best - 1e-12) nor tie (within 1e-12).
  return disturbance - bar.disturbance > 1e-12;
}

void Engine::accept_trial(int issue, double value) {
  if (crossed_counts_current_) {
    // Only the holders of a red line on this paragraph can cross one more or one fewer.
    const double from = state_.draft(issue);
    for (int i : red_line_holders_[static_cast<std::size_t>(issue)]) {
      red_lines_crossed_count_[static_cast<std::size_t>(i)] += red_lines_crossed_change(i, issue, from, value);
    }
  }
  state_.draft(issue) = value;
  state_.settled[static_cast<std::size_t>(issue)] = 1;
  state_.responses.swap(trial_responses_);
  state_.utility.swap(trial_utility_);
  state_.blocking_threshold.swap(trial_blocking_);
  // The trial poll left the blocking thresholds of those not objecting unset: as respond() sets them.
  for (int i = 0; i < scenario_.delegation_count(); ++i) {
    if (state_.responses[static_cast<std::size_t>(i)] == Response::object) continue;
    state_.blocking_threshold(i) = blocking_threshold_for(i, trial_objecting_);
  }
}

bool Engine::chair_keeps_drafting(std::string& reason) const {
  const int last_round = scenario_.process.max_rounds - 1;
  if (state_.round >= last_round) {
    reason = "last round: the chair gavels";
    return false;
  }
  const double patience_rounds = scenario_.process.chair.patience * last_round;
  if (static_cast<double>(state_.round) + 1e-9 >= patience_rounds) {
    reason = "patience spent: the chair gavels with stand-asides";
    return false;
  }
  reason = "rounds left: the chair keeps working the text for those standing aside";
  return true;
}

bool Engine::says_less_than_wanted(int delegation, int issue) const {
  // The draft lies between the status quo and the delegation's position: the paragraph says less
  // of what it wants, nothing it rejects (docs/MODEL.md section 6a).
  const double value = state_.draft(issue);
  const double position = state_.positions(delegation, issue);
  const double status_quo = scenario_.issues[static_cast<std::size_t>(issue)].status_quo;
  return std::min(status_quo, position) <= value && value <= std::max(status_quo, position);
}

double Engine::omission_loss(int delegation, double* asserted) const {
  double omitted = 0;
  double said = 0;
  for (int issue = 0; issue < scenario_.issue_count(); ++issue) {
    const double loss = scenario_.salience(delegation, issue) *
                        issue_loss(state_.draft(issue), state_.positions(delegation, issue), scenario_.process.utility);
    (says_less_than_wanted(delegation, issue) ? omitted : said) += loss;
  }
  if (asserted != nullptr) *asserted = said;
  return omitted;
}

double Engine::dissociation_bar(int delegation) const {
  const double threshold = state_.support_threshold(delegation);
  if (scenario_.process.dissociation_bar == DissociationBar::round) return threshold;
  // The gavel ends the talks: the least it would have accepted by the deadline. Only a concession
  // curve (a concession agent's, or a bloc follower's own) says what that is.
  const AgentParameters& agent = scenario_.delegations[static_cast<std::size_t>(delegation)].agent;
  if (!agent.policy.empty() || (agent.model != AgentModel::concession && agent.model != AgentModel::bloc_follower)) {
    return threshold;
  }
  return std::min(threshold, agent.support_min);
}

void Engine::settle_dissociations() {
  const int n = scenario_.delegation_count();
  const double cost = scenario_.process.dissociation_cost;
  for (int i = 0; i < n; ++i) {
    const auto index = static_cast<std::size_t>(i);
    aside_at_gavel_[index] = state_.responses[index] == Response::aside && observers_[index] == 0 ? 1 : 0;
  }
  for (int i = 0; i < n; ++i) {
    const auto index = static_cast<std::size_t>(i);
    if (state_.responses[index] != Response::aside || fixed_responses_[index] || follows_[index] >= 0 ||
        spoken_for_[index] >= 0 || observers_[index] != 0) {
      continue;
    }
    bool joins = false;
    double forgiven = 0;
    const double bar = dissociation_bar(i);
    if (scenario_.process.dissociation_from == DissociationBasis::assertions) {
      // Nothing in the text that it rejects: nothing to dissociate from.
      double asserted = 0;
      forgiven = omission_loss(i, &asserted);
      joins = asserted <= 0 || state_.utility(i) + forgiven >= bar - cost;
    } else {
      joins = state_.utility(i) >= bar - cost;
    }
    if (joins) state_.responses[index] = Response::support;
    if (sink_ != nullptr) sink_->on_dissociation(state_.round, i, joins, state_.utility(i), bar, forgiven);
  }
  // Followers do as their leader did, members as their negotiator did.
  for (int i = 0; i < n; ++i) {
    const auto index = static_cast<std::size_t>(i);
    const int leader = std::max(follows_[index], spoken_for_[index]);
    if (leader < 0 || state_.responses[index] != Response::aside || fixed_responses_[index]) continue;
    if (state_.responses[static_cast<std::size_t>(leader)] == Response::support) {
      state_.responses[index] = Response::support;
    }
  }
  find_grievances(state_.draft, state_.responses, state_.utility, state_.blocking_threshold, grievances_);
  if (scenario_.process.dissociation_from != DissociationBasis::assertions) return;
  // A dissociator names only what the text says that it rejects.
  for (int i = 0; i < n; ++i) {
    const auto index = static_cast<std::size_t>(i);
    if (state_.responses[index] != Response::aside) continue;
    auto& list = grievances_[index];
    list.erase(std::remove_if(list.begin(), list.end(), [&](int issue) { return says_less_than_wanted(i, issue); }),
               list.end());
  }
}

ObjectionRecord Engine::make_record(int delegation, const std::vector<std::vector<int>>& grievances) const {
  ObjectionRecord record;
  record.delegation = delegation;
  record.issues = grievances[static_cast<std::size_t>(delegation)];
  // Counted first: the list is allocated once, at its size (most records have none).
  const int k_count = scenario_.issue_count();
  std::size_t crossed = 0;
  for (int issue = 0; issue < k_count; ++issue) {
    crossed += crosses_red_line(scenario_, delegation, issue, state_.draft(issue)) ? 1 : 0;
  }
  if (crossed == 0) return record;
  record.red_lines_crossed.reserve(crossed);
  for (int issue = 0; issue < k_count; ++issue) {
    if (crosses_red_line(scenario_, delegation, issue, state_.draft(issue))) record.red_lines_crossed.push_back(issue);
  }
  return record;
}

void Engine::interrupt() {
  if (outcome_) return;
  // step() has already advanced the round counter: state_.round rounds were played. The outcome
  // is the last tabled text and the answers given to it (the room's pages and draft.md showed one
  // text, the summary another, with answers no one gave, before); the grievances are found again
  // for that text.
  interrupted_ = true;
  if (last_tabled_.kept) {
    state_.draft = last_tabled_.draft;
    state_.utility = last_tabled_.utility;
    state_.blocking_threshold = last_tabled_.blocking_threshold;
    state_.responses = last_tabled_.responses;
    mark_red_lines();
  }
  find_grievances(state_.draft, state_.responses, state_.utility, state_.blocking_threshold, grievances_);
  finish(OutcomeKind::no_consensus, -1, {}, std::nullopt);
}

void Engine::check_finite() const {
  if (all_finite(state_.utility) && all_finite(state_.support_threshold) && all_finite(state_.blocking_threshold) &&
      all_finite(state_.draft) && all_finite(state_.positions)) {
    return;
  }
  throw RunError("round " + std::to_string(state_.round + 1) +
                 ": a utility, threshold, position or draft value is not a finite number; this is a bug in "
                 "negsim, please report it with the scenario");
}

void Engine::finish(OutcomeKind kind, int decided_round, const std::vector<int>& moved_issues,
                    std::optional<VoteTally> vote) {
  check_finite();
  Outcome outcome;
  outcome.kind = kind;
  outcome.rounds = interrupted_ ? state_.round : state_.round + 1;
  outcome.interrupted = interrupted_;
  outcome.decided_round = decided_round;
  outcome.draft = state_.draft;
  outcome.responses = state_.responses;
  outcome.moved_to_chairs_summary = moved_issues;
  outcome.overruled = overruled_;
  outcome.vote = std::move(vote);
  const int n = scenario_.delegation_count();
  std::vector<std::uint8_t> contested(static_cast<std::size_t>(scenario_.issue_count()), 0);
  {
    // Each list is allocated once, at its final size.
    std::size_t objectors = 0;
    std::size_t asides = 0;
    for (const Response response : state_.responses) {
      objectors += response == Response::object ? 1 : 0;
      asides += response == Response::aside ? 1 : 0;
    }
    outcome.objectors.reserve(objectors);
    outcome.dissociators.reserve(asides);
  }
  for (int i = 0; i < n; ++i) {
    const Response response = state_.responses[static_cast<std::size_t>(i)];
    if (response == Response::object) {
      outcome.objectors.push_back(make_record(i, grievances_));
      for (int issue : grievances_[static_cast<std::size_t>(i)]) contested[static_cast<std::size_t>(issue)] = 1;
    } else if (response == Response::aside && observers_[static_cast<std::size_t>(i)] == 0) {
      // An observer takes no part in the decision: it has nothing to dissociate from.
      outcome.dissociators.push_back(make_record(i, grievances_));
    }
  }
  for (int issue : moved_issues) contested[static_cast<std::size_t>(issue)] = 1;
  if (is_adopted(kind)) {
    for (int i = 0; i < n; ++i) {
      const auto index = static_cast<std::size_t>(i);
      if (aside_at_gavel_[index] != 0 && state_.responses[index] == Response::support) {
        outcome.joined_at_gavel.push_back(i);
      }
    }
    // Who joined the adopted text over a red line it holds a reservation on.
    for (int i = 0; i < n; ++i) {
      if (state_.responses[static_cast<std::size_t>(i)] != Response::support) continue;
      ObjectionRecord record;
      record.delegation = i;
      for (int issue : scenario_.delegations[static_cast<std::size_t>(i)].reservations) {
        if (crosses_red_line(scenario_, i, issue, state_.draft(issue))) {
          record.issues.push_back(issue);
          record.red_lines_crossed.push_back(issue);
        }
      }
      if (record.issues.empty()) continue;
      if (sink_ != nullptr) sink_->on_reservation(decided_round, i, record.issues);
      outcome.reservations.push_back(std::move(record));
    }
  }
  outcome.contested_issues.reserve(static_cast<std::size_t>(std::count(contested.begin(), contested.end(), 1)));
  for (int issue = 0; issue < scenario_.issue_count(); ++issue) {
    if (contested[static_cast<std::size_t>(issue)] != 0) outcome.contested_issues.push_back(issue);
  }
  if (decided_round < 0) {
    // Pivotal: an objector who alone, by joining the text, would let it pass.
    std::vector<Response> without = state_.responses;
    for (const auto& record : outcome.objectors) {
      if (observers_[static_cast<std::size_t>(record.delegation)] != 0) continue;
      without[static_cast<std::size_t>(record.delegation)] = Response::support;
      if (rule_met(scenario_.process.rule, without, &observers_)) outcome.pivotal.push_back(record.delegation);
      without[static_cast<std::size_t>(record.delegation)] = Response::object;
    }
  }
  outcome_ = std::move(outcome);
  if (sink_ != nullptr) sink_->on_end(state_, *outcome_);
}

void Engine::apply_fallbacks() {
  const Fallbacks& fallbacks = scenario_.process.fallbacks;
  if (fallbacks.chairs_summary) {
    std::vector<int> contested;
    for (int i = 0; i < scenario_.delegation_count(); ++i) {
      if (state_.responses[static_cast<std::size_t>(i)] != Response::object) continue;
      for (int issue : grievances_[static_cast<std::size_t>(i)]) {
        if (std::find(contested.begin(), contested.end(), issue) == contested.end()) contested.push_back(issue);
      }
    }
    std::sort(contested.begin(), contested.end());
    if (!contested.empty()) {
      trial_draft_ = state_.draft;
      for (int issue : contested) trial_draft_(issue) = scenario_.issues[static_cast<std::size_t>(issue)].status_quo;
      poll(trial_draft_, trial_responses_, trial_utility_, trial_blocking_);
      const bool adopted = rule_met(scenario_.process.rule, trial_responses_, &observers_);
      if (sink_ != nullptr) sink_->on_chairs_summary(contested, trial_responses_, adopted);
      if (adopted) {
        state_.draft = trial_draft_;
        crossed_counts_current_ = false;
        state_.responses.swap(trial_responses_);
        state_.utility.swap(trial_utility_);
        state_.blocking_threshold.swap(trial_blocking_);
        settle_dissociations();
        finish(OutcomeKind::chairs_summary, state_.round, contested, std::nullopt);
        return;
      }
    }
  }
  if (fallbacks.ruling) {
    // The presidency rules that consensus is not unanimity: a few objectors holding little power
    // do not stop the text (COP16, Cancun 2010).
    std::vector<int> objectors;
    double share = 0;
    const bool applies = ruling_applies(state_.responses, &objectors, &share);
    if (sink_ != nullptr) sink_->on_ruling(state_.round, objectors, share, applies);
    if (applies) {
      settle_dissociations();
      overruled_ = objectors;
      finish(adopted_kind(state_.responses, observers_), state_.round, {}, std::nullopt);
      return;
    }
  }
  if (fallbacks.take_note) {
    std::vector<int> objectors;
    for (int i = 0; i < scenario_.delegation_count(); ++i) {
      if (state_.responses[static_cast<std::size_t>(i)] == Response::object) objectors.push_back(i);
    }
    if (sink_ != nullptr) sink_->on_taken_note(state_.round, objectors);
    finish(OutcomeKind::taken_note, -1, {}, std::nullopt);
    return;
  }
  if (fallbacks.vote_threshold) {
    // In a vote the members of a negotiating bloc cast their own ballots.
    const bool spoken_for = std::any_of(spoken_for_.begin(), spoken_for_.end(), [](int j) { return j >= 0; });
    if (spoken_for) {
      own_voice_ = true;
      poll(state_.draft, trial_responses_, trial_utility_, trial_blocking_);
      own_voice_ = false;
    }
    const VoteTally tally = count_votes(spoken_for ? trial_responses_ : state_.responses, true);
    if (sink_ != nullptr) sink_->on_vote(tally);
    if (tally.adopted) {
      finish(OutcomeKind::vote, state_.round, {}, tally);
      return;
    }
    finish(OutcomeKind::no_consensus, -1, {}, tally);
    return;
  }
  finish(OutcomeKind::no_consensus, -1, {}, std::nullopt);
}

// ---- Checkpoints (explain, issue 16; declared in a block of negsim/engine.hpp) ----

Engine::Checkpoint Engine::checkpoint() const {
  Checkpoint saved;
  saved.state = state_;
  saved.previous_draft = previous_draft_;
  saved.grievances = grievances_;
  saved.rejection_witness.assign(rejection_witness_.begin(), rejection_witness_.end());
  saved.fixed_responses.assign(fixed_responses_.begin(), fixed_responses_.end());
  saved.asked_policy.assign(asked_policy_.begin(), asked_policy_.end());
  saved.record = record_;
  saved.polled = polled_;
  saved.others_mean_concession = others_mean_concession_;
  saved.met_red_lines.assign(met_red_lines_.begin(), met_red_lines_.end());
  return saved;
}

void Engine::resume(const Checkpoint& checkpoint) {
  if (outcome_ || checkpoint.state.positions.rows() != state_.positions.rows() ||
      checkpoint.state.positions.cols() != state_.positions.cols()) {
    throw RunError("an engine resumed from a checkpoint of another shape, or after its run ended");
  }
  state_ = checkpoint.state;
  previous_draft_ = checkpoint.previous_draft;
  grievances_ = checkpoint.grievances;
  rejection_witness_.assign(checkpoint.rejection_witness.begin(), checkpoint.rejection_witness.end());
  fixed_responses_.assign(checkpoint.fixed_responses.begin(), checkpoint.fixed_responses.end());
  asked_policy_.assign(checkpoint.asked_policy.begin(), checkpoint.asked_policy.end());
  record_ = checkpoint.record;
  polled_ = checkpoint.polled;
  others_mean_concession_ = checkpoint.others_mean_concession;
  met_red_lines_.assign(checkpoint.met_red_lines.begin(), checkpoint.met_red_lines.end());
  crossed_counts_current_ = false;
}

void Engine::note_polled(int issue, double value) {
  const auto k = static_cast<std::size_t>(scenario_.issue_count());
  const std::size_t end = (static_cast<std::size_t>(state_.round) + 1) * k;
  auto& ranges = *polled_ranges_;
  if (ranges.low.size() < end) {
    ranges.low.resize(end, std::numeric_limits<double>::infinity());
    ranges.high.resize(end, -std::numeric_limits<double>::infinity());
  }
  const std::size_t cell = static_cast<std::size_t>(state_.round) * k + static_cast<std::size_t>(issue);
  ranges.low[cell] = std::min(ranges.low[cell], value);
  ranges.high[cell] = std::max(ranges.high[cell], value);
}

// ---- end of checkpoints ----

Outcome simulate(const Scenario& scenario, std::uint64_t seed) {
  Engine engine(scenario, seed);
  engine.run();
  return std::move(*engine.outcome_);  // the engine ends here: its outcome is moved, not copied
}

}  // namespace negsim
