#include "negsim/tournament.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "negsim/distributed.hpp"
#include "negsim/errors.hpp"
#include "negsim/format.hpp"
#include "negsim/policy.hpp"
#include "negsim/random.hpp"
#include "negsim/report.hpp"
#include "negsim/sweep_run.hpp"

namespace negsim {

using json = nlohmann::ordered_json;

double seat_outcome_utility(const Scenario& scenario, const Outcome& outcome, int seat) {
  if (!is_adopted(outcome.kind)) return scenario.delegations[static_cast<std::size_t>(seat)].outside_option;
  double loss = 0;
  for (int issue = 0; issue < scenario.issue_count(); ++issue) {
    loss += scenario.salience(seat, issue) *
            issue_loss(outcome.draft(issue), scenario.positions(seat, issue), scenario.process.utility);
  }
  return 1.0 - loss;
}

Scenario seat_strategy(const Scenario& scenario, int seat, const std::string& strategy) {
  Scenario result = scenario;
  if (strategy == default_strategy) return result;
  if (!is_delegation_policy(strategy)) {
    std::string known;
    for (const auto& name : delegation_policy_names()) known += (known.empty() ? "" : ", ") + name;
    throw UsageError("no strategy is registered as '" + strategy.substr(0, 64) + "' (known: default, " + known +
                     "; a plugin's need --plugin FILE)");
  }
  AgentParameters& agent = result.delegations[static_cast<std::size_t>(seat)].agent;
  agent.policy.clear();
  bool builtin = false;
  for (AgentModel model : {AgentModel::sincere, AgentModel::concession, AgentModel::reciprocal,
                           AgentModel::bloc_follower, AgentModel::spoiler}) {
    if (to_string(model) == strategy) {
      agent.model = model;
      builtin = true;
    }
  }
  if (!builtin) agent.policy = strategy;
  return result;
}

namespace {

struct Cell {
  std::size_t strategy = 0;
  std::size_t scenario = 0;
  int seat = 0;
};

// One replicate's record for one cell.
struct Record {
  double utility = 0;
  bool adopted = false;
  bool objected = false;
  bool blocked = false;
};

// A record as the two integers that travel between MPI ranks: the utility's bits, exactly, and
// the three flags.
constexpr std::size_t record_width = 2;

void record_to_integers(const Record& record, std::int64_t* values) {
  std::memcpy(&values[0], &record.utility, sizeof(double));
  values[1] = (record.adopted ? 1 : 0) | (record.objected ? 2 : 0) | (record.blocked ? 4 : 0);
}

Record record_from_integers(const std::int64_t* values) {
  Record record;
  std::memcpy(&record.utility, &values[0], sizeof(double));
  record.adopted = (values[1] & 1) != 0;
  record.objected = (values[1] & 2) != 0;
  record.blocked = (values[1] & 4) != 0;
  return record;
}

// The bootstrap's own stream, apart from the replicates' seeds.
constexpr std::uint64_t bootstrap_stream = 0x7a11e5b007c0ffeeULL;

// The q-quantile of sorted `values` by nearest rank.
double nearest_rank(const std::vector<double>& values, double q) {
  const auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(q * static_cast<double>(values.size()))));
  return values[std::min(values.size(), rank) - 1];
}

// A row's counts, mean, and intervals from its records (in replicate order).
void fill_row(TournamentRow& row, const std::vector<const Record*>& records, std::uint64_t seed, std::uint64_t key) {
  std::vector<double> utilities;
  utilities.reserve(records.size());
  row.runs = static_cast<std::int64_t>(records.size());
  double sum = 0;
  for (const Record* record : records) {
    row.agreements += record->adopted ? 1 : 0;
    row.objected += record->objected ? 1 : 0;
    row.blocked += record->blocked ? 1 : 0;
    sum += record->utility;
    utilities.push_back(record->utility);
  }
  row.mean_utility = records.empty() ? 0.0 : sum / static_cast<double>(records.size());
  row.utility_interval = bootstrap_mean_interval(utilities, seed, key);
  row.agreement_interval = wilson_interval(row.agreements, row.runs);
  row.objected_interval = wilson_interval(row.objected, row.runs);
  row.blocked_interval = wilson_interval(row.blocked, row.runs);
}

}  // namespace

