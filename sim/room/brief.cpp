// negsim brief: one delegation's confidential instructions, a page a teacher prints and hands to
// the team before `negsim room`. Written from the scenario alone, in words first, numbers second.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string_view>

#include "embedded_assets.hpp"
#include "negsim/errors.hpp"
#include "negsim/format.hpp"
#include "negsim/narrate.hpp"
#include "negsim/outputs.hpp"
#include "negsim/report.hpp"
#include "negsim/room.hpp"

namespace negsim {

namespace {

std::string percent(double share) {
  return format_percent(share, 0);
}

// Salience in words: a team reads "your top priority" faster than 0.31.
std::string priority_word(double salience, double highest) {
  if (salience >= highest - 1e-9) return "top priority";
  if (salience >= 0.66 * highest) return "high";
  if (salience >= 0.33 * highest) return "medium";
  return "low";
}

}  // namespace

std::string brief_html(const Scenario& scenario, int delegation) {
  const Delegation& seat = scenario.delegations.at(static_cast<std::size_t>(delegation));
  const int k_count = scenario.issue_count();
  std::ostringstream page;
  page << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
       << escape_html(seat.name) << " · confidential brief · " << escape_html(scenario.title) << "</title>\n<style>\n"
       << embedded::text(embedded::report_style, embedded::report_style_size)
       << embedded::text(embedded::room_style, embedded::room_style_size)
       << "</style>\n</head>\n<body class=\"brief\">\n<header>\n<p class=\"kicker\">Confidential · for the delegation "
          "of "
       << escape_html(seat.name) << " only</p>\n<h1>" << escape_html(seat.name) << "</h1>\n<p class=\"facts\">"
       << escape_html(scenario.title) << "</p>\n";
  // The file's note on the delegation is the author's (its sources, and "Judgment." where a number
  // is the author's own): labelled as such, not read as the team's instructions.
  if (!seat.notes.empty()) {
    page << "<p class=\"meta\"><strong>The scenario's note on this delegation:</strong> " << escape_html(seat.notes)
         << "</p>\n";
  }
  page << "</header>\n";

  // Positions, in the words of the text, numbered as the room's pages number the paragraphs.
  std::vector<int> order(static_cast<std::size_t>(k_count));
  std::iota(order.begin(), order.end(), 0);
  double highest = 0;
  for (int k = 0; k < k_count; ++k) highest = std::max(highest, scenario.salience(delegation, k));
  page << "<h2>What you want</h2>\n<p class=\"hint\">Paragraph by paragraph, the text you "
          "want, how much it matters to you (your weights add up to 100%), and where your red lines are. "
          "Numbers are on the paragraph's scale from 0 to 1.</p>\n<ol class=\"draft\">\n";
  for (int k : order) {
    const Issue& issue = scenario.issues[static_cast<std::size_t>(k)];
    const double position = scenario.positions(delegation, k);
    const double salience = scenario.salience(delegation, k);
    page << "<li><h3>" << escape_html(issue.title) << " <span class=\"meta\">[" << escape_html(issue.id)
         << "]</span></h3>\n<p><strong>You want:</strong> " << escape_html(issue.nearest_level(position).text)
         << " <span class=\"meta\">(" << two_decimals(position) << ")</span></p>\n<p><strong>Weight:</strong> "
         << priority_word(salience, highest) << " <span class=\"meta\">(" << percent(salience) << ")</span></p>\n";
    const double low = scenario.red_line_min(delegation, k);
    const double high = scenario.red_line_max(delegation, k);
    if (low > 0) {
      page << "<p class=\"red-line\"><strong>Red line:</strong> never accept less than: "
           << escape_html(issue.nearest_level(low).text) << " <span class=\"meta\">(at least " << two_decimals(low)
           << ")</span></p>\n";
    }
    if (high < 1) {
      page << "<p class=\"red-line\"><strong>Red line:</strong> never accept more than: "
           << escape_html(issue.nearest_level(high).text) << " <span class=\"meta\">(at most " << two_decimals(high)
           << ")</span></p>\n";
    }
    page << "<details><summary>What the paragraph can say</summary><ul>";
    for (const auto& level : issue.levels) {
      page << "<li>" << two_decimals(level.value) << ": " << escape_html(level.text) << "</li>";
    }
    page << "</ul></details></li>\n";
  }
  page << "</ol>\n";

  // Allies: the bloc, and the delegations it listens to.
  page << "<h2>Your bloc and allies</h2>\n";
  if (seat.bloc >= 0) {
    const Bloc& bloc = scenario.blocs[static_cast<std::size_t>(seat.bloc)];
    std::vector<std::string> members;
    for (int member : bloc.members) {
      if (member != delegation) members.push_back(scenario.delegations[static_cast<std::size_t>(member)].name);
    }
    page << "<p>You belong to <strong>" << escape_html(bloc.name) << "</strong>"
         << (members.empty() ? std::string(".") : " with " + join_names(members) + ".");
    if (bloc.leader >= 0) {
      page << (bloc.leader == delegation
                   ? " You lead it."
                   : " Its leader is " + scenario.delegations[static_cast<std::size_t>(bloc.leader)].name + ".");
    }
    page << "</p>\n";
  } else {
    page << "<p>You belong to no bloc.</p>\n";
  }
  if (!seat.ties.empty()) {
    std::vector<std::string> tied;
    for (const auto& tie : seat.ties) tied.push_back(scenario.delegations[static_cast<std::size_t>(tie.first)].name);
    page << "<p>You listen closely to " << escape_html(join_names(tied)) << ".</p>\n";
  }
  const double share = scenario.power(delegation) / scenario.power.sum();
  // Where the chair passes over objectors lighter than the mean (MODEL.md section 8), a team needs
  // to know which side of it it sits: both shares at the decimals that tell them apart.
  const Fallbacks& fallbacks = scenario.process.fallbacks;
  if (fallbacks.can_carry_past_objectors() && scenario.process.chair.power_weight > 0) {
    double counted_power = 0;
    int counted = 0;
    for (int i = 0; i < scenario.delegation_count(); ++i) {
      if (scenario.delegations[static_cast<std::size_t>(i)].observer) continue;
      counted_power += scenario.power(i);
      ++counted;
    }
    const double mean_power = counted_power / std::max(1, counted);
    const double mean_share = mean_power / scenario.power.sum();
    const int places = places_apart(100.0 * share, 100.0 * mean_share, 0);
    const bool below = scenario.power(delegation) < mean_power - 1e-12;
    page << "<p>Your weight in the room: " << format_percent(share, places) << " of the power; the average "
         << "delegation holds " << format_percent(mean_share, places) << ". "
         << (below ? "Where a way out would carry the text without you, the chair does not try to meet a delegation "
                     "lighter than the average: if you object then, it will not try to meet you.</p>\n"
                   : "The chair does not pass you over for your weight: if you object, it still weighs meeting "
                     "you.</p>\n");
  } else {
    page << "<p>Your weight in the room: " << percent(share) << " of the power.</p>\n";
  }

  // How the team should decide, in the model's own terms.
  page << "<h2>When to say yes</h2>\n<p>Support a text worth at least <strong>" << two_decimals(seat.agent.support_max)
       << "</strong> to you at the start; as the deadline nears you may "
       << "settle for <strong>" << two_decimals(seat.agent.support_min) << "</strong>. No agreement is worth <strong>"
       << two_decimals(seat.outside_option)
       << "</strong> to you: block (object) a text worth less when others object with you; objecting alone "
       << "costs you standing, so alone you block only below <strong>"
       << two_decimals(seat.outside_option - scenario.process.isolation_cost)
       << "</strong>. A text that crosses a red line you always object to"
       << (seat.reservations.empty() ? "" : " (except where you enter a reservation, below)") << ".</p>\n";

  // The rules of the room, in the words play and the room use too.
  page << "<h2>The rules of the room</h2>\n<ul>\n";
  for (const auto& rule : rules_of_the_room(scenario, delegation)) page << "<li>" << escape_html(rule) << "</li>\n";
  page << "<li>Answer before the countdown ends: a delegation that has not answered gets the answer its brief "
          "suggests, chosen by the model.</li>\n</ul>\n"
       << "<footer><p>Written by negsim " << escape_html(negsim_version()) << " from "
       << escape_html(scenario.source_file.empty() ? scenario.id : scenario.source_file) << ".</p></footer>\n"
       << "</body>\n</html>\n";
  return page.str();
}

void write_new_file(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code error;
  if (fs::exists(target, error)) throw RunError(path + " exists; choose another file name");
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const fs::path temporary = parent / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()));
  {
    std::ofstream out(temporary, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
      fs::remove(temporary, error);
      throw RunError("cannot write " + path);
    }
  }
  // A hard link fails when the target appeared meanwhile: nothing is ever replaced.
  fs::create_hard_link(temporary, target, error);
  fs::remove(temporary);
  if (error) throw RunError("cannot write " + path + ": " + error.message());
}

}  // namespace negsim
