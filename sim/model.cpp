#include "negsim/model.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

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
  bloc_offsets_.reserve(scenario.blocs.size() + 1);
  bloc_offsets_.push_back(0);
  for (const auto& bloc : scenario.blocs) {
    bloc_members_.insert(bloc_members_.end(), bloc.members.begin(), bloc.members.end());
    bloc_offsets_.push_back(static_cast<int>(bloc_members_.size()));
  }
  bloc_sums_.resize(scenario.blocs.size());
  // The same weights as influence_matrix(), kept per row.
  for (int i = 0; i < n; ++i) {
    const Delegation& delegation = scenario.delegations[static_cast<std::size_t>(i)];
    bool in_bloc = false;
    if (delegation.bloc >= 0) {
      const Bloc& bloc = scenario.blocs[static_cast<std::size_t>(delegation.bloc)];
      const std::size_t others = bloc.members.size() - 1;
      if (others > 0) {
        in_bloc = true;
        const double self = 1.0 - bloc.cohesion;
        if (bloc.leader >= 0 && bloc.leader != i && others > 1) {
          led_.push_back({i, delegation.bloc, bloc.leader, self, bloc.cohesion * bloc.leader_weight,
                          bloc.cohesion * (1.0 - bloc.leader_weight) / static_cast<double>(others - 1)});
        } else {
          pooled_.push_back({i, delegation.bloc, self, bloc.cohesion / static_cast<double>(others)});
        }
      }
    }
    if (!in_bloc) alone_.push_back(i);
    if (delegation.ties.empty()) continue;
    Tied tied{i, static_cast<int>(ties_.size()), 0, 1.0};
    for (const auto& tie : delegation.ties) {
      ties_.push_back(tie);
      tied.normaliser += tie.second;
    }
    tied.end_tie = static_cast<int>(ties_.size());
    tied_.push_back(tied);
  }
}

void InfluenceOperator::apply(const Eigen::MatrixXd& positions, Eigen::MatrixXd& result) const {
  // Column by column (the matrices are column-major): each entry takes the same operations, in
  // the same order, as the row-wise formula W positions, so the results are bit for bit those.
  const Eigen::Index k = positions.cols();
  for (Eigen::Index j = 0; j < k; ++j) {
    const double* column = positions.col(j).data();
    double* out = result.col(j).data();
    for (std::size_t b = 0; b + 1 < bloc_offsets_.size(); ++b) {
      double sum = 0;
      for (int m = bloc_offsets_[b]; m < bloc_offsets_[b + 1]; ++m)
        sum += column[bloc_members_[static_cast<std::size_t>(m)]];
      bloc_sums_[b] = sum;
    }
    for (int i : alone_) out[i] = 1.0 * column[i];
    for (const Pooled& row : pooled_) {
      const double own = column[row.index];
      // Sum over the other members.
      out[row.index] = row.self * own + row.member_weight * (bloc_sums_[static_cast<std::size_t>(row.bloc)] - own);
    }
    for (const Led& row : led_) {
      const double own = column[row.index];
      const double others = bloc_sums_[static_cast<std::size_t>(row.bloc)] - own;
      const double leader = column[row.leader];
      // Without the leader among the others: it has its own weight.
      out[row.index] = row.self * own + (row.leader_weight * leader + row.member_weight * (others - leader));
    }
    for (const Tied& row : tied_) {
      double value = out[row.index];
      for (int t = row.first_tie; t < row.end_tie; ++t) {
        const auto& [other, weight] = ties_[static_cast<std::size_t>(t)];
        value += weight * column[other];
      }
      if (row.normaliser != 1.0) value /= row.normaliser;
      out[row.index] = value;
    }
  }
}