Interval bootstrap_mean_interval(const std::vector<double>& values, std::uint64_t seed, std::uint64_t key,
                                 int resamples) {
  const std::size_t n = values.size();
  if (n == 0) return {0, 0};
  double sum = 0;
  for (double value : values) sum += value;
  const double mean = sum / static_cast<double>(n);
  const bool constant = std::all_of(values.begin(), values.end(), [&](double value) { return value == values[0]; });
  if (n < 2 || constant || resamples < 1) return {mean, mean};
  Random random(derive_seed(seed ^ bootstrap_stream, key));
  std::vector<double> means(static_cast<std::size_t>(resamples));
  for (double& resampled : means) {
    double total = 0;
    for (std::size_t i = 0; i < n; ++i) total += values[random.next() % n];
    resampled = total / static_cast<double>(n);
  }
  std::sort(means.begin(), means.end());
  return {nearest_rank(means, 0.025), nearest_rank(means, 0.975)};
}

TournamentResult run_tournament(const std::vector<Scenario>& scenarios, const TournamentOptions& options) {
  if (options.strategies.empty()) throw UsageError("a tournament needs at least one strategy");
  std::vector<Cell> cells;
  SweepJob job;
  job.master_seed = options.master_seed;
  job.replicates = options.seeds;
  job.sample_uncertainty = options.sample_uncertainty;
  job.threads = options.threads;
  job.block = std::max<std::uint64_t>(1, options.block);
  for (std::size_t s = 0; s < options.strategies.size(); ++s) {
    for (std::size_t c = 0; c < scenarios.size(); ++c) {
      const Scenario& scenario = scenarios[c];
      std::vector<int> seats;
      if (options.seats.empty()) {
        for (int i = 0; i < scenario.delegation_count(); ++i) seats.push_back(i);
      } else {
        for (const auto& id : options.seats) {
          const int seat = scenario.find_delegation(id);
          if (seat < 0) throw UsageError("--seat " + id + ": no delegation '" + id + "' in " + scenario.source_file);
          seats.push_back(seat);
        }
      }
      for (int seat : seats) {
        cells.push_back({s, c, seat});
        job.cells.push_back(seat_strategy(scenario, seat, options.strategies[s]));
      }
    }
  }
  const std::size_t replicates = static_cast<std::size_t>(options.seeds);
  std::vector<Record> records(cells.size() * replicates);
  SweepHooks hooks;
  hooks.progress = options.progress;
  hooks.stop = options.stop;
  hooks.record_width = record_width;
  // Computed wherever the replicate runs (any rank), read on rank 0 into the replicate's own
  // slot: no lock, and the table reads them in replicate order.
  hooks.record = [&](std::size_t cell, const Scenario& played, const Outcome& outcome, std::int64_t* values) {
    const int seat = cells[cell].seat;
    Record record;
    record.adopted = is_adopted(outcome.kind);
    record.utility = seat_outcome_utility(played, outcome, seat);
    record.objected = outcome.responses[static_cast<std::size_t>(seat)] == Response::object;
    record.blocked = std::find(outcome.pivotal.begin(), outcome.pivotal.end(), seat) != outcome.pivotal.end();
    record_to_integers(record, values);
  };
  hooks.on_record = [&](std::size_t cell, std::uint64_t index, const std::int64_t* values) {
    records[cell * replicates + static_cast<std::size_t>(index)] = record_from_integers(values);
  };
  const std::vector<CellStatistics> statistics =
      options.group != nullptr ? run_sweep_on(*options.group, job, FinishedCells(), hooks, nullptr)
                               : run_sweep(job, FinishedCells(), hooks);
  TournamentResult result;
  result.complete = options.stop == nullptr || options.stop->load() == 0;
  if (!result.complete || (options.group != nullptr && options.group->rank() != 0)) return result;
  std::vector<std::vector<const Record*>> pooled(options.strategies.size());
  for (std::size_t c = 0; c < cells.size(); ++c) {
    const Scenario& scenario = scenarios[cells[c].scenario];
    TournamentRow row;
    row.strategy = options.strategies[cells[c].strategy];
    row.scenario = scenario.id;
    row.seat = scenario.delegations[static_cast<std::size_t>(cells[c].seat)].id;
    std::vector<const Record*> own;
    for (std::size_t r = 0; r < replicates; ++r) own.push_back(&records[c * replicates + r]);
    // Keyed by the names, so a row's interval does not depend on which other rows there are.
    fill_row(row, own, options.master_seed, hash_text(row.strategy + '\n' + row.scenario + '\n' + row.seat));
    if (row.runs != statistics[c].replicates) throw RunError("a tournament cell is missing replicates");
    pooled[cells[c].strategy].insert(pooled[cells[c].strategy].end(), own.begin(), own.end());
    result.rows.push_back(row);
  }
  for (std::size_t s = 0; s < options.strategies.size(); ++s) {
    TournamentRow row;
    row.strategy = options.strategies[s];
    fill_row(row, pooled[s], options.master_seed, hash_text(row.strategy));
    result.summary.push_back(row);
  }
  return result;
}

