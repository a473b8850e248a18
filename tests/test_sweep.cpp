// Sweeps: identical numbers for any thread count, Wilson intervals, grids, bad --vary.
#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "negsim/engine.hpp"
#include "negsim/errors.hpp"
#include "negsim/grid.hpp"
#include "negsim/random.hpp"
#include "negsim/sweep.hpp"
#include "outcome_checks.hpp"
#include "test_support.hpp"

using test_support::negsim_binary;
using test_support::run_command;

TEST_CASE("Wilson intervals match hand-computed values", "[sweep][wilson]") {
  // 8 of 10, z = 1.96: centre (0.8 + 0.19208) / 1.38416 = 0.71678, half-width 0.22643.
  const auto interval = negsim::wilson_interval(8, 10);
  CHECK(interval.low == Approx(0.4902).margin(1e-4));
  CHECK(interval.high == Approx(0.9433).margin(1e-4));
  const auto none = negsim::wilson_interval(0, 100);
  CHECK(none.low == Approx(0.0).margin(1e-12));
  CHECK(none.high == Approx(0.0370).margin(1e-4));
  const auto all = negsim::wilson_interval(100, 100);
  CHECK(all.high == 1.0);
  CHECK(all.low == Approx(0.9630).margin(1e-4));
}

TEST_CASE("a sweep gives the same statistics on 1, 2 and 4 threads", "[sweep][determinism]") {
  const auto scenario = negsim::load_scenario_file(
      test_support::source_path("scenarios/gge-2016-2017.yaml"),
      {"process.noise=0.08", "delegations.russia.outside_option={value: 0.3, range: [0.1, 0.9]}"});
  negsim::ReplicateOptions options;
  options.master_seed = 11;
  options.replicates = 300;
  options.threads = 1;
  const auto one = negsim::run_replicates(scenario, options);
  options.threads = 2;
  const auto two = negsim::run_replicates(scenario, options);
  options.threads = 4;
  const auto four = negsim::run_replicates(scenario, options);
  CHECK(one == two);
  CHECK(one == four);
  CHECK(one.replicates == 300);
  // Splitting the replicates in two ranges and merging gives the same again (as MPI ranks do).
  options.replicates = 120;
  auto first = negsim::run_replicates(scenario, options);
  options.first_replicate = 120;
  options.replicates = 180;
  first.merge(negsim::run_replicates(scenario, options));
  CHECK(first == one);
}

TEST_CASE("grids expand in order, last axis fastest", "[sweep][grid]") {
  const auto cells = negsim::expand_grid(
      {negsim::parse_vary("process.rule=unanimity,consensus"), negsim::parse_vary("process.noise=0:0.1:3")});
  REQUIRE(cells.size() == 6);
  CHECK(cells[0].overrides() == std::vector<std::string>{"process.rule=unanimity", "process.noise=0"});
  CHECK(cells[1].overrides() == std::vector<std::string>{"process.rule=unanimity", "process.noise=0.05"});
  CHECK(cells[5].overrides() == std::vector<std::string>{"process.rule=consensus", "process.noise=0.1"});
  CHECK(negsim::expand_grid({}).size() == 1);
  CHECK_THROWS_AS(negsim::parse_vary("process.rule"), negsim::InputError);
  CHECK_THROWS_AS(negsim::parse_vary("process.noise=0:1"), negsim::InputError);
  CHECK_THROWS_AS(negsim::parse_vary("process.noise=0:1:1"), negsim::InputError);
  CHECK_THROWS_AS(negsim::parse_vary("process.noise=a:1:3"), negsim::InputError);
  CHECK_THROWS_AS(negsim::parse_vary("process.rule=a,,b"), negsim::InputError);
}

TEST_CASE("a grid over the rule reproduces the known outcomes of a lone red line", "[sweep][grid]") {
  const auto directory = test_support::temporary_directory("sweep-rule");
  const auto result =
      run_command(negsim_binary() + " sweep " + test_support::source_path("tests/valid-base.yaml") +
                  " --quiet --replicates 20 --set process.chair.repair=false --set process.chair.amendments=false"
                  " --set delegations.usa.red_lines.ihl.min=0.5 --set delegations.uk.red_lines.ihl.min=0.5"
                  " --vary process.rule=unanimity,consensus,consensus-minus-1 --out " +
                  (directory / "sweep").string());
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto summary = nlohmann::json::parse(test_support::read_text((directory / "sweep" / "summary.json").string()));
  REQUIRE(summary["cells"].size() == 3);
  CHECK(summary["cells"][0]["outcomes"]["no_consensus"]["share"] == 1.0);
  CHECK(summary["cells"][1]["outcomes"]["no_consensus"]["share"] == 1.0);
  CHECK(summary["cells"][2]["outcomes"]["adopted_over_objections"]["share"] == 1.0);
  CHECK(summary["cells"][2]["objection_share"]["russia"] == 1.0);
  std::filesystem::remove_all(directory);
}

