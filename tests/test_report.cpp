// The classroom tools: the HTML report (checked in headless Chromium), the narration (golden
// file) and `negsim play` (scripted stdin, and a real terminal through tmux).
//
// The Chromium and tmux checks need Debian's chromium and tmux, which tools/setup installs;
// without them these tests fail with that message rather than skip.
//
// To regenerate the narration golden file deliberately:
//   NEGSIM_UPDATE_GOLDEN=1 build/tests/negsim_tests "[narration]"
// then review `git diff tests/golden/`.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "negsim/errors.hpp"
#include "negsim/narrate.hpp"
#include "negsim/play.hpp"
#include "negsim/report.hpp"
#include "negsim/trace.hpp"
#include "test_support.hpp"

using test_support::negsim_binary;
using test_support::read_text;
using test_support::run_command;
using test_support::source_path;

namespace fs = std::filesystem;

namespace {

using test_support::quoted;

bool on_path(const std::string& program) {
  return run_command("command -v " + program + " >/dev/null").exit_code == 0;
}

// Fails the test (not skips it) when a tool the checks need is missing.
void require_program(const std::string& program) {
  if (!on_path(program)) {
    FAIL(program << " is not installed: run tools/setup, which installs Debian's " << program
                 << " (the report and play tests need it)");
  }
}

int count_of(const std::string& text, const std::string& needle) {
  int count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

struct Page {
  std::string dom;
  std::string log;  // Chromium's stderr: console messages appear as ":CONSOLE" lines
  int exit_code = -1;
};

std::string chromium_command(const fs::path& profile) {
  return test_support::headless_chromium(profile, 120) + " --enable-logging=stderr --v=0 --virtual-time-budget=20000";
}

// Loads `html` in headless Chromium and returns the DOM after its scripts ran.
Page open_in_chromium(const fs::path& html, const std::string& window_size = "1200,2000") {
  require_program("chromium");
  const auto work = test_support::temporary_directory("chromium");
  const auto log = work / "chromium.log";
  const auto dom = work / "dom.html";
  Page page;
  page.exit_code = run_command(chromium_command(work / "profile") + " --window-size=" + window_size + " --dump-dom " +
                               quoted("file://" + fs::absolute(html).string()) + " > " + quoted(dom.string()) + " 2> " +
                               quoted(log.string()))
                       .exit_code;
  page.dom = read_text(dom.string());
  page.log = read_text(log.string());
  fs::remove_all(work);
  return page;
}

void screenshot(const fs::path& html, const fs::path& png, const std::string& window_size = "1200,2000") {
  require_program("chromium");
  const auto work = test_support::temporary_directory("chromium-shot");
  fs::remove(png);
  const auto result = run_command(chromium_command(work / "profile") + " --window-size=" + window_size +
                                  " --screenshot=" + quoted(png.string()) + " " +
                                  quoted("file://" + fs::absolute(html).string()) + " 2>/dev/null");
  fs::remove_all(work);
  INFO("chromium exit " << result.exit_code);
  REQUIRE(fs::exists(png));
  CHECK(fs::file_size(png) > 10000);
}

// Lines of Chromium's log that report something the page printed to the console.
std::vector<std::string> console_lines(const std::string& log) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find(":CONSOLE") != std::string::npos) lines.push_back(line);
  }
  return lines;
}

// What every rendered report must show: the page's own status, no console output, SVG charts.
void check_rendered(const Page& page, int charts) {
  INFO("chromium log:\n" << page.log);
  REQUIRE(page.exit_code == 0);
  CHECK(test_support::html_attribute(page.dom, "data-report") == "rendered");
  CHECK(test_support::html_attribute(page.dom, "data-report-errors") == "0");
  CHECK(test_support::html_attribute(page.dom, "data-report-charts") == std::to_string(charts));
  CHECK(console_lines(page.log).empty());
  // Vega's svg renderer: one <svg> a chart (plus the page's fill patterns), with data marks.
  CHECK(count_of(page.dom, "<svg") >= charts + 1);
  CHECK(count_of(page.dom, "role=\"graphics-symbol\"") + count_of(page.dom, "role=\"graphics-object\"") > charts);
}

