// negsim sweep FILE: many seeded replicates, over a grid of what-if settings, in parallel.
#include <algorithm>
#include <chrono>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "interrupt.hpp"
#include "load_limits.hpp"
#include "negsim/distributed.hpp"
#include "negsim/errors.hpp"
#include "negsim/format.hpp"
#include "negsim/grid.hpp"
#include "negsim/outputs.hpp"
#include "negsim/random.hpp"
#include "negsim/scenario.hpp"
#include "negsim/sweep.hpp"
#include "negsim/sweep_run.hpp"
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
Finished cells are recorded in DIR.partial/checkpoint.jsonl as the sweep goes; if it is
interrupted, run the same command with --out DIR --resume to finish only the missing cells.
Ctrl-C or SIGTERM stops a sweep between replicates and says so (exit 130 or 143); the cells
it finished are kept for --resume.

Under mpirun (built with MPI), the cells and blocks of replicates are shared among the ranks,
each using --threads threads; rank 0 writes the same files one process would (docs/SCALING.md):
  mpirun -np 4 negsim sweep scenarios/gge-2016-2017.yaml --replicates 100000 --out sweep-big
)";

// Two axes on one key would label cells with settings that were not applied (the later axis
// wins), and so would a --set of a varied key: both are refused before anything runs. Keys are
// compared by what they name in `base`, so delegations[2].power and delegations.russia.power
// are the same key.
void refuse_overlapping_keys(const Scenario& base, const std::vector<VaryAxis>& axes,
                             const std::vector<std::string>& overrides) {
  // What a key typed by index names, when it does: " (delegations[2] is delegations.russia)".
  auto same = [&base](const std::string& first, const std::string& second) {
    std::string notes;
    for (const std::string* key : {&first, &second}) {
      const std::string canonical = canonical_key_path(base, *key);
      if (canonical != *key) notes += (notes.empty() ? "" : ", ") + *key + " is " + canonical;
    }
    return notes.empty() ? notes : " (" + notes + ")";
  };
  for (std::size_t a = 0; a < axes.size(); ++a) {
    for (std::size_t b = a + 1; b < axes.size(); ++b) {
      if (key_paths_overlap(base, axes[a].key_path, axes[b].key_path)) {
        throw po::error("--vary " + axes[a].key_path + " and --vary " + axes[b].key_path + " set the same value" +
                        same(axes[a].key_path, axes[b].key_path) + "; give each key one --vary with all its values");
      }
    }
    for (const auto& expression : overrides) {
      const std::string key = expression.substr(0, expression.find('='));
      if (key_paths_overlap(base, axes[a].key_path, key)) {
        throw po::error("--set " + key + " and --vary " + axes[a].key_path + " set the same value" +
                        same(key, axes[a].key_path) + "; drop the --set or the --vary");
      }
    }
  }
}

// What the sweep needs once its inputs are checked, on every rank; the output side (staged
// directory, checkpoint, replicate rows) only on rank 0.
struct SweepSetup {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  po::variables_map values;
  std::vector<std::string> files;
  std::vector<std::string> overrides;
  std::vector<std::string> vary_expressions;
  std::string format = "text";
  std::uint64_t keep_traces = 0;
  bool quiet = false;
  Scenario base;
  SweepDescription description;
  std::vector<GridCell> cells;
  SweepJob job;
  std::string directory;
  std::unique_ptr<SweepCheckpoint> checkpoint;
  std::optional<StagedDirectory> staged;  // rank 0: the output directory, claimed before any work
  std::ofstream replicate_rows;
};

