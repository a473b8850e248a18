#include "negsim/model.hpp"

#include <algorithm>
#include <cmath>

namespace negsim {

std::string to_string(Response response) {
  switch (response) {
    case Response::support: return "support";
    case Response::aside: return "aside";
    case Response::object: return "object";
  }
  return "unknown";
}

void compute_utilities(const Eigen::MatrixXd& positions, const Eigen::MatrixXd& salience, const Eigen::VectorXd& draft,
                       UtilityShape shape, Eigen::VectorXd& utilities) {
  const Eigen::Index n = positions.rows();
  const Eigen::Index k = positions.cols();
  // Column by column: the matrices are column-major. `utilities` first holds the loss.
  utilities.setZero();
  for (Eigen::Index j = 0; j < k; ++j) {
    const double value = draft(j);
    for (Eigen::Index i = 0; i < n; ++i) utilities(i) += salience(i, j) * issue_loss(value, positions(i, j), shape);
  }
  for (Eigen::Index i = 0; i < n; ++i) utilities(i) = 1.0 - utilities(i);
}

double concession_threshold(const AgentParameters& agent, int round, int max_rounds) {
  const double horizon = std::max(1, max_rounds - 1);
  const double time = std::clamp(static_cast<double>(round) / horizon, 0.0, 1.0);
  return agent.support_max - (agent.support_max - agent.support_min) * std::pow(time, 1.0 / agent.beta);
}

Eigen::MatrixXd influence_matrix(const Scenario& scenario) {
  const int n = scenario.delegation_count();
  Eigen::MatrixXd influence = Eigen::MatrixXd::Zero(n, n);
  for (int i = 0; i < n; ++i) {
    const Delegation& delegation = scenario.delegations[static_cast<std::size_t>(i)];
    influence(i, i) = 1.0;
    if (delegation.bloc >= 0) {
      const Bloc& bloc = scenario.blocs[static_cast<std::size_t>(delegation.bloc)];
      std::vector<int> others;
      for (int member : bloc.members) {
        if (member != i) others.push_back(member);
      }
      if (!others.empty()) {
        const double cohesion = bloc.cohesion;
        influence(i, i) = 1.0 - cohesion;
        const bool led_by_other = bloc.leader >= 0 && bloc.leader != i;
        if (led_by_other && others.size() > 1) {
          influence(i, bloc.leader) += cohesion * bloc.leader_weight;
          const double each = cohesion * (1.0 - bloc.leader_weight) / static_cast<double>(others.size() - 1);
          for (int member : others) {
            if (member != bloc.leader) influence(i, member) += each;
          }
        } else {
          for (int member : others) influence(i, member) += cohesion / static_cast<double>(others.size());
        }
      }
    }
    for (const auto& [other, weight] : delegation.ties) influence(i, other) += weight;
    influence.row(i) /= influence.row(i).sum();
  }
  return influence;
}

InfluenceOperator::InfluenceOperator(const Scenario& scenario) {
  const int n = scenario.delegation_count();
  rows_.resize(static_cast<std::size_t>(n));
  for (const auto& bloc : scenario.blocs) bloc_members_.push_back(bloc.members);
  bloc_sums_.resize(static_cast<Eigen::Index>(scenario.blocs.size()), scenario.issue_count());
  // The same weights as influence_matrix(), kept per row.
  for (int i = 0; i < n; ++i) {
    const Delegation& delegation = scenario.delegations[static_cast<std::size_t>(i)];
    Row& row = rows_[static_cast<std::size_t>(i)];
    if (delegation.bloc >= 0) {
      const Bloc& bloc = scenario.blocs[static_cast<std::size_t>(delegation.bloc)];
      const std::size_t others = bloc.members.size() - 1;
      if (others > 0) {
        row.self = 1.0 - bloc.cohesion;
        row.bloc = delegation.bloc;
        if (bloc.leader >= 0 && bloc.leader != i && others > 1) {
          row.leader = bloc.leader;
          row.leader_weight = bloc.cohesion * bloc.leader_weight;
          row.member_weight = bloc.cohesion * (1.0 - bloc.leader_weight) / static_cast<double>(others - 1);
        } else {
          row.member_weight = bloc.cohesion / static_cast<double>(others);
        }
      }
    }
    row.ties = delegation.ties;
    for (const auto& tie : delegation.ties) row.normaliser += tie.second;
  }
}

void InfluenceOperator::apply(const Eigen::MatrixXd& positions, Eigen::MatrixXd& result) const {
  // Column by column (the matrices are column-major): each entry takes the same operations, in
  // the same order, as the row-wise formula W positions, so the results are bit for bit those.
  const Eigen::Index k = positions.cols();
  for (Eigen::Index j = 0; j < k; ++j) {
    const double* column = positions.col(j).data();
    double* out = result.col(j).data();
    for (std::size_t b = 0; b < bloc_members_.size(); ++b) {
      double sum = 0;
      for (int member : bloc_members_[b]) sum += column[member];
      bloc_sums_(static_cast<Eigen::Index>(b), j) = sum;
    }
    for (std::size_t index = 0; index < rows_.size(); ++index) {
      const Row& row = rows_[index];
      const double own = column[index];
      double value = row.self * own;
      if (row.bloc >= 0) {
        // Sum over the other members (and without the leader when it has its own weight).
        const double others = bloc_sums_(row.bloc, j) - own;
        if (row.leader >= 0) {
          const double leader = column[row.leader];
          value += row.leader_weight * leader + row.member_weight * (others - leader);
        } else {
          value += row.member_weight * others;
        }
      }
      for (const auto& [other, weight] : row.ties) value += weight * column[other];
      if (row.normaliser != 1.0) value /= row.normaliser;
      out[index] = value;
    }
  }
}

void influence_step(const InfluenceOperator& influence, const Eigen::VectorXd& susceptibility,
                    const Eigen::MatrixXd& initial, const Eigen::MatrixXd& current, const Eigen::MatrixXd& red_line_min,
                    const Eigen::MatrixXd& red_line_max, Eigen::MatrixXd& next) {
  influence.apply(current, next);
  const Eigen::Index n = next.rows();
  for (Eigen::Index j = 0; j < next.cols(); ++j) {
    double* out = next.col(j).data();
    const double* start = initial.col(j).data();
    for (Eigen::Index i = 0; i < n; ++i) {
      const double lambda = susceptibility(i);
      out[i] = lambda * out[i] + (1.0 - lambda) * start[i];
    }
  }
  next = next.cwiseMax(red_line_min).cwiseMin(red_line_max);
}

bool rule_met(const Rule& rule, const std::vector<Response>& responses, const std::vector<std::uint8_t>* observers) {
  int objections = 0;
  bool all_support = true;
  for (std::size_t i = 0; i < responses.size(); ++i) {
    if (observers != nullptr && (*observers)[i] != 0) continue;
    if (responses[i] == Response::object) ++objections;
    if (responses[i] != Response::support) all_support = false;
  }
  switch (rule.kind) {
    case RuleKind::unanimity: return all_support;
    case RuleKind::consensus: return objections == 0;
    case RuleKind::consensus_minus: return objections <= rule.max_objectors;
  }
  return false;
}

namespace {
bool is_settled(const std::vector<std::uint8_t>* settled, int issue) {
  return settled != nullptr && (*settled)[static_cast<std::size_t>(issue)] != 0;
}

// Whether the chair drafts from delegation i (process.chair.drafting_group; empty: everyone).
bool drafts_from(const Scenario& scenario, Eigen::Index i) {
  const auto& group = scenario.process.chair.drafting_group;
  return group.empty() || std::binary_search(group.begin(), group.end(), static_cast<int>(i));
}
}  // namespace

void draft_compromise(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                      const std::vector<std::uint8_t>* settled) {
  for (int k = 0; k < scenario.issue_count(); ++k) {
    if (is_settled(settled, k)) continue;
    double weighted = 0;
    double total = 0;
    for (int i = 0; i < scenario.delegation_count(); ++i) {
      if (!drafts_from(scenario, i)) continue;
      const double weight = scenario.power(i) * scenario.salience(i, k);
      weighted += weight * positions(i, k);
      total += weight;
    }
    draft(k) = total > 0 ? weighted / total : scenario.issues[static_cast<std::size_t>(k)].status_quo;
  }
}

namespace {

// Golden-section search for the maximum of a unimodal function on [low, high].
template <typename Function>
double golden_section_maximum(Function&& objective, double low, double high) {
  constexpr double ratio = 0.6180339887498949;
  double a = low;
  double b = high;
  double c = b - ratio * (b - a);
  double d = a + ratio * (b - a);
  double fc = objective(c);
  double fd = objective(d);
  for (int iteration = 0; iteration < 40; ++iteration) {  // bracket shrinks to 0.618^40 ~ 4e-9
    if (fc >= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = objective(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = objective(d);
    }
  }
  return (a + b) / 2;
}

// Maximises a concave objective of per-delegation utilities by cyclic coordinate ascent:
// `objective(partial_utilities, salience_column, positions_column, value)` scores issue k at `value`
// given every other issue fixed. Keeps a coordinate move only when it improves the score.
template <typename Objective>
void coordinate_ascent(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                       const std::vector<std::uint8_t>* settled, Objective&& objective, int sweeps) {
  const int n = scenario.delegation_count();
  const UtilityShape shape = scenario.process.utility;
  // Work buffers kept per thread so that drafting round after round does not allocate.
  thread_local Eigen::VectorXd utilities;
  thread_local Eigen::VectorXd partial;
  utilities.resize(n);
  partial.resize(n);
  compute_utilities(positions, scenario.salience, draft, shape, utilities);
  for (int sweep = 0; sweep < sweeps; ++sweep) {
    double largest_move = 0;
    for (int k = 0; k < scenario.issue_count(); ++k) {
      if (is_settled(settled, k)) continue;
      // Utilities with issue k's loss taken out: each trial value then costs O(n).
      for (int i = 0; i < n; ++i) {
        partial(i) = utilities(i) + scenario.salience(i, k) * issue_loss(draft(k), positions(i, k), shape);
      }
      auto score = [&](double value) { return objective(partial, scenario.salience.col(k), positions.col(k), value); };
      const double candidate = golden_section_maximum(score, 0.0, 1.0);
      if (score(candidate) > score(draft(k))) {
        largest_move = std::max(largest_move, std::abs(candidate - draft(k)));
        draft(k) = candidate;
      }
      for (int i = 0; i < n; ++i) {
        utilities(i) = partial(i) - scenario.salience(i, k) * issue_loss(draft(k), positions(i, k), shape);
      }
    }
    if (largest_move < 1e-9) break;
  }
}

// log(s) for s >= epsilon, continued linearly below so the objective stays finite and concave
// when a draft leaves some delegation below its outside option.
double extended_log(double surplus) {
  constexpr double epsilon = 1e-3;
  return surplus >= epsilon ? std::log(surplus) : std::log(epsilon) + (surplus - epsilon) / epsilon;
}

}  // namespace

void draft_nash(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                const std::vector<std::uint8_t>* settled) {
  draft_compromise(scenario, positions, draft, settled);
  const UtilityShape shape = scenario.process.utility;
  double total_power = 0;
  for (int i = 0; i < scenario.delegation_count(); ++i) {
    if (drafts_from(scenario, i)) total_power += scenario.power(i);
  }
  auto objective = [&](const Eigen::VectorXd& partial, const auto& salience, const auto& column, double value) {
    double score = 0;
    for (Eigen::Index i = 0; i < partial.size(); ++i) {
      if (!drafts_from(scenario, i)) continue;
      const double utility = partial(i) - salience(i) * issue_loss(value, column(i), shape);
      const double outside = scenario.delegations[static_cast<std::size_t>(i)].outside_option;
      score += scenario.power(i) / total_power * extended_log(utility - outside);
    }
    return score;
  };
  coordinate_ascent(scenario, positions, draft, settled, objective, 50);
}

void draft_maximin(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                   const std::vector<std::uint8_t>* settled) {
  draft_compromise(scenario, positions, draft, settled);
  const UtilityShape shape = scenario.process.utility;
  // A smooth minimum (-tau log sum exp(-u/tau)) lets coordinate ascent move past ties between
  // the worst-off delegations; tau shrinks so the result approaches the true maximin.
  for (double temperature : {0.05, 0.01, 0.002, 0.0005}) {
    auto objective = [&](const Eigen::VectorXd& partial, const auto& salience, const auto& column, double value) {
      double lowest = 1e300;
      for (Eigen::Index i = 0; i < partial.size(); ++i) {
        if (drafts_from(scenario, i))
          lowest = std::min(lowest, partial(i) - salience(i) * issue_loss(value, column(i), shape));
      }
      double sum = 0;
      for (Eigen::Index i = 0; i < partial.size(); ++i) {
        if (!drafts_from(scenario, i)) continue;
        const double utility = partial(i) - salience(i) * issue_loss(value, column(i), shape);
        sum += std::exp(-(utility - lowest) / temperature);
      }
      return lowest - temperature * std::log(sum);
    };
    coordinate_ascent(scenario, positions, draft, settled, objective, 40);
  }
}

void draft_for_chair(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                     const std::vector<std::uint8_t>* settled) {
  switch (scenario.process.chair.strategy) {
    case ChairStrategy::compromise: draft_compromise(scenario, positions, draft, settled); break;
    case ChairStrategy::nash: draft_nash(scenario, positions, draft, settled); break;
    case ChairStrategy::maximin: draft_maximin(scenario, positions, draft, settled); break;
  }
  lean_toward_chair(scenario, positions, draft, settled);
}

void lean_toward_chair(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                       const std::vector<std::uint8_t>* settled) {
  const int chair = scenario.process.chair.delegation;
  const double bias = scenario.process.chair.bias;
  if (chair < 0 || bias <= 0) return;
  for (int k = 0; k < scenario.issue_count(); ++k) {
    if (!is_settled(settled, k)) draft(k) = (1.0 - bias) * draft(k) + bias * positions(chair, k);
  }
}

}  // namespace negsim
