#include "negsim/narrate.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "negsim/errors.hpp"
#include "negsim/format.hpp"

namespace negsim {

using json = nlohmann::ordered_json;

std::string join_names(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t j = 0; j < names.size(); ++j) {
    if (j > 0) text += j + 1 == names.size() ? " and " : ", ";
    text += names[j];
  }
  return text;
}

namespace {

// Whether a delegation's shown name stands for several (a list such as "Benin, Burkina Faso, Chad
// and Mali (the cotton co-sponsors)", or a plural group such as "Small island States"), so that
// the story says "stand aside ... to them", not "stands aside ... to it". A name of one State
// with "and" or a plural ending in it (Trinidad and Tobago, the United States) stays singular.
bool names_several(const std::string& shown) {
  const std::string name = shown.substr(0, shown.find(" ("));
  static const std::set<std::string> one_state = {"Antigua and Barbuda",
                                                  "Bosnia and Herzegovina",
                                                  "Saint Kitts and Nevis",
                                                  "Sao Tome and Principe",
                                                  "Saint Vincent and the Grenadines",
                                                  "Trinidad and Tobago",
                                                  "United States",
                                                  "The United States",
                                                  "the United States",
                                                  "United Kingdom of Great Britain and Northern Ireland"};
  if (one_state.count(name) > 0) return false;
  if (name.find(" and ") != std::string::npos || name.find(", ") != std::string::npos) return true;
  const std::string last = name.substr(name.rfind(' ') == std::string::npos ? 0 : name.rfind(' ') + 1);
  static const std::set<std::string> plural_nouns = {"States",    "states",    "countries",   "Countries",
                                                     "Members",   "members",   "partners",    "delegations",
                                                     "importers", "producers", "co-sponsors", "Parties"};
  return name != last && plural_nouns.count(last) > 0;
}

}  // namespace

std::string interrupted_sentence(int rounds) {
  const std::string played = format_count(static_cast<std::uint64_t>(std::max(rounds, 0)), "round");
  return "The run was interrupted after " + played +
         ", before the deadline: nothing was decided. The text shown is the one tabled in round " +
         std::to_string(rounds) + ", as the room answered it.";
}

std::string two_decimals(double value) {
  return format_decimal(value, 2);
}

std::string final_text_words(const Process& process) {
  return std::string("the presidency's own final text, every paragraph drafted afresh ") +
         (process.final_text_keeps_met_red_lines() ? "within the red lines its repairs have met"
                                                   : "from the positions as they stand") +
         ", take it or leave it";
}

