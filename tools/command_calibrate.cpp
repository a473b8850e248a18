// negsim calibrate [DIR]: fit the behavioural parameters shared by the recorded cases under DIR
// and write them as a parameter file that scenarios include (`parameters:`).
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "negsim/calibrate.hpp"
#include "negsim/errors.hpp"
#include "negsim/format.hpp"

namespace negsim::cli {

namespace {
const char* const calibrate_examples = R"(
Examples:
  negsim calibrate
  negsim calibrate scenarios/history --replicates 200 --evaluations 120
  negsim calibrate scenarios/history --output /tmp/fitted.yaml --format json
  negsim calibrate scenarios/history --output /tmp/counting.yaml --hold process.chair.power_weight=0

Every scenario file under DIR with an `expected:` block that is not an overlay is a case. Each
evaluation plays every case --replicates times with the same seeds (common random numbers) and
scores the log-probability of the recorded outcome and of each named objector, dissociator and
contested issue; Nelder-Mead (NLopt) maximises the sum within the parameters' bounds. The fitted
values go to --output (default scenarios/parameters/fitted.yaml), a file negsim wrote before or
a new one: any other file is left alone. --hold KEY=VALUE sets a parameter to VALUE in every
case and leaves it out of the fit; --hold process.dissociation_from=shortfall|assertions and
--hold process.dissociation_bar=round|deadline and --hold process.drafting=values|levels set
those model choices in every case (and in the file written). docs/MODEL.md section 14a has the
details.
Exit status: 0 written, 1 could not write, 2 bad input.
)";

constexpr const char* written_by_negsim = "# Written by negsim calibrate";

std::string today() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
  return text;
}

void write_parameters(const std::string& output, const std::string& text) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::exists(output, error)) {
    std::ifstream existing(output);
    std::string first_line;
    std::getline(existing, first_line);
    if (first_line.rfind(written_by_negsim, 0) != 0) {
      throw InputError(output, 1, 1, "",
                       "exists and was not written by negsim calibrate; choose another --output or move it away");
    }
  }
  const fs::path target(output);
  if (!target.parent_path().empty()) fs::create_directories(target.parent_path(), error);
  const fs::path temporary = target.parent_path() / ("." + target.filename().string() + ".tmp");
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      fs::remove(temporary, error);
      throw RunError("cannot write " + temporary.string());
    }
  }
  fs::rename(temporary, target, error);
  if (error) {
    fs::remove(temporary, error);
    throw RunError("cannot rename " + temporary.string() + " to " + output);
  }
}

}  // namespace

void add_hold_option(po::options_description& options);

void add_calibration_options(po::options_description& options, CalibrationOptions& calibration) {
  options.add_options()("replicates", po::value<std::uint64_t>(&calibration.replicates)->default_value(100),
                        "replicates per case and evaluation (the same seeds every evaluation)")(
      "evaluations", po::value<int>(&calibration.max_evaluations)->default_value(80),
      "at most this many evaluations of the objective per fit")(
      "seed", po::value<std::uint64_t>(&calibration.master_seed)->default_value(1), "master seed of the replicates")(
      "threads", po::value<int>(&calibration.threads)->default_value(0), "worker threads (0: all cores)");
  add_hold_option(options);
}

void add_hold_option(po::options_description& options) {
  options.add_options()("hold", po::value<std::vector<std::string>>()->composing(),
                        "KEY=VALUE: hold a shared parameter at VALUE in every fit instead of fitting it "
                        "(repeatable; e.g. process.chair.power_weight=0), or hold the model choice "
                        "process.dissociation_from=shortfall|assertions, process.dissociation_bar=round|deadline or "
                        "process.drafting=values|levels");
}

