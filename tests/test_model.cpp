// Unit tests of the model's equations against values computed by hand (docs/MODEL.md).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "negsim/model.hpp"
#include "test_support.hpp"

using test_support::scenario_from;

namespace {

// Two delegations on one issue at 0 and 1, powers 1 and 3, equal salience.
const char* const two_poles = R"(
title: Two poles
issues:
  - id: text
    title: The text
    levels: [{value: 0, text: "none"}, {value: 1, text: "full"}]
delegations:
  - {id: low, power: 1, positions: {text: 0}, outside_option: 0}
  - {id: high, power: 3, positions: {text: 1}, outside_option: 0}
)";

}  // namespace

TEST_CASE("utility is one minus salience-weighted distance", "[model][utility]") {
  Eigen::MatrixXd positions(2, 2);
  positions << 0.2, 0.8, 1.0, 0.0;
  Eigen::MatrixXd salience(2, 2);
  salience << 0.75, 0.25, 0.5, 0.5;
  Eigen::VectorXd draft(2);
  draft << 0.6, 0.4;
  Eigen::VectorXd utilities(2);
  negsim::compute_utilities(positions, salience, draft, negsim::UtilityShape::linear, utilities);
  // 1 - (0.75 * 0.4 + 0.25 * 0.4) = 0.6 ; 1 - (0.5 * 0.4 + 0.5 * 0.4) = 0.6
  CHECK(utilities(0) == Approx(0.6));
  CHECK(utilities(1) == Approx(0.6));
  negsim::compute_utilities(positions, salience, draft, negsim::UtilityShape::quadratic, utilities);
  // 1 - (0.75 * 0.16 + 0.25 * 0.16) = 0.84
  CHECK(utilities(0) == Approx(0.84));
  CHECK(utilities(1) == Approx(0.84));
}

TEST_CASE("salience rows are normalised to sum to one", "[model][salience]") {
  auto scenario = scenario_from(R"(
title: Salience
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: b, title: B, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: one, positions: {a: 0, b: 0}, salience: {a: 3, b: 1}}
  - {id: two, positions: {a: 1, b: 1}}
)");
  CHECK(scenario.salience(0, 0) == Approx(0.75));
  CHECK(scenario.salience(0, 1) == Approx(0.25));
  CHECK(scenario.salience(1, 0) == Approx(0.5));
  CHECK(scenario.salience.rowwise().sum().minCoeff() == Approx(1.0));
}

TEST_CASE("concession thresholds follow Faratin, Sierra and Jennings", "[model][concession]") {
  negsim::AgentParameters agent;
  agent.support_max = 0.9;
  agent.support_min = 0.5;
  agent.beta = 1.0;
  CHECK(negsim::concession_threshold(agent, 0, 11) == Approx(0.9));
  CHECK(negsim::concession_threshold(agent, 5, 11) == Approx(0.7));
  CHECK(negsim::concession_threshold(agent, 10, 11) == Approx(0.5));
  agent.beta = 0.5;  // Boulware: (1/2)^2 = 1/4 of the way
  CHECK(negsim::concession_threshold(agent, 5, 11) == Approx(0.8));
  agent.beta = 2.0;  // conceder: (1/2)^(1/2) of the way
  CHECK(negsim::concession_threshold(agent, 5, 11) == Approx(0.9 - 0.4 * std::sqrt(0.5)));
  // Thresholds never rise over time.
  for (double beta : {0.2, 1.0, 5.0}) {
    agent.beta = beta;
    for (int round = 1; round < 11; ++round) {
      CHECK(negsim::concession_threshold(agent, round, 11) <= negsim::concession_threshold(agent, round - 1, 11));
    }
  }
}

