#include "negsim/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <mutex>
#include <sstream>
#include <thread>

#include "negsim/engine.hpp"
#include "negsim/errors.hpp"
#include "negsim/explain.hpp"
#include "negsim/format.hpp"
#include "negsim/random.hpp"
#include "negsim/sweep.hpp"
#include "negsim/trace.hpp"

namespace negsim {

using json = nlohmann::ordered_json;

namespace {

constexpr std::uint64_t sample_stream = 0x5a17e11e0b5e55edULL;     // the plan's uniforms
constexpr std::uint64_t bootstrap_stream = 0xb007517a9c0ffee1ULL;  // the bootstrap's resamples

// The value of factor `uncertainty` at the uniform quantile u (in [0, 1)).
double value_at(const Uncertainty& uncertainty, double u) {
  if (uncertainty.distribution == Uncertainty::Distribution::uniform) {
    return uncertainty.first + (uncertainty.second - uncertainty.first) * u;
  }
  return uncertainty.first + uncertainty.second * inverse_normal(std::clamp(u, 1e-12, 1.0 - 1e-12));
}

// Uniform quantile of factor `factor` in matrix `matrix` (A or B) of sample j: a stream per
// (seed, sample, matrix, key path), so adding a factor leaves the others' samples unchanged.
double plan_quantile(std::uint64_t master_seed, std::uint64_t sample, char matrix, const std::string& key) {
  Random random(derive_seed(master_seed ^ sample_stream, sample) ^ hash_text(std::string(1, matrix) + key));
  return random.uniform();
}

// One output's 0/1 values in A, B and each AB_i, per sample.
struct OutputValues {
  std::vector<std::uint8_t> a, b;
  std::vector<std::vector<std::uint8_t>> ab;  // [factor][sample]
};

struct Estimate {
  double mean = 0;
  double variance = 0;
  std::vector<double> first, total;
};

// Saltelli (2010) first-order and Jansen (1999) total estimators over the samples `rows`. The
// first-order sum takes f(B) less the mean: the same in expectation, and an output and its
// complement (P(consensus), P(no consensus) when nothing else happens) then get the same index.
Estimate estimate(const OutputValues& values, const std::vector<std::uint64_t>& rows, std::size_t factors) {
  Estimate result;
  const double n = static_cast<double>(rows.size());
  double sum = 0;
  double sum_squares = 0;
  for (std::uint64_t j : rows) {
    sum += values.a[j] + values.b[j];
    sum_squares += values.a[j] * values.a[j] + values.b[j] * values.b[j];
  }
  result.mean = sum / (2 * n);
  result.variance = sum_squares / (2 * n) - result.mean * result.mean;
  result.first.assign(factors, 0.0);
  result.total.assign(factors, 0.0);
  if (result.variance <= 0) return result;
  for (std::size_t i = 0; i < factors; ++i) {
    double first = 0;
    double total = 0;
    const auto& ab = values.ab[i];
    for (std::uint64_t j : rows) {
      const double a = values.a[j];
      const double mixed = ab[j];
      first += (values.b[j] - result.mean) * (mixed - a);
      total += (a - mixed) * (a - mixed);
    }
    result.first[i] = first / n / result.variance;
    result.total[i] = total / (2 * n) / result.variance;
  }
  return result;
}

// The q-quantile of `values` by nearest rank (sorted in place).
double percentile(std::vector<double>& values, double q) {
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(q * static_cast<double>(values.size()))));
  return values[std::min(values.size(), rank) - 1];
}

std::string distribution_text(const Uncertainty& uncertainty) {
  if (uncertainty.distribution == Uncertainty::Distribution::uniform) {
    return "uniform [" + format_significant(uncertainty.first) + ", " + format_significant(uncertainty.second) + "]";
  }
  return "normal (" + format_significant(uncertainty.first) + ", sd " + format_significant(uncertainty.second) + ")";
}

}  // namespace