std::vector<std::string> rules_of_the_room(const Scenario& scenario, int delegation) {
  const Process& process = scenario.process;
  const Fallbacks& fallbacks = process.fallbacks;
  auto name_of = [&](int i) { return name_without_chair_mark(scenario.delegations[static_cast<std::size_t>(i)].name); };
  auto names_where = [&](auto&& keep) {
    std::vector<std::string> names;
    for (int i = 0; i < scenario.delegation_count(); ++i) {
      if (i != delegation && keep(scenario.delegations[static_cast<std::size_t>(i)])) names.push_back(name_of(i));
    }
    return names;
  };
  // A threshold as a share, with a decimal where a whole percent would round it (0.667: 66.7%).
  auto share_text = [](double share) {
    const double percent = share * 100.0;
    return format_percent(share, std::abs(percent - std::round(percent)) < 1e-9 ? 0 : 1);
  };
  const bool any_way_out = fallbacks.chairs_summary || fallbacks.can_carry_past_objectors();
  std::vector<std::string> rules;

  std::string rule = "Decision rule: " + process.rule.name() + ": ";
  switch (process.rule.kind) {
    case RuleKind::unanimity: rule += "the text needs every delegation's support; standing aside blocks it too"; break;
    case RuleKind::consensus: rule += "one objection blocks the text"; break;
    case RuleKind::consensus_minus:
      rule += "the text passes over at most " +
              format_count(static_cast<std::uint64_t>(process.rule.max_objectors), "objection");
      break;
  }
  rules.push_back(rule + (any_way_out ? ", unless a way out below applies at the deadline." : "."));

  std::string rounds = "At most " + format_count(static_cast<std::uint64_t>(process.max_rounds), "round") + "; " +
                       (process.chair.delegation >= 0 ? "the chair, " + name_of(process.chair.delegation) + ","
                                                      : std::string("a neutral chair")) +
                       " tables a text each round.";
  if (!process.chair.drafting_group.empty()) {
    std::vector<std::string> group;
    for (int i : process.chair.drafting_group) group.push_back(name_of(i));
    rounds += " It drafts from a small group only (" + join_names(group) + "); everyone answers.";
  }
  rules.push_back(rounds);

  rules.push_back(std::string("Each round every delegation answers: support, stand aside (you do not block but do "
                              "not join), object") +
                  (process.chair.amendments ? ", or object and propose an amendment to one paragraph." : "."));
  if (process.chair.repair) {
    rules.push_back(
        "When someone objects, the chair tries to repair the text toward their red lines, if that makes no one else "
        "object.");
  }
  // The chair's power weight acts only where a way out can carry a text (MODEL.md section 8).
  if (fallbacks.can_carry_past_objectors() && process.chair.power_weight > 0 &&
      (process.chair.repair || process.chair.amendments)) {
    rules.push_back(
        "Where a way out below would carry the text as it stands, the chair weighs who is left outside by power: it "
        "does not try to meet an objector with less power than the average delegation, and it may meet a heavier "
        "one at the cost of leaving a lighter one outside.");
  }
  // The rounds t < patience x (T - 1) in which the chair keeps working a text nobody objects to
  // (docs/MODEL.md section 6a).
  const int last = process.max_rounds - 1;
  const int patient_rounds =
      std::clamp(static_cast<int>(std::ceil(process.chair.patience * static_cast<double>(last))), 0, last);
  if (patient_rounds > 0) {
    rules.push_back("In its first " + format_count(static_cast<std::uint64_t>(patient_rounds), "round") +
                    " the chair keeps working a text that nobody objects to but some stand aside from, rather than "
                    "adopt it at once.");
  }
  if (process.max_rounds > 1 && process.chair.final_text) {
    rules.push_back("Round " + std::to_string(process.max_rounds) + ", the last, is " + final_text_words(process) +
                    ": no amendment can follow it.");
  } else {
    rules.push_back("Round " + std::to_string(process.max_rounds) +
                    " is the last: no text follows it, so no amendment can be weighed then.");
  }

  // The ways out at the deadline, in the engine's order (docs/MODEL.md sections 10 and 10a).
  if (fallbacks.chairs_summary) {
    rules.push_back(
        "If the last round ends without the rule met, the chair moves the contested paragraphs into a chair's summary "
        "(those paragraphs go back to their status-quo wording) and asks again; the rest is adopted if the rule is "
        "then met.");
  }
  if (fallbacks.ruling) {
    const Ruling& ruling = *fallbacks.ruling;
    const std::string holding = ruling.max_power_share < 1.0
                                    ? " holding at most " + share_text(ruling.max_power_share) + " of the power"
                                    : std::string();
    rules.push_back(
        ruling.max_objectors == 1
            ? "If the last round ends with a single delegation objecting" + holding +
                  ", the presidency rules that consensus is not unanimity and adopts the text over its objection."
            : "If the last round ends with at most " + std::to_string(ruling.max_objectors) + " delegations objecting" +
                  holding +
                  ", the presidency rules that consensus is not unanimity and adopts the text over their objection.");
  }
  if (fallbacks.take_note) {
    rules.push_back("If the text is still not adopted, the room takes note of it instead: it is noted, not adopted.");
  }
  if (fallbacks.vote_threshold) {
    const bool listed = !fallbacks.electorate.empty();
    std::string electorate = listed ? format_count(fallbacks.electorate.size(), "delegation")
                                    : std::string("every delegation but observers");
    std::string ballot = "each delegation's last answer is its ballot";
    if (delegation >= 0) {
      const bool seat_votes = listed ? std::find(fallbacks.electorate.begin(), fallbacks.electorate.end(),
                                                 delegation) != fallbacks.electorate.end()
                                     : !scenario.delegations[static_cast<std::size_t>(delegation)].observer;
      electorate += seat_votes ? ", yours among them" : ", not yours";
      if (seat_votes) ballot = "your last answer is your ballot";
    }
    rules.push_back("If the text is still not adopted, it goes to a vote (" +
                    (fallbacks.vote_body.empty() ? std::string() : fallbacks.vote_body + "; ") + electorate +
                    "; one delegation, one vote): " + ballot +
                    " (support: yes, object: no, stand aside: abstain), and the text passes with at least " +
                    share_text(*fallbacks.vote_threshold) + " of the yes and no votes.");
  }

  const auto observers = names_where([](const Delegation& d) { return d.observer; });
  if (!observers.empty()) {
    rules.push_back(
        "Observers speak, but their objection does not count and they do not vote: " + join_names(observers) + ".");
  }
  const auto outside = names_where([](const Delegation& d) { return d.outside_drafting; });
  if (!outside.empty()) {
    rules.push_back("The chair neither drafts nor repairs for " + join_names(outside) +
                    " (outside the drafting); their objections still count.");
  }
  if (delegation >= 0) {
    const Delegation& seat = scenario.delegations[static_cast<std::size_t>(delegation)];
    if (seat.observer) {
      rules.push_back("You are an observer: you answer, but your objection does not count and you do not vote.");
    }
    if (seat.outside_drafting) {
      rules.push_back(
          "You are outside the drafting: the chair neither drafts nor repairs for you, but your objection counts.");
    }
    if (!seat.reservations.empty()) {
      std::vector<std::string> issues;
      for (int k : seat.reservations) issues.push_back(scenario.issues[static_cast<std::size_t>(k)].title);
      rules.push_back("On " + join_names(issues) +
                      " a text across your red line draws your reservation, not an objection: you may join it with "
                      "a statement.");
    }
  }
  return rules;
}

