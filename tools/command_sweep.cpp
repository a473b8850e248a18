// negsim sweep FILE: many seeded replicates, over a grid of what-if settings, in parallel.
#include <chrono>
#include <fstream>
#include <algorithm>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include "commands.hpp"
#include "negsim/errors.hpp"
#include "negsim/grid.hpp"
#include "negsim/outputs.hpp"
#include "negsim/scenario.hpp"
#include "negsim/random.hpp"
#include "negsim/sweep.hpp"
#include "negsim/trace.hpp"
#include "progress.hpp"

namespace negsim::cli {

namespace {

const char* const sweep_examples = R"(
Examples:
  negsim sweep scenarios/gge-2016-2017.yaml --replicates 10000
  negsim sweep scenarios/gge-2016-2017.yaml --vary process.rule=consensus,consensus-minus-1,consensus-minus-3
  negsim sweep scenarios/gge-2016-2017.yaml --vary delegations.russia.red_lines.ihl.max=0.3:0.9:7 \
      --vary process.chair.strategy=compromise,nash --replicates 500
  negsim sweep scenarios/teaching/three-delegations.yaml --set process.noise=0.05 --keep-traces 3

Each replicate r uses the seed derived from --seed and r: it draws the scenario's declared
uncertainty ({value, range} or {value, sd} on numbers; --no-sample turns that off) and the
perception noise (process.noise). Every cell of the grid uses the same replicate seeds, and
the results are identical for any --threads.

Writes results/<scenario>/sweep-<timestamp>-seed<seed>/ (or --out DIR): cells.csv (one row per
cell: outcome shares with 95% Wilson intervals, rounds, objection frequency per delegation,
mean final utility per bloc), summary.json, meta.json, and replicates.csv with --replicates-csv.
)";

}  // namespace

