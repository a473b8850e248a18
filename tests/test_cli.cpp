// The command as a user runs it: exit codes, files written, nothing half-written on bad input.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

using test_support::negsim_binary;
using test_support::run_command;

namespace fs = std::filesystem;

namespace {
bool directory_is_empty(const fs::path& directory) {
  return fs::is_empty(directory);
}
}  // namespace

TEST_CASE("negsim run writes the five outputs and prints where they went", "[cli]") {
  const auto directory = test_support::temporary_directory("run");
  const auto out = directory / "gge";
  const auto result = run_command(negsim_binary() + " run " +
                                  test_support::source_path("scenarios/gge-2016-2017.yaml") + " --out " + out.string());
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("NO CONSENSUS") != std::string::npos);
  CHECK(result.output.find(out.string()) != std::string::npos);
  for (const char* name : {"trace.jsonl", "rounds.csv", "summary.json", "meta.json", "draft.md"}) {
    INFO(name);
    CHECK(fs::file_size(out / name) > 0);
  }
  // Every trace line is a JSON object with an event name.
  std::istringstream lines(test_support::read_text((out / "trace.jsonl").string()));
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    const auto event = nlohmann::json::parse(line);
    CHECK(event.contains("event"));
    ++count;
  }
  CHECK(count > 25);
  const auto meta = nlohmann::json::parse(test_support::read_text((out / "meta.json").string()));
  CHECK(meta["scenario_sha256"].get<std::string>().size() == 64);
  // The shared files the scenario includes (bibliography, issue catalogue, stances and fitted
  // parameters, in the order read) are recorded with their own hashes.
  REQUIRE(meta["included_files"].size() == 4);
  CHECK(meta["included_files"][0]["file"].get<std::string>().find("catalogue/sources.yaml") != std::string::npos);
  CHECK(meta["included_files"][1]["file"].get<std::string>().find("catalogue/ict-security-issues.yaml") !=
        std::string::npos);
  CHECK(meta["included_files"][2]["file"].get<std::string>().find("stances/ict-security.yaml") != std::string::npos);
  CHECK(meta["included_files"][3]["file"].get<std::string>().find("parameters/fitted.yaml") != std::string::npos);
  for (const auto& included : meta["included_files"]) CHECK(included["sha256"].get<std::string>().size() == 64);
  CHECK(meta["seed"] == 1);
  SECTION("running again into the same directory is refused (exit 2, before the run), --force replaces it") {
    const auto again =
        run_command(negsim_binary() + " run " + test_support::source_path("scenarios/gge-2016-2017.yaml") +
                    " --quiet --out " + out.string());
    CHECK(again.exit_code == 2);
    CHECK(again.output.find("already exists") != std::string::npos);
    const auto forced =
        run_command(negsim_binary() + " run " + test_support::source_path("scenarios/gge-2016-2017.yaml") +
                    " --quiet --force --out " + out.string());
    CHECK(forced.exit_code == 0);
    CHECK(forced.output.empty());
  }
  fs::remove_all(directory);
}

TEST_CASE("the default run directory is results/<scenario>/<run-id> and a second run gets a new one", "[cli]") {
  const auto directory = test_support::temporary_directory("default-dir");
  const std::string command = negsim_binary() + " run " + test_support::source_path("scenarios/gge-2014-2015.yaml") +
                              " --quiet --results " + (directory / "results").string();
  REQUIRE(run_command(command).exit_code == 0);
  REQUIRE(run_command(command).exit_code == 0);
  std::vector<fs::path> runs;
  for (const auto& entry : fs::directory_iterator(directory / "results" / "gge-2014-2015"))
    runs.push_back(entry.path());
  CHECK(runs.size() == 2);
  for (const auto& run : runs) CHECK(fs::exists(run / "summary.json"));
  fs::remove_all(directory);
}

TEST_CASE("same seed, same bytes: two runs of the command agree", "[cli][determinism]") {
  const auto directory = test_support::temporary_directory("bytes");
  const std::string base = negsim_binary() + " run " + test_support::source_path("scenarios/gge-2016-2017.yaml") +
                           " --quiet --seed 9 --set process.noise=0.03 --out ";
  REQUIRE(run_command(base + (directory / "a").string()).exit_code == 0);
  REQUIRE(run_command(base + (directory / "b").string()).exit_code == 0);
  for (const char* name : {"trace.jsonl", "rounds.csv", "summary.json", "draft.md"}) {
    INFO(name);
    CHECK(test_support::read_text((directory / "a" / name).string()) ==
          test_support::read_text((directory / "b" / name).string()));
  }
  fs::remove_all(directory);
}