double inverse_normal(double probability) {
  // Bisection on the CDF, 0.5 erfc(-x / sqrt 2): slow but exact to the last bits, and the plan
  // calls it N x 2d times at most.
  double low = -40;
  double high = 40;
  for (int step = 0; step < 200 && high - low > 1e-15; ++step) {
    const double middle = 0.5 * (low + high);
    if (0.5 * std::erfc(-middle / std::sqrt(2.0)) < probability) {
      low = middle;
    } else {
      high = middle;
    }
  }
  return 0.5 * (low + high);
}

std::uint64_t sensitivity_run_count(const Scenario& scenario, std::uint64_t samples) {
  return samples * (scenario.uncertainties.size() + 2);
}

SensitivityResult run_sensitivity(const Scenario& scenario, const SensitivityOptions& options) {
  const std::size_t d = scenario.uncertainties.size();
  if (d == 0) {
    throw InputError(scenario.source_file, 0, 0, "",
                     "declares no uncertain number to apportion the variance to: write {value, range} or "
                     "{value, sd} on the judged numbers, or pass --vary key.path=low:high");
  }
  if (options.samples < 2) throw InputError("--samples", 0, 0, "", "needs at least 2 samples");
  std::vector<int> tracked;
  std::vector<std::string> tracked_ids;
  auto track = [&](const std::string& id, const std::string& where) {
    const int index = scenario.find_delegation(id);
    if (index < 0) throw InputError(where, 0, 0, "", "no delegation '" + id + "' in " + scenario.source_file);
    if (std::find(tracked.begin(), tracked.end(), index) == tracked.end()) {
      tracked.push_back(index);
      tracked_ids.push_back(id);
    }
  };
  for (const auto& id : options.objectors) track(id, "--objector " + id);
  for (const auto& id : scenario.expected.objectors) track(id, scenario.source_file);

  const std::uint64_t n = options.samples;
  const std::size_t per_sample = d + 2;
  const std::size_t width = 1 + tracked.size();  // outcome kind, then each tracked objection
  std::vector<std::uint8_t> results(n * per_sample * width, 0);

  // The plan: the quantiles of A and B; AB_i is A with column i from B.
  const int threads = std::max(1, options.threads > 0 ? options.threads : default_thread_count());
  std::atomic<std::uint64_t> next{0};
  std::atomic<std::uint64_t> finished{0};
  constexpr std::uint64_t block = 4;
  auto worker = [&]() {
    Scenario target = scenario;
    std::vector<double> a(d), b(d), values(d);
    while (true) {
      if (options.stop != nullptr && options.stop->load() != 0) break;
      const std::uint64_t start = next.fetch_add(block);
      if (start >= n) break;
      const std::uint64_t stop = std::min(n, start + block);
      for (std::uint64_t j = start; j < stop; ++j) {
        for (std::size_t i = 0; i < d; ++i) {
          const Uncertainty& uncertainty = scenario.uncertainties[i];
          a[i] = value_at(uncertainty, plan_quantile(options.master_seed, j, 'A', uncertainty.stream_key));
          b[i] = value_at(uncertainty, plan_quantile(options.master_seed, j, 'B', uncertainty.stream_key));
        }
        // The perception noise of sample j is the same in its d + 2 runs (common random numbers):
        // the differences the estimators take are the factors' alone.
        const std::uint64_t seed = derive_seed(options.master_seed, j);
        for (std::size_t m = 0; m < per_sample; ++m) {
          values = m == 1 ? b : a;
          if (m >= 2) values[m - 2] = b[m - 2];
          set_uncertain_values(scenario, target, values);
          Engine engine(target, seed);
          const Outcome& outcome = engine.run();
          std::uint8_t* row = &results[(j * per_sample + m) * width];
          row[0] = static_cast<std::uint8_t>(outcome.kind);
          for (std::size_t t = 0; t < tracked.size(); ++t) {
            row[1 + t] = outcome.responses[static_cast<std::size_t>(tracked[t])] == Response::object ? 1 : 0;
          }
        }
      }
      const std::uint64_t done = finished.fetch_add((stop - start) * per_sample) + (stop - start) * per_sample;
      if (options.progress) options.progress(done);
    }
  };
  if (threads == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& thread : pool) thread.join();
  }

  SensitivityResult result;
  result.samples = n;
  result.runs = n * per_sample;
  result.complete = finished.load() == result.runs;
  for (const auto& uncertainty : scenario.uncertainties) {
    result.factors.push_back(uncertainty.stream_key);
    result.distributions.push_back(distribution_text(uncertainty));
  }
  if (!result.complete) return result;

  // The outputs: each outcome kind, any adoption, each tracked delegation objecting.
  std::vector<std::string> names;
  std::vector<std::function<std::uint8_t(const std::uint8_t*)>> indicators;
  for (int kind = 0; kind < outcome_kind_count; ++kind) {
    names.push_back("outcome=" + to_string(static_cast<OutcomeKind>(kind)));
    indicators.emplace_back([kind](const std::uint8_t* row) { return static_cast<std::uint8_t>(row[0] == kind); });
  }
  names.emplace_back("adopted");
  indicators.emplace_back(
      [](const std::uint8_t* row) { return static_cast<std::uint8_t>(is_adopted(static_cast<OutcomeKind>(row[0]))); });
  for (std::size_t t = 0; t < tracked.size(); ++t) {
    names.push_back("objects=" + tracked_ids[t]);
    indicators.emplace_back([t](const std::uint8_t* row) { return row[1 + t]; });
  }

  std::vector<std::uint64_t> all_rows(n);
  for (std::uint64_t j = 0; j < n; ++j) all_rows[j] = j;
  // The bootstrap's resamples of the samples, shared by every output (so intervals of two
  // outputs come from the same resamples).
  std::vector<std::vector<std::uint64_t>> resamples(options.bootstrap, std::vector<std::uint64_t>(n));
  for (std::uint64_t r = 0; r < options.bootstrap; ++r) {
    Random random(derive_seed(options.master_seed ^ bootstrap_stream, r));
    for (auto& row : resamples[r]) row = random.next() % n;
  }
  for (std::size_t o = 0; o < names.size(); ++o) {
    OutputValues values;
    values.a.resize(n);
    values.b.resize(n);
    values.ab.assign(d, std::vector<std::uint8_t>(n));
    for (std::uint64_t j = 0; j < n; ++j) {
      values.a[j] = indicators[o](&results[(j * per_sample + 0) * width]);
      values.b[j] = indicators[o](&results[(j * per_sample + 1) * width]);
      for (std::size_t i = 0; i < d; ++i) values.ab[i][j] = indicators[o](&results[(j * per_sample + 2 + i) * width]);
    }
    const Estimate point = estimate(values, all_rows, d);
    SensitivityOutput output;
    output.name = names[o];
    output.mean = point.mean;
    output.variance = point.variance;
    if (point.variance > 0) {
      output.indices.resize(d);
      std::vector<std::vector<double>> first(d), total(d);
      for (const auto& rows : resamples) {
        const Estimate again = estimate(values, rows, d);
        if (again.variance <= 0) continue;  // a resample with one value only: no index
        for (std::size_t i = 0; i < d; ++i) {
          first[i].push_back(again.first[i]);
          total[i].push_back(again.total[i]);
        }
      }
      for (std::size_t i = 0; i < d; ++i) {
        SensitivityIndex& index = output.indices[i];
        index.first_order = point.first[i];
        index.total = point.total[i];
        index.first_low = index.first_high = index.first_order;
        index.total_low = index.total_high = index.total;
        if (!first[i].empty()) {
          index.first_low = percentile(first[i], 0.025);
          index.first_high = percentile(first[i], 0.975);
          index.total_low = percentile(total[i], 0.025);
          index.total_high = percentile(total[i], 0.975);
        }
      }
    }
    result.outputs.push_back(std::move(output));
  }
  return result;
}

