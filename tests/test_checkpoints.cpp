// Engine checkpoints and explain's resumed variants: a run resumed from a checkpoint, and a
// variant that changes only red lines replayed from the explained run, must end exactly as the
// same run played from the first round.
#include <algorithm>
#include <catch2/catch.hpp>

#include "negsim/engine.hpp"
#include "negsim/explain.hpp"
#include "outcome_checks.hpp"
#include "test_support.hpp"

namespace {

using test_support::check_same_outcome;

// Sets delegation i's bounds on issue k in the matrices and in its list, as explain does.
void set_bounds(negsim::Scenario& scenario, int i, int k, double min, double max) {
  scenario.red_line_min(i, k) = min;
  scenario.red_line_max(i, k) = max;
  auto& red_lines = scenario.delegations[static_cast<std::size_t>(i)].red_lines;
  for (auto& red_line : red_lines) {
    if (red_line.issue != k) continue;
    red_line.min = min;
    red_line.max = max;
    return;
  }
  red_lines.push_back({k, min, max});
}

// Every `stride`-th shipped scenario from `first` (three at most under the sanitizers), and small
// rooms with and without fallbacks.
std::vector<negsim::Scenario> rooms(std::size_t first, std::size_t stride) {
  std::vector<negsim::Scenario> scenarios;
  const auto files = test_support::all_scenarios();
  for (std::size_t j = first; j < files.size(); j += stride) {
    if (test_support::sanitized_build() && scenarios.size() >= 3) break;
    scenarios.push_back(negsim::load_scenario_file(files[j]));
  }
  // Every list (the sanitizers' short one, and each half of the library, which shifts as cases are
  // added) keeps a room where red-line variants resume after the first round (the test below
  // checks that every path is taken).
  const std::string resumes_later = test_support::source_path("scenarios/history/oewg-2019-2021.yaml");
  if (std::none_of(scenarios.begin(), scenarios.end(),
                   [](const negsim::Scenario& scenario) { return scenario.id == "oewg-2019-2021"; })) {
    scenarios.push_back(negsim::load_scenario_file(resumes_later));
  }
  // Fallbacks and a looser rule on the teaching scenario with red lines, and noise off.
  const std::string one = test_support::one_red_line;
  scenarios.push_back(test_support::scenario_from(one));
  scenarios.push_back(test_support::scenario_from(one, {"process.fallbacks.take_note=true"}));
  scenarios.push_back(test_support::scenario_from(one, {"process.noise=0"}));
  scenarios.push_back(
      test_support::scenario_from(one, {"process.chair.repair=false", "process.chair.amendments=false"}));
  return scenarios;
}

}  // namespace

TEST_CASE("an engine resumed from a checkpoint of any round ends as the run it was taken from",
          "[checkpoint][engine]") {
  for (const auto& scenario : rooms(0, 1)) {
    INFO(scenario.id);
    for (const std::uint64_t seed : {1, 7}) {
      const negsim::Outcome whole = negsim::simulate(scenario, seed);
      negsim::Engine engine(scenario, seed);
      std::vector<negsim::Engine::Checkpoint> checkpoints;
      do {
        checkpoints.push_back(engine.checkpoint());
      } while (engine.step());
      check_same_outcome(engine.outcome(), whole);
      CHECK(static_cast<int>(checkpoints.size()) == whole.rounds);
      const std::size_t stride = test_support::sanitized_build() ? 7 : 2;
      for (std::size_t round = 0; round < checkpoints.size(); round += stride) {
        INFO("seed " << seed << ", resumed at round " << round);
        negsim::Engine resumed(scenario, seed);
        resumed.resume(checkpoints[round]);
        check_same_outcome(resumed.run(), whole);
      }
    }
  }
}

TEST_CASE("a variant of red lines replayed from the explained run ends as it does played from the start",
          "[checkpoint][explain]") {
  int resumed_later = 0;  // variants resumed after the first round
  int never_changed = 0;  // variants answered by the explained run itself
  int from_start = 0;
  for (const auto& scenario : rooms(0, 2)) {
    INFO(scenario.id);
    const std::uint64_t seed = 3;
    const negsim::RecordedRun recorded(scenario, seed);
    if (scenario.process.chair.final_text) {
      // Its last round reads the red lines met earlier: every variant is played from the start.
      CHECK_FALSE(recorded.resumable());
      continue;
    }
    REQUIRE(recorded.resumable());
    check_same_outcome(recorded.outcome(), negsim::simulate(scenario, seed));
    const int n = scenario.delegation_count();
    const int k_count = scenario.issue_count();
    // Per delegation and issue: bounds tightened, relaxed, added and removed, near the values the
    // run polled (the final draft) and far from them.
    const int step = test_support::sanitized_build() ? 5 : 3;
    for (int i = 0; i < n; i += step) {
      for (int k = 0; k < k_count; ++k) {
        const double low = scenario.red_line_min(i, k);
        const double high = scenario.red_line_max(i, k);
        const double tabled = recorded.outcome().draft(k);
        const std::vector<std::pair<double, double>> bounds = {
            {0.0, 1.0},
            {low, std::min(1.0, high + 0.05)},
            {std::max(0.0, low - 0.05), high},
            {low, std::clamp(tabled - 0.01, low, 1.0)},
            {std::clamp(tabled + 0.01, 0.0, high), high},
            {low, std::max(low, 0.999)},
            {std::min(0.001, high), high},
        };
        for (const auto& [min, max] : bounds) {
          if (min == low && max == high) continue;
          negsim::Scenario variant = scenario;
          set_bounds(variant, i, k, min, max);
          const std::vector<negsim::RedLineCell> cells = {{i, k}};
          const int first = recorded.first_round_changed(variant, cells);
          INFO("delegation " << i << ", issue " << k << ", bounds [" << min << ", " << max << "], resumed at round "
                             << first);
          check_same_outcome(recorded.replay(variant, cells), negsim::simulate(variant, seed));
          if (first >= recorded.rounds()) {
            ++never_changed;
          } else if (first > 0) {
            ++resumed_later;
          } else {
            ++from_start;
          }
        }
      }
    }
  }
  // The cases above reach every path: answered by the recorded run, resumed, played from the start.
  CHECK(never_changed > 0);
  CHECK(resumed_later > 0);
  CHECK(from_start > 0);
}

TEST_CASE("explain gives the same answers with and without resuming red-line variants", "[checkpoint][explain]") {
  for (const auto& scenario : rooms(1, 2)) {
    INFO(scenario.id);
    {
      negsim::ExplainOptions options;
      options.seed = 2;
      options.replicates = 0;
      options.threads = 2;
      options.bisection_steps = test_support::sanitized_build() ? 4 : 6;
      const auto resuming = negsim::explain(scenario, options);
      options.resume_red_line_variants = false;
      const auto playing = negsim::explain(scenario, options);
      CHECK(negsim::explanation_json(scenario, resuming, options).dump() ==
            negsim::explanation_json(scenario, playing, options).dump());
    }
  }
}
