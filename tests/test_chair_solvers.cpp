// The maximin chair's solver (docs/MODEL.md section 7) against independent optima: an exact
// enumeration on one paragraph, a fine grid refined by pattern search on two or three, in random
// small rooms with both losses, settled paragraphs and drafting groups; its tie rule; its
// invariance to the order of the delegations; its small LU against Eigen's, bit for bit.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "../sim/small_lu.hpp"
#include "negsim/model.hpp"
#include "negsim/random.hpp"
#include "test_support.hpp"

using test_support::scenario_from;

namespace {

// The stated tolerance: the worst-off utility of the maximin draft is within kTieWeight / 2 =
// 5e-7 of the true maximum (docs/MODEL.md section 7), plus the solver's duality gap (1e-11).
constexpr double kTolerance = 5e-7 + 1e-10;

// Worst-off utility over the drafting group (everyone when the group is empty).
double worst_off(const negsim::Scenario& scenario, const Eigen::VectorXd& draft) {
  Eigen::VectorXd utilities(scenario.delegation_count());
  negsim::compute_utilities(scenario.positions, scenario.salience, draft, scenario.process.utility, utilities);
  const auto& group = scenario.process.chair.drafting_group;
  double worst = 1e300;
  for (int i = 0; i < scenario.delegation_count(); ++i) {
    if (group.empty() || std::find(group.begin(), group.end(), i) != group.end()) worst = std::min(worst, utilities(i));
  }
  return worst;
}

// A random room: n delegations, k paragraphs, some saliences zero, powers 1-3; the delegation
// order reversed when `reversed` (the same room written the other way round).
std::string random_room(std::uint64_t seed, int n, int k, bool reversed = false) {
  negsim::Random random(seed);
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i) {
    std::ostringstream line;
    line << "  - {id: d" << i << ", power: " << 1 + static_cast<int>(random.uniform() * 3) << ", positions: {";
    for (int j = 0; j < k; ++j)
      line << (j > 0 ? ", " : "") << "p" << j << ": " << std::round(random.uniform() * 1000) / 1000;
    line << "}, salience: {";
    const int kept = static_cast<int>(random.uniform() * k);  // one paragraph always matters
    for (int j = 0; j < k; ++j) {
      const bool zero = j != kept && random.uniform() < 0.25;
      const double salience = zero ? 0.0 : 0.1 + std::round(random.uniform() * 100) / 100;
      line << (j > 0 ? ", " : "") << "p" << j << ": " << salience;
    }
    line << "}}\n";
    lines.push_back(line.str());
  }
  if (reversed) std::reverse(lines.begin(), lines.end());
  std::ostringstream out;
  out << "title: Random room\nissues:\n";
  for (int j = 0; j < k; ++j) {
    out << "  - {id: p" << j << ", title: P" << j << ", levels: [{value: 0, text: \"0\"}, {value: 1, text: \"1\"}]}\n";
  }
  out << "delegations:\n";
  for (const auto& line : lines) out << line;
  return out.str();
}

