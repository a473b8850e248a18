// The chair's decisions (docs/MODEL.md sections 6 and 8): when to gavel a text some stand aside
// from, whether a stand-aside dissociates publicly, and which repair or amendment to make when
// several objectors pull apart.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "negsim/engine.hpp"
#include "negsim/trace.hpp"
#include "test_support.hpp"

using test_support::scenario_from;

namespace {

// Three delegations on one paragraph. The compromise lands at 0.5; the two flanks have
// utility 0.7 there, below their opening support threshold 0.85 and far above their blocking
// threshold (outside option 0): in round 1 nobody objects and both flanks stand aside. Their
// thresholds concede to 0.6 by round 5 (0.6625 in round 4), so a chair that keeps the text on
// the table wins them over.
const char* const flanks_standing_aside = R"(
title: Flanks standing aside
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: left, power: 1, positions: {a: 0.2}, outside_option: 0}
  - {id: centre, power: 2, positions: {a: 0.5}, outside_option: 0}
  - {id: right, power: 1, positions: {a: 0.8}, outside_option: 0}
process:
  max_rounds: 5
)";

// Issues a and b, and two heavier delegations without red lines (room_one, room_two), to which
// each fixture adds its own delegations and process settings.
std::string two_issue_room(const std::string& title, const std::string& delegations, int max_rounds,
                           const std::string& process_extra) {
  return "\ntitle: " + title + R"(
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: b, title: B, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: room_one, power: 10, positions: {a: 0.5, b: 0.5}, outside_option: 0}
  - {id: room_two, power: 10, positions: {a: 0.5, b: 0.5}, outside_option: 0}
)" + delegations +
         "process:\n  max_rounds: " + std::to_string(max_rounds) + "\n" + process_extra;
}

// Two camps with red lines that do not overlap on paragraph a, each objecting to a different
// paragraph of the opening draft, in a room of two heavier delegations without red lines.
// `hawk` wants a at 0.05 at most, which `dove` (a >= 0.1) cannot accept; `dove` wants b at
// 0.6 at least, which costs the room little and `hawk` accepts (b <= 0.9). Meeting dove
// costs the room less than meeting hawk, and once dove is met, meeting hawk would make dove
// object again: hawk is the one that holds out, whatever the powers.
std::string two_camps(double hawk_power, double dove_power, const std::string& process_extra = "") {
  return two_issue_room("Two camps",
                        "  - id: hawk\n    power: " + std::to_string(hawk_power) +
                            "\n    positions: {a: 0.0, b: 0.5}\n    outside_option: 0\n"
                            "    red_lines: {a: {max: 0.05}, b: {max: 0.9}}\n"
                            "  - id: dove\n    power: " +
                            std::to_string(dove_power) +
                            "\n    positions: {a: 0.6, b: 0.8}\n    outside_option: 0\n"
                            "    red_lines: {a: {min: 0.1}, b: {min: 0.6}}\n",
                        4, process_extra);
}

std::vector<std::string> objector_ids(const negsim::Scenario& scenario, const negsim::Outcome& outcome) {
  std::vector<std::string> ids;
  for (const auto& record : outcome.objectors) {
    ids.push_back(scenario.delegations[static_cast<std::size_t>(record.delegation)].id);
  }
  return ids;
}

}  // namespace

