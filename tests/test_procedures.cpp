// The rooms' own procedures (issue 17, docs/MODEL.md section "Procedures of the record"): a
// presidency's ruling over a lone objector, taking note of a text, observers who speak but
// cannot block, and the backtest's "at least k of these objectors".
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "negsim/backtest.hpp"
#include "negsim/engine.hpp"
#include "negsim/format.hpp"
#include "negsim/narrate.hpp"
#include "negsim/outputs.hpp"
#include "negsim/play.hpp"
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
  // The story says whose objection the ruling sets aside and its share of the power.
  negsim::Trace trace(scenario);
  negsim::Engine traced(scenario, 1, &trace);
  traced.run();
  const std::string story = negsim::narrate(trace.events(), &scenario);
  INFO(story);
  CHECK(story.find("holding 33% of the power, does not stop the text.") != std::string::npos);
  CHECK(story.find("3 delegations negotiate 1 paragraph under") != std::string::npos);
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

TEST_CASE("an observer standing aside at the gavel is not a dissociator", "[procedures][observer]") {
  // Both flanks stand aside from 0.5 and the chair gavels at once (patience 0): the member
  // dissociates; the observer takes no part in the decision and is not listed.
  const auto scenario = scenario_from(R"(
title: Observer aside
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: left, power: 1, positions: {a: 0.2}, outside_option: 0}
  - {id: centre, power: 2, positions: {a: 0.5}, outside_option: 0}
  - {id: right, power: 1, positions: {a: 0.8}, outside_option: 0, observer: true}
process:
  max_rounds: 5
)");
  const auto outcome = negsim::simulate(scenario, 1);
  CHECK(outcome.kind == negsim::OutcomeKind::consensus_with_dissociations);
  REQUIRE(outcome.dissociators.size() == 1);
  CHECK(scenario.delegations[static_cast<std::size_t>(outcome.dissociators[0].delegation)].id == "left");
  CHECK(outcome.responses[2] == negsim::Response::aside);  // its stand-aside stays in the poll
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

TEST_CASE("bloc members from a member list take the bloc's defaults", "[procedures][members]") {
  const auto scenario = negsim::load_scenario_file(test_support::source_path("tests/procedures/members.yaml"));
  // fin, sou and cap were listed; nor and ice were created from the group "north".
  REQUIRE(scenario.delegation_count() == 5);
  const auto& north = scenario.blocs[0];
  CHECK(north.members.size() == 3);
  const int nor = scenario.find_delegation("nor");
  const int fin = scenario.find_delegation("fin");
  const int ice = scenario.find_delegation("ice");
  REQUIRE(nor >= 0);
  REQUIRE(ice >= 0);
  CHECK(scenario.delegations[static_cast<std::size_t>(nor)].name == "Norland");
  CHECK(scenario.delegations[static_cast<std::size_t>(nor)].bloc == 0);
  CHECK(scenario.power(nor) == Approx(2));
  CHECK(scenario.power(fin) == Approx(5));  // its own value wins over the default
  CHECK(scenario.positions(fin, 0) == Approx(0.3));
  CHECK(scenario.delegations[static_cast<std::size_t>(ice)].outside_option == Approx(0.1));
  const int sou = scenario.find_delegation("sou");
  CHECK(scenario.positions(sou, 0) == Approx(0.8));  // its own position
  CHECK(scenario.positions(scenario.find_delegation("cap"), 0) == Approx(0.7));
  CHECK(scenario.delegations[static_cast<std::size_t>(sou)].bloc == 1);
  // The electorate {group: north} is the group's three members, in file order.
  CHECK(scenario.process.fallbacks.electorate == std::vector<int>{fin, nor, ice});
  // The member list is an included file (meta.json records its SHA-256).
  bool recorded = false;
  for (const auto& file : scenario.included_files) recorded = recorded || file.find("groups.yaml") != std::string::npos;
  CHECK(recorded);
  // A --set reaches a created member, and only that one.
  const auto changed = negsim::load_scenario_file(test_support::source_path("tests/procedures/members.yaml"),
                                                  {"delegations.nor.power=7"});
  CHECK(changed.power(changed.find_delegation("nor")) == Approx(7));
  CHECK(changed.power(changed.find_delegation("ice")) == Approx(2));
  const auto moved = negsim::load_scenario_file(test_support::source_path("tests/procedures/members.yaml"),
                                                {"delegations.ice.positions.a=0.9"});
  CHECK(moved.positions(moved.find_delegation("ice"), 0) == Approx(0.9));
  CHECK(moved.positions(moved.find_delegation("nor"), 0) == Approx(0.3));
}

