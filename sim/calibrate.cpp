#include "negsim/calibrate.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <nlopt.hpp>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "negsim/errors.hpp"
#include "negsim/format.hpp"
#include "negsim/sweep.hpp"

namespace negsim {

namespace {

// Six decimals, trailing zeros dropped: the one rendering of a fitted value.
std::string number_text(double value) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(6) << value;
  std::string text = out.str();
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text == "-0" ? "0" : text;
}

double rounded(double value) {
  return std::round(value * 1e6) / 1e6;
}

}  // namespace

std::vector<ParameterSpec> default_parameter_specs() {
  // Bounds: what the model's documentation allows and a historical room makes plausible.
  return {{"process.noise", 0.0, 0.1, 0.02},         {"process.isolation_cost", 0.0, 0.3, 0.1},
          {"process.full_company", 0.05, 1.0, 0.25}, {"process.dissociation_cost", 0.0, 0.2, 0.0},
          {"process.chair.patience", 0.0, 1.0, 0.0}, {"process.chair.power_weight", 0.0, 1.0, 0.0}};
}

void apply_parameters(Scenario& scenario, const std::vector<ParameterSpec>& specs, const std::vector<double>& values) {
  for (std::size_t p = 0; p < specs.size() && p < values.size(); ++p) {
    const std::string& key = specs[p].key;
    const double value = std::clamp(values[p], specs[p].low, specs[p].high);
    Process& process = scenario.process;
    if (key == "process.noise") {
      process.noise = value;
    } else if (key == "process.isolation_cost") {
      process.isolation_cost = value;
    } else if (key == "process.full_company") {
      process.full_company = std::max(value, 1e-9);
    } else if (key == "process.amendment_step") {
      process.amendment_step = value;
    } else if (key == "process.dissociation_cost") {
      process.dissociation_cost = value;
    } else if (key == "process.chair.patience") {
      process.chair.patience = value;
    } else if (key == "process.chair.power_weight") {
      process.chair.power_weight = value;
    } else {
      throw RunError("cannot fit '" + key + "': not a shared behavioural parameter");
    }
  }
  // A fitted value replaces any uncertainty the file declared for the same key.
  scenario.uncertainties.erase(std::remove_if(scenario.uncertainties.begin(), scenario.uncertainties.end(),
                                              [&specs](const Uncertainty& uncertainty) {
                                                return std::any_of(specs.begin(), specs.end(),
                                                                   [&uncertainty](const ParameterSpec& spec) {
                                                                     return spec.key == uncertainty.stream_key;
                                                                   });
                                              }),
                               scenario.uncertainties.end());
}

void hold_parameter(CalibrationOptions& options, const std::string& key, double value) {
  const auto spec = std::find_if(options.specs.begin(), options.specs.end(),
                                 [&key](const ParameterSpec& candidate) { return candidate.key == key; });
  if (spec == options.specs.end()) {
    std::string known;
    for (const auto& candidate : options.specs) known += (known.empty() ? "" : ", ") + candidate.key;
    throw std::invalid_argument("'" + key + "' is not a parameter left to fit (fitted: " + known + ")");
  }
  if (!(value >= spec->low && value <= spec->high)) {
    throw std::invalid_argument("'" + key + "' must be between " + number_text(spec->low) + " and " +
                                number_text(spec->high));
  }
  ParameterSpec held = *spec;
  held.initial = value;
  options.specs.erase(spec);
  options.held.push_back(held);
}

bool hold_choice(CalibrationOptions& options, const std::string& key, const std::string& value) {
  if (key == "process.drafting") {
    const auto drafting = drafting_named(value);
    if (!drafting) throw std::invalid_argument("'" + key + "' is 'values' or 'levels', not '" + value + "'");
    options.drafting = drafting;
    return true;
  }
  if (key == "process.dissociation_bar") {
    const auto bar = dissociation_bar_named(value);
    if (!bar) throw std::invalid_argument("'" + key + "' is 'round' or 'deadline', not '" + value + "'");
    options.dissociation_bar = bar;
    return true;
  }
  if (key != "process.dissociation_from") return false;
  const auto basis = dissociation_basis_named(value);
  if (!basis) throw std::invalid_argument("'" + key + "' is 'shortfall' or 'assertions', not '" + value + "'");
  options.dissociation_from = basis;
  return true;
}

