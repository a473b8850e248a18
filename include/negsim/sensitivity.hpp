// Variance-based global sensitivity (docs/MODEL.md, "Global sensitivity"): Sobol first-order and
// total indices, by Saltelli sampling with the Saltelli (2010) and Jansen (1999) estimators, of
// the probability of each outcome kind and of named delegations objecting, with respect to every
// uncertain number the scenario declares ({value, range} or {value, sd}).
//
// Cost: N base samples and d uncertain numbers make N x (d + 2) runs. Each run's result is
// stored at its index, so any thread count gives the same bytes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "negsim/scenario.hpp"

namespace negsim {

struct SensitivityOptions {
  std::uint64_t samples = 1000;  // N
  std::uint64_t master_seed = 1;
  int threads = 0;                // 0: all cores
  std::uint64_t bootstrap = 500;  // resamples for the 95% intervals (0: none)
  std::vector<std::string>
      objectors;  // delegation ids whose objection is an output (the record's named ones are added)
  std::function<void(std::uint64_t)> progress;  // runs finished so far (from worker threads); may be empty
  const std::atomic<int>* stop = nullptr;       // non-zero: stop between runs (the result is then not complete)
};

// N x (d + 2).
std::uint64_t sensitivity_run_count(const Scenario& scenario, std::uint64_t samples);

struct SensitivityIndex {
  double first_order = 0;  // S_i
  double total = 0;        // T_i
  double first_low = 0;    // 95% bootstrap percentile interval
  double first_high = 0;
  double total_low = 0;
  double total_high = 0;
};

struct SensitivityOutput {
  std::string name;  // "outcome=no_consensus", "adopted", "objects=russia"
  double mean = 0;   // probability over the 2N runs of A and B
  double variance = 0;
  std::vector<SensitivityIndex> indices;  // per factor (empty when the variance is 0)
};

struct SensitivityResult {
  std::vector<std::string> factors;        // the uncertain numbers' key paths (with ids)
  std::vector<std::string> distributions;  // "uniform [0.3, 0.9]", "normal (0.5, 0.1)"
  std::uint64_t samples = 0;
  std::uint64_t runs = 0;
  std::vector<SensitivityOutput> outputs;
  bool complete = true;  // false when stopped early
};

// Throws InputError when the scenario declares no uncertain number or an objector is unknown.
SensitivityResult run_sensitivity(const Scenario& scenario, const SensitivityOptions& options);

// Ranked tables for people (factors by total index, per output with variance).
std::string sensitivity_table(const Scenario& scenario, const SensitivityResult& result);
nlohmann::ordered_json sensitivity_json(const Scenario& scenario, const SensitivityResult& result,
                                        const SensitivityOptions& options);
// indices.csv: one row per (output, factor).
std::string sensitivity_csv(const SensitivityResult& result);

// The inverse of the standard normal CDF, for mapping a uniform sample to {value, sd}.
double inverse_normal(double probability);

}  // namespace negsim
