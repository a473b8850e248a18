// Counterfactual explanations: pivotal red lines found, thresholds located by bisection.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>

#include "negsim/explain.hpp"
#include "negsim/format.hpp"
#include "negsim/random.hpp"
#include "test_support.hpp"

TEST_CASE("explain finds the one pivotal red line and the threshold that flips it", "[explain]") {
  // The chair neither repairs nor takes amendments, so few's red line alone blocks.
  const auto scenario = test_support::scenario_from(test_support::one_red_line,
                                                    {"process.chair.repair=false", "process.chair.amendments=false"});
  negsim::ExplainOptions options;
  options.replicates = 50;
  options.threads = 2;
  const auto explanation = negsim::explain(scenario, options);
  CHECK(explanation.outcome.kind == negsim::OutcomeKind::no_consensus);
  REQUIRE(explanation.pivotal_delegations.size() == 1);
  CHECK(explanation.pivotal_delegations[0].delegation == 1);
  CHECK(negsim::is_adopted(explanation.pivotal_delegations[0].without_red_lines));
  REQUIRE(!explanation.smallest_changes.empty());
  const auto& flip = explanation.smallest_changes.front();
  CHECK(flip.delegation == 1);
  CHECK(flip.parameter == "red_lines.a.max");
  CHECK(flip.from == Approx(0.5));
  CHECK(flip.to == Approx(0.7).margin(1e-4));
  CHECK(negsim::is_adopted(flip.outcome));
  // The sweep agrees: few's objection alone blocks in every replicate.
  REQUIRE(explanation.sweep.has_value());
  CHECK(explanation.sweep->sole_blocker[1] == 50);
  CHECK(explanation.sweep->sole_blocker[0] == 0);
  REQUIRE(explanation.gaps.size() == 1);
  CHECK(explanation.gaps[0].acceptable_exists);
  CHECK(explanation.gaps[0].distance == Approx(0.2));
}

TEST_CASE("Shapley-Shubik indices match hand-computed games", "[explain][power]") {
  Eigen::VectorXd equal(3);
  equal << 1, 1, 1;
  for (double value : negsim::shapley_shubik(equal, 2.0 / 3.0, 1)) CHECK(value == Approx(1.0 / 3.0));
  Eigen::VectorXd dictator(3);
  dictator << 3, 1, 1;  // 3 of 5 reaches a 0.6 quota alone; the others never pivot
  const auto index = negsim::shapley_shubik(dictator, 0.6, 1);
  CHECK(index[0] == Approx(1.0));
  CHECK(index[1] == Approx(0.0));
  // Weights (2, 1, 1), quota 3/4: the big one pivots in 4 of 6 orderings, each small one in 1.
  Eigen::VectorXd two_one_one(3);
  two_one_one << 2, 1, 1;
  const auto shares = negsim::shapley_shubik(two_one_one, 0.75, 1);
  CHECK(shares[0] == Approx(4.0 / 6.0));
  CHECK(shares[1] == Approx(1.0 / 6.0));
  // Sampling (more than 16 players) agrees with the exact count for equal weights.
  const auto sampled = negsim::shapley_shubik(Eigen::VectorXd::Ones(20), 0.5, 3, 40000);
  for (double value : sampled) CHECK(value == Approx(0.05).margin(0.01));
}

// The sampled index as it was computed on one thread before the orderings were shared among
// threads: the reference the threaded figures must equal to the last bit.
namespace {
std::vector<double> sequential_shapley_shubik(const Eigen::VectorXd& weights, double quota, std::uint64_t seed,
                                              int samples) {
  const auto n = static_cast<int>(weights.size());
  std::vector<double> index(static_cast<std::size_t>(n), 0.0);
  const double needed = quota * weights.sum() - 1e-12;
  negsim::Random random(seed);
  std::vector<int> order(static_cast<std::size_t>(n));
  for (int sample = 0; sample < samples; ++sample) {
    std::iota(order.begin(), order.end(), 0);
    for (int j = n - 1; j > 0; --j) {
      const auto pick = static_cast<int>(random.next() % static_cast<std::uint64_t>(j + 1));
      std::swap(order[static_cast<std::size_t>(j)], order[static_cast<std::size_t>(pick)]);
    }
    double weight = 0;
    for (int player : order) {
      weight += weights(player);
      if (weight >= needed) {
        index[static_cast<std::size_t>(player)] += 1.0 / samples;
        break;
      }
    }
  }
  return index;
}
}  // namespace

