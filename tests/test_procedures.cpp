// The rooms' own procedures (issue 17, docs/MODEL.md section "Procedures of the record"): a
// presidency's ruling over a lone objector, taking note of a text, observers who speak but
// cannot block, and the backtest's "at least k of these objectors".
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "negsim/backtest.hpp"
#include "negsim/engine.hpp"
#include "negsim/outputs.hpp"
#include "negsim/trace.hpp"
#include "test_support.hpp"

using test_support::scenario_from;

namespace {

// Three delegations on one paragraph, no repairs or amendments. The compromise is
// (1 * 0.5 + 1 * 0.5 + 1 * 0) / 3 = 1/3, which crosses lone's red line (max 0.05): lone objects
// in every round. The two others (utility 1 - 1/6 = 0.83, support threshold 0.6) support.
std::string lone_objector(const std::string& extra_delegation_keys, const std::string& fallbacks) {
  return R"(
title: Lone objector
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: one, power: 1, positions: {a: 0.5}, agent: {support_max: 0.6}}
  - {id: two, power: 1, positions: {a: 0.5}, agent: {support_max: 0.6}}
  - {id: lone, power: 1, positions: {a: 0}, red_lines: {a: {max: 0.05}})" +
         extra_delegation_keys + R"(}
process:
  max_rounds: 3
  chair: {repair: false, amendments: false}
  fallbacks: )" +
         fallbacks + "\n";
}

struct Events : negsim::TraceSink {
  std::vector<std::string> names;
  std::vector<int> ruled;
  bool applied = false;
  void on_ruling(int, const std::vector<int>& objectors, double, bool was_applied) override {
    names.emplace_back("ruling");
    ruled = objectors;
    applied = was_applied;
  }
  void on_taken_note(int, const std::vector<int>&) override { names.emplace_back("taken_note"); }
  void on_vote(const negsim::VoteTally&) override { names.emplace_back("vote"); }
};

}  // namespace

TEST_CASE("a presidency's ruling adopts the text over a lone objector", "[procedures][ruling]") {
  const auto without = scenario_from(lone_objector("", "{}"));
  CHECK(negsim::simulate(without, 1).kind == negsim::OutcomeKind::no_consensus);

  const auto scenario = scenario_from(lone_objector("", "{ruling: {max_objectors: 1}}"));
  Events events;
  negsim::Engine engine(scenario, 1, &events);
  const auto& outcome = engine.run();
  CHECK(outcome.kind == negsim::OutcomeKind::adopted_over_objections);
  REQUIRE(outcome.overruled.size() == 1);
  CHECK(scenario.delegations[static_cast<std::size_t>(outcome.overruled[0])].id == "lone");
  CHECK(events.names == std::vector<std::string>{"ruling"});
  CHECK(events.applied);
  CHECK(negsim::text_summary(scenario, outcome, "").find("the presidency ruled that consensus is not unanimity") !=
        std::string::npos);
}

TEST_CASE("a ruling does not override more power than its share allows", "[procedures][ruling]") {
  // lone holds 1/3 of the power: a ruling limited to a quarter does not apply.
  const auto scenario = scenario_from(lone_objector("", "{ruling: {max_objectors: 1, max_power_share: 0.25}}"));
  Events events;
  negsim::Engine engine(scenario, 1, &events);
  CHECK(engine.run().kind == negsim::OutcomeKind::no_consensus);
  CHECK_FALSE(events.applied);
  CHECK(events.ruled.size() == 1);
  CHECK(scenario_from(lone_objector("", "{ruling: {max_objectors: 1, max_power_share: 0.34}}"))
            .process.fallbacks.ruling->max_power_share == Approx(0.34));
  CHECK(negsim::simulate(scenario_from(lone_objector("", "{ruling: {max_objectors: 1, max_power_share: 0.34}}")), 1)
            .kind == negsim::OutcomeKind::adopted_over_objections);
}

TEST_CASE("an observer's objection does not count for the rule", "[procedures][observer]") {
  const auto scenario = scenario_from(lone_objector(", observer: true", "{}"));
  const auto outcome = negsim::simulate(scenario, 1);
  CHECK(outcome.kind == negsim::OutcomeKind::consensus);  // the members all support
  REQUIRE(outcome.objectors.size() == 1);                 // the observer still said no
  CHECK(scenario.delegations[static_cast<std::size_t>(outcome.objectors[0].delegation)].id == "lone");
  CHECK(outcome.pivotal.empty());
}

