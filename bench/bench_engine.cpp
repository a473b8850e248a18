// Benchmarks of the negsim engine and loader (Google Benchmark).
//
//   ./build/bench/negsim_bench --benchmark_min_time=0.2
//
// Targets (issue 16): the GGE 2016-2017 run and a synthetic 193 x 40 x 100 run each within 3x
// of its floor (BM_Gge2017Floor, BM_Synthetic193x40x100Floor, measured in the same run); cost
// linear in the number of delegations (BM_SyntheticScaling against BM_SyntheticScalingFloor,
// n = 193 to 2,000); the Nash and maximin chairs within 3x of the compromise chair
// (BM_Gge2017RunNash/Maximin against BM_Gge2017Run, BM_Synthetic193x40x10Nash/Maximin against
// BM_Synthetic193x40x10Compromise). The ratios of record are the BM_Paired* benchmarks, which
// time both sides of each ratio in the same loop (run_paired).
//
// Scenarios are loaded outside the timed loop. A benchmark never measures a failed load: when
// loading throws (or the synthetic run does not reach the deadline), it is skipped with an error.

#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "negsim/engine.hpp"
#include "negsim/model.hpp"
#include "negsim/random.hpp"
#include "negsim/scenario.hpp"
#include "negsim/sweep.hpp"
#include "negsim/trace.hpp"