TEST_CASE("the sampled Shapley-Shubik index is the same on any number of threads", "[explain][power]") {
  negsim::Random draw(11);
  Eigen::VectorXd weights(40);
  for (Eigen::Index j = 0; j < weights.size(); ++j) weights(j) = 0.2 + 3.0 * draw.uniform();
  for (const int samples : {20000, 2500, 999}) {
    const auto reference = sequential_shapley_shubik(weights, 2.0 / 3.0, 5, samples);
    for (const int threads : {1, 2, 3, 8}) {
      INFO(samples << " orderings on " << threads << " threads");
      CHECK(negsim::shapley_shubik(weights, 2.0 / 3.0, 5, samples, threads) == reference);
    }
  }
}

TEST_CASE("negsim explain prints JSON that names the 2017 objectors", "[explain][cli]") {
  const auto result = test_support::run_command(test_support::negsim_binary() + " explain " +
                                                test_support::source_path("scenarios/gge-2016-2017.yaml") +
                                                " --format json --replicates 20");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto explanation = nlohmann::json::parse(result.output);
  CHECK(explanation["outcome"] == "no_consensus");
  std::vector<std::string> pivotal;
  for (const auto& entry : explanation["pivotal_delegations"]) pivotal.push_back(entry["delegation"]);
  std::sort(pivotal.begin(), pivotal.end());
  CHECK(pivotal == std::vector<std::string>{"china", "cuba", "russia"});
  std::vector<std::string> gaps;
  for (const auto& entry : explanation["gaps"]) gaps.push_back(entry["issue"]);
  CHECK(gaps == std::vector<std::string>{"ihl", "self_defence", "countermeasures"});
  // Below the budget, --exhaustive changes nothing: the full search is the default.
  CHECK(!explanation.contains("smallest_changes_scope"));
  const auto exhaustive = test_support::run_command(test_support::negsim_binary() + " explain " +
                                                    test_support::source_path("scenarios/gge-2016-2017.yaml") +
                                                    " --format json --replicates 20 --exhaustive");
  CHECK(exhaustive.exit_code == 0);
  CHECK(exhaustive.output == result.output);
  CHECK(test_support::run_command(test_support::negsim_binary() + " explain").exit_code == 2);
}

// The explanation of the 2017 GGE (25 delegations, so the Shapley-Shubik index is sampled) must
// not depend on the order of the delegations in the file: per delegation, every figure agrees.
TEST_CASE("explain gives each delegation the same figures whatever their order in the file",
          "[explain][property][permutation]") {
  const std::string file = test_support::source_path("scenarios/gge-2016-2017.yaml");
  negsim::ExplainOptions options;
  options.replicates = 100;
  options.threads = 2;
  auto by_delegation = [&](const negsim::Scenario& scenario) {
    const auto json = negsim::explanation_json(scenario, negsim::explain(scenario, options), options);
    std::map<std::string, std::string> figures;
    for (const char* list : {"pivotal_delegations", "power"}) {
      for (const auto& entry : json[list])
        figures[std::string(list) + "/" + entry["delegation"].get<std::string>()] = entry.dump();
    }
    for (const auto& entry : json["pivotal_issues"])
      figures["issue/" + entry["issue"].get<std::string>()] = entry.dump();
    figures["outcome"] = json["outcome"].dump();
    return figures;
  };
  const auto original = by_delegation(negsim::load_scenario_file(file));
  const auto reversed = by_delegation(test_support::with_delegations_reversed(file));
  REQUIRE(original.size() == reversed.size());
  for (const auto& [key, value] : original) {
    INFO(key);
    CHECK(reversed.at(key) == value);
  }
}