TEST_CASE("member lists and bloc members are checked", "[procedures][members][input]") {
  auto error_of = [](const std::string& text) {
    try {
      negsim::load_scenario_text(text, test_support::source_path("tests/procedures/inline.yaml"));
    } catch (const std::exception& error) {
      return std::string(error.what());
    }
    return std::string();
  };
  const std::string head = R"(
title: T
members: groups.yaml
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
)";
  const std::string two = "delegations:\n  - {id: x, positions: {a: 0.5}}\n  - {id: y, positions: {a: 0.5}}\n";
  CHECK(error_of(head + "blocs:\n  - {id: b, members: {group: east}}\n" + two).find("unknown group 'east'") !=
        std::string::npos);
  CHECK(error_of(head + "blocs:\n  - {id: b, members: [x]}\n  - {id: c, members: [x]}\n" + two)
            .find("is a member of bloc 'b' already") != std::string::npos);
  CHECK(error_of(head + "blocs:\n  - {id: b, members: [x]}\n  - {id: c}\n" +
                 "delegations:\n  - {id: x, bloc: c, positions: {a: 0.5}}\n  - {id: y, positions: {a: 0.5}}\n")
            .find("delegations[0].bloc") != std::string::npos);
  CHECK(error_of(head + "blocs:\n  - {id: b, members: [x], defaults: {bloc: c}}\n" + two).find("blocs[0].defaults") !=
        std::string::npos);
  CHECK(error_of(head + "blocs:\n  - {id: b, members: [x], negotiator: y}\n" + two)
            .find("negotiator 'y' is not a member of bloc 'b'") != std::string::npos);
  CHECK(error_of(head + "blocs:\n  - {id: b, members: [x], negotiator: x}\n" + two).empty());
  // An error inside the member list names that file, its line and column, and the key.
  try {
    negsim::load_scenario_file(test_support::source_path("tests/procedures/bad-members.yaml"));
    FAIL("no error");
  } catch (const std::exception& error) {
    const std::string message = error.what();
    CHECK(message.find("bad-group-file.yaml:5:5") != std::string::npos);
    CHECK(message.find("membres") != std::string::npos);
  }
}

namespace {

// A bloc whose negotiator `lead` speaks for it. The draft is (3 * 0.5 + 0 + 1 + 3 * 0.5) / 8 =
// 0.5: lead (utility 1) supports; small alone would object (utility 0.5, blocking threshold at
// least 0.8); proud's own red line (a >= 0.9) is crossed.
const char* const negotiated = R"(
title: A group negotiator
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
blocs:
  - {id: group, members: [lead, small, proud], negotiator: lead}
delegations:
  - {id: lead, power: 3, positions: {a: 0.5}, agent: {support_max: 0.6}}
  - {id: small, power: 1, positions: {a: 0}, outside_option: 0.9}
  - {id: proud, power: 1, positions: {a: 1}, red_lines: {a: {min: 0.9}}}
  - {id: other, power: 3, positions: {a: 0.5}, agent: {support_max: 0.6}}
process:
  max_rounds: 1
  chair: {repair: false, amendments: false}
  fallbacks: {vote: {threshold: 0.6}}
)";

}  // namespace

TEST_CASE("a group negotiator speaks for its bloc; a member's own red line still counts", "[procedures][members]") {
  const auto scenario = scenario_from(negotiated);
  negsim::Engine engine(scenario, 1);
  engine.step();
  const auto& responses = engine.state().responses;
  CHECK(responses[0] == negsim::Response::support);  // lead
  CHECK(responses[1] == negsim::Response::support);  // small, as lead answers
  CHECK(responses[2] == negsim::Response::object);   // proud, on its own red line
  // Without the negotiator, small objects on its own account.
  std::string alone = negotiated;
  alone.replace(alone.find(", negotiator: lead"), std::string(", negotiator: lead").size(), "");
  const auto alone_scenario = scenario_from(alone);
  negsim::Engine own(alone_scenario, 1);
  own.step();
  CHECK(own.state().responses[1] == negsim::Response::object);
  // In the vote the members cast their own ballots: small votes no.
  const auto& outcome = engine.outcome();
  REQUIRE(outcome.vote);
  CHECK(outcome.vote->ballots[1].second == negsim::Response::object);
  CHECK(outcome.vote->ballots[0].second == negsim::Response::support);
}