std::vector<std::string> held_choices(const CalibrationOptions& options) {
  std::vector<std::string> choices;
  if (options.dissociation_from)
    choices.push_back("process.dissociation_from=" + to_string(*options.dissociation_from));
  if (options.dissociation_bar) choices.push_back("process.dissociation_bar=" + to_string(*options.dissociation_bar));
  if (options.drafting) choices.push_back("process.drafting=" + to_string(*options.drafting));
  return choices;
}

namespace {

// A model choice as held (`--hold`), else the value every case shares when it is not the
// default, else nothing.
template <typename Choice>
std::optional<Choice> held_or_shared(const std::vector<CalibrationCase>& cases, std::optional<Choice> held,
                                     Choice Process::*member, Choice default_choice) {
  if (held || cases.empty()) return held;
  const Choice first = cases.front().scenario.process.*member;
  const bool shared = std::all_of(cases.begin(), cases.end(),
                                  [&](const CalibrationCase& c) { return c.scenario.process.*member == first; });
  return shared && first != default_choice ? std::optional<Choice>(first) : std::nullopt;
}

}  // namespace

std::vector<CalibrationCase> load_calibration_cases(const std::string& directory) {
  std::vector<CalibrationCase> cases;
  for (const auto& file : find_scenario_files(directory)) {
    Scenario scenario = load_scenario_file(file);
    if (!scenario.expected.present) continue;
    // An overlay (a `base:` file) varies a case: its expected block is a prediction.
    const YAML::Node root = YAML::LoadFile(file);
    if (root.IsMap() && root["base"]) continue;
    CalibrationCase entry;
    entry.file = file;
    entry.name = std::filesystem::path(file).lexically_relative(directory).replace_extension().string();
    entry.scenario = std::move(scenario);
    cases.push_back(std::move(entry));
  }
  return cases;
}

CaseScore score_case(const CalibrationCase& calibration_case, const std::vector<double>& values,
                     const CalibrationOptions& options) {
  Scenario scenario = calibration_case.scenario;
  std::vector<double> held_values;
  for (const auto& spec : options.held) held_values.push_back(spec.initial);
  apply_parameters(scenario, options.held, held_values);
  apply_parameters(scenario, options.specs, values);
  if (options.dissociation_from) scenario.process.dissociation_from = *options.dissociation_from;
  if (options.dissociation_bar) scenario.process.dissociation_bar = *options.dissociation_bar;
  if (options.drafting) scenario.process.drafting = *options.drafting;
  ReplicateOptions replicate_options;
  replicate_options.master_seed = options.master_seed;  // the same seeds at every evaluation
  replicate_options.replicates = options.replicates;
  replicate_options.threads = options.threads;
  replicate_options.sample_uncertainty = options.sample_uncertainty;
  CaseScore score;
  // run_backtest, not evaluate_backtest on bare statistics: the record checks (expected.text,
  // no_other_objectors, ...) need their per-replicate counts, or they read 0% and fail.
  score.backtest = run_backtest(scenario, replicate_options, calibration_case.file);
  score.backtest.name = calibration_case.name;
  const BacktestResult& result = score.backtest;
  score.probability = result.recorded_share;
  // A share of 0 would make the log infinite: floor it at half a replicate.
  const double floor = 0.5 / static_cast<double>(std::max<std::int64_t>(1, result.replicates));
  score.log_score = std::log(std::max(score.probability, floor));
  for (const auto* checks : {&result.objectors, &result.dissociators, &result.contested_issues}) {
    for (const auto& check : *checks) score.log_score += std::log(std::max(check.share, floor));
  }
  for (OutcomeKind kind : all_outcome_kinds) {
    const double observed = kind == result.recorded ? 1.0 : 0.0;
    const double share = result.shares[static_cast<std::size_t>(kind)];
    score.brier += (share - observed) * (share - observed);
  }
  return score;
}

namespace {

struct Objective {
  const std::vector<CalibrationCase>* cases;
  const CalibrationOptions* options;
  int evaluations = 0;
};

double objective_value(const std::vector<CalibrationCase>& cases, const std::vector<double>& values,
                       const CalibrationOptions& options) {
  double total = 0;
  for (const auto& calibration_case : cases) total += score_case(calibration_case, values, options).log_score;
  return total;
}

double nlopt_objective(const std::vector<double>& values, std::vector<double>& /*gradient*/, void* data) {
  auto* objective = static_cast<Objective*>(data);
  ++objective->evaluations;
  return objective_value(*objective->cases, values, *objective->options);
}

}  // namespace

