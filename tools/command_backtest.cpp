// negsim backtest [DIR]: play every scenario with an `expected:` block under DIR over many
// seeded replicates and compare the simulated outcomes with the recorded ones.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "negsim/backtest.hpp"
#include "negsim/calibrate.hpp"
#include "negsim/errors.hpp"
#include "negsim/scenario.hpp"
#include "negsim/sweep.hpp"

namespace negsim::cli {

namespace {
const char* const backtest_examples = R"(
Examples:
  negsim backtest
  negsim backtest scenarios/history --seeds 1000 --threads 2
  negsim backtest scenarios/history/what-if --format json
  negsim backtest --leave-one-out --replicates 50 --evaluations 100 --hold process.chair.power_weight=0

Every *.yaml file under DIR (recursively; symbolic links and the 'stances' and 'catalogue'
directories are skipped) that has an `expected:` (the record) or `predicted:` block (a
what-if: the model's own prediction, reported apart and never counted as a pass of the record)
is played --seeds times. Replicate r uses a seed derived from the
master seed and r: it draws the scenario's declared uncertainty ({value, range} / {value, sd})
and its perception noise (process.noise). A row passes by the scenario's expected.criterion
(default: the recorded outcome is the most frequent simulated one, and each named objector,
dissociator and contested issue, and each record check -- expected.text, no_other_objectors,
no_other_dissociators, objected_earlier -- holds in at least half of the runs). A case's
`provenance:` block says whether its file was written before the model's first run on it; the
table marks it (column 'written') and a line after it counts those cases: how many passed at
their first run, how many pass now, and how many of those only after a change made knowing a
result (in sample).

A share within two standard errors of its criterion could fall on either side of it with more
replicates: by default a row whose verdict turns on such a share is played again with twice the
replicates (the first ones kept: replicate r's seed does not depend on their number) until its
verdict is settled or --settle-up-to is reached; the count line names the rows played again, and a
line lists any verdict still not settled. With --seeds alone a row is played exactly --seeds times.

--leave-one-out fits the shared behavioural parameters (as negsim calibrate does, with
--replicates and --evaluations) on all recorded cases but one, plays the held-out case with
them, and repeats for each case; it reports per case and overall the out-of-sample pass, the
probability given to the recorded outcome and the Brier score, beside the in-sample figures of
the fit on all cases; beside the model's out-of-sample Brier score, the Brier scores of two
naive forecasts made from the other cases' record (the base rate of the recorded kinds; always
the most frequent kind), and the passes split by check class and by provenance. Overlays
(what-ifs) are not cases. --hold KEY=VALUE keeps a shared
parameter at VALUE in every fit (not fitted), to compare variants of the model out of sample;
--hold process.dissociation_from=shortfall|assertions and --hold
process.dissociation_bar=round|deadline compare the dissociation rules, --hold
process.drafting=values|levels the chair drafting any value or the catalogue's levels.
Exit status: 0 when every row passes, 1 when a row fails, 2 bad input or nothing to test.
)";
}  // namespace

void add_calibration_options(po::options_description& options, CalibrationOptions& calibration);
void check_calibration_options(const CalibrationOptions& calibration);
void add_hold_option(po::options_description& options);
void apply_hold_options(const po::variables_map& values, CalibrationOptions& calibration);

int backtest_command(const std::vector<std::string>& arguments) {
  po::options_description options("Options for 'negsim backtest [DIR]'");
  std::uint64_t seeds = 200;
  std::uint64_t settle_up_to = 25600;
  std::uint64_t master_seed = 1;
  int threads = 0;
  std::string format = "text";
  options.add_options()("help,h", "show this help")("seeds", po::value<std::uint64_t>(&seeds)->default_value(200),
                                                    "replicates per scenario")(
      "settle-up-to", po::value<std::uint64_t>(&settle_up_to)->default_value(25600),
      "a row whose verdict its replicates do not settle is played again with twice as many, up to this many "
      "(0: never; with --seeds given, never unless this is given too)")(
      "seed", po::value<std::uint64_t>(&master_seed)->default_value(1), "master seed of the replicates")(
      "threads", po::value<int>(&threads)->default_value(0), "worker threads (0: all cores)")(
      "no-sample", "keep declared uncertainty at its values; only perception noise varies")(
      "format", po::value<std::string>(&format)->default_value("text"), "text or json");
  po::options_description fitting("Options for --leave-one-out");
  CalibrationOptions calibration;
  fitting.add_options()("leave-one-out", "fit on all cases but one, play the held-out one; repeat for each")(
      "replicates", po::value<std::uint64_t>(&calibration.replicates)->default_value(100),
      "replicates per case and evaluation of a fit")("evaluations",
                                                     po::value<int>(&calibration.max_evaluations)->default_value(80),
                                                     "at most this many evaluations per fit");
  add_hold_option(fitting);
  const CommandLine command_line =
      parse_command_line(arguments, "backtest [DIR] [OPTIONS]", {&options, &fitting}, backtest_examples);
  if (command_line.help) return exit_ok;
  const auto& directories = command_line.operands;
  const auto& values = command_line.values;
  if (directories.size() > 1) throw po::error("backtest takes at most one DIR");
  check_format(format);
  if (seeds < 1 || seeds > 10000000) throw po::error("--seeds must be between 1 and 10000000");
  if (settle_up_to > 10000000) throw po::error("--settle-up-to must be between 0 and 10000000");
  // --seeds alone asks for exactly that many replicates.
  if (values.count("seeds") != 0 && !values["seeds"].defaulted() &&
      (values.count("settle-up-to") == 0 || values["settle-up-to"].defaulted())) {
    settle_up_to = 0;
  }
  if (threads < 0) throw po::error("--threads must be 0 (all cores) or more");
  const std::string directory = directories.empty() ? "scenarios/history" : directories.front();
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    throw InputError(directory, 1, 1, "", "is not a directory of scenarios");
  }

