#include "negsim/model.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "small_lu.hpp"

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
  // Column by column: the matrices are column-major. `utilities` first holds the loss. Two
  // columns per pass: each delegation's loss still adds the same terms in column order, and is
  // loaded and stored half as often.
  utilities.setZero();
  double* const loss = utilities.data();
  auto add_columns = [&](auto loss_of) {
    Eigen::Index j = 0;
    for (; j + 1 < k; j += 2) {
      const double value = draft(j);
      const double next_value = draft(j + 1);
      const double* const weight = salience.col(j).data();
      const double* const position = positions.col(j).data();
      const double* const next_weight = salience.col(j + 1).data();
      const double* const next_position = positions.col(j + 1).data();
      for (Eigen::Index i = 0; i < n; ++i) {
        double sum = loss[i];
        sum += weight[i] * loss_of(value, position[i]);
        sum += next_weight[i] * loss_of(next_value, next_position[i]);
        loss[i] = sum;
      }
    }
    if (j < k) {
      const double value = draft(j);
      const double* const weight = salience.col(j).data();
      const double* const position = positions.col(j).data();
      for (Eigen::Index i = 0; i < n; ++i) loss[i] += weight[i] * loss_of(value, position[i]);
    }
  };
  if (shape == UtilityShape::linear) {
    add_columns([](double value, double position) { return issue_loss(value, position, UtilityShape::linear); });
  } else {
    add_columns([](double value, double position) { return issue_loss(value, position, UtilityShape::quadratic); });
  }
  for (Eigen::Index i = 0; i < n; ++i) loss[i] = 1.0 - loss[i];
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

void InfluenceOperator::rebuild(const Scenario& scenario) {
  const int n = scenario.delegation_count();
  alone_.clear();
  pooled_.clear();
  led_.clear();
  tied_.clear();
  ties_.clear();
  bloc_members_.clear();
  bloc_offsets_.clear();
  bloc_offsets_.reserve(scenario.blocs.size() + 1);
  bloc_offsets_.push_back(0);
  {
    // One allocation per list (a run's set-up).
    std::size_t members = 0;
    for (const auto& bloc : scenario.blocs) members += bloc.members.size();
    bloc_members_.reserve(members);
    std::size_t tied = 0;
    std::size_t ties = 0;
    for (const Delegation& delegation : scenario.delegations) {
      tied += delegation.ties.empty() ? 0 : 1;
      ties += delegation.ties.size();
    }
    tied_.reserve(tied);
    ties_.reserve(ties);
  }
  for (const auto& bloc : scenario.blocs) {
    bloc_members_.insert(bloc_members_.end(), bloc.members.begin(), bloc.members.end());
    bloc_offsets_.push_back(static_cast<int>(bloc_members_.size()));
  }
  bloc_sums_.resize(scenario.blocs.size());
  alone_.reserve(static_cast<std::size_t>(n));
  pooled_.reserve(static_cast<std::size_t>(n));
  led_.reserve(static_cast<std::size_t>(n));
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
  for (Eigen::Index j = 0; j < positions.cols(); ++j) apply_column(positions.col(j).data(), result.col(j).data());
}