// The teaching scenario's outcomes under each rule are worked by hand in its comments: under
// consensus South's amendments satisfy it by round 3 and North dissociates; under unanimity the
// text waits for North's threshold to fall, round 5; under consensus-minus-1 South's lone
// objection in round 1 does not block.
TEST_CASE("a grid over the rule on the teaching scenario reproduces the outcomes worked by hand", "[sweep][grid]") {
  const auto directory = test_support::temporary_directory("sweep-teaching-rule");
  const auto result =
      run_command(negsim_binary() + " sweep " + test_support::source_path("scenarios/teaching/three-delegations.yaml") +
                  " --quiet --replicates 10 --vary process.rule=consensus,unanimity,consensus-minus-1"
                  " --out " +
                  (directory / "sweep").string());
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto summary = nlohmann::json::parse(test_support::read_text((directory / "sweep" / "summary.json").string()));
  REQUIRE(summary["cells"].size() == 3);
  const auto& consensus = summary["cells"][0];
  CHECK(consensus["settings"]["process.rule"] == "consensus");
  CHECK(consensus["outcomes"]["consensus_with_dissociations"]["share"] == 1.0);
  CHECK(consensus["rounds"]["mean"] == 3.0);
  CHECK(consensus["objection_share"]["south"] == 0.0);
  const auto& unanimity = summary["cells"][1];
  CHECK(unanimity["settings"]["process.rule"] == "unanimity");
  CHECK(unanimity["outcomes"]["consensus"]["share"] == 1.0);
  CHECK(unanimity["rounds"]["mean"] == 5.0);
  const auto& minus_one = summary["cells"][2];
  CHECK(minus_one["settings"]["process.rule"] == "consensus-minus-1");
  CHECK(minus_one["outcomes"]["adopted_over_objections"]["share"] == 1.0);
  CHECK(minus_one["rounds"]["mean"] == 1.0);
  CHECK(minus_one["objection_share"]["south"] == 1.0);
  CHECK(minus_one["objection_share"]["north"] == 0.0);
  std::filesystem::remove_all(directory);
}

// --keep-traces N writes the full trace of the first N replicates of each cell, and no more.
TEST_CASE("a sweep keeps full traces of the first replicates when asked", "[sweep][cli][traces]") {
  const auto directory = test_support::temporary_directory("sweep-traces");
  const auto result =
      run_command(negsim_binary() + " sweep " + test_support::source_path("scenarios/teaching/three-delegations.yaml") +
                  " --quiet --replicates 5 --keep-traces 2 --vary process.rule=consensus,unanimity"
                  " --out " +
                  (directory / "sweep").string());
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  int traces = 0;
  for (const auto& entry : std::filesystem::directory_iterator(directory / "sweep")) {
    if (entry.path().filename().string().rfind("trace-", 0) == 0) ++traces;
  }
  CHECK(traces == 4);  // 2 cells x 2 replicates
  for (const char* name : {"trace-cell0-replicate0.jsonl", "trace-cell1-replicate1.jsonl"}) {
    INFO(name);
    std::istringstream lines(test_support::read_text((directory / "sweep" / name).string()));
    std::string line;
    nlohmann::json last;
    while (std::getline(lines, line)) last = nlohmann::json::parse(line);
    CHECK(last["event"] == "end");
  }
  // The unanimity cell's replicates end as the hand-worked case does: consensus in round 5.
  std::istringstream unanimity(
      test_support::read_text((directory / "sweep" / "trace-cell1-replicate0.jsonl").string()));
  std::string line;
  nlohmann::json end;
  while (std::getline(unanimity, line)) end = nlohmann::json::parse(line);
  CHECK(end["outcome"] == "consensus");
  CHECK(end["rounds"] == 5);
  std::filesystem::remove_all(directory);
}