TEST_CASE("an observer does not vote", "[procedures][observer]") {
  // one's red line (a >= 0.45) is crossed by the draft at 1/3: consensus fails, and the vote has
  // the two members' ballots only.
  const auto scenario = scenario_from(lone_objector(", observer: true", "{vote: {threshold: 0.67}}"),
                                      {"delegations.one.red_lines.a.min=0.45"});
  const auto outcome = negsim::simulate(scenario, 1);
  REQUIRE(outcome.vote);
  REQUIRE(outcome.vote->ballots.size() == 2);
  CHECK(scenario.delegations[static_cast<std::size_t>(outcome.vote->ballots[0].first)].id == "one");
  CHECK(outcome.vote->ballots[0].second == negsim::Response::object);
  CHECK(scenario.delegations[static_cast<std::size_t>(outcome.vote->ballots[1].first)].id == "two");
  CHECK(outcome.vote->ballots[1].second == negsim::Response::support);
  CHECK(outcome.vote->yes == 1);
  CHECK(outcome.vote->no == 1);
}

TEST_CASE("the room takes note of a text it does not adopt", "[procedures][take_note]") {
  const auto scenario = scenario_from(lone_objector("", "{take_note: true}"));
  Events events;
  negsim::Engine engine(scenario, 1, &events);
  const auto& outcome = engine.run();
  CHECK(outcome.kind == negsim::OutcomeKind::taken_note);
  CHECK_FALSE(negsim::is_adopted(outcome.kind));
  CHECK(events.names == std::vector<std::string>{"taken_note"});
  REQUIRE(outcome.objectors.size() == 1);
  CHECK(negsim::summary_json(scenario, outcome, 1)["adopted"] == false);
  CHECK(negsim::summary_json(scenario, outcome, 1)["outcome"] == "taken_note");
  const std::string draft = negsim::draft_markdown(scenario, outcome);
  CHECK(draft.find("A text the room took note of: it was not adopted.") != std::string::npos);
  CHECK(draft.find("NOT ADOPTED") != std::string::npos);
  CHECK(draft.find("ADOPTED BY") == std::string::npos);
  // A ruling is tried first: with one, the text is adopted and nothing is taken note of.
  CHECK(negsim::simulate(scenario_from(lone_objector("", "{ruling: {}, take_note: true}")), 1).kind ==
        negsim::OutcomeKind::adopted_over_objections);
}

TEST_CASE("the ruling, take_note and vote keys are checked", "[procedures][input]") {
  auto error_of = [](const std::string& fallbacks) {
    try {
      scenario_from(lone_objector("", fallbacks));
    } catch (const std::exception& error) {
      return std::string(error.what());
    }
    return std::string();
  };
  CHECK(error_of("{ruling: {max_objectors: 0}}").find("process.fallbacks.ruling.max_objectors") != std::string::npos);
  CHECK(error_of("{ruling: {max_power_share: 0}}").find("process.fallbacks.ruling.max_power_share") !=
        std::string::npos);
  CHECK(error_of("{ruling: {max_objector: 1}}").find("max_objector") != std::string::npos);
  CHECK(error_of("{take_note: yes please}").find("process.fallbacks.take_note") != std::string::npos);
  CHECK(error_of("{take_note: true, vote: {threshold: 0.6}}").find("exclude each other") != std::string::npos);
  CHECK(error_of("{vote: {threshold: 0.6, electorate: [one, nobody]}}").find("unknown delegation 'nobody'") !=
        std::string::npos);
  CHECK(error_of("{vote: {threshold: 0.6, body: ''}}").find("process.fallbacks.vote.body") != std::string::npos);
  CHECK(error_of("{}").empty());
}

TEST_CASE("expected.some_objectors: at least k of the named delegations objected", "[procedures][backtest]") {
  const std::string base = lone_objector("", "{}");
  const auto two_of = scenario_from(base +
                                    "expected:\n  outcome: no_consensus\n  some_objectors: {of: [one, lone], "
                                    "at_least: 1}\n");
  const auto names = negsim::record_check_names(two_of);
  REQUIRE(names.size() == 1);
  CHECK(names[0] == "at least 1 of one, lone objected");
  const auto outcome = negsim::simulate(two_of, 1);
  CHECK(negsim::record_check_results(two_of, outcome, {}) == std::vector<bool>{true});
  const auto both = scenario_from(base +
                                  "expected:\n  outcome: no_consensus\n  some_objectors: {of: [one, lone], "
                                  "at_least: 2}\n");
  CHECK(negsim::record_check_results(both, outcome, {}) == std::vector<bool>{false});
  CHECK_THROWS_WITH(scenario_from(base + "expected:\n  outcome: no_consensus\n  some_objectors: {of: [lone], "
                                         "at_least: 2}\n"),
                    Catch::Contains("expected.some_objectors.at_least"));
}