void InfluenceOperator::apply_column(const double* __restrict column, double* __restrict out) const {
  double* const sums = bloc_sums_.data();
  const int* const members = bloc_members_.data();
  for (std::size_t b = 0; b + 1 < bloc_offsets_.size(); ++b) {
    double sum = 0;
    for (int m = bloc_offsets_[b]; m < bloc_offsets_[b + 1]; ++m) sum += column[members[m]];
    sums[b] = sum;
  }
  for (int i : alone_) out[i] = 1.0 * column[i];
  for (const Pooled& row : pooled_) {
    const double own = column[row.index];
    // Sum over the other members.
    out[row.index] = row.self * own + row.member_weight * (sums[row.bloc] - own);
  }
  for (const Led& row : led_) {
    const double own = column[row.index];
    const double others = sums[row.bloc] - own;
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

namespace {

// The step's last part for one column: moved toward the initial position, clamped inside the red
// lines. Distinct arrays (restrict): the compiler may do two entries at once, each with the same
// operations.
void move_and_clamp(Eigen::Index n, const double* __restrict lambda, const double* __restrict start,
                    const double* __restrict low, const double* __restrict high, double* __restrict out) {
  for (Eigen::Index i = 0; i < n; ++i) {
    const double moved = lambda[i] * out[i] + (1.0 - lambda[i]) * start[i];
    // Clamped inside its own red lines: max with the lower bound, then min with the upper.
    out[i] = std::min(std::max(moved, low[i]), high[i]);
  }
}

}  // namespace

void influence_step(const InfluenceOperator& influence, const Eigen::VectorXd& susceptibility,
                    const Eigen::MatrixXd& initial, const Eigen::MatrixXd& current, const Eigen::MatrixXd& red_line_min,
                    const Eigen::MatrixXd& red_line_max, Eigen::MatrixXd& next) {
  // One column at a time, W applied then moved and clamped while the column is in the cache: the
  // same operations on each entry as W applied to the whole matrix first.
  const Eigen::Index n = next.rows();
  const double* lambda = susceptibility.data();
  for (Eigen::Index j = 0; j < next.cols(); ++j) {
    double* out = next.col(j).data();
    influence.apply_column(current.col(j).data(), out);
    move_and_clamp(n, lambda, initial.col(j).data(), red_line_min.col(j).data(), red_line_max.col(j).data(), out);
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

// Whether the chair drafts from delegation i (process.chair.drafting_group; empty: everyone;
// never one outside the drafting).
bool drafts_from(const Scenario& scenario, Eigen::Index i) {
  if (scenario.delegations[static_cast<std::size_t>(i)].outside_drafting) return false;
  const auto& group = scenario.process.chair.drafting_group;
  return group.empty() || std::binary_search(group.begin(), group.end(), static_cast<int>(i));
}
}  // namespace

namespace {
// draft_compromise() for the paragraphs not settled, writing into `totals` (when not null, k
// entries) each such paragraph's total weight sum_i w_i S_ik: the maximin solver weighs the
// paragraphs by the same sums. Four open paragraphs at a time: each paragraph's sums still run
// over the drafting delegations in index order (the same bits), but four of them advance
// together, their columns read through pointers set once per block.
void compromise_paragraphs(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                           const std::vector<std::uint8_t>* settled, std::vector<double>* totals) {
  constexpr int block = 4;
  const int n = scenario.delegation_count();
  const int k_count = scenario.issue_count();
  const bool everyone = scenario.process.chair.drafting_group.empty() &&
                        std::none_of(scenario.delegations.begin(), scenario.delegations.end(),
                                     [](const Delegation& delegation) { return delegation.outside_drafting; });
  thread_local std::vector<int> drafters;
  thread_local std::vector<int> open;
  // Filled through a cursor into lists sized for all (push_back's checks cost more here).
  drafters.resize(static_cast<std::size_t>(n));
  std::size_t drafter_total = 0;
  for (int i = 0; i < n; ++i) {
    if (everyone || drafts_from(scenario, i)) drafters[drafter_total++] = i;
  }
  drafters.resize(drafter_total);
  open.resize(static_cast<std::size_t>(k_count));
  std::size_t open_total = 0;
  for (int k = 0; k < k_count; ++k) {
    if (!is_settled(settled, k)) open[open_total++] = k;
  }
  open.resize(open_total);
  if (totals != nullptr) totals->assign(static_cast<std::size_t>(k_count), 0.0);
  const double* const power = scenario.power.data();
  const int* const drafter = drafters.data();
  const auto drafter_count = static_cast<std::ptrdiff_t>(drafters.size());
  const auto open_count = static_cast<int>(open.size());
  for (int first = 0; first < open_count; first += block) {
    const int width = std::min(block, open_count - first);
    const double* salience[block];
    const double* position[block];
    for (int b = 0; b < block; ++b) {  // a short last block repeats its last paragraph (not written)
      const int index = first + std::min(b, width - 1);
      const int column = open[static_cast<std::size_t>(index)];
      salience[b] = scenario.salience.col(column).data();
      position[b] = positions.col(column).data();
    }
    double weighted[block] = {0, 0, 0, 0};
    double total[block] = {0, 0, 0, 0};
    for (std::ptrdiff_t row = 0; row < drafter_count; ++row) {
      const int i = drafter[row];
      const double weight_0 = power[i] * salience[0][i];
      const double weight_1 = power[i] * salience[1][i];
      const double weight_2 = power[i] * salience[2][i];
      const double weight_3 = power[i] * salience[3][i];
      weighted[0] += weight_0 * position[0][i];
      weighted[1] += weight_1 * position[1][i];
      weighted[2] += weight_2 * position[2][i];
      weighted[3] += weight_3 * position[3][i];
      total[0] += weight_0;
      total[1] += weight_1;
      total[2] += weight_2;
      total[3] += weight_3;
    }
    for (int b = 0; b < width; ++b) {
      const int index = first + b;
      const int k = open[static_cast<std::size_t>(index)];
      draft(k) = total[b] > 0 ? weighted[b] / total[b] : scenario.issues[static_cast<std::size_t>(k)].status_quo;
      if (totals != nullptr) (*totals)[static_cast<std::size_t>(k)] = total[b];
    }
  }
}
}  // namespace

void draft_compromise(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                      const std::vector<std::uint8_t>* settled) {
  compromise_paragraphs(scenario, positions, draft, settled, nullptr);
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

// The Nash objective's L, L' and L'' at surplus s (L = log above kLogFloor, linear below).
struct LogSlopes {
  double value;
  double first;
  double second;
};
LogSlopes log_slopes(double surplus) {
  if (surplus >= kLogFloor) return {std::log(surplus), 1.0 / surplus, -1.0 / (surplus * surplus)};
  return {std::log(kLogFloor) + (surplus - kLogFloor) / kLogFloor, 1.0 / kLogFloor, 0.0};
}

constexpr double kNewtonExact = 1e-14;

// One Nash draft's data for Newton's method, gathered once per draft: the free paragraphs
// (unsettled, cared about by some drafting delegation), the drafting delegations (voters), and
// their saliences and positions as |F| x |voters| columns, so that the inner loops run over
// contiguous memory. Kept per thread, so that drafting round after round does not allocate.
struct NashProblem {
  std::vector<int> free;      // paragraph k of each free paragraph j
  std::vector<int> voters;    // delegation i of each voter r
  Eigen::MatrixXd salience;   // (j, r): S_ik
  Eigen::MatrixXd position;   // (j, r): P_ik
  Eigen::VectorXd weight;     // c_i of voter r
  Eigen::VectorXd outside;    // o_i of voter r
  Eigen::VectorXd utilities;  // u_i of voter r at the current draft
  Eigen::VectorXd values;     // x_k of free paragraph j
  // Work buffers of Newton's method.
  Eigen::VectorXd trial_utilities;
  Eigen::VectorXd trial_values;
  Eigen::VectorXd gain;      // c_i L'(s_i) of voter r
  Eigen::VectorXd diagonal;  // sum_i c_i L'(s_i) 2 S_iq, the diagonal part of -H
  Eigen::VectorXd scale;     // sqrt(c_i |L''(s_i)|) of voter r
  Eigen::MatrixXd slopes;    // (j, r): sqrt(c_i |L''(s_i)|) a_iq
  Eigen::MatrixXd hessian;
  Eigen::MatrixXd losses;        // (j, r): loss of voter r on free paragraph j at `values`
  Eigen::MatrixXd trial_losses;  // the same at `trial_values`
  Eigen::VectorXd gradient;
  Eigen::VectorXd step;
  Eigen::LLT<Eigen::MatrixXd, Eigen::Lower> factor;

  // N over the voters for their utilities `u` (the same sum, in the same order, as nash_value).
  double objective(const Eigen::VectorXd& u) const {
    double total = 0;
    for (Eigen::Index r = 0; r < u.size(); ++r) total += weight(r) * log_slopes(u(r) - outside(r)).value;
    return total;
  }
};

// One voter's terms of N's gradient and of -H's diagonal, and its column of scaled slopes
// (separate arrays, so that the loop runs two paragraphs at a time). `Fixed` > 0 is |F| known
// at compile time (the loops then unroll); 0 takes `dynamic_f`.
template <int Fixed>
void add_voter_slopes(Eigen::Index dynamic_f, const double* __restrict salience, const double* __restrict position,
                      const double* __restrict values, double gain, double scale, double* __restrict gradient,
                      double* __restrict diagonal, double* __restrict slopes) {
  const Eigen::Index f = Fixed > 0 ? Fixed : dynamic_f;
#pragma GCC unroll 8
  for (Eigen::Index j = 0; j < f; ++j) {
    const double slope = -2 * salience[j] * (values[j] - position[j]);
    gradient[j] += gain * slope;
    diagonal[j] += gain * 2 * salience[j];
    slopes[j] = scale * slope;
  }
}

// -H's lower triangle (the Cholesky factorisation reads no other entry) plus the voters' rank-one
// terms: entry (l, j), l >= j, adds slope_r[j] slope_r[l] voter by voter, in voter order, to its
// diagonal part. Column j's entries stay in registers across the voters when |F| is fixed.
template <int Fixed>
void add_outer_products(Eigen::Index dynamic_f, Eigen::Index voter_count, const double* __restrict slopes,
                        double* __restrict hessian) {
  const Eigen::Index f = Fixed > 0 ? Fixed : dynamic_f;
  Eigen::Index j = 0;
  if constexpr (Fixed > 0) {
    // Two columns per pass over the voters (each voter's slopes loaded once for both).
#pragma GCC unroll 4
    for (; j + 1 < f; j += 2) {
      double* __restrict column = hessian + j * f;
      double* __restrict next_column = column + f;
      for (Eigen::Index r = 0; r < voter_count; ++r) {
        const double* __restrict slope = slopes + r * f;
        const double scale = slope[j];
        const double next_scale = slope[j + 1];
        column[j] += scale * slope[j];
#pragma GCC unroll 8
        for (Eigen::Index l = j + 1; l < f; ++l) {
          column[l] += scale * slope[l];
          next_column[l] += next_scale * slope[l];
        }
      }
    }
  }
#pragma GCC unroll 8
  for (; j < f; ++j) {
    double* __restrict column = hessian + j * f;
    for (Eigen::Index r = 0; r < voter_count; ++r) {
      const double* __restrict slope = slopes + r * f;
      const double scale = slope[j];
#pragma GCC unroll 8
      for (Eigen::Index l = j; l < f; ++l) column[l] += scale * slope[l];
    }
  }
}

// Eigen's LLT<MatrixXd, Lower> of -H followed by its solve() for the step, for |F| <= 8, with
// the same operations in the same order (so the same bits) but without the set-up around them
// (a copy of the matrix, its L1 norm, the calls into the product kernels): Eigen 3.4's unblocked
// factorisation (|F| < 32), whose column update is a matrix-vector product (sums from 0 over the
// earlier columns, the row's coefficient times the pivot row's) or, for the last row, an inner
// product (from the first term); then its two triangular solves in one panel of 8, the second
// summing its terms as Eigen's reduction over two-double packets does. Reads and overwrites
// `matrix`'s lower triangle (f x f, column-major); false where Eigen reports a numerical issue.
// `Fixed` > 0 is f known at compile time (the loops then unroll); 0 takes `dynamic_f`.
template <int Fixed>
bool small_cholesky_solve(double* __restrict matrix, Eigen::Index dynamic_f, const double* __restrict right,
                          double* __restrict step) {
  const Eigen::Index f = Fixed > 0 ? Fixed : dynamic_f;
  auto at = [&](Eigen::Index row, Eigen::Index column) -> double& { return matrix[row + column * f]; };
  for (Eigen::Index k = 0; k < f; ++k) {
    double pivot = at(k, k);
    if (k > 0) {
      double squares = at(k, 0) * at(k, 0);
      for (Eigen::Index j = 1; j < k; ++j) squares = squares + at(k, j) * at(k, j);
      pivot -= squares;
    }
    if (pivot <= 0) return false;
    pivot = std::sqrt(pivot);
    at(k, k) = pivot;
    const Eigen::Index remaining = f - k - 1;
    if (k > 0 && remaining == 1) {
      double dot = at(k + 1, 0) * at(k, 0);
      for (Eigen::Index j = 1; j < k; ++j) dot = dot + at(k + 1, j) * at(k, j);
      at(k + 1, k) += -1.0 * dot;
    } else if (k > 0 && remaining > 1) {
      for (Eigen::Index i = k + 1; i < f; ++i) {
        double sum = 0.0;
        for (Eigen::Index j = 0; j < k; ++j) sum = at(i, j) * at(k, j) + sum;
        at(i, k) = sum * -1.0 + at(i, k);
      }
    }
    for (Eigen::Index i = k + 1; i < f; ++i) at(i, k) = at(i, k) / pivot;
  }
  // L y = g, column by column.
  for (Eigen::Index i = 0; i < f; ++i) step[i] = right[i];
  for (Eigen::Index i = 0; i < f; ++i) {
    if (step[i] == 0.0) continue;  // Eigen skips a zero (of either sign)
    step[i] /= at(i, i);
    for (Eigen::Index j = i + 1; j < f; ++j) step[j] = step[j] - step[i] * at(j, i);
  }
  // L' x = y, row by row from the last: row i's terms L(s + t, i) x(s + t), t < count, summed in
  // two lanes (pairs of terms, then the lanes added) and the odd one last, as Eigen reduces them.
  for (Eigen::Index count = 0; count < f; ++count) {
    const Eigen::Index i = f - count - 1;
    const Eigen::Index s = i + 1;
    if (count > 0) {
      auto term = [&](Eigen::Index t) { return at(s + t, i) * step[s + t]; };
      double sum = 0;
      if (count < 2) {
        sum = term(0);
      } else {
        const Eigen::Index paired = (count / 2) * 2;
        const Eigen::Index quads = (count / 4) * 4;
        double lane0 = term(0);
        double lane1 = term(1);
        if (paired > 2) {
          double other0 = term(2);
          double other1 = term(3);
          for (Eigen::Index t = 4; t < quads; t += 4) {
            lane0 = lane0 + term(t);
            lane1 = lane1 + term(t + 1);
            other0 = other0 + term(t + 2);
            other1 = other1 + term(t + 3);
          }
          lane0 = lane0 + other0;
          lane1 = lane1 + other1;
          if (paired > quads) {
            lane0 = lane0 + term(quads);
            lane1 = lane1 + term(quads + 1);
          }
        }
        sum = lane0 + lane1;
        for (Eigen::Index t = paired; t < count; ++t) sum = sum + term(t);
      }
      step[i] -= sum;
    }
    if (step[i] != 0.0) step[i] /= at(i, i);
  }
  return true;
}

// The gradient, -H's diagonal, the scaled slopes and -H's lower triangle (f <= 16) of one
// Newton iteration.
template <int Fixed>
void newton_terms(Eigen::Index f, Eigen::Index v, const NashProblem& p, double* gradient, double* diagonal,
                  double* slopes, double* hessian) {
  const double* values = p.values.data();
  if constexpr (Fixed > 0) {
    // The sums in locals (registers), from 0 as the zeroed vectors: the same terms in the same order.
    double gradient_sum[Fixed] = {};
    double diagonal_sum[Fixed] = {};
    for (Eigen::Index r = 0; r < v; ++r) {
      add_voter_slopes<Fixed>(f, p.salience.col(r).data(), p.position.col(r).data(), values, p.gain(r), p.scale(r),
                              gradient_sum, diagonal_sum, slopes + r * f);
    }
    std::copy_n(gradient_sum, Fixed, gradient);
    std::copy_n(diagonal_sum, Fixed, diagonal);
  } else {
    for (Eigen::Index r = 0; r < v; ++r) {
      add_voter_slopes<Fixed>(f, p.salience.col(r).data(), p.position.col(r).data(), values, p.gain(r), p.scale(r),
                              gradient, diagonal, slopes + r * f);
    }
  }
  if (hessian == nullptr) return;
  for (Eigen::Index j = 0; j < f; ++j) hessian[j * f + j] = diagonal[j];
  add_outer_products<Fixed>(f, v, slopes, hessian);
}

// Newton's method on the whole vector of free paragraphs (quadratic loss, where N is smooth):
//   g_q = sum_i c_i L'(s_i) a_iq,   a_iq = du_i/dx_q = -2 S_iq (x_q - P_iq)
//   H = sum_i c_i L''(s_i) a_i a_i' - diag_q(sum_i c_i L'(s_i) 2 S_iq)   (negative definite)
// step d = -H^-1 g, halved until N rises by at least 1e-4 of g'd. Once g'd < kNewtonExact the
// full step is taken and the search stops (quadratic convergence: the error is then far below
// rounding); it stops too when a step is below 1e-13. Starts from problem.values (the free
// paragraphs of `draft`) with problem.utilities and N = `value` there; writes every accepted
// step into `draft`. Returns false (the caller then runs coordinate ascent from where it
// stopped) when a step fails or 30 iterations do not converge. Every sum runs over the voters
// in delegation order, so the result is bit for bit that of the formulas above. `Fixed` > 0 is
// |F| known at compile time (the loops over the paragraphs then unroll); 0 reads it.
template <int Fixed>
bool nash_newton_sized(NashProblem& problem, Eigen::VectorXd& draft, double value) {
  NashProblem& p = problem;
  const auto f = Fixed > 0 ? static_cast<Eigen::Index>(Fixed) : static_cast<Eigen::Index>(p.free.size());
  const auto v = static_cast<Eigen::Index>(p.voters.size());
  if (f == 0) return true;
  auto write_back = [&]() {
    for (Eigen::Index j = 0; j < f; ++j) draft(p.free[static_cast<std::size_t>(j)]) = p.values(j);
  };
  p.gain.resize(v);
  p.scale.resize(v);
  p.slopes.resize(f, v);
  p.trial_values.resize(f);
  p.trial_utilities.resize(v);
  // Each voter's loss on each free paragraph at the current values (j, r), kept from the accepted
  // step's trial: the line search subtracts the trial's losses from them.
  p.losses.resize(f, v);
  p.trial_losses.resize(f, v);
  for (Eigen::Index r = 0; r < v; ++r) {
    const double* position = p.position.col(r).data();
    double* loss = p.losses.col(r).data();
    for (Eigen::Index j = 0; j < f; ++j) loss[j] = issue_loss(p.values(j), position[j], UtilityShape::quadratic);
  }
  for (int iteration = 0; iteration < 30; ++iteration) {
    for (Eigen::Index r = 0; r < v; ++r) {
      const double surplus = p.utilities(r) - p.outside(r);
      const double first = surplus >= kLogFloor ? 1.0 / surplus : 1.0 / kLogFloor;
      const double second = surplus >= kLogFloor ? -1.0 / (surplus * surplus) : 0.0;
      p.gain(r) = p.weight(r) * first;
      p.scale(r) = std::sqrt(p.weight(r) * -second);
    }
    p.gradient.setZero(f);
    p.hessian.setZero(f, f);
    p.diagonal.setZero(f);
    // -H = diag + sum_i c_i |L''| a_i a_i': positive definite. Small rooms by plain loops (a
    // matrix product's set-up costs more there; the usual sizes unrolled), larger ones by
    // Eigen's product.
    double* small = f <= 16 ? p.hessian.data() : nullptr;
    double* gradient = p.gradient.data();
    double* diagonal = p.diagonal.data();
    double* slopes = p.slopes.data();
    newton_terms<Fixed>(f, v, p, gradient, diagonal, slopes, small);
    if (small == nullptr) {
      p.hessian.diagonal() = p.diagonal;
      p.hessian.selfadjointView<Eigen::Lower>().rankUpdate(p.slopes);
    }
    if constexpr (Fixed > 0) {  // 1 <= |F| <= 8 (nash_newton's dispatch)
      p.step.resize(f);
      if (!small_cholesky_solve<Fixed>(p.hessian.data(), f, p.gradient.data(), p.step.data())) return false;
    } else {
      p.factor.compute(p.hessian);
      if (p.factor.info() != Eigen::Success) return false;
      p.step = p.factor.solve(p.gradient);
    }
    const double decrement = p.gradient.dot(p.step);
    if (!(decrement >= 0) || !p.step.allFinite()) return false;
    if (decrement < kNewtonExact) {
      // Within rounding of the maximum, where N can no longer tell steps apart: the full step.
      for (Eigen::Index j = 0; j < f; ++j) p.values(j) = std::clamp(p.values(j) + p.step(j), 0.0, 1.0);
      write_back();
      return true;
    }
    double length = 1;
    bool accepted = false;
    for (int halving = 0; halving < 30 && !accepted; ++halving, length /= 2) {
      for (Eigen::Index j = 0; j < f; ++j) p.trial_values(j) = std::clamp(p.values(j) + length * p.step(j), 0.0, 1.0);
      const double* moved = p.trial_values.data();
      for (Eigen::Index r = 0; r < v; ++r) {
        const double* salience = p.salience.col(r).data();
        const double* position = p.position.col(r).data();
        const double* loss = p.losses.col(r).data();
        double* trial_loss = p.trial_losses.col(r).data();
        double utility = p.utilities(r);
        for (Eigen::Index j = 0; j < f; ++j) {
          trial_loss[j] = issue_loss(moved[j], position[j], UtilityShape::quadratic);
          utility += salience[j] * (loss[j] - trial_loss[j]);
        }
        p.trial_utilities(r) = utility;
      }
      const double trial_value = p.objective(p.trial_utilities);
      if (trial_value >= value + 1e-4 * length * decrement) {
        accepted = true;
        p.values.swap(p.trial_values);
        p.utilities.swap(p.trial_utilities);
        p.losses.swap(p.trial_losses);
        value = trial_value;
        write_back();
      }
    }
    if (!accepted) return false;
    if (length * 2 * p.step.cwiseAbs().maxCoeff() < 1e-13) return true;
  }
  return false;
}

bool nash_newton(NashProblem& problem, Eigen::VectorXd& draft, double value) {
  switch (problem.free.size()) {
    case 1: return nash_newton_sized<1>(problem, draft, value);
    case 2: return nash_newton_sized<2>(problem, draft, value);
    case 3: return nash_newton_sized<3>(problem, draft, value);
    case 4: return nash_newton_sized<4>(problem, draft, value);
    case 5: return nash_newton_sized<5>(problem, draft, value);
    case 6: return nash_newton_sized<6>(problem, draft, value);
    case 7: return nash_newton_sized<7>(problem, draft, value);
    case 8: return nash_newton_sized<8>(problem, draft, value);
    default: return nash_newton_sized<0>(problem, draft, value);
  }
}

// The Nash draft for the quadratic loss: the start (docs/MODEL.md section 7), then Newton's
// method, then coordinate ascent if Newton fails. `draft` holds the compromise on U.
// Returns false when coordinate ascent must still run (from `draft`).
bool nash_quadratic(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                    const std::vector<std::uint8_t>* settled, const Eigen::VectorXd& weight,
                    const Eigen::VectorXd& outside, const Eigen::VectorXd& previous) {
  thread_local NashProblem problem;
  thread_local Eigen::VectorXd at_compromise;
  thread_local Eigen::VectorXd at_previous;
  NashProblem& p = problem;
  p.free.clear();
  for (int k = 0; k < scenario.issue_count(); ++k) {
    if (!is_settled(settled, k) && !nobody_cares(scenario, weight, k)) p.free.push_back(k);
  }
  p.voters.clear();
  for (Eigen::Index i = 0; i < weight.size(); ++i) {
    if (weight(i) > 0) p.voters.push_back(static_cast<int>(i));
  }
  const auto f = static_cast<Eigen::Index>(p.free.size());
  const auto v = static_cast<Eigen::Index>(p.voters.size());
  p.salience.resize(f, v);
  p.position.resize(f, v);
  p.weight.resize(v);
  p.outside.resize(v);
  const int* const voter = p.voters.data();
  for (Eigen::Index r = 0; r < v; ++r) {
    p.weight(r) = weight(voter[r]);
    p.outside(r) = outside(voter[r]);
  }
  // Paragraph by paragraph: each source column read once, through a pointer set once.
  for (Eigen::Index j = 0; j < f; ++j) {
    const int k = p.free[static_cast<std::size_t>(j)];
    const double* const salience = scenario.salience.col(k).data();
    const double* const position = positions.col(k).data();
    double* const salience_row = p.salience.data() + j;
    double* const position_row = p.position.data() + j;
    for (Eigen::Index r = 0; r < v; ++r) {
      salience_row[r * f] = salience[voter[r]];
      position_row[r * f] = position[voter[r]];
    }
  }
  // N at the compromise and at last round's draft, each from one pass over the utilities; the
  // start's utilities are then reused (a voter's utility does not depend on the paragraphs
  // nobody in the group cares about, and settled ones are the same in both drafts).
  auto voter_utilities = [&](const Eigen::VectorXd& whole, Eigen::VectorXd& utilities, Eigen::VectorXd& out) {
    compute_utilities(positions, scenario.salience, whole, UtilityShape::quadratic, utilities);
    out.resize(v);
    for (Eigen::Index r = 0; r < v; ++r) out(r) = utilities(p.voters[static_cast<std::size_t>(r)]);
  };
  thread_local Eigen::VectorXd utilities;
  utilities.resize(weight.size());
  voter_utilities(draft, utilities, at_compromise);
  double value = p.objective(at_compromise);
  p.utilities = at_compromise;
  if (previous.allFinite()) {
    voter_utilities(previous, utilities, at_previous);
    const double previous_value = p.objective(at_previous);
    if (previous_value > value) {
      bool clamped = false;
      for (int k : p.free) {
        draft(k) = std::clamp(previous(k), 0.0, 1.0);
        clamped = clamped || draft(k) != previous(k);
      }
      if (clamped) {
        voter_utilities(draft, utilities, p.utilities);
        value = p.objective(p.utilities);
      } else {
        p.utilities = at_previous;
        value = previous_value;
      }
    }
  }
  p.values.resize(f);
  for (Eigen::Index j = 0; j < f; ++j) p.values(j) = draft(p.free[static_cast<std::size_t>(j)]);
  return nash_newton(p, draft, value);
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
  // Quadratic loss: Newton on all free paragraphs at once; coordinate ascent is the safeguard
  // (and the method for the linear loss, whose kinks Newton cannot cross).
  if (shape == UtilityShape::quadratic) {
    if (nash_quadratic(scenario, positions, draft, settled, weight, outside, previous)) return;
  } else if (previous.allFinite() && nash_value(scenario, positions, previous, weight, outside, utilities) >
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

namespace {

// Weight of the tie rule's penalty (docs/MODEL.md section 7): the maximin draft maximises
// min_i u_i(x) - (kTieWeight / 2) sum_k W_k (x_k - c_k)^2, so its worst-off utility is within
// kTieWeight / 2 of the true maximin, and among (near-)maximisers it is the one nearest the
// compromise draft c.
constexpr double kTieWeight = 1e-6;
// The solver stops when the duality gap (a bound on how far the draft's objective is from the
// optimum) is below this.
constexpr double kGapTolerance = 1e-11;

// Maximin as a convex program over the weights lambda (a point of the simplex over the drafting
// group): D(lambda) = max_x sum_i lambda_i u_i(x) - (kTieWeight / 2) R(x) is convex, its
// inner maximiser x(lambda) is per paragraph a weighted mean (quadratic loss) or a weighted
// median pulled toward c (linear loss), and its gradient is the utility vector u(x(lambda)).
// min D over the simplex = max_x [min_i u_i(x) - (kTieWeight / 2) R(x)].
class MaximinSolver {
 public:
  // `draft` holds the compromise draft and `totals` its paragraphs' total weights (as
  // compromise_paragraphs() wrote them).
  void solve(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
             const std::vector<std::uint8_t>* settled, const Eigen::VectorXd& previous,
             const std::vector<double>& totals);

 private:
  void paragraph_values(const std::vector<int>& support, const Eigen::VectorXd& lambda, Eigen::VectorXd& x);
  double utility(int a, const Eigen::VectorXd& x) const;
  void all_utilities(const Eigen::VectorXd& x, Eigen::VectorXd& utilities) const;
  double dual_value(const std::vector<int>& support, const Eigen::VectorXd& lambda, Eigen::VectorXd& x);
  void hessian(const std::vector<int>& rows, const Eigen::VectorXd& lambda, const Eigen::VectorXd& x);
  double primal_value(const Eigen::VectorXd& x) const;
  bool polish(const std::vector<int>& support, const Eigen::VectorXd& lambda, const Eigen::VectorXd& x,
              Eigen::VectorXd& polished_x, Eigen::VectorXd& polished_lambda);
  void schur_step(Eigen::Index f, Eigen::Index s, const Eigen::VectorXd& residual);

  UtilityShape shape_ = UtilityShape::quadratic;
  int m_ = 0;                            // drafting delegations (local index a)
  int issues_ = 0;                       // paragraphs solved for (local index q)
  std::vector<int> group_;               // global index of each drafting delegation
  std::vector<int> paragraph_;           // global index of each solved paragraph
  std::vector<int> settled_paragraphs_;  // global index of each settled paragraph (in c_a)
  Eigen::MatrixXd salience_;             // m x issues_
  Eigen::MatrixXd position_;             // m x issues_
  Eigen::VectorXd base_;                 // c_a: 1 - loss on the paragraphs not solved for
  Eigen::VectorXd centre_;               // compromise value of each solved paragraph
  Eigen::VectorXd share_;                // W_q, normalised to sum 1
  Eigen::VectorXd tie_;                  // delta * W_q for the current stage
  Eigen::VectorXd curvature_;            // b_q: d x_q / d lambda scale (0 where x_q sits on a kink)
  // Storage kept between calls (its capacity only grows): alpha_aq = d u_a / d x_q for the
  // Hessian's rows, the Hessian, the bordered Newton system, its right-hand side and solution.
  std::vector<double> slope_storage_;
  std::vector<double> hessian_storage_;
  std::vector<double> bordered_storage_;
  std::vector<double> gradient_storage_;
  std::vector<double> newton_storage_;
  SmallLu lu_;
  Eigen::PartialPivLU<Eigen::MatrixXd> polish_lu_;
  Eigen::MatrixXd polish_slopes_;    // f x s: du_a / dx_q on the face (the Jacobian's B block)
  Eigen::VectorXd polish_diagonal_;  // f: the Jacobian's (diagonal) x block D
  Eigen::MatrixXd reduced_;          // the Schur complement system of the quadratic polish
  Eigen::VectorXd reduced_right_;
  Eigen::VectorXd multipliers_;  // d lambda, then d t
  SmallLu reduced_lu_;
  Eigen::VectorXd step_;
  std::vector<double> weights_;
  std::vector<std::pair<double, double>> kinks_;
};

void MaximinSolver::paragraph_values(const std::vector<int>& support, const Eigen::VectorXd& lambda,
                                     Eigen::VectorXd& x) {
  x.resize(issues_);
  curvature_.resize(issues_);
  for (int q = 0; q < issues_; ++q) {
    if (shape_ == UtilityShape::quadratic) {
      // Maximiser of -(tie/2)(v - c)^2 - sum_a lambda_a S_aq (v - P_aq)^2: a weighted mean.
      double weighted = tie_(q) * centre_(q);
      double total = tie_(q);
      for (int a : support) {
        const double weight = 2 * lambda(a) * salience_(a, q);
        weighted += weight * position_(a, q);
        total += weight;
      }
      x(q) = weighted / total;
      curvature_(q) = total;
      continue;
    }
    // Linear: maximise -(tie/2)(v - c)^2 - sum_a lambda_a S_aq |v - P_aq|. Its slope
    // -tie (v - c) - sum_a lambda_a S_aq sgn(v - P_aq) falls with v; walk the sorted kinks.
    kinks_.clear();
    double total = 0;
    for (int a : support) {
      const double weight = lambda(a) * salience_(a, q);
      if (weight > 0) {
        kinks_.emplace_back(position_(a, q), weight);
        total += weight;
      }
    }
    std::sort(kinks_.begin(), kinks_.end());
    const double tie = tie_(q);
    const double centre = centre_(q);
    double left = 0;                      // weight of the kinks left of the current segment
    double value = centre + total / tie;  // the stationary point left of every kink
    bool on_kink = false;
    for (std::size_t j = 0; j <= kinks_.size(); ++j) {
      const double stationary = centre - (2 * left - total) / tie;
      const double upper = j < kinks_.size() ? kinks_[j].first : 2.0;
      if (stationary < upper) {
        value = stationary;
        break;
      }
      // Equal kinks act as one; the maximum sits on it when the slope changes sign there.
      double weight = 0;
      const double kink = kinks_[j].first;
      while (j < kinks_.size() && kinks_[j].first == kink) weight += kinks_[j++].second;
      --j;
      if (centre - (2 * (left + weight) - total) / tie <= kink) {
        value = kink;
        on_kink = true;
        break;
      }
      left += weight;
    }
    x(q) = std::clamp(value, 0.0, 1.0);
    curvature_(q) = on_kink ? 0.0 : tie;
  }
}

// Every drafting delegation's utility, paragraph by paragraph (the matrices are column-major).
// Two paragraphs per pass over the group: each u_a sees the same subtractions, each evaluated as
// before, in the same order, and is loaded and stored half as often.
void MaximinSolver::all_utilities(const Eigen::VectorXd& x, Eigen::VectorXd& utilities) const {
  utilities = base_;
  double* const utility = utilities.data();
  const bool quadratic = shape_ == UtilityShape::quadratic;
  int q = 0;
  for (; q + 1 < issues_; q += 2) {
    const double value = x(q);
    const double next_value = x(q + 1);
    const double* const salience = salience_.col(q).data();
    const double* const position = position_.col(q).data();
    const double* const next_salience = salience_.col(q + 1).data();
    const double* const next_position = position_.col(q + 1).data();
    if (quadratic) {
      for (int a = 0; a < m_; ++a) {
        double own = utility[a];
        own -= salience[a] * (value - position[a]) * (value - position[a]);
        own -= next_salience[a] * (next_value - next_position[a]) * (next_value - next_position[a]);
        utility[a] = own;
      }
    } else {
      for (int a = 0; a < m_; ++a) {
        double own = utility[a];
        own -= salience[a] * std::abs(value - position[a]);
        own -= next_salience[a] * std::abs(next_value - next_position[a]);
        utility[a] = own;
      }
    }
  }
  if (q < issues_) {
    const double value = x(q);
    const double* const salience = salience_.col(q).data();
    const double* const position = position_.col(q).data();
    if (quadratic) {
      for (int a = 0; a < m_; ++a) utility[a] -= salience[a] * (value - position[a]) * (value - position[a]);
    } else {
      for (int a = 0; a < m_; ++a) utility[a] -= salience[a] * std::abs(value - position[a]);
    }
  }
}

// The first drafting delegation with the lowest of `utilities` (m entries).
int first_lowest(const Eigen::VectorXd& utilities, int m) {
  const double* const utility = utilities.data();
  int worst = 0;
  double lowest = utility[0];
  for (int a = 1; a < m; ++a) {
    if (utility[a] < lowest) {
      worst = a;
      lowest = utility[a];
    }
  }
  return worst;
}

double MaximinSolver::utility(int a, const Eigen::VectorXd& x) const {
  double value = base_(a);
  if (shape_ == UtilityShape::quadratic) {
    for (int q = 0; q < issues_; ++q) {
      const double gap = x(q) - position_(a, q);
      value -= salience_(a, q) * gap * gap;
    }
  } else {
    for (int q = 0; q < issues_; ++q) value -= salience_(a, q) * std::abs(x(q) - position_(a, q));
  }
  return value;
}

double MaximinSolver::dual_value(const std::vector<int>& support, const Eigen::VectorXd& lambda, Eigen::VectorXd& x) {
  paragraph_values(support, lambda, x);
  double value = 0;
  for (int a : support) value += lambda(a) * utility(a, x);
  for (int q = 0; q < issues_; ++q) value -= tie_(q) / 2 * (x(q) - centre_(q)) * (x(q) - centre_(q));
  return value;
}

// H_ab = sum_q alpha_aq alpha_bq / b_q for the given rows, at x = x(lambda), into hessian_storage_.
void MaximinSolver::hessian(const std::vector<int>& rows, const Eigen::VectorXd& /*lambda*/, const Eigen::VectorXd& x) {
  const auto size = static_cast<Eigen::Index>(rows.size());
  slope_storage_.resize(static_cast<std::size_t>(size * issues_));
  Eigen::Map<Eigen::MatrixXd> slope(slope_storage_.data(), size, issues_);
  for (Eigen::Index r = 0; r < size; ++r) {
    const int a = rows[static_cast<std::size_t>(r)];
    for (int q = 0; q < issues_; ++q) {
      double alpha = 0;
      if (curvature_(q) > 0) {
        const double gap = x(q) - position_(a, q);
        alpha = shape_ == UtilityShape::quadratic ? -2 * salience_(a, q) * gap
                                                  : -salience_(a, q) * (gap > 0 ? 1.0 : (gap < 0 ? -1.0 : 0.0));
        alpha /= std::sqrt(curvature_(q));
      }
      slope(r, q) = alpha;
    }
  }
  hessian_storage_.resize(static_cast<std::size_t>(size * size));
  Eigen::Map<Eigen::MatrixXd> matrix(hessian_storage_.data(), size, size);
  matrix.noalias() = slope * slope.transpose();
}

// P(x) = min_a u_a(x) - sum_q (tie_q / 2) (x_q - c_q)^2: the objective the draft maximises.
double MaximinSolver::primal_value(const Eigen::VectorXd& x) const {
  thread_local Eigen::VectorXd utilities;
  all_utilities(x, utilities);
  double worst = utilities.minCoeff();
  for (int q = 0; q < issues_; ++q) worst -= tie_(q) / 2 * (x(q) - centre_(q)) * (x(q) - centre_(q));
  return worst;
}

// Newton's method on the optimality conditions of the support's face, in x, lambda and t
// together (the dual alone is ill-conditioned where x(lambda) moves fast: paragraphs that only
// the tie term holds): for the paragraphs q not on a kink,
//   -tie_q (x_q - c_q) + sum_a lambda_a du_a/dx_q = 0,   u_a(x) = t (a in the support),
//   sum_a lambda_a = 1,
// with the linear loss's signs (and the kinks it sits on) those of the starting x. Returns
// false when the system is singular; the result is only a candidate, judged by its bounds.
bool MaximinSolver::polish(const std::vector<int>& support, const Eigen::VectorXd& lambda, const Eigen::VectorXd& x,
                           Eigen::VectorXd& polished_x, Eigen::VectorXd& polished_lambda) {
  thread_local std::vector<int> free;
  thread_local Eigen::MatrixXd jacobian;
  Eigen::MatrixXd& slopes = polish_slopes_;
  Eigen::VectorXd& diagonal = polish_diagonal_;
  thread_local Eigen::VectorXd residual;
  thread_local Eigen::MatrixXd sign;
  free.clear();
  for (int q = 0; q < issues_; ++q) {
    if (shape_ == UtilityShape::quadratic || curvature_(q) > 0) free.push_back(q);
  }
  const auto f = static_cast<Eigen::Index>(free.size());
  const auto s = static_cast<Eigen::Index>(support.size());
  const Eigen::Index size = f + s + 1;
  if (shape_ == UtilityShape::linear) {  // only the linear loss reads the signs
    sign.resize(s, issues_);
    for (Eigen::Index r = 0; r < s; ++r) {
      const int a = support[static_cast<std::size_t>(r)];
      for (int q = 0; q < issues_; ++q) {
        const double gap = x(q) - position_(a, q);
        sign(r, q) = gap > 0 ? 1.0 : (gap < 0 ? -1.0 : 0.0);
      }
    }
  }
  polished_x = x;
  polished_lambda = lambda;
  double t = 0;
  for (int a : support) t += lambda(a) * utility(a, x);
  for (int iteration = 0; iteration < (shape_ == UtilityShape::quadratic ? 4 : 1); ++iteration) {
    slopes.resize(f, s);
    diagonal.resize(f);
    residual.setZero(size);
    for (Eigen::Index j = 0; j < f; ++j) {
      const int q = free[static_cast<std::size_t>(j)];
      double stationary = -tie_(q) * (polished_x(q) - centre_(q));
      double diagonal_entry = -tie_(q);
      for (Eigen::Index r = 0; r < s; ++r) {
        const int a = support[static_cast<std::size_t>(r)];
        const double slope = shape_ == UtilityShape::quadratic
                                 ? -2 * salience_(a, q) * (polished_x(q) - position_(a, q))
                                 : -salience_(a, q) * sign(r, q);
        stationary += polished_lambda(a) * slope;
        if (shape_ == UtilityShape::quadratic) diagonal_entry -= 2 * polished_lambda(a) * salience_(a, q);
        slopes(j, r) = slope;
      }
      diagonal(j) = diagonal_entry;
      residual(j) = stationary;
    }
    for (Eigen::Index r = 0; r < s; ++r) {
      const int a = support[static_cast<std::size_t>(r)];
      double value = base_(a);
      for (int q = 0; q < issues_; ++q) {
        value -= shape_ == UtilityShape::quadratic
                     ? salience_(a, q) * (polished_x(q) - position_(a, q)) * (polished_x(q) - position_(a, q))
                     : salience_(a, q) * sign(r, q) * (polished_x(q) - position_(a, q));
      }
      residual(f + r) = value - t;
      residual(size - 1) += polished_lambda(a);
    }
    residual(size - 1) -= 1;
    if (shape_ == UtilityShape::quadratic) {
      schur_step(f, s, residual);
    } else {
      // The linear loss's face can be singular (more weights than free paragraphs allow, or
      // delegations whose signs coincide): the full system, factorised with partial pivoting,
      // tells (a zero pivot gives a non-finite step), where its Schur complement would not.
      jacobian.setZero(size, size);
      for (Eigen::Index j = 0; j < f; ++j) {
        jacobian(j, j) = diagonal(j);
        for (Eigen::Index r = 0; r < s; ++r) {
          jacobian(j, f + r) = slopes(j, r);
          jacobian(f + r, j) = slopes(j, r);
        }
      }
      for (Eigen::Index r = 0; r < s; ++r) {
        jacobian(f + r, size - 1) = -1;
        jacobian(size - 1, f + r) = 1;
      }
      polish_lu_.compute(jacobian);
      step_ = polish_lu_.solve(-residual);
    }
    const Eigen::VectorXd& step = step_;
    if (!step.allFinite()) return false;
    for (Eigen::Index j = 0; j < f; ++j) {
      const int q = free[static_cast<std::size_t>(j)];
      polished_x(q) = std::clamp(polished_x(q) + step(j), 0.0, 1.0);
    }
    for (Eigen::Index r = 0; r < s; ++r) polished_lambda(support[static_cast<std::size_t>(r)]) += step(f + r);
    t += step(size - 1);
    if (step.cwiseAbs().maxCoeff() < 1e-15) break;
  }
  // A point of the simplex for the dual bound.
  double total = 0;
  for (int a : support) {
    polished_lambda(a) = std::max(polished_lambda(a), 0.0);
    total += polished_lambda(a);
  }
  if (!(total > 0)) return false;
  for (int a : support) polished_lambda(a) /= total;
  return true;
}

// The polish's Newton step for the quadratic loss. The Jacobian in (x_free, lambda_support, t)
// is [D, B, 0; B', 0, -1; 0, 1', 0] with D diagonal, every entry <= -tie < 0: x is eliminated,
// leaving the (s + 1) x (s + 1) system [-B' D^-1 B, -1; 1', 0] [d lambda; d t] =
// [-r_u + B' D^-1 r_x; -r_1], then d x = D^-1 (-r_x - B d lambda). (One factorisation of size
// s + 1 instead of f + s + 1: the support is small beside the paragraphs.)
void MaximinSolver::schur_step(Eigen::Index f, Eigen::Index s, const Eigen::VectorXd& residual) {
  const Eigen::Index size = f + s + 1;
  reduced_.setZero(s + 1, s + 1);
  reduced_right_.resize(s + 1);
  for (Eigen::Index r = 0; r < s; ++r) {
    double right = -residual(f + r);
    for (Eigen::Index j = 0; j < f; ++j) right += polish_slopes_(j, r) * residual(j) / polish_diagonal_(j);
    reduced_right_(r) = right;
    for (Eigen::Index c = 0; c <= r; ++c) {
      double entry = 0;
      for (Eigen::Index j = 0; j < f; ++j) entry -= polish_slopes_(j, r) * polish_slopes_(j, c) / polish_diagonal_(j);
      reduced_(r, c) = entry;
      reduced_(c, r) = entry;
    }
    reduced_(r, s) = -1;
    reduced_(s, r) = 1;
  }
  reduced_right_(s) = -residual(size - 1);
  reduced_lu_.compute(reduced_);
  multipliers_.resize(s + 1);
  reduced_lu_.solve(reduced_right_, multipliers_);
  step_.resize(size);
  for (Eigen::Index j = 0; j < f; ++j) {
    double right = -residual(j);
    for (Eigen::Index r = 0; r < s; ++r) right -= polish_slopes_(j, r) * multipliers_(r);
    step_(j) = right / polish_diagonal_(j);
  }
  step_.tail(s + 1) = multipliers_;
}

void MaximinSolver::solve(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                          const std::vector<std::uint8_t>* settled, const Eigen::VectorXd& previous,
                          const std::vector<double>& totals) {
  shape_ = scenario.process.utility;
  const int n = scenario.delegation_count();
  group_.resize(static_cast<std::size_t>(n));  // keeps its capacity; filled through a cursor
  std::size_t members = 0;
  for (int i = 0; i < n; ++i) {
    if (drafts_from(scenario, i)) group_[members++] = i;
  }
  group_.resize(members);
  m_ = static_cast<int>(group_.size());
  const bool everyone = m_ == n;  // then group_[a] = a
  // Paragraphs to solve: unsettled ones some drafting delegation cares about. The others keep
  // their compromise value (q_k when nobody cares) and enter only the constants c_a.
  paragraph_.clear();
  double total_weight = 0;
  std::vector<double>& weights = weights_;
  weights.clear();
  settled_paragraphs_.clear();
  for (int k = 0; k < scenario.issue_count(); ++k) {
    if (is_settled(settled, k)) {
      settled_paragraphs_.push_back(k);
      continue;
    }
    // sum_i w_i S_ik over the drafting group, in index order: the compromise draft's total.
    const double weight = totals[static_cast<std::size_t>(k)];
    if (weight > 0) {
      paragraph_.push_back(k);
      weights.push_back(weight);
      total_weight += weight;
    }
  }
  issues_ = static_cast<int>(paragraph_.size());
  if (m_ == 0 || issues_ == 0) return;
  salience_.resize(m_, issues_);
  position_.resize(m_, issues_);
  base_.resize(m_);
  centre_.resize(issues_);
  share_.resize(issues_);
  for (int q = 0; q < issues_; ++q) {
    const int k = paragraph_[static_cast<std::size_t>(q)];
    centre_(q) = draft(k);
    share_(q) = weights[static_cast<std::size_t>(q)] / total_weight;
    if (everyone) {  // whole columns, copied as bytes
      std::copy_n(scenario.salience.col(k).data(), m_, salience_.col(q).data());
      std::copy_n(positions.col(k).data(), m_, position_.col(q).data());
      continue;
    }
    for (int a = 0; a < m_; ++a) {
      salience_(a, q) = scenario.salience(group_[static_cast<std::size_t>(a)], k);
      position_(a, q) = positions(group_[static_cast<std::size_t>(a)], k);
    }
  }
  // c_a = 1 - sum over the settled paragraphs, in their order, of S_ak loss_ak: paragraph by
  // paragraph over the group (each c_a sees the same subtractions in the same order).
  base_.setOnes(m_);
  double* const base = base_.data();
  const int* const member = group_.data();
  for (int k : settled_paragraphs_) {
    const double value = draft(k);
    const double* const salience = scenario.salience.col(k).data();
    const double* const position = positions.col(k).data();
    if (everyone) {
      for (int a = 0; a < m_; ++a) base[a] -= salience[a] * issue_loss(value, position[a], shape_);
    } else {
      for (int a = 0; a < m_; ++a) base[a] -= salience[member[a]] * issue_loss(value, position[member[a]], shape_);
    }
  }

  thread_local Eigen::VectorXd lambda;
  thread_local Eigen::VectorXd trial_lambda;
  thread_local Eigen::VectorXd x;
  thread_local Eigen::VectorXd trial_x;
  thread_local Eigen::VectorXd utilities;
  thread_local Eigen::VectorXd direction;
  thread_local std::vector<int> support;
  thread_local std::vector<int> rows;
  thread_local std::vector<int> trial_support;
  utilities.resize(m_);
  // Start: all weight on the worst-off delegation at the compromise draft, or at last round's
  // draft when that leaves the worst-off better off.
  auto worst_off_at = [&](const Eigen::VectorXd& at) {
    all_utilities(at, utilities);
    const double* const utility = utilities.data();
    double lowest = 1e300;  // (utility, delegation): the first of the lowest
    int worst = 0;
    for (int a = 0; a < m_; ++a) {
      if (utility[a] < lowest) {
        lowest = utility[a];
        worst = a;
      }
    }
    return std::pair<double, int>{lowest, worst};
  };
  x = centre_;
  const auto [compromise_worst, compromise_start] = worst_off_at(x);
  int start = compromise_start;
  if (previous.size() == draft.size() && previous.allFinite()) {
    for (int q = 0; q < issues_; ++q) x(q) = std::clamp(previous(paragraph_[static_cast<std::size_t>(q)]), 0.0, 1.0);
    const auto [previous_worst, previous_start] = worst_off_at(x);
    if (previous_worst > compromise_worst) start = previous_start;
  }
  lambda.setZero(m_);
  lambda(start) = 1;
  support.assign(1, start);
  thread_local Eigen::VectorXd best_x;
  thread_local Eigen::VectorXd polished_x;
  thread_local Eigen::VectorXd polished_lambda;
  // The linear loss's dual is piecewise quadratic with curvature 1 / delta: it is solved for
  // delta = 0.1, 0.01, ..., kTieWeight in turn, each from the last one's weights.
  const double first = shape_ == UtilityShape::quadratic ? kTieWeight : 0.1;
  for (double delta = first; delta >= kTieWeight * 0.99; delta /= 10) {
    tie_ = delta * share_;
    double value = dual_value(support, lambda, x);
    // Bounds on the optimum P*: lower = the best P(x) found (its x is the draft), upper = the
    // lowest D(lambda) found; stop when they meet within kGapTolerance.
    double upper = value;
    double lower = -1e300;
    double previous_gap = 1e300;
    for (int iteration = 0; iteration < 100; ++iteration) {
      all_utilities(x, utilities);
      int worst = first_lowest(utilities, m_);
      double candidate = utilities.minCoeff();  // P(x) from the utilities just computed
      for (int q = 0; q < issues_; ++q) candidate -= tie_(q) / 2 * (x(q) - centre_(q)) * (x(q) - centre_(q));
      if (candidate > lower) {
        lower = candidate;
        best_x = x;
      }
      if (upper - lower <= kGapTolerance) break;
      if (upper - lower < 1e-6 || upper - lower > 0.1 * previous_gap) {
        // Close, or the dual steps stall: Newton on the face's optimality conditions.
        if (polish(support, lambda, x, polished_x, polished_lambda)) {
          const double polished = primal_value(polished_x);
          if (polished > lower) {
            lower = polished;
            best_x = polished_x;
          }
          thread_local std::vector<int> polished_support;
          polished_support.clear();
          for (int a : support) {
            if (polished_lambda(a) > 0) polished_support.push_back(a);
          }
          const double bound = dual_value(polished_support, polished_lambda, trial_x);
          if (bound < value) {
            upper = std::min(upper, bound);
            lambda.swap(polished_lambda);
            support.swap(polished_support);
            x.swap(trial_x);
            value = bound;
            all_utilities(x, utilities);
            worst = first_lowest(utilities, m_);
          }
          if (upper - lower <= kGapTolerance) break;
        }
      }
      previous_gap = upper - lower;
      bool moved = false;
      for (int attempt = 0; attempt < 3 && !moved; ++attempt) {
        // attempt 0: Newton on the support plus the worst-off; 1: Newton on the support;
        // 2: a step toward the worst-off (Frank-Wolfe), always a descent direction.
        rows = support;
        const bool add = lambda(worst) == 0;
        if (attempt == 0 && add) rows.push_back(worst);
        if (attempt == 0 && !add) attempt = 1;
        const auto size = static_cast<Eigen::Index>(rows.size());
        direction.setZero(m_);
        if (attempt < 2) {
          hessian(rows, lambda, x);
          // The face's Newton system, bordered by the sum-zero condition:
          // [H + ridge, 1; 1', 0] [d; mu] = [-g; 0]. (The ridge keeps it regular where
          // delegations have identical utilities.)
          const Eigen::Map<const Eigen::MatrixXd> hessian_matrix(hessian_storage_.data(), size, size);
          const double ridge = 1e-12 * (hessian_matrix.trace() / static_cast<double>(size)) + 1e-300;
          const auto bordered_size = static_cast<std::size_t>((size + 1) * (size + 1));
          bordered_storage_.resize(bordered_size);
          gradient_storage_.resize(static_cast<std::size_t>(size + 1));
          newton_storage_.resize(static_cast<std::size_t>(size + 1));
          Eigen::Map<Eigen::MatrixXd> bordered(bordered_storage_.data(), size + 1, size + 1);
          Eigen::Map<Eigen::VectorXd> gradient(gradient_storage_.data(), size + 1);
          Eigen::Map<Eigen::VectorXd> solution(newton_storage_.data(), size + 1);
          bordered.setZero();
          bordered.topLeftCorner(size, size) = hessian_matrix;
          bordered.topLeftCorner(size, size).diagonal().array() += ridge;
          bordered.col(size).head(size).setOnes();
          bordered.row(size).head(size).setOnes();
          gradient.setZero();
          for (Eigen::Index r = 0; r < size; ++r) gradient(r) = -utilities(rows[static_cast<std::size_t>(r)]);
          lu_.compute(bordered);
          lu_.solve(gradient, solution);
          Eigen::Map<Eigen::VectorXd> newton(newton_storage_.data(), size);
          newton.array() -= newton.mean();  // exactly sum-zero, so lambda stays on the simplex
          if (!newton.allFinite()) continue;
          if (attempt == 0 && newton(size - 1) <= 0) continue;  // Newton would not use the worst-off
          for (Eigen::Index r = 0; r < size; ++r) direction(rows[static_cast<std::size_t>(r)]) = newton(r);
        } else {
          direction = -lambda;
          direction(worst) += 1;
          rows = support;
          if (add) rows.push_back(worst);
        }
        double slope = 0;
        double limit = 1;
        for (int a : rows) {
          slope += direction(a) * utilities(a);
          if (direction(a) < 0) limit = std::min(limit, lambda(a) / -direction(a));
        }
        if (!(slope < 0)) continue;
        double step = limit;
        for (int halving = 0; halving < 60; ++halving, step /= 2) {
          trial_lambda = lambda + step * direction;
          trial_support.clear();
          for (int a : rows) {
            if (step == limit && direction(a) < 0 && lambda(a) / -direction(a) == limit) trial_lambda(a) = 0;
            if (trial_lambda(a) > 0) {
              trial_support.push_back(a);
            } else {
              trial_lambda(a) = 0;
            }
          }
          const double trial_value = dual_value(trial_support, trial_lambda, trial_x);
          if (trial_value <= value + 1e-4 * step * slope) {
            lambda.swap(trial_lambda);
            support.swap(trial_support);
            x.swap(trial_x);
            value = trial_value;
            upper = std::min(upper, value);
            moved = true;
            break;
          }
        }
      }
      if (!moved) break;  // no descent left to rounding: the best draft found
    }
  }
  for (int q = 0; q < issues_; ++q) draft(paragraph_[static_cast<std::size_t>(q)]) = best_x(q);
}

}  // namespace

void draft_maximin(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                   const std::vector<std::uint8_t>* settled) {
  thread_local Eigen::VectorXd previous;
  thread_local MaximinSolver solver;
  thread_local std::vector<double> totals;
  previous = draft;
  compromise_paragraphs(scenario, positions, draft, settled, &totals);
  solver.solve(scenario, positions, draft, settled, previous, totals);
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