fs::path build_directory() {
  return fs::path(negsim_binary()).parent_path();
}

std::string make_run(const fs::path& directory, const std::string& scenario, const std::string& options = "") {
  const auto out = directory / "run";
  const auto result = run_command(negsim_binary() + " run " + quoted(scenario) + " --quiet " + options + " --out " +
                                  quoted(out.string()));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  return out.string();
}

fs::path make_report(const std::string& results, const fs::path& html) {
  const auto result = run_command(negsim_binary() + " report " + quoted(results) + " -o " + quoted(html.string()));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  REQUIRE(fs::exists(html));
  return html;
}

}  // namespace

TEST_CASE("the report of the 2017 GGE run renders its charts in headless Chromium", "[report][chromium]") {
  const auto directory = test_support::temporary_directory("report-gge");
  const std::string run = make_run(directory, source_path("scenarios/gge-2016-2017.yaml"));
  const auto html = make_report(run, directory / "report.html");
  const std::string raw = read_text(html.string());
  // Self-contained: Vega inlined, nothing to fetch.
  CHECK(raw.find("<script src") == std::string::npos);
  CHECK(raw.find("<link") == std::string::npos);
  CHECK(raw.find(std::string(negsim::vega_bundle().substr(0, 200))) != std::string::npos);
  // The facts line names the chair once: "chair Germany", not "chair Germany (chair)".
  CHECK(raw.find("\u00b7 chair Germany</p>") != std::string::npos);
  CHECK(raw.find("chair Germany (chair)") == std::string::npos);

  NEGSIM_RETURN_IF_BROWSER_SKIPPED(directory);
  const Page page = open_in_chromium(html);
  // Two response charts, utility, distance and one position chart per issue (8).
  check_rendered(page, 12);
  CHECK(page.dom.find("class=\"mark-area") != std::string::npos);         // stacked areas of responses
  CHECK(page.dom.find("class=\"mark-line") != std::string::npos);         // utility lines, trajectories
  CHECK(page.dom.find("class=\"mark-rect") != std::string::npos);         // the heatmap
  CHECK(page.dom.find("url(#negsim-fill-object)") != std::string::npos);  // patterns, not only colour
  CHECK(page.dom.find("No consensus.") != std::string::npos);
  CHECK(page.dom.find("Russian Federation") != std::string::npos);
  CHECK(page.dom.find("id=\"replay-text\"") != std::string::npos);
  CHECK(page.dom.find("<h3>International humanitarian law") != std::string::npos);  // replay built
  CHECK(page.dom.find("Rounds 5 to 11 go the same way") != std::string::npos);      // the story
  CHECK(test_support::html_attribute(page.dom, "data-report-overflow") == "false");
  CHECK(test_support::html_attribute(page.dom, "data-report-clipped-charts") == "0");
  CHECK(test_support::html_attribute(page.dom, "data-report-overlapping-labels") == "0");
  // Provenance from meta.json.
  const auto meta = nlohmann::json::parse(read_text(run + "/meta.json"));
  CHECK(page.dom.find(meta["git_commit"].get<std::string>()) != std::string::npos);
  CHECK(page.dom.find(meta["scenario_sha256"].get<std::string>()) != std::string::npos);

  screenshot(html, build_directory() / "report-screenshot.png");

  SECTION("at phone width nothing runs off the side of the page") {
    const Page phone = open_in_chromium(html, "390,844");
    check_rendered(phone, 12);
    CHECK(test_support::html_attribute(phone.dom, "data-report-overflow") == "false");
    CHECK(test_support::html_attribute(phone.dom, "data-report-clipped-charts") == "0");
  }
  fs::remove_all(directory);
}

