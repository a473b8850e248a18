// One rendering of a number for every output a person reads: the terminal summary, the story
// (--narrate, the report), `negsim play`, draft.md, `explain` and the report's charts (its twin
// formatDecimal in sim/report/report.js follows the same steps, so 0.475 reads 0.48 everywhere).
//
// The rule: write the value with 15 significant digits (the decimal a person would type: 0.475,
// not the binary 0.47499999999999998), then round that decimal half away from zero.
//
//   format_decimal(0.475, 2) == "0.48"   format_decimal(0.125, 2) == "0.13"
//   format_percent(0.5)      == "50%"    format_decimal(-0.001, 2) == "0.00"
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace negsim {

std::string format_decimal(double value, int places);

// `value` with `places` decimals, or with more (up to 6) where those would read the same as
// `reference`'s: a value just across a red line never prints as the line itself
// (format_apart(0.4951, 0.5) == "0.495", not "0.50").
std::string format_apart(double value, double reference, int places = 2);

// The decimals (from `places`, up to 6) at which `value` and `reference` read differently; print
// both at that many where the text compares them ("worth 0.848, short of the 0.852 it needs"),
// so a value under a threshold never reads as the threshold itself. Equal values: `places`.
int places_apart(double value, double reference, int places = 2);

// A share in [0,1] as a percentage with `places` decimals: format_percent(0.8123) == "81%".
std::string format_percent(double share, int places = 0);

// A count with its noun agreed: format_count(1, "seed") == "1 seed", (20, "seed") == "20 seeds",
// (2, "strategy", "strategies") == "2 strategies".
std::string format_count(std::uint64_t count, const std::string& singular, const std::string& plural = "");

// `digits` significant digits, trailing zeros dropped, never in exponent notation (at most 12
// decimals): format_significant(0.31452599999999997) == "0.314526", (0.356052) == "0.356052".
std::string format_significant(double value, int digits = 6);

// A paragraph's value as its rendered text (Issue::text_at) prints it, for outputs that hold the
// text but not the scenario (the report, the story): the number after "draft at" when the text
// shows one ('"A" (reached 0.50; draft at 0.501)' gives "0.501"), else format_decimal(value, 2).
std::string value_as_text_prints_it(const std::string& text, double value);

// A delegation's name where the sentence already says it chairs: "Germany (chair)" -> "Germany".
std::string name_without_chair_mark(std::string name);

// "the UN General Assembly" from "UN General Assembly", but "the Conference" left as written: a
// body's name as a scenario gives it, after "in" (a file may write its own article).
std::string the_body(const std::string& body);

// `text` wrapped greedily at word boundaries to lines of at most `width` characters (a word
// longer than that gets a line of its own), the first line after `first_prefix`, the next ones
// indented by `indent` spaces; ends with a newline. width <= 0: no wrapping.
std::string wrap_words(const std::string& text, int width, const std::string& first_prefix = "",
                       std::size_t indent = 0);

// Rows as a table for the terminal: columns left-aligned, two spaces apart, each line after
// `indent` and ending in a newline (no trailing spaces where a last cell is empty).
std::string aligned_columns(const std::vector<std::vector<std::string>>& rows, const std::string& indent = "");

// JSON text with every number that nlohmann's printer wrote with 16 or 17 digits
// (0.31452599999999997) written with the fewest of up to 15 that read back as the same double
// (0.314526). Strings are left alone. For trace.jsonl and summary.json.
std::string tidy_json_numbers(const std::string& json_text);

}  // namespace negsim
