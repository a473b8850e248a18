// Sweeps across MPI ranks: a master/worker loop over point-to-point messages. Compiled only
// with NEGSIM_MPI (sim/distributed_single.cpp otherwise).
#include "negsim/distributed.hpp"

#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "negsim/errors.hpp"

namespace negsim {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int tag_result = 1;  // worker -> 0: [unit or -1 for the first request, statistics...]
constexpr int tag_unit = 2;    // 0 -> worker: [unit, cell, first replicate, replicate count]
constexpr int tag_stop = 3;    // 0 -> worker: no more units

// Started by mpirun, srun or another PMI launcher? Without one, MPI is left alone so that the
// MPI build also runs as a plain single process.
bool launched_by_mpi() {
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(variable) != nullptr) return true;
  }
  return false;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int crash_rank_for_tests() {
  const char* value = std::getenv("NEGSIM_TEST_CRASH_RANK");
  return value == nullptr ? -1 : std::atoi(value);
}

struct Unit {
  std::size_t cell = 0;
  std::uint64_t first = 0;
  std::uint64_t count = 0;
};

// Runs a unit; with hooks.record, also fills `records` with its replicates' records in
// replicate order (hooks.record_width integers each).
CellStatistics run_unit(const SweepJob& job, const Unit& unit, const SweepHooks& hooks,
                        std::vector<std::int64_t>& records) {
  ReplicateOptions options;
  options.master_seed = job.master_seed;
  options.first_replicate = unit.first;
  options.replicates = unit.count;
  options.sample_uncertainty = job.sample_uncertainty;
  options.threads = job.threads;
  records.assign(hooks.record ? unit.count * hooks.record_width : 0, 0);
  if (hooks.record) {
    // Each replicate writes its own slot: no lock.
    options.on_replicate = [&](std::uint64_t index, const Scenario& played, const Outcome& outcome) {
      hooks.record(unit.cell, played, outcome, records.data() + (index - unit.first) * hooks.record_width);
    };
  }
  return run_replicates(job.cells[unit.cell], options);
}

[[noreturn]] void fail_job(const ProcessGroup& group, const char* what) {
  std::cerr << "negsim sweep: rank " << group.rank() << " of " << group.size() << " failed: " << what
            << "\nnegsim sweep: ending the whole job" << std::endl;
  group.abort(1);
}

// Rank 0: hands out units on request, runs units in a thread of its own meanwhile, merges.
std::vector<CellStatistics> lead(const ProcessGroup& group, const SweepJob& job, FinishedCells finished,
                                 const SweepHooks& hooks, RankTimings& own) {
  std::vector<Unit> units;
  std::vector<std::size_t> pending(job.cells.size(), 0);
  std::vector<CellStatistics> results(job.cells.size());
  for (std::size_t c = 0; c < job.cells.size(); ++c) {
    if (finished[c]) {
      results[c] = *finished[c];
      continue;
    }
    results[c] = CellStatistics(job.cells[c]);
    for (std::uint64_t first = 0; first < job.replicates; first += job.block) {
      units.push_back({c, first, std::min(job.block, job.replicates - first)});
      ++pending[c];
    }
  }

  std::mutex mutex;  // guards next_unit, results, pending, done and the hooks
  std::size_t next_unit = 0;
  std::uint64_t done = 0;
  auto take = [&]() -> std::optional<std::size_t> {
    std::lock_guard<std::mutex> lock(mutex);
    if (next_unit >= units.size()) return std::nullopt;
    return next_unit++;
  };
  auto complete = [&](std::size_t unit, const CellStatistics& statistics, const std::int64_t* records) {
    std::lock_guard<std::mutex> lock(mutex);
    const std::size_t cell = units[unit].cell;
    results[cell].merge(statistics);
    if (hooks.on_record) {
      for (std::uint64_t r = 0; r < units[unit].count; ++r) {
        hooks.on_record(cell, units[unit].first + r, records + r * hooks.record_width);
      }
    }
    done += units[unit].count;
    if (hooks.progress) hooks.progress(done);
    if (--pending[cell] == 0 && hooks.on_cell_finished) hooks.on_cell_finished(cell, results[cell]);
  };

  // Only this (the main) thread calls MPI: MPI_THREAD_FUNNELED is enough.
  std::exception_ptr local_failure;
  std::atomic<bool> local_failed{false};
  std::thread local([&]() {
    try {
      std::vector<std::int64_t> records;
      while (const auto unit = take()) {
        const auto started = Clock::now();
        const CellStatistics statistics = run_unit(job, units[*unit], hooks, records);
        own.compute_seconds += seconds_since(started);
        ++own.units;
        complete(*unit, statistics, records.data());
      }
    } catch (...) {
      local_failure = std::current_exception();
      local_failed = true;
    }
  });

  try {
    int active = group.size() - 1;
    std::vector<std::int64_t> message;
    while (active > 0) {
      if (local_failed) break;
      int arrived = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, tag_result, MPI_COMM_WORLD, &arrived, &status);
      if (arrived == 0) {
        // Poll gently: a blocking receive would spin a core the units need.
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        continue;
      }
      const auto started = Clock::now();
      int count = 0;
      MPI_Get_count(&status, MPI_INT64_T, &count);
      message.resize(static_cast<std::size_t>(count));
      MPI_Recv(message.data(), count, MPI_INT64_T, status.MPI_SOURCE, tag_result, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      own.communication_seconds += seconds_since(started);
      if (count < 1 || message[0] >= static_cast<std::int64_t>(units.size())) {
        throw RunError("a malformed message from rank " + std::to_string(status.MPI_SOURCE));
      }
      if (message[0] >= 0) {
        // [unit, statistics..., records...]: the records' length is known from the unit.
        const auto unit = static_cast<std::size_t>(message[0]);
        const std::size_t record_count = hooks.record ? units[unit].count * hooks.record_width : 0;
        if (static_cast<std::size_t>(count) < 1 + record_count) {
          throw RunError("a malformed message from rank " + std::to_string(status.MPI_SOURCE));
        }
        const std::size_t statistics_count = static_cast<std::size_t>(count) - 1 - record_count;
        complete(unit, statistics_from_integers(message.data() + 1, statistics_count),
                 message.data() + 1 + statistics_count);
      }
      const auto sending = Clock::now();
      if (const auto unit = take()) {
        const Unit& next = units[*unit];
        const std::int64_t order[4] = {static_cast<std::int64_t>(*unit), static_cast<std::int64_t>(next.cell),
                                       static_cast<std::int64_t>(next.first), static_cast<std::int64_t>(next.count)};
        MPI_Send(order, 4, MPI_INT64_T, status.MPI_SOURCE, tag_unit, MPI_COMM_WORLD);
      } else {
        MPI_Send(nullptr, 0, MPI_INT64_T, status.MPI_SOURCE, tag_stop, MPI_COMM_WORLD);
        --active;
      }
      own.communication_seconds += seconds_since(sending);
    }
  } catch (const std::exception& error) {
    fail_job(group, error.what());
  }
  local.join();
  if (local_failure) {
    try {
      std::rethrow_exception(local_failure);
    } catch (const std::exception& error) {
      fail_job(group, error.what());
    }
  }
  return results;
}

