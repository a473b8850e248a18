// Running a whole sweep: every cell of a grid, in this process (negsim/distributed.hpp splits it
// across MPI ranks), and the checkpoint that lets an interrupted sweep resume.
//
// The checkpoint lives in <out>.partial/checkpoint.jsonl: a first line with the sweep's
// parameters (scenario hash, seed, replicates, --set, --vary, sampling), then one line per
// finished cell with its full integer statistics, appended and flushed as each cell finishes.
// A resume reads the finished cells back, runs only the others and, because the statistics are
// integer sums, writes outputs byte-identical to an uninterrupted run.
//
// Test hook (for the tests only): NEGSIM_TEST_KILL_AFTER_CELLS=N makes the process kill itself
// with SIGKILL right after recording its Nth finished cell, as an interruption would.
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "negsim/engine.hpp"
#include "negsim/scenario.hpp"
#include "negsim/sweep.hpp"

namespace negsim {

struct SweepJob {
  std::vector<Scenario> cells;  // one scenario per grid cell, in grid order
  std::uint64_t master_seed = 1;
  std::uint64_t replicates = 0;  // per cell
  bool sample_uncertainty = true;
  int threads = 0;            // per process; 0: all cores
  std::uint64_t block = 512;  // replicates per work unit handed out to a rank (no effect on results)
};

// Statistics of the cells already finished (from a checkpoint); empty entries still to run.
using FinishedCells = std::vector<std::optional<CellStatistics>>;

struct SweepHooks {
  // Replicates finished in this run so far (not counting resumed cells). May be empty.
  std::function<void(std::uint64_t)> progress;
  // Every replicate of a cell run in this process (from worker threads). May be empty.
  std::function<void(std::size_t, std::uint64_t, const Scenario&, const Outcome&)> on_replicate;
  // Per-replicate records that travel with their unit back to rank 0 under MPI, for callers
  // that need more of each replicate than the integer statistics (negsim tournament): `record`
  // (on every rank, from worker threads) writes `record_width` integers for a replicate of a
  // cell; `on_record` (rank 0 or this process only; once per replicate, in any order, from
  // worker threads, possibly at the same time: it must touch only that replicate's state)
  // receives them with the replicate's index. Both empty, or both set with record_width > 0.
  std::size_t record_width = 0;
  std::function<void(std::size_t, const Scenario&, const Outcome&, std::int64_t*)> record;
  std::function<void(std::size_t, std::uint64_t, const std::int64_t*)> on_record;
  // A cell has all its replicates: called once per cell run, one call at a time. May be empty.
  std::function<void(std::size_t, const CellStatistics&)> on_cell_finished;
  // Non-zero: stop between replicates (Ctrl-C). The cell being run is dropped, not reported
  // finished; cells not run stay empty in the result. May be null.
  const std::atomic<int>* stop = nullptr;
};

// Runs the cells not yet in `finished`, in this process, and returns every cell's statistics.
std::vector<CellStatistics> run_sweep(const SweepJob& job, FinishedCells finished, const SweepHooks& hooks);

// CellStatistics as a flat list of integers (length-prefixed vectors) and back, for MPI
// messages; and as JSON with named fields, for the checkpoint. from_* throw RunError on a
// malformed input.
std::vector<std::int64_t> statistics_to_integers(const CellStatistics& statistics);
CellStatistics statistics_from_integers(const std::int64_t* values, std::size_t count);
nlohmann::ordered_json statistics_to_json(const CellStatistics& statistics);
CellStatistics statistics_from_json(const nlohmann::ordered_json& value);

// replicates.csv (header first, as written while running, in any order) sorted by (cell,
// replicate) so it is the same for any thread count. With `keep`, rows of cells it does not hold
// are dropped, as is a last line cut off by an interruption: what a resume keeps.
std::string sorted_replicate_rows(const std::string& path, const FinishedCells* keep);

// <out>.partial/checkpoint.jsonl. Constructed by the one process that writes outputs.
class SweepCheckpoint {
 public:
  static std::string partial_directory(const std::string& out_directory) { return out_directory + ".partial"; }

  // Starts a new checkpoint (an existing partial directory is an error unless `replace`), or
  // with `resume` loads the existing one and checks that `parameters` match its first line.
  // Throws InputError (nothing to resume, different parameters) or RunError (cannot write).
  SweepCheckpoint(const std::string& out_directory, nlohmann::ordered_json parameters, std::size_t cell_count,
                  bool resume, bool replace);

  const FinishedCells& finished() const { return finished_; }
  std::size_t finished_count() const;
  const std::string& directory() const { return directory_; }
  std::string path_of(const std::string& name) const;
  void record(std::size_t cell, const CellStatistics& statistics);  // appended and flushed
  void remove();                                                    // after the outputs are committed

 private:
  std::string directory_;
  std::ofstream file_;
  FinishedCells finished_;
  std::uint64_t recorded_ = 0;
};

}  // namespace negsim