TEST_CASE("the influence matrix is row-stochastic and follows bloc structure", "[model][influence]") {
  auto scenario = scenario_from(R"(
title: Blocs
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
blocs:
  - {id: west, cohesion: 0.6, leader: lead, leader_weight: 0.5}
delegations:
  - {id: lead, bloc: west, positions: {a: 1}}
  - {id: second, bloc: west, positions: {a: 0.8}}
  - {id: third, bloc: west, positions: {a: 0.6}, ties: {loner: 0.4}}
  - {id: loner, positions: {a: 0}}
)");
  const Eigen::MatrixXd influence = negsim::influence_matrix(scenario);
  for (Eigen::Index i = 0; i < influence.rows(); ++i) CHECK(influence.row(i).sum() == Approx(1.0));
  CHECK(influence.minCoeff() >= 0.0);
  // The leader spreads its cohesion equally over the other members.
  CHECK(influence(0, 0) == Approx(0.4));
  CHECK(influence(0, 1) == Approx(0.3));
  CHECK(influence(0, 2) == Approx(0.3));
  // A member gives the leader half the bloc weight and splits the rest.
  CHECK(influence(1, 1) == Approx(0.4));
  CHECK(influence(1, 0) == Approx(0.3));
  CHECK(influence(1, 2) == Approx(0.3));
  // A tie adds weight before normalising: row (0.3, 0.3, 0.4, 0.4) / 1.4.
  CHECK(influence(2, 3) == Approx(0.4 / 1.4));
  CHECK(influence(2, 2) == Approx(0.4 / 1.4));
  // No bloc, no ties: only itself.
  CHECK(influence(3, 3) == Approx(1.0));
  // The operator the engine uses applies the same W without forming it.
  Eigen::MatrixXd applied(4, 1);
  negsim::InfluenceOperator(scenario).apply(scenario.positions, applied);
  CHECK((applied - influence * scenario.positions).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("the influence step takes the bits of W applied, then moved and clamped", "[model][influence]") {
  // Every kind of row (alone, pooled, led; each with and without ties), five paragraphs (a block
  // of four columns and one alone) and red lines that clamp: influence_step() in one pass gives
  // exactly what apply() followed by the step's formula gives.
  auto scenario = scenario_from(R"(
title: Rows
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: b, title: B, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: c, title: C, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: d, title: D, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: e, title: E, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
blocs:
  - {id: west, cohesion: 0.6, leader: lead, leader_weight: 0.5}
  - {id: south, cohesion: 0.45}
delegations:
  - {id: lead, bloc: west, positions: {a: 1, b: 0.2, c: 0.7, d: 0.1, e: 0.5}, susceptibility: 0.3}
  - {id: second, bloc: west, positions: {a: 0.8, b: 0.4, c: 0.3, d: 0.9, e: 0.2}, ties: {loner: 0.25}}
  - {id: third, bloc: west, positions: {a: 0.6, b: 0.1, c: 0.9, d: 0.4, e: 0.7}, susceptibility: 0.9}
  - {id: fourth, bloc: south, positions: {a: 0.1, b: 0.5, c: 0.2, d: 0.5, e: 0.3}, red_lines: {b: {max: 0.55}}}
  - {id: fifth, bloc: south, positions: {a: 0.3, b: 0.9, c: 0.5, d: 0.2, e: 0.8}, ties: {lead: 0.3, third: 0.2}}
  - {id: loner, positions: {a: 0, b: 0.5, c: 0.6, d: 0.7, e: 0.4}, red_lines: {d: {min: 0.65}}}
  - {id: hermit, positions: {a: 0.4, b: 0.3, c: 0.8, d: 0.6, e: 0.1}, ties: {fourth: 0.5}, susceptibility: 0.7}
)");
  const negsim::InfluenceOperator influence(scenario);
  Eigen::VectorXd susceptibility(scenario.delegation_count());
  for (int i = 0; i < scenario.delegation_count(); ++i)
    susceptibility(i) = scenario.delegations[static_cast<std::size_t>(i)].susceptibility;
  Eigen::MatrixXd current = scenario.positions;
  Eigen::MatrixXd next(current.rows(), current.cols());
  Eigen::MatrixXd expected(current.rows(), current.cols());
  for (int step = 0; step < 4; ++step) {
    influence.apply(current, expected);
    for (Eigen::Index j = 0; j < expected.cols(); ++j) {
      for (Eigen::Index i = 0; i < expected.rows(); ++i) {
        const double moved = susceptibility(i) * expected(i, j) + (1.0 - susceptibility(i)) * scenario.positions(i, j);
        expected(i, j) = std::min(std::max(moved, scenario.red_line_min(i, j)), scenario.red_line_max(i, j));
      }
    }
    negsim::influence_step(influence, susceptibility, scenario.positions, current, scenario.red_line_min,
                           scenario.red_line_max, next);
    for (Eigen::Index j = 0; j < expected.cols(); ++j) {
      for (Eigen::Index i = 0; i < expected.rows(); ++i) CHECK(next(i, j) == expected(i, j));  // bit for bit
    }
    current = next;
  }
  CHECK(current(3, 1) <= 0.55);  // the red lines clamped
  CHECK(current(5, 3) >= 0.65);
}

TEST_CASE("Friedkin-Johnsen iteration converges to its closed-form fixed point", "[model][influence]") {
  auto scenario = scenario_from(R"(
title: FJ
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: b, title: B, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
blocs:
  - {id: one, cohesion: 0.7}
delegations:
  - {id: x, bloc: one, positions: {a: 0.1, b: 0.9}, susceptibility: 0.5}
  - {id: y, bloc: one, positions: {a: 0.9, b: 0.2}, susceptibility: 0.8}
  - {id: z, bloc: one, positions: {a: 0.5, b: 0.5}, susceptibility: 0.2}
)");
  const negsim::InfluenceOperator influence(scenario);
  Eigen::VectorXd susceptibility(3);
  susceptibility << 0.5, 0.8, 0.2;
  Eigen::MatrixXd current = scenario.positions;
  Eigen::MatrixXd next(3, 2);
  for (int step = 0; step < 500; ++step) {
    negsim::influence_step(influence, susceptibility, scenario.positions, current, scenario.red_line_min,
                           scenario.red_line_max, next);
    current = next;
  }
  const Eigen::MatrixXd lambda = susceptibility.asDiagonal();
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(3, 3);
  const Eigen::MatrixXd fixed_point =
      (identity - lambda * negsim::influence_matrix(scenario)).inverse() * (identity - lambda) * scenario.positions;
  CHECK((current - fixed_point).cwiseAbs().maxCoeff() < 1e-9);
}

TEST_CASE("decision rules count objections and support", "[model][rules]") {
  using negsim::Response;
  const std::vector<Response> all_support = {Response::support, Response::support, Response::support};
  const std::vector<Response> one_aside = {Response::support, Response::aside, Response::support};
  const std::vector<Response> one_object = {Response::support, Response::object, Response::aside};
  const std::vector<Response> two_object = {Response::object, Response::object, Response::support};
  negsim::Rule unanimity{negsim::RuleKind::unanimity, 0};
  negsim::Rule consensus{negsim::RuleKind::consensus, 0};
  negsim::Rule minus_one{negsim::RuleKind::consensus_minus, 1};
  CHECK(negsim::rule_met(unanimity, all_support));
  CHECK_FALSE(negsim::rule_met(unanimity, one_aside));
  CHECK(negsim::rule_met(consensus, one_aside));
  CHECK_FALSE(negsim::rule_met(consensus, one_object));
  CHECK(negsim::rule_met(minus_one, one_object));
  CHECK_FALSE(negsim::rule_met(minus_one, two_object));
  CHECK(minus_one.name() == "consensus-minus-1");
}

TEST_CASE("chair strategies draft the hand-computed texts", "[model][chair]") {
  auto scenario = scenario_from(two_poles);
  Eigen::VectorXd draft = Eigen::VectorXd::Zero(1);
  SECTION("compromise: power-weighted mean, (1*0 + 3*1) / 4") {
    negsim::draft_compromise(scenario, scenario.positions, draft);
    CHECK(draft(0) == Approx(0.75));
  }
  SECTION("Nash bargaining: maximise log(1 - x) + 3 log(x), so x = 3/4") {
    negsim::draft_nash(scenario, scenario.positions, draft);
    CHECK(draft(0) == Approx(0.75).margin(1e-4));
  }
  SECTION("Nash bargaining with equal power splits the difference") {
    auto equal = scenario_from(two_poles, {"delegations.high.power=1"});
    negsim::draft_nash(equal, equal.positions, draft);
    CHECK(draft(0) == Approx(0.5).margin(1e-4));
  }
  SECTION("maximin ignores power: the worst-off is best off at 1/2") {
    negsim::draft_maximin(scenario, scenario.positions, draft);
    CHECK(draft(0) == Approx(0.5).margin(1e-9));
  }
  SECTION("bias leans toward the chair's own position") {
    auto biased = scenario_from(two_poles, {"process.chair.delegation=low", "process.chair.bias=0.2"});
    negsim::draft_for_chair(biased, biased.positions, draft);
    CHECK(draft(0) == Approx(0.8 * 0.75 + 0.2 * 0.0));
  }
}

TEST_CASE("maximin beats the compromise for the worst-off delegation", "[model][chair]") {
  auto scenario = scenario_from(R"(
title: Three
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: b, title: B, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: one, positions: {a: 0, b: 0}, salience: {a: 1, b: 1}}
  - {id: two, positions: {a: 0, b: 0.2}, salience: {a: 1, b: 1}}
  - {id: three, positions: {a: 1, b: 1}, salience: {a: 1, b: 1}}
)");
  Eigen::VectorXd compromise = Eigen::VectorXd::Zero(2);
  Eigen::VectorXd maximin = Eigen::VectorXd::Zero(2);
  Eigen::VectorXd utilities(3);
  negsim::draft_compromise(scenario, scenario.positions, compromise);
  negsim::draft_maximin(scenario, scenario.positions, maximin);
  negsim::compute_utilities(scenario.positions, scenario.salience, compromise, negsim::UtilityShape::linear, utilities);
  const double compromise_worst = utilities.minCoeff();
  negsim::compute_utilities(scenario.positions, scenario.salience, maximin, negsim::UtilityShape::linear, utilities);
  // The best possible minimum is 0.5 (delegations one and three are opposite poles).
  CHECK(utilities.minCoeff() == Approx(0.5).margin(1e-6));
  CHECK(utilities.minCoeff() > compromise_worst);
}

TEST_CASE("objecting alone costs more than objecting in company", "[model][isolation]") {
  // Draft = (10*1 + 4*0.5) / 16 = 0.75, so both unhappy delegations have utility 0.25: below
  // their outside option 0.3 but above 0.3 - isolation cost 0.1.
  const std::string base = R"(
title: Isolation
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: happy, power: 10, positions: {a: 1}}
  - {id: unhappy_a, power: 1, positions: {a: 0}, outside_option: 0.3}
  - {id: unhappy_b, power: 1, positions: {a: 0}, outside_option: 0.3}
  - {id: hardliner, power: 4, positions: {a: 0.5}, red_lines: {a: {max: 0.5}}}
process:
  max_rounds: 1
  isolation_cost: 0.1
  full_company: 0.25
  chair: {repair: false, amendments: false}
)";
  SECTION("with a red-line objector holding a quarter of the others' power, both object too") {
    auto scenario = scenario_from(base);
    auto outcome = negsim::simulate(scenario, 1);
    CHECK(outcome.draft(0) == Approx(0.75));
    CHECK(test_support::ids_with(scenario, outcome, negsim::Response::object) ==
          std::vector<std::string>{"hardliner", "unhappy_a", "unhappy_b"});
  }
  SECTION("without it, each would object alone, and so neither does") {
    auto scenario = scenario_from(base, {"delegations.hardliner.red_lines.a.max=1"});
    auto outcome = negsim::simulate(scenario, 1);
    CHECK(outcome.draft(0) == Approx(0.75));
    CHECK(test_support::ids_with(scenario, outcome, negsim::Response::object).empty());
    CHECK(outcome.kind == negsim::OutcomeKind::consensus_with_dissociations);
  }
}