TEST_CASE("the backtest compares each state's simulated ballot with the recorded one", "[procedures][votes]") {
  const auto scenario = negsim::load_scenario_file(test_support::source_path("tests/procedures/five-states.yaml"));
  REQUIRE(scenario.expected.recorded_ballots.size() == 5);
  bool recorded = false;
  for (const auto& file : scenario.included_files)
    recorded = recorded || file.find("five-states.csv") != std::string::npos;
  CHECK(recorded);
  negsim::ReplicateOptions options;
  options.replicates = 4;
  options.threads = 1;
  const auto result = negsim::run_backtest(scenario, options);
  CHECK(result.outcome_passed);
  REQUIRE(result.votes);
  CHECK(result.votes->replicates_with_vote == 4);
  CHECK(result.votes->agreement == Approx(0.75));  // s1, s3, s4 agree; s2 does not; s5 absent
  CHECK(result.votes->simulated[0] == Approx(2));  // s1, s2
  CHECK(result.votes->simulated[1] == Approx(1));  // s3
  CHECK(result.votes->simulated[2] == Approx(1));  // s4
  CHECK(result.votes->recorded[0] == 1);
  CHECK(result.votes->recorded[1] == 2);
  CHECK(result.votes->recorded[2] == 1);
  const std::string table = negsim::backtest_table({result});
  CHECK(table.find("state-level vote agreement 75% of states (over 4 replicates with a vote); yes/no/abstain "
                   "simulated 2.0/1.0/1.0, recorded 1/2/1") != std::string::npos);
  const auto json = negsim::backtest_json({result});
  CHECK(json["scenarios"][0]["votes"]["agreement"] == 0.75);
  CHECK(json["scenarios"][0]["votes"]["recorded"]["no"] == 2);
  // The summary says where the vote was held.
  const auto outcome = negsim::simulate(scenario, 1);
  CHECK(negsim::text_summary(scenario, outcome, "").find("ADOPTED BY VOTE in the Plenary of the Whole") !=
        std::string::npos);
}

TEST_CASE("a votes CSV is read strictly, naming its line and column", "[procedures][votes][input]") {
  const std::string directory = test_support::temporary_directory("votes-csv").string();
  const std::string scenario_text =
      test_support::read_text(test_support::source_path("tests/procedures/five-states.yaml"));
  auto error_of = [&](const std::string& csv) {
    std::filesystem::create_directories(directory + "/votes");
    std::ofstream(directory + "/votes/five-states.csv") << csv;
    std::ofstream(directory + "/five.yaml") << scenario_text;
    try {
      negsim::load_scenario_file(directory + "/five.yaml");
    } catch (const std::exception& error) {
      return std::string(error.what());
    }
    return std::string();
  };
  const std::string header = "# source\ndelegation,name,vote\n";
  const std::string rows = "s1,A,yes\ns2,B,no\ns3,C,no\ns4,D,abstain\n";
  CHECK(error_of(header + rows + "s5,E,absent\n").empty());
  CHECK(error_of(header + rows + "s5,E,maybe\n").find("five-states.csv:7:6: expected.votes: 'maybe' is not a vote") !=
        std::string::npos);
  CHECK(error_of(header + rows + "s6,E,yes\n").find("five-states.csv:7:1: expected.votes: unknown delegation 's6'") !=
        std::string::npos);
  CHECK(error_of(header + rows)
            .find("five-states.csv:2:1: expected.votes: delegation 's5' votes in the scenario and "
                  "has no row") != std::string::npos);
  CHECK(error_of(header + rows + "s1,E,yes\n").find("five-states.csv:7:1") != std::string::npos);
  CHECK(error_of("delegation,vote\n" + rows).find("five-states.csv:1:1: expected.votes: expected the header") !=
        std::string::npos);
  CHECK(error_of(header + rows + "s5,\"E,absent\n")
            .find("five-states.csv:7:4: expected.votes: a quoted field is not "
                  "closed") != std::string::npos);
}

