// negsim brief SCENARIO --as ID | --all --out DIR: confidential briefs a teacher prints.
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "commands.hpp"
#include "negsim/outputs.hpp"
#include "negsim/room.hpp"
#include "negsim/scenario.hpp"

namespace negsim::cli {

namespace {
const char* const brief_examples = R"(
Examples:
  negsim brief scenarios/teaching/three-delegations.yaml --as south -o south.html
  negsim brief scenarios/gge-2016-2017.yaml --all --out briefs/gge-2017

Each brief is one printable HTML page for one delegation's team: its positions in the words of
the text, how much each paragraph matters, its red lines, its bloc and allies, when to support
and when to block, and the rules of the room. --all writes <id>.html for every delegation into
a new directory.
)";
}  // namespace

int brief_command(const std::vector<std::string>& arguments) {
  po::options_description options("Options for 'negsim brief SCENARIO --as ID'");
  std::string seat_id;
  std::string output_file;
  std::string out_directory;
  std::vector<std::string> overrides;
  options.add_options()("help,h", "show this help")("as", po::value<std::string>(&seat_id),
                                                    "the delegation whose brief to write")(
      "all", "write one brief per delegation (needs --out)")("output,o", po::value<std::string>(&output_file),
                                                             "with --as: write the page here (default: print it)")(
      "out", po::value<std::string>(&out_directory), "with --all: a new directory for the pages")(
      "set", po::value<std::vector<std::string>>(&overrides)->composing(),
      "override a scenario value, key.path=value (repeatable)");
  const CommandLine command_line =
      parse_command_line(arguments, "brief SCENARIO (--as ID | --all --out DIR) [OPTIONS]", {&options}, brief_examples);
  if (command_line.help) return exit_ok;
  const auto& files = command_line.operands;
  const bool all = command_line.values.count("all") > 0;
  if (files.size() != 1) throw po::error("brief takes exactly one scenario FILE");
  if (all == !seat_id.empty()) throw po::error("give either --as ID or --all");
  if (all && out_directory.empty()) throw po::error("--all needs --out DIR");
  const negsim::Scenario scenario = negsim::load_scenario_file(files[0], overrides);
  if (all) {
    std::map<std::string, std::string> pages;
    for (int delegation = 0; delegation < scenario.delegation_count(); ++delegation) {
      pages[scenario.delegations[static_cast<std::size_t>(delegation)].id + ".html"] =
          negsim::brief_html(scenario, delegation);
    }
    negsim::write_directory_atomically(out_directory, pages, false);
    std::cout << "Wrote " << pages.size() << " briefs to " << out_directory << "/\n";
    return exit_ok;
  }
  const int delegation = scenario.find_delegation(seat_id);
  if (delegation < 0) {
    std::string ids;
    for (const auto& named : scenario.delegations) ids += (ids.empty() ? "" : ", ") + named.id;
    throw po::error("unknown delegation '" + seat_id + "' for --as; the delegations of " + scenario.id +
                    " are: " + ids);
  }
  const std::string page = negsim::brief_html(scenario, delegation);
  if (output_file.empty()) {
    std::cout << page;
  } else {
    negsim::write_new_file(output_file, page);
    std::cout << "Wrote " << output_file << "\n";
  }
  return exit_ok;
}

}  // namespace negsim::cli