namespace {

// Factors of one output, by total index (then first-order, then name): the ranking.
std::vector<std::size_t> ranking(const SensitivityResult& result, const SensitivityOutput& output) {
  std::vector<std::size_t> order(output.indices.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const auto& a = output.indices[x];
    const auto& b = output.indices[y];
    if (a.total != b.total) return a.total > b.total;
    if (a.first_order != b.first_order) return a.first_order > b.first_order;
    return result.factors[x] < result.factors[y];
  });
  return order;
}

std::string index_text(double value, double low, double high) {
  return format_decimal(value, 2) + " [" + format_decimal(low, 2) + ", " + format_decimal(high, 2) + "]";
}

}  // namespace

std::string sensitivity_table(const Scenario& scenario, const SensitivityResult& result) {
  (void)scenario;
  std::ostringstream out;
  std::string constant;
  std::size_t key_width = 16;
  for (const auto& factor : result.factors) key_width = std::max(key_width, factor.size());
  for (const auto& output : result.outputs) {
    if (output.indices.empty()) {
      constant += (constant.empty() ? "" : ", ") + output.name + " " + format_percent(output.mean);
      continue;
    }
    out << "P(" << output.name << ") = " << format_percent(output.mean, 1) << "\n";
    out << "  rank  " << std::left << std::setw(static_cast<int>(key_width)) << "uncertain number"
        << "  " << std::setw(22) << "total T [95%]"
        << "first-order S [95%]\n";
    const auto order = ranking(result, output);
    for (std::size_t r = 0; r < order.size(); ++r) {
      const auto& index = output.indices[order[r]];
      out << "  " << std::setw(4) << (r + 1) << "  " << std::setw(static_cast<int>(key_width))
          << result.factors[order[r]] << "  " << std::setw(22)
          << index_text(index.total, index.total_low, index.total_high)
          << index_text(index.first_order, index.first_low, index.first_high) << "\n";
    }
    out << "\n";
  }
  if (!constant.empty()) out << "The same in every run (no variance to apportion): " << constant << "\n";
  return out.str();
}