  if (values.count("leave-one-out") == 0) {
    // Options of the fit alone would otherwise be ignored without a word.
    for (const char* name : {"replicates", "evaluations", "hold"}) {
      if (values.count(name) != 0 && !values[name].defaulted()) {
        throw po::error(std::string("--") + name +
                        " applies only with --leave-one-out (a plain backtest takes --seeds)");
      }
    }
  } else {
    if (values.count("settle-up-to") != 0 && !values["settle-up-to"].defaulted()) {
      throw po::error("--settle-up-to applies only to a plain backtest (--leave-one-out takes --replicates)");
    }
    calibration.master_seed = master_seed;
    calibration.threads = threads;
    calibration.sample_uncertainty = values.count("no-sample") == 0;
    check_calibration_options(calibration);
    apply_hold_options(values, calibration);
    const auto cases = load_calibration_cases(directory);
    if (cases.size() < 2) throw InputError(directory, 1, 1, "", "leaving one out needs at least two recorded cases");
    const LeaveOneOutResult result = leave_one_out(cases, calibration);
    bool every_case_passed = true;
    for (const auto& row : result.rows) every_case_passed = every_case_passed && row.out_of_sample.backtest.passed();
    if (format == "json") {
      auto report = leave_one_out_json(result, calibration);
      report["directory"] = directory;
      report["master_seed"] = master_seed;
      std::cout << report.dump(2) << "\n";
    } else {
      std::cout << leave_one_out_table(result, calibration);
    }
    return every_case_passed ? exit_ok : exit_run_failed;
  }

  std::vector<BacktestResult> results;
  for (const auto& file : find_scenario_files(directory)) {
    const Scenario scenario = load_scenario_file(file);
    if (!scenario.expected.present) continue;
    ReplicateOptions replicate_options;
    replicate_options.master_seed = master_seed;
    replicate_options.replicates = seeds;
    replicate_options.threads = threads;
    replicate_options.sample_uncertainty = values.count("no-sample") == 0;
    BacktestResult result = run_backtest(scenario, replicate_options, file);
    // Replicate r keeps its seed whatever their number (derive_seed), so twice as many replicates
    // extend the first ones rather than redraw them.
    while (!result.verdict_settled() && replicate_options.replicates * 2 <= settle_up_to) {
      replicate_options.replicates *= 2;
      result = run_backtest(scenario, replicate_options, file);
    }
    result.name = std::filesystem::path(file).lexically_relative(directory).replace_extension().string();
    results.push_back(std::move(result));
  }
  if (results.empty())
    throw InputError(directory, 1, 1, "", "no scenario with an `expected:` or `predicted:` block here");

  bool every_row_passed = true;
  for (const auto& result : results) every_row_passed = every_row_passed && result.passed();
  if (format == "json") {
    auto report = backtest_json(results);
    report["directory"] = directory;
    report["seeds"] = seeds;
    report["settle_up_to"] = settle_up_to;
    report["master_seed"] = master_seed;
    report["sampled_uncertainty"] = values.count("no-sample") == 0;
    std::cout << report.dump(2) << "\n";
  } else {
    std::cout << backtest_table(results);
  }
  return every_row_passed ? exit_ok : exit_run_failed;
}

}  // namespace negsim::cli
