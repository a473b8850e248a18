// negsim sensitivity FILE: which uncertain numbers the outcome's probabilities hang on (Sobol
// indices by Saltelli sampling, docs/MODEL.md "Global sensitivity").
#include <chrono>
#include <cmath>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "interrupt.hpp"
#include "load_limits.hpp"
#include "negsim/errors.hpp"
#include "negsim/format.hpp"
#include "negsim/outputs.hpp"
#include "negsim/scenario.hpp"
#include "negsim/sensitivity.hpp"
#include "negsim/sweep.hpp"
#include "progress.hpp"

namespace negsim::cli {

namespace {

const char* const sensitivity_examples = R"(
Examples:
  negsim sensitivity scenarios/history/gge-2016-2017.yaml --samples 1000
  negsim sensitivity scenarios/history/gge-2014-2015.yaml --samples 2000 --objector russia --format json
  negsim sensitivity scenarios/teaching/three-delegations.yaml --set process.noise=0.05 \
      --vary delegations.south.red_lines.water_share.min=0.3:0.9 --cost

Every number the scenario declares uncertain ({value, range} or {value, sd}, and each --vary
key=low:high, uniform on that range) is a factor. With N samples and d factors the analysis
plays N x (d + 2) runs (stated before it starts; --cost states it and stops): two independent
samples A and B of all factors, and for each factor A with that factor taken from B. It
reports, for the probability of each outcome kind, of any adoption and of each objector named
(the record's `expected.objectors` and every --objector), each factor's first-order index S
(the share of the variance it explains alone) and total index T (alone and with others), with
95% bootstrap intervals, ranked by T. The same seed gives the same bytes on any --threads.

Writes results/<scenario>/sensitivity-<timestamp>-seed<seed>/ (or --out DIR): summary.json,
indices.csv, meta.json; `negsim report DIR` charts it.
)";

// --vary key.path=low:high (a trailing :steps is refused: this samples the range, not a grid).
std::string uncertain_override(const std::string& expression) {
  const std::size_t equals = expression.find('=');
  auto fail = [&]() {
    throw po::error("--vary " + expression +
                    ": sensitivity takes key.path=low:high, a numeric range sampled uniformly");
  };
  if (equals == std::string::npos || equals == 0) fail();
  const std::string range = expression.substr(equals + 1);
  const std::size_t colon = range.find(':');
  if (colon == std::string::npos || range.find(':', colon + 1) != std::string::npos) fail();
  double low = 0;
  double high = 0;
  try {
    std::size_t used = 0;
    low = std::stod(range.substr(0, colon), &used);
    if (used != colon) fail();
    high = std::stod(range.substr(colon + 1), &used);
    if (used != range.size() - colon - 1) fail();
  } catch (const std::logic_error&) {
    fail();
  }
  if (!std::isfinite(low) || !std::isfinite(high) || !(low < high)) fail();
  return expression.substr(0, equals) + "={value: " + format_significant(0.5 * (low + high), 12) + ", range: [" +
         format_significant(low, 12) + ", " + format_significant(high, 12) + "]}";
}

}  // namespace

int sensitivity_command(const std::vector<std::string>& arguments) {
  const auto started = std::chrono::steady_clock::now();
  po::options_description options("Options for 'negsim sensitivity FILE'");
  SensitivityOptions analysis;
  std::vector<std::string> overrides;
  std::vector<std::string> vary_expressions;
  std::string out_directory;
  std::string results_root = "results";
  std::string format = "text";
  options.add_options()("help,h", "show this help")(
      "samples,n", po::value<std::uint64_t>(&analysis.samples)->default_value(1000), "N: base samples")(
      "seed", po::value<std::uint64_t>(&analysis.master_seed)->default_value(1), "master seed")(
      "threads,j", po::value<int>(&analysis.threads)->default_value(0), "worker threads (0: all cores)")(
      "bootstrap", po::value<std::uint64_t>(&analysis.bootstrap)->default_value(500),
      "bootstrap resamples for the 95% intervals (0: none)")(
      "vary", po::value<std::vector<std::string>>(&vary_expressions)->composing(),
      "one more factor: key.path=low:high, uniform (repeatable)")(
      "objector", po::value<std::vector<std::string>>(&analysis.objectors)->composing(),
      "also apportion the probability that this delegation objects (repeatable)")(
      "set", po::value<std::vector<std::string>>(&overrides)->composing(),
      "override a scenario value, key.path=value (repeatable)")("cost", "state the number of runs and stop")(
      "out", po::value<std::string>(&out_directory), "write into this directory (must not exist)")(
      "results", po::value<std::string>(&results_root)->default_value("results"), "root for default directories")(
      "force", "with --out: replace an existing directory negsim wrote")("quiet,q", "no progress bar, no table")(
      "format", po::value<std::string>(&format)->default_value("text"), "printed summary: text or json");
  LimitOptions limit_options;
  const po::options_description limits_description = limit_options.describe();
  CommandLine command_line = parse_command_line(arguments, "sensitivity FILE [OPTIONS]",
                                                {&options, &limits_description}, sensitivity_examples);
  if (command_line.help) return exit_ok;
  const auto& values = command_line.values;
  const auto& files = command_line.operands;
  if (files.size() != 1) throw po::error("sensitivity takes exactly one scenario FILE");
  check_format(format);
  if (analysis.samples < 2 || analysis.samples > 10000000) throw po::error("--samples must be between 2 and 10000000");
  if (analysis.threads < 0 || analysis.threads > 1024) throw po::error("--threads must be between 0 and 1024");
  if (analysis.bootstrap > 100000) throw po::error("--bootstrap must be at most 100000");
  const bool cost_only = values.count("cost") > 0;
  if (!cost_only) refuse_existing_out(out_directory, values.count("force") > 0);
  const bool quiet = values.count("quiet") > 0;

  std::vector<std::string> all_overrides = overrides;
  for (const auto& expression : vary_expressions) {
    const std::string key = expression.substr(0, expression.find('='));
    for (const auto& set : overrides) {
      if (set.substr(0, set.find('=')) == key) {
        throw po::error("--set " + key + " and --vary " + key + " set the same value; drop one");
      }
    }
    all_overrides.push_back(uncertain_override(expression));
  }
  const Scenario scenario = load_scenario_file(files[0], all_overrides, limit_options.limits());
  if (scenario.uncertainties.empty()) {
    throw InputError(files[0], 0, 0, "",
                     "declares no uncertain number: write {value, range} or {value, sd} on the judged numbers "
                     "(docs/SCENARIO_FORMAT.md, Uncertainty), or pass --vary key.path=low:high");
  }
  for (const auto& id : analysis.objectors) {
    if (scenario.find_delegation(id) < 0) {
      throw po::error("--objector " + id + ": no delegation '" + id + "' in " + files[0]);
    }
  }
  const std::uint64_t runs = sensitivity_run_count(scenario, analysis.samples);
  const std::size_t d = scenario.uncertainties.size();
  const std::string cost = "N x (d + 2) = " + std::to_string(analysis.samples) + " x (" + std::to_string(d) +
                           " + 2) = " + std::to_string(runs) + " runs";
  if (cost_only) {
    std::cout << "negsim sensitivity: " << cost << " (" << d << " uncertain numbers)\n";
    for (const auto& uncertainty : scenario.uncertainties) std::cout << "  " << uncertainty.stream_key << "\n";
    return exit_ok;
  }
  if (!quiet) std::cerr << "negsim sensitivity: " << cost << "\n";

  const bool default_directory = out_directory.empty();
  StagedDirectory staged(default_directory
                             ? new_run_directory(results_root, scenario.id, analysis.master_seed, "sensitivity-")
                             : out_directory,
                         values.count("force") > 0, default_directory);

  ProgressBar progress(runs, !quiet);
  analysis.progress = [&](std::uint64_t done) { progress.update(done); };
  InterruptGuard interrupt_guard;
  analysis.stop = &interrupt_guard.flag();
  const SensitivityResult result = run_sensitivity(scenario, analysis);
  progress.finish();
  if (!result.complete) {
    std::cerr << "negsim sensitivity: interrupted by signal " << interrupt_guard.signal()
              << "; nothing written (the indices need every run)\n";
    return interrupt_guard.exit_status();
  }
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  auto summary = sensitivity_json(scenario, result, analysis);
  staged.write("summary.json", tidy_json_numbers(summary.dump(2)) + "\n");
  staged.write("indices.csv", sensitivity_csv(result));
  RunOptions run_options;
  run_options.seed = analysis.master_seed;
  run_options.overrides = overrides;
  run_options.sampled = true;
  auto meta = meta_json(scenario, run_options, wall_seconds);
  meta["options"]["samples"] = analysis.samples;
  meta["options"]["bootstrap"] = analysis.bootstrap;
  meta["options"]["vary"] = vary_expressions;
  meta["options"]["objectors"] = analysis.objectors;
  meta["options"]["threads"] = analysis.threads > 0 ? analysis.threads : default_thread_count();
  meta["runs_per_second"] = wall_seconds > 0 ? static_cast<double>(runs) / wall_seconds : 0.0;
  staged.write("meta.json", meta.dump(2) + "\n");
  staged.commit();

  if (!quiet) {
    if (format == "json") {
      summary["output_dir"] = staged.target();
      std::cout << summary.dump(2) << "\n";
    } else {
      std::cout << "Sensitivity of " << scenario.title << ": " << cost << " in " << format_decimal(wall_seconds, 1)
                << " s, master seed " << analysis.master_seed << "\n"
                << "Indices by total T (S: first-order), 95% bootstrap intervals of " << analysis.bootstrap
                << " resamples; perception noise common to a sample's runs.\n\n"
                << sensitivity_table(scenario, result) << "\nWritten to " << staged.target()
                << "/\n  summary.json indices.csv meta.json\n";
    }
  }
  return exit_ok;
}

}  // namespace negsim::cli
