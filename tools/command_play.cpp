// negsim play SCENARIO --as DELEGATION: a student takes one seat; the model plays the others.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "commands.hpp"
#include "negsim/engine.hpp"
#include "negsim/format.hpp"
#include "negsim/outputs.hpp"
#include "negsim/play.hpp"
#include "negsim/scenario.hpp"
#include "negsim/trace.hpp"

namespace negsim::cli {

namespace {
const char* const play_examples = R"(
Examples:
  negsim play scenarios/teaching/three-delegations.yaml --as south
  negsim play scenarios/gge-2016-2017.yaml --as russia --out results/class/russia-team
  printf 'o\nm water_share 0.9\ns\n' | negsim play scenarios/teaching/three-delegations.yaml --as south

Each round shows the tabled text, your utility and thresholds and what the room said, and asks:
s (support), a (stand aside), o (object) or m (object and propose an amendment). q hands the
seat back to your delegation's brief; so does the end of piped input. The session is written
as a normal run directory (trace.jsonl, rounds.csv, summary.json, meta.json, draft.md), so
'negsim report DIR' shows it afterwards.
)";
}  // namespace

int play_command(const std::vector<std::string>& arguments) {
  po::options_description options("Options for 'negsim play SCENARIO --as DELEGATION'");
  std::string seat_id;
  std::uint64_t seed = 1;
  int rounds = 0;
  std::vector<std::string> overrides;
  std::string out_directory;
  std::string results_root = "results";
  options.add_options()("help,h", "show this help")("as", po::value<std::string>(&seat_id),
                                                    "the delegation you play (its id in the scenario)")(
      "seed", po::value<std::uint64_t>(&seed)->default_value(1), "master seed (perception noise)")(
      "rounds", po::value<int>(&rounds), "deadline: override process.max_rounds")(
      "set", po::value<std::vector<std::string>>(&overrides)->composing(),
      "override a scenario value, key.path=value (repeatable)")(
      "out", po::value<std::string>(&out_directory), "write the session into this directory (must not exist)")(
      "results", po::value<std::string>(&results_root)->default_value("results"), "root for default run directories")(
      "force", "with --out: replace an existing directory")("no-write", "write no files");
  const CommandLine command_line =
      parse_command_line(arguments, "play SCENARIO --as DELEGATION [OPTIONS]", {&options}, play_examples);
  if (command_line.help) return exit_ok;
  const auto& files = command_line.operands;
  const auto& values = command_line.values;
  if (files.size() != 1) throw po::error("play takes exactly one scenario FILE");
  if (values.count("no-write") == 0) refuse_existing_out(out_directory, values.count("force") > 0);
  if (values.count("rounds")) {
    if (rounds < 1) throw po::error("--rounds must be at least 1");
    overrides.push_back("process.max_rounds=" + std::to_string(rounds));
  }
  const auto started = std::chrono::steady_clock::now();
  const negsim::Scenario scenario = negsim::load_scenario_file(files[0], overrides);
  const int seat = scenario.find_delegation(seat_id);
  if (seat < 0) {
    std::string ids;
    for (const auto& delegation : scenario.delegations) ids += (ids.empty() ? "" : ", ") + delegation.id;
    throw po::error(
        (seat_id.empty() ? std::string("--as is required") : "unknown delegation '" + seat_id + "' for --as") +
        "; the delegations of " + scenario.id + " are: " + ids);
  }

  negsim::Trace trace(scenario);
  negsim::PlaySeat player(scenario, seat, std::cin, std::cout, trace);
  player.echo_input(isatty(STDIN_FILENO) == 0);
  negsim::Engine engine(scenario, seed, &trace);
  engine.set_response_override(&player);
  const negsim::Outcome& outcome = engine.run();
  player.finish();
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  std::string directory;
  if (values.count("no-write") == 0) {
    directory = out_directory.empty() ? negsim::new_run_directory(results_root, scenario.id, seed) : out_directory;
    negsim::RunOptions run_options;
    run_options.seed = seed;
    run_options.overrides = overrides;
    run_options.rounds_override = rounds;
    auto summary = negsim::summary_json(scenario, outcome, seed);
    summary["player"] = scenario.delegations[static_cast<std::size_t>(seat)].id;
    auto meta = negsim::meta_json(scenario, run_options, wall_seconds);
    nlohmann::ordered_json decisions = nlohmann::ordered_json::array();
    for (const auto& decision : player.decisions()) decisions.push_back(decision);
    meta["play"] = {{"as", scenario.delegations[static_cast<std::size_t>(seat)].id}, {"decisions", decisions}};
    std::string jsonl;
    for (const auto& event : negsim::play_events(trace.events(), scenario, player))
      jsonl += negsim::tidy_json_numbers(event.dump()) + "\n";
    negsim::write_directory_atomically(directory,
                                       {{"trace.jsonl", jsonl},
                                        {"rounds.csv", trace.rounds_csv()},
                                        {"summary.json", negsim::tidy_json_numbers(summary.dump(2)) + "\n"},
                                        {"meta.json", meta.dump(2) + "\n"},
                                        {"draft.md", negsim::draft_markdown(scenario, outcome)}},
                                       values.count("force") > 0);
  }
  std::cout << "\n" << negsim::text_summary(scenario, outcome, directory);
  if (!directory.empty()) std::cout << "See it drawn: negsim report " << directory << "\n";
  return exit_ok;
}

}  // namespace negsim::cli