void influence_step(const InfluenceOperator& influence, const Eigen::VectorXd& susceptibility,
                    const Eigen::MatrixXd& initial, const Eigen::MatrixXd& current, const Eigen::MatrixXd& red_line_min,
                    const Eigen::MatrixXd& red_line_max, Eigen::MatrixXd& next) {
  influence.apply(current, next);
  const Eigen::Index n = next.rows();
  const double* lambda = susceptibility.data();
  for (Eigen::Index j = 0; j < next.cols(); ++j) {
    double* out = next.col(j).data();
    const double* start = initial.col(j).data();
    const double* low = red_line_min.col(j).data();
    const double* high = red_line_max.col(j).data();
    for (Eigen::Index i = 0; i < n; ++i) {
      const double moved = lambda[i] * out[i] + (1.0 - lambda[i]) * start[i];
      // Clamped inside its own red lines: max with the lower bound, then min with the upper.
      out[i] = std::min(std::max(moved, low[i]), high[i]);
    }
  }
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
  // Four paragraphs at a time: each paragraph's sums still run over i in order (the same
  // bits), but four of them advance together instead of one chain of dependent additions.
  constexpr int block = 4;
  const int n = scenario.delegation_count();
  const int k_count = scenario.issue_count();
  const bool everyone = scenario.process.chair.drafting_group.empty();
  for (int first = 0; first < k_count; first += block) {
    const int width = std::min(block, k_count - first);
    bool any_open = false;
    for (int b = 0; b < width; ++b) any_open = any_open || !is_settled(settled, first + b);
    if (!any_open) continue;
    double weighted[block] = {0, 0, 0, 0};
    double total[block] = {0, 0, 0, 0};
    for (int i = 0; i < n; ++i) {
      if (!everyone && !drafts_from(scenario, i)) continue;
      const double power = scenario.power(i);
      for (int b = 0; b < width; ++b) {
        const double weight = power * scenario.salience(i, first + b);
        weighted[b] += weight * positions(i, first + b);
        total[b] += weight;
      }
    }
    for (int b = 0; b < width; ++b) {
      const int k = first + b;
      if (is_settled(settled, k)) continue;
      draft(k) = total[b] > 0 ? weighted[b] / total[b] : scenario.issues[static_cast<std::size_t>(k)].status_quo;
    }
  }
}

namespace {

// Slopes of a one-dimensional objective phi(v) at v: the right and left derivatives (they
// differ only where v sits on a kink, v = P_ik, of the linear loss) and the second derivative
// of the smooth part.
struct Slopes {
  double right = 0;
  double left = 0;
  double curvature = 0;
};

// d loss / dv from the right and the left, and d^2 loss / dv^2, at v for position p.
struct LossSlopes {
  double right;
  double left;
  double second;
};
LossSlopes loss_slopes(double value, double position, UtilityShape shape) {
  const double gap = value - position;
  if (shape == UtilityShape::quadratic) return {2 * gap, 2 * gap, 2.0};
  if (gap > 0) return {1.0, 1.0, 0.0};
  if (gap < 0) return {-1.0, -1.0, 0.0};
  return {1.0, -1.0, 0.0};
}

// Maximum over [0, 1] of a concave phi given its slopes: a bracket [low, high] that holds the
// maximum, safeguarded Newton steps on phi' inside it, and (linear loss) the median kink of
// the bracket whenever a kink lies inside, so that a maximum at a kink is found in about
// log2(n) steps. Starts at `start` (the paragraph's current value).
template <typename SlopeFunction>
double coordinate_maximum(SlopeFunction&& slopes, const double* kinks, Eigen::Index kink_count, double start) {
  thread_local std::vector<double> inside;
  double low = 0;
  double high = 1;
  double value = std::clamp(start, 0.0, 1.0);
  for (int iteration = 0; iteration < 100; ++iteration) {
    const Slopes at = slopes(value);
    if (at.right > 0) {
      low = value;
    } else if (at.left < 0) {
      high = value;
    } else {
      return value;  // 0 lies in the superdifferential: the maximum
    }
    if (high - low < 1e-12) return value;
    inside.clear();
    for (Eigen::Index i = 0; i < kink_count; ++i) {
      if (kinks[i] > low && kinks[i] < high) inside.push_back(kinks[i]);
    }
    if (!inside.empty()) {
      // Bisect over the kinks: phi is smooth only between them.
      auto middle = inside.begin() + static_cast<std::ptrdiff_t>(inside.size() / 2);
      std::nth_element(inside.begin(), middle, inside.end());
      value = *middle;
      continue;
    }
    const double slope = at.right > 0 ? at.right : at.left;
    double next = at.curvature < 0 ? value - slope / at.curvature : (low + high) / 2;
    if (std::abs(next - value) < 1e-13) return value;  // Newton has converged
    if (!(next >= low && next <= high)) {
      // Newton left the bracket: try the domain's end on that side once, else bisect.
      if (next <= low && low == 0 && value != 0) {
        next = 0;
      } else if (next >= high && high == 1 && value != 1) {
        next = 1;
      } else {
        next = (low + high) / 2;
      }
    }
    if (std::abs(next - value) < 1e-13) return next;
    value = next;
  }
  return value;
}

// Maximises a concave objective of per-delegation utilities by cyclic coordinate ascent.
// `slopes(partial_utilities, salience_column, positions_column, value)` gives the Slopes of the
// objective in issue k at `value`, every other issue fixed.
template <typename SlopeFunction>
void coordinate_ascent(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                       const std::vector<std::uint8_t>* settled, SlopeFunction&& slopes, int sweeps) {
  const int n = scenario.delegation_count();
  const UtilityShape shape = scenario.process.utility;
  // Work buffers kept per thread so that drafting round after round does not allocate.
  thread_local Eigen::VectorXd utilities;
  thread_local Eigen::VectorXd partial;
  thread_local std::vector<double> kinks;
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
      kinks.clear();
      if (shape == UtilityShape::linear) {
        for (int i = 0; i < n; ++i) {
          if (scenario.salience(i, k) > 0 && drafts_from(scenario, i)) kinks.push_back(positions(i, k));
        }
      }
      auto at = [&](double value) { return slopes(partial, scenario.salience.col(k), positions.col(k), value); };
      const double candidate = coordinate_maximum(at, kinks.data(), static_cast<Eigen::Index>(kinks.size()), draft(k));
      largest_move = std::max(largest_move, std::abs(candidate - draft(k)));
      draft(k) = candidate;
      for (int i = 0; i < n; ++i) {
        utilities(i) = partial(i) - scenario.salience(i, k) * issue_loss(draft(k), positions(i, k), shape);
      }
    }
    if (largest_move < 1e-9) break;
  }
}