TEST_CASE("a reservation instead of an objection", "[procedures][reservations]") {
  // lone's red line on a is crossed (draft 1/3), but it holds a reservation on a and the text is
  // worth its threshold (utility 2/3 against support 0.6): it joins with a reservation.
  const std::string base = lone_objector(", reservations: [a], agent: {support_max: 0.6}", "{}");
  const auto scenario = scenario_from(base + "expected: {outcome: consensus, reservations: [lone]}\n");
  negsim::Trace trace(scenario);
  negsim::Engine engine(scenario, 1, &trace);
  const auto& outcome = engine.run();
  CHECK(outcome.kind == negsim::OutcomeKind::consensus);
  REQUIRE(outcome.reservations.size() == 1);
  CHECK(scenario.delegations[static_cast<std::size_t>(outcome.reservations[0].delegation)].id == "lone");
  CHECK(outcome.reservations[0].issues == std::vector<int>{0});
  CHECK(trace.jsonl().find(R"({"event":"reservation","round":1,"delegation":"lone","issues":["a"]})") !=
        std::string::npos);
  CHECK(negsim::record_check_names(scenario) == std::vector<std::string>{"lone joined with a reservation"});
  CHECK(negsim::record_check_results(scenario, outcome, {}) == std::vector<bool>{true});
  CHECK(negsim::text_summary(scenario, outcome, "").find("Joined with a reservation: lone (a [red line])") !=
        std::string::npos);
  // A student in lone's seat is told so: no advice to object on the reserved paragraph, and the
  // rules of the room say what the reservation does.
  const int lone = scenario.find_delegation("lone");
  CHECK(negsim::brief_advice(scenario, engine.state(), lone, 2.0 / 3.0) ==
        "support: the text clears your support threshold.");
  const auto rules = negsim::rules_of_the_room(scenario, lone);
  CHECK(std::find(rules.begin(), rules.end(),
                  "On A a text across your red line draws your reservation, not an objection: you may join it with a "
                  "statement.") != rules.end());
  // Without the reservation it objects, and the text fails.
  CHECK(negsim::simulate(scenario_from(lone_objector(", agent: {support_max: 0.6}", "{}")), 1).kind ==
        negsim::OutcomeKind::no_consensus);
  // A text not worth its blocking threshold draws an objection all the same.
  CHECK(negsim::simulate(scenario_from(lone_objector(", reservations: [a], outside_option: 0.9", "{}")), 1).kind ==
        negsim::OutcomeKind::no_consensus);
}

