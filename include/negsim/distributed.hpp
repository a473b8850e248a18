// Sweeps across MPI ranks (`mpirun -np N negsim sweep ...`; see docs/SCALING.md).
//
// Rank 0 hands out work units (one cell, a block of its replicates) to whichever rank asks
// next, runs units itself between requests, merges the integer statistics that come back and
// alone writes outputs. A unit's replicates use the same seeds wherever they run and the
// merge is order-independent, so the outputs are byte-identical to one process.
//
// Built with MPI (CMake option NEGSIM_MPI) this uses Open MPI; without it, or when the program
// was not started by an MPI launcher, the group is this one process and the sweep runs as
// before. sim/distributed.cpp holds the MPI code, sim/distributed_single.cpp the stand-in.
//
// Test hook (for tests/test_distributed.cpp only): NEGSIM_TEST_CRASH_RANK=R makes rank R
// abort right after its first unit, to check that the job ends instead of hanging.
#pragma once

#include <cstdint>
#include <vector>

#include "negsim/sweep_run.hpp"

namespace negsim {

// The processes running this command: MPI_COMM_WORLD under an MPI launcher, else just this one.
class ProcessGroup {
 public:
  ProcessGroup();   // initialises MPI when launched by mpirun or srun (and built with MPI)
  ~ProcessGroup();  // finalises it
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool distributed() const { return size_ > 1; }

  // Collective, before any work starts: every rank passes its status (0 ok, else its exit
  // code). Returns the lowest failing rank (-1 when none failed) and the largest status, so
  // that one rank reports the error and all exit with the same code instead of hanging.
  struct Agreement {
    int first_failed_rank = -1;
    int status = 0;
  };
  Agreement agree(int status) const;

  // Ends every rank of the job now (MPI_Abort), or just this process.
  [[noreturn]] void abort(int exit_code) const;

 private:
  int rank_ = 0;
  int size_ = 1;
  bool initialised_ = false;
};

bool built_with_mpi();

// What the distributed part cost, for meta.json and docs/SCALING.md.
struct RankTimings {
  std::uint64_t units = 0;
  double compute_seconds = 0;        // running units
  double communication_seconds = 0;  // sending results and waiting for the next unit
};

// Runs the cells not in `finished` on every rank of `group`. Rank 0 returns every cell's
// statistics and calls `hooks` (progress, on_cell_finished, on_record; on_replicate is not
// supported and must be empty); every rank calls `hooks.record` for the replicates it runs, whose
// records go back to rank 0 with the unit's statistics. The other ranks return an empty list. `timings` (rank 0, may be
// null) gets one entry per rank. An error on any rank after work started ends the whole job (MPI_Abort). With one
// process this is run_sweep.
std::vector<CellStatistics> run_sweep_on(const ProcessGroup& group, const SweepJob& job, FinishedCells finished,
                                         const SweepHooks& hooks, std::vector<RankTimings>* timings);

}  // namespace negsim
