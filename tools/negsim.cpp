// negsim: the command. Parses arguments and calls the library; no model logic lives here.
// Exit codes: 0 ok, 1 the run failed (e.g. cannot write results), 2 bad input or usage.
#include <boost/program_options.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "negsim/engine.hpp"
#include "negsim/errors.hpp"
#include "negsim/outputs.hpp"
#include "negsim/scenario.hpp"
#include "negsim/trace.hpp"

namespace po = boost::program_options;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_run_failed = 1;
constexpr int exit_bad_input = 2;

const char* const top_usage = R"(negsim - simulate multilateral negotiations decided by consensus

Usage: negsim COMMAND [OPTIONS]

Commands:
  run FILE         simulate one scenario; print the outcome and write its trace
  validate FILE... check scenario files; print every problem with file:line:column

Run 'negsim COMMAND --help' for the options of a command.
Exit status: 0 ok, 1 the run failed (results could not be written), 2 bad input or usage.
)";

const char* const run_examples = R"(
Examples:
  negsim run scenarios/gge-2016-2017.yaml
  negsim run scenarios/gge-2016-2017.yaml --set process.rule=consensus-minus-1
  negsim run scenarios/gge-2016-2017.yaml --set delegations.russia.red_lines.ihl.max=0.8 --quiet
  negsim run scenarios/teaching/three-delegations.yaml --format json --out /tmp/lesson1

Results go to results/<scenario>/<timestamp>-seed<seed>/ unless --out names a directory:
trace.jsonl, rounds.csv, summary.json, meta.json, draft.md. Nothing is written when the
scenario is bad (exit 2) or the run fails (exit 1).
)";

