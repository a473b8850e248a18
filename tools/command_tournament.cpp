// negsim tournament FILE...: strategies x scenarios x seeds, each strategy in a seat against
// the others' default agents (negsim/tournament.hpp).
#include <chrono>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "interrupt.hpp"
#include "load_limits.hpp"
#include "negsim/distributed.hpp"
#include "negsim/errors.hpp"
#include "negsim/format.hpp"
#include "negsim/outputs.hpp"
#include "negsim/policy.hpp"
#include "negsim/scenario.hpp"
#include "negsim/tournament.hpp"
#include "progress.hpp"

namespace negsim::cli {

namespace {

const char* const tournament_examples = R"(
Examples:
  negsim tournament scenarios/history/gge-2016-2017.yaml --strategy default,sincere --seat russia
  negsim --plugin build/plugins/libnegsim_sample_plugin.so tournament \
      scenarios/history/gge-2014-2015.yaml scenarios/history/gge-2016-2017.yaml \
      --strategy holdout,concession --seat united_states --seeds 200 --format json

Each strategy (a built-in agent model, a registered one -- a plugin's need --plugin FILE --, or
'default': the seat's own agent from the file) takes each seat (--seat ID, repeatable or
comma-separated; 'all' or none: every seat of each scenario in turn) while every other seat
keeps its default agent, for --seeds replicates; replicate r uses the same seed for every
strategy. The table gives, per strategy, scenario and seat: the share of runs that adopted a
text, the seat's mean utility at the outcome (its utility of the adopted text by its stance as
written, its outside option when nothing was adopted), and how often it objected to the final
text and how often its objection alone blocked adoption, first pooled per strategy, then per
scenario and seat; 95% intervals (Wilson for rates, percentile bootstrap for the mean). The
same seed gives the same bytes on any --threads, and under mpirun (built with MPI) on any
number of ranks, rank 0 writing (docs/SCALING.md).

Writes results/tournament/tournament-<timestamp>-seed<seed>/ (or --out DIR): tournament.json,
tournament.csv, meta.json.
)";

