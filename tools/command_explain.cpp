// negsim explain FILE: why a run ended as it did, and what would have changed it.
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "load_limits.hpp"
#include "negsim/explain.hpp"
#include "negsim/scenario.hpp"

namespace negsim::cli {

namespace {
const char* const explain_examples = R"(
Examples:
  negsim explain scenarios/gge-2016-2017.yaml
  negsim explain scenarios/gge-2016-2017.yaml --format json --replicates 0
  negsim explain scenarios/gge-2014-2015.yaml --set process.noise=0.02

Answers, for the run with --seed: who objected to what; how far the draft was from a text
every red line allows; whether each objector was pivotal (without its red lines, or never
objecting); whether dropping each paragraph changes the outcome; the smallest single changes
of a red line, position or salience that flip the outcome, found by bisection on the engine
(in a room where searching every candidate could take more than 10^9 delegation-issue-rounds,
estimated before running as candidates x (24 + 1) x max_rounds x delegations x issues: only
the 12 smallest changes of the delegations nearest to changing their answer, as many
delegations as one run of each of their candidates allows within 2 x 10^8, found exactly; the
output says which and how many were left out, and --exhaustive searches all); joint
relaxations of red lines when no single change flips it; and each delegation's blocking
power over seeded replicates (batches of 100, until every share's 95% interval is within
+/- --precision, at most --replicates), beside a power-weighted Shapley-Shubik index for
the vote.
)";
}  // namespace

int explain_command(const std::vector<std::string>& arguments) {
  po::options_description options("Options for 'negsim explain FILE'");
  ExplainOptions explain_options;
  std::vector<std::string> overrides;
  std::string format = "text";
  options.add_options()("help,h", "show this help")(
      "seed", po::value<std::uint64_t>(&explain_options.seed)->default_value(1), "seed of the run explained")(
      "replicates,n", po::value<std::uint64_t>(&explain_options.replicates)->default_value(1000),
      "most replicates for the blocking-power index (0: skip)")(
      "precision", po::value<double>(&explain_options.precision)->default_value(0.03, "0.03"),
      "stop the replicates, in batches of 100, once every blocking power's 95% interval is within "
      "+/- this (0: run all --replicates)")("threads,j", po::value<int>(&explain_options.threads)->default_value(0),
                                            "worker threads for the questions and the replicates (0: all cores)")(
      "exhaustive", po::bool_switch(&explain_options.exhaustive),
      "search every candidate for the smallest single changes, however long it takes (without it, a "
      "room whose full search is over the budget gets the 12 smallest changes of the delegations "
      "nearest to changing their answer, and says so)")(
      "set", po::value<std::vector<std::string>>(&overrides)->composing(), "override a scenario value, key.path=value")(
      "format", po::value<std::string>(&format)->default_value("text"), "text or json");
  LimitOptions limit_options;
  const po::options_description limits_description = limit_options.describe();
  const CommandLine command_line =
      parse_command_line(arguments, "explain FILE [OPTIONS]", {&options, &limits_description}, explain_examples);
  if (command_line.help) return exit_ok;
  const auto& files = command_line.operands;
  if (files.size() != 1) throw po::error("explain takes exactly one scenario FILE");
  check_format(format);
  if (explain_options.replicates > 10000000) throw po::error("--replicates must be at most 10000000");
  if (!(explain_options.precision >= 0 && explain_options.precision < 0.5))
    throw po::error("--precision must be at least 0 and below 0.5");
  if (explain_options.threads < 0 || explain_options.threads > 1024)
    throw po::error("--threads must be between 0 and 1024");
  const Scenario scenario = load_scenario_file(files[0], overrides, limit_options.limits());
  const Explanation explanation = explain(scenario, explain_options);
  if (format == "json") {
    std::cout << explanation_json(scenario, explanation, explain_options).dump(2) << "\n";
  } else {
    std::cout << explanation_text(scenario, explanation, explain_options);
  }
  return exit_ok;
}

}  // namespace negsim::cli