// Ranks 1..N-1: ask for a unit, run it, send its statistics back with the next request.
void work(const ProcessGroup& group, const SweepJob& job, const SweepHooks& hooks, RankTimings& own) {
  const int crash_rank = crash_rank_for_tests();
  try {
    std::vector<std::int64_t> reply{-1};
    std::vector<std::int64_t> records;
    while (true) {
      const auto asking = Clock::now();
      MPI_Send(reply.data(), static_cast<int>(reply.size()), MPI_INT64_T, 0, tag_result, MPI_COMM_WORLD);
      MPI_Status status;
      MPI_Probe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &status);
      if (status.MPI_TAG == tag_stop) {
        MPI_Recv(nullptr, 0, MPI_INT64_T, 0, tag_stop, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        own.communication_seconds += seconds_since(asking);
        break;
      }
      std::int64_t order[4] = {0, 0, 0, 0};
      MPI_Recv(order, 4, MPI_INT64_T, 0, tag_unit, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      own.communication_seconds += seconds_since(asking);
      const Unit unit{static_cast<std::size_t>(order[1]), static_cast<std::uint64_t>(order[2]),
                      static_cast<std::uint64_t>(order[3])};
      if (unit.cell >= job.cells.size()) throw RunError("a malformed work unit from rank 0");
      const auto started = Clock::now();
      const CellStatistics statistics = run_unit(job, unit, hooks, records);
      own.compute_seconds += seconds_since(started);
      ++own.units;
      if (group.rank() == crash_rank) std::abort();  // test hook: a rank dying mid-sweep
      reply = statistics_to_integers(statistics);
      reply.insert(reply.begin(), order[0]);
      reply.insert(reply.end(), records.begin(), records.end());
    }
  } catch (const std::exception& error) {
    fail_job(group, error.what());
  }
}

}  // namespace

ProcessGroup::ProcessGroup() {
  if (!launched_by_mpi()) return;
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  initialised_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

ProcessGroup::~ProcessGroup() {
  if (initialised_) MPI_Finalize();
}

ProcessGroup::Agreement ProcessGroup::agree(int status) const {
  if (!initialised_) return status == 0 ? Agreement{} : Agreement{0, status};
  const int failed_rank = status != 0 ? rank_ : size_;
  Agreement agreement;
  MPI_Allreduce(&failed_rank, &agreement.first_failed_rank, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&status, &agreement.status, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (agreement.first_failed_rank == size_) agreement.first_failed_rank = -1;
  return agreement;
}

void ProcessGroup::abort(int exit_code) const {
  if (initialised_) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::exit(exit_code);
}

bool built_with_mpi() {
  return true;
}

std::vector<CellStatistics> run_sweep_on(const ProcessGroup& group, const SweepJob& job, FinishedCells finished,
                                         const SweepHooks& hooks, std::vector<RankTimings>* timings) {
  finished.resize(job.cells.size());
  if (!group.distributed()) return run_sweep(job, std::move(finished), hooks);
  RankTimings own;
  std::vector<CellStatistics> results;
  if (group.rank() == 0) {
    results = lead(group, job, std::move(finished), hooks, own);
  } else {
    work(group, job, hooks, own);
  }
  // Everyone is done by now, so this gather cannot wait on a lost rank.
  const double mine[3] = {static_cast<double>(own.units), own.compute_seconds, own.communication_seconds};
  std::vector<double> all(group.rank() == 0 ? static_cast<std::size_t>(3 * group.size()) : 0);
  MPI_Gather(mine, 3, MPI_DOUBLE, all.data(), 3, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (group.rank() == 0 && timings != nullptr) {
    timings->clear();
    for (int r = 0; r < group.size(); ++r) {
      const std::size_t at = 3 * static_cast<std::size_t>(r);
      timings->push_back({static_cast<std::uint64_t>(all[at]), all[at + 1], all[at + 2]});
    }
  }
  return results;
}

}  // namespace negsim
