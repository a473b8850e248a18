#include "negsim/scenario.hpp"

#include <cmath>
#include <initializer_list>

#include "negsim/format.hpp"

namespace negsim {

std::string to_string(AgentModel model) {
  switch (model) {
    case AgentModel::sincere: return "sincere";
    case AgentModel::concession: return "concession";
    case AgentModel::reciprocal: return "reciprocal";
    case AgentModel::bloc_follower: return "bloc_follower";
    case AgentModel::spoiler: return "spoiler";
  }
  return "unknown";
}

std::string to_string(ChairStrategy strategy) {
  switch (strategy) {
    case ChairStrategy::compromise: return "compromise";
    case ChairStrategy::nash: return "nash";
    case ChairStrategy::maximin: return "maximin";
  }
  return "unknown";
}

std::string to_string(UtilityShape shape) {
  return shape == UtilityShape::linear ? "linear" : "quadratic";
}

std::string to_string(DissociationBasis basis) {
  return basis == DissociationBasis::shortfall ? "shortfall" : "assertions";
}

std::string to_string(DissociationBar bar) {
  return bar == DissociationBar::round ? "round" : "deadline";
}

std::string to_string(Drafting drafting) {
  return drafting == Drafting::values ? "values" : "levels";
}

namespace {

// The model choice among `choices` whose word (to_string) is `name`, or nothing.
template <typename Choice>
std::optional<Choice> choice_named(const std::string& name, std::initializer_list<Choice> choices) {
  for (const Choice choice : choices) {
    if (name == to_string(choice)) return choice;
  }
  return std::nullopt;
}

}  // namespace

std::optional<DissociationBasis> dissociation_basis_named(const std::string& name) {
  return choice_named(name, {DissociationBasis::shortfall, DissociationBasis::assertions});
}

std::optional<DissociationBar> dissociation_bar_named(const std::string& name) {
  return choice_named(name, {DissociationBar::round, DissociationBar::deadline});
}

std::optional<Drafting> drafting_named(const std::string& name) {
  return choice_named(name, {Drafting::values, Drafting::levels});
}

std::string to_string(OutcomeKind outcome) {
  switch (outcome) {
    case OutcomeKind::consensus: return "consensus";
    case OutcomeKind::consensus_with_dissociations: return "consensus_with_dissociations";
    case OutcomeKind::adopted_over_objections: return "adopted_over_objections";
    case OutcomeKind::chairs_summary: return "chairs_summary";
    case OutcomeKind::vote: return "vote";
    case OutcomeKind::taken_note: return "taken_note";
    case OutcomeKind::no_consensus: return "no_consensus";
  }
  return "unknown";
}

std::string to_string(Provenance::Written written) {
  switch (written) {
    case Provenance::Written::before_first_run: return "before_first_run";
    case Provenance::Written::knowing_the_results: return "knowing_the_results";
    case Provenance::Written::unclear: return "unclear";
  }
  return "unknown";
}

std::optional<OutcomeKind> outcome_from_string(const std::string& text) {
  for (OutcomeKind kind : all_outcome_kinds) {
    if (to_string(kind) == text) return kind;
  }
  return std::nullopt;
}

std::string Rule::name() const {
  switch (kind) {
    case RuleKind::unanimity: return "unanimity";
    case RuleKind::consensus: return "consensus";
    case RuleKind::consensus_minus: return "consensus-minus-" + std::to_string(max_objectors);
  }
  return "unknown";
}

const TextLevel& Issue::nearest_level(double value) const {
  const TextLevel* best = &levels.front();
  for (const auto& level : levels) {
    if (std::abs(level.value - value) < std::abs(best->value - value)) best = &level;
  }
  return *best;
}

double Issue::in_words(double value, double low, double high) const {
  const double slack = 1e-12;
  const TextLevel* best = nullptr;
  for (const auto& level : levels) {
    if (level.value < low - slack || level.value > high + slack) continue;
    // Levels increase, so a later one replaces the best only when nearer by more than rounding:
    // ties (0.45 between 0.3 and 0.6) go to the lower level.
    if (best == nullptr || std::abs(level.value - value) < std::abs(best->value - value) - 1e-12) best = &level;
  }
  return best == nullptr ? value : best->value;
}

double Issue::amendment_in_words(double from, double to, double position) const {
  const double written = in_words(to);
  if (std::abs(written - from) > 1e-12) return written;
  // The smallest change of wording toward the position, if it brings the text nearer to it.
  const TextLevel* next = nullptr;
  for (const auto& level : levels) {
    const bool beyond = position > from ? level.value > from + 1e-12 : level.value < from - 1e-12;
    if (beyond && (next == nullptr || std::abs(level.value - from) < std::abs(next->value - from))) next = &level;
  }
  if (next != nullptr && std::abs(next->value - position) < std::abs(from - position)) return next->value;
  return from;
}

const TextLevel* Issue::reached_level(double value) const {
  const TextLevel* reached = nullptr;
  for (const auto& level : levels) {
    if (level.value <= value + 1e-6) reached = &level;  // the trace keeps six decimals
  }
  return reached;
}

namespace {

// The level a value between levels is printed apart from: the nearer of the level reached and
// the next one above (ties go to the level reached).
const TextLevel& level_to_print_apart_from(const Issue& issue, const TextLevel* reached, double value) {
  const TextLevel* next = nullptr;  // the first level above the value (levels increase)
  for (const auto& level : issue.levels) {
    if (level.value > value + 1e-6) {
      next = &level;
      break;
    }
  }
  const bool next_nearer = next != nullptr && (reached == nullptr || next->value - value < value - reached->value);
  return next_nearer ? *next : *reached;
}

bool at_level(const TextLevel* reached, double value) {
  return reached != nullptr && std::abs(reached->value - value) <= 1e-6;
}

}  // namespace

std::string Issue::value_text(double value) const {
  const TextLevel* reached = reached_level(value);
  if (levels.empty() || at_level(reached, value)) return format_decimal(value, 2);
  // The value is printed apart from the level nearest to it, so 0.4951 below a level at 0.50
  // reads 0.495, not 0.50.
  return format_apart(value, level_to_print_apart_from(*this, reached, value).value);
}

namespace {

// A level's text in quotation marks; quotation marks inside it (a level that quotes the adopted
// decision) become single ones, so that the reader never meets ""We agree ...".
std::string in_quotes(const std::string& text) {
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? '\'' : c;
  return quoted + "\"";
}

}  // namespace

std::string Issue::text_at(double value) const {
  const TextLevel* reached = reached_level(value);
  if (at_level(reached, value)) return reached->text;
  const std::string draft = "draft at " + value_text(value);
  if (reached == nullptr) {
    const TextLevel& first = levels.front();
    return "Short of " + in_quotes(first.text) + " (" + format_decimal(first.value, 2) + "; " + draft + ")";
  }
  return in_quotes(reached->text) + " (reached " + format_decimal(reached->value, 2) + "; " + draft + ")";
}

int Scenario::find_delegation(const std::string& wanted_id) const {
  for (std::size_t i = 0; i < delegations.size(); ++i) {
    if (delegations[i].id == wanted_id) return static_cast<int>(i);
  }
  return -1;
}

int Scenario::find_issue(const std::string& wanted_id) const {
  for (std::size_t k = 0; k < issues.size(); ++k) {
    if (issues[k].id == wanted_id) return static_cast<int>(k);
  }
  return -1;
}

void Scenario::normalize_salience() {
  salience = raw_salience;
  for (Eigen::Index i = 0; i < salience.rows(); ++i) {
    const double total = salience.row(i).sum();
    if (total > 0) salience.row(i) /= total;
  }
}

}  // namespace negsim