// The blocking-power sweep stops after the first batch of 100 at which every 95% interval is
// within the precision target; its figures are those of a fixed sweep of as many replicates.
TEST_CASE("explain sizes its blocking-power sweep by the precision target", "[explain][power]") {
  const auto scenario = test_support::scenario_from(test_support::one_red_line, {"process.noise=0.08"});
  auto widest = [](const negsim::CellStatistics& statistics) {
    double half = 0;
    for (const std::int64_t count : statistics.sole_blocker) {
      const auto interval = negsim::wilson_interval(count, statistics.replicates);
      half = std::max(half, (interval.high - interval.low) / 2);
    }
    return half;
  };
  for (const double precision : {0.005, 0.01, 0.03, 0.2}) {
    INFO("precision " << precision);
    negsim::ExplainOptions options;
    options.replicates = 1000;
    options.precision = precision;
    options.threads = 2;
    const auto sized = negsim::explain(scenario, options);
    REQUIRE(sized.sweep.has_value());
    const std::int64_t replicates = sized.sweep->replicates;
    CHECK(replicates % 100 == 0);
    // Even a share of 0 or 1 needs about 2 / precision replicates for its interval.
    if (precision <= 0.01) CHECK(replicates > 100);
    CHECK((sized.widest_half_width <= precision || replicates == 1000));
    CHECK(sized.widest_half_width == Approx(widest(*sized.sweep)));
    // The same figures as a fixed sweep of that many replicates (on one thread) ...
    options.precision = 0;
    options.threads = 1;
    options.replicates = static_cast<std::uint64_t>(replicates);
    const auto fixed = negsim::explain(scenario, options);
    CHECK(*fixed.sweep == *sized.sweep);
    // ... and one batch fewer would not have met the target.
    if (replicates > 100) {
      options.replicates = static_cast<std::uint64_t>(replicates - 100);
      CHECK(widest(*negsim::explain(scenario, options).sweep) > precision);
    }
  }
  // Precision 0: exactly --replicates.
  negsim::ExplainOptions exact;
  exact.replicates = 250;
  exact.precision = 0;
  CHECK(negsim::explain(scenario, exact).sweep->replicates == 250);
}

// Two red lines on paragraph a that no value satisfies together (high's minimum 0.7 above low's
// maximum 0.3): under consensus every variant that keeps both blocks, and explain answers it
// without a run. Relaxing either one far enough lets a text through.
namespace {
const char* const irreconcilable = R"(
title: Irreconcilable
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: b, title: B, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: c, title: C, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
blocs:
  - {id: north, name: North, leader: high, cohesion: 0.6}
delegations:
  - {id: high, bloc: north, power: 3, positions: {a: 0.9, b: 0.4, c: 0.6}, red_lines: {a: {min: 0.7}}}
  - {id: low, power: 2, positions: {a: 0.1, b: 0.6, c: 0.3}, red_lines: {a: {max: 0.3}}}
  - {id: mid, bloc: north, power: 1, positions: {a: 0.5, b: 0.2, c: 0.8}, red_lines: {b: {max: 0.6}}}
  - {id: east, power: 1, positions: {a: 0.4, b: 0.9, c: 0.5}, salience: {a: 0.2, b: 0.5, c: 0.3}}
  - {id: west, power: 2, positions: {a: 0.6, b: 0.3, c: 0.1}, red_lines: {c: {min: 0.05, max: 0.7}}}
process:
  max_rounds: 6
  noise: 0.02
)";
}  // namespace

TEST_CASE("explain answers provably blocked variants without a run and gives the same figures", "[explain]") {
  const std::vector<std::vector<std::string>> rooms = {
      {},                                         // consensus, no fallback: variants skipped
      {"process.rule=unanimity"},                 // skipped too
      {"process.fallbacks.chairs_summary=true"},  // a fallback may adopt: every variant runs
      {"process.rule=consensus-minus-1"},         // one objection does not block: every variant runs
      {"process.chair.repair=false", "process.chair.amendments=false"},
  };
  for (const auto& overrides : rooms) {
    const auto scenario = test_support::scenario_from(irreconcilable, overrides);
    for (const std::uint64_t seed : {1, 2}) {
      INFO("overrides " << (overrides.empty() ? std::string("none") : overrides.front()) << ", seed " << seed);
      negsim::ExplainOptions options;
      options.seed = seed;
      options.replicates = 0;
      options.threads = 2;
      const auto skipping = negsim::explain(scenario, options);
      options.skip_blocked_runs = false;
      const auto running = negsim::explain(scenario, options);
      CHECK(negsim::explanation_json(scenario, skipping, options).dump() ==
            negsim::explanation_json(scenario, running, options).dump());
      CHECK(negsim::explanation_text(scenario, skipping, options) ==
            negsim::explanation_text(scenario, running, options));
      if (overrides.empty()) {
        // The gap is the one the shortcut relies on, and relaxing a red line of the pair flips it.
        REQUIRE(!skipping.gaps.empty());
        CHECK(!skipping.gaps.front().acceptable_exists);
        CHECK(!skipping.smallest_changes.empty());
      }
    }
  }
}

