// Benchmarks of the single-process part of a sweep (Google Benchmark): the throughput of one
// work unit (replicates per second, items/s) on 1 and 2 threads, and what rank 0 pays per unit
// to decode and merge the statistics a worker sends. The MPI part is measured by
// bench/mpi_scaling.sh (docs/SCALING.md).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "negsim/scenario.hpp"
#include "negsim/sweep.hpp"
#include "negsim/sweep_run.hpp"

namespace {

// The GGE 2017 scenario with perception noise and one sampled number, as a sweep plays it.
const negsim::Scenario* noisy_gge_2017(benchmark::State& state) {
  static std::unique_ptr<negsim::Scenario> scenario;
  static std::string error;
  if (!scenario && error.empty()) {
    try {
      scenario = std::make_unique<negsim::Scenario>(negsim::load_scenario_file(
          NEGSIM_SOURCE_DIR "/scenarios/gge-2016-2017.yaml",
          {"process.noise=0.06", "delegations.russia.outside_option={value: 0.3, range: [0.1, 0.9]}"}));
    } catch (const std::exception& caught) {
      error = caught.what();
    }
  }
  if (!scenario) state.SkipWithError(error.c_str());
  return scenario.get();
}

// One work unit as a rank runs it: 512 replicates on state.range(0) threads.
void BM_SweepUnit(benchmark::State& state) {
  const negsim::Scenario* scenario = noisy_gge_2017(state);
  if (scenario == nullptr) return;
  negsim::ReplicateOptions options;
  options.replicates = 512;
  options.threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(negsim::run_replicates(*scenario, options));
    ++options.master_seed;
  }
  state.SetItemsProcessed(state.iterations() * 512);
}
BENCHMARK(BM_SweepUnit)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// Rank 0's share of a unit: encode (worker side), decode and merge the statistics.
void BM_UnitMessage(benchmark::State& state) {
  const negsim::Scenario* scenario = noisy_gge_2017(state);
  if (scenario == nullptr) return;
  negsim::ReplicateOptions options;
  options.replicates = 64;
  options.threads = 1;
  const negsim::CellStatistics unit = negsim::run_replicates(*scenario, options);
  negsim::CellStatistics total(*scenario);
  std::size_t bytes = 0;
  for (auto _ : state) {
    const auto message = negsim::statistics_to_integers(unit);
    bytes = message.size() * sizeof(std::int64_t);
    total.merge(negsim::statistics_from_integers(message.data(), message.size()));
  }
  benchmark::DoNotOptimize(total);
  state.counters["message_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_UnitMessage)->Unit(benchmark::kMicrosecond);

}  // namespace