// The exact maximin over one free paragraph (index `free`, the others held at `draft`): the
// optimum of a maximum of a minimum of concave functions of one variable lies at an end of
// [0,1], a delegation's own maximum (its position) or where two utilities cross; every such
// point is a candidate.
double exact_one_paragraph(const negsim::Scenario& scenario, Eigen::VectorXd draft, int free) {
  const int n = scenario.delegation_count();
  const bool quadratic = scenario.process.utility == negsim::UtilityShape::quadratic;
  std::vector<double> candidates = {0.0, 1.0};
  // u_i(v) = a_i - s_i l(v, p_i) with a_i the utility of the other paragraphs.
  draft(free) = 0;
  std::vector<double> constant(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    double loss = 0;
    for (int j = 0; j < scenario.issue_count(); ++j) {
      if (j != free)
        loss +=
            scenario.salience(i, j) * negsim::issue_loss(draft(j), scenario.positions(i, j), scenario.process.utility);
    }
    constant[static_cast<std::size_t>(i)] = 1 - loss;
    candidates.push_back(scenario.positions(i, free));
  }
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const double ai = constant[static_cast<std::size_t>(i)], aj = constant[static_cast<std::size_t>(j)];
      const double si = scenario.salience(i, free), sj = scenario.salience(j, free);
      const double pi = scenario.positions(i, free), pj = scenario.positions(j, free);
      if (quadratic) {
        // ai - si (v - pi)^2 = aj - sj (v - pj)^2: (sj - si) v^2 + 2 (si pi - sj pj) v + (ai - aj - si pi^2 + sj pj^2)
        // = 0
        const double a = sj - si, b = 2 * (si * pi - sj * pj), c = ai - aj - si * pi * pi + sj * pj * pj;
        if (std::abs(a) < 1e-15) {
          if (std::abs(b) > 1e-15) candidates.push_back(-c / b);
        } else {
          const double discriminant = b * b - 4 * a * c;
          if (discriminant >= 0) {
            candidates.push_back((-b + std::sqrt(discriminant)) / (2 * a));
            candidates.push_back((-b - std::sqrt(discriminant)) / (2 * a));
          }
        }
      } else {
        // ai - si |v - pi| = aj - sj |v - pj|, on each side of each kink: linear in v.
        for (double ei : {-1.0, 1.0}) {
          for (double ej : {-1.0, 1.0}) {
            // ai - si ei (v - pi) = aj - sj ej (v - pj)
            const double slope = sj * ej - si * ei;
            if (std::abs(slope) > 1e-15) candidates.push_back((aj - ai - si * ei * pi + sj * ej * pj) / slope);
          }
        }
      }
    }
  }
  double best = -1e300;
  for (double v : candidates) {
    if (!(v >= 0 && v <= 1)) continue;
    draft(free) = v;
    best = std::max(best, worst_off(scenario, draft));
  }
  return best;
}

// A lower bound on the maximin over the paragraphs in `free`: the best point of a grid, then a
// pattern search (coordinate and diagonal moves) from it down to steps of 1e-10.
double grid_maximin(const negsim::Scenario& scenario, Eigen::VectorXd draft, const std::vector<int>& free) {
  const int dimensions = static_cast<int>(free.size());
  const int steps = dimensions == 1 ? 2000 : (dimensions == 2 ? 200 : 40);
  double best = -1e300;
  Eigen::VectorXd best_point = draft;
  std::vector<int> index(free.size(), 0);
  while (true) {
    for (std::size_t d = 0; d < free.size(); ++d) draft(free[d]) = index[d] / static_cast<double>(steps);
    const double value = worst_off(scenario, draft);
    if (value > best) {
      best = value;
      best_point = draft;
    }
    std::size_t d = 0;
    while (d < free.size() && ++index[d] > steps) index[d++] = 0;
    if (d == free.size()) break;
  }
  // Pattern search over every move with components in {-1, 0, 1}.
  int patterns = 1;
  for (int d = 0; d < dimensions; ++d) patterns *= 3;
  for (double step = 1.0 / steps; step > 1e-10;) {
    bool improved = false;
    for (int pattern = 1; pattern < patterns; ++pattern) {
      Eigen::VectorXd moved = best_point;
      int code = pattern;
      for (int d = 0; d < dimensions; ++d, code /= 3) {
        moved(free[static_cast<std::size_t>(d)]) =
            std::clamp(moved(free[static_cast<std::size_t>(d)]) + step * (code % 3 - 1), 0.0, 1.0);
      }
      const double value = worst_off(scenario, moved);
      if (value > best) {
        best = value;
        best_point = moved;
        improved = true;
      }
    }
    if (!improved) step /= 2;
  }
  return best;
}

}  // namespace

