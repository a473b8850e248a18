// Every scenario in scenarios/ runs and matches its golden summary; historical ones end as
// recorded; runs are deterministic.
//
// To regenerate the golden files deliberately after a model change:
//   NEGSIM_UPDATE_GOLDEN=1 ctest --test-dir build -R golden
// then review `git diff tests/golden/`.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "negsim/outputs.hpp"
#include "negsim/trace.hpp"
#include "test_support.hpp"

namespace {

std::string golden_path(const std::string& scenario_file) {
  std::string relative = scenario_file.substr(test_support::source_path("scenarios/").size());
  std::replace(relative.begin(), relative.end(), '/', '_');
  return test_support::source_path("tests/golden/" + relative.substr(0, relative.size() - 5) + ".summary.json");
}

std::string summary_text(const negsim::Scenario& scenario, std::uint64_t seed) {
  negsim::Trace trace(scenario);
  negsim::Engine engine(scenario, seed, &trace);
  const auto& outcome = engine.run();
  auto summary = negsim::summary_json(scenario, outcome, seed);
  summary["scenario_file"] = scenario.source_file.substr(test_support::source_path("").size());
  return summary.dump(2) + "\n";
}

}  // namespace

TEST_CASE("every scenario runs and matches its golden summary", "[golden]") {
  const bool update = std::getenv("NEGSIM_UPDATE_GOLDEN") != nullptr;
  const auto files = test_support::all_scenarios();
  REQUIRE(files.size() >= 3);
  for (const auto& file : files) {
    DYNAMIC_SECTION(file) {
      const auto scenario = negsim::load_scenario_file(file);
      const std::string actual = summary_text(scenario, 1);
      const std::string path = golden_path(file);
      if (update) {
        std::ofstream(path, std::ios::binary) << actual;
        WARN("rewrote " << path);
      }
      INFO("golden file: " << path << " (regenerate with NEGSIM_UPDATE_GOLDEN=1)");
      REQUIRE(std::filesystem::exists(path));
      CHECK(actual == test_support::read_text(path));
    }
  }
}

TEST_CASE("scenarios with an expected block end as recorded", "[golden][history]") {
  // Under the sanitizers every second file: the golden test above plays every one there too.
  for (const auto& file : test_support::sanitizer_sample(test_support::all_scenarios(), 2)) {
    // Loaded inside the section: Catch2 enters the test once per section, and loading every file
    // on every entry made this test quadratic in the number of scenarios.
    DYNAMIC_SECTION(file) {
      const auto scenario = negsim::load_scenario_file(file);
      if (!scenario.expected.present) return;
      const auto outcome = negsim::simulate(scenario, 1);
      if (test_support::known_history_outcome_miss(file)) {
        // Its outcome kind differs (docs/HISTORY.md; the golden summary pins what it is).
        INFO("a known outcome miss now ends as recorded: update test_support.hpp and docs/HISTORY.md");
        CHECK(negsim::to_string(outcome.kind) != negsim::to_string(scenario.expected.outcome));
        return;
      }
      CHECK(negsim::to_string(outcome.kind) == negsim::to_string(scenario.expected.outcome));
      if (test_support::known_history_miss(file)) return;  // its objectors differ: docs/HISTORY.md
      const auto objectors = test_support::ids_with(scenario, outcome, negsim::Response::object);
      for (const auto& id : scenario.expected.objectors) {
        INFO("expected objector " << id);
        CHECK(std::find(objectors.begin(), objectors.end(), id) != objectors.end());
      }
      for (const auto& id : scenario.expected.contested_issues) {
        INFO("expected contested issue " << id);
        const int issue = scenario.find_issue(id);
        CHECK(std::find(outcome.contested_issues.begin(), outcome.contested_issues.end(), issue) !=
              outcome.contested_issues.end());
      }
    }
  }
}

TEST_CASE("the 2017 GGE breaks down and the 2015 GGE agrees", "[golden][history]") {
  const auto gge2017 = negsim::load_scenario_file(test_support::source_path("scenarios/gge-2016-2017.yaml"));
  const auto outcome2017 = negsim::simulate(gge2017, 1);
  CHECK(outcome2017.kind == negsim::OutcomeKind::no_consensus);
  const auto objectors = test_support::ids_with(gge2017, outcome2017, negsim::Response::object);
  for (const char* id : {"russia", "china", "cuba"}) {
    CHECK(std::find(objectors.begin(), objectors.end(), id) != objectors.end());
  }
  const auto gge2015 = negsim::load_scenario_file(test_support::source_path("scenarios/gge-2014-2015.yaml"));
  const auto outcome2015 = negsim::simulate(gge2015, 1);
  CHECK((outcome2015.kind == negsim::OutcomeKind::consensus ||
         outcome2015.kind == negsim::OutcomeKind::consensus_with_dissociations));
}

TEST_CASE("the same scenario and seed give byte-identical traces and summaries", "[determinism]") {
  for (const auto& file : test_support::sanitizer_sample(test_support::all_scenarios(), 2)) {
    DYNAMIC_SECTION(file) {
      // Noise makes the seed matter; without it the run would be deterministic trivially.
      const auto scenario = negsim::load_scenario_file(file, {"process.noise=0.05"});
      auto trace_of = [&](std::uint64_t seed) {
        negsim::Trace trace(scenario);
        negsim::Engine engine(scenario, seed, &trace);
        const auto& outcome = engine.run();
        return trace.jsonl() + trace.rounds_csv() + negsim::summary_json(scenario, outcome, seed).dump();
      };
      const std::string first = trace_of(42);
      CHECK(first == trace_of(42));
      CHECK(first != trace_of(43));
    }
  }
}

TEST_CASE("sampling declared uncertainty is deterministic and stays in range", "[determinism][uncertainty]") {
  const auto scenario = test_support::scenario_from(R"(
title: Uncertain
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: one, power: {value: 2, range: [1, 3]}, positions: {a: {value: 0.2, sd: 0.5}}, red_lines: {a: {max: 0.4}}}
  - {id: two, positions: {a: {range: [0.6, 0.9]}}, agent: {beta: {value: 1, range: [0.5, 2]}}}
)");
  REQUIRE(scenario.uncertainties.size() == 4);
  CHECK(scenario.positions(1, 0) == Approx(0.75));
  bool varied = false;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    const auto first = negsim::sample_scenario(scenario, seed);
    const auto second = negsim::sample_scenario(scenario, seed);
    CHECK(first.positions == second.positions);
    CHECK(first.power == second.power);
    CHECK(first.power(0) >= 1.0);
    CHECK(first.power(0) <= 3.0);
    CHECK(first.positions(0, 0) >= 0.0);
    CHECK(first.positions(0, 0) <= 0.4);  // clamped inside its own red line
    CHECK(first.positions(1, 0) >= 0.6);
    CHECK(first.positions(1, 0) <= 0.9);
    varied = varied || first.positions(1, 0) != scenario.positions(1, 0);
  }
  CHECK(varied);
}