CalibrationResult calibrate(const std::vector<CalibrationCase>& cases, const CalibrationOptions& options) {
  const auto dimension = static_cast<unsigned>(options.specs.size());
  std::vector<double> low;
  std::vector<double> high;
  std::vector<double> start;
  std::vector<double> step;
  for (const auto& spec : options.specs) {
    low.push_back(spec.low);
    high.push_back(spec.high);
    start.push_back(std::clamp(spec.initial, spec.low, spec.high));
    step.push_back((spec.high - spec.low) / 4);  // a first simplex wide enough to leave flat regions
  }
  CalibrationResult result;
  result.initial_log_probability = objective_value(cases, start, options);
  result.values = start;
  result.log_probability = result.initial_log_probability;
  if (dimension > 0 && options.max_evaluations > 0) {
    // The objective is a step function (shares of a finite number of replicates, with the same
    // seeds at each evaluation), flat over wide regions. So first a global, deterministic
    // search (DIRECT-L, Gablonsky & Kelley 2001) with half the evaluations finds the region,
    // then Nelder-Mead (Nelder & Mead 1965) refines from its best point. Both from NLopt.
    Objective objective{&cases, &options, 0};
    std::vector<double> values = start;
    double best = result.initial_log_probability;
    auto run = [&](nlopt::algorithm algorithm, int evaluations, std::vector<double>& point, double& value) {
      if (evaluations <= 0) return;
      nlopt::opt optimiser(algorithm, dimension);
      optimiser.set_lower_bounds(low);
      optimiser.set_upper_bounds(high);
      optimiser.set_max_objective(nlopt_objective, &objective);
      optimiser.set_maxeval(evaluations);
      optimiser.set_xtol_abs(1e-4);
      if (algorithm == nlopt::LN_NELDERMEAD) optimiser.set_initial_step(step);
      try {
        optimiser.optimize(point, value);
      } catch (const nlopt::roundoff_limited&) {
        // The best point found so far stands (NLopt leaves it in `point`).
      }
    };
    std::vector<double> global_point = start;
    double global_value = best;
    // Half the evaluations, but never so many that the scan below cannot reach every parameter
    // (nine points each): at 100 evaluations and six parameters, half left the last one, the
    // chair's power weight, unscanned, and one fit of the leave-one-out missed its step
    // (docs/HISTORY.md). At least a quarter stays global.
    constexpr int scan_points = 9;
    const int scan_budget = scan_points * static_cast<int>(dimension);
    const int global_evaluations = options.max_evaluations - options.max_evaluations / 2 >= scan_budget
                                       ? options.max_evaluations / 2
                                       : std::max(options.max_evaluations - scan_budget, options.max_evaluations / 4);
    run(nlopt::GN_DIRECT_L, global_evaluations, global_point, global_value);
    if (global_value > best) {
      values = global_point;
      best = global_value;
    }
    // A step a coarse global search can miss (a threshold in one parameter, such as the chair's
    // power weight at which it first trades objectors): scan each parameter alone over nine
    // even points of its range from the best point, keeping what improves, before refining.
    for (unsigned p = 0; p < dimension; ++p) {
      if (objective.evaluations + scan_points > options.max_evaluations) break;
      for (int q = 0; q < scan_points; ++q) {
        std::vector<double> trial = values;
        trial[p] = low[p] + (high[p] - low[p]) * q / (scan_points - 1);
        ++objective.evaluations;
        const double value = objective_value(cases, trial, options);
        if (value > best + 1e-9) {
          values = trial;
          best = value;
        }
      }
    }
    double local_value = best;
    std::vector<double> local_point = values;
    run(nlopt::LN_NELDERMEAD, options.max_evaluations - objective.evaluations, local_point, local_value);
    if (local_value > best) {
      values = local_point;
      best = local_value;
    }
    result.evaluations = objective.evaluations;
    if (best > result.initial_log_probability) {
      result.values = values;
      result.log_probability = best;
    }
  }
  for (const auto& calibration_case : cases)
    result.cases.push_back(score_case(calibration_case, result.values, options));
  return result;
}