TEST_CASE("a chair with rounds left wins over those standing aside instead of gavelling", "[chair][gavel]") {
  SECTION("an impatient chair gavels at once: both flanks dissociate") {
    const auto scenario = scenario_from(flanks_standing_aside);
    const auto outcome = negsim::simulate(scenario, 1);
    CHECK(outcome.kind == negsim::OutcomeKind::consensus_with_dissociations);
    CHECK(outcome.decided_round == 0);
    CHECK(outcome.dissociators.size() == 2);
  }
  SECTION("a patient chair keeps the text on the table until the flanks can join it") {
    const auto scenario = scenario_from(flanks_standing_aside, {"process.chair.patience=1"});
    negsim::Trace trace(scenario);
    negsim::Engine engine(scenario, 1, &trace);
    const auto& outcome = engine.run();
    CHECK(outcome.kind == negsim::OutcomeKind::consensus);
    CHECK(outcome.decided_round == 3);  // round 4, threshold 0.6625 <= 0.7
    CHECK(outcome.dissociators.empty());
    const std::string text = trace.jsonl();
    CHECK(text.find(R"("event":"gavel","round":1,"gavelled":false)") != std::string::npos);
  }
  SECTION("patience is a share of the rounds: half of four rounds is two") {
    const auto scenario = scenario_from(flanks_standing_aside, {"process.chair.patience=0.5"});
    const auto outcome = negsim::simulate(scenario, 1);
    CHECK(outcome.kind == negsim::OutcomeKind::consensus_with_dissociations);
    CHECK(outcome.decided_round == 2);
  }
  SECTION("a delegation that cannot be won over dissociates at the end, with cause") {
    // right holds its bar (sincere, 0.85): the chair waits to the last round, then gavels.
    const auto scenario =
        scenario_from(flanks_standing_aside, {"process.chair.patience=1", "delegations.right.agent.model=sincere"});
    const auto outcome = negsim::simulate(scenario, 1);
    CHECK(outcome.kind == negsim::OutcomeKind::consensus_with_dissociations);
    CHECK(outcome.decided_round == 4);
    REQUIRE(outcome.dissociators.size() == 1);
    CHECK(scenario.delegations[static_cast<std::size_t>(outcome.dissociators[0].delegation)].id == "right");
  }
  SECTION("a dissociation has a cost: a small shortfall joins the text rather than dissociate publicly") {
    // 0.85 - 0.7 = 0.15 below the threshold: a cost of 0.2 makes both join, 0.1 does not.
    auto joined = negsim::simulate(scenario_from(flanks_standing_aside, {"process.dissociation_cost=0.2"}), 1);
    CHECK(joined.kind == negsim::OutcomeKind::consensus);
    CHECK(joined.decided_round == 0);
    auto kept = negsim::simulate(scenario_from(flanks_standing_aside, {"process.dissociation_cost=0.1"}), 1);
    CHECK(kept.kind == negsim::OutcomeKind::consensus_with_dissociations);
  }
  SECTION("dissociating from what the text says: the flank that wanted more joins, the one that wanted less does not") {
    // The status quo is 0 and the text 0.5: it says more than left (0.2) accepts, and less than
    // right (0.8) wants. Both fall 0.15 short; under `assertions` only left's loss counts.
    const auto outcome =
        negsim::simulate(scenario_from(flanks_standing_aside, {"process.dissociation_from=assertions"}), 1);
    CHECK(outcome.kind == negsim::OutcomeKind::consensus_with_dissociations);
    CHECK(outcome.decided_round == 0);
    const auto scenario = scenario_from(flanks_standing_aside, {"process.dissociation_from=assertions"});
    REQUIRE(outcome.dissociators.size() == 1);
    CHECK(scenario.delegations[static_cast<std::size_t>(outcome.dissociators[0].delegation)].id == "left");
    // With the status quo moved above the text, right's loss becomes what the text says too.
    const auto reversed = negsim::simulate(
        scenario_from(flanks_standing_aside, {"process.dissociation_from=assertions", "issues[0].status_quo=1"}), 1);
    REQUIRE(reversed.dissociators.size() == 1);
    CHECK(scenario.delegations[static_cast<std::size_t>(reversed.dissociators[0].delegation)].id == "right");
  }
  SECTION("with the deadline's bar an early gavel does not make a conceding delegation dissociate") {
    // The flanks' 0.7 is below their threshold of round 1 (0.85), above the least they would
    // accept by the deadline (support_min, 0.6): under `deadline` both join, and are listed as
    // joined at the gavel. A sincere delegation keeps its bar (0.85).
    const auto at_deadline =
        negsim::simulate(scenario_from(flanks_standing_aside, {"process.dissociation_bar=deadline"}), 1);
    CHECK(at_deadline.kind == negsim::OutcomeKind::consensus);
    CHECK(at_deadline.decided_round == 0);
    CHECK(at_deadline.dissociators.empty());
    CHECK(at_deadline.joined_at_gavel == std::vector<int>{0, 2});
    CHECK(negsim::simulate(scenario_from(flanks_standing_aside), 1).joined_at_gavel.empty());  // `round`
    const auto sincere =
        negsim::simulate(scenario_from(flanks_standing_aside,
                                       {"process.dissociation_bar=deadline", "delegations.left.agent.model=sincere"}),
                         1);
    CHECK(sincere.kind == negsim::OutcomeKind::consensus_with_dissociations);
    REQUIRE(sincere.dissociators.size() == 1);
    CHECK(sincere.dissociators[0].delegation == 0);
    CHECK(sincere.joined_at_gavel == std::vector<int>{2});
  }
}

