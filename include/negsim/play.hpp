// A seat at the table: a student answers for one delegation, round by round, while the model
// plays the others (`negsim play SCENARIO --as DELEGATION`). Each round shows the tabled text,
// the student's utility and thresholds and what the room said, then asks: support, stand aside,
// object, or object and propose an amendment. Works the same with a terminal or piped input.
//
//   negsim::Trace trace(scenario);
//   negsim::PlaySeat seat(scenario, scenario.find_delegation("south"), std::cin, std::cout, trace);
//   negsim::Engine engine(scenario, seed, &trace);
//   engine.set_response_override(&seat);
//   engine.run();
//   // then play_events(trace.events(), seat) and the usual outputs: a normal run directory.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "negsim/engine.hpp"
#include "negsim/scenario.hpp"
#include "negsim/trace.hpp"

namespace negsim {

// What a seat's brief suggests it answer to the tabled text, in a sentence ("object: the text
// crosses your red line on ..."): the same advice in play and in the room.
std::string brief_advice(const Scenario& scenario, const State& state, int delegation, double utility);

// The clause that follows a seat's utility when perception noise moved it this round
// (" (as your delegation reads it this round: 0.12 above its worth, perception noise)"), or ""
// when it did not: the same words in play and in the room.
std::string perception_note(double noise);

class PlaySeat : public ResponseOverride {
 public:
  // `trace` is the run's trace: the seat narrates from it what happened since its last turn.
  PlaySeat(const Scenario& scenario, int delegation, std::istream& in, std::ostream& out, const Trace& trace,
           int width = 96);

  std::optional<Response> respond(const State& state, int delegation) override;
  std::optional<Amendment> amend(const State& state, int delegation) override;

  // Repeat each answer read, so that a transcript of piped input reads like a session.
  void echo_input(bool echo) { echo_ = echo; }
  // Prints what happened since the last turn (call once the run has ended).
  void finish();

  int delegation() const { return delegation_; }
  // One entry a round: {"round", "response", "amendment": {"issue","value"} or null, "by": "player" or "brief"}.
  const std::vector<nlohmann::ordered_json>& decisions() const { return decisions_; }
  // True once the input ended or the player handed the seat back: the model answers from then on.
  bool on_autopilot() const { return autopilot_; }

 private:
  void print_news(int before_round);  // the story of the rounds before `before_round`
  // Writes `text` wrapped at word boundaries to the terminal width (wrap_words).
  void say(const std::string& text, const std::string& first_prefix = "", std::size_t indent = 0);
  void show_round(const State& state);
  std::optional<std::string> read_line(const std::string& prompt);
  // After "m": an amendment, nothing ("back": the student answers again) or the end of input.
  struct AmendmentChoice {
    std::optional<Amendment> amendment;
    bool input_ended = false;
  };
  AmendmentChoice ask_amendment(const State& state, const std::string& rest);
  int parse_issue(const std::string& text) const;
  double utility_of(const State& state) const;
  std::string advice(const State& state, double utility) const;

  const Scenario& scenario_;
  int delegation_;
  std::istream& in_;
  std::ostream& out_;
  const Trace& trace_;
  int width_;
  std::size_t narrated_ = 0;  // characters of the narration already printed
  bool autopilot_ = false;
  bool echo_ = false;
  std::optional<Amendment> pending_amendment_;
  std::vector<nlohmann::ordered_json> decisions_;
};

// The run's events with the seat's own answers marked: "player": true and the reason
// "the player's choice" (the model's reason would explain an answer the model did not give).
std::vector<nlohmann::ordered_json> play_events(const std::vector<nlohmann::ordered_json>& events,
                                                const Scenario& scenario, const PlaySeat& seat);

}  // namespace negsim
