// The subcommands of `negsim`, one file each (tools/command_*.cpp). Each parses its own
// options with Boost.Program_options and calls the library.
#pragma once

#include <boost/program_options.hpp>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include "negsim/distributed.hpp"
#include "negsim/errors.hpp"

namespace negsim::cli {

namespace po = boost::program_options;

constexpr int exit_ok = 0;
constexpr int exit_run_failed = 1;
constexpr int exit_bad_input = 2;

// Each takes the arguments after the command name and returns the exit status. They throw
// po::error for usage errors, InputError for bad scenarios and RunError for failed runs;
// main() turns those into messages and exit codes.
int run_command(const std::vector<std::string>& arguments);
int validate_command(const std::vector<std::string>& arguments);
int sweep_command(const std::vector<std::string>& arguments);
int explain_command(const std::vector<std::string>& arguments);
int report_command(const std::vector<std::string>& arguments);
int play_command(const std::vector<std::string>& arguments);
int backtest_command(const std::vector<std::string>& arguments);
int room_command(const std::vector<std::string>& arguments);
int brief_command(const std::vector<std::string>& arguments);
int calibrate_command(const std::vector<std::string>& arguments);
int sensitivity_command(const std::vector<std::string>& arguments);
int tournament_command(const std::vector<std::string>& arguments);

// What every command's command line has: groups of options (all shown by --help), positional
// operands (the FILE or DIR arguments) and --help itself.
struct CommandLine {
  po::variables_map values;
  std::vector<std::string> operands;
  bool help = false;  // --help was given and the usage printed: the command returns exit_ok
};

// Options read into unsigned numbers: Boost's conversion takes "-1" as 18446744073709551615, so a
// minus sign is refused here, before conversion, with the option's name.
inline void refuse_negative_counts(const po::parsed_options& parsed) {
  static const char* const counts[] = {"seed", "seeds", "replicates", "keep-traces", "block", "samples", "bootstrap"};
  for (const auto& option : parsed.options) {
    for (const char* name : counts) {
      if (option.string_key != name) continue;
      for (const auto& value : option.value) {
        const auto first = value.find_first_not_of(" \t");
        if (first != std::string::npos && value[first] == '-') {
          throw po::error(std::string("--") + name + " takes a whole number of 0 or more, not '" + value + "'");
        }
      }
    }
  }
}

// Exit status for an error caught before work started, as main() would report it.
inline int exit_status_of(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const po::error&) {
    return exit_bad_input;
  } catch (const InputError&) {
    return exit_bad_input;
  } catch (const UsageError&) {
    return exit_bad_input;
  } catch (...) {
    return exit_run_failed;
  }
}

// The shape of a command that may run under mpirun (sweep, tournament): every rank parses and
// checks everything before any work starts (`prepare(arguments, group, setup)`, false for
// --help); an error on any rank is reported once, by the lowest failing rank, whose exit status
// mpirun returns. The others exit 0: a non-zero exit would make mpirun kill the reporting rank
// before it prints. Then `run(group, setup)` on every rank.
template <class Setup, class Prepare, class Run>
int run_on_every_rank(const std::vector<std::string>& arguments, Prepare prepare, Run run) {
  ProcessGroup group;
  Setup setup;
  std::exception_ptr failure;
  try {
    if (!prepare(arguments, group, setup)) return exit_ok;  // --help
  } catch (...) {
    failure = std::current_exception();
  }
  const auto agreement = group.agree(failure ? exit_status_of(failure) : exit_ok);
  if (agreement.status != exit_ok) {
    if (group.rank() == agreement.first_failed_rank) std::rethrow_exception(failure);
    return exit_ok;
  }
  return run(group, setup);
}

// Parses the arguments against the groups (the first holds "help,h") plus positional operands.
// With --help it prints "Usage: negsim <usage>", the groups and the examples (when print_help;
// under mpirun only rank 0 prints) and checks nothing else, so `negsim run --help` needs no FILE.
// Otherwise it runs po::notify, which fills the variables the options were bound to.
inline CommandLine parse_command_line(const std::vector<std::string>& arguments, const std::string& usage,
                                      const std::vector<const po::options_description*>& groups, const char* examples,
                                      bool print_help = true) {
  CommandLine command_line;
  po::options_description all;
  for (const auto* group : groups) all.add(*group);
  po::options_description hidden;
  hidden.add_options()("operand", po::value<std::vector<std::string>>(&command_line.operands));
  all.add(hidden);
  po::positional_options_description positional;
  positional.add("operand", -1);
  const po::parsed_options parsed = po::command_line_parser(arguments).options(all).positional(positional).run();
  refuse_negative_counts(parsed);
  po::store(parsed, command_line.values);
  if (command_line.values.count("help")) {
    command_line.help = true;
    if (print_help) {
      std::cout << "Usage: negsim " << usage << "\n\n";
      for (std::size_t index = 0; index < groups.size(); ++index) {
        std::cout << (index == 0 ? "" : "\n") << *groups[index];
      }
      std::cout << examples;
    }
    return command_line;
  }
  po::notify(command_line.values);
  return command_line;
}

// --out names a directory the command creates: an existing one is bad usage (exit 2) unless
// --force allows replacing it.
inline void refuse_existing_out(const std::string& directory, bool force) {
  std::error_code error;
  if (!directory.empty() && !force && std::filesystem::exists(directory, error)) {
    throw po::error("--out " + directory + " already exists; choose another directory or pass --force");
  }
}

// --format takes text or json in every command that prints a summary.
inline void check_format(const std::string& format) {
  if (format != "text" && format != "json") throw po::error("--format must be text or json, not '" + format + "'");
}

}  // namespace negsim::cli