std::string parameters_yaml(const CalibrationResult& result, const CalibrationOptions& options,
                            const std::vector<CalibrationCase>& cases, const std::string& provenance) {
  std::ostringstream out;
  out << "# Written by negsim calibrate: the behavioural parameters shared by the historical cases,\n"
      << "# fitted by maximising the probability of the recorded outcomes (docs/MODEL.md section 14).\n"
      << "# Scenarios include it with `parameters: <this file>`; a value a scenario sets itself wins.\n"
      << "description: >-\n  Shared behavioural parameters fitted on " << cases.size()
      << " recorded cases. Regenerate with negsim calibrate; do not edit by hand.\n"
      << "fitted:\n"
      << "  provenance: \"" << provenance << "\"\n"
      << "  replicates: " << options.replicates << "\n"
      << "  master_seed: " << options.master_seed << "\n"
      << "  evaluations: " << result.evaluations << "\n"
      << "  log_probability: " << number_text(result.log_probability) << "\n"
      << "  initial_log_probability: " << number_text(result.initial_log_probability) << "\n";
  if (!options.held.empty() || !held_choices(options).empty()) {
    out << "  held:";
    for (const auto& spec : options.held) out << " " << spec.key << "=" << number_text(spec.initial);
    for (const auto& choice : held_choices(options)) out << " " << choice;
    out << "\n";
  }
  out << "  cases:\n";
  for (const auto& score : result.cases) {
    out << "    - {case: " << score.backtest.name << ", recorded: " << to_string(score.backtest.recorded)
        << ", probability: " << number_text(score.probability)
        << ", passed: " << (score.backtest.passed() ? "true" : "false") << "}\n";
  }
  out << "process:\n";
  std::string chair;
  // Fitted and held parameters alike, in the order of the default specs.
  std::vector<std::pair<std::string, double>> entries;
  for (const auto& spec : default_parameter_specs()) {
    for (std::size_t p = 0; p < options.specs.size(); ++p) {
      if (options.specs[p].key == spec.key) entries.emplace_back(spec.key, result.values[p]);
    }
    for (const auto& held : options.held) {
      if (held.key == spec.key) entries.emplace_back(spec.key, held.initial);
    }
  }
  for (const auto& [key, value] : entries) {
    const std::string prefix = "process.chair.";
    if (key.compare(0, prefix.size(), prefix) == 0) {
      chair += "    " + key.substr(prefix.size()) + ": " + number_text(value) + "\n";
    } else {
      out << "  " << key.substr(std::string("process.").size()) << ": " << number_text(value) << "\n";
    }
  }
  // The dissociation rules the cases were fitted under: the one held, or the one every case shares
  // (from the parameter file they include) when it is not the default, so that rewriting the
  // file keeps the model it was fitted with.
  const auto basis =
      held_or_shared(cases, options.dissociation_from, &Process::dissociation_from, DissociationBasis::shortfall);
  if (basis) out << "  dissociation_from: " << to_string(*basis) << "\n";
  const auto bar = held_or_shared(cases, options.dissociation_bar, &Process::dissociation_bar, DissociationBar::round);
  if (bar) out << "  dissociation_bar: " << to_string(*bar) << "\n";
  const auto drafting = held_or_shared(cases, options.drafting, &Process::drafting, Drafting::values);
  if (drafting) out << "  drafting: " << to_string(*drafting) << "\n";
  if (!chair.empty()) out << "  chair:\n" << chair;
  return out.str();
}

std::vector<BaselineScore> leave_one_out_baselines(const std::vector<OutcomeKind>& recorded) {
  std::vector<BaselineScore> scores;
  if (recorded.size() < 2) return scores;
  std::array<int, outcome_kind_count> counts{};
  for (OutcomeKind kind : recorded) ++counts[static_cast<std::size_t>(kind)];
  const auto others = static_cast<double>(recorded.size() - 1);
  for (OutcomeKind held_out : recorded) {
    std::array<int, outcome_kind_count> other_counts = counts;
    --other_counts[static_cast<std::size_t>(held_out)];
    BaselineScore score;
    int best = -1;
    for (OutcomeKind kind : all_outcome_kinds) {
      const auto index = static_cast<std::size_t>(kind);
      const double observed = kind == held_out ? 1.0 : 0.0;
      const double forecast = other_counts[index] / others;
      score.base_rate_brier += (forecast - observed) * (forecast - observed);
      if (other_counts[index] > best) {  // strictly: a tie keeps the kind listed first
        best = other_counts[index];
        score.most_frequent = kind;
      }
    }
    score.most_frequent_brier = score.most_frequent == held_out ? 0.0 : 2.0;
    scores.push_back(score);
  }
  return scores;
}

