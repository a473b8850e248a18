// Properties any sound consensus model must have, checked on every scenario in scenarios/
// and on small constructed cases.
#include <catch2/catch.hpp>

#include "negsim/model.hpp"
#include "test_support.hpp"

using test_support::scenario_from;

namespace {

struct Comparable {
  negsim::OutcomeKind kind;
  int rounds;
  std::vector<std::string> objectors;
  std::vector<std::string> asides;
  std::vector<std::string> supporters;
  Eigen::VectorXd draft;
};

Comparable comparable(const negsim::Scenario& scenario, std::uint64_t seed) {
  const negsim::Outcome outcome = negsim::simulate(scenario, seed);
  return {outcome.kind,
          outcome.rounds,
          test_support::ids_with(scenario, outcome, negsim::Response::object),
          test_support::ids_with(scenario, outcome, negsim::Response::aside),
          test_support::ids_with(scenario, outcome, negsim::Response::support),
          outcome.draft};
}

void check_same(const Comparable& a, const Comparable& b) {
  CHECK(negsim::to_string(a.kind) == negsim::to_string(b.kind));
  CHECK(a.rounds == b.rounds);
  CHECK(a.objectors == b.objectors);
  CHECK(a.asides == b.asides);
  CHECK(a.supporters == b.supporters);
  CHECK((a.draft - b.draft).cwiseAbs().maxCoeff() < 1e-9);
}

// A case where one delegation's red line excludes every other position, and the others' red
// lines exclude its own: no text can satisfy everybody.
const char* const lone_red_line = R"(
title: Lone red line
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: one, positions: {a: 0.8}, red_lines: {a: {min: 0.5}}}
  - {id: two, positions: {a: 0.9}, red_lines: {a: {min: 0.5}}}
  - {id: three, positions: {a: 0.7}, red_lines: {a: {min: 0.5}}}
  - {id: four, positions: {a: 0.85}, red_lines: {a: {min: 0.5}}}
  - {id: holdout, positions: {a: 0.1}, red_lines: {a: {max: 0.2}}}
process:
  max_rounds: 6
)";

}  // namespace

TEST_CASE("reordering delegations in the file changes no outcome", "[property][permutation]") {
  for (const auto& file : test_support::sanitizer_sample(test_support::all_scenarios())) {
    DYNAMIC_SECTION(file) {
      if (YAML::LoadFile(file)["base"]) continue;  // an overlay has no delegations of its own
      const auto original = negsim::load_scenario_file(file);
      const auto reversed = test_support::with_delegations_reversed(file);
      check_same(comparable(original, 7), comparable(reversed, 7));
    }
  }
}

TEST_CASE("multiplying every power by a constant changes nothing", "[property][power]") {
  for (const auto& file : test_support::sanitizer_sample(test_support::all_scenarios())) {
    DYNAMIC_SECTION(file) {
      YAML::Node root = YAML::LoadFile(file);
      if (root["base"]) continue;  // an overlay has no delegations of its own; its base is tested
      const auto original = negsim::load_scenario_file(file);
      // Listed delegations by id; members a bloc creates (blocs[].members) take their bloc's
      // defaults, so those are scaled too.
      for (std::size_t i = 0; i < root["delegations"].size(); ++i) {
        const auto id = root["delegations"][i]["id"].as<std::string>();
        for (std::size_t d = 0; d < original.delegations.size(); ++d) {
          if (original.delegations[d].id != id) continue;
          root["delegations"][i]["power"] = original.power(static_cast<Eigen::Index>(d)) * 8.0;
        }
      }
      for (std::size_t b = 0; root["blocs"] && b < root["blocs"].size(); ++b) {
        YAML::Node bloc = root["blocs"][b];
        if (!bloc["members"]) continue;
        const double power =
            bloc["defaults"] && bloc["defaults"]["power"] ? bloc["defaults"]["power"].as<double>() : 1.0;
        bloc["defaults"]["power"] = power * 8.0;
      }
      // A power declared uncertain at the top level (`uncertain:`) is scaled with its range or sd.
      for (auto entry = root["uncertain"].begin(); root["uncertain"] && entry != root["uncertain"].end(); ++entry) {
        const auto path = entry->first.as<std::string>();
        if (path.size() < 6 || path.compare(path.size() - 6, 6, ".power") != 0) continue;
        YAML::Node declaration = entry->second;
        if (declaration["range"]) {
          for (std::size_t end = 0; end < 2; ++end) {
            declaration["range"][end] = declaration["range"][end].as<double>() * 8.0;
          }
        }
        if (declaration["sd"]) declaration["sd"] = declaration["sd"].as<double>() * 8.0;
      }
      const auto scaled = negsim::load_scenario_text(test_support::emit(root), file);
      check_same(comparable(original, 3), comparable(scaled, 3));
    }
  }
}

