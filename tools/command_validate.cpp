// negsim validate FILE...: check scenario files without running them.
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "load_limits.hpp"
#include "negsim/errors.hpp"
#include "negsim/scenario.hpp"

namespace negsim::cli {

namespace {
const char* const validate_examples = R"(
Examples:
  negsim validate scenarios/gge-2016-2017.yaml
  negsim validate scenarios/*.yaml scenarios/teaching/*.yaml

Prints 'FILE: ok' for each valid file; for a bad one, FILE:LINE:COLUMN: key.path: problem.
Exit status 2 when any file is bad.
)";

}  // namespace

int validate_command(const std::vector<std::string>& arguments) {
  po::options_description options("Options for 'negsim validate FILE...'");
  options.add_options()("help,h", "show this help")("quiet,q", "print only problems");
  LimitOptions limit_options;
  const po::options_description limits_description = limit_options.describe();
  const CommandLine command_line =
      parse_command_line(arguments, "validate FILE...", {&options, &limits_description}, validate_examples);
  if (command_line.help) return exit_ok;
  const auto& files = command_line.operands;
  if (files.empty()) throw po::error("validate needs at least one FILE");
  const negsim::LoadLimits limits = limit_options.limits();
  int status = exit_ok;
  for (const auto& file : files) {
    try {
      const negsim::Scenario scenario = negsim::load_scenario_file(file, {}, limits);
      if (command_line.values.count("quiet") == 0) {
        std::cout << file << ": ok (" << scenario.delegation_count() << " delegations, " << scenario.issue_count()
                  << " issues, " << scenario.blocs.size() << (scenario.blocs.size() == 1 ? " bloc" : " blocs")
                  << ", rule " << scenario.process.rule.name() << ")\n";
      }
    } catch (const negsim::InputError& error) {
      std::cerr << error.what() << "\n";
      status = exit_bad_input;
    }
  }
  return status;
}

}  // namespace negsim::cli