TEST_CASE("a presidency's final text is drafted afresh within the red lines met earlier", "[procedures][final_text]") {
  // Round 1: the compromise 0.7 crosses few's red line (max 0.5) and the chair repairs it to 0.5.
  // Round 2 is the last: without a final text the repaired 0.5 stands and is adopted; with one,
  // a presidency with a ruling at hand drafts every paragraph afresh (0.7 again) but within the
  // red lines its repairs met (MODEL.md section 10a): 0.5, adopted.
  const auto repaired = scenario_from(test_support::one_red_line, {"process.max_rounds=2"});
  const auto kept = negsim::simulate(repaired, 1);
  CHECK(kept.draft(0) == Approx(0.5));
  CHECK(negsim::is_adopted(kept.kind));
  const auto scenario = scenario_from(
      test_support::one_red_line,
      {"process.max_rounds=2", "process.chair.final_text=true", "process.fallbacks.ruling.max_objectors=1"});
  REQUIRE(scenario.process.final_text_keeps_met_red_lines());
  negsim::Trace trace(scenario);
  negsim::Engine engine(scenario, 1, &trace);
  const auto& outcome = engine.run();
  CHECK(outcome.draft(0) == Approx(0.5));
  CHECK(negsim::is_adopted(outcome.kind));
  CHECK(trace.jsonl().find(R"({"event":"final_text","round":2})") != std::string::npos);
  // The story tells the last round as the presidency's own text.
  negsim::NarrationOptions unwrapped;
  unwrapped.width = 0;
  const std::string story = negsim::narrate(trace.events(), &scenario, unwrapped);
  INFO(story);
  CHECK(story.find("Round 2, the last: the presidency's own final text, every paragraph drafted afresh within the red "
                   "lines its repairs have met") != std::string::npos);
  // Without a ruling every delegation holds a veto, and the presidency tables its own package
  // afresh from the positions: 0.7 again, and few objects (the WTO at Cancun 2003, the plastics
  // talks at Geneva 2025; docs/HISTORY.md).
  const auto no_ruling =
      scenario_from(test_support::one_red_line, {"process.max_rounds=2", "process.chair.final_text=true"});
  CHECK_FALSE(no_ruling.process.final_text_keeps_met_red_lines());
  negsim::Trace package_trace(no_ruling);
  negsim::Engine package_engine(no_ruling, 1, &package_trace);
  const auto& package = package_engine.run();
  CHECK(package.draft(0) == Approx(0.7));
  CHECK(package.kind == negsim::OutcomeKind::no_consensus);
  const std::string package_story = negsim::narrate(package_trace.events(), &no_ruling, unwrapped);
  CHECK(package_story.find("every paragraph drafted afresh from the positions as they stand") != std::string::npos);
  // A red line never met (no repair for it) does not bind the final text: with the repair off,
  // the last round's fresh draft is the compromise, 0.7, and few objects.
  const auto unrepaired =
      scenario_from(test_support::one_red_line,
                    {"process.max_rounds=2", "process.chair.final_text=true", "process.chair.repair=false"});
  const auto fresh = negsim::simulate(unrepaired, 1);
  CHECK(fresh.draft(0) == Approx(0.7));
  CHECK(fresh.kind == negsim::OutcomeKind::no_consensus);
  // The record of met red lines travels with a checkpoint: resumed before the last round, the
  // run ends as the run played through.
  negsim::Engine first(scenario, 1);
  REQUIRE(first.step());
  const auto saved = first.checkpoint();
  negsim::Engine resumed(scenario, 1);
  resumed.resume(saved);
  const auto& resumed_outcome = resumed.run();
  CHECK(resumed_outcome.draft(0) == Approx(0.5));
  CHECK(resumed_outcome.kind == outcome.kind);
}

TEST_CASE("a drafting group: the chair drafts from its members only", "[procedures][drafting_group]") {
  const std::string text = R"(
title: Drafting group
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: low, positions: {a: 0.2}}
  - {id: middle, positions: {a: 0.5}}
  - {id: high, positions: {a: 0.8}}
process:
  max_rounds: 1
)";
  negsim::Engine room(scenario_from(text), 1);
  const auto whole = scenario_from(text);
  negsim::Engine whole_room(whole, 1);
  whole_room.step();
  CHECK(whole_room.state().draft(0) == Approx(0.5));
  for (const char* strategy : {"compromise", "nash", "maximin"}) {
    const auto grouped = scenario_from(
        text, {"process.chair.drafting_group=[low, middle]", std::string("process.chair.strategy=") + strategy});
    negsim::Engine engine(grouped, 1);
    engine.step();
    INFO(strategy);
    CHECK(engine.state().draft(0) == Approx(0.35).margin(1e-3));  // midway between low and middle
    CHECK(engine.state().responses.size() == 3);                  // everyone answers
  }
  (void)room;
}

TEST_CASE("a delegation outside the drafting is not drafted or repaired for, but still blocks and votes",
          "[procedures][outside_drafting]") {
  // far (red line: at most 0.2) sits at 0 and the two others at 0.6. Drafted for, far pulls the
  // compromise to 0.4, objects, and the chair repairs the paragraph to 0.2: adopted. Outside
  // the drafting (it left the process), the compromise is the others' 0.6, no repair or amendment
  // is made for far, and at the deadline the vote adopts the text over far's no, 2 to 1.
  const std::string room = R"(
title: Outside the drafting
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: one, positions: {a: 0.6}}
  - {id: two, positions: {a: 0.6}}
  - {id: far, positions: {a: 0}, red_lines: {a: {max: 0.2}}, outside_drafting: OUTSIDE}
