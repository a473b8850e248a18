// The subcommands of `negsim`, one file each (tools/command_*.cpp). Each parses its own
// options with Boost.Program_options and calls the library.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

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

}  // namespace negsim::cli
