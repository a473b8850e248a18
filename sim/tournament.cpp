#include "negsim/tournament.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "negsim/errors.hpp"
#include "negsim/format.hpp"
#include "negsim/policy.hpp"
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

}  // namespace

TournamentResult run_tournament(const std::vector<Scenario>& scenarios, const TournamentOptions& options) {
  if (options.strategies.empty()) throw UsageError("a tournament needs at least one strategy");
  std::vector<Cell> cells;
  SweepJob job;
  job.master_seed = options.master_seed;
  job.replicates = options.seeds;
  job.sample_uncertainty = options.sample_uncertainty;
  job.threads = options.threads;
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
  // Each replicate writes its own slot: no lock, and the table reads them in replicate order.
  hooks.on_replicate = [&](std::size_t cell, std::uint64_t index, const Scenario& played, const Outcome& outcome) {
    const int seat = cells[cell].seat;
    Record& record = records[cell * replicates + static_cast<std::size_t>(index)];
    record.adopted = is_adopted(outcome.kind);
    record.utility = seat_outcome_utility(played, outcome, seat);
    record.objected = outcome.responses[static_cast<std::size_t>(seat)] == Response::object;
    record.blocked = std::find(outcome.pivotal.begin(), outcome.pivotal.end(), seat) != outcome.pivotal.end();
  };
  const std::vector<CellStatistics> statistics = run_sweep(job, FinishedCells(), hooks);
  TournamentResult result;
  result.complete = options.stop == nullptr || options.stop->load() == 0;
  if (!result.complete) return result;
  for (std::size_t c = 0; c < cells.size(); ++c) {
    const Scenario& scenario = scenarios[cells[c].scenario];
    TournamentRow row;
    row.strategy = options.strategies[cells[c].strategy];
    row.scenario = scenario.id;
    row.seat = scenario.delegations[static_cast<std::size_t>(cells[c].seat)].id;
    row.runs = statistics[c].replicates;
    double sum = 0;
    for (std::size_t r = 0; r < replicates; ++r) {
      const Record& record = records[c * replicates + r];
      row.agreements += record.adopted ? 1 : 0;
      row.objected += record.objected ? 1 : 0;
      row.blocked += record.blocked ? 1 : 0;
      sum += record.utility;
    }
    const double n = static_cast<double>(replicates);
    row.mean_utility = replicates > 0 ? sum / n : 0.0;
    double squares = 0;
    for (std::size_t r = 0; r < replicates; ++r) {
      const double gap = records[c * replicates + r].utility - row.mean_utility;
      squares += gap * gap;
    }
    const double deviation = replicates > 1 ? std::sqrt(squares / (n - 1)) : 0.0;
    const double half_width = replicates > 0 ? 1.959963984540054 * deviation / std::sqrt(n) : 0.0;
    row.utility_interval = {row.mean_utility - half_width, row.mean_utility + half_width};
    row.agreement_interval = wilson_interval(row.agreements, row.runs);
    row.objected_interval = wilson_interval(row.objected, row.runs);
    row.blocked_interval = wilson_interval(row.blocked, row.runs);
    result.rows.push_back(row);
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
  json rows = json::array();
  for (const auto& row : result.rows) {
    rows.push_back({{"strategy", row.strategy},
                    {"scenario", row.scenario},
                    {"seat", row.seat},
                    {"runs", row.runs},
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
  }
  return {{"strategies", options.strategies},
          {"seats", options.seats.empty() ? json("all") : json(options.seats)},
          {"master_seed", options.master_seed},
          {"seeds", options.seeds},
          {"sampled", options.sample_uncertainty},
          {"intervals", "95%: Wilson for rates, normal (mean +- 1.96 sd / sqrt(runs)) for the mean utility"},
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

std::string tournament_table(const TournamentResult& result) {
  auto rate = [](std::int64_t count, std::int64_t runs, const Interval& interval) {
    return format_percent(share(count, runs)) + " [" + format_percent(interval.low) + ", " +
           format_percent(interval.high) + "]";
  };
  std::vector<std::vector<std::string>> lines;
  lines.push_back({"strategy", "scenario", "seat", "runs", "agreement", "utility at outcome", "objected", "blocked"});
  for (const auto& row : result.rows) {
    lines.push_back({row.strategy, row.scenario, row.seat, std::to_string(row.runs),
                     rate(row.agreements, row.runs, row.agreement_interval),
                     format_decimal(row.mean_utility, 3) + " [" + format_decimal(row.utility_interval.low, 3) + ", " +
                         format_decimal(row.utility_interval.high, 3) + "]",
                     rate(row.objected, row.runs, row.objected_interval),
                     rate(row.blocked, row.runs, row.blocked_interval)});
  }
  std::vector<std::size_t> widths(lines.front().size(), 0);
  for (const auto& line : lines) {
    for (std::size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], line[i].size());
  }
  std::ostringstream out;
  for (const auto& line : lines) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      out << line[i];
      if (i + 1 < line.size()) out << std::string(widths[i] - line[i].size() + 2, ' ');
    }
    out << '\n';
  }
  return out.str();
}

namespace {

// A share and its interval as a small inline SVG: the bar to the share, a whisker over the
// interval, and the number written beside it.
std::string rate_bar(double value, double low, double high, const std::string& text) {
  auto x = [](double share) { return format_decimal(2 + 80 * std::clamp(share, 0.0, 1.0), 1); };
  std::ostringstream svg;
  svg << "<svg width=\"86\" height=\"16\" role=\"img\" aria-label=\"" << escape_html(text) << "\">"
      << "<rect x=\"2\" y=\"3\" width=\"80\" height=\"10\" fill=\"#eee\"/>"
      << "<rect x=\"2\" y=\"3\" width=\"" << format_decimal(80 * std::clamp(value, 0.0, 1.0), 1)
      << "\" height=\"10\" fill=\"#4c78a8\"/>"
      << "<line x1=\"" << x(low) << "\" x2=\"" << x(high) << "\" y1=\"8\" y2=\"8\" stroke=\"#222\"/>"
      << "<line x1=\"" << x(low) << "\" x2=\"" << x(low) << "\" y1=\"4\" y2=\"12\" stroke=\"#222\"/>"
      << "<line x1=\"" << x(high) << "\" x2=\"" << x(high) << "\" y1=\"4\" y2=\"12\" stroke=\"#222\"/></svg> "
      << escape_html(text);
  return svg.str();
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
    page << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>negsim tournament</title><style>"
            "body{font-family:sans-serif;font-size:14px;margin:2em;color:#222}table{border-collapse:collapse}"
            "td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left;white-space:nowrap}"
            "th{background:#f4f4f4}svg{vertical-align:middle}</style></head><body>\n<h1>Tournament</h1>\n<p>"
         << data.at("strategies").size() << " strategies, " << data.at("seeds").get<std::uint64_t>()
         << " seeds each (master seed " << data.at("master_seed").get<std::uint64_t>()
         << "). Each strategy takes the seat while every other seat keeps its default agent; "
            "95% intervals: Wilson for rates, normal for the mean utility. The utility at the outcome is the "
            "seat's utility of the adopted text by its stance as written, its outside option when nothing was "
            "adopted.</p>\n<table><tr><th>strategy</th><th>scenario</th><th>seat</th><th>runs</th>"
            "<th>agreement</th><th>utility at outcome</th><th>objected</th><th>blocked alone</th></tr>\n";
    for (const auto& row : data.at("rows")) {
      auto rate = [&](const char* share, const char* interval) {
        const double low = row.at(interval).at(0).get<double>();
        const double high = row.at(interval).at(1).get<double>();
        return rate_bar(row.at(share).get<double>(), low, high,
                        format_percent(row.at(share).get<double>()) + " [" + format_percent(low) + ", " +
                            format_percent(high) + "]");
      };
      const double mean = row.at("mean_utility").get<double>();
      const double low = row.at("utility_interval").at(0).get<double>();
      const double high = row.at("utility_interval").at(1).get<double>();
      page << "<tr><td>" << escape_html(row.at("strategy").get<std::string>()) << "</td><td>"
           << escape_html(row.at("scenario").get<std::string>()) << "</td><td>"
           << escape_html(row.at("seat").get<std::string>()) << "</td><td>" << row.at("runs").get<std::int64_t>()
           << "</td><td>" << rate("agreement_rate", "agreement_interval") << "</td><td>"
           << rate_bar(mean, low, high,
                       format_decimal(mean, 3) + " [" + format_decimal(low, 3) + ", " + format_decimal(high, 3) + "]")
           << "</td><td>" << rate("objected_rate", "objected_interval") << "</td><td>"
           << rate("blocked_rate", "blocked_interval") << "</td></tr>\n";
    }
  } catch (const json::exception& error) {
    throw InputError(path, 1, 1, "", std::string("not a tournament's summary: ") + error.what());
  }
  page << "</table>\n</body></html>\n";
  return page.str();
}

}  // namespace negsim