int sweep_command(const std::vector<std::string>& arguments) {
  po::options_description options("Options for 'negsim sweep FILE'");
  std::uint64_t seed = 1;
  std::uint64_t replicates = 1000;
  int threads = 0;
  std::vector<std::string> overrides;
  std::vector<std::string> vary_expressions;
  std::string out_directory;
  std::string results_root = "results";
  std::string format = "text";
  std::uint64_t keep_traces = 0;
  options.add_options()("help,h", "show this help")(
      "replicates,n", po::value<std::uint64_t>(&replicates)->default_value(1000), "replicates per grid cell")(
      "seed", po::value<std::uint64_t>(&seed)->default_value(1), "master seed")(
      "threads,j", po::value<int>(&threads)->default_value(0), "worker threads (0: all cores)")(
      "vary", po::value<std::vector<std::string>>(&vary_expressions)->composing(),
      "grid axis: key.path=v1,v2,... or key.path=low:high:steps (repeatable; cartesian product)")(
      "set", po::value<std::vector<std::string>>(&overrides)->composing(),
      "override a scenario value in every cell, key.path=value (repeatable)")(
      "no-sample", "do not draw the scenario's declared uncertainty")(
      "keep-traces", po::value<std::uint64_t>(&keep_traces)->default_value(0),
      "also write full traces of the first N replicates of each cell")(
      "replicates-csv", "also write replicates.csv, one row per replicate")(
      "out", po::value<std::string>(&out_directory), "write the sweep into this directory (must not exist)")(
      "results", po::value<std::string>(&results_root)->default_value("results"), "root for default directories")(
      "force", "with --out: replace an existing directory")("quiet,q", "no progress bar, no table")(
      "format", po::value<std::string>(&format)->default_value("text"), "printed summary: text or json");
  po::options_description hidden;
  std::vector<std::string> files;
  hidden.add_options()("file", po::value<std::vector<std::string>>(&files));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("file", -1);
  po::variables_map values;
  po::store(po::command_line_parser(arguments).options(all).positional(positional).run(), values);
  if (values.count("help")) {
    std::cout << "Usage: negsim sweep FILE [OPTIONS]\n\n" << options << sweep_examples;
    return exit_ok;
  }
  po::notify(values);
  if (files.size() != 1) throw po::error("sweep takes exactly one scenario FILE");
  if (format != "text" && format != "json") throw po::error("--format must be text or json, not '" + format + "'");
  if (replicates < 1 || replicates > 100000000) throw po::error("--replicates must be between 1 and 100000000");
  if (threads < 0 || threads > 1024) throw po::error("--threads must be between 0 and 1024");
  const bool quiet = values.count("quiet") > 0;

  // Everything is validated before any work starts: the base, every axis and every cell.
  const auto started = std::chrono::steady_clock::now();
  const Scenario base = load_scenario_file(files[0], overrides);
  std::vector<VaryAxis> axes;
  for (const auto& expression : vary_expressions) axes.push_back(parse_vary(expression));
  const std::vector<GridCell> cells = expand_grid(axes);
  if (cells.size() > 100000) throw po::error("the grid has " + std::to_string(cells.size()) + " cells; the limit is 100000");
  std::vector<Scenario> cell_scenarios;
  for (const auto& cell : cells) {
    std::vector<std::string> cell_overrides = overrides;
    for (const auto& expression : cell.overrides()) cell_overrides.push_back(expression);
    cell_scenarios.push_back(load_scenario_file(files[0], cell_overrides));
  }

  SweepDescription description;
  description.scenario_id = base.id;
  description.title = base.title;
  description.master_seed = seed;
  description.replicates = replicates;
  description.sampled = values.count("no-sample") == 0;
  description.axes = axes;

  const std::string directory =
      out_directory.empty() ? new_run_directory(results_root, base.id, seed, "sweep-") : out_directory;
  StagedDirectory staged(directory, values.count("force") > 0);
  std::ofstream replicate_rows;
  std::mutex replicate_mutex;
  if (values.count("replicates-csv")) {
    replicate_rows.open(staged.path_of("replicates.csv"));
    replicate_rows << "cell,replicate,seed,outcome,rounds,decided_round,objectors\n";
  }

  ProgressBar progress(replicates * cells.size(), !quiet);
  std::vector<SweepCellResult> results;
  for (std::size_t c = 0; c < cells.size(); ++c) {
    ReplicateOptions replicate_options;
    replicate_options.master_seed = seed;
    replicate_options.replicates = replicates;
    replicate_options.sample_uncertainty = description.sampled;
    replicate_options.threads = threads;
    const std::uint64_t done_before = replicates * c;
    replicate_options.progress = [&](std::uint64_t done) { progress.update(done_before + done); };
    const Scenario& scenario = cell_scenarios[c];
    if (replicate_rows.is_open()) {
      // Rows arrive in any order from the workers; they are sorted by (cell, replicate) at the end.
      replicate_options.on_replicate = [&, c](std::uint64_t index, const Scenario& played, const Outcome& outcome) {
        std::string objectors;
        for (const auto& record : outcome.objectors) {
          objectors += (objectors.empty() ? "" : ";") + played.delegations[static_cast<std::size_t>(record.delegation)].id;
        }
        std::lock_guard<std::mutex> lock(replicate_mutex);
        replicate_rows << c << ',' << index << ',' << derive_seed(seed, index) << ',' << to_string(outcome.kind) << ','
                       << outcome.rounds << ',' << (outcome.decided_round >= 0 ? std::to_string(outcome.decided_round + 1) : "")
                       << ',' << objectors << '\n';
      };
    }
    results.push_back({cells[c], run_replicates(scenario, replicate_options)});
    for (std::uint64_t r = 0; r < std::min(keep_traces, replicates); ++r) {
      const Scenario played = replicate_scenario(scenario, seed, r, description.sampled);
      Trace trace(played);
      Engine engine(played, derive_seed(seed, r), &trace);
      engine.run();
      staged.write("trace-cell" + std::to_string(c) + "-replicate" + std::to_string(r) + ".jsonl", trace.jsonl());
    }
  }
  progress.finish();
  if (replicate_rows.is_open()) {
    replicate_rows.close();
    // Sort data rows so the file is the same for any thread count.
    std::ifstream in(staged.path_of("replicates.csv"));
    std::string header;
    std::getline(in, header);
    std::vector<std::pair<std::pair<std::uint64_t, std::uint64_t>, std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
      const auto first = line.find(',');
      const auto second = line.find(',', first + 1);
      rows.push_back({{std::stoull(line.substr(0, first)), std::stoull(line.substr(first + 1, second - first - 1))}, line});
    }
    in.close();
    std::sort(rows.begin(), rows.end());
    std::string sorted = header + "\n";
    for (const auto& row : rows) sorted += row.second + "\n";
    staged.write("replicates.csv", sorted);
  }
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  staged.write("cells.csv", cells_csv(base, description, results));
  auto summary = sweep_summary_json(base, description, results);
  staged.write("summary.json", summary.dump(2) + "\n");
  RunOptions run_options;
  run_options.seed = seed;
  run_options.overrides = overrides;
  run_options.sampled = description.sampled;
  auto meta = meta_json(base, run_options, wall_seconds);
  meta["options"]["replicates"] = replicates;
  meta["options"]["threads"] = threads > 0 ? threads : default_thread_count();
  meta["options"]["vary"] = vary_expressions;
  meta["replicates_per_second"] =
      wall_seconds > 0 ? static_cast<double>(replicates * cells.size()) / wall_seconds : 0.0;
  staged.write("meta.json", meta.dump(2) + "\n");
  staged.commit();

  if (!quiet) {
    if (format == "json") {
      summary["output_dir"] = directory;
      std::cout << summary.dump(2) << "\n";
    } else {
      std::cout << "Sweep of " << base.title << ": " << cells.size() << (cells.size() == 1 ? " cell" : " cells")
                << " x " << replicates << " replicates in " << wall_seconds << " s\n\n"
                << sweep_table(base, description, results) << "\nWritten to " << directory
                << "/\n  cells.csv summary.json meta.json"
                << (values.count("replicates-csv") ? " replicates.csv" : "") << "\n";
    }
  }
  return exit_ok;
}

}  // namespace negsim::cli
