// The historical scenario library: every file has sources and an expected block, the backtest
// passes, and the two format features it rests on (shared stance files, overlays) load and fail
// the way docs/SCENARIO_FORMAT.md says.
#include <catch2/catch.hpp>

#include "negsim/backtest.hpp"
#include "negsim/errors.hpp"
#include "negsim/sweep.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

const char* const two_issues = R"(issues:
  - id: ihl
    title: IHL
    levels: [{value: 0, text: "no"}, {value: 1, text: "yes"}]
  - id: norms
    title: Norms
    levels: [{value: 0, text: "no"}, {value: 1, text: "yes"}]
)";

// A stance file for usa and russia; `russia_ihl` lets a test put a bad value on line 10.
std::string stance_file(const std::string& russia_ihl = "0.1") {
  return std::string(R"(description: test stances
sources: ["invented for the tests"]
delegations:
  usa:
    power: 2
    positions: {ihl: 0.9, norms: 0.8, attribution: 0.2}
    salience: {ihl: 0.6, norms: 0.4, attribution: 5}
    red_lines: {ihl: {min: 0.5}, attribution: {max: 0.4}}
  russia:
    positions: {ihl: )") +
         russia_ihl + R"(, norms: 0.5}
    agent: {model: concession, beta: 0.7}
    notes: "from the stance file"
)";
}

std::string scenario_with_stances(const std::string& delegations) {
  return "title: Uses stances\nstances: stances/test.yaml\n" + std::string(two_issues) + "delegations:\n" + delegations;
}

}  // namespace

TEST_CASE("every historical scenario has sources and an expected block", "[history]") {
  const auto files = negsim::find_scenario_files(test_support::source_path("scenarios/history"));
  REQUIRE(files.size() >= 10);
  for (const auto& file : files) {
    INFO(file);
    const auto scenario = negsim::load_scenario_file(file);
    CHECK_FALSE(scenario.sources.empty());
    CHECK(scenario.expected.present);
    CHECK_FALSE(scenario.description.empty());
  }
}

TEST_CASE("the backtest of scenarios/history passes", "[history][backtest]") {
  const auto files = negsim::find_scenario_files(test_support::source_path("scenarios/history"));
  for (const auto& file : files) {
    const auto scenario = negsim::load_scenario_file(file);
    DYNAMIC_SECTION(file) {
      negsim::ReplicateOptions options;
      options.replicates = 40;
      options.master_seed = 7;
      options.threads = 2;
      const auto result = negsim::evaluate_backtest(scenario, negsim::run_replicates(scenario, options), file);
      std::string reasons;
      for (const auto& reason : result.failures()) reasons += reason + "; ";
      INFO(reasons);
      CHECK(result.passed());
      CHECK(result.replicates == 40);
    }
  }
}

TEST_CASE("the backtest criterion reads the statistics as documented", "[history][backtest]") {
  const auto scenario = negsim::load_scenario_file(test_support::source_path("scenarios/history/gge-2016-2017.yaml"));
  negsim::CellStatistics statistics(scenario);
  statistics.replicates = 10;
  const auto no_consensus = static_cast<std::size_t>(negsim::OutcomeKind::no_consensus);
  const auto consensus = static_cast<std::size_t>(negsim::OutcomeKind::consensus);
  statistics.outcome_counts[no_consensus] = 5;
  statistics.outcome_counts[consensus] = 5;
  for (const char* id : {"russia", "china", "cuba"})
    statistics.objected[static_cast<std::size_t>(scenario.find_delegation(id))] = 5;
  for (const char* id : {"ihl", "self_defence", "countermeasures"})
    statistics.contested[static_cast<std::size_t>(scenario.find_issue(id))] = 5;
  SECTION("a tie for the most frequent outcome passes, and half the runs is enough for a name") {
    const auto result = negsim::evaluate_backtest(scenario, statistics);
    CHECK(result.outcome_passed);
    CHECK(result.passed());
  }
  SECTION("a more frequent other outcome fails, and so does a name below half") {
    statistics.outcome_counts[consensus] = 6;
    statistics.objected[static_cast<std::size_t>(scenario.find_delegation("cuba"))] = 4;
    const auto result = negsim::evaluate_backtest(scenario, statistics);
    CHECK_FALSE(result.outcome_passed);
    CHECK(result.most_frequent == negsim::OutcomeKind::consensus);
    CHECK_FALSE(result.objectors[2].passed);
    CHECK(result.failures().size() == 2);
    CHECK(negsim::backtest_table({result}).find("FAIL") != std::string::npos);
    CHECK(negsim::backtest_json({result})["passed"] == false);
  }
  SECTION("expected.criterion overrides the defaults") {
    auto strict = negsim::load_scenario_file(test_support::source_path("scenarios/history/gge-2016-2017.yaml"),
                                             {"expected.criterion={outcome_share: 0.9, named_share: 0.6}"});
    const auto result = negsim::evaluate_backtest(strict, statistics);
    CHECK_FALSE(result.outcome_passed);
    CHECK_FALSE(result.objectors[0].passed);
  }
  SECTION("a share criterion can pass while another outcome is more frequent, and the row says so") {
    statistics.outcome_counts[no_consensus] = 4;
    statistics.outcome_counts[consensus] = 6;
    auto lenient = negsim::load_scenario_file(test_support::source_path("scenarios/history/gge-2016-2017.yaml"),
                                              {"expected.criterion={outcome_share: 0.3}"});
    const auto result = negsim::evaluate_backtest(lenient, statistics);
    CHECK(result.outcome_passed);
    CHECK(result.most_frequent == negsim::OutcomeKind::consensus);
    CHECK(negsim::backtest_table({result}).find("(mostly consensus 60%)") != std::string::npos);
    CHECK(negsim::backtest_json({result})["scenarios"][0]["most_frequent"] == "consensus");
  }
}