TEST_CASE("negsim sweep writes identical cells.csv for any thread count", "[sweep][cli][determinism]") {
  const auto directory = test_support::temporary_directory("sweep-threads");
  const std::string base = negsim_binary() + " sweep " + test_support::source_path("scenarios/gge-2016-2017.yaml") +
                           " --quiet --replicates 200 --seed 5 --set process.noise=0.06 --replicates-csv"
                           " --vary process.chair.bias=0,0.3 --out ";
  for (const char* threads : {"1", "2", "4"}) {
    const auto result = run_command(base + (directory / threads).string() + " --threads " + threads);
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
  }
  for (const char* name : {"cells.csv", "summary.json", "replicates.csv"}) {
    INFO(name);
    const std::string one = test_support::read_text((directory / "1" / name).string());
    CHECK(!one.empty());
    CHECK(one == test_support::read_text((directory / "2" / name).string()));
    CHECK(one == test_support::read_text((directory / "4" / name).string()));
  }
  std::filesystem::remove_all(directory);
}

TEST_CASE("bad --vary keys or values exit 2 with a clear message and write nothing", "[sweep][cli]") {
  const auto directory = test_support::temporary_directory("sweep-bad");
  const std::string base = negsim_binary() + " sweep " + test_support::source_path("scenarios/gge-2016-2017.yaml") +
                           " --quiet --replicates 5 --out " + (directory / "out").string();
  const auto typo = run_command(base + " --vary process.rul=unanimity,consensus");
  CHECK(typo.exit_code == 2);
  CHECK(typo.output.find("did you mean 'rule'") != std::string::npos);
  const auto out_of_range = run_command(base + " --vary delegations.russia.positions.ihl=0.2,1.7");
  CHECK(out_of_range.exit_code == 2);
  CHECK(out_of_range.output.find("out of range") != std::string::npos);
  const auto malformed = run_command(base + " --vary process.noise=0:0.1");
  CHECK(malformed.exit_code == 2);
  CHECK(malformed.output.find("--vary") != std::string::npos);
  CHECK(run_command(base + " --replicates 0").exit_code == 2);
  CHECK(test_support::run_command("ls -A " + directory.string()).output.empty());
  std::filesystem::remove_all(directory);
}

TEST_CASE("sweep: --set and --vary keys are compared by what they name, not as typed", "[sweep][cli][overlap]") {
  const std::string file = test_support::source_path("scenarios/teaching/three-delegations.yaml");
  const negsim::Scenario scenario = negsim::load_scenario_file(file);
  CHECK(negsim::canonical_key_path(scenario, "delegations[2].power") == "delegations.east.power");
  CHECK(negsim::canonical_key_path(scenario, "delegations.east.power") == "delegations.east.power");
  CHECK(negsim::canonical_key_path(scenario, "issues[0].levels[1].text") == "issues.water_share.levels[1].text");
  CHECK(negsim::canonical_key_path(scenario, "blocs[0].cohesion") == "blocs[0].cohesion");  // no blocs here
  CHECK(negsim::canonical_key_path(scenario, "process.rule") == "process.rule");
  CHECK(negsim::key_paths_overlap(scenario, "delegations[2]", "delegations.east.positions.monitoring"));
  CHECK_FALSE(negsim::key_paths_overlap(scenario, "delegations[1].power", "delegations.east.power"));

  const auto directory = test_support::temporary_directory("sweep-overlap");
  const std::string base = negsim_binary() + " sweep " + file + " --quiet --replicates 1 --out ";
  const auto set_and_vary = run_command(base + (directory / "a").string() +
                                        " --set delegations[2].power=2 --vary delegations.east.power=1,3");
  INFO(set_and_vary.output);
  CHECK(set_and_vary.exit_code == 2);
  CHECK(set_and_vary.output.find("--set delegations[2].power and --vary delegations.east.power set the same value "
                                 "(delegations[2].power is delegations.east.power)") != std::string::npos);
  const auto two_axes = run_command(base + (directory / "b").string() +
                                    " --vary delegations.north.power=1,3 --vary 'delegations[0].power=2,4'");
  INFO(two_axes.output);
  CHECK(two_axes.exit_code == 2);
  CHECK(two_axes.output.find("--vary delegations.north.power and --vary delegations[0].power set the same value "
                             "(delegations[0].power is delegations.north.power)") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(directory / "a"));
  CHECK_FALSE(std::filesystem::exists(directory / "b"));
  // Two delegations, one by index and one by id, are two keys.
  const auto distinct = run_command(base + (directory / "c").string() +
                                    " --vary delegations[0].power=1,2 --vary delegations.south.power=1,2");
  INFO(distinct.output);
  CHECK(distinct.exit_code == 0);
  std::filesystem::remove_all(directory);
}

