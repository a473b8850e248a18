#include "negsim/play.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <istream>
#include <limits>
#include <ostream>
#include <sstream>

#include "negsim/format.hpp"
#include "negsim/model.hpp"
#include "negsim/narrate.hpp"

namespace negsim {

using json = nlohmann::ordered_json;

namespace {

std::string lower_trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  std::string out = text.substr(first, last - first + 1);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Under 80 columns: a terminal of any size shows it unbroken.
const char* const help_text = R"(
  s, support   the text is good enough: you support it
  a, aside     you stand aside (dissociate): you do not block, nor join
  o, object    you object: under consensus, the text cannot pass while you do
  m, amend     you object and propose an amendment: the chair accepts it if it
               makes no one else object. Type it in one go, "m PARAGRAPH VALUE",
               e.g. "m 1 0.8" or "m water_share 0.8"; leave the value out to
               see the paragraph's levels. At those questions "back", "cancel"
               or "q" returns to your answer, and so does Enter, except where
               the prompt offers a value for Enter
  q, quit      hand your seat back: your delegation's brief answers the
               remaining rounds
  h, help      this help

  A paragraph in quotes, "..." (reached 0.40; draft at 0.55), is drafted
  between two wordings of its scale: it reads as the wording its value has
  reached, with its value. Without quotes it stands exactly at that wording.
)";

}  // namespace

PlaySeat::PlaySeat(const Scenario& scenario, int delegation, std::istream& in, std::ostream& out, const Trace& trace,
                   int width)
    : scenario_(scenario), delegation_(delegation), in_(in), out_(out), trace_(trace), width_(width) {}

void PlaySeat::print_news(int before_round) {
  NarrationOptions options;
  options.merge_repeated_rounds = false;  // the story is told as it happens, round by round
  options.tell_text = false;              // show_round() prints the text with the seat's own view
  options.player = scenario_.delegations[static_cast<std::size_t>(delegation_)].id;
  options.width = width_;
  // The rounds finished so far, the student's answers marked as theirs: the story then says what
  // the student answered, never what the model would have reasoned for the seat.
  std::vector<json> events;
  for (const auto& event : play_events(trace_.events(), scenario_, *this)) {
    if (event.value("round", 0) < before_round) events.push_back(event);
  }
  const std::string story = narrate(events, &scenario_, options);
  if (story.size() > narrated_) {
    out_ << story.substr(narrated_);
    narrated_ = story.size();
  }
}

void PlaySeat::finish() {
  print_news(std::numeric_limits<int>::max());
  out_ << std::flush;
}

double PlaySeat::utility_of(const State& state) const {
  double loss = 0;
  for (int k = 0; k < scenario_.issue_count(); ++k) {
    loss += scenario_.salience(delegation_, k) *
            issue_loss(state.draft(k), state.positions(delegation_, k), scenario_.process.utility);
  }
  return 1.0 - loss + state.noise(delegation_);
}

std::string perception_note(double noise) {
  // With perception noise (MODEL.md section 2) the same text reads differently from round to
  // round; say so, or a student sees its worth jump for no reason.
  if (std::abs(noise) < 0.005) return "";
  return " (as your delegation reads it this round: " + format_decimal(std::abs(noise), 2) +
         (noise > 0 ? " above" : " below") + " its worth, perception noise)";
}

std::string brief_advice(const Scenario& scenario, const State& state, int delegation, double utility) {
  const Delegation& seat = scenario.delegations[static_cast<std::size_t>(delegation)];
  std::vector<std::string> crossed;
  for (int k = 0; k < scenario.issue_count(); ++k) {
    // A red line on a paragraph where the seat enters a reservation draws no objection of its own
    // (docs/MODEL.md section 10a).
    const bool reserved = std::find(seat.reservations.begin(), seat.reservations.end(), k) != seat.reservations.end();
    if (!reserved && crosses_red_line(scenario, delegation, k, state.draft(k))) {
      crossed.push_back(scenario.issues[static_cast<std::size_t>(k)].title);
    }
  }
  const double alone = seat.outside_option - scenario.process.isolation_cost;
  if (!crossed.empty()) return "object: the text crosses your red line on " + join_names(crossed) + ".";
  if (utility < alone) return "object: the text is worth less to you than walking away.";
  if (utility >= state.support_threshold(delegation)) return "support: the text clears your support threshold.";
  if (utility < seat.outside_option) return "stand aside, or object if others object with you.";
  return "stand aside: not good enough to support, not so bad that you should block.";
}

