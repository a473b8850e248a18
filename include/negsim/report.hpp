// The classroom report: one self-contained HTML page (data as JSON, the page's script and Vega's
// bundle inlined, nothing fetched) that shows a run or a sweep to people who would rather look
// at a breakdown than read JSON.
//
//   negsim::write_report("results/gge-2016-2017/20260101-120000-seed1", "report.html");
//
// A run directory holds trace.jsonl, rounds.csv, summary.json and meta.json; a sweep directory
// holds summary.json with "kind": "sweep" (and cells.csv, meta.json). Names, blocs, positions and
// red lines come from the scenario file named in meta.json, loaded again with the run's --set
// overrides; without it the page still shows what the trace alone tells.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace negsim {

struct ReportOptions {
  std::string scenario_file;  // use this scenario instead of the one meta.json names
};

// The data the page is drawn from, as it is embedded in the page. Throws InputError when the
// directory is neither a run nor a sweep, or one of its files is malformed.
nlohmann::ordered_json report_data(const std::string& results_directory, const ReportOptions& options = {});
// The page for `data` (from report_data).
std::string report_html(const nlohmann::ordered_json& data);
// Reads the directory and writes the page to `output_file` atomically. Throws RunError when it
// cannot write.
void write_report(const std::string& results_directory, const std::string& output_file,
                  const ReportOptions& options = {});

// Text made safe inside HTML elements and quoted attributes.
std::string escape_html(std::string_view text);
// JSON safe inside <script type="application/json">: '<', '>' and '&' become \u003c, \u003e and
// \u0026 (still valid JSON), so no string can close the element or open a comment.
std::string json_for_script_element(const nlohmann::ordered_json& data);

// Vega's bundle as compiled in (tools/vega.pin names the version).
std::string_view vega_bundle();
// `script` made safe to inline in a <script> element: no "</script" in it can end the element
// early (written "<\/script", which JavaScript reads the same).
std::string inline_script(std::string_view script);
std::string vega_version();

}  // namespace negsim