// Every scenario shipped: the shortcut never changes an answer (a model change that let a
// delegation accept a text crossing its red line would show up here).
TEST_CASE("explain gives the same answers with and without skipping blocked variants", "[explain][scenarios]") {
  auto files = test_support::all_scenarios();
  if (test_support::sanitized_build()) files.resize(std::min<std::size_t>(files.size(), 3));
  for (const auto& file : files) {
    INFO(file);
    const auto scenario = negsim::load_scenario_file(file);
    // With a fallback the shortcut is off by construction (the first test case covers that).
    const auto& fallbacks = scenario.process.fallbacks;
    if (fallbacks.chairs_summary || fallbacks.ruling || fallbacks.take_note || fallbacks.vote_threshold) continue;
    negsim::ExplainOptions options;
    options.replicates = 0;
    options.threads = 2;
    options.bisection_steps = 6;  // fewer runs; every question is still asked
    const auto skipping = negsim::explain(scenario, options);
    options.skip_blocked_runs = false;
    const auto running = negsim::explain(scenario, options);
    CHECK(negsim::explanation_json(scenario, skipping, options).dump() ==
          negsim::explanation_json(scenario, running, options).dump());
  }
}

// ---- Rooms over the work budget: the smaller question (docs/MODEL.md, section 13) ----
namespace {
std::string format_two(double value) {
  return negsim::format_decimal(value, 2);
}

// A small room with random positions and red lines, and two delegations that are exact twins (so
// that changes of the same size tie), under `rule`.
std::string random_room(std::uint64_t seed, const std::string& rule) {
  negsim::Random draw(seed);
  std::string yaml = "title: Random room " + std::to_string(seed) + "\nissues:\n";
  const char* const issues[] = {"a", "b", "c"};
  for (const char* issue : issues) {
    yaml += std::string("  - {id: ") + issue + ", title: " + issue +
            ", levels: [{value: 0, text: \"0\"}, {value: 1, text: \"1\"}]}\n";
  }
  yaml += "delegations:\n";
  std::string twin;
  for (int i = 0; i < 5; ++i) {
    double b = 0;
    std::string line = "{power: " + std::to_string(1 + i % 3) + ", positions: {";
    for (const char* issue : issues) {
      const double position = std::round(100 * draw.uniform()) / 100;
      if (issue[0] == 'b') b = position;
      line += std::string(issue) + ": " + format_two(position) + (issue[0] == 'c' ? "" : ", ");
    }
    line += "}";
    if (draw.uniform() < 0.6) {  // a red line on b around the delegation's own position
      const double low = std::max(0.0, b - 0.05 - 0.3 * draw.uniform());
      const double high = std::min(1.0, b + 0.05 + 0.3 * draw.uniform());
      line += ", red_lines: {b: {min: " + format_two(low) + ", max: " + format_two(high) + "}}";
    }
    line += "}";
    yaml += "  - {id: d" + std::to_string(i) + ", " + line.substr(1) + "\n";
    if (i == 1) twin = line;
  }
  yaml += "  - {id: twin, " + twin.substr(1) + "\n";
  yaml += "process:\n  max_rounds: 6\n  noise: 0.02\n  rule: " + rule + "\n";
  return yaml;
}
}  // namespace