const char* const validate_examples = R"(
Examples:
  negsim validate scenarios/gge-2016-2017.yaml
  negsim validate scenarios/*.yaml scenarios/teaching/*.yaml

Prints 'FILE: ok' for each valid file; for a bad one, FILE:LINE:COLUMN: key.path: problem.
Exit status 2 when any file is bad.
)";

int run_command(const std::vector<std::string>& arguments) {
  po::options_description options("Options for 'negsim run FILE'");
  std::uint64_t seed = 1;
  int rounds = 0;
  std::vector<std::string> overrides;
  std::string out_directory;
  std::string results_root = "results";
  std::string format = "text";
  options.add_options()("help,h", "show this help")(
      "seed", po::value<std::uint64_t>(&seed)->default_value(1), "master seed (perception noise, --sample)")(
      "rounds", po::value<int>(&rounds), "deadline: override process.max_rounds")(
      "set", po::value<std::vector<std::string>>(&overrides)->composing(),
      "override a scenario value, key.path=value (repeatable), e.g. process.rule=unanimity")(
      "sample", "draw the scenario's declared uncertainty once, using the seed")(
      "out", po::value<std::string>(&out_directory), "write the run into this directory (must not exist)")(
      "results", po::value<std::string>(&results_root)->default_value("results"),
      "root for default run directories")("force", "with --out: replace an existing directory")(
      "no-write", "print the outcome only; write no files")("quiet,q", "print nothing on success")(
      "format", po::value<std::string>(&format)->default_value("text"), "printed summary: text or json");
  po::options_description hidden;
  std::vector<std::string> files;
  hidden.add_options()("file", po::value<std::vector<std::string>>(&files));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("file", -1);
  po::variables_map values;
  po::store(po::command_line_parser(arguments).options(all).positional(positional).run(), values);
  if (values.count("help")) {
    std::cout << "Usage: negsim run FILE [OPTIONS]\n\n" << options << run_examples;
    return exit_ok;
  }
  po::notify(values);
  if (files.size() != 1) throw po::error("run takes exactly one scenario FILE");
  if (format != "text" && format != "json") throw po::error("--format must be text or json, not '" + format + "'");
  if (values.count("rounds")) {
    if (rounds < 1) throw po::error("--rounds must be at least 1");
    overrides.push_back("process.max_rounds=" + std::to_string(rounds));
  }
  const auto started = std::chrono::steady_clock::now();
  negsim::Scenario scenario = negsim::load_scenario_file(files[0], overrides);
  negsim::RunOptions run_options;
  run_options.seed = seed;
  run_options.overrides = overrides;
  run_options.sampled = values.count("sample") > 0;
  run_options.rounds_override = rounds;
  if (run_options.sampled) scenario = negsim::sample_scenario(scenario, seed);

  negsim::Trace trace(scenario);
  negsim::Engine engine(scenario, seed, &trace);
  const negsim::Outcome& outcome = engine.run();
  const double wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  const bool write = values.count("no-write") == 0;
  std::string directory;
  if (write) {
    directory = out_directory.empty() ? negsim::new_run_directory(results_root, scenario.id, seed) : out_directory;
    std::map<std::string, std::string> files_out = {
        {"trace.jsonl", trace.jsonl()},
        {"rounds.csv", trace.rounds_csv()},
        {"summary.json", negsim::summary_json(scenario, outcome, seed).dump(2) + "\n"},
        {"meta.json", negsim::meta_json(scenario, run_options, wall_seconds).dump(2) + "\n"},
        {"draft.md", negsim::draft_markdown(scenario, outcome)}};
    negsim::write_directory_atomically(directory, files_out, values.count("force") > 0);
  }
  if (values.count("quiet") == 0) {
    if (format == "json") {
      auto summary = negsim::summary_json(scenario, outcome, seed);
      summary["output_dir"] = write ? nlohmann::ordered_json(directory) : nlohmann::ordered_json(nullptr);
      std::cout << summary.dump(2) << "\n";
    } else {
      std::cout << negsim::text_summary(scenario, outcome, directory);
    }
  }
  return exit_ok;
}

int validate_command(const std::vector<std::string>& arguments) {
  po::options_description options("Options for 'negsim validate FILE...'");
  options.add_options()("help,h", "show this help")("quiet,q", "print only problems");
  po::options_description hidden;
  std::vector<std::string> files;
  hidden.add_options()("file", po::value<std::vector<std::string>>(&files));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("file", -1);
  po::variables_map values;
  po::store(po::command_line_parser(arguments).options(all).positional(positional).run(), values);
  if (values.count("help")) {
    std::cout << "Usage: negsim validate FILE...\n\n" << options << validate_examples;
    return exit_ok;
  }
  po::notify(values);
  if (files.empty()) throw po::error("validate needs at least one FILE");
  int status = exit_ok;
  for (const auto& file : files) {
    try {
      const negsim::Scenario scenario = negsim::load_scenario_file(file);
      if (values.count("quiet") == 0) {
        std::cout << file << ": ok (" << scenario.delegation_count() << " delegations, " << scenario.issue_count()
                  << " issues, " << scenario.blocs.size() << " blocs, rule " << scenario.process.rule.name() << ")\n";
      }
    } catch (const negsim::InputError& error) {
      std::cerr << error.what() << "\n";
      status = exit_bad_input;
    }
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> arguments(argv + 1, argv + argc);
  if (arguments.empty() || arguments[0] == "--help" || arguments[0] == "-h" || arguments[0] == "help") {
    std::cout << top_usage;
    return arguments.empty() ? exit_bad_input : exit_ok;
  }
  if (arguments[0] == "--version") {
    std::cout << "negsim " << negsim::negsim_version() << " (" << negsim::negsim_git_commit() << ")\n";
    return exit_ok;
  }
  const std::string command = arguments[0];
  arguments.erase(arguments.begin());
  try {
    if (command == "run") return run_command(arguments);
    if (command == "validate") return validate_command(arguments);
    std::cerr << "negsim: unknown command '" << command << "'\n\n" << top_usage;
    return exit_bad_input;
  } catch (const po::error& error) {
    std::cerr << "negsim " << command << ": " << error.what() << "\nTry 'negsim " << command << " --help'.\n";
    return exit_bad_input;
  } catch (const negsim::InputError& error) {
    std::cerr << error.what() << "\n";
    return exit_bad_input;
  } catch (const negsim::RunError& error) {
    std::cerr << "negsim " << command << ": " << error.what() << "\n";
    return exit_run_failed;
  } catch (const std::bad_alloc&) {
    std::cerr << "negsim " << command << ": out of memory\n";
    return exit_run_failed;
  }
}