namespace {

constexpr std::uint64_t kSeed = 20170623;
const char* const kGgeFile = NEGSIM_SOURCE_DIR "/scenarios/gge-2016-2017.yaml";

// A scenario loaded once per process, or the reason it could not be.
struct Loaded {
  std::unique_ptr<negsim::Scenario> scenario;
  std::string error;
};

Loaded load_gge_2017(const std::vector<std::string>& overrides) {
  Loaded result;
  try {
    result.scenario = std::make_unique<negsim::Scenario>(negsim::load_scenario_file(kGgeFile, overrides));
  } catch (const std::exception& error) {
    result.error = std::string("loading ") + kGgeFile + " failed: " + error.what();
  }
  return result;
}

const Loaded& gge_2017() {
  static const Loaded loaded = load_gge_2017({});
  return loaded;
}

// The same scenario with a Nash or a maximin chair.
const Loaded& gge_2017_nash() {
  static const Loaded loaded = load_gge_2017({"process.chair.strategy=nash"});
  return loaded;
}
const Loaded& gge_2017_maximin() {
  static const Loaded loaded = load_gge_2017({"process.chair.strategy=maximin"});
  return loaded;
}

void set_size_counters(benchmark::State& state, const negsim::Scenario& scenario, int rounds) {
  state.counters["rounds"] = rounds;
  state.counters["delegations"] = scenario.delegation_count();
  state.counters["issues"] = scenario.issue_count();
  // items/s = rounds played per second.
  state.SetItemsProcessed(state.iterations() * rounds);
}

// ------------------------------------------------------------------------------------------
// Synthetic scenario: 193 delegations, 40 issues, max_rounds 100, 5 blocs with leaders.
//
// Deadlock by construction: on issue i00 the leader of bloc b0 has a red line min 0.8 and the
// leader of bloc b1 a red line max 0.2, so every draft crosses one of them, the consensus rule
// is never met and the run goes to the deadline (no fallbacks). A quarter of the others hold one
// satisfiable red line around their own position, and the agent models are mixed. About 14 of
// the 193 object each round (the objectors_per_round counter), which sets the number of trial
// polls the chair's repairs and amendments cost (trial_polls).

constexpr int kDelegations = 193;
constexpr int kIssues = 40;
constexpr int kBlocs = 5;
constexpr int kMaxRounds = 100;

double clamp01(double value) {
  return value < 0 ? 0 : (value > 1 ? 1 : value);
}

std::string issue_id(int k) {
  std::ostringstream out;
  out << 'i' << std::setw(2) << std::setfill('0') << k;
  return out.str();
}

std::string delegation_id(int i) {
  std::ostringstream out;
  out << 'd' << std::setw(3) << std::setfill('0') << i;
  return out.str();
}

// `open`: the two leaders' red lines on i00 leave [0.45, 0.55] open (min 0.45, max 0.55) instead
// of no value at all, and nothing else changes (the same random draws): a room of the same shape
// whose runs are not blocked by construction, for `negsim explain` at 193 x 40 (write it with
// `negsim_bench --write-synthetic FILE --open`).
std::string synthetic_yaml(int delegations, int issues, int blocs, int max_rounds, std::uint64_t seed,
                           bool open = false) {
  negsim::Random random(seed);
  std::ostringstream out;
  out << std::fixed << std::setprecision(3);
  out << "title: \"Synthetic benchmark " << delegations << "x" << issues << "x" << max_rounds << (open ? ", open" : "")
      << "\"\n";
  out << "description: \"Generated in memory by bench_engine.cpp; "
      << (open ? "its red lines leave a text every one allows." : "deadlocked by construction.") << "\"\n";

  out << "issues:\n";
  for (int k = 0; k < issues; ++k) {
    out << "  - id: " << issue_id(k) << "\n"
        << "    title: \"Issue " << k << "\"\n"
        << "    levels:\n"
        << "      - {value: 0.0, text: \"low\"}\n"
        << "      - {value: 0.5, text: \"middle\"}\n"
        << "      - {value: 1.0, text: \"high\"}\n"
        << "    status_quo: 0.5\n";
  }

  // Bloc b's members are the delegations i with i % blocs == b; its leader is delegation b.
  out << "blocs:\n";
  std::vector<std::vector<double>> centre(static_cast<std::size_t>(blocs));
  for (int b = 0; b < blocs; ++b) {
    out << "  - id: b" << b << "\n"
        << "    name: \"Bloc " << b << "\"\n"
        << "    cohesion: " << 0.4 + 0.4 * random.uniform() << "\n"
        << "    leader: " << delegation_id(b) << "\n"
        << "    leader_weight: " << 0.3 + 0.4 * random.uniform() << "\n";
    for (int k = 0; k < issues; ++k) centre[static_cast<std::size_t>(b)].push_back(0.15 + 0.7 * random.uniform());
  }

  static const char* const models[] = {"concession", "concession",    "concession",
                                       "reciprocal", "bloc_follower", "sincere"};
  out << "delegations:\n";
  for (int i = 0; i < delegations; ++i) {
    const int bloc = i % blocs;
    const bool leader = i < blocs;
    std::vector<double> position(static_cast<std::size_t>(issues));
    for (int k = 0; k < issues; ++k) {
      position[static_cast<std::size_t>(k)] =
          clamp01(centre[static_cast<std::size_t>(bloc)][static_cast<std::size_t>(k)] + 0.15 * random.normal());
    }
    // The two irreconcilable red lines on issue 0.
    if (i == 0) position[0] = 0.9;
    if (i == 1) position[0] = 0.1;

    out << "  - id: " << delegation_id(i) << "\n"
        << "    bloc: b" << bloc << "\n"
        << "    power: " << 0.5 + 2.5 * random.uniform() << "\n";
    out << "    positions: {";
    for (int k = 0; k < issues; ++k) {
      out << (k ? ", " : "") << issue_id(k) << ": " << position[static_cast<std::size_t>(k)];
    }
    out << "}\n    salience: {";
    for (int k = 0; k < issues; ++k) out << (k ? ", " : "") << issue_id(k) << ": " << 0.1 + 0.9 * random.uniform();
    out << "}\n";

    std::ostringstream red_lines;
    red_lines << std::fixed << std::setprecision(3);
    if (i == 0) red_lines << issue_id(0) << (open ? ": {min: 0.45}" : ": {min: 0.8}");
    if (i == 1) red_lines << issue_id(0) << (open ? ": {max: 0.55}" : ": {max: 0.2}");
    // A quarter of the others hold one satisfiable red line elsewhere, at least 0.15 from their
    // own position (the printed position rounds to 3 decimals).
    if (i >= 2 && random.uniform() < 0.25) {
      const int k = 1 + static_cast<int>(random.next() % static_cast<std::uint64_t>(issues - 1));
      const double p = position[static_cast<std::size_t>(k)];
      const double low = clamp01(p - 0.15 - 0.3 * random.uniform());
      const double high = clamp01(p + 0.15 + 0.3 * random.uniform());
      red_lines << issue_id(k) << ": {min: " << low << ", max: " << high << "}";
    }
    if (!red_lines.str().empty()) out << "    red_lines: {" << red_lines.str() << "}\n";

    const char* model = leader ? "concession" : models[random.next() % (sizeof models / sizeof models[0])];
    out << "    agent: {model: " << model << ", support_max: 0.85, support_min: " << 0.5 + 0.2 * random.uniform()
        << ", beta: " << 0.5 + 1.5 * random.uniform() << "}\n";
    out << "    outside_option: " << 0.2 + 0.2 * random.uniform() << "\n"
        << "    susceptibility: " << 0.1 + 0.4 * random.uniform() << "\n";
  }

  out << "process:\n"
      << "  rule: consensus\n"
      << "  utility: quadratic\n"
      << "  max_rounds: " << max_rounds << "\n"
      << "  noise: 0.02\n"
      << "  chair:\n"
      << "    delegation: " << delegation_id(2) << "\n"
      << "    strategy: compromise\n"
      << "    bias: 0.05\n"
      << "    repair: true\n"
      << "    amendments: true\n";
  return out.str();
}

// Counts what drives the cost of a run: objectors each round and the repairs and amendments
// reported (each chosen change, and every candidate of the chair's last pass of a round; the
// chair polls each candidate once per pass, so the trials are more than these).
class WorkCounter : public negsim::TraceSink {
 public:
  void on_responses(const negsim::State& state, const std::vector<std::vector<int>>& /*grievances*/) override {
    ++rounds;
    for (negsim::Response response : state.responses) objectors += response == negsim::Response::object ? 1 : 0;
  }
  void on_change(int /*round*/, ChangeKind /*kind*/, int /*delegation*/, int /*issue*/, double /*from*/, double /*to*/,
                 bool /*accepted*/, const std::vector<int>& /*new_objectors*/, const std::string& /*reason*/) override {
    ++trial_polls;
  }
  long rounds = 0;
  long objectors = 0;
  long trial_polls = 0;
};

struct Synthetic {
  std::unique_ptr<negsim::Scenario> scenario;
  std::string error;
  int rounds = 0;
  negsim::OutcomeKind kind = negsim::OutcomeKind::no_consensus;
  double objectors_per_round = 0;
  long trial_polls = 0;
};

// Loads and checks once (untimed) the synthetic scenario with `delegations` delegations (40
// issues, `max_rounds` rounds) and the chair's `strategy`, that the run really plays to the deadline.
Synthetic load_synthetic(int delegations, const std::string& strategy, int max_rounds = kMaxRounds) {
  Synthetic result;
  try {
    const std::string text = synthetic_yaml(delegations, kIssues, kBlocs, max_rounds, 193'040'100);
    negsim::LoadLimits limits;
    limits.max_delegations = std::max(limits.max_delegations, delegations);
    result.scenario = std::make_unique<negsim::Scenario>(
        negsim::load_scenario_text(text, "synthetic-" + std::to_string(delegations) + "x40x100.yaml",
                                   {"process.chair.strategy=" + strategy}, limits));
    WorkCounter counter;
    negsim::Engine engine(*result.scenario, kSeed, &counter);
    const negsim::Outcome& outcome = engine.run();
    result.rounds = outcome.rounds;
    result.kind = outcome.kind;
    result.objectors_per_round =
        counter.rounds > 0 ? static_cast<double>(counter.objectors) / static_cast<double>(counter.rounds) : 0.0;
    result.trial_polls = counter.trial_polls;
    if (outcome.rounds != max_rounds) {
      result.error = "synthetic run ended after " + std::to_string(outcome.rounds) + " rounds (" +
                     negsim::to_string(outcome.kind) + "), expected all " + std::to_string(max_rounds);
    }
  } catch (const std::exception& error) {
    result.error = std::string("loading the synthetic scenario failed: ") + error.what();
  }
  return result;
}

const Synthetic& synthetic_193x40x100() {
  static const Synthetic synthetic = load_synthetic(kDelegations, "compromise");
  return synthetic;
}

// The scaling family: n delegations (n = 193, 500, 1000, 2000), the same 40 issues and 100
// rounds. Loaded on first use only (the 2,000-delegation file takes a while to parse).
const Synthetic& synthetic_of_size(int delegations) {
  static std::vector<std::pair<int, std::unique_ptr<Synthetic>>> loaded;
  for (const auto& entry : loaded) {
    if (entry.first == delegations) return *entry.second;
  }
  loaded.emplace_back(delegations, std::make_unique<Synthetic>(load_synthetic(delegations, "compromise")));
  return *loaded.back().second;
}

// The chair strategies compared on 193 x 40 over 10 rounds (a maximin run of 100 rounds takes
// seconds: too long for the smoke test). The smoke test (bench/CMakeLists.txt) sets
// NEGSIM_BENCH_SMOKE: there they play 2 rounds, the same code in a fifth of the time.
constexpr int kStrategyRounds = 10;
constexpr int kSmokeStrategyRounds = 2;
int strategy_rounds() {
  static const bool smoke = std::getenv("NEGSIM_BENCH_SMOKE") != nullptr;
  return smoke ? kSmokeStrategyRounds : kStrategyRounds;
}
const Synthetic& synthetic_193x40x10(const std::string& strategy) {
  static std::vector<std::pair<std::string, std::unique_ptr<Synthetic>>> loaded;
  for (const auto& entry : loaded) {
    if (entry.first == strategy) return *entry.second;
  }
  loaded.emplace_back(strategy, std::make_unique<Synthetic>(load_synthetic(kDelegations, strategy, strategy_rounds())));
  return *loaded.back().second;
}

// ------------------------------------------------------------------------------------------

void run_gge(benchmark::State& state, const Loaded& loaded) {
  if (!loaded.scenario) {
    state.SkipWithError(loaded.error.c_str());
    return;
  }
  const negsim::Scenario& scenario = *loaded.scenario;
  int rounds = 0;
  negsim::OutcomeKind kind = negsim::OutcomeKind::no_consensus;
  for (auto _ : state) {
    negsim::Outcome outcome = negsim::simulate(scenario, kSeed);
    benchmark::DoNotOptimize(outcome);
    rounds = outcome.rounds;
    kind = outcome.kind;
  }
  set_size_counters(state, scenario, rounds);
  state.SetLabel(negsim::to_string(kind));
}

void BM_Gge2017Run(benchmark::State& state) {
  run_gge(state, gge_2017());
}
BENCHMARK(BM_Gge2017Run)->Unit(benchmark::kMicrosecond);

// The chair strategies beside the compromise one (goal: within 3x of BM_Gge2017Run).
void BM_Gge2017RunNash(benchmark::State& state) {
  run_gge(state, gge_2017_nash());
}
BENCHMARK(BM_Gge2017RunNash)->Unit(benchmark::kMicrosecond);

void BM_Gge2017RunMaximin(benchmark::State& state) {
  run_gge(state, gge_2017_maximin());
}
BENCHMARK(BM_Gge2017RunMaximin)->Unit(benchmark::kMicrosecond);

// The same run on one engine restarted for each (Engine::restart, as a sweep's thread plays its
// replicates): what a run costs without the engine's set-up allocations. Not a user's single run
// (BM_Gge2017Run is): a figure for sweeps.
void BM_Gge2017RunReusedEngine(benchmark::State& state) {
  const Loaded& loaded = gge_2017();
  if (!loaded.scenario) {
    state.SkipWithError(loaded.error.c_str());
    return;
  }
  const negsim::Scenario& scenario = *loaded.scenario;
  negsim::Engine engine(scenario, kSeed);
  int rounds = 0;
  negsim::OutcomeKind kind = negsim::OutcomeKind::no_consensus;
  for (auto _ : state) {
    engine.restart(kSeed);
    const negsim::Outcome& outcome = engine.run();
    benchmark::DoNotOptimize(&outcome);
    rounds = outcome.rounds;
    kind = outcome.kind;
  }
  set_size_counters(state, scenario, rounds);
  state.SetLabel(negsim::to_string(kind));
}
BENCHMARK(BM_Gge2017RunReusedEngine)->Unit(benchmark::kMicrosecond);

void BM_Gge2017RunWithTrace(benchmark::State& state) {
  const Loaded& loaded = gge_2017();
  if (!loaded.scenario) {
    state.SkipWithError(loaded.error.c_str());
    return;
  }
  const negsim::Scenario& scenario = *loaded.scenario;
  int rounds = 0;
  std::size_t events = 0;
  negsim::OutcomeKind kind = negsim::OutcomeKind::no_consensus;
  for (auto _ : state) {
    negsim::Trace trace(scenario);  // a fresh sink each run, as `negsim run` uses it
    negsim::Engine engine(scenario, kSeed, &trace);
    const negsim::Outcome& outcome = engine.run();
    benchmark::DoNotOptimize(&outcome);
    benchmark::DoNotOptimize(trace.events().data());
    rounds = outcome.rounds;
    kind = outcome.kind;
    events = trace.events().size();
  }
  set_size_counters(state, scenario, rounds);
  state.counters["trace_events"] = static_cast<double>(events);
  state.SetLabel(negsim::to_string(kind));
}
BENCHMARK(BM_Gge2017RunWithTrace)->Unit(benchmark::kMicrosecond);

void run_synthetic(benchmark::State& state, const Synthetic& synthetic) {
  if (!synthetic.scenario || !synthetic.error.empty()) {
    state.SkipWithError(synthetic.error.c_str());
    return;
  }
  const negsim::Scenario& scenario = *synthetic.scenario;
  for (auto _ : state) {
    negsim::Outcome outcome = negsim::simulate(scenario, kSeed);
    benchmark::DoNotOptimize(outcome);
  }
  set_size_counters(state, scenario, synthetic.rounds);
  state.counters["objectors_per_round"] = synthetic.objectors_per_round;
  state.counters["trial_polls"] = static_cast<double>(synthetic.trial_polls);
  state.SetLabel(negsim::to_string(synthetic.kind) + ", " + std::to_string(synthetic.rounds) + " rounds");
}

void BM_Synthetic193x40x100(benchmark::State& state) {
  run_synthetic(state, synthetic_193x40x100());
}
BENCHMARK(BM_Synthetic193x40x100)->Unit(benchmark::kMillisecond);

// A sweep of the 193 x 40 x 100 room as `negsim sweep` runs it (run_replicates: one engine per
// thread, the positions and compromise drafts of each round shared between replicates), on
// state.range(0) threads. Goal (issue 16): 1,000 replicates under 2 s on 2 threads, i.e. about
// 2 ms of wall time a replicate at 2 threads (the counter per_replicate; wall time). Each
// iteration is a fresh sweep of kSweepReplicates replicates (the smoke test: 4), so the first
// replicate's work for the shared rounds is counted once per that many.
constexpr std::uint64_t kSweepReplicates = 100;
constexpr std::uint64_t kSmokeSweepReplicates = 4;
void BM_Synthetic193x40x100Sweep(benchmark::State& state) {
  const Synthetic& synthetic = synthetic_193x40x100();
  if (!synthetic.scenario || !synthetic.error.empty()) {
    state.SkipWithError(synthetic.error.c_str());
    return;
  }
  static const bool smoke = std::getenv("NEGSIM_BENCH_SMOKE") != nullptr;
  negsim::ReplicateOptions options;
  options.replicates = smoke ? kSmokeSweepReplicates : kSweepReplicates;
  options.threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(negsim::run_replicates(*synthetic.scenario, options));
  }
  const auto replicates = static_cast<double>(options.replicates);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(options.replicates));
  state.counters["per_replicate"] = benchmark::Counter(static_cast<double>(state.iterations()) * replicates,
                                                       benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["replicates"] = replicates;
}
BENCHMARK(BM_Synthetic193x40x100Sweep)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The chair strategies at 193 x 40, 10 rounds (goal: Nash and maximin within 3x of compromise).
void BM_Synthetic193x40x10Compromise(benchmark::State& state) {
  run_synthetic(state, synthetic_193x40x10("compromise"));
}
BENCHMARK(BM_Synthetic193x40x10Compromise)->Unit(benchmark::kMillisecond);