TEST_CASE("the maximin draft reaches the exact optimum of one free paragraph", "[model][chair][maximin]") {
  for (const char* shape : {"linear", "quadratic"}) {
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
      const int n = 2 + static_cast<int>(seed % 5);
      const auto scenario = scenario_from(random_room(seed, n, 2), {std::string("process.utility=") + shape});
      // Paragraph p1 settled at a value of its own: only p0 is free.
      const std::vector<std::uint8_t> settled = {0, 1};
      Eigen::VectorXd draft(2);
      draft << 0.3, 0.1 + 0.02 * static_cast<double>(seed);
      negsim::draft_maximin(scenario, scenario.positions, draft, &settled);
      CAPTURE(shape, seed);
      CHECK(draft(1) == 0.1 + 0.02 * static_cast<double>(seed));  // settled: untouched
      const double exact = exact_one_paragraph(scenario, draft, 0);
      CHECK(worst_off(scenario, draft) >= exact - kTolerance);
      CHECK(worst_off(scenario, draft) <= exact + 1e-12);
    }
  }
}

TEST_CASE("the maximin draft is at least as good as a refined grid on two and three paragraphs",
          "[model][chair][maximin]") {
  const int rooms = test_support::sanitized_build() ? 4 : 12;
  for (const char* shape : {"linear", "quadratic"}) {
    for (int dimensions = 2; dimensions <= 3; ++dimensions) {
      for (int room = 1; room <= rooms; ++room) {
        const auto seed = static_cast<std::uint64_t>(100 * dimensions + room);
        const int n = 3 + room % 4;
        auto overrides = std::vector<std::string>{std::string("process.utility=") + shape};
        const auto scenario = scenario_from(random_room(seed, n, dimensions), overrides);
        Eigen::VectorXd draft = Eigen::VectorXd::Zero(dimensions);
        negsim::draft_maximin(scenario, scenario.positions, draft);
        std::vector<int> free;
        for (int k = 0; k < dimensions; ++k) {
          if (scenario.salience.col(k).maxCoeff() > 0) free.push_back(k);
        }
        CAPTURE(shape, dimensions, seed);
        const double grid = grid_maximin(scenario, draft, free);
        CHECK(worst_off(scenario, draft) >= grid - kTolerance);
      }
    }
  }
}

TEST_CASE("the maximin draft with a drafting group maximises the group's worst-off", "[model][chair][maximin]") {
  for (const char* shape : {"linear", "quadratic"}) {
    for (std::uint64_t seed = 7; seed <= 12; ++seed) {
      const auto scenario = scenario_from(random_room(seed, 5, 2), {std::string("process.utility=") + shape,
                                                                    "process.chair.drafting_group=[d0, d2, d3]"});
      Eigen::VectorXd draft = Eigen::VectorXd::Zero(2);
      negsim::draft_maximin(scenario, scenario.positions, draft);
      std::vector<int> free;
      for (int k = 0; k < 2; ++k) {
        if (scenario.salience(0, k) + scenario.salience(2, k) + scenario.salience(3, k) > 0) free.push_back(k);
      }
      CAPTURE(shape, seed);
      CHECK(worst_off(scenario, draft) >= grid_maximin(scenario, draft, free) - kTolerance);
    }
  }
}

TEST_CASE("the maximin draft does not depend on the order of the delegations", "[model][chair][maximin]") {
  for (const char* shape : {"linear", "quadratic"}) {
    for (std::uint64_t seed = 20; seed <= 35; ++seed) {
      const auto forward = scenario_from(random_room(seed, 8, 4), {std::string("process.utility=") + shape});
      const auto backward = scenario_from(random_room(seed, 8, 4, true), {std::string("process.utility=") + shape});
      Eigen::VectorXd one = Eigen::VectorXd::Zero(4);
      Eigen::VectorXd other = Eigen::VectorXd::Zero(4);
      negsim::draft_maximin(forward, forward.positions, one);
      negsim::draft_maximin(backward, backward.positions, other);
      CAPTURE(shape, seed, one.transpose(), other.transpose());
      CHECK((one - other).cwiseAbs().maxCoeff() < 1e-9);
      // Last round's draft as a start changes nothing either.
      Eigen::VectorXd restarted = Eigen::VectorXd::Constant(4, 0.95);
      negsim::draft_maximin(forward, forward.positions, restarted);
      CHECK((one - restarted).cwiseAbs().maxCoeff() < 1e-9);
    }
  }
}

