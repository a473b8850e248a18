// The process group of a build without MPI (NEGSIM_MPI off): always this one process.
#include <cstdlib>

#include "negsim/distributed.hpp"

namespace negsim {

ProcessGroup::ProcessGroup() = default;
ProcessGroup::~ProcessGroup() = default;

ProcessGroup::Agreement ProcessGroup::agree(int status) const {
  return status == 0 ? Agreement{} : Agreement{0, status};
}

void ProcessGroup::abort(int exit_code) const {
  std::exit(exit_code);
}

bool built_with_mpi() {
  return false;
}

std::vector<CellStatistics> run_sweep_on(const ProcessGroup& /*group*/, const SweepJob& job, FinishedCells finished,
                                         const SweepHooks& hooks, std::vector<RankTimings>* /*timings*/) {
  return run_sweep(job, std::move(finished), hooks);
}

}  // namespace negsim
