// Distributed and resumable sweeps: statistics survive serialisation exactly; a sweep killed
// midway and resumed gives the bytes of an uninterrupted one; under mpirun (MPI builds) 2 and 4
// ranks give the bytes of one process, bad input exits 2 and a crashed rank ends the job.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "negsim/errors.hpp"
#include "negsim/scenario.hpp"
#include "negsim/sweep_run.hpp"
#include "test_support.hpp"

using test_support::negsim_binary;
using test_support::read_text;
using test_support::run_command;

namespace {

// A small grid of 5 cells with noise and sampled uncertainty: a second or so in all.
std::string sweep_arguments(int seed = 3) {
  return " sweep " + test_support::source_path("scenarios/gge-2016-2017.yaml") + " --quiet --replicates 60 --seed " +
         std::to_string(seed) +
         " --set process.noise=0.06"
         " --set 'delegations.russia.outside_option={value: 0.3, range: [0.1, 0.9]}'"
         " --vary process.chair.bias=0:0.4:5";
}

void check_same_files(const std::filesystem::path& expected, const std::filesystem::path& actual,
                      std::initializer_list<const char*> names) {
  for (const char* name : names) {
    INFO(name);
    const std::string text = read_text((expected / name).string());
    CHECK(!text.empty());
    CHECK(text == read_text((actual / name).string()));
  }
}

}  // namespace

TEST_CASE("cell statistics survive the MPI and checkpoint encodings exactly", "[distributed]") {
  const auto scenario =
      negsim::load_scenario_file(test_support::source_path("scenarios/gge-2016-2017.yaml"), {"process.noise=0.08"});
  negsim::ReplicateOptions options;
  options.replicates = 40;
  options.threads = 1;
  const auto statistics = negsim::run_replicates(scenario, options);
  const auto integers = negsim::statistics_to_integers(statistics);
  CHECK(negsim::statistics_from_integers(integers.data(), integers.size()) == statistics);
  CHECK(negsim::statistics_from_json(negsim::statistics_to_json(statistics)) == statistics);
  CHECK_THROWS_AS(negsim::statistics_from_integers(integers.data(), integers.size() - 1), negsim::RunError);
}

TEST_CASE("a sweep killed midway resumes without recomputing and gives the same bytes", "[distributed][resume][cli]") {
  const auto directory = test_support::temporary_directory("sweep-resume");
  const std::string command = negsim_binary() + sweep_arguments() + " --replicates-csv --out ";
  const auto full = run_command(command + (directory / "full").string());
  INFO(full.output);
  REQUIRE(full.exit_code == 0);
  CHECK(!std::filesystem::exists(directory / "full.partial"));

  // Test hook: the process kills itself (SIGKILL) right after checkpointing its second cell.
  const auto killed = run_command("NEGSIM_TEST_KILL_AFTER_CELLS=2 " + command + (directory / "cut").string());
  CHECK(killed.exit_code == 128 + 9);
  CHECK(!std::filesystem::exists(directory / "cut"));
  const std::string checkpoint = read_text((directory / "cut.partial" / "checkpoint.jsonl").string());
  CHECK(std::count(checkpoint.begin(), checkpoint.end(), '\n') == 3);  // parameters + 2 cells

  // Different parameters are refused; a fresh start over the checkpoint needs --force.
  const auto other_seed = run_command(negsim_binary() + sweep_arguments(4) + " --replicates-csv --out " +
                                      (directory / "cut").string() + " --resume");
  CHECK(other_seed.exit_code == 2);
  CHECK(other_seed.output.find("different parameters") != std::string::npos);
  CHECK(run_command(command + (directory / "cut").string()).exit_code == 1);
  CHECK(run_command(command + (directory / "none").string() + " --resume").exit_code == 2);

  const auto resumed = run_command(command + (directory / "cut").string() + " --resume");
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  check_same_files(directory / "full", directory / "cut", {"cells.csv", "summary.json", "replicates.csv"});
  CHECK(read_text((directory / "cut" / "meta.json").string()).find("\"resumed_cells\": 2") != std::string::npos);
  CHECK(!std::filesystem::exists(directory / "cut.partial"));
  std::filesystem::remove_all(directory);
}

// Ctrl-C in one process: the sweep stops between replicates, keeps the cells it finished, says
// how to resume, exits 130, and the resumed sweep writes what an uninterrupted one does.
TEST_CASE("a sweep stopped by Ctrl-C keeps its finished cells and resumes to the same bytes",
          "[distributed][resume][interrupt][cli]") {
  const auto directory = test_support::temporary_directory("sweep-interrupt");
  const std::string command = negsim_binary() + sweep_arguments() + " --replicates-csv --out ";
  REQUIRE(run_command(command + (directory / "full").string()).exit_code == 0);
  // Test hook: SIGINT to itself right after checkpointing its second cell.
  const auto stopped = run_command("NEGSIM_TEST_KILL_AFTER_CELLS=2 NEGSIM_TEST_KILL_SIGNAL=2 " + command +
                                   (directory / "stopped").string());
  INFO(stopped.output);
  CHECK(stopped.exit_code == 130);
  CHECK(stopped.output.find("interrupted by signal 2; 2 of") != std::string::npos);
  CHECK(stopped.output.find("--resume") != std::string::npos);
  CHECK(!std::filesystem::exists(directory / "stopped"));
  const auto resumed = run_command(command + (directory / "stopped").string() + " --resume");
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  check_same_files(directory / "full", directory / "stopped", {"cells.csv", "summary.json", "replicates.csv"});
  std::filesystem::remove_all(directory);
}

#ifdef NEGSIM_MPI