TEST_CASE("a report's legends fit their charts: four blocs with long names, the responses' shapes",
          "[report][chromium]") {
  // COP29 Baku: four blocs named at length. The bloc legend took four columns in every chart, so
  // the position charts (a third of the page wide) showed their first bloc only and the utility
  // chart's response legend, beside it, showed 'support' only; Vega clipped the rest unseen.
  const auto directory = test_support::temporary_directory("report-legends");
  const std::string run = make_run(directory, source_path("scenarios/history/cop29-baku-2024.yaml"));
  const auto html = make_report(run, directory / "report.html");
  NEGSIM_RETURN_IF_BROWSER_SKIPPED(directory);
  for (const std::string size : {"1200,2000", "390,844"}) {
    INFO("window " << size);
    const Page page = open_in_chromium(html, size);
    check_rendered(page, 8);  // two response charts, utility, distance, four position charts
    CHECK(test_support::html_attribute(page.dom, "data-report-clipped-charts") == "0");
    CHECK(page.dom.find(">object</text>") != std::string::npos);
    CHECK(page.dom.find("Least developed countries and small isla") != std::string::npos);
  }
  fs::remove_all(directory);
}

TEST_CASE("a report's labels in a plot stay off its axes: a threshold along the chart's bottom", "[report][chromium]") {
  // WTO Bali 2013, two rounds: the United States' blocking threshold ends at the bottom of the
  // utility chart (0.20), and its label, drawn under the line's end, sat on the round numbers.
  const auto directory = test_support::temporary_directory("report-labels");
  const std::string run = make_run(directory, source_path("scenarios/history/wto-bali-2013.yaml"));
  const auto html = make_report(run, directory / "report.html");
  NEGSIM_RETURN_IF_BROWSER_SKIPPED(directory);
  for (const std::string size : {"1200,2000", "390,844"}) {
    INFO("window " << size);
    const Page page = open_in_chromium(html, size);
    check_rendered(page, 7);  // two response charts, utility, distance, three position charts
    CHECK(test_support::html_attribute(page.dom, "data-report-overlapping-labels") == "0");
    CHECK(page.dom.find(">blocking threshold</text>") != std::string::npos);
  }
  fs::remove_all(directory);
}

TEST_CASE("the report of a sweep shows outcome probabilities and objections", "[report][chromium][sweep]") {
  const auto directory = test_support::temporary_directory("report-sweep");
  const auto sweep = directory / "sweep";
  const auto made = run_command(negsim_binary() + " sweep " + quoted(source_path("scenarios/gge-2016-2017.yaml")) +
                                " --vary process.rule=consensus,consensus-minus-3 --replicates 40 --threads 1 --quiet"
                                " --out " +
                                quoted(sweep.string()));
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
  const auto html = make_report(sweep.string(), directory / "sweep.html");
  NEGSIM_RETURN_IF_BROWSER_SKIPPED(directory);
  const Page page = open_in_chromium(html);
  check_rendered(page, 3);  // the curve against the one varied key, the outcomes, the objections
  CHECK(page.dom.find("class=\"mark-area") != std::string::npos);    // Wilson bands of the curve
  CHECK(page.dom.find("class=\"mark-rule") != std::string::npos);    // intervals
  CHECK(page.dom.find("class=\"mark-symbol") != std::string::npos);  // shares
  CHECK(page.dom.find("class=\"mark-rect") != std::string::npos);    // objection frequencies
  CHECK(page.dom.find("process.rule=consensus-minus-3") != std::string::npos);
  CHECK(page.dom.find("Cuba") != std::string::npos);
  screenshot(html, build_directory() / "report-sweep-screenshot.png");
  fs::remove_all(directory);
}