json sensitivity_json(const Scenario& scenario, const SensitivityResult& result, const SensitivityOptions& options) {
  json factors = json::array();
  for (std::size_t i = 0; i < result.factors.size(); ++i) {
    factors.push_back({{"key", result.factors[i]}, {"distribution", result.distributions[i]}});
  }
  json outputs = json::array();
  for (const auto& output : result.outputs) {
    json ranked = json::array();
    if (!output.indices.empty()) {
      for (std::size_t i : ranking(result, output)) {
        const auto& index = output.indices[i];
        ranked.push_back({{"key", result.factors[i]},
                          {"total", round6(index.total)},
                          {"total_low", round6(index.total_low)},
                          {"total_high", round6(index.total_high)},
                          {"first_order", round6(index.first_order)},
                          {"first_low", round6(index.first_low)},
                          {"first_high", round6(index.first_high)}});
      }
    }
    outputs.push_back({{"output", output.name},
                       {"probability", round6(output.mean)},
                       {"variance", round6(output.variance)},
                       {"indices", ranked}});
  }
  return {{"kind", "sensitivity"},
          {"scenario", scenario.id},
          {"title", scenario.title},
          {"master_seed", options.master_seed},
          {"samples", result.samples},
          {"factors_count", result.factors.size()},
          {"runs", result.runs},
          {"bootstrap", options.bootstrap},
          {"method",
           "Saltelli sampling; first-order by Saltelli (2010), total by Jansen (1999); 95% bootstrap percentile "
           "intervals; perception noise common to a sample's runs"},
          {"factors", factors},
          {"outputs", outputs}};
}

std::string sensitivity_csv(const SensitivityResult& result) {
  std::string text = "output,probability,key,total,total_low,total_high,first_order,first_low,first_high\n";
  auto number = [](double value) { return format_significant(round6(value)); };
  for (const auto& output : result.outputs) {
    if (output.indices.empty()) continue;
    for (std::size_t i : ranking(result, output)) {
      const auto& index = output.indices[i];
      text += output.name + "," + number(output.mean) + "," + result.factors[i] + "," + number(index.total) + "," +
              number(index.total_low) + "," + number(index.total_high) + "," + number(index.first_order) + "," +
              number(index.first_low) + "," + number(index.first_high) + "\n";
    }
  }
  return text;
}

}  // namespace negsim