TEST_CASE("negsim backtest prints a table and exits 0 when every row passes", "[history][backtest][cli]") {
  const auto result =
      test_support::run_command(test_support::negsim_binary() + " backtest " +
                                test_support::source_path("scenarios/history/what-if") + " --seeds 10 --threads 1");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("gge-2017-consensus-minus-1") != std::string::npos);
  CHECK(result.output.find("4 of 4 scenarios pass") != std::string::npos);
  const auto json = test_support::run_command(test_support::negsim_binary() + " backtest " +
                                              test_support::source_path("scenarios/history/what-if") +
                                              " --seeds 5 --threads 1 --format json");
  INFO(json.output);
  CHECK(json.exit_code == 0);
  const auto parsed = nlohmann::json::parse(json.output);
  CHECK(parsed["passed"] == true);
  CHECK(parsed["scenarios"].size() == 4);
}

TEST_CASE("symbolic links and stance files are not scenarios", "[history]") {
  const auto all = test_support::all_scenarios();
  for (const auto& file : all) {
    INFO(file);
    CHECK_FALSE(fs::is_symlink(file));
    CHECK(file.find("/stances/") == std::string::npos);
  }
  // The old paths still work, through the links.
  const auto linked = negsim::load_scenario_file(test_support::source_path("scenarios/gge-2016-2017.yaml"));
  CHECK(linked.delegation_count() == 25);
}

