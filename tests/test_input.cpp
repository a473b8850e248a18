// Bad input: every file in tests/bad-input/ is refused with file:line:column and key path;
// overrides (--set) are validated like the file.
#include <catch2/catch.hpp>

#include "negsim/errors.hpp"
#include "test_support.hpp"

namespace {

struct BadInputCase {
  std::string file;
  std::string fragment;
  std::string line;  // "-" when it cannot be stated
};

std::vector<BadInputCase> bad_input_cases() {
  std::vector<BadInputCase> cases;
  std::istringstream table(test_support::read_text(test_support::source_path("tests/bad-input/expected.tsv")));
  std::string row;
  while (std::getline(table, row)) {
    if (row.empty()) continue;
    std::istringstream fields(row);
    BadInputCase entry;
    std::getline(fields, entry.file, '\t');
    std::getline(fields, entry.fragment, '\t');
    std::getline(fields, entry.line, '\t');
    cases.push_back(entry);
  }
  return cases;
}

}  // namespace

TEST_CASE("the valid base scenario loads", "[input]") {
  CHECK_NOTHROW(negsim::load_scenario_file(test_support::source_path("tests/valid-base.yaml")));
}

TEST_CASE("the bad-input corpus has at least 25 files, each listed", "[input]") {
  const auto cases = bad_input_cases();
  CHECK(cases.size() >= 25);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test_support::source_path("tests/bad-input"))) {
    if (entry.path().extension() == ".yaml") ++files;
  }
  CHECK(files == cases.size());
}

TEST_CASE("every bad input is refused with its line, column and key path", "[input][bad-input]") {
  for (const auto& entry : bad_input_cases()) {
    DYNAMIC_SECTION(entry.file) {
      const std::string path = test_support::source_path("tests/bad-input/" + entry.file);
      try {
        negsim::load_scenario_file(path);
        FAIL("accepted " << entry.file);
      } catch (const negsim::InputError& error) {
        const std::string message = error.what();
        INFO(message);
        CHECK(message.find(entry.fragment) != std::string::npos);
        CHECK(error.line() >= 1);
        CHECK(error.column() >= 1);
        CHECK(error.file() == path);
        if (entry.line != "-") CHECK(std::to_string(error.line()) == entry.line);
      }
    }
  }
}

TEST_CASE("validate lists every independent problem of issues, blocs and delegations", "[input][validate]") {
  const std::string file = "tests/bad-input/88-several-issue-and-bloc-problems.yaml";
  const std::string path = test_support::source_path(file);
  // file:line:column: key path, in file order; the delegations' mentions of the issue with an
  // invalid id (Cyber) and of the bloc east (whose own value is wrong) are not problems of their own.
  const std::vector<std::string> expected = {
      ":11:17: issues[0].levels[2].value: level values must increase strictly",
      ":19:17: issues[1].status_quo: 1.2 is out of range",
      ":20:9: issues[2].id: 'Cyber' is not a valid id",
      ":27:15: blocs[0].cohesion: 1.5 is out of range",
      ":30:20: blocs[1].leader_weight: 2 is out of range",
      ":39:12: delegations[1].power: -1 is out of range",
  };
  try {
    (void)negsim::load_scenario_file(path);
    FAIL("the scenario loaded");
  } catch (const negsim::InputErrors& errors) {
    REQUIRE(errors.problems().size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const std::string line = errors.problems()[i].what();
      INFO(line);
      CHECK(line.rfind(path + expected[i], 0) == 0);
    }
  }
  const auto result = test_support::run_command("cd " + test_support::source_path("") + " && " +
                                                test_support::negsim_binary() + " validate " + file);
  INFO(result.output);
  CHECK(result.exit_code == 2);
  for (const auto& problem : expected) CHECK(result.output.find(file + problem) != std::string::npos);
  CHECK(result.output.find("unknown") == std::string::npos);
}

TEST_CASE("a file over the size limit is refused before it is read", "[input][limits]") {
  const auto directory = test_support::temporary_directory("big");
  const auto path = (directory / "fifty-megabytes.yaml").string();
  {
    std::ofstream out(path, std::ios::binary);
    const std::string line = "# padding padding padding padding padding padding padding padding\n";
    for (std::size_t written = 0; written < (50u << 20); written += line.size()) out << line;
  }
  try {
    negsim::load_scenario_file(path);
    FAIL("accepted a 50 MB file");
  } catch (const negsim::InputError& error) {
    CHECK(std::string(error.what()).find("over the limit") != std::string::npos);
    CHECK(error.line() == 1);
  }
  std::filesystem::remove_all(directory);
}

TEST_CASE("overrides change values and are validated like the file", "[input][overrides]") {
  const std::string base = test_support::source_path("tests/valid-base.yaml");
  SECTION("by id and by index") {
    auto scenario = negsim::load_scenario_file(
        base, {"delegations.russia.red_lines.ihl.max=0.6", "delegations[0].power=7", "process.rule=unanimity"});
    CHECK(scenario.red_line_max(2, 0) == Approx(0.6));
    CHECK(scenario.power(0) == Approx(7));
    CHECK(scenario.process.rule.kind == negsim::RuleKind::unanimity);
  }
  SECTION("creating a missing block") {
    auto scenario = negsim::load_scenario_file(base, {"process.fallbacks.chairs_summary=true"});
    CHECK(scenario.process.fallbacks.chairs_summary);
  }
  SECTION("a typo in a key is reported against --set, with a suggestion") {
    try {
      negsim::load_scenario_file(base, {"process.max_round=3"});
      FAIL("accepted a typo");
    } catch (const negsim::InputError& error) {
      const std::string message = error.what();
      CHECK(message.find("--set process.max_round=3") != std::string::npos);
      CHECK(message.find("did you mean 'max_rounds'") != std::string::npos);
    }
  }
  SECTION("an out-of-range value") {
    CHECK_THROWS_AS(negsim::load_scenario_file(base, {"delegations.usa.positions.ihl=1.5"}), negsim::InputError);
  }
  SECTION("an unknown delegation id") {
    try {
      negsim::load_scenario_file(base, {"delegations.rusia.power=2"});
      FAIL("accepted an unknown id");
    } catch (const negsim::InputError& error) {
      CHECK(std::string(error.what()).find("did you mean 'russia'") != std::string::npos);
    }
  }
  SECTION("malformed expressions") {
    CHECK_THROWS_AS(negsim::load_scenario_file(base, {"process.rule"}), negsim::InputError);
    CHECK_THROWS_AS(negsim::load_scenario_file(base, {"=3"}), negsim::InputError);
    CHECK_THROWS_AS(negsim::load_scenario_file(base, {"delegations[99].power=2"}), negsim::InputError);
    CHECK_THROWS_AS(negsim::load_scenario_file(base, {"title[0]=x"}), negsim::InputError);
  }
}
