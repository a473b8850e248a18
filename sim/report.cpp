#include "negsim/report.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "embedded_assets.hpp"
#include "negsim/errors.hpp"
#include "negsim/format.hpp"
#include "negsim/model.hpp"
#include "negsim/narrate.hpp"
#include "negsim/outputs.hpp"
#include "negsim/scenario.hpp"
#include "negsim/tournament.hpp"
#include "negsim/trace.hpp"

namespace negsim {

using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

std::string_view vega_bundle() {
  return embedded::text(embedded::vega_bundle, embedded::vega_bundle_size);
}

std::string inline_script(std::string_view script) {
  std::string out(script);
  for (std::size_t at = 0; (at = out.find("</", at)) != std::string::npos; at += 3) {
    std::string tail = out.substr(at + 2, 6);
    std::transform(tail.begin(), tail.end(), tail.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (tail == "script") out.replace(at, 2, "<\\/");
  }
  return out;
}

std::string vega_version() {
  return NEGSIM_VEGA_VERSION;
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string json_for_script_element(const json& data) {
  // Invalid UTF-8 in a scenario string becomes U+FFFD rather than an exception.
  const std::string text = data.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (std::size_t j = 0; j < text.size(); ++j) {
    const char c = text[j];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xE2' && j + 2 < text.size() && text[j + 1] == '\x80' &&
               (text[j + 2] == '\xA8' || text[j + 2] == '\xA9')) {
      out += text[j + 2] == '\xA8' ? "\\u2028" : "\\u2029";  // line separators: old JavaScript chokes
      j += 2;
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), 0, 0, "", "cannot read the file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

json read_json_file(const fs::path& path) {
  const std::string text = read_file(path);
  try {
    return json::parse(text);
  } catch (const json::parse_error& error) {
    int line = 1;
    int column = 1;
    for (std::size_t j = 0; j + 1 < error.byte && j < text.size(); ++j) {
      if (text[j] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw InputError(path.string(), line, column, "", std::string("not valid JSON: ") + error.what());
  }
}

// object[key] when it is a JSON object, else an empty object: a hand-edited trace must not crash.
json object_member(const json& object, const char* key) {
  if (!object.is_object()) return json::object();
  const auto found = object.find(key);
  return found != object.end() && found->is_object() ? *found : json::object();
}

std::string string_field(const json& object, const char* key, const std::string& fallback = "") {
  if (!object.is_object()) return fallback;
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : fallback;
}

double number_field(const json& object, const char* key, double fallback = 0) {
  if (!object.is_object()) return fallback;
  const auto found = object.find(key);
  return found != object.end() && found->is_number() ? found->get<double>() : fallback;
}

std::vector<std::string> string_list(const json& object, const char* key) {
  std::vector<std::string> list;
  if (!object.is_object()) return list;
  const auto found = object.find(key);
  if (found == object.end() || !found->is_array()) return list;
  for (const auto& item : *found) {
    if (item.is_string()) list.push_back(item.get<std::string>());
  }
  return list;
}

// An interval's bound: one decimal, and more when that would print a non-zero bound as 0.0%
// (no replicate objecting in 1,000 still leaves a 95% upper bound of 0.38%).
std::string interval_percent(double share) {
  std::string text = format_percent(share, 1);
  if (share > 0 && text == "0.0%") text = format_significant(100.0 * share, 2) + "%";
  return text;
}

// The kinds as the summaries spell them, in the order of all_outcome_kinds.
const std::vector<std::string>& outcome_kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> list;
    for (OutcomeKind kind : all_outcome_kinds) list.push_back(to_string(kind));
    return list;
  }();
  return kinds;
}

// ---------------------------------------------------------------------------------------------
// Finding the scenario again.

struct ScenarioSource {
  std::optional<Scenario> scenario;
  std::vector<std::string> notes;  // shown on the page: why names or positions are missing
};

std::optional<fs::path> find_scenario_file(const std::string& recorded, const fs::path& directory) {
  if (recorded.empty()) return std::nullopt;
  const fs::path path(recorded);
  std::error_code error;
  if (path.is_absolute() || fs::exists(path, error)) {
    if (fs::exists(path, error)) return path;
    return std::nullopt;
  }
  // A relative path was relative to where the run started: usually an ancestor of the results.
  for (fs::path ancestor = fs::absolute(directory, error); !ancestor.empty(); ancestor = ancestor.parent_path()) {
    if (fs::exists(ancestor / path, error)) return ancestor / path;
    if (ancestor == ancestor.parent_path()) break;
  }
  return std::nullopt;
}

ScenarioSource load_scenario_for(const fs::path& directory, const json& meta, const ReportOptions& options) {
  ScenarioSource source;
  const std::string recorded =
      options.scenario_file.empty() ? string_field(meta, "scenario_file") : options.scenario_file;
  const auto path = find_scenario_file(recorded, directory);
  if (!path) {
    if (!options.scenario_file.empty())
      throw InputError(options.scenario_file, 0, 0, "", "cannot find the scenario file");
    source.notes.push_back(
        recorded.empty()
            ? "meta.json names no scenario file, so delegations appear by id and positions are not shown."
            : "The scenario file " + recorded +
                  " was not found (pass --scenario), so delegations appear by id and positions are not shown.");
    return source;
  }
  std::vector<std::string> overrides;
  const json run_options = meta.is_object() && meta.contains("options") ? meta["options"] : json::object();
  overrides = string_list(run_options, "set");
  try {
    Scenario scenario = load_scenario_file(path->string(), overrides);
    const bool sampled = run_options.is_object() && run_options.value("sample", false);
    if (sampled && meta.contains("seed") && meta["seed"].is_number_unsigned()) {
      scenario = sample_scenario(scenario, meta["seed"].get<std::uint64_t>());
    }
    const std::string recorded_hash = string_field(meta, "scenario_sha256");
    if (!recorded_hash.empty() && sha256_file_hex(path->string()) != recorded_hash) {
      source.notes.push_back(
          "The scenario file " + path->string() +
          " has changed since this run; names, positions and red lines come from its current version.");
    }
    source.scenario = std::move(scenario);
  } catch (const InputError&) {
    if (!options.scenario_file.empty()) throw;
    // Not the error itself: meta.json may name any file (a results directory can come from
    // anyone), and an error may quote what it read. `negsim validate` shows the details.
    source.notes.push_back("The scenario file " + path->string() +
                           " could not be loaded again, so delegations appear by id and positions are not shown.");
  }
  return source;
}

// ---------------------------------------------------------------------------------------------
// A run.

struct RunRound {
  int round = 0;
  const json* draft = nullptr;
  std::vector<const json*> responses;
  std::vector<const json*> changes;
  const json* influence = nullptr;
  const json* passed_over = nullptr;  // objectors the chair did not try to meet (outvoted minorities)
};

struct RunFacts {
  std::vector<std::string> delegation_ids;  // in trace order
  std::vector<std::string> issue_ids;
  std::vector<RunRound> rounds;
  const json* start = nullptr;
  const json* end = nullptr;
};

RunFacts gather(const std::vector<json>& events, const fs::path& trace_path) {
  RunFacts facts;
  for (const auto& event : events) {
    const std::string kind = string_field(event, "event");
    if (kind == "start") {
      facts.start = &event;
    } else if (kind == "draft") {
      facts.rounds.emplace_back();
      facts.rounds.back().round = static_cast<int>(number_field(event, "round"));
      facts.rounds.back().draft = &event;
      if (facts.issue_ids.empty() && event.contains("draft") && event["draft"].is_object()) {
        for (auto item = event["draft"].begin(); item != event["draft"].end(); ++item)
          facts.issue_ids.push_back(item.key());
      }
    } else if (kind == "end") {
      facts.end = &event;
    } else if (!facts.rounds.empty()) {
      if (kind == "response") {
        facts.rounds.back().responses.push_back(&event);
        if (facts.rounds.size() == 1) facts.delegation_ids.push_back(string_field(event, "delegation"));
      } else if (kind == "repair" || kind == "amendment" || kind == "withdrawal") {
        facts.rounds.back().changes.push_back(&event);
      } else if (kind == "influence") {
        facts.rounds.back().influence = &event;
      } else if (kind == "passed_over") {
        facts.rounds.back().passed_over = &event;
      }
    }
  }
  if (facts.rounds.empty()) throw InputError(trace_path.string(), 0, 0, "", "the trace has no drafting round");
  return facts;
}

// Whether the scenario describes the run's delegations and issues (same ids, same order).
bool scenario_matches(const Scenario& scenario, const RunFacts& facts) {
  if (static_cast<std::size_t>(scenario.delegation_count()) != facts.delegation_ids.size()) return false;
  if (static_cast<std::size_t>(scenario.issue_count()) != facts.issue_ids.size()) return false;
  for (std::size_t j = 0; j < facts.delegation_ids.size(); ++j) {
    if (scenario.delegations[j].id != facts.delegation_ids[j]) return false;
  }
  for (std::size_t j = 0; j < facts.issue_ids.size(); ++j) {
    if (scenario.issues[j].id != facts.issue_ids[j]) return false;
  }
  return true;
}

// Support, aside and object power shares per round, from rounds.csv (no scenario needed).
std::map<int, std::array<double, 3>> read_power_shares(const fs::path& path) {
  std::map<int, std::array<double, 3>> shares;
  std::ifstream in(path);
  if (!in) return shares;
  std::string header;
  std::getline(in, header);
  std::vector<std::string> columns;
  std::stringstream header_stream(header);
  for (std::string column; std::getline(header_stream, column, ',');) columns.push_back(column);
  auto column_of = [&](const std::string& name) {
    const auto found = std::find(columns.begin(), columns.end(), name);
    return found == columns.end() ? -1 : static_cast<int>(found - columns.begin());
  };
  const int round_column = column_of("round");
  const int columns_wanted[3] = {column_of("support_power"), column_of("aside_power"), column_of("object_power")};
  if (round_column < 0 || columns_wanted[0] < 0 || columns_wanted[1] < 0 || columns_wanted[2] < 0) return shares;
  for (std::string row; std::getline(in, row);) {
    std::vector<std::string> cells;
    std::stringstream row_stream(row);
    for (std::string cell; std::getline(row_stream, cell, ',');) cells.push_back(cell);
    try {
      const int round = std::stoi(cells.at(static_cast<std::size_t>(round_column)));
      std::array<double, 3> values{};
      for (int j = 0; j < 3; ++j)
        values[static_cast<std::size_t>(j)] = std::stod(cells.at(static_cast<std::size_t>(columns_wanted[j])));
      shares[round] = values;
    } catch (const std::exception&) {
      return {};  // a damaged file: the chart by power is left out rather than wrong
    }
  }
  return shares;
}

struct Naming {
  std::map<std::string, std::string> delegation_names;
  std::map<std::string, std::string> issue_titles;
  std::string name(const std::string& id) const {
    const auto found = delegation_names.find(id);
    return found == delegation_names.end() || found->second.empty() ? id : found->second;
  }
  std::string title(const std::string& id) const {
    const auto found = issue_titles.find(id);
    return found == issue_titles.end() || found->second.empty() ? id : found->second;
  }
};

std::vector<std::string> names_of(const Naming& naming, const std::vector<std::string>& ids) {
  std::vector<std::string> names;
  names.reserve(ids.size());
  for (const auto& id : ids) names.push_back(naming.name(id));
  return names;
}

std::string run_outcome_sentence(const json& summary, const Naming& naming) {
  std::string kind = string_field(summary, "outcome");
  const int rounds = static_cast<int>(number_field(summary, "rounds"));
  const int max_rounds = static_cast<int>(number_field(summary, "max_rounds"));
  auto ids_in = [&](const char* key) {
    std::vector<std::string> ids;
    if (summary.contains(key) && summary[key].is_array()) {
      for (const auto& record : summary[key]) ids.push_back(string_field(record, "id"));
    }
    return ids;
  };
  const auto objectors = names_of(naming, ids_in("objectors"));
  const auto dissociators = names_of(naming, ids_in("dissociators"));
  std::vector<std::string> contested;
  for (const auto& id : string_list(summary, "contested_issues")) contested.push_back(naming.title(id));
  const std::string in_round = " in round " +
                               std::to_string(static_cast<int>(number_field(summary, "decided_round", rounds))) +
                               " of " + std::to_string(max_rounds);
  if (summary.value("interrupted", false)) {
    return interrupted_sentence(rounds);
  }
  if (kind == "taken_note") {
    std::string text = "The text was not adopted; after " + std::to_string(rounds) +
                       (rounds == 1 ? " round" : " rounds") + " the room took note of it";
    if (!objectors.empty()) text += ", " + join_names(objectors) + " still objecting";
    return text + ".";
  }
  if (kind == "no_consensus") {
    std::string text = "The deadline passed after " + std::to_string(rounds) + (rounds == 1 ? " round" : " rounds");
    if (!objectors.empty()) text += " with " + join_names(objectors) + " still objecting";
    if (!contested.empty()) text += ", to the paragraphs on " + join_names(contested);
    return text + ".";
  }
  // Those who stood aside when the chair gavelled and joined rather than dissociate (the
  // responses chart shows them aside in the last round).
  std::vector<std::string> joined;
  if (summary.contains("joined_at_gavel") && summary["joined_at_gavel"].is_array()) {
    for (const auto& id : summary["joined_at_gavel"]) {
      if (id.is_string()) joined.push_back(id.get<std::string>());
    }
  }
  joined = names_of(naming, joined);
  const std::string joined_text =
      joined.empty() ? "" : "; " + join_names(joined) + " stood aside, then joined rather than dissociate";
  if (kind == "consensus") {
    return joined.empty() ? "Every delegation supported the text" + in_round + "."
                          : "Nobody objected" + in_round + joined_text + ".";
  }
  if (kind == "consensus_with_dissociations") {
    return "Nobody objected" + in_round + "; " + join_names(dissociators) + " stood aside (dissociated)" + joined_text +
           ".";
  }
  if (kind == "adopted_over_objections" && summary.contains("overruled_by_ruling")) {
    return "The presidency ruled that consensus is not unanimity: the text passed" + in_round +
           " over the objection of " + join_names(objectors) + ".";
  }
  if (kind == "adopted_over_objections") {
    return "The " + string_field(summary, "rule") + " rule let the text pass" + in_round + " over the objection of " +
           join_names(objectors) + ".";
  }
  if (kind == "chairs_summary") {
    std::vector<std::string> moved;
    for (const auto& id : string_list(summary, "moved_to_chairs_summary")) moved.push_back(naming.title(id));
    return "Adopted" + in_round + " once " + join_names(moved) + " moved to a chair's summary.";
  }
  if (kind == "vote") {
    const json vote = summary.contains("vote") ? summary["vote"] : json::object();
    const std::string body = vote.is_object() ? vote.value("body", std::string()) : std::string();
    return "Consensus failed; the text was adopted by vote" + (body.empty() ? "" : " in " + the_body(body)) + in_round +
           " (" + std::to_string(static_cast<int>(number_field(vote, "yes"))) + " yes, " +
           std::to_string(static_cast<int>(number_field(vote, "no"))) + " no, " +
           std::to_string(static_cast<int>(number_field(vote, "abstain"))) + " abstaining).";
  }
  return kind;
}

json provenance_of(const json& meta, const json& summary, const std::string& directory) {
  json provenance = json::object();
  provenance["results_directory"] = directory;
  provenance["scenario"] = string_field(summary, "scenario");
  provenance["scenario_file"] = string_field(meta, "scenario_file");
  provenance["scenario_sha256"] = string_field(meta, "scenario_sha256");
  provenance["seed"] =
      meta.contains("seed") ? meta["seed"] : (summary.contains("seed") ? summary["seed"] : json(nullptr));
  if (meta.contains("master_seed")) provenance["seed"] = meta["master_seed"];
  if (summary.contains("master_seed")) provenance["seed"] = summary["master_seed"];
  provenance["negsim_version"] = string_field(meta, "negsim_version");
  provenance["git_commit"] = string_field(meta, "git_commit");
  provenance["started_utc"] = string_field(meta, "started_utc");
  const json options = meta.contains("options") ? meta["options"] : json::object();
  provenance["set"] = string_list(options, "set");
  if (meta.contains("play") && meta["play"].is_object()) provenance["player"] = string_field(meta["play"], "as");
  provenance["report_by"] = "negsim " + negsim_version() + " (" + negsim_git_commit() + "), Vega " + vega_version();
  return provenance;
}

// A report stays small and quick to open at any size (193 delegations x 40 paragraphs x 100
// rounds: under 5 MB, drawn in a few seconds): what cannot be drawn readably is sampled or
// aggregated, and the page says so. The run directory keeps every value.
constexpr std::size_t utility_row_budget = 2000;      // points on the utility chart
constexpr std::size_t position_row_budget = 4000;     // points over all position panels
constexpr std::size_t delegations_drawn_singly = 30;  // more lines than this: bloc averages
constexpr std::size_t position_panels = 12;           // more paragraphs than this: the contested ones first

// Which of `count` rounds to draw when each brings `rows_per_round` rows: all when they fit
// `budget`, else evenly spaced ones, always the first and the last.
std::vector<bool> rounds_to_draw(std::size_t count, std::size_t rows_per_round, std::size_t budget) {
  std::vector<bool> keep(count, true);
  if (count <= 2 || rows_per_round == 0 || count * rows_per_round <= budget) return keep;
  const std::size_t kept = std::max<std::size_t>(2, budget / rows_per_round);
  std::fill(keep.begin(), keep.end(), false);
  for (std::size_t j = 0; j < kept; ++j) {
    keep[static_cast<std::size_t>(
        std::llround(static_cast<double>(j) * static_cast<double>(count - 1) / static_cast<double>(kept - 1)))] = true;
  }
  return keep;
}

std::size_t count_of(const std::vector<bool>& flags) {
  return static_cast<std::size_t>(std::count(flags.begin(), flags.end(), true));
}

// A `negsim room` session: each team's answer per round beside what the model would have answered
// in its place (meta.json's room.decisions).
json room_debrief(const json& meta, const Naming& naming) {
  if (!meta["room"].is_object()) return nullptr;
  const json decisions = object_member(meta["room"], "decisions");
  json rows = json::array();
  for (const auto& [id, rounds] : decisions.items()) {
    if (!rounds.is_array()) continue;
    for (const auto& row : rounds) {
      if (!row.is_object()) continue;
      rows.push_back({{"delegation", naming.name(id)},
                      {"round", row.value("round", 0)},
                      {"response", string_field(row, "response")},
                      {"by", string_field(row, "by")},
                      {"model_answer", string_field(row, "model_answer")}});
    }
  }
  return rows;
}

json run_report_data(const fs::path& directory, const json& summary, const json& meta, const ReportOptions& options) {
  const fs::path trace_path = directory / "trace.jsonl";
  const std::vector<json> events = read_trace_file(trace_path.string());
  const RunFacts facts = gather(events, trace_path);
  ScenarioSource source = load_scenario_for(directory, meta, options);
  if (source.scenario && !scenario_matches(*source.scenario, facts)) {
    source.notes.emplace_back(
        "The scenario file no longer lists the delegations and issues of this run, so it is not used.");
    source.scenario.reset();
  }
  const Scenario* scenario = source.scenario ? &*source.scenario : nullptr;

  Naming naming;
  for (const char* key : {"objectors", "dissociators"}) {
    if (!summary.contains(key) || !summary[key].is_array()) continue;
    for (const auto& record : summary[key])
      naming.delegation_names[string_field(record, "id")] = string_field(record, "name");
  }
  if (summary.contains("final_draft") && summary["final_draft"].is_array()) {
    for (const auto& paragraph : summary["final_draft"]) {
      naming.issue_titles[string_field(paragraph, "issue")] = string_field(paragraph, "title");
    }
  }
  if (scenario != nullptr) {
    for (const auto& delegation : scenario->delegations) naming.delegation_names[delegation.id] = delegation.name;
    for (const auto& issue : scenario->issues) naming.issue_titles[issue.id] = issue.title;
  }

  json data = json::object();
  data["kind"] = "run";
  data["title"] = string_field(summary, "title", facts.start ? string_field(*facts.start, "title") : "");
  data["scenario"] = string_field(summary, "scenario");
  const std::string kind = string_field(summary, "outcome");
  data["outcome"] = {{"kind", kind},
                     {"label", summary.value("interrupted", false) ? "Interrupted" : outcome_label(kind)},
                     {"sentence", run_outcome_sentence(summary, naming)},
                     {"rounds", summary.value("rounds", 0)},
                     {"max_rounds", summary.value("max_rounds", 0)},
                     {"rule", string_field(summary, "rule")}};
  const std::string chair = facts.start != nullptr ? string_field(*facts.start, "chair") : "";
  data["chair"] = chair.empty() ? json(nullptr) : json(name_without_chair_mark(naming.name(chair)));
  // The title of a historical scenario tells the record; say so when this run ended otherwise
  // (why is not known here: a change to the scenario, a class's answers, a seed) or was stopped.
  const bool interrupted = summary.value("interrupted", false);
  if (summary.contains("expected") && summary["expected"].is_object() &&
      (interrupted || !summary["expected"].value("outcome_matches", true))) {
    data["record_note"] = record_note(string_field(summary["expected"], "outcome"), kind, interrupted);
  }
  data["notes"] = source.notes;

  // Who is who.
  json blocs = json::array();
  std::map<std::string, std::string> bloc_of;
  if (scenario != nullptr) {
    for (const auto& bloc : scenario->blocs)
      blocs.push_back({{"id", bloc.id}, {"name", bloc.name.empty() ? bloc.id : bloc.name}});
    for (const auto& delegation : scenario->delegations) {
      bloc_of[delegation.id] =
          delegation.bloc >= 0 ? scenario->blocs[static_cast<std::size_t>(delegation.bloc)].id : "";
    }
  }
  bool anyone_without_bloc = false;
  json delegations = json::array();
  for (std::size_t j = 0; j < facts.delegation_ids.size(); ++j) {
    const std::string& id = facts.delegation_ids[j];
    const std::string bloc = bloc_of[id];
    anyone_without_bloc = anyone_without_bloc || bloc.empty();
    delegations.push_back(
        {{"id", id},
         {"name", naming.name(id)},
         {"bloc", bloc.empty() ? "(none)" : bloc},
         {"power", scenario != nullptr ? json(round6(scenario->power(static_cast<Eigen::Index>(j)))) : json(nullptr)}});
  }
  if (anyone_without_bloc)
    blocs.push_back(
        {{"id", "(none)"}, {"name", scenario != nullptr && !scenario->blocs.empty() ? "No bloc" : "Delegations"}});
  data["blocs"] = blocs;
  data["delegations"] = delegations;
  json issues = json::array();
  for (const auto& id : facts.issue_ids) {
    std::string short_title = naming.title(id);
    const auto parenthesis = short_title.find(" (");
    if (parenthesis != std::string::npos && parenthesis > 0) short_title.resize(parenthesis);
    issues.push_back({{"id", id}, {"title", naming.title(id)}, {"short", short_title}});
  }
  data["issues"] = issues;

  // Round by round: the text as tabled, the responses, the changes after the poll.
  const auto power_shares = read_power_shares(directory / "rounds.csv");
  json rounds = json::array();
  json share_rows = json::array();
  json utility_rows = json::array();
  const char* const response_names[3] = {"support", "aside", "object"};
  const std::size_t delegation_count = facts.delegation_ids.size();
  const bool large = delegation_count > delegations_drawn_singly;
  const std::vector<bool> utility_rounds = rounds_to_draw(facts.rounds.size(), delegation_count, utility_row_budget);
  for (std::size_t r = 0; r < facts.rounds.size(); ++r) {
    const auto& round = facts.rounds[r];
    json responses = {{"support", json::array()}, {"aside", json::array()}, {"object", json::array()}};
    int counts[3] = {0, 0, 0};
    for (const json* response : round.responses) {
      const std::string id = string_field(*response, "delegation");
      const std::string answer = string_field(*response, "response");
      for (int slot = 0; slot < 3; ++slot) {
        if (answer == response_names[slot]) ++counts[slot];
      }
      if (responses.contains(answer)) responses[answer].push_back(naming.name(id));
      if (!utility_rounds[r]) continue;
      utility_rows.push_back({{"round", round.round},
                              {"delegation", id},
                              {"name", naming.name(id)},
                              {"bloc", bloc_of[id].empty() ? "(none)" : bloc_of[id]},
                              {"response", answer},
                              {"utility", number_field(*response, "utility")},
                              {"support", number_field(*response, "support_threshold")},
                              {"blocking", number_field(*response, "blocking_threshold")},
                              {"red_lines", string_list(*response, "red_lines_crossed")},
                              // the trace's reason in every tooltip makes a large page heavy
                              {"reason", large ? std::string() : string_field(*response, "reason")}});
    }
    const auto shares = power_shares.find(round.round);
    for (int slot = 0; slot < 3; ++slot) {
      share_rows.push_back(
          {{"round", round.round},
           {"response", response_names[slot]},
           {"order", slot},
           {"count", counts[slot]},
           {"power",
            shares != power_shares.end() ? json(shares->second[static_cast<std::size_t>(slot)]) : json(nullptr)}});
    }
    json changes = json::array();
    for (const json* change : round.changes) {
      changes.push_back({{"kind", string_field(*change, "event")},
                         {"delegation", naming.name(string_field(*change, "delegation"))},
                         {"issue", string_field(*change, "issue")},
                         {"from", number_field(*change, "from")},
                         {"to", number_field(*change, "to")},
                         {"accepted", change->value("accepted", false)},
                         {"new_objectors", names_of(naming, string_list(*change, "new_objectors"))}});
    }
    json passed_over = nullptr;
    if (round.passed_over != nullptr) {
      passed_over = {{"delegations", names_of(naming, string_list(*round.passed_over, "delegations"))},
                     {"reason", string_field(*round.passed_over, "reason")}};
    }
    rounds.push_back({{"round", round.round},
                      {"draft", object_member(*round.draft, "draft")},
                      {"text", object_member(*round.draft, "text")},
                      {"responses", responses},
                      {"support_power", shares != power_shares.end() ? json(shares->second[0]) : json(nullptr)},
                      {"changes", changes},
                      {"passed_over", passed_over}});
  }
  data["rounds"] = rounds;
  data["shares"] = share_rows;
  data["has_power"] = !power_shares.empty();
  data["utility"] = utility_rows;

  // Positions round by round (the scenario's, moved by each influence event) and the distance
  // of each delegation from the final text.
  json position_rows = json::array();
  json draft_rows = json::array();
  json distance_rows = json::array();
  for (const auto& round : facts.rounds) {
    for (const auto& issue : facts.issue_ids) {
      draft_rows.push_back({{"round", round.round},
                            {"issue", issue},
                            {"value", number_field(object_member(*round.draft, "draft"), issue.c_str())}});
    }
  }
  std::map<std::string, double> final_draft;
  json final_paragraphs = summary.contains("final_draft") ? summary["final_draft"] : json::array();
  for (const auto& paragraph : final_paragraphs)
    final_draft[string_field(paragraph, "issue")] = number_field(paragraph, "value");
  std::vector<bool> position_rounds(facts.rounds.size(), true);
  std::vector<bool> issue_drawn(facts.issue_ids.size(), true);
  if (facts.issue_ids.size() > position_panels) {
    std::fill(issue_drawn.begin(), issue_drawn.end(), false);
    std::size_t drawn = 0;
    for (const bool contested_pass : {true, false}) {
      for (std::size_t issue = 0; issue < facts.issue_ids.size() && drawn < position_panels; ++issue) {
        bool contested = false;
        for (const auto& paragraph : final_paragraphs) {
          contested = contested || (string_field(paragraph, "issue") == facts.issue_ids[issue] &&
                                    paragraph.value("contested", false));
        }
        if (!issue_drawn[issue] && contested == contested_pass) {
          issue_drawn[issue] = true;
          ++drawn;
        }
      }
    }
  }
  json position_issues = json::array();
  for (std::size_t issue = 0; issue < facts.issue_ids.size(); ++issue) {
    if (issue_drawn[issue]) position_issues.push_back(facts.issue_ids[issue]);
  }
  if (scenario != nullptr) {
    Eigen::MatrixXd positions = scenario->positions;
    const auto n = static_cast<Eigen::Index>(facts.delegation_ids.size());
    const auto k = static_cast<Eigen::Index>(facts.issue_ids.size());
    // Many delegations: one line a bloc (its members' average), not an unreadable bundle.
    std::vector<std::string> groups;
    for (const auto& id : facts.delegation_ids) {
      const std::string group = bloc_of[id].empty() ? "(none)" : bloc_of[id];
      if (std::find(groups.begin(), groups.end(), group) == groups.end()) groups.push_back(group);
    }
    const std::size_t lines = large ? groups.size() : delegation_count;
    position_rounds = rounds_to_draw(facts.rounds.size(), lines * position_issues.size(), position_row_budget);
    for (std::size_t r = 0; r < facts.rounds.size(); ++r) {
      const auto& round = facts.rounds[r];
      if (position_rounds[r] && !large) {
        for (Eigen::Index i = 0; i < n; ++i) {
          const std::string& id = facts.delegation_ids[static_cast<std::size_t>(i)];
          for (Eigen::Index issue = 0; issue < k; ++issue) {
            if (!issue_drawn[static_cast<std::size_t>(issue)]) continue;
            position_rows.push_back({{"round", round.round},
                                     {"delegation", id},
                                     {"name", naming.name(id)},
                                     {"bloc", bloc_of[id].empty() ? "(none)" : bloc_of[id]},
                                     {"issue", facts.issue_ids[static_cast<std::size_t>(issue)]},
                                     {"position", round6(positions(i, issue))}});
          }
        }
      } else if (position_rounds[r]) {
        for (const auto& group : groups) {
          std::string group_name = group == "(none)" ? std::string("No bloc") : group;
          for (const auto& bloc : scenario->blocs) {
            if (bloc.id == group && !bloc.name.empty()) group_name = bloc.name;
          }
          for (Eigen::Index issue = 0; issue < k; ++issue) {
            if (!issue_drawn[static_cast<std::size_t>(issue)]) continue;
            double sum = 0;
            int members = 0;
            for (Eigen::Index i = 0; i < n; ++i) {
              const std::string& id = facts.delegation_ids[static_cast<std::size_t>(i)];
              if ((bloc_of[id].empty() ? std::string("(none)") : bloc_of[id]) != group) continue;
              sum += positions(i, issue);
              ++members;
            }
            position_rows.push_back({{"round", round.round},
                                     {"delegation", "bloc:" + group},
                                     {"name", group_name + " (average of " + std::to_string(members) + ")"},
                                     {"bloc", group},
                                     {"issue", facts.issue_ids[static_cast<std::size_t>(issue)]},
                                     {"position", round6(members > 0 ? sum / members : 0.0)}});
          }
        }
      }
      if (&round == &facts.rounds.back() || round.influence == nullptr) continue;
      const auto moves = round.influence->find("moves");
      if (moves == round.influence->end() || !moves->is_array()) continue;
      for (const auto& move : *moves) {
        const int i = scenario->find_delegation(string_field(move, "delegation"));
        const int issue = scenario->find_issue(string_field(move, "issue"));
        if (i >= 0 && issue >= 0) positions(i, issue) = number_field(move, "to");
      }
    }
    // Many delegations: the final objectors one by one and everyone else as bloc averages.
    std::set<std::string> objectors;
    if (summary.contains("objectors") && summary["objectors"].is_array()) {
      for (const auto& record : summary["objectors"]) objectors.insert(string_field(record, "id"));
    }
    if (large) {
      for (const auto& group : groups) {
        std::string group_name = group == "(none)" ? std::string("No bloc") : group;
        for (const auto& bloc : scenario->blocs) {
          if (bloc.id == group && !bloc.name.empty()) group_name = bloc.name;
        }
        for (Eigen::Index issue = 0; issue < k; ++issue) {
          const std::string& issue_id = facts.issue_ids[static_cast<std::size_t>(issue)];
          const double value = final_draft.count(issue_id) ? final_draft[issue_id] : 0.0;
          double distance = 0;
          double position = 0;
          double salience = 0;
          bool crossed = false;
          int members = 0;
          for (Eigen::Index i = 0; i < n; ++i) {
            const std::string& id = facts.delegation_ids[static_cast<std::size_t>(i)];
            if ((bloc_of[id].empty() ? std::string("(none)") : bloc_of[id]) != group || objectors.count(id) > 0)
              continue;
            distance += std::abs(value - positions(i, issue));
            position += positions(i, issue);
            salience += scenario->salience(i, issue);
            crossed = crossed || crosses_red_line(*scenario, static_cast<int>(i), static_cast<int>(issue), value);
            ++members;
          }
          if (members == 0) continue;
          distance_rows.push_back({{"delegation", "bloc:" + group},
                                   {"name", group_name + " (average of " + std::to_string(members) + ")"},
                                   {"issue", issue_id},
                                   {"distance", round6(distance / members)},
                                   {"position", round6(position / members)},
                                   {"final", round6(value)},
                                   {"salience", round6(salience / members)},
                                   {"crossed", crossed}});
        }
      }
    }
    for (Eigen::Index i = 0; i < n; ++i) {
      const std::string& id = facts.delegation_ids[static_cast<std::size_t>(i)];
      if (large && objectors.count(id) == 0) continue;
      for (Eigen::Index issue = 0; issue < k; ++issue) {
        const std::string& issue_id = facts.issue_ids[static_cast<std::size_t>(issue)];
        const double value = final_draft.count(issue_id) ? final_draft[issue_id] : 0.0;
        distance_rows.push_back(
            {{"delegation", id},  // its name comes from "delegations" (193 x 40 rows add up)
             {"issue", issue_id},
             {"distance", round6(std::abs(value - positions(i, issue)))},
             {"position", round6(positions(i, issue))},
             {"final", round6(value)},
             {"salience", round6(scenario->salience(i, issue))},
             {"crossed", crosses_red_line(*scenario, static_cast<int>(i), static_cast<int>(issue), value)}});
      }
    }
  }
  data["positions"] = position_rows;
  data["positions_are_bloc_averages"] = large;
  data["position_issues"] = position_issues;
  {
    std::vector<std::string> thinned;
    if (count_of(utility_rounds) < facts.rounds.size()) {
      thinned.push_back("the utility chart shows " + std::to_string(count_of(utility_rounds)) + " of the " +
                        std::to_string(facts.rounds.size()) + " rounds");
    }
    if (large) {
      thinned.push_back(
          "the position panels show each bloc's average position, and the distance chart the final objectors one by "
          "one and everyone else as bloc averages");
    }
    if (position_issues.size() < facts.issue_ids.size()) {
      thinned.push_back("position panels are drawn for " + std::to_string(position_issues.size()) + " of the " +
                        std::to_string(facts.issue_ids.size()) + " paragraphs, the contested ones first");
    }
    if (count_of(position_rounds) < facts.rounds.size()) {
      thinned.push_back("the position panels show " + std::to_string(count_of(position_rounds)) + " of the " +
                        std::to_string(facts.rounds.size()) + " rounds");
    }
    if (!thinned.empty()) {
      std::string note = "This run is large (" + std::to_string(delegation_count) + " delegations, " +
                         std::to_string(facts.issue_ids.size()) + " paragraphs, " +
                         std::to_string(facts.rounds.size()) + " rounds), so that the page stays quick to open: ";
      for (std::size_t j = 0; j < thinned.size(); ++j) note += (j ? "; " : "") + thinned[j];
      note += ". Every value is in the run directory (trace.jsonl, rounds.csv).";
      data["notes"].push_back(note);
    }
  }
  data["draft_values"] = draft_rows;
  data["distance"] = distance_rows;

  // The final text, with who objected to each paragraph.
  std::map<std::string, std::vector<std::string>> objected_by;
  std::map<std::string, std::vector<std::string>> red_lines_of;
  if (summary.contains("objectors") && summary["objectors"].is_array()) {
    for (const auto& record : summary["objectors"]) {
      for (const auto& issue : string_list(record, "issues"))
        objected_by[issue].push_back(naming.name(string_field(record, "id")));
      for (const auto& issue : string_list(record, "red_lines_crossed"))
        red_lines_of[issue].push_back(naming.name(string_field(record, "id")));
    }
  }
  json final_text = json::array();
  for (const auto& paragraph : final_paragraphs) {
    const std::string issue = string_field(paragraph, "issue");
    final_text.push_back({{"issue", issue},
                          {"title", naming.title(issue)},
                          {"text", string_field(paragraph, "text")},
                          {"value", number_field(paragraph, "value")},
                          {"contested", paragraph.value("contested", false)},
                          {"in_chairs_summary", paragraph.value("in_chairs_summary", false)},
                          {"objected_by", objected_by[issue]},
                          {"red_line_of", red_lines_of[issue]}});
  }
  data["final_text"] = final_text;

  NarrationOptions narration;
  narration.width = 0;
  if (meta.contains("play") && meta["play"].is_object()) narration.player = string_field(meta["play"], "as");
  data["narration"] = narrate(events, scenario, narration);
  data["provenance"] = provenance_of(meta, summary, directory.string());
  if (meta.contains("room")) data["room"] = room_debrief(meta, naming);
  return data;
}

// ---------------------------------------------------------------------------------------------
// A sweep.

std::string settings_label(const json& settings) {
  if (!settings.is_object() || settings.empty()) return "as in the scenario";
  std::string label;
  for (auto item = settings.begin(); item != settings.end(); ++item) {
    if (!label.empty()) label += ", ";
    label += item.key() + "=" + (item->is_string() ? item->get<std::string>() : item->dump());
  }
  return label;
}

json sweep_report_data(const fs::path& directory, const json& summary, const json& meta, const ReportOptions& options) {
  const fs::path summary_path = directory / "summary.json";
  if (!summary.contains("cells") || !summary["cells"].is_array() || summary["cells"].empty()) {
    throw InputError(summary_path.string(), 0, 0, "cells", "a sweep summary needs a non-empty list of cells");
  }
  ScenarioSource source = load_scenario_for(directory, meta, options);
  Naming naming;
  if (source.scenario) {
    for (const auto& delegation : source.scenario->delegations)
      naming.delegation_names[delegation.id] = delegation.name;
  }
  json data = json::object();
  data["kind"] = "sweep";
  data["title"] = string_field(summary, "title", string_field(summary, "scenario"));
  data["scenario"] = string_field(summary, "scenario");
  data["replicates"] = summary.contains("replicates") ? summary["replicates"] : json(nullptr);
  // Each axis is "key.path" or {"key": "key.path", "values": [...]}.
  json vary = json::array();
  if (summary.contains("vary") && summary["vary"].is_array()) {
    for (const auto& axis : summary["vary"]) {
      if (axis.is_string()) {
        vary.push_back(axis);
      } else if (axis.is_object()) {
        std::string label = string_field(axis, "key");
        std::string values;
        for (const auto& value : axis.value("values", json::array())) {
          values += (values.empty() ? "" : ", ") + (value.is_string() ? value.get<std::string>() : value.dump());
        }
        vary.push_back(values.empty() ? label : label + " (" + values + ")");
      }
    }
  }
  data["vary"] = vary;
  data["notes"] = source.notes;

  json cells = json::array();
  json outcome_rows = json::array();
  json objection_rows = json::array();
  std::vector<std::string> delegation_ids;
  std::map<std::string, bool> outcome_seen;
  double lowest_adoption = 2;
  double highest_adoption = -1;
  std::string lowest_label;
  std::string highest_label;
  std::size_t cell_index = 0;
  for (const auto& cell : summary["cells"]) {
    const std::string key_path = "cells[" + std::to_string(cell_index) + "]";
    if (!cell.is_object() || !cell.contains("outcomes") || !cell["outcomes"].is_object()) {
      throw InputError(summary_path.string(), 0, 0, key_path, "a cell needs its outcomes");
    }
    const int number = cell.contains("cell") && cell["cell"].is_number_integer() ? cell["cell"].get<int>()
                                                                                 : static_cast<int>(cell_index);
    const std::string label = settings_label(cell.contains("settings") ? cell["settings"] : json::object());
    json outcomes = json::array();
    for (const std::string& kind : outcome_kinds()) {
      const json entry = cell["outcomes"].contains(kind) ? cell["outcomes"][kind] : json::object();
      const double share = number_field(entry, "share");
      if (share > 0) outcome_seen[kind] = true;
      json row = {{"cell", number},
                  {"label", label},
                  {"outcome", kind},
                  {"outcome_label", outcome_label(kind)},
                  {"share", share},
                  {"low", number_field(entry, "low", share)},
                  {"high", number_field(entry, "high", share)}};
      outcomes.push_back(row);
      outcome_rows.push_back(row);
    }
    const double adoption =
        1.0 -
        number_field(cell["outcomes"].contains("no_consensus") ? cell["outcomes"]["no_consensus"] : json::object(),
                     "share");
    if (adoption < lowest_adoption) {
      lowest_adoption = adoption;
      lowest_label = label;
    }
    if (adoption > highest_adoption) {
      highest_adoption = adoption;
      highest_label = label;
    }
    json objections = json::array();
    const json objection_share = cell.contains("objection_share") ? cell["objection_share"] : json::object();
    const json aside_share = cell.contains("aside_share") ? cell["aside_share"] : json::object();
    const json sole_share = cell.contains("sole_blocker_share") ? cell["sole_blocker_share"] : json::object();
    if (objection_share.is_object()) {
      for (auto item = objection_share.begin(); item != objection_share.end(); ++item) {
        if (std::find(delegation_ids.begin(), delegation_ids.end(), item.key()) == delegation_ids.end()) {
          delegation_ids.push_back(item.key());
        }
        json row = {{"cell", number},
                    {"label", label},
                    {"delegation", item.key()},
                    {"name", naming.name(item.key())},
                    {"share", item->is_number() ? item->get<double>() : 0.0},
                    {"aside", number_field(aside_share, item.key().c_str())},
                    {"sole", number_field(sole_share, item.key().c_str())}};
        objection_rows.push_back(row);
      }
    }
    cells.push_back(
        {{"cell", number},
         {"label", label},
         {"settings", cell.contains("settings") && cell["settings"].is_object() ? cell["settings"] : json::object()},
         {"replicates", cell.contains("replicates") ? cell["replicates"] : json(nullptr)},
         {"outcomes", outcomes},
         {"rounds", cell.contains("rounds") ? cell["rounds"] : json(nullptr)},
         {"mean_utility", cell.contains("mean_utility") ? cell["mean_utility"] : json(nullptr)},
         {"contested_share", cell.contains("contested_share") ? cell["contested_share"] : json(nullptr)}});
    ++cell_index;
  }
  json delegations = json::array();
  for (const auto& id : delegation_ids) delegations.push_back({{"id", id}, {"name", naming.name(id)}});
  json seen = json::array();
  for (const std::string& kind : outcome_kinds()) {
    if (outcome_seen[kind]) seen.push_back(kind);
  }
  data["cells"] = cells;
  data["delegations"] = delegations;
  data["outcome_rows"] = outcome_rows;
  data["outcomes_seen"] = seen;
  data["objection_rows"] = objection_rows;
  const std::string replicates = summary.contains("replicates") ? summary["replicates"].dump() : "?";
  std::string sentence;
  if (cells.size() == 1) {
    sentence = "The text was adopted in " + format_percent(highest_adoption) + " of " + replicates + " replicates.";
  } else if (std::abs(highest_adoption - lowest_adoption) < 1e-9) {
    sentence = "The text was adopted in " + format_percent(highest_adoption) +
               " of the replicates in every one of the " + std::to_string(cells.size()) + " cells.";
  } else {
    sentence = "Adoption ranges from " + format_percent(lowest_adoption) + " of " + replicates + " replicates (" +
               lowest_label + ") to " + format_percent(highest_adoption) + " (" + highest_label + ") across " +
               std::to_string(cells.size()) + " cells.";
  }
  data["outcome"] = {{"kind", "sweep"}, {"label", "Sweep"}, {"sentence", sentence}};
  data["provenance"] = provenance_of(meta, summary, directory.string());
  return data;
}

// ---------------------------------------------------------------------------------------------
// The page.

std::string text_of(const json& data, const char* key) {
  return string_field(data, key);
}

void render_notes(std::ostringstream& page, const json& data) {
  for (const auto& note : data.value("notes", json::array())) {
    if (note.is_string())
      page << "<p class=\"note\" role=\"note\">" << escape_html(note.get<std::string>()) << "</p>\n";
  }
}

// A sensitivity analysis (negsim sensitivity): its outputs and their ranked indices.
json sensitivity_report_data(const fs::path& directory, const json& summary, const json& meta) {
  const fs::path summary_path = directory / "summary.json";
  if (!summary.contains("outputs") || !summary["outputs"].is_array()) {
    throw InputError(summary_path.string(), 0, 0, "outputs", "a sensitivity summary needs its list of outputs");
  }
  json data = json::object();
  data["kind"] = "sensitivity";
  data["title"] = string_field(summary, "title", string_field(summary, "scenario"));
  data["scenario"] = string_field(summary, "scenario");
  data["samples"] = summary.contains("samples") ? summary["samples"] : json(nullptr);
  data["runs"] = summary.contains("runs") ? summary["runs"] : json(nullptr);
  data["factors"] = summary.contains("factors") && summary["factors"].is_array() ? summary["factors"] : json::array();
  data["notes"] = json::array();
  json outputs = json::array();
  json rows = json::array();
  std::string constant;
  std::size_t output_index = 0;
  for (const auto& output : summary["outputs"]) {
    const std::string key_path = "outputs[" + std::to_string(output_index++) + "]";
    if (!output.is_object()) throw InputError(summary_path.string(), 0, 0, key_path, "an output must be an object");
    const std::string name = string_field(output, "output");
    const double probability = number_field(output, "probability");
    const json indices = output.contains("indices") && output["indices"].is_array() ? output["indices"] : json::array();
    if (indices.empty()) {
      constant += (constant.empty() ? "" : ", ") + name + " " + format_percent(probability);
      continue;
    }
    int rank = 0;
    for (const auto& index : indices) {
      ++rank;
      for (const char* measure : {"total", "first_order"}) {
        const bool total = std::string(measure) == "total";
        const double value = number_field(index, measure);
        rows.push_back({{"output", name},
                        {"key", string_field(index, "key")},
                        {"rank", rank},
                        {"measure", total ? "total T" : "first-order S"},
                        {"value", value},
                        {"low", number_field(index, total ? "total_low" : "first_low", value)},
                        {"high", number_field(index, total ? "total_high" : "first_high", value)}});
      }
    }
    outputs.push_back({{"output", name}, {"probability", probability}, {"indices", indices}});
  }
  data["outputs"] = outputs;
  data["index_rows"] = rows;
  data["constant"] = constant;
  std::string sentence;
  if (outputs.empty()) {
    sentence = "Every output was the same in every run: " + constant + ".";
  } else {
    const json& first = outputs[0]["indices"][0];
    sentence = std::to_string(outputs.size()) + (outputs.size() == 1 ? " output varies" : " outputs vary") +
               "; for P(" + outputs[0]["output"].get<std::string>() + ") the first-ranked number is " +
               string_field(first, "key") + " (total index " + format_decimal(number_field(first, "total"), 2) + ").";
  }
  data["outcome"] = {{"kind", "sensitivity"}, {"label", "Sensitivity"}, {"sentence", sentence}};
  data["provenance"] = provenance_of(meta, summary, directory.string());
  return data;
}

void render_figure(std::ostringstream& page, const std::string& id, const std::string& caption) {
  page << "<figure><div class=\"chart\" id=\"" << id << "\"></div><figcaption>" << escape_html(caption)
       << "</figcaption></figure>\n";
}

void render_room_debrief(std::ostringstream& page, const json& data) {
  if (!data.contains("room") || !data["room"].is_array()) return;
  page << "<section id=\"room-debrief\"><h2>The class and the model</h2>\n<p class=\"hint\">Each team's answer "
          "per round, and what the model would have answered in its place with everything else as it was.</p>\n"
          "<div class=\"table-wrap\"><table><tr><th>Delegation</th><th>Round</th><th>Answer</th><th>By</th>"
          "<th>The model would have</th></tr>\n";
  for (const auto& row : data["room"]) {
    const bool team = text_of(row, "by") == "team";
    page << "<tr><td>" << escape_html(text_of(row, "delegation")) << "</td><td>" << row.value("round", 0) << "</td><td>"
         << escape_html(text_of(row, "response")) << "</td><td>" << (team ? "team" : "model (no answer in time)")
         << "</td><td>" << escape_html(text_of(row, "model_answer")) << "</td></tr>\n";
  }
  page << "</table></div></section>\n";
}

void render_run_body(std::ostringstream& page, const json& data) {
  page << "<nav aria-label=\"Contents\"><ul>"
          "<li><a href=\"#final-text\">Final text</a></li><li><a href=\"#responses\">Responses</a></li>"
          "<li><a href=\"#utility\">Utility</a></li><li><a href=\"#distance\">Distance</a></li>"
          "<li><a href=\"#positions\">Positions</a></li><li><a href=\"#replay\">Replay</a></li>"
          "<li><a href=\"#story\">Story</a></li></ul></nav>\n</header>\n<main>\n";

  page << "<section id=\"final-text\"><h2>The final text</h2>\n"
          "<p class=\"hint\">Paragraphs that delegations objected to are marked <span class=\"badge\">Contested</span>"
          " and outlined with a dashed border.</p>\n<ol class=\"draft\">\n";
  for (const auto& paragraph : data.at("final_text")) {
    const bool contested = paragraph.value("contested", false);
    page << "<li class=\"paragraph" << (contested ? " contested" : "") << "\"><h3>"
         << escape_html(text_of(paragraph, "title"));
    if (contested) page << " <span class=\"badge\">Contested</span>";
    if (paragraph.value("in_chairs_summary", false)) page << " <span class=\"badge\">Chair's summary</span>";
    page << "</h3><p>" << escape_html(text_of(paragraph, "text")) << "</p><p class=\"meta\">Draft value "
         << escape_html(value_as_text_prints_it(text_of(paragraph, "text"), number_field(paragraph, "value")));
    std::vector<std::string> objected;
    for (const auto& name : paragraph.at("objected_by")) objected.push_back(name.get<std::string>());
    std::vector<std::string> red_lines;
    for (const auto& name : paragraph.at("red_line_of")) red_lines.push_back(name.get<std::string>());
    if (!objected.empty()) page << " · objected to by " << escape_html(join_names(objected));
    if (!red_lines.empty()) page << " · crosses the red line of " << escape_html(join_names(red_lines));
    page << "</p></li>\n";
  }
  page << "</ol></section>\n";

  page << "<section id=\"responses\"><h2>How the room responded, round by round</h2>\n"
          "<p class=\"hint\">Each round every delegation supports the tabled text, stands aside (dissociates without "
          "blocking) or objects. Patterns and labels tell the three apart without colour.</p>\n<div class=\"pair\">\n";
  render_figure(page, "chart-shares-count", "Number of delegations giving each response, by round.");
  if (data.value("has_power", false)) {
    render_figure(page, "chart-shares-power", "Share of the room's power behind each response, by round.");
  }
  page << "</div></section>\n";

  page << "<section id=\"utility\"><h2>What the text was worth to each delegation</h2>\n"
          "<p class=\"hint\">One line per delegation: its utility for the tabled text each round (hover or tap a point "
          "for the values). Pick a delegation to see its support threshold (dashed) and blocking threshold (dotted): "
          "below the second it objects, as it does whenever the text crosses one of its red lines; otherwise it "
          "supports at or above the first and stands aside below it. The utility u of docs/MODEL.md lies in [0, 1]; "
          "a delegation perceives it with this round's noise (process.noise), so a point can sit a little above 1 "
          "or below 0.</p>\n"
          "<p><label for=\"focus-delegation\">Delegation to follow</label> <select "
          "id=\"focus-delegation\"></select></p>\n";
  render_figure(page, "chart-utility",
                "Utility of the tabled draft by round; line colour and dash show the bloc (with no blocs, the "
                "delegation), point shape the response.");
  page << "</section>\n";

  page << "<section id=\"distance\"><h2>How far the final text is from each delegation</h2>\n";
  if (data.at("distance").empty()) {
    page << "<p class=\"note\">Needs the scenario file (positions are not in the trace).</p>\n";
  } else {
    page << "<p class=\"hint\">Distance between each delegation's position and the final text on each paragraph "
            "(0: exactly what it wanted, 1: the opposite end). A cross marks a paragraph that crosses the "
            "delegation's red line.</p>\n";
    render_figure(page, "chart-distance",
                  "Distance from the final draft, delegation by paragraph; crosses mark red lines crossed.");
  }
  page << "</section>\n";

  page << "<section id=\"positions\"><h2>Positions under influence</h2>\n";
  if (data.at("positions").empty()) {
    page << "<p class=\"note\">Needs the scenario file (positions are not in the trace).</p>\n";
  } else {
    page << "<p class=\"hint\">How each delegation's position on each paragraph moved toward its bloc between rounds; "
            "the thick black line is the text the chair tabled.</p>\n<div class=\"multiples\" "
            "id=\"chart-positions\"></div>\n";
  }
  page << "</section>\n";

  page << "<section id=\"replay\"><h2>Replay the drafting</h2>\n"
          "<div class=\"controls\" role=\"group\" aria-label=\"Replay controls\">"
          "<button type=\"button\" id=\"replay-first\" aria-label=\"First round\">&#x25C0;&#x25C0; First</button>"
          "<button type=\"button\" id=\"replay-previous\" aria-label=\"Previous round\">&#x25C0; Previous</button>"
          "<button type=\"button\" id=\"replay-play\">Play</button>"
          "<button type=\"button\" id=\"replay-next\" aria-label=\"Next round\">Next &#x25B6;</button>"
          "<label for=\"replay-round\">Round</label><input type=\"range\" id=\"replay-round\" min=\"1\" max=\""
       << data.at("rounds").size()
       << "\" value=\"1\" step=\"1\"><output id=\"replay-label\" for=\"replay-round\"></output></div>\n"
          "<div id=\"replay-summary\" aria-live=\"polite\"></div>\n<ol class=\"draft\" id=\"replay-text\"></ol>\n"
          "<noscript><p class=\"note\">The replay needs JavaScript; the story below tells the same "
          "rounds.</p></noscript>\n"
          "</section>\n";

  page << "<section id=\"story\"><h2>The story</h2>\n<div class=\"story\">\n";
  std::istringstream story(text_of(data, "narration"));
  bool in_list = false;
  bool in_block = false;
  for (std::string line; std::getline(story, line);) {
    const bool item = line.rfind("  - ", 0) == 0;
    if (in_list && !item) {
      page << "</ul>\n";
      in_list = false;
    }
    if (line.empty()) {
      if (in_block) page << "</div>\n";
      in_block = false;
      continue;
    }
    if (!in_block) {
      page << "<div class=\"story-block\">\n";
      in_block = true;
    }
    if (item) {
      if (!in_list) page << "<ul>\n";
      in_list = true;
      page << "<li>" << escape_html(line.substr(4)) << "</li>\n";
    } else {
      page << "<p>" << escape_html(line) << "</p>\n";
    }
  }
  if (in_list) page << "</ul>\n";
  if (in_block) page << "</div>\n";
  page << "</div></section>\n";
}

void render_sweep_body(std::ostringstream& page, const json& data) {
  page << "<nav aria-label=\"Contents\"><ul><li><a href=\"#outcomes\">Outcomes</a></li>"
          "<li><a href=\"#objections\">Objections</a></li><li><a href=\"#cells\">Numbers</a></li></ul></nav>\n"
          "</header>\n<main>\n";
  page << "<section id=\"outcomes\"><h2>Outcome probabilities per grid cell</h2>\n"
          "<p class=\"hint\">Share of replicates ending in each outcome, with its 95% interval (Wilson). Each "
          "outcome has its own point shape.</p>\n";
  // One varied key: the shares as curves against it; two: a heat map over both.
  std::size_t varied_keys = 0;
  for (const auto& cell : data.at("cells")) {
    if (cell.contains("settings") && cell["settings"].is_object())
      varied_keys = std::max(varied_keys, cell["settings"].size());
  }
  if (varied_keys == 1) {
    render_figure(page, "chart-axes", "Outcome shares against the varied setting, with 95% Wilson bands.");
  } else if (varied_keys == 2) {
    render_figure(page, "chart-axes", "Share of replicates adopting a text, by the two varied settings.");
  }
  render_figure(page, "chart-outcomes", "Outcome shares per cell with 95% intervals.");
  page << "</section>\n<section id=\"objections\"><h2>Who objects, and how often</h2>\n"
          "<p class=\"hint\">Share of replicates in which each delegation objected to the final text, per cell.</p>\n";
  render_figure(page, "chart-objections", "Objection frequency per delegation and cell.");
  page << "</section>\n<section id=\"cells\"><h2>The numbers</h2>\n<div class=\"table-wrap\"><table>\n"
          "<caption>Outcome shares per cell (95% interval), rounds played</caption>\n<thead><tr><th "
          "scope=\"col\">Cell</th>"
          "<th scope=\"col\">Settings</th>";
  for (const std::string& kind : outcome_kinds())
    page << "<th scope=\"col\">" << escape_html(outcome_label(kind)) << "</th>";
  page << "<th scope=\"col\">Rounds (mean, median, 90th)</th></tr></thead>\n<tbody>\n";
  for (const auto& cell : data.at("cells")) {
    page << "<tr><th scope=\"row\">" << cell.value("cell", 0) << "</th><td>" << escape_html(text_of(cell, "label"))
         << "</td>";
    for (const auto& outcome : cell.at("outcomes")) {
      page << "<td>" << format_percent(number_field(outcome, "share"), 1) << " <span class=\"interval\">("
           << interval_percent(number_field(outcome, "low")) << "–" << interval_percent(number_field(outcome, "high"))
           << ")</span></td>";
    }
    const json& rounds = cell.at("rounds");
    page << "<td>";
    if (rounds.is_object()) {
      page << format_decimal(number_field(rounds, "mean"), 2) << ", " << format_significant(number_field(rounds, "p50"))
           << ", " << format_significant(number_field(rounds, "p90"));
    }
    page << "</td></tr>\n";
  }
  page << "</tbody></table></div></section>\n";
}

void render_sensitivity_body(std::ostringstream& page, const json& data) {
  page << "<nav aria-label=\"Contents\"><ul><li><a href=\"#indices\">Indices</a></li>"
          "<li><a href=\"#numbers\">Numbers</a></li></ul></nav>\n</header>\n<main>\n";
  page << "<section id=\"indices\"><h2>Which uncertain numbers the outcome hangs on</h2>\n"
          "<p class=\"hint\">For each output that varied, every uncertain number's total index T (its share of the "
          "variance, alone and with others) and first-order index S (alone), with 95% bootstrap intervals, ranked by "
          "T.</p>\n";
  std::size_t chart = 0;
  for (const auto& output : data.at("outputs")) {
    render_figure(page, "chart-sensitivity-" + std::to_string(chart++),
                  "Sobol indices of P(" + text_of(output, "output") + ").");
  }
  if (!text_of(data, "constant").empty()) {
    page << "<p class=\"note\">The same in every run (no variance to apportion): "
         << escape_html(text_of(data, "constant")) << ".</p>\n";
  }
  page << "</section>\n<section id=\"numbers\"><h2>The numbers</h2>\n";
  for (const auto& output : data.at("outputs")) {
    page << "<div class=\"table-wrap\"><table>\n<caption>P(" << escape_html(text_of(output, "output"))
         << ") = " << format_percent(number_field(output, "probability"), 1)
         << "</caption>\n<thead><tr><th scope=\"col\">Rank</th><th scope=\"col\">Uncertain number</th>"
            "<th scope=\"col\">Total T (95%)</th><th scope=\"col\">First-order S (95%)</th></tr></thead>\n<tbody>\n";
    int rank = 0;
    for (const auto& index : output.at("indices")) {
      page << "<tr><th scope=\"row\">" << ++rank << "</th><td>" << escape_html(text_of(index, "key")) << "</td><td>"
           << format_decimal(number_field(index, "total"), 2) << " <span class=\"interval\">("
           << format_decimal(number_field(index, "total_low"), 2) << " to "
           << format_decimal(number_field(index, "total_high"), 2) << ")</span></td><td>"
           << format_decimal(number_field(index, "first_order"), 2) << " <span class=\"interval\">("
           << format_decimal(number_field(index, "first_low"), 2) << " to "
           << format_decimal(number_field(index, "first_high"), 2) << ")</span></td></tr>\n";
    }
    page << "</tbody></table></div>\n";
  }
  page << "</section>\n";
}

void render_footer(std::ostringstream& page, const json& data) {
  const json& provenance = data.at("provenance");
  page << "</main>\n<footer><h2>Provenance</h2><dl>\n";
  auto row = [&](const char* label, const std::string& value) {
    if (!value.empty()) page << "<dt>" << label << "</dt><dd>" << escape_html(value) << "</dd>\n";
  };
  row("Scenario",
      text_of(provenance, "scenario") +
          (text_of(provenance, "scenario_file").empty() ? "" : " (" + text_of(provenance, "scenario_file") + ")"));
  row("Scenario SHA-256", text_of(provenance, "scenario_sha256"));
  row("Seed", provenance.contains("seed") && !provenance["seed"].is_null() ? provenance["seed"].dump() : "");
  std::string overrides;
  for (const auto& expression : provenance.value("set", json::array())) {
    overrides += (overrides.empty() ? "" : "; ") + expression.get<std::string>();
  }
  row("Overrides (--set)", overrides);
  row("Player's seat", text_of(provenance, "player"));
  row("negsim version", text_of(provenance, "negsim_version"));
  row("Commit", text_of(provenance, "git_commit"));
  row("Run started (UTC)", text_of(provenance, "started_utc"));
  row("Results", text_of(provenance, "results_directory"));
  row("Report written by", text_of(provenance, "report_by"));
  page << "</dl>\n<p class=\"license\">Charts drawn with Vega " << escape_html(vega_version())
       << ", inlined in this page: Copyright (c) 2015-2023, University of Washington Interactive Data Lab; "
          "BSD 3-Clause License.</p></footer>\n";
}

}  // namespace

json report_data(const std::string& results_directory, const ReportOptions& options) {
  const fs::path directory(results_directory);
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    throw InputError(results_directory, 0, 0, "", "not a directory: give a run or sweep directory under results/");
  }
  const fs::path summary_path = directory / "summary.json";
  if (!fs::exists(summary_path, error)) {
    throw InputError(
        results_directory, 0, 0, "",
        "no summary.json here: give a run directory (trace.jsonl, summary.json, meta.json) or a sweep directory");
  }
  const json summary = read_json_file(summary_path);
  if (!summary.is_object()) throw InputError(summary_path.string(), 1, 1, "", "summary.json must hold an object");
  const json meta =
      fs::exists(directory / "meta.json", error) ? read_json_file(directory / "meta.json") : json::object();
  if (string_field(summary, "kind") == "sweep") return sweep_report_data(directory, summary, meta, options);
  if (string_field(summary, "kind") == "sensitivity") return sensitivity_report_data(directory, summary, meta);
  if (!fs::exists(directory / "trace.jsonl", error)) {
    throw InputError(results_directory, 0, 0, "", "no trace.jsonl here, and summary.json is not a sweep's");
  }
  return run_report_data(directory, summary, meta, options);
}

std::string report_html(const json& data) {
  std::ostringstream page;
  const std::string title = text_of(data, "title");
  const bool sensitivity = text_of(data, "kind") == "sensitivity";
  const bool sweep = text_of(data, "kind") == "sweep" || sensitivity;  // no run's parts
  const json& outcome = data.at("outcome");
  page << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"negsim "
       << escape_html(negsim_version()) << "\">\n<title>" << escape_html(title) << " · negsim report</title>\n<style>\n"
       << embedded::text(embedded::report_style, embedded::report_style_size)
       << "</style>\n</head>\n<body>\n"
       // Fill patterns for the charts: responses stay apart without colour.
       << "<svg class=\"patterns\" aria-hidden=\"true\" focusable=\"false\" width=\"0\" height=\"0\"><defs>"
          "<pattern id=\"negsim-fill-support\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\">"
          "<rect width=\"8\" height=\"8\" fill=\"#4fb38f\"/></pattern>"
          "<pattern id=\"negsim-fill-aside\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\">"
          "<rect width=\"8\" height=\"8\" fill=\"#f2c14e\"/><circle cx=\"4\" cy=\"4\" r=\"1.6\" "
          "fill=\"#7a5a00\"/></pattern>"
          "<pattern id=\"negsim-fill-object\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
          "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#e07b54\"/>"
          "<rect width=\"3\" height=\"8\" fill=\"#8a2f0c\"/></pattern></defs></svg>\n"
       << "<header>\n<p class=\"kicker\">negsim report · "
       << (sensitivity ? "sensitivity"
           : sweep     ? "sweep"
                       : "run")
       << "</p>\n<h1>" << escape_html(title) << "</h1>\n<p class=\"outcome outcome-"
       << escape_html(text_of(outcome, "kind")) << "\"><strong>" << escape_html(text_of(outcome, "label"))
       << ".</strong> " << escape_html(text_of(outcome, "sentence")) << "</p>\n";
  if (!text_of(data, "record_note").empty())
    page << "<p class=\"note\">" << escape_html(text_of(data, "record_note")) << "</p>\n";
  if (!sweep) {
    std::ostringstream facts;
    facts << data.at("delegations").size() << " delegations · " << data.at("issues").size() << " paragraphs · rule "
          << text_of(outcome, "rule") << " · " << outcome.value("rounds", 0) << " of " << outcome.value("max_rounds", 0)
          << " rounds";
    if (data.at("chair").is_string()) facts << " · chair " << data.at("chair").get<std::string>();
    page << "<p class=\"facts\">" << escape_html(facts.str()) << "</p>\n";
  } else if (sensitivity) {
    std::ostringstream facts;
    facts << (data.at("samples").is_null() ? std::string("?") : data.at("samples").dump()) << " samples · "
          << data.at("factors").size() << " uncertain numbers · "
          << (data.at("runs").is_null() ? std::string("?") : data.at("runs").dump()) << " runs";
    page << "<p class=\"facts\">" << escape_html(facts.str()) << "</p>\n";
  } else {
    std::ostringstream facts;
    facts << data.at("cells").size() << (data.at("cells").size() == 1 ? " cell" : " cells") << " · "
          << (data.at("replicates").is_null() ? std::string("?") : data.at("replicates").dump())
          << " replicates per cell";
    std::vector<std::string> vary;
    for (const auto& key : data.at("vary")) vary.push_back(key.get<std::string>());
    if (!vary.empty()) facts << " · varying " << join_names(vary);
    page << "<p class=\"facts\">" << escape_html(facts.str()) << "</p>\n";
  }
  render_notes(page, data);
  page << "<noscript><p class=\"note\">The charts need JavaScript; everything else on this page reads without "
          "it.</p></noscript>\n";
  if (sensitivity) {
    render_sensitivity_body(page, data);
  } else if (sweep) {
    render_sweep_body(page, data);
  } else {
    render_run_body(page, data);
  }
  if (!sweep) render_room_debrief(page, data);
  render_footer(page, data);
  page << "<script type=\"application/json\" id=\"negsim-data\">" << json_for_script_element(data) << "</script>\n"
       << "<script>\n"
       << inline_script(vega_bundle()) << "\n</script>\n"
       << "<script>\n"
       << inline_script(embedded::text(embedded::format_script, embedded::format_script_size)) << "\n</script>\n"
       << "<script>\n"
       << inline_script(embedded::text(embedded::report_script, embedded::report_script_size))
       << "\n</script>\n</body>\n</html>\n";
  return page.str();
}

void write_report(const std::string& results_directory, const std::string& output_file, const ReportOptions& options) {
  // A tournament directory (negsim tournament) has a page of its own.
  const std::string html = fs::exists(fs::path(results_directory) / "tournament.json")
                               ? tournament_report_html(results_directory)
                               : report_html(report_data(results_directory, options));
  const fs::path target(output_file);
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code error;
  fs::create_directories(parent, error);
  if (error) throw RunError("cannot create " + parent.string() + ": " + error.message());
  // Temporary file beside the target, renamed into place: a failed write leaves no half page.
  const fs::path temporary = parent / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()));
  {
    std::ofstream out(temporary, std::ios::binary);
    out.write(html.data(), static_cast<std::streamsize>(html.size()));
    out.close();
    if (!out) {
      fs::remove(temporary, error);
      throw RunError("cannot write " + output_file);
    }
  }
  fs::rename(temporary, target, error);
  if (error) {
    fs::remove(temporary, error);
    throw RunError("cannot write " + output_file + ": " + error.message());
  }
}

}  // namespace negsim
