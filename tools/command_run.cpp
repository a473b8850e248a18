// negsim run FILE: simulate one scenario, print the outcome, write the trace.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "interrupt.hpp"
#include "load_limits.hpp"
#include "negsim/engine.hpp"
#include "negsim/errors.hpp"
#include "negsim/format.hpp"
#include "negsim/narrate.hpp"
#include "negsim/outputs.hpp"
#include "negsim/scenario.hpp"
#include "negsim/trace.hpp"

namespace negsim::cli {

namespace {
const char* const run_examples = R"(
Examples:
  negsim run scenarios/gge-2016-2017.yaml
  negsim run scenarios/gge-2016-2017.yaml --set process.rule=consensus-minus-1
  negsim run scenarios/gge-2016-2017.yaml --set delegations.russia.red_lines.ihl.max=0.8 --quiet
  negsim run scenarios/teaching/three-delegations.yaml --format json --out /tmp/lesson1

Results go to results/<scenario>/<timestamp>-seed<seed>/ unless --out names a directory:
trace.jsonl, rounds.csv, summary.json, meta.json, draft.md. Nothing is written when the
scenario is bad (exit 2) or the run fails (exit 1).
Ctrl-C or SIGTERM stops the run at the end of the round it is in: what was played is
written, marked "interrupted": true in summary.json and meta.json, and the exit status
is 130 (SIGINT) or 143 (SIGTERM).
)";

}  // namespace

int run_command(const std::vector<std::string>& arguments) {
  po::options_description options("Options for 'negsim run FILE'");
  std::uint64_t seed = 1;
  int rounds = 0;
  std::vector<std::string> overrides;
  std::string out_directory;
  std::string results_root = "results";
  std::string format = "text";
  options.add_options()("help,h", "show this help")("seed", po::value<std::uint64_t>(&seed)->default_value(1),
                                                    "master seed (perception noise, --sample)")(
      "rounds", po::value<int>(&rounds), "deadline: override process.max_rounds")(
      "set", po::value<std::vector<std::string>>(&overrides)->composing(),
      "override a scenario value, key.path=value (repeatable), e.g. process.rule=unanimity")(
      "sample", "draw the scenario's declared uncertainty once, using the seed")(
      "out", po::value<std::string>(&out_directory), "write the run into this directory (must not exist)")(
      "results", po::value<std::string>(&results_root)->default_value("results"), "root for default run directories")(
      "force", "with --out: replace an existing run directory (one negsim wrote: it holds .negsim-output)")(
      "no-write", "print the outcome only; write no files")("quiet,q", "print nothing on success")(
      "format", po::value<std::string>(&format)->default_value("text"), "printed summary: text or json")(
      "narrate", "tell the negotiation round by round, as a story, before the summary");
  LimitOptions limit_options;
  const po::options_description limits_description = limit_options.describe();
  const CommandLine command_line =
      parse_command_line(arguments, "run FILE [OPTIONS]", {&options, &limits_description}, run_examples);
  if (command_line.help) return exit_ok;
  const auto& files = command_line.operands;
  const auto& values = command_line.values;
  if (files.size() != 1) throw po::error("run takes exactly one scenario FILE");
  check_format(format);
  if (values.count("narrate") > 0 && format == "json") {
    throw po::error("--narrate tells the story as text; it cannot go with --format json (the story is in the trace)");
  }
  if (values.count("narrate") > 0 && values.count("quiet") > 0) {
    throw po::error("--narrate prints the story and --quiet prints nothing; give one of them");
  }
  if (values.count("no-write") == 0) refuse_existing_out(out_directory, values.count("force") > 0);
  if (values.count("rounds")) {
    if (rounds < 1) throw po::error("--rounds must be at least 1");
    overrides.push_back("process.max_rounds=" + std::to_string(rounds));
  }
  const negsim::LoadLimits limits = limit_options.limits();
  const InterruptGuard interrupt_guard;  // from here on a signal stops the run at a round boundary
  const auto started = std::chrono::steady_clock::now();
  negsim::Scenario scenario = negsim::load_scenario_file(files[0], overrides, limits);
  negsim::RunOptions run_options;
  run_options.seed = seed;
  run_options.overrides = overrides;
  run_options.sampled = values.count("sample") > 0;
  run_options.rounds_override = rounds;
  if (run_options.sampled) scenario = negsim::sample_scenario(scenario, seed);

  // The run directory is claimed before the run (an existing one is refused at once) and the
  // trace streams into its staging copy as the run goes, so a long run holds no trace in memory.
  const bool write = values.count("no-write") == 0;
  const bool narrate_run = values.count("quiet") == 0 && format == "text" && values.count("narrate") > 0;
  std::string directory;
  std::optional<negsim::StagedDirectory> staged;
  std::ofstream trace_file;
  std::optional<negsim::Trace> trace;
  if (write) {
    // A default directory that another run took meanwhile (same scenario, seed and second) gets
    // a suffix; an --out directory is the user's choice, so a taken one is refused.
    const bool default_directory = out_directory.empty();
    staged.emplace(default_directory ? negsim::new_run_directory(results_root, scenario.id, seed) : out_directory,
                   values.count("force") > 0, default_directory);
    directory = staged->target();
    trace_file = staged->open("trace.jsonl");
    trace.emplace(scenario, trace_file);
  } else if (narrate_run) {
    trace.emplace(scenario);  // nowhere to stream to: the story is told from memory
  }
  negsim::Engine engine(scenario, seed, trace ? &*trace : nullptr);
  while (engine.step()) {
    if (write) staged->check(trace_file, "trace.jsonl");  // a full disk ends the run now, not at the deadline
    if (interrupt_guard.signal() != 0) {
      engine.interrupt();
      break;
    }
  }
  const negsim::Outcome& outcome = engine.outcome();
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (write) {
    staged->close(trace_file, "trace.jsonl");
    auto meta = negsim::meta_json(scenario, run_options, wall_seconds);
    if (outcome.interrupted) meta["interrupted"] = true;
    staged->write("rounds.csv", trace->rounds_csv());
    staged->write("summary.json",
                  negsim::tidy_json_numbers(negsim::summary_json(scenario, outcome, seed).dump(2)) + "\n");
    staged->write("meta.json", meta.dump(2) + "\n");
    staged->write("draft.md", negsim::draft_markdown(scenario, outcome));
    staged->commit();
  }
  if (values.count("quiet") == 0) {
    if (format == "json") {
      auto summary = negsim::summary_json(scenario, outcome, seed);
      summary["output_dir"] = write ? nlohmann::ordered_json(directory) : nlohmann::ordered_json(nullptr);
      std::cout << negsim::tidy_json_numbers(summary.dump(2)) << "\n";
    } else {
      if (narrate_run) {
        const auto events = write ? negsim::read_trace_file((std::filesystem::path(directory) / "trace.jsonl").string())
                                  : trace->events();
        std::cout << negsim::narrate(events, &scenario) << "\n";
      }
      std::cout << negsim::text_summary(scenario, outcome, directory);
    }
  }
  if (outcome.interrupted) {
    std::cerr << "negsim run: interrupted by signal " << interrupt_guard.signal() << " after round " << outcome.rounds
              << " of " << scenario.process.max_rounds << (write ? "; the rounds played were written" : "") << "\n";
    return interrupt_guard.exit_status();
  }
  return exit_ok;
}

}  // namespace negsim::cli
