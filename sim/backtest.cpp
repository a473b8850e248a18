#include "negsim/backtest.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "negsim/format.hpp"
#include "negsim/random.hpp"

namespace negsim {

namespace {

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
         format_percent(lowest) + ")";
}

nlohmann::ordered_json named_json(const std::vector<NamedCheck>& checks) {
  auto list = nlohmann::ordered_json::array();
  for (const auto& check : checks) {
    list.push_back({{"id", check.id}, {"share", std::round(check.share * 1e6) / 1e6}, {"passed", check.passed}});
  }
  return list;
}

// Collects, per delegation, the rounds in which it objected.
class ObjectionRounds : public TraceSink {
 public:
  explicit ObjectionRounds(int delegations) : rounds(static_cast<std::size_t>(delegations)) {}
  void on_responses(const State& state, const std::vector<std::vector<int>>& /*grievances*/) override {
    for (std::size_t i = 0; i < state.responses.size(); ++i) {
      if (state.responses[i] == Response::object) rounds[i].push_back(state.round);
    }
  }
  std::vector<std::vector<int>> rounds;
};

std::string level_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

namespace {

// Every record check of the scenario, named and classed, in the order record_check_results()
// answers them: one walk, so names and classes cannot fall out of step.
struct RecordCheck {
  std::string name;
  const char* check_class;
};

std::vector<RecordCheck> record_checks(const Scenario& scenario) {
  const Expected& expected = scenario.expected;
  std::vector<RecordCheck> checks;
  for (const auto& bound : expected.text) {
    std::string name = "text " + bound.issue;
    if (bound.at_least) name += " >= " + level_text(*bound.at_least);
    if (bound.at_most) name += std::string(bound.at_least ? " and" : "") + " <= " + level_text(*bound.at_most);
    checks.push_back({name, check_class::text});
  }
  if (expected.no_other_objectors) checks.push_back({"no other objector", check_class::objectors});
  if (expected.no_other_dissociators) checks.push_back({"no other dissociator", check_class::dissociators});
  for (const auto& id : expected.objected_earlier) {
    checks.push_back({id + " objected to an earlier draft", check_class::earlier});
  }
  if (expected.some_objectors) {
    std::string of;
    for (const auto& id : expected.some_objectors->of) of += (of.empty() ? "" : ", ") + id;
    checks.push_back({"at least " + std::to_string(expected.some_objectors->at_least) + " of " + of + " objected",
                      check_class::objectors});
  }
  for (const auto& id : expected.reservations) {
    checks.push_back({id + " joined with a reservation", check_class::reservations});
  }
  return checks;
}

}  // namespace

std::vector<std::string> record_check_names(const Scenario& scenario) {
  std::vector<std::string> names;
  for (auto& check : record_checks(scenario)) names.push_back(std::move(check.name));
  return names;
}

std::vector<bool> record_check_results(const Scenario& scenario, const Outcome& outcome,
                                       const std::vector<std::vector<int>>& objected_rounds) {
  const Expected& expected = scenario.expected;
  std::vector<bool> results;
  const bool adopted = is_adopted(outcome.kind) && !outcome.interrupted;
  for (const auto& bound : expected.text) {
    const int issue = scenario.find_issue(bound.issue);
    bool met = adopted && issue >= 0;
    if (met) {
      // The text says what the level it has reached says (as draft.md renders it); below every
      // level it says none of them.
      const TextLevel* reached = scenario.issues[static_cast<std::size_t>(issue)].reached_level(outcome.draft(issue));
      if (bound.at_least && (reached == nullptr || reached->value < *bound.at_least)) met = false;
      if (bound.at_most && reached != nullptr && reached->value > *bound.at_most) met = false;
    }
    results.push_back(met);
  }
  auto only_named = [&](const std::vector<ObjectionRecord>& records, const std::vector<std::string>& named) {
    return std::all_of(records.begin(), records.end(), [&](const ObjectionRecord& record) {
      const std::string& id = scenario.delegations[static_cast<std::size_t>(record.delegation)].id;
      return std::find(named.begin(), named.end(), id) != named.end();
    });
  };
  if (expected.no_other_objectors) results.push_back(only_named(outcome.objectors, expected.objectors));
  if (expected.no_other_dissociators) results.push_back(only_named(outcome.dissociators, expected.dissociators));
  const int final_round = outcome.rounds - 1;
  for (const auto& id : expected.objected_earlier) {
    const int index = scenario.find_delegation(id);
    bool met = false;
    if (index >= 0 && static_cast<std::size_t>(index) < objected_rounds.size()) {
      for (int round : objected_rounds[static_cast<std::size_t>(index)]) met = met || round < final_round;
    }
    results.push_back(met);
  }
  const auto id_of = [&](int index) -> const std::string& {
    return scenario.delegations[static_cast<std::size_t>(index)].id;
  };
  if (expected.some_objectors) {
    const auto& of = expected.some_objectors->of;
    const auto named = std::count_if(outcome.objectors.begin(), outcome.objectors.end(), [&](const ObjectionRecord& r) {
      return std::find(of.begin(), of.end(), id_of(r.delegation)) != of.end();
    });
    results.push_back(named >= expected.some_objectors->at_least);
  }
  for (const auto& id : expected.reservations) {
    results.push_back(adopted && std::any_of(outcome.reservations.begin(), outcome.reservations.end(),
                                             [&](const ObjectionRecord& r) { return id_of(r.delegation) == id; }));
  }
  return results;
}

bool compare_ballots(const Scenario& scenario, const Outcome& outcome, std::int64_t& matches,
                     std::int64_t (&simulated)[3]) {
  if (!outcome.vote || outcome.vote->ballots.empty()) return false;
  std::vector<int> ballot_of(static_cast<std::size_t>(scenario.delegation_count()), -1);
  for (const auto& [delegation, response] : outcome.vote->ballots) {
    // yes 0, no 1, abstain 2, as Expected::Ballot numbers them
    ballot_of[static_cast<std::size_t>(delegation)] = response == Response::support  ? 0
                                                      : response == Response::object ? 1
                                                                                     : 2;
  }
  for (const auto& [delegation, recorded] : scenario.expected.recorded_ballots) {
    if (recorded == Expected::Ballot::absent) continue;
    const int ballot = ballot_of[static_cast<std::size_t>(delegation)];
    if (ballot < 0) continue;
    ++simulated[ballot];
    if (ballot == static_cast<int>(recorded)) ++matches;
  }
  return true;
}

BacktestResult run_backtest(const Scenario& scenario, const ReplicateOptions& options, const std::string& file) {
  const std::size_t checks = record_check_names(scenario).size();
  std::vector<std::atomic<std::int64_t>> counts(checks);
  ReplicateOptions counted = options;
  const bool votes = !scenario.expected.recorded_ballots.empty();
  std::atomic<std::int64_t> vote_replicates{0};
  std::atomic<std::int64_t> vote_matches{0};
  std::atomic<std::int64_t> vote_totals[3] = {{0}, {0}, {0}};
  if (checks > 0 || votes) {
    const bool replay = !scenario.expected.objected_earlier.empty();
    const std::uint64_t master_seed = options.master_seed;
    counted.on_replicate = [&, replay, master_seed](std::uint64_t index, const Scenario& played,
                                                    const Outcome& outcome) {
      ObjectionRounds rounds(played.delegation_count());
      if (replay) {
        // The same replicate again, with a sink: the engine is deterministic given the seed.
        Engine engine(played, derive_seed(master_seed, index), &rounds);
        engine.run();
      }
      const auto results = record_check_results(played, outcome, rounds.rounds);
      for (std::size_t c = 0; c < results.size(); ++c) {
        if (results[c]) counts[c].fetch_add(1);
      }
      std::int64_t matches = 0;
      std::int64_t simulated[3] = {0, 0, 0};
      if (votes && compare_ballots(played, outcome, matches, simulated)) {
        vote_replicates.fetch_add(1);
        vote_matches.fetch_add(matches);
        for (int b = 0; b < 3; ++b) vote_totals[b].fetch_add(simulated[b]);
      }
      if (options.on_replicate) options.on_replicate(index, played, outcome);
    };
  }
  const CellStatistics statistics = run_replicates(scenario, counted);
  std::vector<std::int64_t> totals;
  for (const auto& count : counts) totals.push_back(count.load());
  BacktestResult result = evaluate_backtest(scenario, statistics, file, totals);
  result.uncertain_numbers = options.sample_uncertainty ? scenario.uncertainties.size() : 0;
  if (votes) {
    BacktestResult::Votes summary;
    std::int64_t states = 0;
    for (const auto& [delegation, recorded] : scenario.expected.recorded_ballots) {
      (void)delegation;
      if (recorded == Expected::Ballot::absent) continue;
      ++states;
      ++summary.recorded[static_cast<int>(recorded)];
    }
    summary.replicates_with_vote = vote_replicates.load();
    if (summary.replicates_with_vote > 0 && states > 0) {
      const auto runs = static_cast<double>(summary.replicates_with_vote);
      summary.agreement = static_cast<double>(vote_matches.load()) / (runs * static_cast<double>(states));
      for (int b = 0; b < 3; ++b) summary.simulated[b] = static_cast<double>(vote_totals[b].load()) / runs;
    }
    result.votes = summary;
  }
  return result;
}

namespace {
std::string prediction_or_record(const BacktestResult& result) {
  return result.predicted ? "predicted" : "recorded";
}
}  // namespace

bool BacktestResult::passed() const {
  return outcome_passed && all_passed(objectors) && all_passed(dissociators) && all_passed(contested_issues) &&
         all_passed(record_checks);
}

namespace {
// Every check of a row beside its outcome, in the table's order, with what it checks ("" for a
// record check, whose id says it).
template <typename Visit>
void visit_named_checks(const BacktestResult& result, Visit visit) {
  for (const auto& check : result.objectors) visit(check, "objected");
  for (const auto& check : result.dissociators) visit(check, "stood aside");
  for (const auto& check : result.contested_issues) visit(check, "was contested");
  for (const auto& check : result.record_checks) visit(check, "");
}
}  // namespace

std::vector<std::string> BacktestResult::failures() const {
  std::vector<std::string> reasons;
  if (!outcome_passed) {
    if (outcome_share) {
      reasons.push_back(prediction_or_record(*this) + " outcome " + to_string(recorded) + " in " +
                        format_percent(recorded_share) + " of runs, below the criterion " +
                        format_percent(*outcome_share));
    } else {
      reasons.push_back(prediction_or_record(*this) + " outcome " + to_string(recorded) + " in " +
                        format_percent(recorded_share) + " of runs, but " + to_string(most_frequent) +
                        " is more frequent (" + format_percent(shares[static_cast<std::size_t>(most_frequent)]) + ")");
    }
  }
  visit_named_checks(*this, [&](const NamedCheck& check, const char* what) {
    if (check.passed) return;
    const std::string subject = *what == '\0' ? check.id + ":" : check.id + " " + what;
    reasons.push_back(subject + " in " + format_percent(check.share) + " of runs, below " +
                      format_percent(named_share));
  });
  return reasons;
}

namespace {
// One check of a row as the criterion judges it: its name, its verdict, and whether the share
// lies within two standard errors of the criterion at the row's replicates.
struct JudgedCheck {
  std::string name;
  bool passed = false;
  bool unsettled = false;
};

// Whether a share estimated from `replicates` runs lies within two standard errors of the
// criterion, the error taken as if the true probability were the criterion itself.
bool near_criterion(double share, double criterion, std::int64_t replicates) {
  if (replicates <= 0) return false;
  const double error = std::sqrt(criterion * (1.0 - criterion) / static_cast<double>(replicates));
  return std::abs(share - criterion) < 2.0 * error;
}

std::vector<JudgedCheck> judged_checks(const BacktestResult& result) {
  std::vector<JudgedCheck> checks;
  const std::int64_t replicates = result.replicates;
  {
    JudgedCheck outcome{"outcome " + to_string(result.recorded), result.outcome_passed, false};
    if (result.outcome_share) {
      outcome.unsettled = near_criterion(result.recorded_share, *result.outcome_share, replicates);
    } else if (replicates > 0) {
      // The most frequent kind: the recorded share against the largest other one; the standard
      // error of their difference (multinomial) is sqrt((p + q - (p - q)^2) / N).
      double other = 0;
      for (OutcomeKind kind : all_outcome_kinds) {
        if (kind != result.recorded) other = std::max(other, result.shares[static_cast<std::size_t>(kind)]);
      }
      const double gap = result.recorded_share - other;
      const double error =
          std::sqrt(std::max(0.0, result.recorded_share + other - gap * gap) / static_cast<double>(replicates));
      outcome.unsettled = std::abs(gap) < 2.0 * error;
    }
    checks.push_back(outcome);
  }
  visit_named_checks(result, [&](const NamedCheck& check, const char* what) {
    checks.push_back({*what == '\0' ? check.id : check.id + " " + what, check.passed,
                      near_criterion(check.share, result.named_share, replicates)});
  });
  return checks;
}
}  // namespace

std::vector<std::string> BacktestResult::unsettled_checks() const {
  std::vector<std::string> names;
  for (const auto& check : judged_checks(*this)) {
    if (check.unsettled) names.push_back(check.name);
  }
  return names;
}

bool BacktestResult::verdict_settled() const {
  const auto checks = judged_checks(*this);
  if (passed()) {
    return std::none_of(checks.begin(), checks.end(), [](const JudgedCheck& check) { return check.unsettled; });
  }
  // A failed row turns only if every failed check turns.
  return std::any_of(checks.begin(), checks.end(),
                     [](const JudgedCheck& check) { return !check.passed && !check.unsettled; });
}

BacktestResult evaluate_backtest(const Scenario& scenario, const CellStatistics& statistics, const std::string& file,
                                 const std::vector<std::int64_t>& record_counts) {
  BacktestResult result;
  result.predicted = scenario.expected.predicted;
  result.file = file.empty() ? scenario.source_file : file;
  result.scenario_id = scenario.id;
  result.name = scenario.id;
  result.title = scenario.title;
  result.recorded = scenario.expected.outcome;
  result.provenance = scenario.provenance;
  result.replicates = statistics.replicates;
  result.outcome_share = scenario.expected.outcome_share;
  result.named_share = scenario.expected.named_share;
  std::int64_t best = -1;
  for (OutcomeKind kind : all_outcome_kinds) {
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
  // Checks whose counts were not collected (evaluate_backtest called without them) fail.
  const auto checks = record_checks(scenario);
  for (std::size_t c = 0; c < checks.size(); ++c) {
    NamedCheck check;
    check.id = checks[c].name;
    check.check_class = checks[c].check_class;
    if (c < record_counts.size() && statistics.replicates > 0) {
      check.share = static_cast<double>(record_counts[c]) / static_cast<double>(statistics.replicates);
    }
    check.passed = at_least(check.share, threshold);
    result.record_checks.push_back(check);
  }
  return result;
}

std::vector<std::string> find_scenario_files(const std::string& directory) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  auto options = fs::directory_options::none;  // do not follow directory links either
  for (auto it = fs::recursive_directory_iterator(directory, options); it != fs::recursive_directory_iterator(); ++it) {
    const auto& entry = *it;
    const auto name = entry.path().filename();
    if (entry.is_directory() && (name == "stances" || name == "catalogue" || name == "parameters")) {
      it.disable_recursion_pending();
      continue;
    }
    if (entry.is_symlink() || !entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

namespace {

// The table's "written" cell: how the case's file came to be, and its first run's result.
std::string written_cell(const Provenance& provenance) {
  if (!provenance.present) return "-";
  switch (provenance.written) {
    case Provenance::Written::before_first_run: {
      std::string cell = "before 1st run: ";
      if (!provenance.first_run) return cell + "this run";
      cell += provenance.first_run->passed ? "pass" : "fail";
      if (!provenance.changed_after_first_run.empty()) cell += ", changed";
      return cell;
    }
    case Provenance::Written::knowing_the_results: return "knowing results";
    case Provenance::Written::unclear: return "unclear";
  }
  return "-";
}

// One table (header, rows, reasons for failed rows) for the rows of one kind.
void write_table(std::ostringstream& out, const std::vector<const BacktestResult*>& results, bool predicted) {
  // The provenance column appears when a row declares one (what-ifs never do).
  const bool provenance = std::any_of(results.begin(), results.end(),
                                      [](const BacktestResult* result) { return result->provenance.present; });
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"scenario", predicted ? "predicted" : "recorded", "simulated", "objectors", "dissociators",
                  "contested", "record", "result"});
  if (provenance) rows.back().push_back("written");
  for (const auto* result : results) {
    std::string simulated = to_string(result->recorded) + " " + format_percent(result->recorded_share);
    if (result->most_frequent != result->recorded) {
      simulated += " (mostly " + to_string(result->most_frequent) + " " +
                   format_percent(result->shares[static_cast<std::size_t>(result->most_frequent)]) + ")";
    }
    rows.push_back({result->name, to_string(result->recorded), simulated, named_cell(result->objectors),
                    named_cell(result->dissociators), named_cell(result->contested_issues),
                    named_cell(result->record_checks), result->passed() ? "pass" : "FAIL"});
    if (provenance) rows.back().push_back(written_cell(result->provenance));
  }
  out << aligned_columns(rows);
  if (provenance) {
    out << "(written: before 1st run = committed from the record, then run; its result then; 'changed' = changed "
           "after it knowing a result, in sample since. knowing results = written or tuned with the model's "
           "results known: in sample.)\n";
  }
  // How robust each outcome is to the numbers the files declare uncertain: every replicate draws
  // them, so the share ending as recorded (or predicted) is the outcome's probability under them.
  bool robustness_header = false;
  for (const auto* result : results) {
    if (result->uncertain_numbers == 0) continue;
    if (!robustness_header) {
      out << "\nRobustness (each replicate draws the declared uncertain numbers):\n";
      robustness_header = true;
    }
    out << "  " << result->name << ": the " << prediction_or_record(*result) << " outcome ("
        << to_string(result->recorded) << ") in " << format_percent(result->recorded_share) << " of "
        << result->replicates << " replicates drawing " << result->uncertain_numbers << " uncertain number"
        << (result->uncertain_numbers == 1 ? "" : "s") << "\n";
  }
  for (const auto* result : results) {
    if (!result->votes) continue;
    const auto& votes = *result->votes;
    out << "\n" << result->name << ": state-level vote agreement ";
    if (votes.replicates_with_vote == 0) {
      out << "- (no replicate held the vote)\n";
      continue;
    }
    out << format_percent(votes.agreement) << " of states (over " << votes.replicates_with_vote
        << (votes.replicates_with_vote == 1 ? " replicate" : " replicates")
        << " with a vote); yes/no/abstain simulated " << format_decimal(votes.simulated[0], 1) << "/"
        << format_decimal(votes.simulated[1], 1) << "/" << format_decimal(votes.simulated[2], 1) << ", recorded "
        << votes.recorded[0] << "/" << votes.recorded[1] << "/" << votes.recorded[2] << "\n";
  }
  for (const auto* result : results) {
    if (result->passed()) continue;
    out << "\n" << result->name << " (" << result->file << "):\n";
    for (const auto& reason : result->failures()) out << "  " << reason << "\n";
  }
}

}  // namespace

ProvenanceSummary summarize_provenance(const std::vector<BacktestResult>& results) {
  ProvenanceSummary summary;
  for (const auto& result : results) {
    if (result.predicted) continue;
    const Provenance& provenance = result.provenance;
    if (!provenance.present) {
      ++summary.undeclared;
      continue;
    }
    switch (provenance.written) {
      case Provenance::Written::before_first_run:
        ++summary.before_first_run;
        if (!provenance.first_run) ++summary.awaiting_first_run;
        if (provenance.first_run && provenance.first_run->passed) ++summary.passed_at_first_run;
        if (result.passed()) {
          ++summary.pass_now;
          if (!provenance.changed_after_first_run.empty()) ++summary.pass_now_after_change;
        }
        break;
      case Provenance::Written::knowing_the_results: ++summary.knowing_the_results; break;
      case Provenance::Written::unclear: ++summary.unclear; break;
    }
  }
  return summary;
}

std::string provenance_line(const ProvenanceSummary& summary) {
  if (summary.before_first_run + summary.knowing_the_results + summary.unclear == 0) return "";
  std::ostringstream out;
  out << "Written before their first run: " << summary.before_first_run
      << (summary.before_first_run == 1 ? " case" : " cases") << "; " << summary.passed_at_first_run
      << " passed at their first run; " << summary.pass_now << " pass now, " << summary.pass_now_after_change
      << " of them only after a change made knowing a result (in sample)";
  if (summary.awaiting_first_run > 0) {
    out << "; " << summary.awaiting_first_run << (summary.awaiting_first_run == 1 ? " has" : " have")
        << " no first run recorded: this backtest is " << (summary.awaiting_first_run == 1 ? "its" : "their")
        << " first run (record the result in provenance.first_run)";
  }
  std::string others;
  if (summary.knowing_the_results > 0) {
    others += std::to_string(summary.knowing_the_results) + " written knowing the model's results";
  }
  if (summary.unclear > 0) {
    others += (others.empty() ? "" : ", ") + std::to_string(summary.unclear) + " of unclear provenance";
  }
  if (summary.undeclared > 0) {
    others += (others.empty() ? "" : ", ") + std::to_string(summary.undeclared) + " declaring none";
  }
  if (!others.empty()) out << ". Not counted: " << others;
  return out.str();
}

std::string backtest_table(const std::vector<BacktestResult>& results) {
  std::vector<const BacktestResult*> recorded;
  std::vector<const BacktestResult*> predicted;
  for (const auto& result : results) (result.predicted ? predicted : recorded).push_back(&result);
  const auto count_passed = [](const std::vector<const BacktestResult*>& rows) {
    return std::count_if(rows.begin(), rows.end(), [](const BacktestResult* row) { return row->passed(); });
  };
  std::ostringstream out;
  if (!recorded.empty()) {
    out << "Recorded outcomes (the historical record):\n";
    write_table(out, recorded, false);
  }
  if (!predicted.empty()) {
    out << (recorded.empty() ? "" : "\n")
        << "Model's predictions (what-ifs: checked against the model's own earlier prediction, not a record):\n";
    write_table(out, predicted, true);
  }
  out << "\n";
  if (!recorded.empty()) {
    out << count_passed(recorded) << " of " << recorded.size() << " recorded outcomes reproduced";
  }
  if (!predicted.empty()) {
    out << (recorded.empty() ? "" : "; ") << count_passed(predicted) << " of " << predicted.size()
        << " predictions unchanged, not counted as passes of the record";
  }
  if (!results.empty()) {
    // Rows played again to settle their verdict (negsim backtest's default) have more replicates.
    std::int64_t fewest = results.front().replicates;
    for (const auto& result : results) fewest = std::min(fewest, result.replicates);
    out << " (" << fewest << " replicates each";
    std::string more;
    for (const auto& result : results) {
      if (result.replicates > fewest) {
        more += (more.empty() ? "" : ", ") + result.name + " " + std::to_string(result.replicates);
      }
    }
    if (!more.empty()) out << "; played again, to settle their verdicts: " << more;
    out << ")";
  }
  out << "\n";
  // Whether the replicates settle each verdict: a share within two standard errors of its
  // criterion could fall on either side of it with more replicates.
  std::vector<std::string> unsettled;
  for (const auto& result : results) {
    if (!result.verdict_settled()) {
      unsettled.push_back(result.name + " (" + (result.passed() ? "pass" : "FAIL") + " at " +
                          std::to_string(result.replicates) + " replicates)");
    }
  }
  if (!unsettled.empty()) {
    out << "Not settled by the replicates played (a share the verdict turns on lies within two standard errors "
           "of its criterion; more replicates would settle it): ";
    for (std::size_t i = 0; i < unsettled.size(); ++i) out << (i == 0 ? "" : ", ") << unsettled[i];
    out << "\n";
  }
  const std::string line = provenance_line(summarize_provenance(results));
  if (!line.empty()) out << line << "\n";
  return out.str();
}

nlohmann::ordered_json provenance_json(const Provenance& provenance) {
  if (!provenance.present) return nullptr;
  nlohmann::ordered_json object{{"written", to_string(provenance.written)}};
  if (provenance.first_run) {
    object["first_run"] = {
        {"date", provenance.first_run->date},
        {"commit", provenance.first_run->commit.empty() ? nlohmann::ordered_json(nullptr)
                                                        : nlohmann::ordered_json(provenance.first_run->commit)},
        {"result", provenance.first_run->passed ? "pass" : "fail"}};
  } else {
    object["first_run"] = nullptr;
  }
  object["changed_after_first_run"] = provenance.changed_after_first_run.empty()
                                          ? nlohmann::ordered_json(nullptr)
                                          : nlohmann::ordered_json(provenance.changed_after_first_run);
  object["notes"] = provenance.notes;
  return object;
}

nlohmann::ordered_json provenance_summary_json(const ProvenanceSummary& summary) {
  return {{"written_before_first_run", summary.before_first_run},
          {"awaiting_first_run", summary.awaiting_first_run},
          {"passed_at_first_run", summary.passed_at_first_run},
          {"pass_now", summary.pass_now},
          {"pass_now_after_change", summary.pass_now_after_change},
          {"knowing_the_results", summary.knowing_the_results},
          {"unclear", summary.unclear},
          {"undeclared", summary.undeclared}};
}

nlohmann::ordered_json backtest_json(const std::vector<BacktestResult>& results) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  bool every_row_passed = true;
  int record_passed = 0;
  int record_total = 0;
  int predictions_held = 0;
  int predictions_total = 0;
  for (const auto& result : results) {
    nlohmann::ordered_json shares;
    for (OutcomeKind kind : all_outcome_kinds) {
      shares[to_string(kind)] = std::round(result.shares[static_cast<std::size_t>(kind)] * 1e6) / 1e6;
    }
    nlohmann::ordered_json criterion;
    criterion["outcome_share"] =
        result.outcome_share ? nlohmann::ordered_json(*result.outcome_share) : nlohmann::ordered_json("most_frequent");
    criterion["named_share"] = result.named_share;
    every_row_passed = every_row_passed && result.passed();
    (result.predicted ? predictions_total : record_total)++;
    if (result.passed()) (result.predicted ? predictions_held : record_passed)++;
    rows.push_back({{"file", result.file},
                    {"kind", result.predicted ? "prediction" : "record"},
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
                    {"record_checks", named_json(result.record_checks)},
                    {"passed", result.passed()},
                    {"failures", result.failures()},
                    {"verdict_settled", result.verdict_settled()},
                    {"unsettled_checks", result.unsettled_checks()}});
    rows.back()["uncertain_numbers"] = result.uncertain_numbers;
    rows.back()["provenance"] = provenance_json(result.provenance);
    if (result.votes) {
      const auto& votes = *result.votes;
      auto mean = [](double value) { return std::round(value * 1e3) / 1e3; };
      rows.back()["votes"] = {
          {"agreement", std::round(votes.agreement * 1e6) / 1e6},
          {"replicates_with_vote", votes.replicates_with_vote},
          {"simulated",
           {{"yes", mean(votes.simulated[0])},
            {"no", mean(votes.simulated[1])},
            {"abstain", mean(votes.simulated[2])}}},
          {"recorded", {{"yes", votes.recorded[0]}, {"no", votes.recorded[1]}, {"abstain", votes.recorded[2]}}}};
    }
  }
  // What-ifs are reported apart: "record" counts only the historical record.
  return {{"passed", every_row_passed},
          {"record", {{"passed", record_passed}, {"total", record_total}}},
          {"predictions", {{"held", predictions_held}, {"total", predictions_total}}},
          {"provenance", provenance_summary_json(summarize_provenance(results))},
          {"scenarios", rows}};
}

}  // namespace negsim