namespace {

using test_support::check_same_outcome;

// Records what a run tells its observer, numbers as exact hex floats, so that two runs compare
// round by round.
class RecordingSink : public negsim::TraceSink {
 public:
  std::vector<std::string> lines;
  void on_start(const negsim::Scenario& /*scenario*/, std::uint64_t seed) override {
    lines.push_back("start " + std::to_string(seed));
  }
  void on_draft(const negsim::State& state, const Eigen::VectorXd* /*previous*/) override {
    lines.push_back("draft " + std::to_string(state.round) + numbers(state.draft) + numbers(state.support_threshold) +
                    numbers(state.positions));
  }
  void on_responses(const negsim::State& state, const std::vector<std::vector<int>>& /*grievances*/) override {
    std::string line = "responses";
    for (auto response : state.responses) line += " " + negsim::to_string(response);
    lines.push_back(line + numbers(state.utility) + numbers(state.blocking_threshold) + numbers(state.noise));
  }
  void on_change(int round, ChangeKind kind, int delegation, int issue, double from, double to, bool accepted,
                 const std::vector<int>& new_objectors, const std::string& reason) override {
    lines.push_back("change " + std::to_string(round) + " " + std::to_string(static_cast<int>(kind)) + " " +
                    std::to_string(delegation) + " " + std::to_string(issue) + hex(from) + hex(to) +
                    (accepted ? " accepted " : " not ") + std::to_string(new_objectors.size()) + " " + reason);
  }
  void on_influence(int round, const Eigen::MatrixXd& /*before*/, const Eigen::MatrixXd& after) override {
    lines.push_back("influence " + std::to_string(round) + numbers(after));
  }
  void on_end(const negsim::State& state, const negsim::Outcome& outcome) override {
    lines.push_back("end " + std::to_string(state.round) + " " + negsim::to_string(outcome.kind));
  }

 private:
  static std::string hex(double value) {
    char text[64];
    std::snprintf(text, sizeof(text), " %a", value);
    return text;
  }
  template <typename Matrix>
  static std::string numbers(const Matrix& values) {
    std::string text;
    for (Eigen::Index i = 0; i < values.size(); ++i) text += hex(values.data()[i]);
    return text;
  }
};

}  // namespace

TEST_CASE("an engine restarted for another run plays it as a new engine would", "[sweep][reuse]") {
  // One engine alternates between a room that adopts and rooms that deadlock or fall to a vote,
  // the scenario object changed in place between runs (as a sweep resamples it), with a trace:
  // nothing of one run may leak into the next.
  negsim::Scenario scenario =
      negsim::load_scenario_file(test_support::source_path("scenarios/gge-2016-2017.yaml"), {"process.noise=0.05"});
  const negsim::Scenario original = scenario;
  const int russia = [&] {
    for (int i = 0; i < scenario.delegation_count(); ++i) {
      if (scenario.delegations[static_cast<std::size_t>(i)].id == "russia") return i;
    }
    return -1;
  }();
  REQUIRE(russia >= 0);
  auto variant = [&](int run) {
    negsim::Scenario changed = original;
    switch (run % 4) {
      case 0: break;  // as filed
      case 1:         // a room that deadlocks: a red line no text can meet beside the others'
        changed.red_line_max.row(russia).setConstant(0.0);
        changed.red_line_min.row(russia).setConstant(0.0);
        changed.process.chair.repair = false;
        changed.process.chair.amendments = false;
        changed.process.max_rounds = 9;
        break;
      case 2:  // a room that adopts: nobody holds a red line, thresholds low
        changed.red_line_min.setZero();
        changed.red_line_max.setOnes();
        for (auto& delegation : changed.delegations) {
          delegation.red_lines.clear();
          delegation.outside_option = 0;
          delegation.agent.support_max = 0.1;
          delegation.agent.support_min = 0.0;
        }
        break;
      case 3:  // the deadlock of case 1, carried to a vote
        changed.red_line_max.row(russia).setConstant(0.0);
        changed.red_line_min.row(russia).setConstant(0.0);
        changed.process.fallbacks.vote_threshold = 0.5;
        changed.process.chair.power_weight = 1.0;
        break;
    }
    return changed;
  };
  RecordingSink reused_sink;
  std::optional<negsim::Engine> engine;
  std::set<negsim::OutcomeKind> kinds;
  for (int run = 0; run < 12; ++run) {
    scenario = variant(run);
    const std::uint64_t seed = 100 + static_cast<std::uint64_t>(run);
    reused_sink.lines.clear();
    if (engine) {
      engine->restart(seed);
    } else {
      engine.emplace(scenario, seed, &reused_sink);
    }
    const negsim::Outcome& reused = engine->run();
    const negsim::Scenario copy = variant(run);
    RecordingSink fresh_sink;
    negsim::Engine fresh_engine(copy, seed, &fresh_sink);
    const negsim::Outcome& fresh = fresh_engine.run();
    INFO("run " << run);
    check_same_outcome(reused, fresh);
    CHECK(reused_sink.lines == fresh_sink.lines);
    kinds.insert(fresh.kind);
  }
  // The runs did alternate between adoption and deadlock (and a vote).
  CHECK(kinds.count(negsim::OutcomeKind::consensus) + kinds.count(negsim::OutcomeKind::consensus_with_dissociations) >
        0);
  CHECK(kinds.count(negsim::OutcomeKind::no_consensus) + kinds.count(negsim::OutcomeKind::vote) > 0);
  CHECK(kinds.size() >= 2);
}