void apply_hold_options(const po::variables_map& values, CalibrationOptions& calibration) {
  if (values.count("hold") == 0) return;
  for (const auto& text : values["hold"].as<std::vector<std::string>>()) {
    const auto equals = text.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == text.size()) {
      throw po::error("--hold takes KEY=VALUE (e.g. process.chair.power_weight=0), not '" + text + "'");
    }
    try {
      if (hold_choice(calibration, text.substr(0, equals), text.substr(equals + 1))) continue;
    } catch (const std::invalid_argument& error) {
      throw po::error(std::string("--hold: ") + error.what());
    }
    std::size_t used = 0;
    double value = 0;
    const std::string number = text.substr(equals + 1);
    try {
      value = std::stod(number, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != number.size()) throw po::error("--hold " + text + ": '" + number + "' is not a number");
    try {
      hold_parameter(calibration, text.substr(0, equals), value);
    } catch (const std::invalid_argument& error) {
      throw po::error(std::string("--hold: ") + error.what());
    }
  }
}

void check_calibration_options(const CalibrationOptions& calibration) {
  if (calibration.replicates < 1 || calibration.replicates > 1000000) {
    throw po::error("--replicates must be between 1 and 1000000");
  }
  if (calibration.max_evaluations < 0 || calibration.max_evaluations > 100000) {
    throw po::error("--evaluations must be between 0 and 100000");
  }
  if (calibration.threads < 0) throw po::error("--threads must be 0 (all cores) or more");
}

int calibrate_command(const std::vector<std::string>& arguments) {
  po::options_description options("Options for 'negsim calibrate [DIR]'");
  CalibrationOptions calibration;
  std::string output = "scenarios/parameters/fitted.yaml";
  std::string format = "text";
  options.add_options()("help,h", "show this help")("output,o", po::value<std::string>(&output)->default_value(output),
                                                    "the parameter file to write")(
      "format", po::value<std::string>(&format)->default_value("text"), "text or json");
  add_calibration_options(options, calibration);
  const CommandLine command_line =
      parse_command_line(arguments, "calibrate [DIR] [OPTIONS]", {&options}, calibrate_examples);
  if (command_line.help) return exit_ok;
  if (command_line.operands.size() > 1) throw po::error("calibrate takes at most one DIR");
  check_format(format);
  check_calibration_options(calibration);
  apply_hold_options(command_line.values, calibration);
  const std::string directory = command_line.operands.empty() ? "scenarios/history" : command_line.operands.front();
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    throw InputError(directory, 1, 1, "", "is not a directory of scenarios");
  }
  const auto cases = load_calibration_cases(directory);
  if (cases.empty()) throw InputError(directory, 1, 1, "", "no recorded case (an `expected:` block) here");
  const CalibrationResult result = calibrate(cases, calibration);
  std::string held;
  for (const auto& spec : calibration.held) held += " --hold " + spec.key + "=" + format_significant(spec.initial);
  for (const auto& choice : held_choices(calibration)) held += " --hold " + choice;
  const std::string provenance = "negsim calibrate " + directory + " --replicates " +
                                 std::to_string(calibration.replicates) + " --evaluations " +
                                 std::to_string(calibration.max_evaluations) + " --seed " +
                                 std::to_string(calibration.master_seed) + held + " on " + today();
  write_parameters(output, parameters_yaml(result, calibration, cases, provenance));
  if (format == "json") {
    nlohmann::ordered_json report;
    report["output"] = output;
    report["evaluations"] = result.evaluations;
    report["log_probability"] = std::round(result.log_probability * 1e6) / 1e6;
    report["initial_log_probability"] = std::round(result.initial_log_probability * 1e6) / 1e6;
    nlohmann::ordered_json values;
    for (std::size_t p = 0; p < calibration.specs.size(); ++p) {
      values[calibration.specs[p].key] = std::round(result.values[p] * 1e6) / 1e6;
    }
    report["parameters"] = values;
    nlohmann::ordered_json case_list = nlohmann::ordered_json::array();
    for (const auto& score : result.cases) {
      case_list.push_back({{"case", score.backtest.name},
                           {"probability", std::round(score.probability * 1e6) / 1e6},
                           {"passed", score.backtest.passed()}});
    }
    report["cases"] = case_list;
    std::cout << report.dump(2) << "\n";
  } else {
    std::cout << parameters_yaml(result, calibration, cases, provenance) << "\nWritten to " << output << "\n";
  }
  return exit_ok;
}

}  // namespace negsim::cli