std::string PlaySeat::advice(const State& state, double utility) const {
  return brief_advice(scenario_, state, delegation_, utility);
}

void PlaySeat::say(const std::string& text, const std::string& first_prefix, std::size_t indent) {
  out_ << wrap_words(text, width_, first_prefix, indent);
}

void PlaySeat::show_round(const State& state) {
  const Delegation& seat = scenario_.delegations[static_cast<std::size_t>(delegation_)];
  const int k_count = scenario_.issue_count();
  if (state.round == 0) {
    // The same sentences as the brief's and the room's (rules_of_the_room).
    out_ << "\nThe rules of the room:\n";
    for (const auto& rule : rules_of_the_room(scenario_, delegation_)) say(rule, "  - ", 4);
  }
  out_ << "\n" << std::string(static_cast<std::size_t>(std::clamp(width_, 20, 200)), '-') << "\n";
  out_ << "Round " << state.round + 1 << " of " << scenario_.process.max_rounds << ". You are " << seat.name
       << "; rule: " << scenario_.process.rule.name() << ".\n";
  // The same words as the story's and the room's (sim/narrate.cpp, sim/room/room.js).
  const bool final_text = scenario_.process.is_final_text_round(state.round);
  if (final_text) {
    say("The last round: " + final_text_words(scenario_.process) + ". No amendment can follow it.");
  } else if (scenario_.process.is_last_round(state.round)) {
    say("The last round: no text follows this one, so the chair can weigh no amendment.");
  }
  out_ << (final_text ? "The presidency tables its final text:\n" : "The chair tables this text:\n");
  for (int k = 0; k < k_count; ++k) {
    const Issue& issue = scenario_.issues[static_cast<std::size_t>(k)];
    const double value = state.draft(k);
    // Lines wrap at word boundaries within the terminal's width, indented under their paragraph.
    say(std::to_string(k + 1) + ". " + issue.title + " [" + issue.id + "]  " + issue.value_text(value), "  ", 5);
    say(issue.text_at(value), "     ", 5);
    std::string wants = "You want " + two_decimals(state.positions(delegation_, k)) + " (weight " +
                        format_percent(scenario_.salience(delegation_, k), 0) + ").";
    const double low = scenario_.red_line_min(delegation_, k);
    const double high = scenario_.red_line_max(delegation_, k);
    if (low > 0 || high < 1) {
      wants += " Red line: " + (low > 0 ? "at least " + two_decimals(low) : "") + (low > 0 && high < 1 ? ", " : "") +
               (high < 1 ? "at most " + two_decimals(high) : "") +
               (crosses_red_line(scenario_, delegation_, k, value) ? ": CROSSED." : ": respected.");
    }
    say(wants, "     ", 5);
  }
  const double utility = utility_of(state);
  const double alone = seat.outside_option - scenario_.process.isolation_cost;
  const double support = state.support_threshold(delegation_);
  // Each line is printed apart from the utility, and the utility apart from every line, so a
  // utility just under a threshold never reads as the threshold itself.
  const int support_places = places_apart(utility, support);
  const int alone_places = places_apart(utility, alone);
  const int company_places = places_apart(utility, seat.outside_option);
  const std::string blocking = format_decimal(alone, alone_places) + " when objecting alone (below " +
                               format_decimal(seat.outside_option, company_places) + " once others holding " +
                               format_percent(scenario_.process.full_company, 0) +
                               " of the others' power object beside you)";
  // A threshold conceded below the blocking line does not make the seat support: it objects
  // below that line first (MODEL.md section 4), so say which line decides.
  say("Your utility for this text: " +
      format_decimal(utility, std::max({support_places, alone_places, company_places})) +
      perception_note(state.noise(delegation_)) + ". " +
      (support < alone ? "Your support threshold (" + format_decimal(support, support_places) +
                             ") has fallen below the line where you block: you object below " + blocking +
                             ", and support otherwise."
                       : "You support at " + format_decimal(support, support_places) +
                             " or more this round; you block below " + blocking + "."));
  // The room's answers last round, from the trace.
  if (state.round > 0) {
    std::vector<std::string> lists[3];
    for (const auto& event : trace_.events()) {
      if (event.value("event", "") != "response" || event.value("round", 0) != state.round) continue;
      const std::string id = event.value("delegation", "");
      if (id == seat.id) continue;
      const int index = scenario_.find_delegation(id);
      const std::string name = index >= 0 ? scenario_.delegations[static_cast<std::size_t>(index)].name : id;
      const std::string response = event.value("response", "");
      lists[response == "support" ? 0 : response == "aside" ? 1 : 2].push_back(name);
    }
    auto describe = [](const std::vector<std::string>& names) {
      return names.empty()      ? std::string("nobody")
             : names.size() > 6 ? std::to_string(names.size()) + " delegations"
                                : join_names(names);
    };
    say("Last round the others answered: supported by " + describe(lists[0]) + "; stood aside: " + describe(lists[1]) +
        "; objected: " + describe(lists[2]) + ".");
  }
  say("Your brief suggests: " + advice(state, utility));
}