namespace {

// Four delegations, three paragraphs, unequal power, saliences and outside options.
const char* const four_delegations = R"(
title: Four
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: b, title: B, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: c, title: C, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: one, power: 1, outside_option: 0.2, positions: {a: 0, b: 0.1, c: 0.9}, salience: {a: 3, b: 1, c: 1}}
  - {id: two, power: 2, outside_option: 0.3, positions: {a: 0.3, b: 0.8, c: 0.2}, salience: {a: 1, b: 2, c: 1}}
  - {id: three, power: 4, outside_option: 0.1, positions: {a: 1, b: 0.6, c: 0.5}, salience: {a: 1, b: 1, c: 2}}
  - {id: four, power: 1, outside_option: 0.4, positions: {a: 0.7, b: 0, c: 1}, salience: {a: 2, b: 1, c: 1}}
)";

// The objectives of docs/MODEL.md section 7 at a whole draft.
double nash_objective(const negsim::Scenario& scenario, const Eigen::VectorXd& draft) {
  Eigen::VectorXd utilities(scenario.delegation_count());
  negsim::compute_utilities(scenario.positions, scenario.salience, draft, scenario.process.utility, utilities);
  double total_power = 0;
  for (int i = 0; i < scenario.delegation_count(); ++i) total_power += scenario.power(i);
  double value = 0;
  for (int i = 0; i < scenario.delegation_count(); ++i) {
    const double surplus = utilities(i) - scenario.delegations[static_cast<std::size_t>(i)].outside_option;
    value += scenario.power(i) / total_power *
             (surplus >= 1e-3 ? std::log(surplus) : std::log(1e-3) + (surplus - 1e-3) / 1e-3);
  }
  return value;
}