// log(s) for s >= epsilon, continued linearly below so the objective stays finite and concave
// when a draft leaves some delegation below its outside option.
constexpr double kLogFloor = 1e-3;

}  // namespace

namespace {

// N(x) = sum_i c_i L(u_i(x) - o_i) of the whole draft (c_i = 0 outside the drafting group).
double nash_value(const Scenario& scenario, const Eigen::MatrixXd& positions, const Eigen::VectorXd& draft,
                  const Eigen::VectorXd& weight, const Eigen::VectorXd& outside, Eigen::VectorXd& utilities) {
  compute_utilities(positions, scenario.salience, draft, scenario.process.utility, utilities);
  double value = 0;
  for (Eigen::Index i = 0; i < utilities.size(); ++i) {
    if (weight(i) == 0) continue;
    const double surplus = utilities(i) - outside(i);
    value += weight(i) *
             (surplus >= kLogFloor ? std::log(surplus) : std::log(kLogFloor) + (surplus - kLogFloor) / kLogFloor);
  }
  return value;
}

// Whether no drafting delegation cares about issue k: the objective does not depend on x_k.
bool nobody_cares(const Scenario& scenario, const Eigen::VectorXd& weight, int k) {
  for (Eigen::Index i = 0; i < weight.size(); ++i) {
    if (weight(i) > 0 && scenario.salience(i, k) > 0) return false;
  }
  return true;
}

}  // namespace