// Parses the options and loads and checks every cell; rank 0 also claims the output directory
// and starts (or resumes) the checkpoint. Returns false after printing --help.
bool prepare_sweep(const std::vector<std::string>& arguments, const ProcessGroup& group, SweepSetup& setup) {
  po::options_description options("Options for 'negsim sweep FILE'");
  std::uint64_t seed = 1;
  std::uint64_t replicates = 1000;
  int threads = 0;
  std::uint64_t block = 512;
  std::string out_directory;
  std::string results_root = "results";
  options.add_options()("help,h", "show this help")(
      "replicates,n", po::value<std::uint64_t>(&replicates)->default_value(1000), "replicates per grid cell")(
      "seed", po::value<std::uint64_t>(&seed)->default_value(1), "master seed")(
      "threads,j", po::value<int>(&threads)->default_value(0), "worker threads (0: all cores)")(
      "vary", po::value<std::vector<std::string>>(&setup.vary_expressions)->composing(),
      "grid axis: key.path=v1,v2,... or key.path=low:high:steps (repeatable; cartesian product)")(
      "set", po::value<std::vector<std::string>>(&setup.overrides)->composing(),
      "override a scenario value in every cell, key.path=value (repeatable)")(
      "no-sample", "do not draw the scenario's declared uncertainty")(
      "keep-traces", po::value<std::uint64_t>(&setup.keep_traces)->default_value(0),
      "also write full traces of the first N replicates of each cell")(
      "replicates-csv", "also write replicates.csv, one row per replicate")(
      "out", po::value<std::string>(&out_directory), "write the sweep into this directory (must not exist)")(
      "resume", "with --out: continue the interrupted sweep recorded in DIR.partial/")(
      "block", po::value<std::uint64_t>(&block)->default_value(512),
      "under mpirun: replicates per work unit handed to a rank (results do not depend on it)")(
      "results", po::value<std::string>(&results_root)->default_value("results"), "root for default directories")(
      "force", "with --out: replace an existing sweep directory negsim wrote (or an interrupted sweep)")(
      "quiet,q", "no progress bar, no table")("format", po::value<std::string>(&setup.format)->default_value("text"),
                                              "printed summary: text or json");
  LimitOptions limit_options;
  const po::options_description limits_description = limit_options.describe();
  CommandLine command_line = parse_command_line(arguments, "sweep FILE [OPTIONS]", {&options, &limits_description},
                                                sweep_examples, group.rank() == 0);
  if (command_line.help) return false;
  setup.values = std::move(command_line.values);
  setup.files = std::move(command_line.operands);
  const auto& values = setup.values;
  const auto& files = setup.files;
  if (files.size() != 1) throw po::error("sweep takes exactly one scenario FILE");
  check_format(setup.format);
  if (replicates < 1 || replicates > 100000000) throw po::error("--replicates must be between 1 and 100000000");
  if (threads < 0 || threads > 1024) throw po::error("--threads must be between 0 and 1024");
  if (block < 1 || block > 100000000) throw po::error("--block must be between 1 and 100000000");
  const bool resume = values.count("resume") > 0;
  if (resume && out_directory.empty())
    throw po::error("--resume needs --out DIR, the directory of the interrupted sweep");
  if (!resume) refuse_existing_out(out_directory, values.count("force") > 0);
  if (group.distributed() && values.count("replicates-csv")) {
    throw po::error("--replicates-csv is not available under mpirun; run that sweep in one process");
  }
  setup.quiet = values.count("quiet") > 0;
  if (threads > default_thread_count() && group.rank() == 0) {
    // Not an error (results do not depend on it), but the threads will take turns on the cores.
    std::cerr << "negsim sweep: warning: --threads " << threads << " but this process may run on "
              << default_thread_count() << " core(s)"
              << (group.distributed() ? " (mpirun binds each rank to one core unless given --bind-to none)" : "")
              << "\n";
  }

  // Everything is validated before any work starts: the base, every axis and every cell.
  const LoadLimits limits = limit_options.limits();
  setup.base = load_scenario_file(files[0], setup.overrides, limits);
  std::vector<VaryAxis> axes;
  for (const auto& expression : setup.vary_expressions) axes.push_back(parse_vary(expression));
  refuse_overlapping_keys(setup.base, axes, setup.overrides);
  setup.cells = expand_grid(axes);
  const auto& cells = setup.cells;
  if (cells.size() > 100000)
    throw po::error("the grid has " + std::to_string(cells.size()) + " cells; the limit is 100000");
  for (const auto& cell : cells) {
    // A cell that changes nothing (a sweep without --vary) is the base itself: the file is
    // parsed once (at 193 x 40 a parse costs more than a hundred runs of the GGE).
    if (cell.overrides().empty()) {
      setup.job.cells.push_back(setup.base);
      continue;
    }
    std::vector<std::string> cell_overrides = setup.overrides;
    for (const auto& expression : cell.overrides()) cell_overrides.push_back(expression);
    setup.job.cells.push_back(load_scenario_file(files[0], cell_overrides, limits));
  }

  SweepDescription& description = setup.description;
  description.scenario_id = setup.base.id;
  description.title = setup.base.title;
  description.master_seed = seed;
  description.replicates = replicates;
  description.sampled = values.count("no-sample") == 0;
  description.axes = axes;
  setup.job.master_seed = seed;
  setup.job.replicates = replicates;
  setup.job.sample_uncertainty = description.sampled;
  setup.job.threads = threads;
  setup.job.block = block;
  if (group.rank() != 0) return true;

  const bool force = values.count("force") > 0;
  // Claimed now, and held to the end, so that a taken directory fails before any work and a
  // second sweep into it fails at once. An interrupted sweep releases it, leaving only its
  // checkpoint behind.
  const bool default_directory = out_directory.empty();
  setup.staged.emplace(
      default_directory ? new_run_directory(results_root, setup.base.id, seed, "sweep-") : out_directory, force,
      default_directory);
  setup.directory = setup.staged->target();
  // What the numbers depend on: a resume must match it exactly.
  nlohmann::ordered_json parameters = {{"negsim_sweep_checkpoint", 1},
                                       {"scenario_sha256", sha256_file_hex(files[0])},
                                       {"seed", seed},
                                       {"replicates", replicates},
                                       {"sampled", description.sampled},
                                       {"set", setup.overrides},
                                       {"vary", setup.vary_expressions},
                                       {"replicates_csv", values.count("replicates-csv") > 0}};
  // Every file the scenario includes (stances, overlay bases) too: a stance edited between the
  // interruption and the resume would otherwise mix cells of two scenarios.
  nlohmann::ordered_json included = nlohmann::ordered_json::array();
  for (const auto& file : setup.base.included_files) included.push_back({file, sha256_file_hex(file)});
  parameters["included_sha256"] = included;
  setup.checkpoint =
      std::make_unique<SweepCheckpoint>(setup.directory, parameters, cells.size(), resume, force && !resume);
  if (values.count("replicates-csv")) {
    // Rows go beside the checkpoint as they come; a resume keeps those of finished cells.
    const std::string path = setup.checkpoint->path_of("replicates.csv");
    const std::string kept = resume ? sorted_replicate_rows(path, &setup.checkpoint->finished())
                                    : std::string("cell,replicate,seed,outcome,rounds,decided_round,objectors\n");
    setup.replicate_rows.open(path, std::ios::binary | std::ios::trunc);
    setup.replicate_rows << kept;
    setup.replicate_rows.flush();
    if (!setup.replicate_rows) throw RunError("cannot write " + path);
  }
  return true;
}

