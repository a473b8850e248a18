// Calibration: fit the behavioural parameters shared by every historical case (noise, isolation
// cost, the chair's patience, ...) by maximising the probability the model gives the recorded
// outcomes, and test the fit out of sample (leave one case out).
//
//   auto cases = load_calibration_cases("scenarios/history");
//   CalibrationResult fit = calibrate(cases, options);          // NLopt, derivative-free
//   std::string yaml = parameters_yaml(fit, options, "...");     // what scenarios include
//
// Per-case facts (members, red lines, chairs, rules, stances) are never fitted. docs/MODEL.md
// section 14 gives the objective and the scores.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "negsim/backtest.hpp"
#include "negsim/scenario.hpp"

namespace negsim {

// One fitted parameter: where it lives in a scenario, its bounds and its starting value.
struct ParameterSpec {
  std::string key;  // as in a scenario: process.noise, process.chair.patience
  double low = 0;
  double high = 1;
  double initial = 0;
};

// The parameters `negsim calibrate` fits, with their bounds.
std::vector<ParameterSpec> default_parameter_specs();

// Sets the parameters on a scenario (values in the order of `specs`).
void apply_parameters(Scenario& scenario, const std::vector<ParameterSpec>& specs, const std::vector<double>& values);

struct CalibrationCase {
  std::string file;
  std::string name;  // the file under the directory, without .yaml
  Scenario scenario;
};

// The recorded cases under `directory`: scenario files with an `expected:` block that are not
// overlays (a what-if's expected block is a prediction, not the record).
std::vector<CalibrationCase> load_calibration_cases(const std::string& directory);

struct CalibrationOptions {
  std::uint64_t replicates = 100;  // per case and evaluation, with the same seeds every time
  std::uint64_t master_seed = 1;
  int threads = 0;
  int max_evaluations = 80;
  bool sample_uncertainty = true;
  std::vector<ParameterSpec> specs = default_parameter_specs();
  // Parameters held at a value in every case instead of fitted (`--hold KEY=VALUE`), to compare
  // variants of the model by the same fit; each spec's `initial` is the value held.
  std::vector<ParameterSpec> held;
  // A model choice held in every case (`--hold process.dissociation_from=assertions`); unset, each
  // case keeps its own (from its file or the parameter file it includes).
  std::optional<DissociationBasis> dissociation_from;
  // The same for the bar of a dissociation (`--hold process.dissociation_bar=deadline`).
  std::optional<DissociationBar> dissociation_bar;
  // The same for what the chair writes (`--hold process.drafting=levels`).
  std::optional<Drafting> drafting;
};

// The held model choices as `KEY=VALUE` words (empty when none is held).
std::vector<std::string> held_choices(const CalibrationOptions& options);

// Moves `key` from the fitted specs to the held ones at `value`. Throws std::invalid_argument
// when the key is not a fitted parameter (or is held already) or the value is outside its bounds.
void hold_parameter(CalibrationOptions& options, const std::string& key, double value);
// Holds a model choice that is a word, not a number: process.dissociation_from=shortfall|assertions
// or process.dissociation_bar=round|deadline or process.drafting=values|levels.
// Throws std::invalid_argument for another key or value. Returns false when `key` is not a choice.
bool hold_choice(CalibrationOptions& options, const std::string& key, const std::string& value);

// How one case fares under given parameters.
struct CaseScore {
  BacktestResult backtest;
  double probability = 0;  // of the recorded outcome kind
  double log_score = 0;    // the case's term of the objective
  double brier = 0;        // multi-class Brier score over the outcome kinds
};

struct CalibrationResult {
  std::vector<double> values;  // in the order of the specs
  double log_probability = 0;  // the objective at `values`
  double initial_log_probability = 0;
  int evaluations = 0;
  std::vector<CaseScore> cases;  // each case under `values`
};

// Plays one case with `values` and scores it.
CaseScore score_case(const CalibrationCase& calibration_case, const std::vector<double>& values,
                     const CalibrationOptions& options);

// Maximises the summed log score over `cases` (Nelder-Mead within the bounds, NLopt).
CalibrationResult calibrate(const std::vector<CalibrationCase>& cases, const CalibrationOptions& options);

// The fitted parameters as a parameter file scenarios include (`parameters:`).
std::string parameters_yaml(const CalibrationResult& result, const CalibrationOptions& options,
                            const std::vector<CalibrationCase>& cases, const std::string& provenance);

// Naive forecasts of a case's outcome kind from the recorded kinds of the other cases (the
// yardstick of the model's out-of-sample Brier score; docs/MODEL.md section 14a).
struct BaselineScore {
  double base_rate_brier = 0;                          // forecast: the share of each kind among the others
  OutcomeKind most_frequent = OutcomeKind::consensus;  // among the others; ties: the first kind in order
  double most_frequent_brier = 0;                      // forecast: that kind with certainty (0 or 2)
};
// For each case c of `recorded` (the recorded kinds, one per case), the baselines from the
// others. Needs at least two cases.
std::vector<BaselineScore> leave_one_out_baselines(const std::vector<OutcomeKind>& recorded);

struct LeaveOneOutRow {
  std::string name;
  std::vector<double> values;  // fitted on the other cases
  CaseScore in_sample;         // played with the parameters fitted on all cases
  CaseScore out_of_sample;     // played with the parameters fitted without it
  BaselineScore baseline;      // the naive forecasts of its outcome kind, from the other cases
};

// How one class of checks fares over the cases (outcome kind, objectors, dissociators, contested
// paragraphs, text levels, earlier objections, reservations): the named and record checks of
// section 14 pooled by what they check.
struct CheckClassTally {
  std::string name;
  int checks = 0;
  int checks_passed = 0;
  int cases = 0;             // cases with at least one check of the class
  int cases_all_passed = 0;  // of those, cases where every check of the class passed
};
// Every class, in a fixed order, over `results` (classes no case checks have zero counts).
std::vector<CheckClassTally> tally_check_classes(const std::vector<const BacktestResult*>& results);

struct LeaveOneOutResult {
  CalibrationResult all;  // the fit on every case
  std::vector<LeaveOneOutRow> rows;
};

LeaveOneOutResult leave_one_out(const std::vector<CalibrationCase>& cases, const CalibrationOptions& options);
std::string leave_one_out_table(const LeaveOneOutResult& result, const CalibrationOptions& options);
nlohmann::ordered_json leave_one_out_json(const LeaveOneOutResult& result, const CalibrationOptions& options);

}  // namespace negsim