std::vector<CheckClassTally> tally_check_classes(const std::vector<const BacktestResult*>& results) {
  const std::vector<std::string> order = {check_class::outcome,     check_class::objectors, check_class::dissociators,
                                          check_class::contested,   check_class::text,      check_class::earlier,
                                          check_class::reservations};
  std::vector<CheckClassTally> tallies;
  for (const auto& name : order) {
    CheckClassTally tally;
    tally.name = name;
    tallies.push_back(tally);
  }
  for (const BacktestResult* result : results) {
    // Per class: checks of this case, and whether all of them passed.
    std::vector<int> checks(order.size(), 0);
    std::vector<int> passed(order.size(), 0);
    auto add = [&](const std::string& name, bool check_passed) {
      const auto at = static_cast<std::size_t>(std::find(order.begin(), order.end(), name) - order.begin());
      if (at >= order.size()) return;
      ++checks[at];
      passed[at] += check_passed ? 1 : 0;
    };
    add(check_class::outcome, result->outcome_passed);
    for (const auto& check : result->objectors) add(check_class::objectors, check.passed);
    for (const auto& check : result->dissociators) add(check_class::dissociators, check.passed);
    for (const auto& check : result->contested_issues) add(check_class::contested, check.passed);
    for (const auto& check : result->record_checks) add(check.check_class, check.passed);
    for (std::size_t c = 0; c < order.size(); ++c) {
      if (checks[c] == 0) continue;
      tallies[c].checks += checks[c];
      tallies[c].checks_passed += passed[c];
      ++tallies[c].cases;
      tallies[c].cases_all_passed += passed[c] == checks[c] ? 1 : 0;
    }
  }
  return tallies;
}

LeaveOneOutResult leave_one_out(const std::vector<CalibrationCase>& cases, const CalibrationOptions& options) {
  LeaveOneOutResult result;
  std::vector<OutcomeKind> recorded;
  for (const auto& calibration_case : cases) recorded.push_back(calibration_case.scenario.expected.outcome);
  const std::vector<BaselineScore> baselines = leave_one_out_baselines(recorded);
  result.all = calibrate(cases, options);
  for (std::size_t held_out = 0; held_out < cases.size(); ++held_out) {
    std::vector<CalibrationCase> training;
    for (std::size_t c = 0; c < cases.size(); ++c) {
      if (c != held_out) training.push_back(cases[c]);
    }
    const CalibrationResult fit = calibrate(training, options);
    LeaveOneOutRow row;
    row.name = cases[held_out].name;
    row.values = fit.values;
    row.in_sample = result.all.cases[held_out];
    row.out_of_sample = score_case(cases[held_out], fit.values, options);
    if (held_out < baselines.size()) row.baseline = baselines[held_out];
    result.rows.push_back(std::move(row));
  }
  return result;
}

