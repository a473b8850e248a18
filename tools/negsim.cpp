// negsim: the command. Parses arguments and calls the library; no model logic lives here.
// Exit codes: 0 ok, 1 the run failed (e.g. cannot write results), 2 bad input or usage.
#include <cstddef>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "commands.hpp"
#include "negsim/errors.hpp"
#include "negsim/outputs.hpp"
#include "negsim/policy.hpp"
#include "terminal_output.hpp"

namespace {

using namespace negsim::cli;

const char* const top_usage = R"(negsim - simulate multilateral negotiations decided by consensus

Usage: negsim COMMAND [OPTIONS]

Commands:
  run FILE         simulate one scenario; print the outcome and write its trace
  validate FILE... check scenario files; print every problem with file:line:column
  sweep FILE       many seeded replicates over a grid of what-if settings, in parallel
  explain FILE     why a run ended as it did: pivotal delegations and paragraphs, smallest changes
  report DIR       write a self-contained HTML report of a run or sweep directory
  play FILE        take one delegation's seat (--as ID) and negotiate in the terminal
  backtest [DIR]   replay every historical scenario over many seeds; compare with the record
  room FILE        a whole class negotiates in the browser (--seats ID,ID,...); the model plays the rest
  brief FILE       a delegation's printable confidential brief (--as ID, or --all --out DIR)
  calibrate [DIR]  fit the behavioural parameters shared by the recorded cases (NLopt)
  sensitivity FILE which uncertain numbers the outcome hangs on (Sobol indices, Saltelli sampling)
  tournament FILE... strategies in a seat against the default agents: agreement, utility, objections

Before or after COMMAND, --plugin FILE (repeatable) loads a shared library of strategies of
one's own (docs/PLUGINS.md); their names then work in `agent: {model: NAME}`, process.chair.strategy
and --strategy.

Run 'negsim COMMAND --help' for the options of a command.
Exit status: 0 ok, 1 the run failed (results could not be written), 2 bad input or usage.
)";

}  // namespace

int main(int argc, char** argv) {
  const EscapedTerminalOutput escaped_output;  // control characters from scenarios made visible
  std::vector<std::string> arguments(argv + 1, argv + argc);
  if (arguments.empty() || arguments[0] == "--help" || arguments[0] == "-h" || arguments[0] == "help") {
    std::cout << top_usage;
    return arguments.empty() ? exit_bad_input : exit_ok;
  }
  if (arguments[0] == "--version") {
    std::cout << "negsim " << negsim::negsim_version() << " (" << negsim::negsim_git_commit() << ")\n";
    return exit_ok;
  }
  // --plugin FILE, anywhere on the line: loaded before the command reads its scenarios.
  std::vector<std::string> plugins;
  for (std::size_t i = 0; i < arguments.size();) {
    if (arguments[i] == "--plugin" && i + 1 < arguments.size()) {
      plugins.push_back(arguments[i + 1]);
      arguments.erase(arguments.begin() + static_cast<std::ptrdiff_t>(i),
                      arguments.begin() + static_cast<std::ptrdiff_t>(i) + 2);
    } else if (arguments[i].rfind("--plugin=", 0) == 0) {
      plugins.push_back(arguments[i].substr(9));
      arguments.erase(arguments.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (arguments[i] == "--plugin") {
      std::cerr << "negsim: --plugin needs a FILE\n";
      return exit_bad_input;
    } else {
      ++i;
    }
  }
  try {
    for (const auto& plugin : plugins) negsim::load_plugin(plugin);
  } catch (const negsim::UsageError& error) {
    std::cerr << "negsim: " << error.what() << "\n";
    return exit_bad_input;
  }
  if (arguments.empty()) {
    std::cout << top_usage;
    return exit_bad_input;
  }
  const std::string command = arguments[0];
  arguments.erase(arguments.begin());
  // One line per subcommand: name -> function in tools/command_<name>.cpp.
  const std::map<std::string, int (*)(const std::vector<std::string>&)> commands = {
      {"run", run_command},           {"validate", validate_command},       {"sweep", sweep_command},
      {"explain", explain_command},   {"report", report_command},           {"play", play_command},
      {"backtest", backtest_command}, {"calibrate", calibrate_command},     {"room", room_command},
      {"brief", brief_command},       {"sensitivity", sensitivity_command}, {"tournament", tournament_command},
  };
  try {
    const auto found = commands.find(command);
    if (found != commands.end()) return found->second(arguments);
    std::cerr << "negsim: unknown command '" << command << "'\n\n" << top_usage;
    return exit_bad_input;
  } catch (const po::error& error) {
    std::cerr << "negsim " << command << ": " << error.what() << "\nTry 'negsim " << command << " --help'.\n";
    return exit_bad_input;
  } catch (const negsim::InputError& error) {
    std::cerr << error.what() << "\n";
    return exit_bad_input;
  } catch (const negsim::UsageError& error) {
    std::cerr << "negsim " << command << ": " << error.what() << "\n";
    return exit_bad_input;
  } catch (const negsim::RunError& error) {
    std::cerr << "negsim " << command << ": " << error.what() << "\n";
    return exit_run_failed;
  } catch (const std::bad_alloc&) {
    std::cerr << "negsim " << command << ": out of memory\n";
    return exit_run_failed;
  }
}