namespace {

json interval_json(const Interval& interval) {
  return json::array({interval.low, interval.high});
}

double share(std::int64_t count, std::int64_t runs) {
  return runs > 0 ? static_cast<double>(count) / static_cast<double>(runs) : 0.0;
}

}  // namespace

json tournament_json(const TournamentResult& result, const TournamentOptions& options) {
  auto row_json = [](const TournamentRow& row, bool place) {
    json value = {{"strategy", row.strategy}};
    if (place) {
      value["scenario"] = row.scenario;
      value["seat"] = row.seat;
    }
    value.update(json{{"runs", row.runs},
                      {"agreements", row.agreements},
                      {"agreement_rate", share(row.agreements, row.runs)},
                      {"agreement_interval", interval_json(row.agreement_interval)},
                      {"mean_utility", row.mean_utility},
                      {"utility_interval", interval_json(row.utility_interval)},
                      {"objected", row.objected},
                      {"objected_rate", share(row.objected, row.runs)},
                      {"objected_interval", interval_json(row.objected_interval)},
                      {"blocked", row.blocked},
                      {"blocked_rate", share(row.blocked, row.runs)},
                      {"blocked_interval", interval_json(row.blocked_interval)}});
    return value;
  };
  json summary = json::array();
  for (const auto& row : result.summary) summary.push_back(row_json(row, false));
  json rows = json::array();
  for (const auto& row : result.rows) rows.push_back(row_json(row, true));
  return {{"strategies", options.strategies},
          {"seats", options.seats.empty() ? json("all") : json(options.seats)},
          {"master_seed", options.master_seed},
          {"seeds", options.seeds},
          {"sampled", options.sample_uncertainty},
          {"intervals", tournament_intervals_text},
          {"summary", summary},
          {"rows", rows}};
}

std::string tournament_csv(const TournamentResult& result) {
  std::ostringstream out;
  out << "strategy,scenario,seat,runs,agreements,agreement_low,agreement_high,mean_utility,utility_low,utility_high,"
         "objected,objected_low,objected_high,blocked,blocked_low,blocked_high\n";
  auto number = [](double value) { return format_significant(value, 6); };
  for (const auto& row : result.rows) {
    out << row.strategy << ',' << row.scenario << ',' << row.seat << ',' << row.runs << ',' << row.agreements << ','
        << number(row.agreement_interval.low) << ',' << number(row.agreement_interval.high) << ','
        << number(row.mean_utility) << ',' << number(row.utility_interval.low) << ','
        << number(row.utility_interval.high) << ',' << row.objected << ',' << number(row.objected_interval.low) << ','
        << number(row.objected_interval.high) << ',' << row.blocked << ',' << number(row.blocked_interval.low) << ','
        << number(row.blocked_interval.high) << '\n';
  }
  return out.str();
}