double worst_off(const negsim::Scenario& scenario, const Eigen::VectorXd& draft) {
  Eigen::VectorXd utilities(scenario.delegation_count());
  negsim::compute_utilities(scenario.positions, scenario.salience, draft, scenario.process.utility, utilities);
  return utilities.minCoeff();
}

}  // namespace

TEST_CASE("the Nash draft is a maximum of the Nash objective", "[model][chair]") {
  for (const char* shape : {"linear", "quadratic"}) {
    DYNAMIC_SECTION(shape) {
      const auto scenario = scenario_from(four_delegations, {std::string("process.utility=") + shape});
      Eigen::VectorXd draft = Eigen::VectorXd::Zero(3);
      negsim::draft_nash(scenario, scenario.positions, draft);
      const double best = nash_objective(scenario, draft);
      // No single-paragraph move and no joint move of every paragraph does better.
      for (double step : {1e-2, 1e-3, 1e-5}) {
        for (int k = 0; k < 3; ++k) {
          for (double sign : {-1.0, 1.0}) {
            Eigen::VectorXd moved = draft;
            moved(k) = std::clamp(moved(k) + sign * step, 0.0, 1.0);
            CHECK(nash_objective(scenario, moved) <= best + 1e-12);
          }
        }
        for (int pattern = 0; pattern < 8; ++pattern) {
          Eigen::VectorXd moved = draft;
          for (int k = 0; k < 3; ++k) moved(k) = std::clamp(moved(k) + ((pattern >> k) & 1 ? step : -step), 0.0, 1.0);
          CHECK(nash_objective(scenario, moved) <= best + 1e-12);
        }
      }
      // The start (last round's draft) changes the result only within the solver's tolerance.
      Eigen::VectorXd restarted = Eigen::VectorXd::Constant(3, 0.9);
      negsim::draft_nash(scenario, scenario.positions, restarted);
      CHECK(nash_objective(scenario, restarted) == Approx(best).margin(1e-10));
      if (std::string(shape) == "quadratic") CHECK((restarted - draft).cwiseAbs().maxCoeff() < 1e-6);
    }
  }
}