TEST_CASE("among maximin drafts the chair takes the one nearest the compromise", "[model][chair][maximin]") {
  // a and b fix paragraph x at 1/2 and the maximin at 3/4 (quadratic); c and d, indifferent on
  // x at 1/2, leave paragraph y free within [0.8 - sqrt(1/2), sqrt(1/2)] = [0.0929, 0.7071].
  const char* const room = R"(
title: Ties
issues:
  - {id: x, title: X, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: y, title: Y, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: a, positions: {x: 0, y: 0}, salience: {x: 1, y: 0}}
  - {id: b, positions: {x: 1, y: 0}, salience: {x: 1, y: 0}}
  - {id: c, positions: {x: 0.5, y: 0.8}, salience: {x: 1, y: 1}}
  - {id: d, positions: {x: 0.5, y: 0}, salience: {x: 1, y: 1}}
process: {utility: quadratic}
)";
  SECTION("the compromise lies among the maximisers: the chair takes it") {
    const auto scenario = scenario_from(room);
    Eigen::VectorXd draft = Eigen::VectorXd::Zero(2);
    negsim::draft_maximin(scenario, scenario.positions, draft);
    CHECK(draft(0) == Approx(0.5).margin(1e-9));
    CHECK(draft(1) == Approx(0.4).margin(1e-9));  // (0.8 + 0) / 2
    CHECK(worst_off(scenario, draft) == Approx(0.75).margin(1e-12));
  }
  SECTION("the compromise lies outside: the chair takes the nearest maximiser") {
    const auto scenario = scenario_from(room, {"delegations.d.power=20"});
    Eigen::VectorXd compromise = Eigen::VectorXd::Zero(2);
    negsim::draft_compromise(scenario, scenario.positions, compromise);
    CHECK(compromise(1) == Approx(0.8 / 21));
    Eigen::VectorXd draft = Eigen::VectorXd::Zero(2);
    negsim::draft_maximin(scenario, scenario.positions, draft);
    CHECK(draft(0) == Approx(0.5).margin(1e-9));
    CHECK(draft(1) == Approx(0.8 - std::sqrt(0.5)).margin(1e-6));
    CHECK(worst_off(scenario, draft) == Approx(0.75).margin(kTolerance));
  }
  SECTION("linear loss: paragraph y is free on all of [0, 1], so it takes the compromise") {
    const auto scenario = scenario_from(room, {"process.utility=linear", "delegations.d.power=3"});
    Eigen::VectorXd draft = Eigen::VectorXd::Zero(2);
    negsim::draft_maximin(scenario, scenario.positions, draft);
    CHECK(draft(0) == Approx(0.5).margin(1e-9));
    CHECK(draft(1) == Approx(0.8 / 4).margin(1e-9));
    CHECK(worst_off(scenario, draft) == Approx(0.5).margin(1e-12));
  }
}