process:
  max_rounds: 3
  noise: 0
  fallbacks: {vote: {threshold: 0.51}}
)";
  auto with = [&](const std::string& outside) {
    std::string text = room;
    text.replace(text.find("OUTSIDE"), 7, outside);
    return scenario_from(text);
  };
  const auto inside = negsim::simulate(with("false"), 1);
  CHECK(inside.draft(0) == Approx(0.2));
  CHECK(negsim::is_adopted(inside.kind));
  CHECK(inside.objectors.empty());

  struct Changes : negsim::TraceSink {
    std::vector<int> for_delegation;
    void on_change(int, ChangeKind, int delegation, int, double, double, bool, const std::vector<int>&,
                   const std::string&) override {
      for_delegation.push_back(delegation);
    }
  };
  const auto scenario = with("true");
  Changes changes;
  negsim::Engine engine(scenario, 1, &changes);
  const auto& outcome = engine.run();
  CHECK(outcome.draft(0) == Approx(0.6));
  CHECK(changes.for_delegation.empty());  // no repair or amendment is even tried for far
  REQUIRE(outcome.kind == negsim::OutcomeKind::vote);
  REQUIRE(outcome.vote.has_value());
  CHECK(outcome.vote->yes == 2);
  CHECK(outcome.vote->no == 1);  // far still votes, with its objection
  REQUIRE(outcome.objectors.size() == 1);
  CHECK(outcome.objectors[0].delegation == 2);
  {
    // The story says who is outside the drafting, and what that means.
    negsim::Trace trace(scenario);
    negsim::Engine told(scenario, 1, &trace);
    told.run();
    std::string story = negsim::narrate(trace.events(), &scenario);
    INFO(story);
    std::replace(story.begin(), story.end(), '\n', ' ');  // the story wraps its lines
    CHECK(story.find("Outside the drafting: far. The chair neither drafts from their stances nor repairs for them; "
                     "they still answer every text, block under the rule and vote.") != std::string::npos);
    const auto drafted_for = with("false");
    negsim::Trace inside_trace(drafted_for);
    negsim::Engine inside_engine(drafted_for, 1, &inside_trace);
    inside_engine.run();
    CHECK(negsim::narrate(inside_trace.events(), &drafted_for).find("Outside the drafting:") == std::string::npos);
  }

  // A change that makes a delegation outside the drafting object anew is not a new objector for
  // the chair. high needs at least 0.7; out (at most 0.65) is outside. The compromise of one, two
  // and high is 2/3; repairing to 0.7 crosses out's red line, and the chair makes it all the same.
  // Under consensus alone out's objection still blocks the text.
  const auto blocked = scenario_from(R"(
title: Outside the drafting, consensus alone
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: one, positions: {a: 0.6}}
  - {id: two, positions: {a: 0.6}}
  - {id: high, positions: {a: 0.8}, red_lines: {a: {min: 0.7}}}
  - {id: out, positions: {a: 0}, red_lines: {a: {max: 0.65}}, outside_drafting: true}
process:
  max_rounds: 3
  noise: 0
)");
  const auto ended = negsim::simulate(blocked, 1);
  CHECK(ended.draft(0) == Approx(0.7));
  CHECK(ended.kind == negsim::OutcomeKind::no_consensus);
  REQUIRE(ended.objectors.size() == 1);
  CHECK(ended.objectors[0].delegation == 3);
  CHECK(ended.pivotal == std::vector<int>{3});

  // A drafting group may not name it.
  CHECK_THROWS_WITH(scenario_from(R"(
title: Outside and drafting
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: one, positions: {a: 0.6}}
  - {id: out, positions: {a: 0}, outside_drafting: true}
process:
  chair: {drafting_group: [one, out]}
)"),
                    Catch::Contains("'out' is outside the drafting"));
}

namespace {
// Two delegations; the third and fourth lines of the file are where the uncertain entries go.
std::string uncertain_room(const std::string& uncertain, const std::string& power = "2") {
  return "title: Uncertain\n"
         "issues:\n"
         "  - {id: a, title: A, levels: [{value: 0, text: \"0\"}, {value: 1, text: \"1\"}]}\n"
         "delegations:\n"
         "  - {id: s1, positions: {a: 0.5}, power: " +
         power +
         "}\n"
         "  - {id: s2, positions: {a: 0.2}, red_lines: {a: {max: 0.6}}}\n" +
         uncertain;
}

std::string load_error(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  try {
    negsim::load_scenario_text(yaml, "inline.yaml", overrides);
  } catch (const std::exception& error) {
    return error.what();
  }
  return "";
}
}  // namespace