namespace {

// At most `limit` names, then "and N more": a list of twenty objectors is no story.
std::string join_some(const std::vector<std::string>& names, std::size_t limit) {
  if (names.size() <= limit) return join_names(names);
  std::vector<std::string> shown(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(limit));
  shown.push_back(std::to_string(names.size() - limit) + " more");
  return join_names(shown);
}

std::vector<std::string> strings_of(const json& event, const char* key) {
  std::vector<std::string> list;
  const auto found = event.find(key);
  if (found == event.end() || !found->is_array()) return list;
  for (const auto& item : *found) {
    if (item.is_string()) list.push_back(item.get<std::string>());
  }
  return list;
}

std::string string_of(const json& event, const char* key) {
  const auto found = event.find(key);
  return found != event.end() && found->is_string() ? found->get<std::string>() : std::string();
}

double number_of(const json& event, const char* key) {
  const auto found = event.find(key);
  return found != event.end() && found->is_number() ? found->get<double>() : 0.0;
}

int integer_of(const json& event, const char* key) {
  const auto found = event.find(key);
  return found != event.end() && found->is_number_integer() ? found->get<int>() : 0;
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

void add_unique(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

struct ResponseRecord {
  std::string delegation;
  std::string response;
  std::string reason;
  double utility = 0;
  double support_threshold = 0;
  double blocking_threshold = 0;
  std::vector<std::string> issues;
  std::vector<std::string> red_lines;
  bool player = false;  // a student's answer (negsim play): told as given, with no model reasoning
};

struct ChangeRecord {
  bool amendment = false;
  bool withdrawal = false;  // a repair taken back (from: repaired value, to: the value before)
  std::string delegation;
  std::string issue;
  double from = 0;
  double to = 0;
  bool accepted = false;
  std::vector<std::string> new_objectors;
};

struct RoundRecord {
  int round = 0;
  const json* draft = nullptr;
  std::vector<ResponseRecord> responses;
  std::vector<ChangeRecord> changes;
  const json* influence = nullptr;
  const json* passed_over = nullptr;  // objectors the chair did not try to meet (outvoted minorities)
  std::vector<const json*> closing;   // chairs_summary, vote and end events after this round
  bool final_text = false;            // the presidency's own last-day text (event final_text)

  bool played() const {
    return std::any_of(responses.begin(), responses.end(),
                       [](const ResponseRecord& response) { return response.player; });
  }

  bool any_accepted() const {
    return std::any_of(changes.begin(), changes.end(), [](const ChangeRecord& change) { return change.accepted; });
  }
};

class Storyteller {
 public:
  Storyteller(const Scenario* scenario, const NarrationOptions& options) : scenario_(scenario), options_(options) {}

  std::string tell(const std::vector<json>& events) {
    std::vector<RoundRecord> rounds;
    const json* start = nullptr;
    std::vector<const json*> before_rounds;
    bool final_text_next = false;
    for (const auto& event : events) {
      const std::string kind = string_of(event, "event");
      if (kind == "start") {
        start = &event;
      } else if (kind == "final_text") {
        final_text_next = true;  // told with the draft that follows it
      } else if (kind == "draft") {
        rounds.emplace_back();
        rounds.back().round = integer_of(event, "round");
        rounds.back().draft = &event;
        rounds.back().final_text = final_text_next;
        final_text_next = false;
      } else if (rounds.empty()) {
        before_rounds.push_back(&event);  // a trace cut before its first draft: nothing to tell
      } else if (kind == "response") {
        ResponseRecord record;
        record.delegation = string_of(event, "delegation");
        record.response = string_of(event, "response");
        record.reason = string_of(event, "reason");
        record.utility = number_of(event, "utility");
        record.support_threshold = number_of(event, "support_threshold");
        record.blocking_threshold = number_of(event, "blocking_threshold");
        record.issues = strings_of(event, "issues");
        record.red_lines = strings_of(event, "red_lines_crossed");
        record.player = event.value("player", false);
        rounds.back().responses.push_back(std::move(record));
      } else if (kind == "repair" || kind == "amendment" || kind == "withdrawal") {
        ChangeRecord change;
        change.amendment = kind == "amendment";
        change.withdrawal = kind == "withdrawal";
        change.delegation = string_of(event, "delegation");
        change.issue = string_of(event, "issue");
        change.from = number_of(event, "from");
        change.to = number_of(event, "to");
        change.accepted = event.value("accepted", false);
        change.new_objectors = strings_of(event, "new_objectors");
        rounds.back().changes.push_back(std::move(change));
      } else if (kind == "influence") {
        rounds.back().influence = &event;
      } else if (kind == "passed_over") {
        rounds.back().passed_over = &event;
      } else if (kind == "dissociation") {
        if (event.value("joined", false)) joined_at_gavel_.push_back(string_of(event, "delegation"));
      } else if (kind == "chairs_summary" || kind == "ruling" || kind == "taken_note" || kind == "vote" ||
                 kind == "end") {
        rounds.back().closing.push_back(&event);
      }
    }
    if (start != nullptr) tell_start(*start);
    for (std::size_t r = 0; r < rounds.size(); ++r) {
      const RoundRecord* previous = r > 0 ? &rounds[r - 1] : nullptr;
      // A stretch of rounds that repeat the one before them is told once.
      std::size_t last = r;
      if (options_.merge_repeated_rounds && previous != nullptr) {
        while (last < rounds.size() && repeats(rounds[last], last > 0 ? rounds[last - 1] : rounds[last])) ++last;
      }
      if (last > r + 1) {
        out_ << "\n";
        out_ << wrap_words("Rounds " + std::to_string(rounds[r].round) + " to " +
                               std::to_string(rounds[last - 1].round) + " go the same way as round " +
                               std::to_string(previous->round) +
                               ": the same text, the same objections, and no repair or amendment gets through.",
                           options_.width, "", 0);
        seat_in_play_ = rounds[last - 1].played();
        for (const json* closing : rounds[last - 1].closing) tell_closing(*closing, rounds[last - 1]);
        r = last - 1;
        continue;
      }
      next_round_ = r + 1 < rounds.size() ? &rounds[r + 1] : nullptr;
      tell_round(rounds[r], previous);
    }
    return out_.str();
  }

 private:
  const Delegation* delegation(const std::string& id) const {
    if (scenario_ == nullptr) return nullptr;
    const int index = scenario_->find_delegation(id);
    return index < 0 ? nullptr : &scenario_->delegations[static_cast<std::size_t>(index)];
  }

  std::string name(const std::string& id) const {
    const Delegation* found = delegation(id);
    std::string text = found != nullptr && !found->name.empty() ? found->name : id;
    if (!options_.player.empty() && id == options_.player && seat_in_play_) text += " (you)";
    return text;
  }

  // Whether a shown name reads as several: the delegation's `plural` when the file sets it, else
  // guessed from the name (names_several).
  bool reads_as_several(const std::string& shown) const {
    if (scenario_ != nullptr) {
      for (const auto& candidate : scenario_->delegations) {
        const std::string own = candidate.name.empty() ? candidate.id : candidate.name;
        if (candidate.plural && (shown == own || starts_with(shown, own + " ("))) return *candidate.plural;
      }
    }
    return names_several(shown);
  }

  bool reads_as_several(const std::vector<std::string>& shown) const {
    return shown.size() > 1 || (shown.size() == 1 && reads_as_several(shown.front()));
  }

  std::vector<std::string> names(const std::vector<std::string>& ids) const {
    std::vector<std::string> list;
    list.reserve(ids.size());
    for (const auto& id : ids) list.push_back(name(id));
    return list;
  }

  // The issue's title without its parenthesis: "Countermeasures (response to ...)" reads
  // "Countermeasures" in a sentence.
  std::string issue_name(const std::string& id) const {
    if (scenario_ == nullptr) return id;
    const int index = scenario_->find_issue(id);
    if (index < 0) return id;
    std::string title = scenario_->issues[static_cast<std::size_t>(index)].title;
    const auto parenthesis = title.find(" (");
    if (parenthesis != std::string::npos && parenthesis > 0) title.resize(parenthesis);
    return title.empty() ? id : title;
  }

  std::vector<std::string> issue_names(const std::vector<std::string>& ids) const {
    std::vector<std::string> list;
    list.reserve(ids.size());
    for (const auto& id : ids) list.push_back(issue_name(id));
    return list;
  }

  double tabled(const RoundRecord& round, const std::string& issue) const {
    if (round.draft == nullptr) return 0;
    const auto draft = round.draft->find("draft");
    if (draft == round.draft->end() || !draft->is_object()) return 0;
    return number_of(*draft, issue.c_str());
  }

  // A paragraph's value as its texts print it ("0.504" beside "draft at 0.504", never "0.50"):
  // through the scenario's levels when the story has them, else read back from a tabled text of
  // this round or the next with that very value; two decimals when no text shows it.
  std::string paragraph_value(const std::string& issue, double value, const RoundRecord& round) const {
    if (scenario_ != nullptr) {
      const int index = scenario_->find_issue(issue);
      if (index >= 0) return scenario_->issues[static_cast<std::size_t>(index)].value_text(value);
    }
    for (const RoundRecord* tabled_in : {&round, next_round_}) {
      if (tabled_in != nullptr && tabled_in->draft != nullptr && tabled(*tabled_in, issue) == value) {
        return value_as_text_prints_it(text_of(*tabled_in, issue), value);
      }
    }
    return two_decimals(value);
  }

  std::string text_of(const RoundRecord& round, const std::string& issue) const {
    const auto text = round.draft->find("text");
    return text != round.draft->end() && text->is_object() ? string_of(*text, issue.c_str()) : std::string();
  }

  // The words of a paragraph's text without the value Issue::text_at adds between levels
  // ('"A" (reached 0.25; draft at 0.48)' is worded "A"): a move within one level is no new wording.
  static std::string wording(const std::string& text) {
    if (text.empty() || text.back() != ')' || text.find("; draft at ") == std::string::npos) return text;
    const std::size_t open = text.rfind(" (");
    return open == std::string::npos ? text : text.substr(0, open);
  }

  std::vector<std::string> issue_ids(const RoundRecord& round) const {
    std::vector<std::string> ids;
    const auto draft = round.draft->find("draft");
    if (draft == round.draft->end() || !draft->is_object()) return ids;
    for (auto item = draft->begin(); item != draft->end(); ++item) ids.push_back(item.key());
    return ids;
  }

  // "at least 0.60; the text says 0.57", from the scenario's red line.
  std::string red_line_detail(const std::string& delegation_id, const std::string& issue, double value) const {
    if (scenario_ == nullptr) return "";
    const int i = scenario_->find_delegation(delegation_id);
    const int k = scenario_->find_issue(issue);
    if (i < 0 || k < 0) return "";
    const double low = scenario_->red_line_min(i, k);
    const double high = scenario_->red_line_max(i, k);
    const double crossed = value < low ? low : high;
    return (value < low ? "at least " : "at most ") + two_decimals(crossed) + ", the text says " +
           format_apart(value, crossed);
  }

  void line(const std::string& text) { out_ << wrap_words(text, options_.width, "", 0); }
  void bullet(const std::string& text) { out_ << wrap_words(text, options_.width, "  - ", 4); }

  void tell_start(const json& start) {
    const std::string title = string_of(start, "title");
    if (!title.empty()) line(title);  // a long title wraps at a word, not mid-word
    auto count = [&](const char* key, const char* singular) {
      return format_count(static_cast<std::uint64_t>(std::max<std::int64_t>(0, integer_of(start, key))), singular);
    };
    std::string text = count("delegations", "delegation") + " negotiate " + count("issues", "paragraph") +
                       " under the " + string_of(start, "rule") + " rule, within " + count("max_rounds", "round") +
                       ". ";
    const std::string chair = string_of(start, "chair");
    text += chair.empty() ? "A neutral chair" : "The chair, " + name_without_chair_mark(name(chair)) + ",";
    const std::string strategy = string_of(start, "strategy");
    text += strategy == "nash"      ? " drafts the text that maximises the product of everyone's gains."
            : strategy == "maximin" ? " drafts the text that leaves the least satisfied delegation best off."
                                    : " drafts a compromise weighted by power and salience.";
    line(text);
    // Delegations outside the drafting change what the chair drafts and repairs: say who they are.
    if (scenario_ != nullptr) {
      std::vector<std::string> outside;
      for (const auto& delegation : scenario_->delegations) {
        if (delegation.outside_drafting) outside.push_back(name_without_chair_mark(name(delegation.id)));
      }
      if (!outside.empty()) {
        line("Outside the drafting: " + join_names(outside) +
             ". The chair neither drafts from their stances nor repairs for them; they still answer every text" +
             (scenario_->process.fallbacks.vote_threshold ? ", block under the rule and vote."
                                                          : " and block under the rule."));
      }
    }
  }

  void tell_draft(const RoundRecord& round, const RoundRecord* previous) {
    // `negsim play` shows the text of the rounds the student answers; the others are told here.
    if (!options_.tell_text && round.played()) return;
    out_ << "\n";
    const std::string header =
        "Round " + std::to_string(round.round) +
        (round.final_text ? ", the last: " +
                                (scenario_ != nullptr ? final_text_words(scenario_->process)
                                                      : std::string("the presidency's own final text")) +
                                "."
                          : std::string("."));
    const std::string tables = round.final_text ? " The presidency tables" : " The chair tables";
    if (previous == nullptr || previous->draft == nullptr) {
      line(header + tables + " a first text:");
      for (const auto& issue : issue_ids(round)) bullet(issue_name(issue) + ": " + text_of(round, issue));
      return;
    }
    std::vector<std::string> reworded;
    std::vector<std::string> adjusted;
    for (const auto& issue : issue_ids(round)) {
      const double before = tabled(*previous, issue);
      const double now = tabled(round, issue);
      if (wording(text_of(round, issue)) != wording(text_of(*previous, issue))) {
        reworded.push_back(issue);
      } else if (std::abs(now - before) >= 0.01) {
        adjusted.push_back(issue_name(issue) + " (from " + value_as_text_prints_it(text_of(*previous, issue), before) +
                           " to " + value_as_text_prints_it(text_of(round, issue), now) + ")");
      }
    }
    if (reworded.empty() && adjusted.empty()) {
      line(header + tables + " the same text again.");
      return;
    }
    if (reworded.empty()) {
      line(header + tables + " the text again with the same wording, moved on " + join_names(adjusted) + ".");
      return;
    }
    line(header + tables + " a revised text:");
    for (const auto& issue : reworded) {
      bullet(issue_name(issue) + " (from " +
             value_as_text_prints_it(text_of(*previous, issue), tabled(*previous, issue)) + " to " +
             value_as_text_prints_it(text_of(round, issue), tabled(round, issue)) +
             ") now reads: " + text_of(round, issue));
    }
    if (!adjusted.empty()) line("Same wording, moved: " + join_names(adjusted) + ".");
  }

  void tell_responses(const RoundRecord& round) {
    if (round.responses.empty()) return;
    std::vector<std::string> supporters;
    double support_power = 0;
    double total_power = 0;
    bool powers_known = scenario_ != nullptr;
    for (const auto& response : round.responses) {
      const Delegation* found = delegation(response.delegation);
      powers_known = powers_known && found != nullptr;
      const double power = found != nullptr ? scenario_->power(scenario_->find_delegation(response.delegation)) : 0;
      total_power += power;
      if (response.response == "support") {
        supporters.push_back(response.delegation);
        support_power += power;
      }
    }
    const std::size_t count = round.responses.size();
    std::string text;
    if (supporters.size() == count) {
      text = "Every delegation supports it.";
    } else if (supporters.empty()) {
      text = "No delegation supports it.";
    } else if (count <= 5) {
      const auto shown = names(supporters);
      text = join_names(shown) + (reads_as_several(shown) ? " support it." : " supports it.");
    } else {
      text = std::to_string(supporters.size()) + " of " + std::to_string(count) + " delegations support it";
      if (powers_known && total_power > 0)
        text += " (" + format_percent(support_power / total_power) + " of the power)";
      text += ".";
    }
    line(text);
    tell_objectors(round);
    tell_asides(round);
  }

  void tell_objectors(const RoundRecord& round) {
    // Objectors with the same grounds are told together: the first in full, the rest "too".
    std::vector<std::pair<std::string, std::vector<const ResponseRecord*>>> groups;
    for (const auto& response : round.responses) {
      if (response.response != "object") continue;
      std::string key;
      if (response.player) {
        key = "player:";
      } else if (!response.red_lines.empty()) {
        // The same paragraphs are not enough: the United States' ceiling and Nigeria's floor on
        // one amount are two red lines, so the bound and its side are part of the grounds.
        key = "red:";
        for (const auto& issue : response.red_lines) {
          key += issue + "(" + red_line_detail(response.delegation, issue, tabled(round, issue)) + ");";
        }
      } else if (starts_with(response.reason, "follows its bloc leader")) {
        key = "follow:" + response.reason;
      } else if (starts_with(response.reason, "utility")) {
        key = "utility:" + join_names(response.issues);
      } else {
        key = "other:" + response.reason;
      }
      auto group = std::find_if(groups.begin(), groups.end(), [&](const auto& entry) { return entry.first == key; });
      if (group == groups.end()) {
        groups.push_back({key, {}});
        group = groups.end() - 1;
      }
      group->second.push_back(&response);
    }
    for (const auto& [key, members] : groups) {
      const ResponseRecord& first = *members.front();
      std::vector<std::string> others;
      for (std::size_t j = 1; j < members.size(); ++j) others.push_back(name(members[j]->delegation));
      const bool plural = reads_as_several(others);
      const std::string first_name = name(first.delegation);
      const bool first_several = reads_as_several(first_name);
      const std::string objects = first_several ? " object" : " objects";
      const std::string its = first_several ? "their" : "its";
      std::string text;
      if (key == "player:") {
        text = first_name + objects + ".";  // the student's answer, not the model's reasons
      } else if (starts_with(key, "red:")) {
        std::vector<std::string> details;
        for (const auto& issue : first.red_lines) {
          const std::string detail = red_line_detail(first.delegation, issue, tabled(round, issue));
          details.push_back(issue_name(issue) + (detail.empty() ? "" : " (" + detail + ")"));
        }
        if (scenario_ == nullptr) {
          text = first_name + objects + ": " + first.reason + ".";
        } else {
          text = first_name + objects + ": the text crosses " + its + " red line" +
                 (first.red_lines.size() > 1 ? "s" : "") + " on " + join_names(details) + ".";
        }
        if (!others.empty()) {
          text += " " + join_names(others) + (plural ? " object" : " objects") + " too, on the same red line" +
                  (first.red_lines.size() > 1 ? "s." : ".");
        }
      } else if (starts_with(key, "follow:")) {
        const std::string leader = first.reason.substr(std::string("follows its bloc leader ").size());
        std::vector<std::string> all = {first_name};
        all.insert(all.end(), others.begin(), others.end());
        const bool several = reads_as_several(all);
        text = join_names(all) + (several ? " follow their bloc leader, " : " follows its bloc leader, ") +
               name(leader) + ", and " + (several ? "object." : "objects.");
      } else if (starts_with(key, "utility:")) {
        const int places = places_apart(first.utility, first.blocking_threshold);
        text = first_name + objects + ": the text is worth only " + format_decimal(first.utility, places) + " to " +
               (first_several ? "them" : "it") + ", below " + its + " blocking threshold of " +
               format_decimal(first.blocking_threshold, places) + ".";
        if (!first.issues.empty()) {
          text += std::string(first_several ? " They want" : " It wants") + " changes on " +
                  join_names(issue_names(first.issues)) + ".";
        }
        if (!others.empty()) {
          text += " " + join_names(others) + (plural ? " object" : " objects") + " on the same grounds.";
        }
      } else {
        // Grounds the story does not know (a trace from elsewhere): the trace's own words.
        std::vector<std::string> all = {first_name};
        all.insert(all.end(), others.begin(), others.end());
        text = join_names(all) + (reads_as_several(all) ? " object" : " objects") +
               (first.reason.empty() ? "." : ": " + first.reason + ".");
      }
      line(text);
    }
  }

  void tell_asides(const RoundRecord& round) {
    std::vector<const ResponseRecord*> asides;
    for (const auto& response : round.responses) {
      if (response.response == "aside") asides.push_back(&response);
    }
    if (asides.empty()) return;
    if (asides.size() > 3) {
      std::vector<std::string> ids;
      ids.reserve(asides.size());
      for (const auto* aside : asides) ids.push_back(aside->delegation);
      line(join_names(names(ids)) +
           " stand aside: the text is worth less to each than it needs to support, but not so little that it blocks.");
      return;
    }
    for (const auto* aside : asides) {
      const std::string shown = name(aside->delegation);
      const bool several = reads_as_several(shown);
      const std::string stands = several ? " stand aside" : " stands aside";
      const std::string its = several ? "their" : "its";
      if (aside->player) {
        line(shown + stands + ".");
        continue;
      }
      if (starts_with(aside->reason, "follows its bloc leader")) {
        const std::string leader = aside->reason.substr(std::string("follows its bloc leader ").size());
        line(shown + stands + " with " + its + " bloc leader, " + name(leader) + ".");
        continue;
      }
      // Each threshold is printed apart from the utility it is compared with, and the utility
      // apart from both: "worth 0.85, short of the 0.85 it needs" would contradict itself.
      const int support_places = places_apart(aside->utility, aside->support_threshold);
      const int blocking_places = places_apart(aside->utility, aside->blocking_threshold);
      line(shown + stands + ": the text is worth " +
           format_decimal(aside->utility, std::max(support_places, blocking_places)) + " to " +
           (several ? "them" : "it") + ", short of the " + format_decimal(aside->support_threshold, support_places) +
           (several ? " they need" : " it needs") + " to support, but above " + its + " blocking threshold of " +
           format_decimal(aside->blocking_threshold, blocking_places) + ".");
    }
  }

  void tell_changes(const RoundRecord& round) {
    if (round.passed_over != nullptr) {
      std::vector<std::string> passed;
      for (const auto& id : strings_of(*round.passed_over, "delegations")) passed.push_back(name(id));
      line("The chair does not try to meet " + join_names(passed) + ": " + string_of(*round.passed_over, "reason") +
           ".");
    }
    std::vector<std::string> repair_for;
    std::vector<std::string> repair_issues;
    std::vector<std::string> repair_blockers;
    std::vector<std::string> amenders;
    std::vector<std::string> amended_issues;
    std::vector<std::string> amendment_blockers;
    std::vector<std::string> withdrawals;
    for (const auto& change : round.changes) {
      const std::string span = "from " + paragraph_value(change.issue, change.from, round) + " to " +
                               paragraph_value(change.issue, change.to, round);
      if (change.withdrawal) {  // told last: it follows the changes the chair could not make
        withdrawals.push_back("The chair withdraws its repair of " + issue_name(change.issue) + " for " +
                              name(change.delegation) + " (" + span + "): " + name(change.delegation) +
                              " still objects, the text can go on without it, and without the repair no one new "
                              "objects.");
        continue;
      }
      if (change.accepted) {
        line(change.amendment ? name(change.delegation) + " proposes an amendment on " + issue_name(change.issue) +
                                    " (" + span + "); no one new objects, so the chair accepts it."
                              : "The chair repairs " + issue_name(change.issue) + " to meet the red line of " +
                                    name(change.delegation) + " (" + span + "); no one new objects, so it stands.");
        continue;
      }
      auto& who = change.amendment ? amenders : repair_for;
      auto& what = change.amendment ? amended_issues : repair_issues;
      auto& blockers = change.amendment ? amendment_blockers : repair_blockers;
      add_unique(who, name(change.delegation));
      add_unique(what, issue_name(change.issue));
      for (const auto& id : change.new_objectors) add_unique(blockers, name(id));
    }
    if (!repair_for.empty()) {
      line("The chair cannot meet the red line" + std::string(repair_for.size() > 1 ? "s" : "") + " of " +
           join_names(repair_for) + " on " + join_names(repair_issues) + ": " +
           (repair_blockers.empty() ? "each repair would make others object."
                                    : "each repair would make others object (" + join_some(repair_blockers, 4) + ")."));
    }
    if (!amenders.empty()) {
      line(join_names(amenders) + (amenders.size() > 1 ? " propose amendments" : " proposes an amendment") + " on " +
           join_names(amended_issues) + "; the chair rejects " + (amenders.size() > 1 ? "them" : "it") +
           (amendment_blockers.empty() ? "." : ", since " + join_some(amendment_blockers, 4) + " would then object."));
    }
    for (const auto& withdrawal : withdrawals) line(withdrawal);
  }

  void tell_influence(const RoundRecord& round) {
    if (round.influence == nullptr) return;
    const auto moves = round.influence->find("moves");
    if (moves == round.influence->end() || !moves->is_array() || moves->empty()) return;
    const json* largest = nullptr;
    double largest_move = 0;
    std::set<std::string> movers;
    for (const auto& move : *moves) {
      movers.insert(string_of(move, "delegation"));
      const double size = std::abs(number_of(move, "to") - number_of(move, "from"));
      if (size > largest_move) {
        largest_move = size;
        largest = &move;
      }
    }
    if (largest == nullptr || largest_move < 0.01) return;  // drift too small to tell
    line("Between rounds, " + std::to_string(movers.size()) +
         (movers.size() == 1 ? " delegation moves" : " delegations move") + " toward their blocs; the largest move: " +
         name(string_of(*largest, "delegation")) + " on " + issue_name(string_of(*largest, "issue")) + ", from " +
         two_decimals(number_of(*largest, "from")) + " to " + two_decimals(number_of(*largest, "to")) + ".");
  }

  void tell_closing(const json& event, const RoundRecord& round) {
    const std::string kind = string_of(event, "event");
    if (kind == "chairs_summary") {
      const auto moved = issue_names(strings_of(event, "moved"));
      std::string text =
          "At the deadline the chair moves " + join_names(moved) + " out of the text and into a chair's summary. ";
      const auto objectors = names(strings_of(event, "objectors"));
      text += event.value("adopted", false)
                  ? "Without " + std::string(moved.size() > 1 ? "them" : "it") + ", the rule is met."
                  : "Even so, " + join_names(objectors) + (reads_as_several(objectors) ? " object." : " objects.");
      line(text);
    } else if (kind == "ruling") {
      const auto objectors = names(strings_of(event, "objectors"));
      const std::string share = format_percent(number_of(event, "power_share"));
      line(event.value("applied", false)
               ? "At the deadline the presidency rules that consensus is not unanimity: the objection" +
                     std::string(objectors.size() > 1 ? "s" : "") + " of " + join_names(objectors) + ", holding " +
                     share + " of the power, " + (objectors.size() > 1 ? "do" : "does") + " not stop the text."
               : "At the deadline the presidency weighs ruling over the objectors, but " +
                     std::to_string(objectors.size()) + (objectors.size() == 1 ? " objector" : " objectors") +
                     " holding " + share + " of the power are too many to overrule.");
    } else if (kind == "taken_note") {
      const auto objectors = names(strings_of(event, "objectors"));
      line("The text is not adopted; the room takes note of it" +
           (objectors.empty() ? std::string(".") : ", over the objection of " + join_names(objectors) + "."));
    } else if (kind == "vote") {
      const std::string body = event.value("body", std::string());
      line("Consensus has failed, so " +
           (body.empty() ? std::string("the chair calls a vote") : "the text goes to a vote in " + the_body(body)) +
           ": " + std::to_string(integer_of(event, "yes")) + " yes, " + std::to_string(integer_of(event, "no")) +
           " no, " + std::to_string(integer_of(event, "abstain")) + " abstaining. It needs " +
           format_percent(number_of(event, "threshold")) +
           " of those voting: " + (event.value("adopted", false) ? "carried." : "lost."));
    } else if (kind == "end") {
      tell_end(event, round);
    }
  }

  void tell_end(const json& end, const RoundRecord& round) {
    const std::string outcome = string_of(end, "outcome");
    const std::string rounds = std::to_string(integer_of(end, "rounds"));
    auto ids_of = [&](const char* key) {
      std::vector<std::string> ids;
      const auto list = end.find(key);
      if (list == end.end() || !list->is_array()) return ids;
      for (const auto& record : *list) ids.push_back(string_of(record, "delegation"));
      return ids;
    };
    const auto objectors = names(ids_of("objectors"));
    const auto dissociators = names(ids_of("dissociators"));
    std::string text;
    out_ << "\n";
    if (end.value("interrupted", false)) {
      text = interrupted_sentence(integer_of(end, "rounds"));
    } else if (outcome == "taken_note") {
      text = "Outcome: not adopted. After " + rounds + " rounds the room takes note of the text" +
             (objectors.empty() ? std::string(".") : ", " + join_names(objectors) + " still objecting.");
    } else if (outcome == "no_consensus") {
      std::vector<std::string> issues;
      const auto list = end.find("objectors");
      if (list != end.end() && list->is_array()) {
        for (const auto& record : *list) {
          for (const auto& issue : strings_of(record, "issues")) add_unique(issues, issue_name(issue));
        }
      }
      text = "Outcome: no consensus. The deadline passes after " + rounds + " rounds";
      if (!objectors.empty()) {
        text += " with " + join_names(objectors) + " still objecting";
        if (!issues.empty()) text += " (on " + join_names(issues) + ")";
      }
      text += ".";
      const auto pivotal = names(strings_of(end, "pivotal"));
      if (!pivotal.empty()) {
        text += " Had " + join_names(pivotal) + " alone joined, the text would have passed.";
      } else if (objectors.size() > 1) {
        text += " No single objector could have let it pass alone.";
      }
    } else {
      const std::string in_round = " in round " + std::to_string(round.round);
      // Those who stood aside at the gavel and joined rather than dissociate: told, since the
      // round above showed them standing aside.
      const auto joined = names(joined_at_gavel_);
      const std::string joined_text =
          joined.empty()
              ? ""
              : join_names(joined) + (reads_as_several(joined) ? ", standing aside, join" : ", standing aside, joins") +
                    " rather than dissociate publicly";
      if (outcome == "consensus") {
        text = joined.empty()
                   ? "Outcome: nobody objects and everyone supports: adopted by consensus" + in_round + "."
                   : "Outcome: nobody objects, and " + joined_text + ": adopted by consensus" + in_round + ".";
      } else if (outcome == "consensus_with_dissociations") {
        text = "Outcome: nobody objects, so the text is adopted by consensus" + in_round + ", with " +
               join_names(dissociators) + " standing aside (dissociating from it)" +
               (joined.empty() ? std::string(".") : "; " + joined_text + ".");
      } else if (outcome == "adopted_over_objections" && end.contains("overruled_by_ruling")) {
        text = "Outcome: the presidency's ruling overrides the objection" +
               std::string(objectors.size() > 1 ? "s" : "") + " of " + join_names(objectors) + ": adopted" + in_round +
               ".";
      } else if (outcome == "adopted_over_objections") {
        text = "Outcome: the rule tolerates the objection" + std::string(objectors.size() > 1 ? "s" : "") + " of " +
               join_names(objectors) + ", so the text is adopted" + in_round + ".";
      } else if (outcome == "chairs_summary") {
        text = "Outcome: adopted by consensus" + in_round + ", the contested paragraphs moved to a chair's summary.";
      } else if (outcome == "vote") {
        text = "Outcome: adopted by vote" + in_round + ", after consensus failed.";
      } else {
        text = "Outcome: " + outcome + ".";
      }
      const auto reserving = names(ids_of("reservations"));
      if (!reserving.empty()) {
        text += " " + join_names(reserving) + (reads_as_several(reserving) ? " join" : " joins") +
                " with a reservation (an interpretive statement) on a paragraph that crosses " +
                (reserving.size() > 1          ? "their red lines."
                 : reads_as_several(reserving) ? "their red line."
                                               : "its red line.");
      }
    }
    line(text);
  }

  void tell_round(const RoundRecord& round, const RoundRecord* previous) {
    // After a student hands the seat back (or input ends) the brief answers: no "(you)" then.
    seat_in_play_ = round.played();
    tell_draft(round, previous);
    tell_responses(round);
    tell_changes(round);
    tell_influence(round);
    for (const json* closing : round.closing) tell_closing(*closing, round);
  }

  // Whether `round` tells nothing new after `previous`: same text, same objectors on the same
  // grounds, same stand-asides, and no change got through in either.
  bool repeats(const RoundRecord& round, const RoundRecord& previous) const {
    if (&round == &previous || round.draft == nullptr || previous.draft == nullptr) return false;
    if (round.final_text) return false;  // the presidency's last text is told as such
    if (round.any_accepted() || previous.any_accepted()) return false;
    for (const auto& issue : issue_ids(round)) {
      if (text_of(round, issue) != text_of(previous, issue)) return false;
    }
    if (round.responses.size() != previous.responses.size()) return false;
    for (std::size_t j = 0; j < round.responses.size(); ++j) {
      const auto& now = round.responses[j];
      const auto& before = previous.responses[j];
      if (now.delegation != before.delegation || now.response != before.response || now.player != before.player) {
        return false;
      }
      if (now.response == "object" && (now.red_lines != before.red_lines || now.issues != before.issues)) return false;
    }
    return true;
  }

  const Scenario* scenario_;
  std::vector<std::string> joined_at_gavel_;  // stood aside at the gavel and joined (trace "dissociation")
  const NarrationOptions& options_;
  bool seat_in_play_ = true;
  const RoundRecord* next_round_ = nullptr;  // the round after the one being told, if any
  std::ostringstream out_;
};

}  // namespace

std::string narrate(const std::vector<json>& events, const Scenario* scenario, const NarrationOptions& options) {
  Storyteller storyteller(scenario, options);
  return storyteller.tell(events);
}

std::vector<json> parse_trace_lines(const std::string& jsonl, const std::string& file_name) {
  // Each line is parsed where it lies (no stream, no copy of it): a 193 x 40 x 100 trace is
  // 8.5 MB, and copying it line by line was a fifth of building its report.
  std::vector<json> events;
  int number = 0;
  std::size_t start = 0;
  while (start < jsonl.size()) {
    std::size_t end = jsonl.find('\n', start);
    if (end == std::string::npos) end = jsonl.size();
    ++number;
    const std::size_t line_start = start;
    start = end + 1;
    if (end == line_start) continue;
    json event;
    try {
      event = json::parse(jsonl.begin() + static_cast<std::ptrdiff_t>(line_start),
                          jsonl.begin() + static_cast<std::ptrdiff_t>(end));
    } catch (const json::parse_error& error) {
      throw InputError(file_name, number, 1, "", std::string("not a JSON event: ") + error.what());
    }
    if (!event.is_object() || !event.contains("event") || !event["event"].is_string()) {
      throw InputError(file_name, number, 1, "", "a trace line must be an object with an \"event\" name");
    }
    events.push_back(std::move(event));
  }
  return events;
}

std::vector<json> read_trace_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, 0, "", "cannot read the trace");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return parse_trace_lines(text, path);
}

}  // namespace negsim