// Branch and bound over every delegation (the budget forced to 0) finds the full search's first
// top_changes changes exactly, ties (the twins) in the same order.
TEST_CASE("explain's smaller question gives the full search's smallest changes", "[explain][budget]") {
  int compared = 0;
  int ties = 0;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    for (const std::string rule : {"consensus", "consensus-minus-1"}) {
      const auto scenario = test_support::scenario_from(random_room(seed, rule));
      negsim::ExplainOptions options;
      options.replicates = 0;
      options.threads = 2;
      const auto full = negsim::explain(scenario, options);
      REQUIRE(!full.changes_scope.has_value());
      for (const std::size_t top : {std::size_t{1}, std::size_t{3}, std::size_t{12}}) {
        INFO("seed " << seed << ", rule " << rule << ", top " << top);
        negsim::ExplainOptions smaller = options;
        smaller.work_budget = -1;  // below any estimate, even of a room with no run to make
        smaller.nearest_delegations = scenario.delegation_count();
        smaller.top_changes = top;
        const auto limited = negsim::explain(scenario, smaller);
        REQUIRE(limited.changes_scope.has_value());
        CHECK(limited.changes_scope->delegations_not_examined == 0);
        REQUIRE(limited.smallest_changes.size() == std::min(top, full.smallest_changes.size()));
        for (std::size_t j = 0; j < limited.smallest_changes.size(); ++j) {
          const auto& a = limited.smallest_changes[j];
          const auto& b = full.smallest_changes[j];
          CHECK(a.delegation == b.delegation);
          CHECK(a.parameter == b.parameter);
          CHECK(a.from == b.from);
          CHECK(a.to == b.to);
          CHECK(a.size == b.size);
          CHECK(a.outcome == b.outcome);
          ++compared;
          if (j > 0 && b.size == full.smallest_changes[j - 1].size) ++ties;
        }
        // The rest of the explanation is the full one's.
        auto without_changes = [&](const negsim::Explanation& explanation, const negsim::ExplainOptions& used) {
          auto json = negsim::explanation_json(scenario, explanation, used);
          json.erase("smallest_changes");
          json.erase("smallest_changes_scope");
          return json.dump();
        };
        CHECK(without_changes(limited, smaller) == without_changes(full, options));
      }
    }
  }
  CHECK(compared > 30);
  CHECK(ties > 0);
}

TEST_CASE("explain says what its smaller question left out, and --exhaustive answers in full", "[explain][budget]") {
  const auto scenario = test_support::scenario_from(random_room(3, "consensus-minus-1"));
  negsim::ExplainOptions options;
  options.replicates = 0;
  options.threads = 2;
  options.work_budget = 0;     // this room is over it ...
  options.nearest_budget = 0;  // ... and the nearest delegation alone is examined
  const auto limited = negsim::explain(scenario, options);
  REQUIRE(limited.changes_scope.has_value());
  const auto& scope = *limited.changes_scope;
  REQUIRE(scope.delegations.size() == 1);
  CHECK(scope.delegations_not_examined == scenario.delegation_count() - 1);
  CHECK(scope.candidates < scope.candidates_total);
  CHECK(scope.estimated_work > 0);
  for (const auto& flip : limited.smallest_changes) CHECK(flip.delegation == scope.delegations.front());
  const std::string text = negsim::explanation_text(scenario, limited, options);
  CHECK_THAT(text, Catch::Contains("Only the 12 smallest among the " + std::to_string(scope.candidates) +
                                   " changes open to the 1 delegation nearest to"));
  CHECK_THAT(text, Catch::Contains("Not examined: the other " + std::to_string(scenario.delegation_count() - 1) +
                                   " delegations' " + std::to_string(scope.candidates_total - scope.candidates) +
                                   " of " + std::to_string(scope.candidates_total) + " candidate changes"));
  CHECK_THAT(text, Catch::Contains("--exhaustive searches all"));
  const auto json = negsim::explanation_json(scenario, limited, options);
  REQUIRE(json.contains("smallest_changes_scope"));
  CHECK(json["smallest_changes_scope"]["exhaustive"] == false);
  CHECK(json["smallest_changes_scope"]["delegations_not_examined"] == scenario.delegation_count() - 1);
  CHECK(json["smallest_changes_scope"]["candidates_total"] == scope.candidates_total);
  // --exhaustive: the full answer, byte for byte, whatever the budget.
  negsim::ExplainOptions exhaustive = options;
  exhaustive.exhaustive = true;
  negsim::ExplainOptions within = options;
  within.work_budget = 1e30;
  const auto full = negsim::explain(scenario, exhaustive);
  const auto reference = negsim::explain(scenario, within);
  CHECK(!full.changes_scope.has_value());
  CHECK(negsim::explanation_json(scenario, full, exhaustive).dump() ==
        negsim::explanation_json(scenario, reference, within).dump());
  CHECK(negsim::explanation_text(scenario, full, exhaustive) == negsim::explanation_text(scenario, reference, within));
  CHECK(!negsim::explanation_json(scenario, reference, within).contains("smallest_changes_scope"));
}