TEST_CASE("run with format json prints the summary as JSON", "[cli]") {
  const auto result =
      run_command(negsim_binary() + " run " + test_support::source_path("scenarios/gge-2016-2017.yaml") +
                  " --no-write --format json");
  REQUIRE(result.exit_code == 0);
  const auto summary = nlohmann::json::parse(result.output);
  CHECK(summary["outcome"] == "no_consensus");
  CHECK(summary["output_dir"].is_null());
}

TEST_CASE("what-if overrides from the command line", "[cli]") {
  const auto result =
      run_command(negsim_binary() + " run " + test_support::source_path("scenarios/gge-2016-2017.yaml") +
                  " --no-write --format json --set process.rule=consensus-minus-3");
  REQUIRE(result.exit_code == 0);
  CHECK(nlohmann::json::parse(result.output)["rule"] == "consensus-minus-3");
  const auto typo = run_command(negsim_binary() + " run " + test_support::source_path("scenarios/gge-2016-2017.yaml") +
                                " --no-write --set process.rulez=unanimity");
  CHECK(typo.exit_code == 2);
  CHECK(typo.output.find("did you mean 'rule'") != std::string::npos);
}

TEST_CASE("usage errors exit 2 and --help exits 0", "[cli]") {
  CHECK(run_command(negsim_binary()).exit_code == 2);
  CHECK(run_command(negsim_binary() + " --help").exit_code == 0);
  CHECK(run_command(negsim_binary() + " frobnicate").exit_code == 2);
  for (const char* command : {"run", "validate"}) {
    const auto help = run_command(negsim_binary() + " " + command + " --help");
    CHECK(help.exit_code == 0);
    CHECK(help.output.find("Examples:") != std::string::npos);
  }
  CHECK(run_command(negsim_binary() + " run").exit_code == 2);
  CHECK(run_command(negsim_binary() + " run a.yaml b.yaml").exit_code == 2);
  CHECK(run_command(negsim_binary() + " run x.yaml --bogus").exit_code == 2);
  CHECK(run_command(negsim_binary() + " run x.yaml --seed -3").exit_code == 2);
  CHECK(run_command(negsim_binary() + " run x.yaml --format xml").exit_code == 2);
  CHECK(run_command(negsim_binary() + " run /nonexistent.yaml").exit_code == 2);
  CHECK(run_command(negsim_binary() + " validate").exit_code == 2);
}

TEST_CASE("validate accepts every shipped scenario", "[cli]") {
  std::string command = negsim_binary() + " validate";
  for (const auto& file : test_support::sanitizer_sample(test_support::all_scenarios())) command += " " + file;
  const auto result = run_command(command);
  INFO(result.output);
  CHECK(result.exit_code == 0);
}

TEST_CASE("bad input: exit 2, file:line:column in the message, nothing written", "[cli][bad-input]") {
  const auto directory = test_support::temporary_directory("bad");
  std::istringstream table(test_support::read_text(test_support::source_path("tests/bad-input/expected.tsv")));
  std::string row;
  std::vector<std::string> paths;
  while (std::getline(table, row)) {
    const std::string file = row.substr(0, row.find('\t'));
    const std::string path = test_support::source_path("tests/bad-input/" + file);
    paths.push_back(path);
    const auto result =
        run_command("timeout 20 " + negsim_binary() + " run " + path + " --out " + (directory / "out").string());
    INFO(file << ": " << result.output);
    CHECK(result.exit_code == 2);
    CHECK(result.output.find(path + ":") != std::string::npos);
    CHECK(directory_is_empty(directory));
  }
  // validate reads every file it is given and reports each on its own: one call for the whole
  // corpus (a process per file doubled this test's time under the sanitizers).
  std::string command = "timeout 120 " + negsim_binary() + " validate";
  for (const auto& path : paths) command += " " + path;
  const auto validated = run_command(command);
  CHECK(validated.exit_code == 2);
  for (const auto& path : paths) {
    INFO(path << ": " << validated.output);
    CHECK(validated.output.find(path + ":") != std::string::npos);
    CHECK(validated.output.find(path + ": ok") == std::string::npos);
  }
  fs::remove_all(directory);
}

TEST_CASE("an unwritable results directory is a clear error, exit 1", "[cli]") {
  const auto result =
      run_command(negsim_binary() + " run " + test_support::source_path("scenarios/gge-2016-2017.yaml") +
                  " --out /proc/negsim-cannot-write-here");
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("cannot") != std::string::npos);
}