// `draft` holds last round's draft on entry: a start, used when it scores higher than the
// compromise (docs/MODEL.md section 7), so callers pass an initialised vector.
void draft_nash(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                const std::vector<std::uint8_t>* settled) {
  const int n = scenario.delegation_count();
  const UtilityShape shape = scenario.process.utility;
  thread_local Eigen::VectorXd weight;
  thread_local Eigen::VectorXd outside;
  thread_local Eigen::VectorXd previous;
  thread_local Eigen::VectorXd utilities;
  weight.resize(n);
  outside.resize(n);
  utilities.resize(n);
  double total_power = 0;
  for (int i = 0; i < n; ++i) {
    weight(i) = drafts_from(scenario, i) ? scenario.power(i) : 0.0;
    outside(i) = scenario.delegations[static_cast<std::size_t>(i)].outside_option;
    total_power += weight(i);
  }
  if (total_power > 0) weight /= total_power;
  // Start from the better of last round's draft and the compromise (the maximum is unique
  // where every issue matters to someone, so the start changes only how fast it is reached).
  previous = draft;
  draft_compromise(scenario, positions, draft, settled);
  if (previous.allFinite() && nash_value(scenario, positions, previous, weight, outside, utilities) >
                                  nash_value(scenario, positions, draft, weight, outside, utilities)) {
    for (int k = 0; k < scenario.issue_count(); ++k) {
      if (!is_settled(settled, k) && !nobody_cares(scenario, weight, k)) draft(k) = std::clamp(previous(k), 0.0, 1.0);
    }
  }
  // N = sum_i c_i L(u_i - o_i): N' = sum_i c_i L'(s_i) u_i', N'' = sum_i c_i (L''(s_i) u_i'^2 + L'(s_i) u_i'').
  auto slopes = [&](const Eigen::VectorXd& partial, const auto& salience, const auto& column, double value) {
    Slopes result;
    for (Eigen::Index i = 0; i < partial.size(); ++i) {
      if (weight(i) == 0 || salience(i) == 0) continue;
      const double surplus = partial(i) - salience(i) * issue_loss(value, column(i), shape) - outside(i);
      const double first = surplus >= kLogFloor ? 1.0 / surplus : 1.0 / kLogFloor;
      const double second = surplus >= kLogFloor ? -first * first : 0.0;
      const LossSlopes loss = loss_slopes(value, column(i), shape);
      const double slope_right = -salience(i) * loss.right;
      result.right += weight(i) * first * slope_right;
      result.left -= weight(i) * first * salience(i) * loss.left;
      result.curvature += weight(i) * (second * slope_right * slope_right - first * salience(i) * loss.second);
    }
    return result;
  };
  coordinate_ascent(scenario, positions, draft, settled, slopes, 50);
}

void draft_maximin(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                   const std::vector<std::uint8_t>* settled) {
  draft_compromise(scenario, positions, draft, settled);
  const UtilityShape shape = scenario.process.utility;
  thread_local std::vector<Eigen::Index> drafting;
  thread_local std::vector<double> trial;
  drafting.clear();
  for (int i = 0; i < scenario.delegation_count(); ++i) {
    if (drafts_from(scenario, i)) drafting.push_back(i);
  }
  trial.resize(drafting.size());
  // A smooth minimum (-tau log sum exp(-u/tau)) lets coordinate ascent move past ties between
  // the worst-off delegations; tau shrinks so the result approaches the true maximin.
  // With p_i = softmax(-u/tau): M' = sum p_i u_i', M'' = sum p_i u_i'' - (sum p_i u_i'^2 - M'^2) / tau.
  for (double temperature : {0.05, 0.01, 0.002, 0.0005}) {
    auto slopes = [&](const Eigen::VectorXd& partial, const auto& salience, const auto& column, double value) {
      double lowest = 1e300;
      for (std::size_t j = 0; j < drafting.size(); ++j) {
        const Eigen::Index i = drafting[j];
        trial[j] = partial(i) - salience(i) * issue_loss(value, column(i), shape);
        lowest = std::min(lowest, trial[j]);
      }
      double total = 0;
      double right = 0;
      double left = 0;
      double right_squares = 0;
      double second = 0;
      for (std::size_t j = 0; j < drafting.size(); ++j) {
        const Eigen::Index i = drafting[j];
        const double weight = std::exp(-(trial[j] - lowest) / temperature);
        total += weight;
        if (salience(i) == 0) continue;
        const LossSlopes loss = loss_slopes(value, column(i), shape);
        const double slope_right = -salience(i) * loss.right;
        right += weight * slope_right;
        left -= weight * salience(i) * loss.left;
        right_squares += weight * slope_right * slope_right;
        second -= weight * salience(i) * loss.second;
      }
      Slopes result;
      result.right = right / total;
      result.left = left / total;
      const double variance = right_squares / total - result.right * result.right;
      result.curvature = second / total - std::max(variance, 0.0) / temperature;
      return result;
    };
    coordinate_ascent(scenario, positions, draft, settled, slopes, 40);
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