TEST_CASE("the Nash draft holds settled paragraphs and leaves one nobody cares about at q", "[model][chair]") {
  const auto scenario = scenario_from(four_delegations, {"process.utility=quadratic"});
  const std::vector<std::uint8_t> settled = {0, 1, 0};
  Eigen::VectorXd draft(3);
  draft << 0.95, 0.25, 0.05;  // last round's draft
  negsim::draft_nash(scenario, scenario.positions, draft, &settled);
  CHECK(draft(1) == 0.25);
  const double best = nash_objective(scenario, draft);
  for (int k : {0, 2}) {
    for (double sign : {-1.0, 1.0}) {
      Eigen::VectorXd moved = draft;
      moved(k) += sign * 1e-4;
      CHECK(nash_objective(scenario, moved) <= best + 1e-12);
    }
  }
  // Paragraph c matters to no one in the drafting group {one, two}: it keeps the status quo,
  // not last round's (possibly chair-biased) value.
  const auto group =
      scenario_from(four_delegations, {"process.utility=quadratic", "delegations.one.salience.c=0",
                                       "delegations.two.salience.c=0", "process.chair.drafting_group=[one, two]"});
  Eigen::VectorXd held(3);
  held << 0.5, 0.5, 0.77;
  negsim::draft_nash(group, group.positions, held);
  CHECK(held(2) == group.issues[2].status_quo);
}

TEST_CASE("the maximin draft reaches the best worst-off utility found by a grid", "[model][chair]") {
  // Three delegations on two paragraphs: the grid (step 1/400) bounds the true optimum from below.
  const char* const three = R"(
title: Three
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: b, title: B, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: one, positions: {a: 0, b: 0.3}, salience: {a: 2, b: 1}}
  - {id: two, positions: {a: 0.9, b: 0}, salience: {a: 1, b: 1}}
  - {id: three, positions: {a: 0.6, b: 1}, salience: {a: 1, b: 3}}
)";
  for (const char* shape : {"linear", "quadratic"}) {
    DYNAMIC_SECTION(shape) {
      const auto scenario = scenario_from(three, {std::string("process.utility=") + shape});
      double grid_best = -1e300;
      Eigen::VectorXd point(2);
      constexpr int steps = 400;
      for (int a = 0; a <= steps; ++a) {
        for (int b = 0; b <= steps; ++b) {
          point << a / double(steps), b / double(steps);
          grid_best = std::max(grid_best, worst_off(scenario, point));
        }
      }
      Eigen::VectorXd draft = Eigen::VectorXd::Zero(2);
      negsim::draft_maximin(scenario, scenario.positions, draft);
      // Within the tie rule's 5e-7 of the true maximin (docs/MODEL.md section 7).
      CHECK(worst_off(scenario, draft) >= grid_best - 5e-7 - 1e-10);
      CHECK(worst_off(scenario, draft) <= grid_best + 0.01);  // the grid is that fine
    }
  }
}
