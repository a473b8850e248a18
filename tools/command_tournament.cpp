// negsim tournament FILE...: strategies x scenarios x seeds, each strategy in a seat against
// the others' default agents (negsim/tournament.hpp).
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "interrupt.hpp"
#include "load_limits.hpp"
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
text and how often its objection alone blocked adoption; 95% intervals (Wilson for rates,
normal for the mean). The same seed gives the same bytes on any --threads.

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

}  // namespace

int tournament_command(const std::vector<std::string>& arguments) {
  const auto started = std::chrono::steady_clock::now();
  po::options_description options("Options for 'negsim tournament FILE...'");
  TournamentOptions tournament;
  std::vector<std::string> strategy_values;
  std::vector<std::string> seat_values;
  std::vector<std::string> overrides;
  std::string out_directory;
  std::string results_root = "results";
  std::string format = "text";
  options.add_options()("help,h", "show this help")(
      "strategy,s", po::value<std::vector<std::string>>(&strategy_values)->composing(),
      "a strategy to seat: NAME or NAME,NAME,... (repeatable; default: default and every registered one)")(
      "seat", po::value<std::vector<std::string>>(&seat_values)->composing(),
      "the seat it takes: a delegation id, ID,ID,... or all (default: all)")(
      "seeds", po::value<std::uint64_t>(&tournament.seeds)->default_value(100), "replicates per strategy and seat")(
      "seed", po::value<std::uint64_t>(&tournament.master_seed)->default_value(1), "master seed")(
      "threads,j", po::value<int>(&tournament.threads)->default_value(0), "worker threads (0: all cores)")(
      "sample", "draw each scenario's declared uncertainty per replicate")(
      "set", po::value<std::vector<std::string>>(&overrides)->composing(),
      "override a value in every scenario, key.path=value (repeatable)")("out", po::value<std::string>(&out_directory),
                                                                         "write into this directory (must not exist)")(
      "results", po::value<std::string>(&results_root)->default_value("results"), "root for default directories")(
      "force", "with --out: replace an existing directory negsim wrote")("quiet,q", "no progress bar, no table")(
      "format", po::value<std::string>(&format)->default_value("text"), "printed summary: text or json");
  LimitOptions limit_options;
  const po::options_description limits_description = limit_options.describe();
  CommandLine command_line = parse_command_line(arguments, "tournament FILE... [OPTIONS]",
                                                {&options, &limits_description}, tournament_examples);
  if (command_line.help) return exit_ok;
  const auto& values = command_line.values;
  const auto& files = command_line.operands;
  if (files.empty()) throw po::error("tournament takes one or more scenario FILEs");
  check_format(format);
  if (tournament.seeds < 1 || tournament.seeds > 10000000) throw po::error("--seeds must be between 1 and 10000000");
  if (tournament.threads < 0 || tournament.threads > 1024) throw po::error("--threads must be between 0 and 1024");
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
  const bool quiet = values.count("quiet") > 0;

  std::vector<Scenario> scenarios;
  for (const auto& file : files) scenarios.push_back(load_scenario_file(file, overrides, limit_options.limits()));
  for (const auto& id : tournament.seats) {
    for (const auto& scenario : scenarios) {
      if (scenario.find_delegation(id) < 0)
        throw po::error("--seat " + id + ": no delegation '" + id + "' in " + scenario.source_file);
    }
  }
  std::uint64_t cells = 0;
  for (const auto& scenario : scenarios) {
    cells +=
        tournament.seats.empty() ? static_cast<std::uint64_t>(scenario.delegation_count()) : tournament.seats.size();
  }
  const std::uint64_t runs = cells * tournament.strategies.size() * tournament.seeds;
  if (!quiet) std::cerr << "negsim tournament: " << runs << " runs\n";

  const bool default_directory = out_directory.empty();
  StagedDirectory staged(default_directory
                             ? new_run_directory(results_root, "tournament", tournament.master_seed, "tournament-")
                             : out_directory,
                         values.count("force") > 0, default_directory);
  ProgressBar progress(runs, !quiet);
  tournament.progress = [&](std::uint64_t done) { progress.update(done); };
  InterruptGuard interrupt_guard;
  tournament.stop = &interrupt_guard.flag();
  const TournamentResult result = run_tournament(scenarios, tournament);
  progress.finish();
  if (!result.complete) {
    std::cerr << "negsim tournament: interrupted by signal " << interrupt_guard.signal() << "; nothing written\n";
    return interrupt_guard.exit_status();
  }
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  nlohmann::ordered_json summary = tournament_json(result, tournament);
  staged.write("tournament.json", tidy_json_numbers(summary.dump(2)) + "\n");
  staged.write("tournament.csv", tournament_csv(result));
  nlohmann::ordered_json meta = {{"negsim_version", negsim_version()},
                                 {"git_commit", negsim_git_commit()},
                                 {"command", "tournament"},
                                 {"scenarios", nlohmann::ordered_json::array()},
                                 {"overrides", overrides},
                                 {"threads", tournament.threads > 0 ? tournament.threads : default_thread_count()},
                                 {"wall_seconds", wall_seconds}};
  for (const auto& scenario : scenarios) {
    meta["scenarios"].push_back({{"file", scenario.source_file}, {"sha256", sha256_file_hex(scenario.source_file)}});
  }
  staged.write("meta.json", meta.dump(2) + "\n");
  staged.commit();

  if (!quiet) {
    if (format == "json") {
      summary["output_dir"] = staged.target();
      std::cout << tidy_json_numbers(summary.dump(2)) << "\n";
    } else {
      std::cout << "Tournament: " << tournament.strategies.size() << " strateg"
                << (tournament.strategies.size() == 1 ? "y" : "ies") << " x " << cells << " seat"
                << (cells == 1 ? "" : "s") << " x " << tournament.seeds << " seeds (master seed "
                << tournament.master_seed << "), " << format_decimal(wall_seconds, 1)
                << " s; 95% intervals (Wilson for rates, normal for the mean)\n\n"
                << tournament_table(result) << "\nWritten to " << staged.target()
                << "/\n  tournament.json tournament.csv meta.json\n";
    }
  }
  return exit_ok;
}

}  // namespace negsim::cli