TEST_CASE("hostile scenario strings render as text and no script of theirs runs", "[report][chromium][escaping]") {
  const auto directory = test_support::temporary_directory("report-hostile");
  const std::string run = make_run(directory, source_path("tests/report/hostile-strings.yaml"));
  const auto html = make_report(run, directory / "report.html");
  const std::string raw = read_text(html.string());
  // No raw occurrence anywhere in the page: HTML text is entity-escaped, embedded JSON uses \u003c.
  for (const char* needle : {"<script>alert(1)", "<img src=x", "<svg onload", "</script><script>document.body",
                             "<b>bold</b>", "<!-- the flow"}) {
    INFO(needle);
    CHECK(raw.find(needle) == std::string::npos);
  }
  CHECK(raw.find("\\u003cscript\\u003ealert(1)") != std::string::npos);

  NEGSIM_RETURN_IF_BROWSER_SKIPPED(directory);
  const Page page = open_in_chromium(html);
  check_rendered(page, 6);
  CHECK(page.dom.find("data-pwned=") == std::string::npos);
  CHECK(page.dom.find("<title>pwned") == std::string::npos);
  CHECK(page.dom.find("<title>&lt;script&gt;document.title='pwned-title'&lt;/script&gt;") != std::string::npos);
  // The strings are there, as text: in the page, in Vega's SVG text and in the replay.
  CHECK(page.dom.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(page.dom.find("&lt;img src=x onerror=") != std::string::npos);
  CHECK(page.dom.find(">&lt;script&gt;document.body.setAttribute('dat") != std::string::npos);  // legend, cut short
  fs::remove_all(directory);
}

TEST_CASE("report data: JSON for a script element, and what the page is drawn from", "[report]") {
  const nlohmann::ordered_json hostile = {{"name", "</script><!--&-->"}, {"separator", "a\u2028b"}};
  const std::string safe = negsim::json_for_script_element(hostile);
  CHECK(safe.find('<') == std::string::npos);
  CHECK(safe.find('>') == std::string::npos);
  CHECK(safe.find('&') == std::string::npos);
  CHECK(nlohmann::ordered_json::parse(safe) == hostile);
  CHECK(negsim::escape_html("<a href=\"x\">&'</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  CHECK(negsim::vega_bundle().size() > 100000);
  CHECK(!negsim::vega_version().empty());

  SECTION("a hand-made sweep directory in the documented format") {
    const auto data = negsim::report_data(source_path("tests/report/sweep-fixture"));
    CHECK(data["kind"] == "sweep");
    CHECK(data["cells"].size() == 2);
    CHECK(data["outcome_rows"].size() == 14);  // 2 cells x 7 outcome kinds
    CHECK(data["objection_rows"].size() == 6);
    CHECK(data["vary"] == nlohmann::ordered_json::array({"process.amendment_step"}));
    // Names from the scenario that meta.json records.
    CHECK(data["objection_rows"][1]["name"] == "South (downstream)");
    const std::string html = negsim::report_html(data);
    CHECK(html.find("Hand-made sweep &lt;fixture&gt; &amp; friends") != std::string::npos);
  }
  SECTION("a run whose scenario file cannot be found still reports, by id") {
    const auto directory = test_support::temporary_directory("report-no-scenario");
    const std::string run = make_run(directory, source_path("scenarios/teaching/three-delegations.yaml"));
    auto meta = nlohmann::json::parse(read_text(run + "/meta.json"));
    meta["scenario_file"] = "nowhere/missing.yaml";
    std::ofstream(run + "/meta.json") << meta.dump(2);
    const auto data = negsim::report_data(run);
    CHECK(data["positions"].empty());
    CHECK(data["notes"].size() == 1);
    CHECK(data["delegations"][0]["name"] == "North (upstream)");  // from summary.json's records
    const auto with_scenario = run_command(negsim_binary() + " report " + quoted(run) + " --quiet --scenario " +
                                           quoted(source_path("scenarios/teaching/three-delegations.yaml")));
    CHECK(with_scenario.exit_code == 0);
    fs::remove_all(directory);
  }
  SECTION("not a results directory: exit 2 with a message") {
    const auto result = run_command(negsim_binary() + " report " + quoted(source_path("scenarios")));
    CHECK(result.exit_code == 2);
    CHECK(result.output.find("summary.json") != std::string::npos);
    CHECK(run_command(negsim_binary() + " report").exit_code == 2);
    CHECK(run_command(negsim_binary() + " report --help").exit_code == 0);
  }
}

TEST_CASE("narration of the teaching scenario matches its golden file", "[narration][golden]") {
  const auto scenario = negsim::load_scenario_file(source_path("scenarios/teaching/three-delegations.yaml"));
  negsim::Trace trace(scenario);
  negsim::Engine engine(scenario, 1, &trace);
  engine.run();
  const std::string story = negsim::narrate(trace.events(), &scenario);
  const std::string path = source_path("tests/golden/three-delegations.narration.txt");
  if (std::getenv("NEGSIM_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << story;
    WARN("rewrote " << path);
  }
  INFO("golden file: " << path << " (regenerate with NEGSIM_UPDATE_GOLDEN=1)");
  REQUIRE(fs::exists(path));
  CHECK(story == read_text(path));

  SECTION("the same story from trace.jsonl, and from `negsim run --narrate`") {
    const auto from_file = negsim::parse_trace_lines(trace.jsonl(), "trace.jsonl");
    CHECK(negsim::narrate(from_file, &scenario) == story);
    const auto result =
        run_command(negsim_binary() + " run " + quoted(source_path("scenarios/teaching/three-delegations.yaml")) +
                    " --no-write --narrate");
    REQUIRE(result.exit_code == 0);
    CHECK(result.output.find(story) == 0);
  }
}

TEST_CASE("narration stays readable with 25 delegations", "[narration]") {
  const auto scenario = negsim::load_scenario_file(source_path("scenarios/gge-2016-2017.yaml"));
  negsim::Trace trace(scenario);
  negsim::Engine engine(scenario, 1, &trace);
  engine.run();
  const std::string story = negsim::narrate(trace.events(), &scenario);
  CHECK(story.find("20 of 25 delegations support it") != std::string::npos);  // supporters counted
  CHECK(story.find("Russian Federation objects: the text crosses its red lines on International humanitarian law") !=
        std::string::npos);
  // Grouped where the red lines are the same, not repeated; Cuba's bounds are stricter (0.30), so
  // it is told apart rather than as objecting "too, on the same red lines".
  CHECK(story.find("China objects too, on the same red lines.") != std::string::npos);
  CHECK(story.find("Cuba objects: the text crosses its red lines on International humanitarian law") !=
        std::string::npos);
  // Perception noise (the fitted 0.098) lets a few stand-asides come and go in rounds 2 to 4;
  // from round 5 the rounds repeat and are told once.
  CHECK(story.find("Rounds 5 to 11 go the same way as round 4") != std::string::npos);
  CHECK(story.find("Outcome: no consensus") != std::string::npos);
  CHECK(std::count(story.begin(), story.end(), '\n') < 120);
  // Without a scenario the story still reads, by id and with the trace's reasons.
  const std::string bare = negsim::narrate(trace.events(), nullptr);
  CHECK(bare.find("russia objects: red line crossed on ihl") != std::string::npos);
  CHECK_THROWS_AS(negsim::parse_trace_lines("{\"event\":\"start\"}\nnot json\n", "t.jsonl"), negsim::InputError);
}

TEST_CASE("narration says 'they' of a delegation named as several, and 'it' of one State", "[narration]") {
  // WTO July 2008: "Benin, Burkina Faso, Chad and Mali (the cotton co-sponsors)" stood aside in
  // a story that said "stands aside: the text is worth 0.80 to it".
  const auto scenario = negsim::load_scenario_file(source_path("scenarios/history/wto-july-2008.yaml"));
  negsim::Trace trace(scenario);
  negsim::Engine engine(scenario, 1, &trace);
  engine.run();
  const std::string flat = std::regex_replace(negsim::narrate(trace.events(), &scenario), std::regex("\\s+"), " ");
  CHECK(flat.find("Benin, Burkina Faso, Chad and Mali (the cotton co-sponsors) stand aside: the text is worth") !=
        std::string::npos);
  CHECK(flat.find("to them, short of the 0.85 they need to support, but above their blocking threshold") !=
        std::string::npos);
  CHECK(flat.find("co-sponsors) stands") == std::string::npos);
  CHECK(flat.find("China stands aside: the text is worth") != std::string::npos);
  CHECK(flat.find("United States (Susan Schwab) objects: the text crosses its red line") != std::string::npos);
}

TEST_CASE("a delegation's plural key says how the story reads its name", "[narration]") {
  // The name alone misleads the guess both ways: "The Friends of the Chair" ends in no plural noun
  // it knows, "Small island States" (one negotiator's seat in this room) ends in one.
  const char* const room = R"(
title: Plural names
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: friends, name: "The Friends of the Chair", power: 1, positions: {a: 0.2}, outside_option: 0, plural: true}
  - {id: centre, power: 2, positions: {a: 0.5}, outside_option: 0}
  - {id: sids, name: "Small island States", power: 1, positions: {a: 0.8}, outside_option: 0, plural: false}
process:
  max_rounds: 1
)";
  const auto scenario = test_support::scenario_from(room);
  negsim::Trace trace(scenario);
  negsim::Engine engine(scenario, 1, &trace);
  engine.run();
  const std::string flat = std::regex_replace(negsim::narrate(trace.events(), &scenario), std::regex("\\s+"), " ");
  CHECK(flat.find("The Friends of the Chair stand aside: the text is worth") != std::string::npos);
  CHECK(flat.find("Small island States stands aside: the text is worth") != std::string::npos);
  CHECK_THROWS_WITH(test_support::scenario_from(room, {"delegations.sids.plural=maybe"}), Catch::Contains("plural"));
}

TEST_CASE("narration groups objectors only when their red lines are the same, not merely on one paragraph",
          "[narration]") {
  // COP29 Baku, round 1: the United States' ceiling and Nigeria's floor are both crossed on the
  // amount; the story once told Nigeria as objecting "too, on the same red line" as the US.
  const auto scenario = negsim::load_scenario_file(source_path("scenarios/history/cop29-baku-2024.yaml"));
  negsim::Trace trace(scenario);
  negsim::Engine engine(scenario, 1, &trace);
  engine.run();
  const std::string story = negsim::narrate(trace.events(), &scenario);
  const std::string round1 = story.substr(0, story.find("Round 2"));
  const std::string flat = std::regex_replace(round1, std::regex("\\s+"), " ");
  CHECK(flat.find("United States objects: the text crosses its red line on The goal developed countries take the "
                  "lead on (at most 0.40, the text says 0.56). European Union objects too, on the same red line.") !=
        std::string::npos);
  CHECK(flat.find("Nigeria objects: the text crosses its red line on The goal developed countries take the lead on "
                  "(at least 0.60, the text says 0.56).") != std::string::npos);
  CHECK(flat.find("Nigeria object") == flat.find("Nigeria objects: "));  // never among the "too"
}

TEST_CASE("play and the room say when perception noise moved a seat's reading of the text", "[play]") {
  CHECK(negsim::perception_note(0.123) ==
        " (as your delegation reads it this round: 0.12 above its worth, perception noise)");
  CHECK(negsim::perception_note(-0.06) ==
        " (as your delegation reads it this round: 0.06 below its worth, perception noise)");
  CHECK(negsim::perception_note(0.0).empty());     // no noise: nothing to explain
  CHECK(negsim::perception_note(-0.004).empty());  // would read "0.00 below"
  // The historical cases carry the fitted noise: a student playing one is told.
  const auto result =
      run_command("printf 'a\nq\n' | " + negsim_binary() + " play " +
                  quoted(source_path("scenarios/history/ccw-revcon6-2021.yaml")) + " --as nam --no-write");
  INFO(result.output);
  CHECK(result.output.find("Your utility for this text: 0.71 (as your delegation reads it this round: 0.18 below its "
                           "worth,") != std::string::npos);
}

TEST_CASE("play: a scripted student reaches a known outcome, written as a normal run", "[play]") {
  const auto directory = test_support::temporary_directory("play");
  const auto out = directory / "session";
  // South objects, then amends the water share to 0.9, then supports: adopted in round 3.
  const auto result = run_command("printf 'o\\nm water_share 0.9\\ns\\n' | " + negsim_binary() + " play " +
                                  quoted(source_path("scenarios/teaching/three-delegations.yaml")) +
                                  " --as south --out " + quoted(out.string()));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("Round 1 of 5. You are South (downstream)") != std::string::npos);
  CHECK(result.output.find("Your utility for this text: 0.60") != std::string::npos);
  CHECK(result.output.find("Red line: at least 0.50: CROSSED.") != std::string::npos);
  CHECK(result.output.find("Last round the others answered:") != std::string::npos);
  {
    // Round 3: South's support threshold (0.725) has conceded below its blocking line (0.75);
    // "you support at 0.73 or more" would be false (it objects below 0.75 first).
    std::string flat = result.output;
    std::replace(flat.begin(), flat.end(), '\n', ' ');
    CHECK(flat.find("Your support threshold (0.73) has fallen below the line where you block: you object below 0.75 "
                    "when objecting alone") != std::string::npos);
    CHECK(flat.find("You support at 0.73") == std::string::npos);
  }
  CHECK(result.output.find("South (downstream) (you) proposes an amendment on Share of the river's flow") !=
        std::string::npos);
  const auto summary = nlohmann::json::parse(read_text((out / "summary.json").string()));
  CHECK(summary["outcome"] == "consensus_with_dissociations");
  CHECK(summary["decided_round"] == 3);
  CHECK(summary["player"] == "south");
  const auto meta = nlohmann::json::parse(read_text((out / "meta.json").string()));
  CHECK(meta["play"]["as"] == "south");
  CHECK(meta["play"]["decisions"].size() == 3);
  CHECK(meta["play"]["decisions"][1]["amendment"]["value"] == 0.9);
  const std::string trace = read_text((out / "trace.jsonl").string());
  CHECK(count_of(trace, "\"player\":true") == 3);
  CHECK(trace.find("\"event\":\"amendment\",\"round\":2,\"delegation\":\"south\",\"issue\":\"water_share\","
                   "\"from\":0.5,\"to\":0.9,\"accepted\":true") != std::string::npos);
  for (const char* name : {"rounds.csv", "draft.md"}) CHECK(fs::file_size(out / name) > 0);
  // The report reads a play session like any run.
  const auto data = negsim::report_data(out.string());
  CHECK(data["narration"].get<std::string>().find("South (downstream) (you)") != std::string::npos);
  CHECK(data["provenance"]["player"] == "south");

  SECTION("input that ends early hands the seat to the delegation's brief") {
    const auto brief =
        run_command("printf 'x\\nh\\n' | " + negsim_binary() + " play " +
                    quoted(source_path("scenarios/teaching/three-delegations.yaml")) + " --as south --no-write");
    INFO(brief.output);
    CHECK(brief.exit_code == 0);
    CHECK(brief.output.find("Please answer s, a, o, m or q") != std::string::npos);
    CHECK(brief.output.find("m, amend") != std::string::npos);
    CHECK(brief.output.find("your delegation's brief answers for you") != std::string::npos);
    // The model playing South alone gives the scenario's own outcome.
    CHECK(brief.output.find("ADOPTED BY CONSENSUS, with dissociations, round 3 of 5") != std::string::npos);
  }
  SECTION("the last round says so and takes no amendment; a presidency's final text is named") {
    // No text follows the last round: an amendment there would be silently dropped.
    const auto last = run_command("printf 'o\\nm water_share 0.9\\n' | " + negsim_binary() + " play " +
                                  quoted(source_path("scenarios/teaching/three-delegations.yaml")) +
                                  " --as south --rounds 2 --set process.chair.final_text=true --no-write");
    INFO(last.output);
    CHECK(last.exit_code == 0);
    CHECK(count_of(last.output, "The last round") == 1);  // round 2 only
    CHECK(last.output.find("The last round: the presidency's own final text") != std::string::npos);
    CHECK(last.output.find("The presidency tables its final text:") != std::string::npos);
    CHECK(last.output.find("No text follows the last round, so the chair can weigh no amendment: you object.") !=
          std::string::npos);
    const auto plain = run_command("printf 'o\\n' | " + negsim_binary() + " play " +
                                   quoted(source_path("scenarios/teaching/three-delegations.yaml")) +
                                   " --as south --rounds 1 --no-write");
    INFO(plain.output);
    CHECK(plain.output.find("The last round: no text follows this one") != std::string::npos);
    CHECK(plain.output.find("The presidency tables") == std::string::npos);
  }
  SECTION("an unknown delegation is a usage error that lists the valid ids") {
    const auto unknown =
        run_command(negsim_binary() + " play " + quoted(source_path("scenarios/teaching/three-delegations.yaml")) +
                    " --as west </dev/null");
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.output.find("unknown delegation 'west'") != std::string::npos);
    CHECK(unknown.output.find("north, south, east") != std::string::npos);
    CHECK(run_command(negsim_binary() + " play --help").exit_code == 0);
  }
  fs::remove_all(directory);
}