TEST_CASE("a two-camp deadlock ends with the objector that holds out, whatever the powers", "[chair][repair]") {
  for (const auto& [hawk_power, dove_power] : {std::pair{1.0, 3.0}, std::pair{3.0, 1.0}}) {
    CAPTURE(hawk_power, dove_power);
    const auto scenario = scenario_from(two_camps(hawk_power, dove_power));
    negsim::Trace trace(scenario);
    negsim::Engine engine(scenario, 1, &trace);
    const auto& outcome = engine.run();
    CHECK(outcome.kind == negsim::OutcomeKind::no_consensus);
    CHECK(objector_ids(scenario, outcome) == std::vector<std::string>{"hawk"});
    // The trace says why the chair met dove first.
    const std::string text = trace.jsonl();
    const auto repair = text.find(R"("event":"repair","round":1,"delegation":"dove","issue":"b")");
    REQUIRE(repair != std::string::npos);
    const auto line_end = text.find('\n', repair);
    const std::string line = text.substr(repair, line_end - repair);
    CHECK(line.find(R"("accepted":true)") != std::string::npos);
    CHECK(line.find(R"("reason":"best of )") != std::string::npos);
  }
}

TEST_CASE("a chair weighing power keeps inside the delegation the text can least do without", "[chair][repair]") {
  // Section 8: with chair.power_weight lambda > 0 and a way to carry the text past objectors, an
  // objection counts (w_i / mean w)^lambda and the chair trades objectors when that lowers the weight
  // left outside. Mean power (10 + 10 + 12 + 1) / 4 = 8.25: hawk at power 12 weighs 1.4545, dove at 1
  // weighs 0.1212 and, lighter than the mean, is not met while taking note would carry the text.
  const std::string take_note = "  chair: {power_weight: 1}\n  fallbacks: {take_note: true}\n";
  SECTION("a powerful hawk is kept inside and the lighter dove is left outside") {
    const auto scenario = scenario_from(two_camps(12.0, 1.0, take_note));
    negsim::Trace trace(scenario);
    negsim::Engine engine(scenario, 1, &trace);
    const auto& outcome = engine.run();
    CHECK(outcome.kind == negsim::OutcomeKind::taken_note);
    CHECK(objector_ids(scenario, outcome) == std::vector<std::string>{"dove"});
    const std::string text = trace.jsonl();
    CHECK(text.find(R"("delegation":"hawk","issue":"a","from":0.321212,"to":0.05,"accepted":true)") !=
          std::string::npos);
    CHECK(text.find(R"("event":"passed_over","round":1,"delegations":["dove"],"way_out":"take_note")") !=
          std::string::npos);
  }
  SECTION("a trade: meeting the only objector leaves a lighter one outside") {
    // dove accepts the opening draft (b >= 0.5 only); meeting hawk on a makes dove object.
    std::string file = two_camps(12.0, 1.0, take_note);
    file.replace(file.find("b: {min: 0.6}"), 13, "b: {min: 0.5}");
    const auto scenario = scenario_from(file);
    negsim::Trace trace(scenario);
    negsim::Engine engine(scenario, 1, &trace);
    const auto& outcome = engine.run();
    CHECK(objector_ids(scenario, outcome) == std::vector<std::string>{"dove"});
    const std::string text = trace.jsonl();
    CHECK(
        text.find(
            R"("delegation":"hawk","issue":"a","from":0.321212,"to":0.05,"accepted":true,"new_objectors":["dove"])") !=
        std::string::npos);
    CHECK(text.find("leaves outside delegations weighing less") != std::string::npos);
    // Without the weight the same change is refused: it creates a new objector.
    std::string counting = file;
    counting.replace(counting.find("power_weight: 1"), 15, "power_weight: 0");
    const auto counted = scenario_from(counting);
    const auto counted_outcome = negsim::simulate(counted, 1);
    CHECK(objector_ids(counted, counted_outcome) == std::vector<std::string>{"hawk"});
  }
  SECTION("a light hawk is not met while the room can take note without it") {
    const auto scenario = scenario_from(two_camps(1.0, 12.0, take_note));
    const auto outcome = negsim::simulate(scenario, 1);
    CHECK(objector_ids(scenario, outcome) == std::vector<std::string>{"hawk"});
  }
  SECTION("without a way out every objection blocks alike: the weight is not used") {
    const auto scenario = scenario_from(two_camps(12.0, 1.0, "  chair: {power_weight: 1}\n"));
    const auto outcome = negsim::simulate(scenario, 1);
    CHECK(outcome.kind == negsim::OutcomeKind::no_consensus);
    CHECK(objector_ids(scenario, outcome) == std::vector<std::string>{"hawk"});
  }
  SECTION("with power weight 0 the chair counts objections as before, way out or not") {
    const auto scenario = scenario_from(two_camps(12.0, 1.0, "  fallbacks: {take_note: true}\n"));
    const auto outcome = negsim::simulate(scenario, 1);
    CHECK(outcome.kind == negsim::OutcomeKind::taken_note);
    CHECK(objector_ids(scenario, outcome) == std::vector<std::string>{"hawk"});
  }
}

TEST_CASE("where the vote would carry the text, the chair does not meet an objector lighter than the mean",
          "[chair][repair][outvoted]") {
  // Section 8, outvoted minorities: four delegations; `lone` (power 1; the mean is 5.5) objects to
  // the compromise on a (its red line a <= 0.2). Meeting it would make no one else object.
  auto room = [](double lone_power, const std::string& process_extra) {
    return two_issue_room("Outvoted",
                          "  - {id: lone, power: " + std::to_string(lone_power) +
                              ", positions: {a: 0.0, b: 0.5}, outside_option: 0, red_lines: {a: {max: 0.2}}}\n"
                              "  - {id: fourth, power: 1, positions: {a: 0.6, b: 0.5}, outside_option: 0}\n",
                          3, process_extra);
  };
  const std::string vote = "  chair: {power_weight: 1}\n  fallbacks: {vote: {threshold: 0.67}}\n";
  SECTION("with a vote that would carry the text, lone is outvoted") {
    const auto scenario = scenario_from(room(1.0, vote));
    negsim::Trace trace(scenario);
    negsim::Engine engine(scenario, 1, &trace);
    const auto& outcome = engine.run();
    CHECK(outcome.kind == negsim::OutcomeKind::vote);
    CHECK(objector_ids(scenario, outcome) == std::vector<std::string>{"lone"});
    const std::string text = trace.jsonl();
    CHECK(text.find(R"("event":"passed_over","round":1,"delegations":["lone"],"way_out":"vote","mean_power":5.5,)"
                    R"("reason":"the vote at the deadline would carry the text without it, and it holds less )"
                    R"x(power than the mean of the room (5.50)"})x") != std::string::npos);
    CHECK(text.find(R"("event":"repair")") == std::string::npos);
  }
  SECTION("without a way out the chair meets it and the text is adopted by consensus") {
    const auto scenario = scenario_from(room(1.0, "  chair: {power_weight: 1}\n"));
    const auto outcome = negsim::simulate(scenario, 1);
    CHECK(outcome.objectors.empty());
  }
  SECTION("an objector at or above the mean is met") {
    const auto scenario = scenario_from(room(12.0, vote));
    const auto outcome = negsim::simulate(scenario, 1);
    CHECK(outcome.objectors.empty());
  }
  SECTION("with a vote that would not carry the text (unanimity of those voting), the chair meets it") {
    std::string process = vote;
    process.replace(process.find("0.67"), 4, "1");
    const auto scenario = scenario_from(room(1.0, process));
    const auto outcome = negsim::simulate(scenario, 1);
    CHECK(outcome.objectors.empty());
  }
  SECTION("with power weight 0 the chair meets every objector, way out or not") {
    const auto scenario = scenario_from(room(1.0, "  fallbacks: {vote: {threshold: 0.67}}\n"));
    const auto outcome = negsim::simulate(scenario, 1);
    CHECK(outcome.objectors.empty());
  }
}