TEST_CASE("a delegation takes what it does not set from its stance", "[history][stances]") {
  const auto directory = test_support::temporary_directory("stances");
  write(directory / "stances/test.yaml", stance_file());
  write(directory / "scenario.yaml", scenario_with_stances(R"(  - id: usa
    positions: {norms: 0.6}
    red_lines: {ihl: {min: 0.3}}
  - id: russia
    notes: "the scenario's own"
  - {id: china, positions: {ihl: 0.2, norms: 0.5}}
)"));
  const auto scenario = negsim::load_scenario_file((directory / "scenario.yaml").string());
  const int usa = scenario.find_delegation("usa");
  const int russia = scenario.find_delegation("russia");
  CHECK(scenario.power(usa) == Approx(2));              // from the stance
  CHECK(scenario.positions(usa, 0) == Approx(0.9));     // ihl from the stance
  CHECK(scenario.positions(usa, 1) == Approx(0.6));     // norms: the scenario wins
  CHECK(scenario.red_line_min(usa, 0) == Approx(0.3));  // the scenario's red line wins
  CHECK(scenario.raw_salience(usa, 0) == Approx(0.6));  // undeclared 'attribution' dropped
  CHECK(scenario.salience.row(usa).sum() == Approx(1));
  CHECK(scenario.salience(usa, 0) == Approx(0.6));
  CHECK(scenario.delegations[static_cast<std::size_t>(russia)].agent.beta == Approx(0.7));
  CHECK(scenario.delegations[static_cast<std::size_t>(russia)].notes == "the scenario's own");
  CHECK(scenario.positions(scenario.find_delegation("china"), 0) == Approx(0.2));
  fs::remove_all(directory);
}

TEST_CASE("errors inside a stance file name that file and its line", "[history][stances]") {
  const auto directory = test_support::temporary_directory("stance-errors");
  const std::string scenario_file = (directory / "scenario.yaml").string();
  const std::string stance_path = (directory / "stances/test.yaml").string();
  write(scenario_file, scenario_with_stances("  - {id: usa}\n  - {id: russia}\n"));
  SECTION("a value out of range") {
    write(stance_path, stance_file("1.4"));
    try {
      negsim::load_scenario_file(scenario_file);
      FAIL("accepted a position of 1.4");
    } catch (const negsim::InputError& error) {
      INFO(error.what());
      CHECK(error.file() == stance_path);
      CHECK(error.line() == 10);
      CHECK(std::string(error.what()).find("1.4 is out of range") != std::string::npos);
    }
  }
  SECTION("an unknown key, with a suggestion") {
    write(stance_path, "delegations:\n  usa:\n    positons: {ihl: 0.5}\n");
    try {
      negsim::load_scenario_file(scenario_file);
      FAIL("accepted a typo");
    } catch (const negsim::InputError& error) {
      INFO(error.what());
      CHECK(error.file() == stance_path);
      CHECK(error.line() == 3);
      CHECK(std::string(error.what()).find("did you mean 'positions'") != std::string::npos);
    }
  }
  SECTION("a bloc, which belongs to the room, not the stance") {
    write(stance_path, "delegations:\n  usa:\n    bloc: west\n");
    CHECK_THROWS_WITH(negsim::load_scenario_file(scenario_file), Catch::Contains("unknown key 'bloc'"));
  }
  SECTION("a syntax error") {
    write(stance_path, "delegations:\n  usa: {power: 2\n");
    try {
      negsim::load_scenario_file(scenario_file);
      FAIL("accepted broken YAML");
    } catch (const negsim::InputError& error) {
      CHECK(error.file() == stance_path);
    }
  }
  SECTION("a stance file that includes itself") {
    write(stance_path, "stances: test.yaml\ndelegations: {}\n");
    try {
      negsim::load_scenario_file(scenario_file);
      FAIL("accepted an include cycle");
    } catch (const negsim::InputError& error) {
      INFO(error.what());
      CHECK(error.file() == stance_path);
      CHECK(std::string(error.what()).find("include cycle") != std::string::npos);
    }
  }
  SECTION("an id defined in two stance files") {
    write(stance_path, stance_file());
    write(directory / "stances/other.yaml", "delegations:\n  usa: {power: 3}\n");
    write(scenario_file, "title: Two files\nstances: [stances/test.yaml, stances/other.yaml]\n" +
                             std::string(two_issues) + "delegations:\n  - {id: usa}\n  - {id: russia}\n");
    CHECK_THROWS_WITH(negsim::load_scenario_file(scenario_file), Catch::Contains("has a stance in both"));
  }
  fs::remove_all(directory);
}

TEST_CASE("a stance file may build on another", "[history][stances]") {
  const auto directory = test_support::temporary_directory("stance-chain");
  write(directory / "stances/test.yaml", stance_file());
  write(directory / "stances/later.yaml", "stances: test.yaml\ndelegations:\n  usa:\n    positions: {ihl: 0.7}\n");
  write(directory / "scenario.yaml", "title: Chain\nstances: stances/later.yaml\n" + std::string(two_issues) +
                                         "delegations:\n  - {id: usa}\n  - {id: russia}\n");
  const auto scenario = negsim::load_scenario_file((directory / "scenario.yaml").string());
  CHECK(scenario.positions(0, 0) == Approx(0.7));  // the later file wins
  CHECK(scenario.positions(0, 1) == Approx(0.8));  // the earlier file fills the rest
  CHECK(scenario.power(0) == Approx(2));
  fs::remove_all(directory);
}

TEST_CASE("an overlay applies its set entries and replaces the base's description", "[history][overlays]") {
  const std::string overlay = test_support::source_path("scenarios/history/what-if/gge-2017-consensus-minus-1.yaml");
  const auto scenario = negsim::load_scenario_file(overlay);
  CHECK(scenario.process.rule.kind == negsim::RuleKind::consensus_minus);
  CHECK(scenario.title.find("What if") == 0);
  CHECK(scenario.id == "gge-2017-consensus-minus-1");
  CHECK(scenario.delegation_count() == 25);
  SECTION("--set still wins over the overlay") {
    const auto overridden = negsim::load_scenario_file(overlay, {"process.rule=consensus-minus-3"});
    CHECK(overridden.process.rule.max_objectors == 3);
  }
  SECTION("without its own expected block an overlay has none") {
    const auto directory = test_support::temporary_directory("overlay");
    write(directory / "variant.yaml", "base: " + test_support::source_path("tests/valid-base.yaml") +
                                          "\ntitle: Variant\nset:\n  process.rule: unanimity\n");
    const auto variant = negsim::load_scenario_file((directory / "variant.yaml").string());
    CHECK_FALSE(variant.expected.present);
    CHECK_FALSE(variant.sources.empty());  // the base's sources stay: its numbers rest on them
    fs::remove_all(directory);
  }
  SECTION("an error in the base names the base file") {
    const auto directory = test_support::temporary_directory("overlay-base");
    write(directory / "base.yaml",
          scenario_with_stances(
              "  - {id: usa, positions: {ihl: 2, norms: 0}}\n  - {id: russia, positions: {ihl: 0, norms: 0}}\n"));
    write(directory / "stances/test.yaml", stance_file());
    write(directory / "variant.yaml", "base: base.yaml\ntitle: Variant\n");
    try {
      negsim::load_scenario_file((directory / "variant.yaml").string());
      FAIL("accepted a position of 2 in the base");
    } catch (const negsim::InputError& error) {
      INFO(error.what());
      CHECK(error.file() == (directory / "base.yaml").string());
      CHECK(error.line() == 11);
    }
    fs::remove_all(directory);
  }
}