namespace {

struct Totals {
  int passed = 0;
  int total = 0;
  double brier = 0;
  double log_score = 0;
  int unsettled = 0;  // verdicts the replicates do not settle (docs/MODEL.md section 14)
};

// Totals over the rows `include` accepts (all by default).
Totals totals(const std::vector<LeaveOneOutRow>& rows, bool out_of_sample,
              const std::function<bool(const LeaveOneOutRow&)>& include = nullptr) {
  Totals sum;
  for (const auto& row : rows) {
    if (include && !include(row)) continue;
    const CaseScore& score = out_of_sample ? row.out_of_sample : row.in_sample;
    sum.passed += score.backtest.passed() ? 1 : 0;
    sum.unsettled += score.backtest.verdict_settled() ? 0 : 1;
    ++sum.total;
    sum.brier += score.brier;
    sum.log_score += score.log_score;
  }
  if (sum.total > 0) sum.brier /= sum.total;
  return sum;
}

// The mean Brier scores of the two naive forecasts, and how often the most frequent kind is right.
struct BaselineTotals {
  double base_rate_brier = 0;
  double most_frequent_brier = 0;
  int most_frequent_right = 0;
  int total = 0;
};

BaselineTotals baseline_totals(const std::vector<LeaveOneOutRow>& rows,
                               const std::function<bool(const LeaveOneOutRow&)>& include = nullptr) {
  BaselineTotals sum;
  for (const auto& row : rows) {
    if (include && !include(row)) continue;
    sum.base_rate_brier += row.baseline.base_rate_brier;
    sum.most_frequent_brier += row.baseline.most_frequent_brier;
    sum.most_frequent_right += row.baseline.most_frequent == row.in_sample.backtest.recorded ? 1 : 0;
    ++sum.total;
  }
  if (sum.total > 0) {
    sum.base_rate_brier /= sum.total;
    sum.most_frequent_brier /= sum.total;
  }
  return sum;
}

std::vector<const BacktestResult*> backtests(const std::vector<LeaveOneOutRow>& rows, bool out_of_sample) {
  std::vector<const BacktestResult*> results;
  for (const auto& row : rows) results.push_back(&(out_of_sample ? row.out_of_sample : row.in_sample).backtest);
  return results;
}

// The mean state-level vote agreement over the cases with recorded ballots whose replicates held the vote.
std::pair<double, int> vote_agreement(const std::vector<LeaveOneOutRow>& rows, bool out_of_sample) {
  double sum = 0;
  int cases = 0;
  for (const auto& row : rows) {
    const auto& votes = (out_of_sample ? row.out_of_sample : row.in_sample).backtest.votes;
    if (!votes || votes->replicates_with_vote == 0) continue;
    sum += votes->agreement;
    ++cases;
  }
  return {cases > 0 ? sum / cases : 0.0, cases};
}

// The provenance groups the report splits by, in order: the label and the rows' test.
std::vector<std::pair<std::string, std::function<bool(const LeaveOneOutRow&)>>> provenance_groups() {
  auto written = [](Provenance::Written kind) {
    return [kind](const LeaveOneOutRow& row) {
      const Provenance& provenance = row.in_sample.backtest.provenance;
      return provenance.present && provenance.written == kind;
    };
  };
  return {{to_string(Provenance::Written::before_first_run), written(Provenance::Written::before_first_run)},
          {to_string(Provenance::Written::knowing_the_results), written(Provenance::Written::knowing_the_results)},
          {to_string(Provenance::Written::unclear), written(Provenance::Written::unclear)},
          {"undeclared", [](const LeaveOneOutRow& row) { return !row.in_sample.backtest.provenance.present; }}};
}

std::string brier_text(double brier) {
  return number_text(std::round(brier * 1000) / 1000);
}

}  // namespace