namespace {

// One objector, `wide`, whose red lines the opening draft crosses on both paragraphs. The chair
// can meet it on a (nobody minds) but not on b (`narrow` needs b >= 0.4): after the pass `wide`
// still objects, and its repair on a bought nothing.
std::string repair_that_buys_nothing(const std::string& process_extra = "") {
  return two_issue_room("A repair that buys nothing",
                        "  - {id: wide, power: 1, positions: {a: 0.0, b: 0.0}, outside_option: 0, red_lines: {a: {max: "
                        "0.3}, b: {max: 0.3}}}\n"
                        "  - {id: narrow, power: 1, positions: {a: 0.5, b: 0.8}, outside_option: 0, red_lines: {b: "
                        "{min: 0.4}}}\n",
                        3, process_extra);
}

}  // namespace

TEST_CASE("where a text can go on without a delegation, the chair withdraws a repair that did not win it over",
          "[chair][repair][withdrawal]") {
  // Section 8, "Withdrawn repairs": with a ruling, take-note or vote fallback, a repair made in
  // a pass for a delegation that still objects when the pass ends is taken back, unless taking
  // it back makes someone object anew. Under consensus alone it stays.
  SECTION("with a way out: the repair of a for wide is withdrawn every round, and a ends at the compromise") {
    const auto scenario = scenario_from(repair_that_buys_nothing("  fallbacks: {take_note: true}\n"));
    negsim::Trace trace(scenario);
    negsim::Engine engine(scenario, 1, &trace);
    const auto& outcome = engine.run();
    CHECK(outcome.kind == negsim::OutcomeKind::taken_note);
    CHECK(objector_ids(scenario, outcome) == std::vector<std::string>{"wide"});
    const std::string text = trace.jsonl();
    CHECK(text.find(R"("event":"repair","round":1,"delegation":"wide","issue":"a","from":0.477273,"to":0.3,)"
                    R"("accepted":true)") != std::string::npos);
    CHECK(text.find(R"("event":"withdrawal","round":1,"delegation":"wide","issue":"a","from":0.3,"to":0.477273,)"
                    R"("accepted":true,"new_objectors":[],"reason":"withdrawn: )") != std::string::npos);
    CHECK(outcome.draft(0) == Approx(0.477273).margin(1e-6));  // not the 0.3 of the repair
  }
  SECTION("under consensus alone the repair stays: a is held at wide's bound") {
    const auto scenario = scenario_from(repair_that_buys_nothing());
    negsim::Trace trace(scenario);
    negsim::Engine engine(scenario, 1, &trace);
    const auto& outcome = engine.run();
    CHECK(outcome.kind == negsim::OutcomeKind::no_consensus);
    CHECK(objector_ids(scenario, outcome) == std::vector<std::string>{"wide"});
    CHECK(trace.jsonl().find(R"("event":"withdrawal")") == std::string::npos);
    CHECK(outcome.draft(0) == Approx(0.3));
  }
  SECTION("a repair that won its delegation over stays, way out or not") {
    // Without narrow's red line the chair meets wide on both paragraphs and wide joins.
    std::string file = repair_that_buys_nothing("  fallbacks: {take_note: true}\n");
    file.replace(file.find(", red_lines: {b: {min: 0.4}}"), 28, "");
    const auto scenario = scenario_from(file);
    negsim::Trace trace(scenario);
    negsim::Engine engine(scenario, 1, &trace);
    const auto& outcome = engine.run();
    CHECK(outcome.objectors.empty());
    CHECK(trace.jsonl().find(R"("event":"withdrawal")") == std::string::npos);
  }
}

TEST_CASE("a chair drafting in the catalogue's words writes only levels", "[chair][drafting]") {
  // Section 7: with process.drafting: levels every tabled paragraph, repair and amendment is one of
  // the issue's levels, so the value weighed is the text shown. Levels 0, 0.3, 0.6, 1: the
  // compromise (0.2 + 2 * 0.5 + 0.8 + 0) / 5 = 0.4 is written 0.3; hawk (a <= 0.25) objects and the
  // repair writes 0, the level within its red line nearest the bound (0.3 is above it).
  const char* const room = R"(
title: Drafting in words
issues:
  - id: a
    title: A
    levels: [{value: 0, text: "none"}, {value: 0.3, text: "some"}, {value: 0.6, text: "more"}, {value: 1, text: "all"}]
delegations:
  - {id: low, power: 1, positions: {a: 0.2}, outside_option: 0}
  - {id: centre, power: 2, positions: {a: 0.5}, outside_option: 0}
  - {id: high, power: 1, positions: {a: 0.8}, outside_option: 0}
  - {id: hawk, power: 1, positions: {a: 0.0}, outside_option: 0, red_lines: {a: {max: 0.25}}}
process:
  max_rounds: 4
)";
  const auto is_level = [](double value) {
    for (const double level : {0.0, 0.3, 0.6, 1.0}) {
      if (std::abs(value - level) < 1e-12) return true;
    }
    return false;
  };
  const auto words = scenario_from(room, {"process.drafting=levels"});
  negsim::Trace trace(words);
  negsim::Engine engine(words, 1, &trace);
  const auto& outcome = engine.run();
  CHECK(is_level(outcome.draft(0)));
  CHECK(outcome.draft(0) == 0.0);  // the repair to hawk's bound, written as the level within it
  const std::string text = trace.jsonl();
  CHECK(text.find(R"("event":"repair","round":1,"delegation":"hawk","issue":"a")") != std::string::npos);
  // Drafting any value, the same room repairs to the bound itself.
  const auto values = negsim::simulate(scenario_from(room), 1);
  CHECK(values.draft(0) == Approx(0.25));
  // A loader error names the key and the words it takes.
  CHECK_THROWS_WITH(scenario_from(room, {"process.drafting=words"}),
                    Catch::Contains("process.drafting") && Catch::Contains("levels"));
}

TEST_CASE("an amendment in words moves at least one level toward the position", "[chair][drafting]") {
  negsim::Issue issue;
  issue.levels = {{0.0, "none"}, {0.3, "some"}, {0.6, "more"}, {1.0, "all"}};
  CHECK(issue.in_words(0.44) == 0.3);
  CHECK(issue.in_words(0.45) == 0.3);  // ties go to the lower level
  CHECK(issue.in_words(0.46) == 0.6);
  CHECK(issue.in_words(0.9, 0, 0.8) == 0.6);      // the nearest within the bounds
  CHECK(issue.in_words(0.5, 0.35, 0.55) == 0.5);  // no level within: the value
  // Half way from 0.3 toward 0.4 is 0.35, still written 0.3: the next level, 0.6, is farther
  // from 0.4 than 0.3 is, so no wording brings the text nearer.
  CHECK(issue.amendment_in_words(0.3, 0.35, 0.4) == 0.3);
  // Toward 0.5 the next level 0.6 is nearer than 0.3: the amendment asks for it.
  CHECK(issue.amendment_in_words(0.3, 0.4, 0.5) == 0.6);
  CHECK(issue.amendment_in_words(0.6, 0.3, 0.0) == 0.3);
}