std::optional<std::string> PlaySeat::read_line(const std::string& prompt) {
  out_ << prompt << std::flush;
  std::string line;
  if (!std::getline(in_, line)) {
    out_ << "\n";
    return std::nullopt;
  }
  if (echo_) out_ << line << "\n";
  return line;
}

int PlaySeat::parse_issue(const std::string& text) const {
  const std::string wanted = lower_trimmed(text);
  if (wanted.empty()) return -1;
  if (std::all_of(wanted.begin(), wanted.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    const long number = wanted.size() > 4 ? -1 : std::stol(wanted);
    return number >= 1 && number <= scenario_.issue_count() ? static_cast<int>(number - 1) : -1;
  }
  return scenario_.find_issue(wanted);
}

namespace {

// At the questions of an amendment, these return to the answer prompt (q there hands the seat
// back; here it only leaves the question, as a student who typed it meant).
bool means_back(const std::string& word) {
  return word == "back" || word == "b" || word == "cancel" || word == "c" || word == "q" || word == "quit";
}

}  // namespace

PlaySeat::AmendmentChoice PlaySeat::ask_amendment(const State& state, const std::string& rest) {
  // The whole line counts: "m water_share 0.9" at the answer prompt, or "water_share 0.9" (even
  // "m water_share 0.9" again) at "Which paragraph?".
  auto split = [](const std::string& line) {
    std::istringstream words(line);
    std::vector<std::string> list;
    for (std::string word; words >> word;) list.push_back(lower_trimmed(word));
    if (!list.empty() && (list.front() == "m" || list.front() == "amend" || list.front() == "amendment")) {
      list.erase(list.begin());
    }
    return list;
  };
  std::vector<std::string> words = split(rest);
  int issue = -1;
  std::string value_text;
  bool asked = !words.empty();
  while (true) {
    if (asked) {
      issue = words.empty() ? -1 : parse_issue(words[0]);
      if (issue >= 0 && words.size() <= 2) {
        value_text = words.size() == 2 ? words[1] : "";
        break;
      }
      if (issue < 0 && !words.empty()) out_ << "There is no paragraph '" << words[0] << "'.\n";
      if (issue >= 0) out_ << "Give a paragraph and at most one value, e.g. \"water_share 0.9\".\n";
    }
    const auto line = read_line("Which paragraph? (1-" + std::to_string(scenario_.issue_count()) +
                                " or its id, a value after it if you like; Enter, \"back\" or \"q\" to go back) > ");
    if (!line) return {std::nullopt, true};
    if (lower_trimmed(*line).empty() || means_back(lower_trimmed(*line))) return {};
    words = split(*line);
    asked = true;
  }
  const Issue& named = scenario_.issues[static_cast<std::size_t>(issue)];
  const double current = state.draft(issue);
  const double step = scenario_.process.amendment_step > 0 ? scenario_.process.amendment_step : 0.5;
  const double toward = std::clamp(current + step * (state.positions(delegation_, issue) - current), 0.0, 1.0);
  // A chair drafting in the catalogue's words writes a level: the suggestion is one.
  const bool in_words = scenario_.process.drafting == Drafting::levels;
  const double suggested =
      in_words ? named.amendment_in_words(current, toward, state.positions(delegation_, issue)) : toward;
  // A suggestion that prints as the text's own value is no suggestion.
  const bool offer_suggestion = two_decimals(suggested) != two_decimals(current);
  while (true) {
    if (value_text.empty()) {
      say(named.title + " is at " + named.value_text(current) + " and reads: " + named.text_at(current), "  ", 2);
      out_ << "  Its levels:\n";
      for (const auto& level : named.levels) say(two_decimals(level.value) + " " + level.text, "    ", 9);
      const auto line = read_line("Move it to (0 to 1" +
                                  (offer_suggestion ? "; Enter for " + two_decimals(suggested) +
                                                          ", a step toward your position; \"back\" or \"q\" to go back"
                                                    : "; Enter, \"back\" or \"q\" to go back") +
                                  ") > ");
      if (!line)
        return offer_suggestion ? AmendmentChoice{Amendment{issue, suggested}, false}
                                : AmendmentChoice{std::nullopt, true};
      value_text = lower_trimmed(*line);
      if (value_text.empty() && !offer_suggestion) return {};
      if (value_text.empty()) value_text = two_decimals(suggested);
      if (means_back(value_text)) return {};
    }
    char* end = nullptr;
    const double typed = std::strtod(value_text.c_str(), &end);
    const bool number =
        !value_text.empty() && end != nullptr && *end == '\0' && std::isfinite(typed) && typed >= 0 && typed <= 1;
    const double value = number && in_words ? named.in_words(typed) : typed;
    if (number && in_words && std::abs(value - typed) > 1e-9) {
      say("The chair drafts in the catalogue's words: " + two_decimals(typed) + " is written as the level " +
          two_decimals(value) + ".");
    }
    if (number && std::abs(value - current) > 1e-9) {
      if (!crosses_red_line(scenario_, delegation_, issue, value)) return {Amendment{issue, value}, false};
      // The student's own red line: proposing to cross it undoes what the seat stands for (and a
      // chair's repair toward it), so it takes a second yes.
      const double low = scenario_.red_line_min(delegation_, issue);
      const double high = scenario_.red_line_max(delegation_, issue);
      say("Careful: " + format_apart(value, value < low ? low : high) + " crosses your own red line on " + named.title +
          " (" + (value < low ? "at least " + two_decimals(low) : "at most " + two_decimals(high)) +
          "): you would object to the text you propose.");
      const auto confirm = read_line("Propose it anyway? (y/N; \"back\" or \"q\" to go back) > ");
      if (!confirm) return {std::nullopt, true};
      const std::string answer = lower_trimmed(*confirm);
      if (answer == "y" || answer == "yes") return {Amendment{issue, value}, false};
      if (means_back(answer)) return {};
      out_ << "Not proposed.\n";
    } else {
      say(in_words ? "Give a number from 0 to 1 whose level differs from the text's " + named.value_text(current) + "."
                   : "Give a number from 0 to 1 that differs from the text's " + named.value_text(current) + ".");
    }
    value_text.clear();
  }
}

std::optional<Response> PlaySeat::respond(const State& state, int delegation) {
  if (delegation != delegation_) return std::nullopt;
  pending_amendment_.reset();
  print_news(state.round + 1);
  json decision = {{"round", state.round + 1}, {"response", nullptr}, {"amendment", nullptr}, {"by", "brief"}};
  if (autopilot_) {
    decisions_.push_back(decision);
    return std::nullopt;
  }
  show_round(state);
  while (true) {
    const auto line = read_line("Your answer: [s]upport, stand [a]side, [o]bject, [m] amend, [h]elp, [q]uit > ");
    if (!line) {
      autopilot_ = true;
      out_ << "(Input ended: your delegation's brief answers for you from here on.)\n";
      decisions_.push_back(decision);
      return std::nullopt;
    }
    std::istringstream words(*line);
    std::string command;
    words >> command;
    command = lower_trimmed(command);
    std::string rest;
    std::getline(words, rest);
    std::optional<Response> answer;
    if (command == "s" || command == "support") {
      answer = Response::support;
    } else if (command == "a" || command == "aside" || command == "stand") {
      answer = Response::aside;
    } else if (command == "o" || command == "object") {
      answer = Response::object;
    } else if (command == "m" || command == "amend" || command == "amendment") {
      answer = Response::object;
      if (!scenario_.process.chair.amendments) {
        out_ << "The chair takes no amendments in this negotiation: you object.\n";
      } else if (scenario_.process.is_last_round(state.round)) {
        out_ << "No text follows the last round, so the chair can weigh no amendment: you object.\n";
      } else {
        const AmendmentChoice choice = ask_amendment(state, rest);
        if (choice.input_ended) {
          autopilot_ = true;
          out_ << "(Input ended: you object this round; your brief answers from the next one.)\n";
        } else if (!choice.amendment) {
          out_ << "No amendment: back to your answer.\n";
          continue;
        }
        pending_amendment_ = choice.amendment;
      }
    } else if (command == "q" || command == "quit") {
      autopilot_ = true;
      out_ << "You hand your seat back: your delegation's brief answers from here on.\n";
      decisions_.push_back(decision);
      return std::nullopt;
    } else if (command == "h" || command == "help" || command == "?") {
      out_ << help_text;
      continue;
    } else {
      out_ << "Please answer s, a, o, m or q (h for help).\n";
      continue;
    }
    decision["response"] = to_string(*answer);
    decision["by"] = "player";
    if (pending_amendment_) {
      const Issue& issue = scenario_.issues[static_cast<std::size_t>(pending_amendment_->issue)];
      decision["amendment"] = {{"issue", issue.id}, {"value", round6(pending_amendment_->value)}};
      out_ << "You object and propose: " << issue.title << " to " << two_decimals(pending_amendment_->value) << ".\n";
    } else {
      out_ << "You "
           << (*answer == Response::support ? "support the text"
               : *answer == Response::aside ? "stand aside"
                                            : "object")
           << ".\n";
    }
    decisions_.push_back(decision);
    return answer;
  }
}

std::optional<ResponseOverride::Amendment> PlaySeat::amend(const State& /*state*/, int delegation) {
  if (delegation != delegation_) return std::nullopt;
  return pending_amendment_;
}

std::vector<json> play_events(const std::vector<json>& events, const Scenario& scenario, const PlaySeat& seat) {
  const std::string& id = scenario.delegations[static_cast<std::size_t>(seat.delegation())].id;
  std::vector<int> played_rounds;
  for (const auto& decision : seat.decisions()) {
    if (decision.value("by", "") == "player") played_rounds.push_back(decision.value("round", 0));
  }
  std::vector<json> marked = events;
  for (auto& event : marked) {
    if (event.value("event", "") != "response" || event.value("delegation", "") != id) continue;
    const int round = event.value("round", 0);
    if (std::find(played_rounds.begin(), played_rounds.end(), round) == played_rounds.end()) continue;
    event["reason"] = "the player's choice";
    event["player"] = true;
  }
  return marked;
}

}  // namespace negsim
