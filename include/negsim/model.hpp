// The equations of the reference model as small pure functions (docs/MODEL.md gives each one).
// The engine composes them; the unit tests check them against hand-computed values.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "negsim/scenario.hpp"

namespace negsim {

enum class Response { support, aside, object };
std::string to_string(Response response);

// Loss on one issue: |x - p| (linear) or (x - p)^2 (quadratic).
inline double issue_loss(double draft_value, double position, UtilityShape shape) {
  const double gap = draft_value - position;
  return shape == UtilityShape::linear ? (gap < 0 ? -gap : gap) : gap * gap;
}

// u_i(x) = 1 - sum_k S_ik loss(x_k, P_ik) for every delegation. `utilities` has n entries.
void compute_utilities(const Eigen::MatrixXd& positions, const Eigen::MatrixXd& salience, const Eigen::VectorXd& draft,
                       UtilityShape shape, Eigen::VectorXd& utilities);

// Support threshold r_i(t) of a time-dependent concession agent (Faratin, Sierra & Jennings 1998):
// r(t) = r_max - (r_max - r_min) (t / T)^(1 / beta), t = round (0-based), T = max_rounds - 1.
double concession_threshold(const AgentParameters& agent, int round, int max_rounds);

// Row-stochastic influence matrix W (n x n) from bloc cohesion, leader weight and ties.
Eigen::MatrixXd influence_matrix(const Scenario& scenario);

// W applied without forming it. A row of W holds only the delegation itself, its bloc and its
// ties, so W P costs O(n k) through per-bloc sums instead of O(n^2 k) as a dense product.
// Agrees with influence_matrix(scenario) * P to rounding.
class InfluenceOperator {
 public:
  explicit InfluenceOperator(const Scenario& scenario) { rebuild(scenario); }
  // Set up again for `scenario` (or the same one with new values), keeping the buffers' capacity.
  void rebuild(const Scenario& scenario);
  void apply(const Eigen::MatrixXd& positions, Eigen::MatrixXd& result) const;  // result = W positions
  // One column of it: out = W column (n entries each; distinct arrays).
  void apply_column(const double* column, double* out) const;

 private:
  // Rows by kind, so that each kind is one loop without branches; every entry takes the same
  // operations, in the same order, as the row-wise formula.
  struct Pooled {  // in a bloc, every other member weighted alike
    int index;
    int bloc;
    double self;
    double member_weight;
  };
  struct Led {  // in a bloc whose leader (another member) has a weight of its own
    int index;
    int bloc;
    int leader;
    double self;
    double leader_weight;
    double member_weight;  // on each other member but the leader
  };
  struct Tied {  // ties after the bloc terms, then the division by the row sum
    int index;
    int first_tie;  // ties_[first_tie, end_tie)
    int end_tie;
    double normaliser;  // row sum before normalising
  };
  std::vector<int> alone_;  // no bloc (or a bloc of one): its own position, weight 1
  std::vector<Pooled> pooled_;
  std::vector<Led> led_;
  std::vector<Tied> tied_;
  std::vector<std::pair<int, double>> ties_;
  std::vector<int> bloc_members_;          // every bloc's members, bloc after bloc
  std::vector<int> bloc_offsets_;          // blocs + 1: bloc b's members are [offsets[b], offsets[b + 1])
  mutable std::vector<double> bloc_sums_;  // blocs, work buffer
};

// One Friedkin-Johnsen step: next = L W current + (I - L) initial, then each position is
// clamped inside its own red lines. L = diag(susceptibility). `next` is another matrix than the others.
void influence_step(const InfluenceOperator& influence, const Eigen::VectorXd& susceptibility,
                    const Eigen::MatrixXd& initial, const Eigen::MatrixXd& current, const Eigen::MatrixXd& red_line_min,
                    const Eigen::MatrixXd& red_line_max, Eigen::MatrixXd& next);

// True when the draft value lies outside [min, max] of delegation i's red line on issue k.
inline bool crosses_red_line(const Scenario& scenario, int delegation, int issue, double value) {
  constexpr double tolerance = 1e-9;
  return value < scenario.red_line_min(delegation, issue) - tolerance ||
         value > scenario.red_line_max(delegation, issue) + tolerance;
}

// Whether the responses meet the decision rule. Delegations marked in `observers` (n entries,
// may be null) are left out: an observer's objection never counts.
bool rule_met(const Rule& rule, const std::vector<Response>& responses,
              const std::vector<std::uint8_t>* observers = nullptr);

// Chair strategies: each writes a draft (k entries) from current positions. Paragraphs marked
// in `settled` (k entries, may be null) keep the value `draft` already holds; the others are
// chosen around them.
// Compromise model: x_k = sum_i w_i S_ik P_ik / sum_i w_i S_ik (status quo when no one cares).
void draft_compromise(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                      const std::vector<std::uint8_t>* settled = nullptr);
// Nash bargaining: maximise sum_i w_i log(u_i(x) - outside_i) by coordinate ascent.
void draft_nash(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                const std::vector<std::uint8_t>* settled = nullptr);
// Maximin: maximise min_i u_i(x) by coordinate ascent on a smoothed minimum.
void draft_maximin(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                   const std::vector<std::uint8_t>* settled = nullptr);
// The chair's draft: its strategy, then leaning `bias` toward the chair delegation's position.
void draft_for_chair(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                     const std::vector<std::uint8_t>* settled = nullptr);
// Its second half: the unsettled paragraphs lean `bias` toward the chair delegation's position.
void lean_toward_chair(const Scenario& scenario, const Eigen::MatrixXd& positions, Eigen::VectorXd& draft,
                       const std::vector<std::uint8_t>* settled = nullptr);

}  // namespace negsim