TEST_CASE("top-level uncertain: declares numbers exactly as in place", "[procedures][uncertain][input]") {
  const auto listed = scenario_from(
      uncertain_room("uncertain:\n"
                     "  delegations.s1.power: {range: [1, 3], why: \"Judgment: a mid-sized delegation\"}\n"
                     "  delegations.s2.red_lines.a.max: {sd: 0.1}\n"));
  std::string in_place_text = uncertain_room("", "{value: 2, range: [1, 3]}");
  in_place_text.replace(in_place_text.find("{max: 0.6}"), std::string("{max: 0.6}").size(),
                        "{max: {value: 0.6, sd: 0.1}}");
  const auto in_place = scenario_from(in_place_text);
  REQUIRE(listed.uncertainties.size() == 2);
  REQUIRE(in_place.uncertainties.size() == 2);
  for (std::size_t u = 0; u < 2; ++u) {
    CHECK(listed.uncertainties[u].stream_key == in_place.uncertainties[u].stream_key);
    CHECK(listed.uncertainties[u].distribution == in_place.uncertainties[u].distribution);
    CHECK(listed.uncertainties[u].first == in_place.uncertainties[u].first);
    CHECK(listed.uncertainties[u].second == in_place.uncertainties[u].second);
  }
  CHECK(listed.uncertainties[0].stream_key == "delegations.s1.power");
  CHECK(listed.power(0) == 2);  // a plain run uses the file's value
  // Drawn the same way: the same seed gives the same numbers.
  const negsim::Scenario drawn_listed = negsim::sample_scenario(listed, 11);
  const negsim::Scenario drawn_in_place = negsim::sample_scenario(in_place, 11);
  CHECK(drawn_listed.power(0) == drawn_in_place.power(0));
  CHECK(drawn_listed.power(0) != 2);
  // --set replaces the value and its uncertainty together.
  const auto set = scenario_from(uncertain_room("uncertain:\n  delegations.s1.power: {range: [1, 3]}\n"),
                                 {"delegations.s1.power=5"});
  CHECK(set.uncertainties.empty());
  CHECK(set.power(0) == 5);
}

TEST_CASE("an overlay's set: replaces a number its base declared uncertain", "[procedures][uncertain][input]") {
  const auto directory = test_support::temporary_directory("uncertain-overlay");
  std::ofstream(directory / "base.yaml") << uncertain_room(
      "uncertain:\n  delegations.s1.power: {range: [1, 3]}\nexpected: {outcome: consensus}\n");
  std::ofstream(directory / "variant.yaml") << "base: base.yaml\ntitle: Variant\nset: {delegations.s2.power: 4}\n";
  std::ofstream(directory / "fixed.yaml") << "base: base.yaml\ntitle: Fixed\nset: {delegations.s1.power: 5}\n";
  const auto variant = negsim::load_scenario_file((directory / "variant.yaml").string());
  REQUIRE(variant.uncertainties.size() == 1);
  CHECK(variant.uncertainties[0].stream_key == "delegations.s1.power");
  const auto fixed = negsim::load_scenario_file((directory / "fixed.yaml").string());
  CHECK(fixed.uncertainties.empty());
  CHECK(fixed.power(0) == 5);
}