std::vector<std::string> split_commas(const std::vector<std::string>& values) {
  std::vector<std::string> names;
  for (const auto& value : values) {
    std::size_t start = 0;
    while (start <= value.size()) {
      const std::size_t comma = value.find(',', start);
      const std::string name = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!name.empty()) names.push_back(name);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return names;
}

// What the tournament needs once its inputs are checked, on every rank; the output directory
// only on rank 0.
struct TournamentSetup {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  TournamentOptions tournament;
  std::vector<std::string> overrides;
  std::vector<Scenario> scenarios;
  std::string format = "text";
  bool quiet = false;
  std::uint64_t cells = 0;
  std::optional<StagedDirectory> staged;  // rank 0: claimed before any work
};

// Parses the options and loads every scenario; rank 0 also claims the output directory.
// Returns false for --help.
bool prepare_tournament(const std::vector<std::string>& arguments, const ProcessGroup& group, TournamentSetup& setup) {
  po::options_description options("Options for 'negsim tournament FILE...'");
  TournamentOptions& tournament = setup.tournament;
  std::vector<std::string> strategy_values;
  std::vector<std::string> seat_values;
  std::string out_directory;
  std::string results_root = "results";
  options.add_options()("help,h", "show this help")(
      "strategy,s", po::value<std::vector<std::string>>(&strategy_values)->composing(),
      "a strategy to seat: NAME or NAME,NAME,... (repeatable; default: default and every registered one)")(
      "seat", po::value<std::vector<std::string>>(&seat_values)->composing(),
      "the seat it takes: a delegation id, ID,ID,... or all (default: all)")(
      "seeds", po::value<std::uint64_t>(&tournament.seeds)->default_value(100), "replicates per strategy and seat")(
      "seed", po::value<std::uint64_t>(&tournament.master_seed)->default_value(1), "master seed")(
      "threads,j", po::value<int>(&tournament.threads)->default_value(0), "worker threads (0: all cores)")(
      "block", po::value<std::uint64_t>(&tournament.block)->default_value(512),
      "under mpirun: replicates per work unit handed to a rank (results do not depend on it)")(
      "sample", "draw each scenario's declared uncertainty per replicate")(
      "set", po::value<std::vector<std::string>>(&setup.overrides)->composing(),
      "override a value in every scenario, key.path=value (repeatable)")("out", po::value<std::string>(&out_directory),
                                                                         "write into this directory (must not exist)")(
      "results", po::value<std::string>(&results_root)->default_value("results"), "root for default directories")(
      "force", "with --out: replace an existing directory negsim wrote")("quiet,q", "no progress bar, no table")(
      "format", po::value<std::string>(&setup.format)->default_value("text"), "printed summary: text or json");
  LimitOptions limit_options;
  const po::options_description limits_description = limit_options.describe();
  CommandLine command_line =
      parse_command_line(arguments, "tournament FILE... [OPTIONS]", {&options, &limits_description},
                         tournament_examples, group.rank() == 0);
  if (command_line.help) return false;
  const auto& values = command_line.values;
  const auto& files = command_line.operands;
  if (files.empty()) throw po::error("tournament takes one or more scenario FILEs");
  check_format(setup.format);
  if (tournament.seeds < 1 || tournament.seeds > 10000000) throw po::error("--seeds must be between 1 and 10000000");
  if (tournament.threads < 0 || tournament.threads > 1024) throw po::error("--threads must be between 0 and 1024");
  if (tournament.block < 1) throw po::error("--block must be at least 1");
  tournament.sample_uncertainty = values.count("sample") > 0;
  tournament.strategies = split_commas(strategy_values);
  if (tournament.strategies.empty()) {
    tournament.strategies.push_back(default_strategy);
    for (const auto& name : delegation_policy_names()) tournament.strategies.push_back(name);
  }
  for (const auto& name : tournament.strategies) {
    if (name != default_strategy && !is_delegation_policy(name)) {
      throw po::error("--strategy " + name + ": no such strategy (a plugin's need --plugin FILE before the command)");
    }
  }
  const std::vector<std::string> seats = split_commas(seat_values);
  if (!(seats.size() == 1 && seats[0] == "all")) tournament.seats = seats;
  refuse_existing_out(out_directory, values.count("force") > 0);
  setup.quiet = values.count("quiet") > 0;

  for (const auto& file : files) {
    setup.scenarios.push_back(load_scenario_file(file, setup.overrides, limit_options.limits()));
  }
  for (const auto& id : tournament.seats) {
    for (const auto& scenario : setup.scenarios) {
      if (scenario.find_delegation(id) < 0)
        throw po::error("--seat " + id + ": no delegation '" + id + "' in " + scenario.source_file);
    }
  }
  for (const auto& scenario : setup.scenarios) {
    setup.cells +=
        tournament.seats.empty() ? static_cast<std::uint64_t>(scenario.delegation_count()) : tournament.seats.size();
  }
  if (group.rank() != 0) return true;
  const bool default_directory = out_directory.empty();
  setup.staged.emplace(default_directory
                           ? new_run_directory(results_root, "tournament", tournament.master_seed, "tournament-")
                           : out_directory,
                       values.count("force") > 0, default_directory);
  return true;
}

int run_prepared_tournament(const ProcessGroup& group, TournamentSetup& setup) {
  TournamentOptions& tournament = setup.tournament;
  const std::uint64_t runs = setup.cells * tournament.strategies.size() * tournament.seeds;
  const bool talk = !setup.quiet && group.rank() == 0;
  if (talk) {
    std::cerr << "negsim tournament: " << runs << " runs"
              << (group.distributed() ? " on " + std::to_string(group.size()) + " ranks" : "") << "\n";
  }
  ProgressBar progress(runs, talk);
  tournament.progress = [&](std::uint64_t done) { progress.update(done); };
  tournament.group = &group;
  // In one process, Ctrl-C stops the tournament between replicates and nothing is written.
  // (Under mpirun the launcher ends the ranks.)
  std::optional<InterruptGuard> interrupt_guard;
  if (!group.distributed()) {
    interrupt_guard.emplace();
    tournament.stop = &interrupt_guard->flag();
  }
  const TournamentResult result = run_tournament(setup.scenarios, tournament);
  progress.finish();
  if (!result.complete) {
    std::cerr << "negsim tournament: interrupted by signal " << interrupt_guard->signal() << "; nothing written\n";
    return interrupt_guard->exit_status();
  }
  if (group.rank() != 0) return exit_ok;  // rank 0 writes and prints
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - setup.started).count();

  StagedDirectory& staged = *setup.staged;
  nlohmann::ordered_json summary = tournament_json(result, tournament);
  staged.write("tournament.json", tidy_json_numbers(summary.dump(2)) + "\n");
  staged.write("tournament.csv", tournament_csv(result));
  nlohmann::ordered_json meta = {{"negsim_version", negsim_version()},
                                 {"git_commit", negsim_git_commit()},
                                 {"command", "tournament"},
                                 {"scenarios", nlohmann::ordered_json::array()},
                                 {"overrides", setup.overrides},
                                 {"threads", tournament.threads > 0 ? tournament.threads : default_thread_count()},
                                 {"wall_seconds", wall_seconds}};
  if (group.distributed()) meta["distributed"] = {{"ranks", group.size()}};
  for (const auto& scenario : setup.scenarios) {
    meta["scenarios"].push_back({{"file", scenario.source_file}, {"sha256", sha256_file_hex(scenario.source_file)}});
  }
  staged.write("meta.json", meta.dump(2) + "\n");
  staged.commit();

  if (!setup.quiet) {
    if (setup.format == "json") {
      summary["output_dir"] = staged.target();
      std::cout << tidy_json_numbers(summary.dump(2)) << "\n";
    } else {
      std::cout << "Tournament: " << format_count(tournament.strategies.size(), "strategy", "strategies") << " x "
                << format_count(setup.cells, "seat") << " x " << format_count(tournament.seeds, "seed")
                << " each (master seed " << tournament.master_seed << "), " << format_decimal(wall_seconds, 1) << " s"
                << (group.distributed() ? " on " + std::to_string(group.size()) + " ranks" : "") << "; "
                << tournament_intervals_text << "\n\n"
                << tournament_table(result) << "\nWritten to " << staged.target()
                << "/\n  tournament.json tournament.csv meta.json\n";
    }
  }
  return exit_ok;
}

}  // namespace

int tournament_command(const std::vector<std::string>& arguments) {
  return run_on_every_rank<TournamentSetup>(arguments, prepare_tournament, run_prepared_tournament);
}

}  // namespace negsim::cli