void BM_Synthetic193x40x10Nash(benchmark::State& state) {
  run_synthetic(state, synthetic_193x40x10("nash"));
}
BENCHMARK(BM_Synthetic193x40x10Nash)->Unit(benchmark::kMillisecond);

void BM_Synthetic193x40x10Maximin(benchmark::State& state) {
  run_synthetic(state, synthetic_193x40x10("maximin"));
}
BENCHMARK(BM_Synthetic193x40x10Maximin)->Unit(benchmark::kMillisecond);

// Scaling in the number of delegations at fixed K = 40 and 100 rounds; the argument is n.
// Goal: cost linear in n (fit the exponent of time against n over the four sizes, and compare
// with BM_SyntheticScalingFloor at each n).
void BM_SyntheticScaling(benchmark::State& state) {
  run_synthetic(state, synthetic_of_size(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_SyntheticScaling)->Arg(193)->Arg(500)->Arg(1000)->Arg(2000)->Unit(benchmark::kMillisecond);

// ------------------------------------------------------------------------------------------
// Floor: the minimum arithmetic of a round for a scenario's shapes, so that every engine figure
// can be given as a ratio to it, measured in the same run. One round's floor is the utilities
// of every delegation for one draft (n x k) and one influence step that uses the bloc
// structure: bloc sums, then each position moves toward its bloc (and leader) and is clamped
// inside its red lines (n x k). Written column by column (the matrices are column-major), with
// no trial polls, no chair, no thresholds, ties left out; the rounds are those the engine
// plays on the same scenario. A scenario with perception noise (process.noise > 0) costs every
// round one normal draw per delegation from the stream the model defines (docs/MODEL.md section
// 2), which no engine can skip: the floor draws them too, unless told to leave them out (to give
// the ratio over the noiseless floor beside it).
class RoundFloor {
 public:
  explicit RoundFloor(const negsim::Scenario& scenario, bool with_noise = true)
      : scenario_(scenario),
        n_(scenario.delegation_count()),
        k_(scenario.issue_count()),
        current_(scenario.positions),
        next_(scenario.positions),
        draft_(k_),
        utility_(n_),
        bloc_sums_(scenario.blocs.size() + 1, 0.0) {
    for (const negsim::Bloc& bloc : scenario.blocs) members_.push_back(bloc.members);
    members_.emplace_back();  // the empty bloc of those outside any
    for (int j = 0; j < k_; ++j) draft_(j) = scenario.issues[static_cast<std::size_t>(j)].status_quo;
    noise_ = with_noise && scenario.process.noise > 0 ? scenario.process.noise : 0.0;
    for (int i = 0; i < n_; ++i) {
      const negsim::Delegation& delegation = scenario.delegations[static_cast<std::size_t>(i)];
      if (noise_ > 0) keys_.push_back(negsim::hash_text(delegation.id));
      Row row;
      row.lambda = delegation.susceptibility;
      row.bloc = static_cast<int>(scenario.blocs.size());
      row.leader = i;
      if (delegation.bloc >= 0) {
        const negsim::Bloc& bloc = scenario.blocs[static_cast<std::size_t>(delegation.bloc)];
        const double others = static_cast<double>(bloc.members.size()) - 1;
        if (others > 0) {
          row.bloc = delegation.bloc;
          row.self = 1.0 - bloc.cohesion;
          row.member_weight = bloc.cohesion / others;
          if (bloc.leader >= 0 && bloc.leader != i) {
            row.leader = bloc.leader;
            row.leader_weight = bloc.cohesion * bloc.leader_weight;
            row.member_weight = bloc.cohesion * (1.0 - bloc.leader_weight) / others;
          }
        }
      }
      rows_.push_back(row);
    }
  }

  void round() {
    const negsim::UtilityShape shape = scenario_.process.utility;
    utility_.setOnes();
    for (int j = 0; j < k_; ++j) {
      const double value = draft_(j);
      for (int i = 0; i < n_; ++i) {
        utility_(i) -= scenario_.salience(i, j) * negsim::issue_loss(value, current_(i, j), shape);
      }
    }
    if (noise_ > 0) {  // the engine's draw_noise, stream for stream
      for (int i = 0; i < n_; ++i) {
        negsim::Random random(negsim::mix64(kSeed) ^
                              negsim::mix64(keys_[static_cast<std::size_t>(i)] ^ negsim::mix64(round_)));
        utility_(i) += noise_ * random.normal();
      }
    }
    ++round_;
    // Branch-free: a delegation outside any bloc reads an empty bloc with weight 0, and one with
    // no leader of its own reads itself with weight 0.
    for (int j = 0; j < k_; ++j) {
      const double* column = current_.col(j).data();
      for (std::size_t b = 0; b < members_.size(); ++b) {
        double sum = 0;
        for (int member : members_[b]) sum += column[member];
        bloc_sums_[b] = sum;
      }
      for (int i = 0; i < n_; ++i) {
        const Row& row = rows_[static_cast<std::size_t>(i)];
        const double own = column[i];
        const double moved =
            row.self * own + row.member_weight * (bloc_sums_[row.bloc] - own) + row.leader_weight * column[row.leader];
        const double value = row.lambda * moved + (1.0 - row.lambda) * scenario_.positions(i, j);
        next_(i, j) = std::min(std::max(value, scenario_.red_line_min(i, j)), scenario_.red_line_max(i, j));
      }
    }
    current_.swap(next_);
  }

  const Eigen::VectorXd& utility() const { return utility_; }

 private:
  struct Row {
    double lambda = 0;
    double self = 1;
    int bloc = 0;
    double member_weight = 0;
    int leader = 0;
    double leader_weight = 0;
  };
  const negsim::Scenario& scenario_;
  int n_;
  int k_;
  double noise_ = 0;
  std::uint64_t round_ = 0;
  std::vector<std::uint64_t> keys_;
  Eigen::MatrixXd current_;
  Eigen::MatrixXd next_;
  Eigen::VectorXd draft_;
  Eigen::VectorXd utility_;
  std::vector<std::vector<int>> members_;
  std::vector<double> bloc_sums_;
  std::vector<Row> rows_;
};

// One floor run of `rounds` rounds, set up each time as the engine is.
void play_floor(const negsim::Scenario& scenario, int rounds, bool with_noise = true) {
  RoundFloor floor(scenario, with_noise);
  for (int round = 0; round < rounds; ++round) floor.round();
  benchmark::DoNotOptimize(floor.utility().data());
  benchmark::ClobberMemory();
}

void run_floor(benchmark::State& state, const negsim::Scenario& scenario, int rounds) {
  for (auto _ : state) play_floor(scenario, rounds);
  set_size_counters(state, scenario, rounds);
}

// The floor of BM_Gge2017Run: as many rounds as that run plays.
void BM_Gge2017Floor(benchmark::State& state) {
  const Loaded& loaded = gge_2017();
  if (!loaded.scenario) {
    state.SkipWithError(loaded.error.c_str());
    return;
  }
  const int rounds = negsim::simulate(*loaded.scenario, kSeed).rounds;
  run_floor(state, *loaded.scenario, rounds);
}
BENCHMARK(BM_Gge2017Floor)->Unit(benchmark::kMicrosecond);

// What this machine gives two busy cores: the GGE run and its floor played by 1 and by 2
// threads at once, each thread on its own engine, nothing shared but the loaded scenario. The
// 2-thread items/s over the 1-thread items/s is the speed-up independent work gets here; a
// sweep's 2-thread speed-up (BM_SweepUnit/2 against /1, same run) is read against it. On the
// development machine's virtual cores it was well under 2 (README, Performance).
void BM_Gge2017RunParallel(benchmark::State& state) {
  const Loaded& loaded = gge_2017();
  if (!loaded.scenario) {
    state.SkipWithError(loaded.error.c_str());
    return;
  }
  int rounds = 0;
  for (auto _ : state) {
    const negsim::Outcome outcome = negsim::simulate(*loaded.scenario, kSeed);
    benchmark::DoNotOptimize(outcome);
    rounds = outcome.rounds;
  }
  state.SetItemsProcessed(state.iterations() * rounds);  // summed over the threads
}
BENCHMARK(BM_Gge2017RunParallel)->Unit(benchmark::kMicrosecond)->Threads(1)->Threads(2)->UseRealTime();

void BM_Gge2017FloorParallel(benchmark::State& state) {
  const Loaded& loaded = gge_2017();
  if (!loaded.scenario) {
    state.SkipWithError(loaded.error.c_str());
    return;
  }
  const int rounds = negsim::simulate(*loaded.scenario, kSeed).rounds;
  for (auto _ : state) play_floor(*loaded.scenario, rounds);
  state.SetItemsProcessed(state.iterations() * rounds);  // summed over the threads
}
BENCHMARK(BM_Gge2017FloorParallel)->Unit(benchmark::kMicrosecond)->Threads(1)->Threads(2)->UseRealTime();

// The floor of BM_Synthetic193x40x100: 100 rounds.
void BM_Synthetic193x40x100Floor(benchmark::State& state) {
  const Synthetic& synthetic = synthetic_193x40x100();
  if (!synthetic.scenario || !synthetic.error.empty()) {
    state.SkipWithError(synthetic.error.c_str());
    return;
  }
  run_floor(state, *synthetic.scenario, synthetic.rounds);
}
BENCHMARK(BM_Synthetic193x40x100Floor)->Unit(benchmark::kMillisecond);

// The floor of BM_SyntheticScaling at each n: 100 rounds.
void BM_SyntheticScalingFloor(benchmark::State& state) {
  const Synthetic& synthetic = synthetic_of_size(static_cast<int>(state.range(0)));
  if (!synthetic.scenario || !synthetic.error.empty()) {
    state.SkipWithError(synthetic.error.c_str());
    return;
  }
  run_floor(state, *synthetic.scenario, synthetic.rounds);
}
BENCHMARK(BM_SyntheticScalingFloor)->Arg(193)->Arg(500)->Arg(1000)->Arg(2000)->Unit(benchmark::kMillisecond);

// The ratios of record, both sides in one loop: each iteration plays the engine's run and the
// thing it is measured against (its floor, or the compromise chair's run), alternating which goes
// first, each timed on its own. This virtual machine's speed wanders by up to 1.9x from minute to
// minute, and benchmarks taken one after the other (even interleaved) catch different phases;
// here both sides see the same microseconds. Counters: `ratio` (the first side's total time over
// the second's) and each side's mean time per run in microseconds. The time Google Benchmark
// reports is the pair's.
template <typename First, typename Second>
void run_paired(benchmark::State& state, First first, Second second) {
  using Clock = std::chrono::steady_clock;
  Clock::duration first_total{};
  Clock::duration second_total{};
  bool first_leads = true;
  for (auto _ : state) {
    if (first_leads) {
      const auto start = Clock::now();
      first();
      const auto middle = Clock::now();
      second();
      const auto end = Clock::now();
      first_total += middle - start;
      second_total += end - middle;
    } else {
      const auto start = Clock::now();
      second();
      const auto middle = Clock::now();
      first();
      const auto end = Clock::now();
      second_total += middle - start;
      first_total += end - middle;
    }
    first_leads = !first_leads;
  }
  const auto micros = [&](Clock::duration total) {
    return std::chrono::duration<double, std::micro>(total).count() / static_cast<double>(state.iterations());
  };
  state.counters["ratio"] = micros(second_total) > 0 ? micros(first_total) / micros(second_total) : 0.0;
  state.counters["first_us"] = micros(first_total);
  state.counters["second_us"] = micros(second_total);
}

void play_run(const negsim::Scenario& scenario) {
  negsim::Outcome outcome = negsim::simulate(scenario, kSeed);
  benchmark::DoNotOptimize(outcome);
}

// The GGE run over its floor (goal: within 3x), and over the floor without the perception-noise
// draws (the GGE files carry the fitted noise since the 38-case fit): the ratio the table gave
// before, kept beside the one of record.
void run_paired_gge_over_floor(benchmark::State& state, bool floor_with_noise) {
  const Loaded& loaded = gge_2017();
  if (!loaded.scenario) {
    state.SkipWithError(loaded.error.c_str());
    return;
  }
  const negsim::Scenario& scenario = *loaded.scenario;
  const int rounds = negsim::simulate(scenario, kSeed).rounds;
  run_paired(
      state, [&] { play_run(scenario); }, [&] { play_floor(scenario, rounds, floor_with_noise); });
}
void BM_PairedGge2017RunOverFloor(benchmark::State& state) {
  run_paired_gge_over_floor(state, true);
}
BENCHMARK(BM_PairedGge2017RunOverFloor)->Unit(benchmark::kMicrosecond);
void BM_PairedGge2017RunOverNoiselessFloor(benchmark::State& state) {
  run_paired_gge_over_floor(state, false);
}
BENCHMARK(BM_PairedGge2017RunOverNoiselessFloor)->Unit(benchmark::kMicrosecond);

// The 193 x 40 x 100 run over its floor (goal: within 3x), and over the noiseless floor (the
// synthetic rooms carry noise 0.02).
void run_paired_synthetic_over_floor(benchmark::State& state, bool floor_with_noise) {
  const Synthetic& synthetic = synthetic_193x40x100();
  if (!synthetic.scenario || !synthetic.error.empty()) {
    state.SkipWithError(synthetic.error.c_str());
    return;
  }
  const negsim::Scenario& scenario = *synthetic.scenario;
  run_paired(
      state, [&] { play_run(scenario); }, [&] { play_floor(scenario, synthetic.rounds, floor_with_noise); });
}
void BM_PairedSynthetic193x40x100OverFloor(benchmark::State& state) {
  run_paired_synthetic_over_floor(state, true);
}
BENCHMARK(BM_PairedSynthetic193x40x100OverFloor)->Unit(benchmark::kMillisecond);
void BM_PairedSynthetic193x40x100OverNoiselessFloor(benchmark::State& state) {
  run_paired_synthetic_over_floor(state, false);
}
BENCHMARK(BM_PairedSynthetic193x40x100OverNoiselessFloor)->Unit(benchmark::kMillisecond);

// A chair strategy's GGE run over the compromise chair's (goal: within 3x).
void run_paired_gge_chair(benchmark::State& state, const Loaded& chair) {
  const Loaded& compromise = gge_2017();
  if (!chair.scenario || !compromise.scenario) {
    state.SkipWithError((chair.scenario ? compromise.error : chair.error).c_str());
    return;
  }
  run_paired(
      state, [&] { play_run(*chair.scenario); }, [&] { play_run(*compromise.scenario); });
}
void BM_PairedGge2017NashOverCompromise(benchmark::State& state) {
  run_paired_gge_chair(state, gge_2017_nash());
}
BENCHMARK(BM_PairedGge2017NashOverCompromise)->Unit(benchmark::kMicrosecond);
void BM_PairedGge2017MaximinOverCompromise(benchmark::State& state) {
  run_paired_gge_chair(state, gge_2017_maximin());
}
BENCHMARK(BM_PairedGge2017MaximinOverCompromise)->Unit(benchmark::kMicrosecond);

// The same at 193 x 40 over 10 rounds (2 in the smoke test).
void run_paired_synthetic_chair(benchmark::State& state, const std::string& strategy) {
  const Synthetic& chair = synthetic_193x40x10(strategy);
  const Synthetic& compromise = synthetic_193x40x10("compromise");
  for (const Synthetic* synthetic : {&chair, &compromise}) {
    if (!synthetic->scenario || !synthetic->error.empty()) {
      state.SkipWithError(synthetic->error.c_str());
      return;
    }
  }
  run_paired(
      state, [&] { play_run(*chair.scenario); }, [&] { play_run(*compromise.scenario); });
}
void BM_PairedSynthetic193x40x10NashOverCompromise(benchmark::State& state) {
  run_paired_synthetic_chair(state, "nash");
}
BENCHMARK(BM_PairedSynthetic193x40x10NashOverCompromise)->Unit(benchmark::kMillisecond);
void BM_PairedSynthetic193x40x10MaximinOverCompromise(benchmark::State& state) {
  run_paired_synthetic_chair(state, "maximin");
}
BENCHMARK(BM_PairedSynthetic193x40x10MaximinOverCompromise)->Unit(benchmark::kMillisecond);

void BM_LoadGge2017(benchmark::State& state) {
  // Fail fast (and untimed) if the file does not load at all.
  if (!gge_2017().scenario) {
    state.SkipWithError(gge_2017().error.c_str());
    return;
  }
  int delegations = 0;
  int issues = 0;
  for (auto _ : state) {
    try {
      negsim::Scenario scenario = negsim::load_scenario_file(kGgeFile);
      benchmark::DoNotOptimize(scenario);
      delegations = scenario.delegation_count();
      issues = scenario.issue_count();
    } catch (const std::exception& error) {
      state.SkipWithError(error.what());
      break;
    }
  }
  state.counters["delegations"] = delegations;
  state.counters["issues"] = issues;
}
BENCHMARK(BM_LoadGge2017)->Unit(benchmark::kMicrosecond);

// Loading the synthetic 193 x 40 scenario from its text (236 kB of YAML, already in memory):
// parsing, checks and the matrices the engine reads. Goal: under 50 ms. Arg 0: as a file is
// loaded (the plain text is read by libyaml, sim/yaml_fast_tree.hpp); Arg 1: the same text
// with a tab in a trailing comment, which keeps the fast reader out (yaml-cpp alone, as before).
void BM_LoadSynthetic193x40(benchmark::State& state) {
  std::string text = synthetic_yaml(kDelegations, kIssues, kBlocs, kMaxRounds, 193'040'100);
  if (state.range(0) == 1) text += "#\t\n";
  int delegations = 0;
  for (auto _ : state) {
    try {
      negsim::Scenario scenario = negsim::load_scenario_text(text, "synthetic-193x40x100.yaml");
      benchmark::DoNotOptimize(scenario);
      delegations = scenario.delegation_count();
    } catch (const std::exception& error) {
      state.SkipWithError(error.what());
      break;
    }
  }
  state.counters["delegations"] = delegations;
  state.counters["bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_LoadSynthetic193x40)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// compute_utilities on random 193 x 40 inputs; Arg 0 = linear, 1 = quadratic.
void BM_Utilities(benchmark::State& state) {
  const int n = kDelegations;
  const int k = kIssues;
  const negsim::UtilityShape shape =
      state.range(0) == 0 ? negsim::UtilityShape::linear : negsim::UtilityShape::quadratic;
  negsim::Random random(42);
  Eigen::MatrixXd positions(n, k);
  Eigen::MatrixXd salience(n, k);
  Eigen::VectorXd draft(k);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < k; ++j) {
      positions(i, j) = random.uniform();
      salience(i, j) = 0.1 + random.uniform();
    }
    salience.row(i) /= salience.row(i).sum();
  }
  for (int j = 0; j < k; ++j) draft(j) = random.uniform();
  Eigen::VectorXd utilities(n);
  for (auto _ : state) {
    negsim::compute_utilities(positions, salience, draft, shape, utilities);
    benchmark::DoNotOptimize(utilities.data());
    benchmark::ClobberMemory();
  }
  state.counters["delegations"] = n;
  state.counters["issues"] = k;
  state.SetItemsProcessed(state.iterations() * n);  // items/s = delegations evaluated per second
  state.SetLabel(negsim::to_string(shape));
}
BENCHMARK(BM_Utilities)->Arg(0)->Arg(1);

}  // namespace

// Besides the benchmarks: `negsim_bench --write-synthetic FILE [--open]` writes the synthetic
// 193 x 40 x 100 scenario (deadlocked, or with --open the variant whose red lines leave a text
// every one allows) to FILE, for the commands (`negsim explain FILE`, `negsim sweep FILE`).
int main(int argc, char** argv) {
  for (int a = 1; a < argc; ++a) {
    if (std::string(argv[a]) != "--write-synthetic") continue;
    if (a + 1 >= argc) {
      std::cerr << "usage: negsim_bench --write-synthetic FILE [--open]\n";
      return 2;
    }
    bool open = false;
    for (int b = 1; b < argc; ++b) open = open || std::string(argv[b]) == "--open";
    std::ofstream file(argv[a + 1], std::ios::binary);
    file << synthetic_yaml(kDelegations, kIssues, kBlocs, kMaxRounds, 193'040'100, open);
    file.close();
    if (!file) {
      std::cerr << "negsim_bench: cannot write " << argv[a + 1] << "\n";
      return 1;
    }
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
