// Narration: a run told as a story a student can follow ("Round 3. The chair tables ...
// Russian Federation objects: ..."), derived from the trace events alone, so it always tells
// what the engine did, never a second guess of it.
//
//   negsim::Trace trace(scenario);  ...  engine.run();
//   std::cout << negsim::narrate(trace.events(), &scenario);
//   // or, from a run directory: narrate(read_trace_file(dir + "/trace.jsonl"), &scenario)
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "negsim/scenario.hpp"

namespace negsim {

struct NarrationOptions {
  // Collapse a run of rounds that repeat the one before ("Rounds 3 to 10 go the same way"):
  // 25 delegations stuck for eight rounds would otherwise bury the story. `negsim play` turns it
  // off because it prints each round as it happens.
  bool merge_repeated_rounds = true;
  // Tell the text each round ("Round 2. The chair tables a revised text: ..."); `negsim play`
  // shows the text its own way.
  bool tell_text = true;
  std::string player;  // delegation id of a student's seat, named "... (you)"
  int width = 96;      // wrap lines at this many characters (0: no wrapping)
};

// The story of `events` (as in trace.jsonl). `scenario` gives names, titles, power and red
// lines; it may be null, and the story then uses ids and the trace's own reasons.
std::string narrate(const std::vector<nlohmann::ordered_json>& events, const Scenario* scenario,
                    const NarrationOptions& options = {});

// Names as a sentence lists them: "A", "A and B", "A, B and C".
std::string join_names(const std::vector<std::string>& names);

// How a run stopped early ended, in the same words in the story and the report: nothing was
// decided, and the text shown is the last one tabled, as the room answered it.
std::string interrupted_sentence(int rounds);

// The rules of the room in plain sentences, for a student: the decision rule, the rounds and the
// chair, the answers, and every procedure the scenario turns on (a final text, a ruling, a vote,
// taking note, a chair's summary, observers, delegations outside the drafting). With a seat
// (`delegation` >= 0) also what applies to that seat alone (reservations, being an observer).
// One source for the brief, `negsim play` and the room, so none of them says "one objection
// blocks the text" where the presidency can rule over it.
std::vector<std::string> rules_of_the_room(const Scenario& scenario, int delegation = -1);

// What a presidency's final text is, in the words the story, play, the rules and the room share:
// "the presidency's own final text, every paragraph drafted afresh ..., take it or leave it".
std::string final_text_words(const Process& process);

// A number as the story prints it: format_decimal(value, 2) (negsim/format.hpp).
std::string two_decimals(double value);

// The events of a trace.jsonl file. Throws InputError naming the line of a bad event.
std::vector<nlohmann::ordered_json> read_trace_file(const std::string& path);
std::vector<nlohmann::ordered_json> parse_trace_lines(const std::string& jsonl, const std::string& file_name);

}  // namespace negsim