TEST_CASE("a bad uncertain: entry is an error at its line", "[procedures][uncertain][input]") {
  auto error = [](const std::string& entry) { return load_error(uncertain_room("uncertain:\n  " + entry + "\n")); };
  CHECK(error("delegations.s3.power: {range: [1, 3]}")
            .find("inline.yaml:8:3: uncertain.delegations.s3.power: no item "
                  "with id 's3'") != std::string::npos);
  CHECK(error("delegations.s1.positions: {range: [0, 1]}").find("inline.yaml:8:3:") != std::string::npos);
  CHECK(error("delegations.s1.positions: {range: [0, 1]}").find("is not a number") != std::string::npos);
  CHECK(error("title: {range: [0, 1]}").find("is not a number: 'Uncertain'") != std::string::npos);
  CHECK(error("delegations.s1.susceptibility: {range: [0, 1]}").find("the scenario has no value at") !=
        std::string::npos);
  CHECK(error("delegations.s1.power: {range: [3, 4]}").find("lies outside this range") != std::string::npos);
  CHECK(error("delegations.s1.power: {range: [3, 1]}").find("low is above high") != std::string::npos);
  CHECK(error("delegations.s1.power: {range: [1, 3], sd: 1}").find("exactly one of 'range' or 'sd'") !=
        std::string::npos);
  CHECK(error("delegations.s1.power: {rang: [1, 3]}").find("unknown key 'rang' (did you mean 'range'?)") !=
        std::string::npos);
  CHECK(error("stances: {range: [1, 3]}").find("names files to include") != std::string::npos);
  CHECK(error("delegations.s1.power: {range: [-1, 3]}").find("inline.yaml:8:") != std::string::npos);
  CHECK(load_error(uncertain_room("uncertain:\n  delegations.s1.power: {range: [1, 3]}\n", "{value: 2, range: [1, 3]}"))
            .find("already declared uncertain in place") != std::string::npos);
  CHECK(load_error(uncertain_room("uncertain: [1, 2]\n")).find("uncertain") != std::string::npos);
}

TEST_CASE("the backtest says how robust each outcome is to the declared uncertain numbers",
          "[procedures][uncertain][backtest]") {
  const auto scenario =
      scenario_from(uncertain_room("uncertain:\n  delegations.s2.red_lines.a.max: {range: [0.3, 0.6]}\n"
                                   "expected: {outcome: consensus}\n"));
  negsim::ReplicateOptions options;
  options.replicates = 20;
  options.threads = 1;
  const auto result = negsim::run_backtest(scenario, options);
  CHECK(result.uncertain_numbers == 1);
  const std::string table = negsim::backtest_table({result});
  CHECK(table.find("Robustness (each replicate draws the declared uncertain numbers):") != std::string::npos);
  CHECK(table.find("the recorded outcome (consensus) in " + negsim::format_percent(result.recorded_share) +
                   " of 20 replicates drawing 1 uncertain number") != std::string::npos);
  CHECK(negsim::backtest_json({result})["scenarios"][0]["uncertain_numbers"] == 1);
  options.sample_uncertainty = false;
  CHECK(negsim::run_backtest(scenario, options).uncertain_numbers == 0);
}

// What `negsim run` prints must fit a 100-column terminal (as negsim play does): a short list on
// one line, a long one a delegation a line, and at most a dozen of those (a room of 193 can have
// a hundred objectors).
TEST_CASE("the run summary fits a 100-column terminal however many object", "[procedures][summary]") {
  std::string yaml = R"(
title: Many objectors, a room whose title runs well past the width of a terminal of one hundred columns
issues:
  - {id: a_paragraph_with_a_long_name, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: one, power: 100, positions: {a_paragraph_with_a_long_name: 1}}
)";
  for (int i = 0; i < 20; ++i) {
    yaml += "  - {id: objector_" + std::to_string(i) +
            ", power: 1, positions: {a_paragraph_with_a_long_name: 0}, red_lines: {a_paragraph_with_a_long_name: "
            "{max: 0.1}}}\n";
  }
  yaml += "process: {max_rounds: 1, chair: {repair: false, amendments: false}}\n";
  const auto scenario = scenario_from(yaml);
  const auto outcome = negsim::simulate(scenario, 1);
  REQUIRE(outcome.objectors.size() == 20);
  const std::string summary = negsim::text_summary(scenario, outcome, "out");
  CHECK(summary.find("  Objected (20):\n    objector_0 (a_paragraph_with_a_long_name [red line])\n") !=
        std::string::npos);
  CHECK(summary.find("    and 10 more (summary.json lists them all)\n") != std::string::npos);
  std::size_t start = 0;
  while (start < summary.size()) {
    const std::size_t end = summary.find('\n', start);
    const std::string line = summary.substr(start, end - start);
    INFO(line);
    CHECK(line.size() <= 96);
    start = end == std::string::npos ? summary.size() : end + 1;
  }
  // A list that fits stays on one line.
  const auto lone = scenario_from(lone_objector("", "{}"));
  CHECK(negsim::text_summary(lone, negsim::simulate(lone, 1), "").find("  Objected: lone (a [red line])\n") !=
        std::string::npos);
}
