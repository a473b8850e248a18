#include "negsim/backtest.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>

namespace negsim {

namespace {

constexpr OutcomeKind all_outcomes[] = {OutcomeKind::consensus,
                                        OutcomeKind::consensus_with_dissociations,
                                        OutcomeKind::adopted_over_objections,
                                        OutcomeKind::chairs_summary,
                                        OutcomeKind::vote,
                                        OutcomeKind::no_consensus};

std::string percent(double share) {
  return std::to_string(static_cast<int>(std::lround(share * 100))) + "%";
}

// Shares below this many replicates' worth of rounding still pass a "half" criterion: a share
// is compared with the criterion after rounding to 1e-12, so 100 of 200 passes 0.5.
bool at_least(double share, double threshold) {
  return share + 1e-12 >= threshold;
}

std::vector<NamedCheck> check_named(const std::vector<std::string>& ids, const std::vector<std::int64_t>& counts,
                                    const std::function<int(const std::string&)>& find, std::int64_t replicates,
                                    double threshold) {
  std::vector<NamedCheck> checks;
  for (const auto& id : ids) {
    NamedCheck check;
    check.id = id;
    const int index = find(id);
    if (index >= 0 && replicates > 0) {
      check.share = static_cast<double>(counts[static_cast<std::size_t>(index)]) / static_cast<double>(replicates);
    }
    check.passed = at_least(check.share, threshold);
    checks.push_back(check);
  }
  return checks;
}

bool all_passed(const std::vector<NamedCheck>& checks) {
  return std::all_of(checks.begin(), checks.end(), [](const NamedCheck& check) { return check.passed; });
}

// "-" when nothing is named; otherwise "ok" or "FAIL" with the smallest share among the names.
std::string named_cell(const std::vector<NamedCheck>& checks) {
  if (checks.empty()) return "-";
  double lowest = 1;
  for (const auto& check : checks) lowest = std::min(lowest, check.share);
  return std::string(all_passed(checks) ? "ok" : "FAIL") + " (" + std::to_string(checks.size()) + ", min " +
         percent(lowest) + ")";
}

nlohmann::ordered_json named_json(const std::vector<NamedCheck>& checks) {
  auto list = nlohmann::ordered_json::array();
  for (const auto& check : checks) {
    list.push_back({{"id", check.id}, {"share", std::round(check.share * 1e6) / 1e6}, {"passed", check.passed}});
  }
  return list;
}

}  // namespace

bool BacktestResult::passed() const {
  return outcome_passed && all_passed(objectors) && all_passed(dissociators) && all_passed(contested_issues);
}

std::vector<std::string> BacktestResult::failures() const {
  std::vector<std::string> reasons;
  if (!outcome_passed) {
    if (outcome_share) {
      reasons.push_back("recorded outcome " + to_string(recorded) + " in " + percent(recorded_share) +
                        " of runs, below the criterion " + percent(*outcome_share));
    } else {
      reasons.push_back("recorded outcome " + to_string(recorded) + " in " + percent(recorded_share) +
                        " of runs, but " + to_string(most_frequent) + " is more frequent (" +
                        percent(shares[static_cast<std::size_t>(most_frequent)]) + ")");
    }
  }
  auto add = [&](const std::vector<NamedCheck>& checks, const std::string& what) {
    for (const auto& check : checks) {
      if (!check.passed) {
        reasons.push_back(check.id + " " + what + " in " + percent(check.share) + " of runs, below " +
                          percent(named_share));
      }
    }
  };
  add(objectors, "objected");
  add(dissociators, "stood aside");
  add(contested_issues, "was contested");
  return reasons;
}

BacktestResult evaluate_backtest(const Scenario& scenario, const CellStatistics& statistics, const std::string& file) {
  BacktestResult result;
  result.file = file.empty() ? scenario.source_file : file;
  result.scenario_id = scenario.id;
  result.name = scenario.id;
  result.title = scenario.title;
  result.recorded = scenario.expected.outcome;
  result.replicates = statistics.replicates;
  result.outcome_share = scenario.expected.outcome_share;
  result.named_share = scenario.expected.named_share;
  std::int64_t best = -1;
  for (OutcomeKind kind : all_outcomes) {
    const auto index = static_cast<std::size_t>(kind);
    result.shares[index] = statistics.share(kind);
    if (statistics.outcome_counts[index] > best) {
      best = statistics.outcome_counts[index];
      result.most_frequent = kind;
    }
  }
  result.recorded_share = statistics.share(result.recorded);
  // "Most frequent" admits a tie: the recorded kind passes when no kind is strictly more frequent.
  result.outcome_passed =
      statistics.replicates > 0 &&
      (result.outcome_share ? at_least(result.recorded_share, *result.outcome_share)
                            : statistics.outcome_counts[static_cast<std::size_t>(result.recorded)] == best);
  // A tie for the most frequent kind is reported as the recorded one; a criterion on the share
  // can pass while another kind is more frequent, and the table and JSON then say so.
  if (statistics.outcome_counts[static_cast<std::size_t>(result.recorded)] == best) {
    result.most_frequent = result.recorded;
  }
  const auto find_delegation = [&](const std::string& id) { return scenario.find_delegation(id); };
  const auto find_issue = [&](const std::string& id) { return scenario.find_issue(id); };
  const double threshold = result.named_share;
  result.objectors =
      check_named(scenario.expected.objectors, statistics.objected, find_delegation, statistics.replicates, threshold);
  result.dissociators = check_named(scenario.expected.dissociators, statistics.stood_aside, find_delegation,
                                    statistics.replicates, threshold);
  result.contested_issues = check_named(scenario.expected.contested_issues, statistics.contested, find_issue,
                                        statistics.replicates, threshold);
  return result;
}

std::vector<std::string> find_scenario_files(const std::string& directory) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  auto options = fs::directory_options::none;  // do not follow directory links either
  for (auto it = fs::recursive_directory_iterator(directory, options); it != fs::recursive_directory_iterator(); ++it) {
    const auto& entry = *it;
    if (entry.is_directory() && (entry.path().filename() == "stances" || entry.path().filename() == "parameters")) {
      it.disable_recursion_pending();
      continue;
    }
    if (entry.is_symlink() || !entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string backtest_table(const std::vector<BacktestResult>& results) {
  struct Row {
    std::vector<std::string> cells;
  };
  std::vector<Row> rows;
  rows.push_back({{"scenario", "recorded", "simulated", "objectors", "dissociators", "contested", "result"}});
  for (const auto& result : results) {
    std::string simulated = to_string(result.recorded) + " " + percent(result.recorded_share);
    if (result.most_frequent != result.recorded) {
      simulated += " (mostly " + to_string(result.most_frequent) + " " +
                   percent(result.shares[static_cast<std::size_t>(result.most_frequent)]) + ")";
    }
    rows.push_back(
        {{result.name, to_string(result.recorded), simulated, named_cell(result.objectors),
          named_cell(result.dissociators), named_cell(result.contested_issues), result.passed() ? "pass" : "FAIL"}});
  }
  std::vector<std::size_t> widths(rows.front().cells.size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.cells.size(); ++c) widths[c] = std::max(widths[c], row.cells[c].size());
  }
  std::ostringstream out;
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.cells.size(); ++c) {
      out << row.cells[c];
      if (c + 1 < row.cells.size()) out << std::string(widths[c] - row.cells[c].size() + 2, ' ');
    }
    out << "\n";
  }
  std::size_t passed = 0;
  for (const auto& result : results) {
    if (result.passed()) {
      ++passed;
      continue;
    }
    out << "\n" << result.name << " (" << result.file << "):\n";
    for (const auto& reason : result.failures()) out << "  " << reason << "\n";
  }
  out << "\n" << passed << " of " << results.size() << " scenarios pass";
  if (!results.empty()) out << " (" << results.front().replicates << " replicates each)";
  out << "\n";
  return out.str();
}