namespace {

std::string mpirun(int ranks) {
  // Root in containers needs --allow-run-as-root; this 2-core machine needs --oversubscribe.
  return "timeout 120 mpirun --allow-run-as-root --oversubscribe -np " + std::to_string(ranks) + " ";
}

}  // namespace

TEST_CASE("mpirun -np 2 and -np 4 write the bytes one process writes", "[distributed][mpi][cli]") {
  const auto directory = test_support::temporary_directory("sweep-mpi");
  const std::string command = negsim_binary() + sweep_arguments() + " --out ";
  const auto one = run_command(command + (directory / "one").string());
  INFO(one.output);
  REQUIRE(one.exit_code == 0);
  for (int ranks : {2, 4}) {
    const std::string name = "ranks" + std::to_string(ranks);
    // Blocks of 25 replicates split every cell across ranks.
    const auto result = run_command(mpirun(ranks) + command + (directory / name).string() + " --block 25");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    check_same_files(directory / "one", directory / name, {"cells.csv", "summary.json"});
    CHECK(read_text((directory / name / "meta.json").string()).find("\"ranks\": " + std::to_string(ranks)) !=
          std::string::npos);
  }
  std::filesystem::remove_all(directory);
}

TEST_CASE("a tournament under mpirun -np 2 writes the bytes one process writes",
          "[distributed][mpi][tournament][cli]") {
  const auto directory = test_support::temporary_directory("tournament-mpi");
  // The plugin's holdout and a built-in agent in two seats with perception noise, so that the
  // records differ by replicate; blocks of 5 split every cell of 12 replicates across ranks.
  const std::string command = negsim_binary() + " --plugin " + NEGSIM_SAMPLE_PLUGIN + " tournament " +
                              test_support::source_path("scenarios/history/gge-2014-2015.yaml") + " " +
                              test_support::source_path("scenarios/history/oewg-2019-2021.yaml") +
                              " --strategy default,holdout,concession --seat russia,china --seeds 12 --seed 4"
                              " --set process.noise=0.05 --quiet -j 1 --out ";
  const auto one = run_command(command + (directory / "one").string());
  INFO(one.output);
  REQUIRE(one.exit_code == 0);
  const auto two = run_command(mpirun(2) + command + (directory / "two").string() + " --block 5");
  INFO(two.output);
  REQUIRE(two.exit_code == 0);
  check_same_files(directory / "one", directory / "two", {"tournament.json", "tournament.csv"});
  CHECK(read_text((directory / "two" / "meta.json").string()).find("\"ranks\": 2") != std::string::npos);
  // The utilities differ between replicates (an interval of some width): the records travelled whole.
  const auto json = nlohmann::json::parse(read_text((directory / "two" / "tournament.json").string()));
  CHECK(std::any_of(json["rows"].begin(), json["rows"].end(),
                    [](const auto& row) { return row["utility_interval"][0] != row["utility_interval"][1]; }));
  // Bad input under mpirun: exit 2, reported once.
  const auto bad = run_command(mpirun(2) + command + (directory / "bad").string() + " --seat atlantis");
  CHECK(bad.exit_code == 2);
  const auto first = bad.output.find("no delegation 'atlantis'");
  CHECK(first != std::string::npos);
  CHECK(bad.output.find("no delegation 'atlantis'", first + 1) == std::string::npos);
  CHECK(!std::filesystem::exists(directory / "bad"));
  std::filesystem::remove_all(directory);
}

TEST_CASE("under mpirun bad input exits 2 once and a crashed rank ends the job", "[distributed][mpi][cli]") {
  const auto directory = test_support::temporary_directory("sweep-mpi-fail");
  const std::string base = negsim_binary() + sweep_arguments() + " --out " + (directory / "out").string();
  const auto typo = run_command(mpirun(2) + base + " --vary process.rul=unanimity,consensus");
  INFO(typo.output);
  CHECK(typo.exit_code == 2);
  const auto first = typo.output.find("did you mean 'rule'");
  CHECK(first != std::string::npos);
  CHECK(typo.output.find("did you mean 'rule'", first + 1) == std::string::npos);  // printed once
  CHECK(run_command(mpirun(2) + base + " --replicates-csv").exit_code == 2);

  // Test hook: rank 1 aborts after its first unit; mpirun must end the job, not hang.
  const auto crashed = run_command("NEGSIM_TEST_CRASH_RANK=1 " + mpirun(2) + base + " --block 10");
  INFO(crashed.output);
  CHECK(crashed.exit_code != 0);
  CHECK(crashed.exit_code != 124);  // not the timeout
  CHECK(!std::filesystem::exists(directory / "out"));
  std::filesystem::remove_all(directory);
}

TEST_CASE("an MPI sweep killed midway resumes under mpirun with the same bytes", "[distributed][mpi][resume][cli]") {
  const auto directory = test_support::temporary_directory("sweep-mpi-resume");
  const std::string command = negsim_binary() + sweep_arguments() + " --block 25 --out ";
  const auto one = run_command(command + (directory / "one").string());
  REQUIRE(one.exit_code == 0);
  // Rank 0 kills itself after checkpointing two cells; mpirun then ends the other rank.
  const auto killed =
      run_command("NEGSIM_TEST_KILL_AFTER_CELLS=2 " + mpirun(2) + command + (directory / "cut").string());
  CHECK(killed.exit_code != 0);
  CHECK(killed.exit_code != 124);
  REQUIRE(std::filesystem::exists(directory / "cut.partial" / "checkpoint.jsonl"));
  const auto resumed = run_command(mpirun(2) + command + (directory / "cut").string() + " --resume");
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  check_same_files(directory / "one", directory / "cut", {"cells.csv", "summary.json"});
  std::filesystem::remove_all(directory);
}

#endif  // NEGSIM_MPI