namespace {

std::string rate_text(std::int64_t count, std::int64_t runs, const Interval& interval) {
  return format_percent(share(count, runs)) + " [" + format_percent(interval.low) + ", " +
         format_percent(interval.high) + "]";
}

std::string utility_text(double mean, const Interval& interval) {
  return format_decimal(mean, 3) + " [" + format_decimal(interval.low, 3) + ", " + format_decimal(interval.high, 3) +
         "]";
}

}  // namespace

std::string tournament_table(const TournamentResult& result) {
  std::vector<std::string> scenarios;
  std::size_t places = 0;
  for (const auto& row : result.rows) {
    if (std::find(scenarios.begin(), scenarios.end(), row.scenario) == scenarios.end()) {
      scenarios.push_back(row.scenario);
    }
    if (!result.rows.empty() && row.strategy == result.rows.front().strategy) ++places;
  }
  std::vector<std::vector<std::string>> summary;
  summary.push_back({"strategy", "runs", "agreement", "utility at outcome", "objected", "blocked alone"});
  for (const auto& row : result.summary) {
    summary.push_back(
        {row.strategy, std::to_string(row.runs), rate_text(row.agreements, row.runs, row.agreement_interval),
         utility_text(row.mean_utility, row.utility_interval), rate_text(row.objected, row.runs, row.objected_interval),
         rate_text(row.blocked, row.runs, row.blocked_interval)});
  }
  std::vector<std::vector<std::string>> lines;
  lines.push_back(
      {"strategy", "scenario", "seat", "runs", "agreement", "utility at outcome", "objected", "blocked alone"});
  for (const auto& row : result.rows) {
    lines.push_back({row.strategy, row.scenario, row.seat, std::to_string(row.runs),
                     rate_text(row.agreements, row.runs, row.agreement_interval),
                     utility_text(row.mean_utility, row.utility_interval),
                     rate_text(row.objected, row.runs, row.objected_interval),
                     rate_text(row.blocked, row.runs, row.blocked_interval)});
  }
  return "Per strategy, pooled over " + format_count(places, "seat") + " in " +
         format_count(scenarios.size(), "scenario") + ":\n" + aligned_columns(summary) + "\nPer scenario and seat:\n" +
         aligned_columns(lines);
}

namespace {

// A share and its interval as a small inline SVG: the bar to the share, a whisker over the
// interval, and the number written beside it.
std::string rate_bar(double value, double low, double high, const std::string& text) {
  auto x = [](double share) { return format_decimal(1 + 52 * std::clamp(share, 0.0, 1.0), 1); };
  std::ostringstream svg;
  svg << "<svg width=\"56\" height=\"14\" role=\"img\" aria-label=\"" << escape_html(text) << "\">"
      << "<rect x=\"1\" y=\"3\" width=\"52\" height=\"8\" fill=\"#eee\"/>"
      << "<rect x=\"1\" y=\"3\" width=\"" << format_decimal(52 * std::clamp(value, 0.0, 1.0), 1)
      << "\" height=\"8\" fill=\"#4c78a8\"/>"
      << "<line x1=\"" << x(low) << "\" x2=\"" << x(high) << "\" y1=\"7\" y2=\"7\" stroke=\"#222\"/>"
      << "<line x1=\"" << x(low) << "\" x2=\"" << x(low) << "\" y1=\"3\" y2=\"11\" stroke=\"#222\"/>"
      << "<line x1=\"" << x(high) << "\" x2=\"" << x(high) << "\" y1=\"3\" y2=\"11\" stroke=\"#222\"/></svg> "
      << escape_html(text);
  return svg.str();
}

Interval interval_of(const json& row, const char* key) {
  return {row.at(key).at(0).get<double>(), row.at(key).at(1).get<double>()};
}

// The four measured columns of a row (summary or detail), each a bar with its interval, in the
// terminal table's words.
std::string measured_cells(const json& row) {
  auto rate = [&](const char* count, const char* interval) {
    const std::int64_t runs = row.at("runs").get<std::int64_t>();
    const std::int64_t value = row.at(count).get<std::int64_t>();
    const Interval bounds = interval_of(row, interval);
    return "<td>" + rate_bar(share(value, runs), bounds.low, bounds.high, rate_text(value, runs, bounds)) + "</td>";
  };
  const double mean = row.at("mean_utility").get<double>();
  const Interval utility = interval_of(row, "utility_interval");
  return rate("agreements", "agreement_interval") + "<td>" +
         rate_bar(mean, utility.low, utility.high, utility_text(mean, utility)) + "</td>" +
         rate("objected", "objected_interval") + rate("blocked", "blocked_interval");
}

const char* const measured_headers =
    "<th class=\"number\">runs</th><th>agreement</th><th>utility at outcome</th><th>objected</th>"
    "<th>blocked alone</th>";
const char* const measured_columns =
    "<col class=\"runs\"><col class=\"rate\"><col class=\"utility\"><col class=\"rate\"><col class=\"rate\">";

// Appends `value` to `list` unless it is there; returns its position.
std::size_t position_in(std::vector<std::string>& list, const std::string& value) {
  const auto found = std::find(list.begin(), list.end(), value);
  if (found != list.end()) return static_cast<std::size_t>(found - list.begin());
  list.push_back(value);
  return list.size() - 1;
}

}  // namespace