nlohmann::ordered_json backtest_json(const std::vector<BacktestResult>& results) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  bool every_row_passed = true;
  for (const auto& result : results) {
    nlohmann::ordered_json shares;
    for (OutcomeKind kind : all_outcomes) {
      shares[to_string(kind)] = std::round(result.shares[static_cast<std::size_t>(kind)] * 1e6) / 1e6;
    }
    nlohmann::ordered_json criterion;
    criterion["outcome_share"] =
        result.outcome_share ? nlohmann::ordered_json(*result.outcome_share) : nlohmann::ordered_json("most_frequent");
    criterion["named_share"] = result.named_share;
    every_row_passed = every_row_passed && result.passed();
    rows.push_back({{"file", result.file},
                    {"scenario", result.scenario_id},
                    {"title", result.title},
                    {"replicates", result.replicates},
                    {"recorded", to_string(result.recorded)},
                    {"recorded_share", std::round(result.recorded_share * 1e6) / 1e6},
                    {"most_frequent", to_string(result.most_frequent)},
                    {"outcome_shares", shares},
                    {"criterion", criterion},
                    {"outcome_passed", result.outcome_passed},
                    {"objectors", named_json(result.objectors)},
                    {"dissociators", named_json(result.dissociators)},
                    {"contested_issues", named_json(result.contested_issues)},
                    {"passed", result.passed()},
                    {"failures", result.failures()}});
  }
  return {{"passed", every_row_passed}, {"scenarios", rows}};
}

}  // namespace negsim