int run_prepared_sweep(const ProcessGroup& group, SweepSetup& setup) {
  const auto started = setup.started;
  const SweepJob& job = setup.job;
  const std::uint64_t seed = job.master_seed;
  const std::uint64_t replicates = job.replicates;
  const auto& cells = setup.cells;
  const std::size_t resumed = setup.checkpoint ? setup.checkpoint->finished_count() : 0;
  const std::size_t cells_to_run = cells.size() - resumed;

  ProgressBar progress(replicates * cells_to_run, !setup.quiet && group.rank() == 0);
  std::mutex replicate_mutex;
  SweepHooks hooks;
  hooks.progress = [&](std::uint64_t done) { progress.update(done); };
  if (setup.replicate_rows.is_open()) {
    // Rows arrive in any order from the workers; they are sorted by (cell, replicate) at the end.
    hooks.on_replicate = [&](std::size_t c, std::uint64_t index, const Scenario& played, const Outcome& outcome) {
      std::string objectors;
      for (const auto& record : outcome.objectors) {
        objectors +=
            (objectors.empty() ? "" : ";") + played.delegations[static_cast<std::size_t>(record.delegation)].id;
      }
      std::lock_guard<std::mutex> lock(replicate_mutex);
      setup.replicate_rows << c << ',' << index << ',' << derive_seed(seed, index) << ',' << to_string(outcome.kind)
                           << ',' << outcome.rounds << ','
                           << (outcome.decided_round >= 0 ? std::to_string(outcome.decided_round + 1) : "") << ','
                           << objectors << '\n';
    };
  }
  if (setup.checkpoint) {
    hooks.on_cell_finished = [&](std::size_t c, const CellStatistics& statistics) {
      if (setup.replicate_rows.is_open()) {
        // The cell's rows reach the disk before the record that says the cell is done.
        std::lock_guard<std::mutex> lock(replicate_mutex);
        setup.replicate_rows.flush();
        if (!setup.replicate_rows) throw RunError("cannot write " + setup.checkpoint->path_of("replicates.csv"));
      }
      setup.checkpoint->record(c, statistics);
    };
  }
  // In one process, Ctrl-C or SIGTERM stops the sweep between replicates; the cells finished
  // so far are in the checkpoint, for --resume. (Under mpirun the launcher ends the ranks, and
  // the checkpoint serves the same way.)
  std::optional<InterruptGuard> interrupt_guard;
  if (!group.distributed()) {
    interrupt_guard.emplace();
    hooks.stop = &interrupt_guard->flag();
  }
  std::vector<RankTimings> timings;
  const std::vector<CellStatistics> statistics =
      run_sweep_on(group, job, setup.checkpoint ? setup.checkpoint->finished() : FinishedCells{}, hooks, &timings);
  progress.finish();
  if (interrupt_guard && interrupt_guard->signal() != 0) {
    const std::size_t finished = setup.checkpoint ? setup.checkpoint->finished_count() : 0;
    std::cerr << "negsim sweep: interrupted by signal " << interrupt_guard->signal() << "; " << finished << " of "
              << cells.size() << " cells are finished and kept in " << setup.directory
              << ".partial/\n  to finish the others, run the same command with --out " << setup.directory
              << " --resume\n";
    return interrupt_guard->exit_status();
  }
  if (group.rank() != 0) return exit_ok;  // rank 0 writes and prints

  StagedDirectory& staged = *setup.staged;
  std::vector<SweepCellResult> results;
  for (std::size_t c = 0; c < cells.size(); ++c) results.push_back({cells[c], statistics[c]});
  for (std::size_t c = 0; c < cells.size(); ++c) {
    for (std::uint64_t r = 0; r < std::min(setup.keep_traces, replicates); ++r) {
      const Scenario played = replicate_scenario(job.cells[c], seed, r, job.sample_uncertainty);
      // Streamed into the staged directory, as `negsim run` does: one long trace at a time on disk.
      const std::string name = "trace-cell" + std::to_string(c) + "-replicate" + std::to_string(r) + ".jsonl";
      std::ofstream file = staged.open(name);
      Trace trace(played, file);
      Engine engine(played, derive_seed(seed, r), &trace);
      engine.run();
      staged.close(file, name);
    }
  }
  if (setup.replicate_rows.is_open()) {
    setup.replicate_rows.close();
    // Sort data rows so the file is the same for any thread count.
    staged.write("replicates.csv", sorted_replicate_rows(setup.checkpoint->path_of("replicates.csv"), nullptr));
  }
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  const SweepDescription& description = setup.description;
  staged.write("cells.csv", cells_csv(setup.base, description, results));
  auto summary = sweep_summary_json(setup.base, description, results);
  staged.write("summary.json", tidy_json_numbers(summary.dump(2)) + "\n");
  RunOptions run_options;
  run_options.seed = seed;
  run_options.overrides = setup.overrides;
  run_options.sampled = description.sampled;
  auto meta = meta_json(setup.base, run_options, wall_seconds);
  meta["options"]["replicates"] = replicates;
  meta["options"]["threads"] = job.threads > 0 ? job.threads : default_thread_count();
  meta["options"]["vary"] = setup.vary_expressions;
  meta["replicates_per_second"] =
      wall_seconds > 0 ? static_cast<double>(replicates * cells_to_run) / wall_seconds : 0.0;
  if (resumed > 0) meta["resumed_cells"] = resumed;
  if (group.distributed()) {
    nlohmann::ordered_json ranks = nlohmann::ordered_json::array();
    for (const auto& rank : timings) {
      ranks.push_back({{"units", rank.units},
                       {"compute_seconds", rank.compute_seconds},
                       {"communication_seconds", rank.communication_seconds}});
    }
    meta["distributed"] = {{"ranks", group.size()}, {"block", job.block}, {"per_rank", ranks}};
  }
  staged.write("meta.json", meta.dump(2) + "\n");
  staged.commit();
  setup.checkpoint->remove();

  if (!setup.quiet) {
    if (setup.format == "json") {
      summary["output_dir"] = setup.directory;
      std::cout << summary.dump(2) << "\n";
    } else {
      std::cout << "Sweep of " << setup.base.title << ": " << cells.size() << (cells.size() == 1 ? " cell" : " cells")
                << " x " << replicates << " replicates in " << negsim::format_decimal(wall_seconds, 1) << " s";
      if (resumed > 0) std::cout << " (" << resumed << " resumed from the checkpoint)";
      if (group.distributed()) std::cout << " on " << group.size() << " ranks";
      std::cout << "\n\n"
                << sweep_table(setup.base, description, results) << "\nWritten to " << setup.directory
                << "/\n  cells.csv summary.json meta.json"
                << (setup.values.count("replicates-csv") ? " replicates.csv" : "") << "\n";
    }
  }
  return exit_ok;
}

}  // namespace

int sweep_command(const std::vector<std::string>& arguments) {
  return run_on_every_rank<SweepSetup>(arguments, prepare_sweep, run_prepared_sweep);
}

}  // namespace negsim::cli