TEST_CASE("identical positions are adopted by consensus in round one", "[property][identical]") {
  const std::string text = R"(
title: Identical
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: b, title: B, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
blocs:
  - {id: all, cohesion: 0.5, leader: one}
delegations:
  - {id: one, bloc: all, power: 5, positions: {a: 0.3, b: 0.9}, red_lines: {a: {max: 0.4}}, agent: {model: sincere, support_max: 0.99}}
  - {id: two, bloc: all, power: 1, positions: {a: 0.3, b: 0.9}, agent: {model: spoiler}}
  - {id: three, bloc: all, power: 2, positions: {a: 0.3, b: 0.9}, agent: {model: bloc_follower}, salience: {a: 9, b: 1}}
  - {id: four, power: 3, positions: {a: 0.3, b: 0.9}, agent: {model: reciprocal}}
process:
  chair: {delegation: two, bias: 0.3}
)";
  for (const char* rule : {"unanimity", "consensus", "consensus-minus-1"}) {
    for (const char* strategy : {"compromise", "nash", "maximin"}) {
      DYNAMIC_SECTION(rule << " / " << strategy) {
        auto scenario = scenario_from(
            text, {std::string("process.rule=") + rule, std::string("process.chair.strategy=") + strategy});
        const auto outcome = negsim::simulate(scenario, 1);
        CHECK(outcome.kind == negsim::OutcomeKind::consensus);
        CHECK(outcome.rounds == 1);
        CHECK(outcome.decided_round == 0);
        CHECK(outcome.draft(0) == Approx(0.3).margin(1e-6));
        CHECK(outcome.draft(1) == Approx(0.9).margin(1e-6));
      }
    }
  }
}

TEST_CASE("a lone red line blocks under unanimity and consensus, not consensus-minus-one", "[property][red-line]") {
  SECTION("unanimity") {
    auto scenario = scenario_from(lone_red_line, {"process.rule=unanimity"});
    const auto outcome = negsim::simulate(scenario, 1);
    CHECK(outcome.kind == negsim::OutcomeKind::no_consensus);
    CHECK(test_support::ids_with(scenario, outcome, negsim::Response::object) == std::vector<std::string>{"holdout"});
    REQUIRE(outcome.objectors.size() == 1);
    CHECK(outcome.objectors[0].red_lines_crossed == std::vector<int>{0});
    CHECK(outcome.pivotal == std::vector<int>{4});
  }
  SECTION("consensus") {
    auto scenario = scenario_from(lone_red_line, {"process.rule=consensus"});
    const auto outcome = negsim::simulate(scenario, 1);
    CHECK(outcome.kind == negsim::OutcomeKind::no_consensus);
    CHECK(test_support::ids_with(scenario, outcome, negsim::Response::object) == std::vector<std::string>{"holdout"});
  }
  SECTION("consensus-minus-one adopts over the lone objection") {
    auto scenario = scenario_from(lone_red_line, {"process.rule=consensus-minus-1"});
    const auto outcome = negsim::simulate(scenario, 1);
    CHECK(outcome.kind == negsim::OutcomeKind::adopted_over_objections);
    CHECK(test_support::ids_with(scenario, outcome, negsim::Response::object) == std::vector<std::string>{"holdout"});
  }
}

TEST_CASE("fallbacks: a chair's summary or a vote rescues a blocked text", "[property][fallbacks]") {
  const std::string two_issues = R"(
title: Fallbacks
issues:
  - {id: core, title: Core, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}], status_quo: 0.5}
  - {id: extra, title: Extra, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}], status_quo: 0}
delegations:
  - {id: one, power: 3, positions: {core: 0.6, extra: 1}}
  - {id: two, power: 3, positions: {core: 0.5, extra: 0.9}}
  - {id: three, power: 3, positions: {core: 0.55, extra: 0.8}}
  - {id: objector, power: 1, positions: {core: 0.5, extra: 0}, red_lines: {extra: {max: 0.1}}}
process:
  max_rounds: 3
  chair: {repair: false, amendments: false}
)";
  SECTION("without fallbacks the objector blocks") {
    CHECK(negsim::simulate(scenario_from(two_issues), 1).kind == negsim::OutcomeKind::no_consensus);
  }
  SECTION("the chair's summary drops the contested paragraph") {
    auto scenario = scenario_from(two_issues, {"process.fallbacks.chairs_summary=true"});
    const auto outcome = negsim::simulate(scenario, 1);
    CHECK(outcome.kind == negsim::OutcomeKind::chairs_summary);
    CHECK(outcome.moved_to_chairs_summary == std::vector<int>{1});
    CHECK(outcome.draft(1) == 0.0);
  }
  SECTION("a two-thirds vote adopts 3 to 1") {
    auto scenario = scenario_from(two_issues, {"process.fallbacks.vote.threshold=0.66"});
    const auto outcome = negsim::simulate(scenario, 1);
    REQUIRE(outcome.vote.has_value());
    CHECK(outcome.vote->no == 1);
    CHECK(outcome.vote->yes + outcome.vote->abstain == 3);
    CHECK(outcome.kind == (outcome.vote->yes >= 2 ? negsim::OutcomeKind::vote : negsim::OutcomeKind::no_consensus));
  }
}

TEST_CASE("the chair repairs toward a red line when that costs no new objection", "[property][repair]") {
  const std::string text = test_support::one_red_line;
  SECTION("repair on: the paragraph moves to the red line and is adopted in round two") {
    const auto outcome = negsim::simulate(scenario_from(text), 1);
    CHECK(outcome.decided_round == 1);
    CHECK(outcome.draft(0) == Approx(0.5));
    CHECK(outcome.kind != negsim::OutcomeKind::no_consensus);
  }
  SECTION("repair off and no amendments: the red line blocks to the deadline") {
    const auto outcome =
        negsim::simulate(scenario_from(text, {"process.chair.repair=false", "process.chair.amendments=false"}), 1);
    CHECK(outcome.kind == negsim::OutcomeKind::no_consensus);
    CHECK(outcome.rounds == 4);
  }
}