std::string leave_one_out_table(const LeaveOneOutResult& result, const CalibrationOptions& options) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"case", "recorded", "in sample", "out of sample", "brier (in / out)", "result"});
  for (const auto& row : result.rows) {
    auto cell = [](const CaseScore& score) {
      return format_percent(score.probability) + (score.backtest.passed() ? " pass" : " FAIL");
    };
    rows.push_back({row.name, to_string(row.in_sample.backtest.recorded), cell(row.in_sample), cell(row.out_of_sample),
                    brier_text(row.in_sample.brier) + " / " + brier_text(row.out_of_sample.brier),
                    row.out_of_sample.backtest.passed() ? "pass" : "FAIL"});
  }
  std::ostringstream out;
  out << aligned_columns(rows);
  const Totals in = totals(result.rows, false);
  const Totals out_of = totals(result.rows, true);
  out << "\nIn sample (fitted on all " << in.total << " cases): " << in.passed << " of " << in.total
      << " pass, mean Brier " << brier_text(in.brier) << "\n";
  out << "Out of sample (each case played with parameters fitted on the others): " << out_of.passed << " of "
      << out_of.total << " pass, mean Brier " << brier_text(out_of.brier) << "\n";
  // How many of those verdicts the replicates leave open (docs/MODEL.md section 14).
  if (out_of.unsettled > 0) {
    std::string unsettled;
    for (const auto& row : result.rows) {
      if (row.out_of_sample.backtest.verdict_settled()) continue;
      unsettled +=
          (unsettled.empty() ? "" : ", ") + row.name + (row.out_of_sample.backtest.passed() ? " (pass)" : " (FAIL)");
    }
    out << "Not settled by " << options.replicates << " replicates (a share the verdict turns on within two standard "
        << "errors of its criterion), out of sample: " << out_of.unsettled << " of " << out_of.total << ": "
        << unsettled << "\n";
  }

  // The yardstick: naive forecasts of the outcome kind, each case's from the other cases' record.
  const BaselineTotals baseline = baseline_totals(result.rows);
  const auto outcome_right = [](const std::vector<LeaveOneOutRow>& all_rows, bool out_of_sample) {
    int right = 0;
    for (const auto& row : all_rows)
      right += (out_of_sample ? row.out_of_sample : row.in_sample).backtest.outcome_passed ? 1 : 0;
    return right;
  };
  out << "\nThe outcome kind out of sample, against naive forecasts made from the other cases' record (mean Brier, "
         "0 perfect, 2 worst):\n";
  out << aligned_columns(
      {{"the model", brier_text(out_of.brier),
        "outcome kind right in " + std::to_string(outcome_right(result.rows, true)) + " of " +
            std::to_string(out_of.total)},
       {"base rate of the recorded kinds", brier_text(baseline.base_rate_brier), ""},
       {"always the most frequent kind", brier_text(baseline.most_frequent_brier),
        "right in " + std::to_string(baseline.most_frequent_right) + " of " + std::to_string(baseline.total)}},
      "  ");

  out << "\nBy check class (checks passed; cases with every check of the class passing):\n";
  const auto in_classes = tally_check_classes(backtests(result.rows, false));
  const auto out_classes = tally_check_classes(backtests(result.rows, true));
  std::vector<std::vector<std::string>> class_rows = {
      {"check class", "in sample", "out of sample", "cases (in / out)"}};
  for (std::size_t c = 0; c < in_classes.size(); ++c) {
    if (in_classes[c].checks == 0 && out_classes[c].checks == 0) continue;
    const auto& in_class = in_classes[c];
    const auto& out_class = out_classes[c];
    class_rows.push_back({in_class.name,
                          std::to_string(in_class.checks_passed) + " of " + std::to_string(in_class.checks),
                          std::to_string(out_class.checks_passed) + " of " + std::to_string(out_class.checks),
                          std::to_string(in_class.cases_all_passed) + " / " +
                              std::to_string(out_class.cases_all_passed) + " of " + std::to_string(in_class.cases)});
  }
  out << aligned_columns(class_rows, "  ");
  const auto [in_votes, in_vote_cases] = vote_agreement(result.rows, false);
  const auto [out_votes, out_vote_cases] = vote_agreement(result.rows, true);
  if (in_vote_cases > 0 || out_vote_cases > 0) {
    out << "  state-level votes: mean agreement " << format_percent(in_votes) << " in sample (" << in_vote_cases
        << (in_vote_cases == 1 ? " case" : " cases") << "), " << format_percent(out_votes) << " out of sample ("
        << out_vote_cases << (out_vote_cases == 1 ? " case" : " cases") << ")\n";
  }

  out << "\nBy provenance (how each case's file was written; docs/SCENARIO_FORMAT.md, provenance):\n";
  std::vector<std::vector<std::string>> provenance_rows = {
      {"written", "cases", "pass in", "pass out", "Brier out", "base rate", "most frequent"}};
  for (const auto& [label, include] : provenance_groups()) {
    const Totals in_group = totals(result.rows, false, include);
    if (in_group.total == 0) continue;
    const Totals out_group = totals(result.rows, true, include);
    const BaselineTotals baseline_group = baseline_totals(result.rows, include);
    provenance_rows.push_back({label, std::to_string(in_group.total), std::to_string(in_group.passed),
                               std::to_string(out_group.passed), brier_text(out_group.brier),
                               brier_text(baseline_group.base_rate_brier),
                               brier_text(baseline_group.most_frequent_brier)});
  }
  out << aligned_columns(provenance_rows, "  ");
  for (const auto& row : result.rows) {
    if (row.out_of_sample.backtest.passed()) continue;
    out << "\n" << row.name << " (out of sample):\n";
    for (const auto& reason : row.out_of_sample.backtest.failures()) out << "  " << reason << "\n";
  }
  out << "\nFitted on all cases:";
  for (std::size_t p = 0; p < options.specs.size(); ++p) {
    out << " " << options.specs[p].key << "=" << number_text(result.all.values[p]);
  }
  if (!options.held.empty() || !held_choices(options).empty()) {
    out << "\nHeld in every fit:";
    for (const auto& spec : options.held) out << " " << spec.key << "=" << number_text(spec.initial);
    for (const auto& choice : held_choices(options)) out << " " << choice;
  }
  out << "\n(" << options.replicates << " replicates per case and evaluation, at most " << options.max_evaluations
      << " evaluations per fit)\n";
  return out.str();
}