TEST_CASE("play in a real terminal (tmux)", "[play][tmux]") {
  require_program("tmux");
  const auto directory = test_support::temporary_directory("play-tmux");
  const auto out = directory / "session";
  // A server of our own (-L) so that nothing else's tmux is touched; killed at the end.
  const std::string tmux = "tmux -L negsim-test-" + std::to_string(getpid()) + " ";
  const std::string command = negsim_binary() + " play " + source_path("scenarios/teaching/three-delegations.yaml") +
                              " --as south --out " + out.string() + "; echo PLAY-FINISHED; sleep 60";
  REQUIRE(run_command(tmux + "new-session -d -s play -x 110 -y 50 " + quoted(command)).exit_code == 0);
  auto screen = [&]() { return run_command(tmux + "capture-pane -p -t play -S -2000").output; };
  auto wait_for = [&](const std::string& text, int occurrences) {
    for (int attempt = 0; attempt < 200; ++attempt) {
      if (count_of(screen(), text) >= occurrences) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  const std::vector<std::string> answers = {"o", "m 1 0.9", "s"};
  for (std::size_t turn = 0; turn < answers.size(); ++turn) {
    INFO("turn " << turn + 1 << ", screen:\n" << screen());
    REQUIRE(wait_for("Your answer:", static_cast<int>(turn) + 1));
    REQUIRE(run_command(tmux + "send-keys -t play " + quoted(answers[turn]) + " Enter").exit_code == 0);
  }
  const bool finished = wait_for("PLAY-FINISHED", 1);
  const std::string last_screen = screen();
  run_command(tmux + "kill-server");
  INFO(last_screen);
  REQUIRE(finished);
  CHECK(last_screen.find("You object and propose: Share of the river's flow guaranteed downstream to 0.90.") !=
        std::string::npos);
  const auto summary = nlohmann::json::parse(read_text((out / "summary.json").string()));
  CHECK(summary["outcome"] == "consensus_with_dissociations");
  CHECK(summary["player"] == "south");
  fs::remove_all(directory);
}

TEST_CASE("a sweep's report draws one varied key as curves and two as a heat map", "[report]") {
  const auto directory = test_support::temporary_directory("report-axes");
  const std::string base = negsim_binary() + " sweep " + source_path("scenarios/teaching/three-delegations.yaml") +
                           " --set process.noise=0.02 -n 50 --quiet --vary delegations.south.outside_option=0.9:1:3";
  REQUIRE(
      run_command(base + " --out " + (directory / "with-rule").string() + " --vary process.rule=consensus").exit_code ==
      0);
  REQUIRE(run_command(base + " --out " + (directory / "one").string()).exit_code == 0);
  REQUIRE(
      run_command(base + " --out " + (directory / "two").string() + " --vary delegations.east.outside_option=0.3:0.9:3")
          .exit_code == 0);
  auto page_of = [&](const std::string& name) {
    const std::string page = (directory / (name + ".html")).string();
    REQUIRE(run_command(negsim_binary() + " report " + (directory / name).string() + " -o " + page).exit_code == 0);
    return read_text(page);
  };
  // The figure is there for one and two keys, with the caption saying which chart it holds.
  CHECK(page_of("one").find("Outcome shares against the varied setting, with 95% Wilson bands.") != std::string::npos);
  CHECK(page_of("two").find("Share of replicates adopting a text, by the two varied settings.") != std::string::npos);
  const std::string other = page_of("with-rule");  // a one-value axis is a key too: two keys
  CHECK(other.find("id=\"chart-axes\"") != std::string::npos);
  fs::remove_all(directory);
}