std::string tournament_report_html(const std::string& directory) {
  const std::string path = directory + "/tournament.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, 0, "", "no tournament.json here");
  json data;
  try {
    data = json::parse(in);
  } catch (const json::exception& error) {
    throw InputError(path, 1, 1, "", std::string("not valid JSON: ") + error.what());
  }
  std::ostringstream page;
  try {
    // The rows regrouped: scenario (first seen), then seat, then strategy, so that the
    // strategies in one seat sit together.
    struct ScenarioRows {
      std::string id;
      std::vector<std::string> seats;
      std::vector<std::vector<const json*>> rows;  // per seat, in strategy order
    };
    std::vector<std::string> scenario_ids;
    std::vector<ScenarioRows> scenarios;
    std::size_t places = 0;
    const json& rows = data.at("rows");
    const std::string first_strategy = rows.empty() ? "" : rows.front().at("strategy").get<std::string>();
    for (const auto& row : rows) {
      const std::size_t at = position_in(scenario_ids, row.at("scenario").get<std::string>());
      if (at == scenarios.size()) scenarios.push_back({scenario_ids[at], {}, {}});
      ScenarioRows& scenario = scenarios[at];
      const std::size_t seat = position_in(scenario.seats, row.at("seat").get<std::string>());
      if (seat == scenario.rows.size()) scenario.rows.emplace_back();
      scenario.rows[seat].push_back(&row);
      if (row.at("strategy").get<std::string>() == first_strategy) ++places;
    }
    const std::size_t strategies = data.at("strategies").size();
    page << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>negsim tournament</title><style>"
            "body{font-family:sans-serif;font-size:13px;margin:1.5em;color:#222;max-width:1340px}"
            "table{border-collapse:collapse;margin:0.4em 0 0.8em}"
            "td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left;white-space:nowrap}"
            "td.number,th.number{text-align:right}th{background:#f4f4f4}svg{vertical-align:middle}"
            "td.seat{font-weight:bold;vertical-align:top;border-right:1px solid #ddd}"
            "details{margin:0.2em 0;border-top:1px solid #ddd;padding:0.3em 0}"
            "summary{cursor:pointer}summary .id{font-weight:bold}p{max-width:60em}"
            // Every table in the same fixed columns, so the scenarios line up; 1,250 px in all.
            "table.measured{table-layout:fixed;width:1250px}td{overflow:hidden;text-overflow:ellipsis}"
            "col.place{width:170px}col.strategy{width:120px}col.runs{width:60px}col.rate{width:215px}"
            "col.utility{width:240px}</style></head><body>\n"
            "<h1>Tournament</h1>\n<p>"
         << format_count(strategies, "strategy", "strategies") << " × " << format_count(places, "seat") << " in "
         << format_count(scenarios.size(), "scenario") << " × "
         << format_count(data.at("seeds").get<std::uint64_t>(), "seed") << " each (master seed "
         << data.at("master_seed").get<std::uint64_t>()
         << "). Each strategy takes the seat while every other seat keeps its default agent. The utility at the "
            "outcome is the seat's utility of the adopted text by its stance as written, its outside option when "
            "nothing was adopted; “blocked alone”: its objection alone stopped adoption. "
         << escape_html(data.at("intervals").get<std::string>()) << ".</p>\n<h2>Per strategy</h2>\n<p>Each strategy "
         << "pooled over every scenario and seat it took; every run counts as one draw.</p>\n"
         << "<table class=\"measured\"><colgroup><col class=\"place\"><col class=\"strategy\">" << measured_columns
         << "</colgroup><tr><th colspan=\"2\">strategy</th>" << measured_headers << "</tr>\n";
    for (const auto& row : data.at("summary")) {
      page << "<tr><td colspan=\"2\">" << escape_html(row.at("strategy").get<std::string>())
           << "</td><td class=\"number\">" << row.at("runs").get<std::int64_t>() << "</td>" << measured_cells(row)
           << "</tr>\n";
    }
    // A short tournament shows every scenario open; a long one opens only those where the
    // strategies' agreement differs.
    const bool long_table = rows.size() > 60;
    page << "</table>\n<h2>Per scenario</h2>\n<p>Each scenario's seats, the strategies side by side"
         << (long_table && strategies > 1 ? "; open are the scenarios whose agreement differs between strategies" : "")
         << ".</p>\n";
    for (const auto& scenario : scenarios) {
      // The summary line: the scenario's agreement per strategy, pooled over its seats.
      std::vector<std::string> names;
      std::vector<std::int64_t> agreements;
      std::vector<std::int64_t> runs;
      for (const auto& seat : scenario.rows) {
        for (const json* row : seat) {
          const std::size_t at = position_in(names, row->at("strategy").get<std::string>());
          agreements.resize(names.size(), 0);
          runs.resize(names.size(), 0);
          agreements[at] += row->at("agreements").get<std::int64_t>();
          runs[at] += row->at("runs").get<std::int64_t>();
        }
      }
      std::string agreement;
      bool differs = false;
      for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string rate = format_percent(share(agreements[i], runs[i]));
        agreement += (i == 0 ? "" : ", ") + escape_html(names[i]) + " " + rate;
        differs = differs || agreements[i] * runs[0] != agreements[0] * runs[i];
      }
      page << "<details" << (!long_table || differs ? " open" : "") << "><summary><span class=\"id\">"
           << escape_html(scenario.id) << "</span> · " << format_count(scenario.seats.size(), "seat")
           << " · agreement: " << agreement
           << "</summary>\n<table class=\"measured\"><colgroup><col class=\"place\"><col class=\"strategy\">"
           << measured_columns << "</colgroup><tr><th>seat</th><th>strategy</th>" << measured_headers << "</tr>\n";
      for (std::size_t s = 0; s < scenario.seats.size(); ++s) {
        const auto& seat_rows = scenario.rows[s];
        for (std::size_t i = 0; i < seat_rows.size(); ++i) {
          const json& row = *seat_rows[i];
          page << "<tr>";
          if (i == 0) {
            page << "<td class=\"seat\" rowspan=\"" << seat_rows.size() << "\">" << escape_html(scenario.seats[s])
                 << "</td>";
          }
          page << "<td>" << escape_html(row.at("strategy").get<std::string>()) << "</td><td class=\"number\">"
               << row.at("runs").get<std::int64_t>() << "</td>" << measured_cells(row) << "</tr>\n";
        }
      }
      page << "</table></details>\n";
    }
  } catch (const json::exception& error) {
    throw InputError(path, 1, 1, "", std::string("not a tournament's summary: ") + error.what());
  }
  page << "</body></html>\n";
  return page.str();
}

}  // namespace negsim