#include <algorithm>

#include "negsim/random.hpp"

namespace negsim {

namespace {

// Restores every number an uncertainty may touch, field by field (no allocation).
void restore_uncertain_fields(const Scenario& base, Scenario& target) {
  target.positions = base.positions;
  target.raw_salience = base.raw_salience;
  target.power = base.power;
  target.red_line_min = base.red_line_min;
  target.red_line_max = base.red_line_max;
  target.process = base.process;
  for (std::size_t b = 0; b < base.blocs.size(); ++b) {
    target.blocs[b].cohesion = base.blocs[b].cohesion;
    target.blocs[b].leader_weight = base.blocs[b].leader_weight;
  }
  for (std::size_t i = 0; i < base.delegations.size(); ++i) {
    const Delegation& from = base.delegations[i];
    Delegation& to = target.delegations[i];
    to.agent = from.agent;
    to.outside_option = from.outside_option;
    to.susceptibility = from.susceptibility;
    for (std::size_t t = 0; t < from.ties.size(); ++t) to.ties[t] = from.ties[t];
    for (std::size_t r = 0; r < from.red_lines.size(); ++r) to.red_lines[r] = from.red_lines[r];
  }
}

// Values set independently may break what the validator guaranteed for plain values: restored.
void restore_invariants(const Scenario& base, Scenario& target) {
  for (int i = 0; i < target.delegation_count(); ++i) {
    auto& delegation = target.delegations[static_cast<std::size_t>(i)];
    delegation.agent.support_min = std::min(delegation.agent.support_min, delegation.agent.support_max);
    for (auto& red_line : delegation.red_lines) {
      const int k = red_line.issue;
      target.red_line_max(i, k) = std::max(target.red_line_max(i, k), target.red_line_min(i, k));
      target.positions(i, k) = std::clamp(target.positions(i, k), target.red_line_min(i, k), target.red_line_max(i, k));
      red_line.min = target.red_line_min(i, k);
      red_line.max = target.red_line_max(i, k);
    }
    if (target.raw_salience.row(i).sum() <= 0) target.raw_salience.row(i) = base.raw_salience.row(i);
  }
  target.normalize_salience();
}

}  // namespace

void resample_scenario(const Scenario& base, Scenario& target, std::uint64_t seed) {
  restore_uncertain_fields(base, target);
  for (const auto& uncertainty : base.uncertainties) {
    Random random(mix64(seed) ^ hash_text(uncertainty.stream_key));
    double value = uncertainty.distribution == Uncertainty::Distribution::uniform
                       ? uncertainty.first + (uncertainty.second - uncertainty.first) * random.uniform()
                       : uncertainty.first + uncertainty.second * random.normal();
    value = std::clamp(value, uncertainty.clip_low, uncertainty.clip_high);
    uncertainty.apply(target, value);
  }
  restore_invariants(base, target);
}

void set_uncertain_values(const Scenario& base, Scenario& target, const std::vector<double>& values) {
  restore_uncertain_fields(base, target);
  for (std::size_t u = 0; u < base.uncertainties.size() && u < values.size(); ++u) {
    const Uncertainty& uncertainty = base.uncertainties[u];
    uncertainty.apply(target, std::clamp(values[u], uncertainty.clip_low, uncertainty.clip_high));
  }
  restore_invariants(base, target);
}

Scenario sample_scenario(const Scenario& scenario, std::uint64_t seed) {
  Scenario sampled = scenario;
  resample_scenario(scenario, sampled, seed);
  return sampled;
}

}  // namespace negsim
