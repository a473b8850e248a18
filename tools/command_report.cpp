// negsim report DIR: one self-contained HTML page of a run or sweep directory.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "negsim/report.hpp"

namespace negsim::cli {

namespace {
const char* const report_examples = R"(
Examples:
  negsim run scenarios/gge-2016-2017.yaml --out results/gge-2017
  negsim report results/gge-2017                      # writes results/gge-2017/report.html
  negsim report results/gge-2017 -o /tmp/gge.html
  negsim report results/gge-2016-2017/sweep-rule      # a sweep directory

The page needs nothing else: data, charts (Vega, inlined) and styles are all in the one file,
so it opens offline, from a USB stick or a mail attachment. Names, positions and red lines
come from the scenario file recorded in meta.json; --scenario points elsewhere when it moved.
)";
}  // namespace

int report_command(const std::vector<std::string>& arguments) {
  po::options_description options("Options for 'negsim report RESULTS_DIR'");
  std::string output_file;
  negsim::ReportOptions report_options;
  options.add_options()("help,h", "show this help")("output,o", po::value<std::string>(&output_file),
                                                    "write the page here (default: RESULTS_DIR/report.html)")(
      "scenario", po::value<std::string>(&report_options.scenario_file),
      "the run's scenario file, when it is not where meta.json says")("quiet,q", "print nothing on success");
  const CommandLine command_line =
      parse_command_line(arguments, "report RESULTS_DIR [-o report.html]", {&options}, report_examples);
  if (command_line.help) return exit_ok;
  const auto& directories = command_line.operands;
  if (directories.size() != 1) throw po::error("report takes exactly one RESULTS_DIR (a run or sweep directory)");
  if (output_file.empty()) output_file = (std::filesystem::path(directories[0]) / "report.html").string();
  // The page goes into a directory that exists: a mistyped -o must not create a tree of them.
  const std::filesystem::path parent = std::filesystem::path(output_file).parent_path();
  std::error_code error;
  if (command_line.values.count("output") > 0 && !parent.empty() && !std::filesystem::is_directory(parent, error)) {
    throw po::error("-o " + output_file + ": the directory " + parent.string() +
                    " does not exist; create it first or write the page elsewhere");
  }
  negsim::write_report(directories[0], output_file, report_options);
  if (command_line.values.count("quiet") == 0) std::cout << "Report written to " << output_file << "\n";
  return exit_ok;
}

}  // namespace negsim::cli
