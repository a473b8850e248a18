#include "negsim/grid.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>

#include "negsim/errors.hpp"
#include "negsim/format.hpp"
#include "negsim/trace.hpp"

namespace negsim {

using json = nlohmann::ordered_json;

namespace {

constexpr std::size_t max_axis_values = 10000;

bool parse_double(const std::string& text, double& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(value);
}

// A CSV field: quoted when it holds a comma, quote or newline.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

VaryAxis parse_vary(const std::string& expression) {
  auto fail = [&](const std::string& message) -> void { throw InputError("--vary " + expression, 0, 0, "", message); };
  const std::size_t equals = expression.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == expression.size()) {
    fail("expected key.path=v1,v2,... or key.path=low:high:steps, e.g. process.rule=unanimity,consensus");
  }
  VaryAxis axis;
  axis.key_path = expression.substr(0, equals);
  const std::string values = expression.substr(equals + 1);
  if (values.find(':') != std::string::npos && values.find(',') == std::string::npos) {
    std::vector<std::string> parts;
    std::stringstream stream(values);
    std::string part;
    while (std::getline(stream, part, ':')) parts.push_back(part);
    double low = 0;
    double high = 0;
    double steps = 0;
    if (parts.size() != 3 || !parse_double(parts[0], low) || !parse_double(parts[1], high) ||
        !parse_double(parts[2], steps)) {
      fail("a range is low:high:steps with numbers, e.g. 0.2:0.8:4");
    }
    if (steps < 2 || steps != std::floor(steps) || steps > static_cast<double>(max_axis_values)) {
      fail("steps must be a whole number from 2 to " + std::to_string(max_axis_values));
    }
    const int count = static_cast<int>(steps);
    for (int j = 0; j < count; ++j) {
      axis.values.push_back(format_number(low + (high - low) * j / (count - 1)));
    }
  } else {
    std::stringstream stream(values);
    std::string value;
    while (std::getline(stream, value, ',')) {
      if (value.empty()) fail("an empty value in the list");
      axis.values.push_back(value);
    }
    if (axis.values.size() > max_axis_values) fail("more than " + std::to_string(max_axis_values) + " values");
  }
  return axis;
}

std::string canonical_key_path(const Scenario& scenario, const std::string& path) {
  // Segments as the loader reads them: names between dots, and [N] indexes.
  std::vector<std::pair<bool, std::string>> segments;  // is an index, text
  std::string name;
  auto flush = [&] {
    if (!name.empty()) segments.emplace_back(false, name);
    name.clear();
  };
  for (std::size_t c = 0; c < path.size(); ++c) {
    if (path[c] == '.') {
      flush();
    } else if (path[c] == '[') {
      flush();
      const std::size_t close = path.find(']', c);
      if (close == std::string::npos) return path;  // the loader reports it
      segments.emplace_back(true, path.substr(c + 1, close - c - 1));
      c = close;
    } else {
      name += path[c];
    }
  }
  flush();
  auto id_at = [&scenario](const std::string& list, std::size_t index) -> std::string {
    if (list == "delegations" && index < scenario.delegations.size()) return scenario.delegations[index].id;
    if (list == "blocs" && index < scenario.blocs.size()) return scenario.blocs[index].id;
    if (list == "issues" && index < scenario.issues.size()) return scenario.issues[index].id;
    return "";
  };
  std::string canonical;
  for (const auto& [is_index, text] : segments) {
    std::string id;
    const bool digits = !text.empty() && text.size() < 10 && text.find_first_not_of("0123456789") == std::string::npos;
    if (is_index && digits) id = id_at(canonical, std::stoul(text));
    if (is_index && id.empty()) {
      canonical += "[" + text + "]";
    } else {
      canonical += (canonical.empty() ? "" : ".") + (is_index ? id : text);
    }
  }
  return canonical;
}

bool key_paths_overlap(const Scenario& scenario, const std::string& first, const std::string& second) {
  const std::string one = canonical_key_path(scenario, first);
  const std::string other = canonical_key_path(scenario, second);
  const std::string& shorter = one.size() <= other.size() ? one : other;
  const std::string& longer = one.size() <= other.size() ? other : one;
  return longer.compare(0, shorter.size(), shorter) == 0 &&
         (longer.size() == shorter.size() || longer[shorter.size()] == '.' || longer[shorter.size()] == '[');
}

std::vector<std::string> GridCell::overrides() const {
  std::vector<std::string> list;
  for (const auto& [key, value] : settings) list.push_back(key + "=" + value);
  return list;
}

std::vector<GridCell> expand_grid(const std::vector<VaryAxis>& axes) {
  std::size_t total = 1;
  for (const auto& axis : axes) total *= axis.values.size();
  std::vector<GridCell> cells(total);
  for (std::size_t c = 0; c < total; ++c) {
    cells[c].index = static_cast<int>(c);
    std::size_t rest = c;
    std::vector<std::pair<std::string, std::string>> settings(axes.size());
    for (std::size_t a = axes.size(); a-- > 0;) {
      settings[a] = {axes[a].key_path, axes[a].values[rest % axes[a].values.size()]};
      rest /= axes[a].values.size();
    }
    cells[c].settings = settings;
  }
  return cells;
}

std::string cells_csv(const Scenario& scenario, const SweepDescription& description,
                      const std::vector<SweepCellResult>& cells) {
  std::ostringstream out;
  out << "cell";
  for (const auto& axis : description.axes) out << ',' << csv_field(axis.key_path);
  out << ",replicates";
  for (OutcomeKind kind : all_outcome_kinds) {
    const std::string name = to_string(kind);
    out << ',' << name << ',' << name << "_low," << name << "_high";
  }
  out << ",rounds_mean,rounds_p50,rounds_p90,decided_round_mean,decided_round_p50";
  for (const auto& delegation : scenario.delegations) out << ",objected_" << delegation.id;
  for (const auto& delegation : scenario.delegations) out << ",stood_aside_" << delegation.id;
  for (const auto& delegation : scenario.delegations) out << ",sole_blocker_" << delegation.id;
  for (const auto& issue : scenario.issues) out << ",contested_" << issue.id;
  for (const auto& bloc : scenario.blocs) out << ",utility_" << bloc.id;
  out << ",utility_all\n";
  for (const auto& result : cells) {
    const CellStatistics& statistics = result.statistics;
    const double replicates = static_cast<double>(std::max<std::int64_t>(1, statistics.replicates));
    out << result.cell.index;
    for (const auto& setting : result.cell.settings) out << ',' << csv_field(setting.second);
    out << ',' << statistics.replicates;
    for (OutcomeKind kind : all_outcome_kinds) {
      const auto count = statistics.outcome_counts[static_cast<std::size_t>(kind)];
      const Interval interval = wilson_interval(count, statistics.replicates);
      out << ',' << format_number(statistics.share(kind)) << ',' << format_number(interval.low) << ','
          << format_number(interval.high);
    }
    double rounds_sum = 0;
    for (std::size_t r = 0; r < statistics.rounds_histogram.size(); ++r) {
      rounds_sum += static_cast<double>(statistics.rounds_histogram[r]) * static_cast<double>(r);
    }
    out << ',' << format_number(rounds_sum / replicates) << ',' << statistics.rounds_quantile(0.5) << ','
        << statistics.rounds_quantile(0.9) << ',' << format_number(statistics.mean_decided_round()) << ',';
    const int decided_median = statistics.decided_quantile(0.5);
    if (decided_median >= 0) out << decided_median;
    for (auto count : statistics.objected) out << ',' << format_number(static_cast<double>(count) / replicates);
    for (auto count : statistics.stood_aside) out << ',' << format_number(static_cast<double>(count) / replicates);
    for (auto count : statistics.sole_blocker) out << ',' << format_number(static_cast<double>(count) / replicates);
    for (auto count : statistics.contested) out << ',' << format_number(static_cast<double>(count) / replicates);
    for (std::size_t b = 0; b < scenario.blocs.size(); ++b)
      out << ',' << format_number(statistics.mean_utility_of_bloc(b));
    out << ',' << format_number(statistics.mean_utility()) << '\n';
  }
  return out.str();
}

json sweep_summary_json(const Scenario& scenario, const SweepDescription& description,
                        const std::vector<SweepCellResult>& cells) {
  json vary = json::array();
  for (const auto& axis : description.axes) vary.push_back({{"key", axis.key_path}, {"values", axis.values}});
  json cell_list = json::array();
  for (const auto& result : cells) {
    const CellStatistics& statistics = result.statistics;
    const double replicates = static_cast<double>(std::max<std::int64_t>(1, statistics.replicates));
    json settings = json::object();
    for (const auto& [key, value] : result.cell.settings) settings[key] = value;
    json outcomes = json::object();
    for (OutcomeKind kind : all_outcome_kinds) {
      const auto count = statistics.outcome_counts[static_cast<std::size_t>(kind)];
      const Interval interval = wilson_interval(count, statistics.replicates);
      outcomes[to_string(kind)] = {{"count", count},
                                   {"share", round6(statistics.share(kind))},
                                   {"low", round6(interval.low)},
                                   {"high", round6(interval.high)}};
    }
    auto per_delegation = [&](const std::vector<std::int64_t>& counts) {
      json shares = json::object();
      for (std::size_t i = 0; i < counts.size(); ++i) {
        shares[scenario.delegations[i].id] = round6(static_cast<double>(counts[i]) / replicates);
      }
      return shares;
    };
    json contested = json::object();
    for (std::size_t k = 0; k < statistics.contested.size(); ++k) {
      contested[scenario.issues[k].id] = round6(static_cast<double>(statistics.contested[k]) / replicates);
    }
    json utility = json::object();
    for (std::size_t b = 0; b < scenario.blocs.size(); ++b)
      utility[scenario.blocs[b].id] = round6(statistics.mean_utility_of_bloc(b));
    utility["all"] = round6(statistics.mean_utility());
    double rounds_sum = 0;
    for (std::size_t r = 0; r < statistics.rounds_histogram.size(); ++r) {
      rounds_sum += static_cast<double>(statistics.rounds_histogram[r]) * static_cast<double>(r);
    }
    const double decided_mean = statistics.mean_decided_round();
    cell_list.push_back(
        {{"cell", result.cell.index},
         {"settings", settings},
         {"replicates", statistics.replicates},
         {"outcomes", outcomes},
         {"objection_share", per_delegation(statistics.objected)},
         {"aside_share", per_delegation(statistics.stood_aside)},
         {"sole_blocker_share", per_delegation(statistics.sole_blocker)},
         {"contested_share", contested},
         {"rounds",
          {{"mean", round6(rounds_sum / replicates)},
           {"p50", statistics.rounds_quantile(0.5)},
           {"p90", statistics.rounds_quantile(0.9)}}},
         {"decided_round",
          {{"mean", std::isnan(decided_mean) ? json(nullptr) : json(round6(decided_mean))},
           {"p50", statistics.decided_quantile(0.5) >= 0 ? json(statistics.decided_quantile(0.5)) : json(nullptr)}}},
         {"mean_utility", utility}});
  }
  return {{"kind", "sweep"},
          {"scenario", description.scenario_id},
          {"title", description.title},
          {"master_seed", description.master_seed},
          {"replicates", description.replicates},
          {"sampled_uncertainty", description.sampled},
          {"uncertain_numbers", scenario.uncertainties.size()},
          {"vary", vary},
          {"cells", cell_list}};
}

std::string sweep_table(const Scenario& scenario, const SweepDescription& description,
                        const std::vector<SweepCellResult>& cells) {
  std::ostringstream out;
  const std::vector<std::pair<OutcomeKind, const char*>> columns = {
      {OutcomeKind::consensus, "consensus"},
      {OutcomeKind::consensus_with_dissociations, "w/ dissoc."},
      {OutcomeKind::adopted_over_objections, "over obj."},
      {OutcomeKind::chairs_summary, "chair summ."},
      {OutcomeKind::vote, "vote"},
      {OutcomeKind::taken_note, "taken note"},
      {OutcomeKind::no_consensus, "no consensus"}};
  std::size_t setting_width = 8;
  for (const auto& result : cells) {
    std::string text;
    for (const auto& [key, value] : result.cell.settings) text += (text.empty() ? "" : " ") + key + "=" + value;
    setting_width = std::max(setting_width, text.size());
  }
  out << std::left << std::setw(5) << "cell" << std::setw(static_cast<int>(setting_width) + 2) << "settings";
  for (const auto& column : columns) out << std::right << std::setw(13) << column.second;
  out << "  rounds p50  most frequent objectors\n";
  for (const auto& result : cells) {
    const CellStatistics& statistics = result.statistics;
    std::string text;
    for (const auto& [key, value] : result.cell.settings) text += (text.empty() ? "" : " ") + key + "=" + value;
    if (text.empty()) text = "(as in the file)";
    out << std::left << std::setw(5) << result.cell.index << std::setw(static_cast<int>(setting_width) + 2) << text;
    for (const auto& column : columns) {
      out << std::right << std::setw(13) << format_percent(statistics.share(column.first), 1);
    }
    out << std::right << std::setw(12) << statistics.rounds_quantile(0.5) << "  ";
    std::vector<std::size_t> order(statistics.objected.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return statistics.objected[a] > statistics.objected[b]; });
    int listed = 0;
    for (std::size_t i : order) {
      if (listed == 4 || statistics.objected[i] == 0) break;
      out << (listed ? ", " : "") << scenario.delegations[i].id << " "
          << std::lround(100.0 * static_cast<double>(statistics.objected[i]) /
                         static_cast<double>(statistics.replicates))
          << "%";
      ++listed;
    }
    if (listed == 0) out << "none";
    out << "\n";
  }
  out << "\n"
      << description.replicates << " replicates per cell, master seed " << description.master_seed
      << (description.sampled && !scenario.uncertainties.empty()
              ? ", drawing " + std::to_string(scenario.uncertainties.size()) + " uncertain numbers"
              : ", no declared uncertainty drawn")
      << (scenario.process.noise > 0 ? ", perception noise on" : "") << ".\n";
  return out.str();
}

}  // namespace negsim