nlohmann::ordered_json leave_one_out_json(const LeaveOneOutResult& result, const CalibrationOptions& options) {
  auto parameters = [&options](const std::vector<double>& values) {
    nlohmann::ordered_json object;
    for (std::size_t p = 0; p < options.specs.size(); ++p) object[options.specs[p].key] = rounded(values[p]);
    return object;
  };
  auto score_json = [](const CaseScore& score) {
    return nlohmann::ordered_json{{"passed", score.backtest.passed()},
                                  {"probability", rounded(score.probability)},
                                  {"brier", rounded(score.brier)},
                                  {"log_score", rounded(score.log_score)},
                                  {"most_frequent", to_string(score.backtest.most_frequent)},
                                  {"failures", score.backtest.failures()},
                                  {"verdict_settled", score.backtest.verdict_settled()}};
  };
  nlohmann::ordered_json cases = nlohmann::ordered_json::array();
  for (const auto& row : result.rows) {
    cases.push_back({{"case", row.name},
                     {"recorded", to_string(row.in_sample.backtest.recorded)},
                     {"provenance", provenance_json(row.in_sample.backtest.provenance)},
                     {"in_sample", score_json(row.in_sample)},
                     {"out_of_sample", score_json(row.out_of_sample)},
                     {"baselines",
                      {{"base_rate_brier", rounded(row.baseline.base_rate_brier)},
                       {"most_frequent", to_string(row.baseline.most_frequent)},
                       {"most_frequent_brier", rounded(row.baseline.most_frequent_brier)}}},
                     {"fitted_without_it", parameters(row.values)}});
  }
  const BaselineTotals baseline = baseline_totals(result.rows);
  auto class_json = [](const CheckClassTally& tally) {
    return nlohmann::ordered_json{{"checks", tally.checks},
                                  {"checks_passed", tally.checks_passed},
                                  {"cases", tally.cases},
                                  {"cases_all_passed", tally.cases_all_passed}};
  };
  nlohmann::ordered_json classes = nlohmann::ordered_json::array();
  const auto in_classes = tally_check_classes(backtests(result.rows, false));
  const auto out_classes = tally_check_classes(backtests(result.rows, true));
  for (std::size_t c = 0; c < in_classes.size(); ++c) {
    classes.push_back({{"class", in_classes[c].name},
                       {"in_sample", class_json(in_classes[c])},
                       {"out_of_sample", class_json(out_classes[c])}});
  }
  const auto [in_votes, in_vote_cases] = vote_agreement(result.rows, false);
  const auto [out_votes, out_vote_cases] = vote_agreement(result.rows, true);
  nlohmann::ordered_json by_provenance = nlohmann::ordered_json::array();
  for (const auto& [label, include] : provenance_groups()) {
    const Totals in_group = totals(result.rows, false, include);
    const Totals out_group = totals(result.rows, true, include);
    const BaselineTotals baseline_group = baseline_totals(result.rows, include);
    by_provenance.push_back({{"written", label},
                             {"cases", in_group.total},
                             {"in_sample", {{"passed", in_group.passed}, {"brier", rounded(in_group.brier)}}},
                             {"out_of_sample", {{"passed", out_group.passed}, {"brier", rounded(out_group.brier)}}},
                             {"base_rate_brier", rounded(baseline_group.base_rate_brier)},
                             {"most_frequent_brier", rounded(baseline_group.most_frequent_brier)}});
  }
  nlohmann::ordered_json held = nlohmann::ordered_json::object();
  for (const auto& spec : options.held) held[spec.key] = rounded(spec.initial);
  for (const auto& choice : held_choices(options)) {
    const auto equals = choice.find('=');
    held[choice.substr(0, equals)] = choice.substr(equals + 1);
  }
  const Totals in = totals(result.rows, false);
  const Totals out_of = totals(result.rows, true);
  return {{"in_sample",
           {{"passed", in.passed}, {"total", in.total}, {"brier", rounded(in.brier)}, {"unsettled", in.unsettled}}},
          {"out_of_sample",
           {{"passed", out_of.passed},
            {"total", out_of.total},
            {"brier", rounded(out_of.brier)},
            {"unsettled", out_of.unsettled}}},
          {"baselines",
           {{"base_rate", {{"brier", rounded(baseline.base_rate_brier)}}},
            {"most_frequent",
             {{"brier", rounded(baseline.most_frequent_brier)}, {"right", baseline.most_frequent_right}}}}},
          {"check_classes", classes},
          {"votes",
           {{"in_sample", {{"agreement", rounded(in_votes)}, {"cases", in_vote_cases}}},
            {"out_of_sample", {{"agreement", rounded(out_votes)}, {"cases", out_vote_cases}}}}},
          {"by_provenance", by_provenance},
          {"fitted_on_all", parameters(result.all.values)},
          {"held", held},
          {"replicates", options.replicates},
          {"max_evaluations", options.max_evaluations},
          {"cases", cases}};
}

}  // namespace negsim