// The Nash chair reuses the start's utilities (last round's draft, or the compromise) instead of
// recomputing them, and builds the Hessian from whole columns for up to 16 free paragraphs and
// by Eigen's product above. Pinned: on random rooms a warm start (last round's draft, inside
// [0, 1] or clamped into it, or a poor one) reaches the draft of a cold start, to the solver's
// tolerance, on both sides of 16 free paragraphs and with settled paragraphs.
TEST_CASE("the Nash draft does not depend on its start, on either Hessian path", "[model][chair][nash]") {
  const int rooms = test_support::sanitized_build() ? 3 : 10;
  for (int k : {5, 20}) {
    for (int room = 1; room <= rooms; ++room) {
      const auto seed = static_cast<std::uint64_t>(500 + 37 * k + room);
      const auto scenario = scenario_from(random_room(seed, 6 + room, k), {"process.utility=quadratic"});
      std::vector<std::uint8_t> settled(static_cast<std::size_t>(k), 0);
      settled[1] = room % 2 == 0 ? 1 : 0;
      Eigen::VectorXd cold = Eigen::VectorXd::Constant(k, 0.5);
      negsim::draft_nash(scenario, scenario.positions, cold, &settled);
      // Warm: the cold answer nudged (scores above the compromise), a start outside [0, 1]
      // (clamped), and a poor start (the compromise wins).
      negsim::Random random(seed);
      Eigen::VectorXd nudged = cold;
      for (int j = 0; j < k; ++j)
        nudged(j) += settled[static_cast<std::size_t>(j)] != 0 ? 0.0 : 1e-3 * (random.uniform() - 0.5);
      Eigen::VectorXd outside = nudged;
      outside(0) = 1.5;
      outside(1) = settled[1] != 0 ? cold(1) : -0.25;
      Eigen::VectorXd poor = cold;
      for (int j = 0; j < k; ++j) {
        if (settled[static_cast<std::size_t>(j)] == 0) poor(j) = j % 2 == 0 ? 0.0 : 1.0;
      }
      for (Eigen::VectorXd start : {nudged, outside, poor}) {
        negsim::draft_nash(scenario, scenario.positions, start, &settled);
        CAPTURE(k, seed, cold.transpose(), start.transpose());
        CHECK((start - cold).cwiseAbs().maxCoeff() < 1e-7);
        if (settled[1] != 0) CHECK(start(1) == cold(1));
      }
    }
  }
}

TEST_CASE("the maximin solver's small LU gives Eigen's solutions bit for bit", "[model][chair][maximin]") {
  // Random systems of 1 to 12 unknowns (above 8 the class hands them to Eigen), some with
  // repeated entries (ties for the pivot), zero columns (zero pivots), a zero right-hand side
  // entry, or the solver's bordered shape [H, 1; 1', 0].
  negsim::Random random(20261202);
  int compared = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const int n = 1 + trial % 12;
    const int kind = (trial / 12) % 5;
    Eigen::MatrixXd matrix(n, n);
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < n; ++i) matrix(i, j) = random.uniform() * 2 - 1;
    }
    if (kind == 1) {
      for (int i = 0; i < n; ++i) matrix(i, (i * 7) % n) = matrix(0, 0);  // ties
    } else if (kind == 2 && n > 1) {
      matrix.col(n / 2).setZero();  // singular: a zero pivot
    } else if (kind == 3 && n > 1) {
      const Eigen::MatrixXd half = matrix.topLeftCorner(n - 1, n - 1);
      matrix.topLeftCorner(n - 1, n - 1) = half * half.transpose() * 1e-3;
      matrix.col(n - 1).setOnes();
      matrix.row(n - 1).setOnes();
      matrix(n - 1, n - 1) = 0;
    } else if (kind == 4) {
      matrix *= 1e7;
    }
    Eigen::VectorXd right(n);
    for (int i = 0; i < n; ++i) right(i) = random.uniform() - 0.5;
    if (trial % 7 == 0) right(0) = 0;
    Eigen::PartialPivLU<Eigen::MatrixXd> eigen(matrix);
    const Eigen::VectorXd expected = eigen.solve(right);
    negsim::SmallLu small;
    small.compute(matrix);
    Eigen::VectorXd solution(n);
    small.solve(right, solution);
    REQUIRE(solution.size() == n);
    for (int i = 0; i < n; ++i) {
      const bool same = std::isnan(expected(i)) ? std::isnan(solution(i)) : solution(i) == expected(i);
      INFO("trial " << trial << ", n " << n << ", kind " << kind << ", entry " << i);
      REQUIRE(same);
    }
    ++compared;
  }
  CHECK(compared == 3000);
}