TEST_CASE("a sweep's replicates, played on reused engines and shared rounds, are those of fresh engines",
          "[sweep][reuse][determinism]") {
  // Perception noise large enough that replicates differ in kind: in the teaching room some
  // adopt and others deadlock, so each thread's engine goes from one to the other; the 2015 GGE
  // adopts with and without dissociations. Without sampling the engines share each round's
  // positions, compromise drafts and solved Nash and maximin drafts (SharedRounds); with it, the
  // scenario is resampled in place.
  struct Room {
    std::string file;
    std::vector<std::string> overrides;
    std::string uncertain;
  };
  const std::vector<Room> rooms = {
      {"scenarios/teaching/three-delegations.yaml",
       {"process.noise=0.3"},
       "delegations.north.outside_option={value: 0.6, range: [0.2, 0.95]}"},
      {"scenarios/gge-2014-2015.yaml",
       {"process.noise=0.12"},
       "delegations.russia.outside_option={value: 0.3, range: [0.1, 0.9]}"},
      {"scenarios/gge-2016-2017.yaml",
       {"process.noise=0.12", "process.chair.strategy=nash"},
       "delegations.russia.outside_option={value: 0.3, range: [0.1, 0.9]}"},
      {"scenarios/gge-2016-2017.yaml",
       {"process.noise=0.12", "process.chair.strategy=maximin"},
       "delegations.russia.outside_option={value: 0.3, range: [0.1, 0.9]}"},
  };
  const int replicates = test_support::sanitized_build() ? 40 : 160;
  std::set<negsim::OutcomeKind> kinds;
  int adopted = 0;
  int not_adopted = 0;
  for (const Room& room : rooms) {
    for (const bool sample : {false, true}) {
      std::vector<std::string> overrides = room.overrides;
      if (sample) overrides.push_back(room.uncertain);
      const auto scenario = negsim::load_scenario_file(test_support::source_path(room.file), overrides);
      for (const int threads : {1, 2}) {
        negsim::ReplicateOptions options;
        options.master_seed = 5;
        options.replicates = static_cast<std::uint64_t>(replicates);
        options.threads = threads;
        options.sample_uncertainty = sample;
        std::vector<std::optional<negsim::Outcome>> outcomes(static_cast<std::size_t>(replicates));
        options.on_replicate = [&](std::uint64_t index, const negsim::Scenario& /*played*/,
                                   const negsim::Outcome& outcome) { outcomes[index] = outcome; };
        negsim::run_replicates(scenario, options);
        for (int r = 0; r < replicates; ++r) {
          INFO(room.file << ", sample " << sample << ", threads " << threads << ", replicate " << r);
          REQUIRE(outcomes[static_cast<std::size_t>(r)].has_value());
          const auto played = negsim::replicate_scenario(scenario, 5, static_cast<std::uint64_t>(r), sample);
          const negsim::Outcome fresh = negsim::simulate(played, negsim::derive_seed(5, static_cast<std::uint64_t>(r)));
          check_same_outcome(*outcomes[static_cast<std::size_t>(r)], fresh);
          kinds.insert(fresh.kind);
          (negsim::is_adopted(fresh.kind) ? adopted : not_adopted) += 1;
        }
      }
    }
  }
  // Replicates of different kinds followed one another on the same engines.
  CHECK(adopted > 0);
  CHECK(not_adopted > 0);
  CHECK(kinds.size() >= 3);
}
