// Property tests over random valid scenarios: every one loads, runs and keeps the model's
// invariants (docs/RELIABILITY.md lists them). The scenarios are drawn from fixed seeds, so a
// failure names a scenario index that reproduces exactly.
//
// NEGSIM_RANDOM_SCENARIOS sets how many (default 10,000: about half a minute in a release
// build); the sanitizer run in tools/test uses fewer. NEGSIM_RANDOM_SCENARIO_DUMP=INDEX prints
// the YAML of one scenario.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "negsim/model.hpp"
#include "negsim/outputs.hpp"
#include "negsim/random.hpp"
#include "negsim/trace.hpp"
#include "test_support.hpp"

namespace {

constexpr double tolerance = 1e-9;

// Uniform helpers over negsim::Random, whose draws do not depend on the standard library.
struct Draw {
  negsim::Random random;
  explicit Draw(std::uint64_t seed) : random(seed) {}
  double uniform(double low, double high) { return low + (high - low) * random.uniform(); }
  int integer(int low, int high) {  // inclusive
    return low + static_cast<int>(random.next() % static_cast<std::uint64_t>(high - low + 1));
  }
  bool chance(double probability) { return random.uniform() < probability; }
  template <typename T>
  const T& pick(const std::vector<T>& choices) {
    return choices[static_cast<std::size_t>(integer(0, static_cast<int>(choices.size()) - 1))];
  }
};

// Four decimals, rounded down or up: red lines are rounded outward so they keep the position.
std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4f", value);
  return buffer;
}
double floor4(double value) {
  return std::floor(value * 1e4) / 1e4;
}
double ceil4(double value) {
  return std::ceil(value * 1e4) / 1e4;
}
double round4(double value) {
  return std::round(value * 1e4) / 1e4;
}

// A random scenario that the loader must accept: every value inside its documented range.
std::string random_scenario(std::uint64_t index) {
  Draw draw(negsim::derive_seed(20260501, index));
  const int n = draw.integer(2, 12);
  const int k = draw.integer(1, 6);
  const int bloc_count = draw.integer(0, 3);
  std::ostringstream yaml;
  yaml << "title: Random scenario " << index << "\nissues:\n";
  for (int issue = 0; issue < k; ++issue) {
    yaml << "  - id: issue" << issue << "\n    title: Issue " << issue << "\n    levels:\n";
    const int levels = draw.integer(2, 4);
    for (int level = 0; level < levels; ++level) {
      yaml << "      - {value: " << number(static_cast<double>(level) / (levels - 1)) << ", text: \"level " << level
           << "\"}\n";
    }
    if (draw.chance(0.7)) yaml << "    status_quo: " << number(round4(draw.uniform(0, 1))) << "\n";
  }
  // Bloc membership first: a leader must be a member.
  std::vector<int> bloc_of(static_cast<std::size_t>(n), -1);
  for (int i = 0; i < n; ++i) {
    if (bloc_count > 0 && draw.chance(0.6)) bloc_of[static_cast<std::size_t>(i)] = draw.integer(0, bloc_count - 1);
  }
  if (bloc_count > 0) {
    yaml << "blocs:\n";
    for (int b = 0; b < bloc_count; ++b) {
      yaml << "  - id: bloc" << b << "\n";
      if (draw.chance(0.7)) yaml << "    cohesion: " << number(round4(draw.uniform(0, 1))) << "\n";
      if (draw.chance(0.5)) yaml << "    leader_weight: " << number(round4(draw.uniform(0, 1))) << "\n";
      std::vector<int> members;
      for (int i = 0; i < n; ++i) {
        if (bloc_of[static_cast<std::size_t>(i)] == b) members.push_back(i);
      }
      if (!members.empty() && draw.chance(0.7)) yaml << "    leader: d" << draw.pick(members) << "\n";
    }
  }
  const std::vector<std::string> models = {"sincere", "concession", "reciprocal", "bloc_follower", "spoiler"};
  yaml << "delegations:\n";
  for (int i = 0; i < n; ++i) {
    yaml << "  - id: d" << i << "\n";
    if (bloc_of[static_cast<std::size_t>(i)] >= 0)
      yaml << "    bloc: bloc" << bloc_of[static_cast<std::size_t>(i)] << "\n";
    if (draw.chance(0.7)) yaml << "    power: " << number(round4(draw.uniform(0.1, 10))) << "\n";
    std::vector<double> positions;
    yaml << "    positions: {";
    for (int issue = 0; issue < k; ++issue) {
      positions.push_back(round4(draw.uniform(0, 1)));
      yaml << (issue ? ", " : "") << "issue" << issue << ": " << number(positions.back());
    }
    yaml << "}\n";
    if (draw.chance(0.6)) {
      // Some issues left out or at zero, but never all of them.
      yaml << "    salience: {issue0: " << number(round4(draw.uniform(0.01, 5)));
      for (int issue = 1; issue < k; ++issue) {
        if (draw.chance(0.8))
          yaml << ", issue" << issue << ": " << number(draw.chance(0.2) ? 0.0 : round4(draw.uniform(0, 5)));
      }
      yaml << "}\n";
    }
    std::string red_lines;
    for (int issue = 0; issue < k; ++issue) {
      if (!draw.chance(0.2)) continue;
      const double position = positions[static_cast<std::size_t>(issue)];
      const int sides = draw.integer(0, 2);  // 0: min, 1: max, 2: both
      red_lines += (red_lines.empty() ? "" : ", ") + std::string("issue") + std::to_string(issue) + ": {";
      if (sides != 1) red_lines += "min: " + number(std::max(0.0, floor4(position - draw.uniform(0, 0.5))));
      if (sides == 2) red_lines += ", ";
      if (sides != 0) red_lines += "max: " + number(std::min(1.0, ceil4(position + draw.uniform(0, 0.5))));
      red_lines += "}";
    }
    if (!red_lines.empty()) yaml << "    red_lines: {" << red_lines << "}\n";
    if (draw.chance(0.8)) {
      const double support_max = round4(draw.uniform(0.3, 1));
      yaml << "    agent: {model: " << draw.pick(models) << ", support_max: " << number(support_max)
           << ", support_min: " << number(floor4(draw.uniform(0, support_max)))
           << ", beta: " << number(round4(draw.uniform(0.2, 5)))
           << ", reciprocity: " << number(round4(draw.uniform(0, 2))) << "}\n";
    }
    if (draw.chance(0.4)) yaml << "    outside_option: " << number(round4(draw.uniform(0, 1))) << "\n";
    if (draw.chance(0.4)) yaml << "    susceptibility: " << number(round4(draw.uniform(0, 1))) << "\n";
    if (draw.chance(0.2)) {
      const int other = (i + draw.integer(1, n - 1)) % n;
      yaml << "    ties: {d" << other << ": " << number(round4(draw.uniform(0, 100))) << "}\n";
    }
  }
  yaml << "process:\n";
  const int rule = draw.integer(0, 2);
  yaml << "  rule: "
       << (rule == 0   ? std::string("unanimity")
           : rule == 1 ? std::string("consensus")
                       : "consensus-minus-" + std::to_string(draw.integer(1, n - 1)))
       << "\n";
  yaml << "  max_rounds: " << draw.integer(1, 30) << "\n";
  yaml << "  utility: " << (draw.chance(0.5) ? "linear" : "quadratic") << "\n";
  yaml << "  isolation_cost: " << number(round4(draw.uniform(0, 1))) << "\n";
  yaml << "  full_company: " << number(round4(draw.uniform(0.01, 1))) << "\n";
  yaml << "  noise: " << number(draw.chance(0.5) ? 0.0 : round4(draw.uniform(0, 0.5))) << "\n";
  yaml << "  amendment_step: " << number(round4(draw.uniform(0, 1))) << "\n";
  yaml << "  chair: {strategy: " << draw.pick(std::vector<std::string>{"compromise", "nash", "maximin"});
  if (draw.chance(0.5))
    yaml << ", delegation: d" << draw.integer(0, n - 1) << ", bias: " << number(round4(draw.uniform(0, 1)));
  yaml << ", repair: " << (draw.chance(0.7) ? "true" : "false")
       << ", amendments: " << (draw.chance(0.7) ? "true" : "false") << "}\n";
  if (draw.chance(0.5)) {
    yaml << "  fallbacks: {chairs_summary: " << (draw.chance(0.5) ? "true" : "false");
    if (draw.chance(0.5)) yaml << ", vote: {threshold: " << number(round4(draw.uniform(0.51, 1))) << "}";
    yaml << "}\n";
  }
  return yaml.str();
}

// Forwards everything to the JSON trace and checks each round as it happens.
class CheckingSink : public negsim::TraceSink {
 public:
  CheckingSink(const negsim::Scenario& scenario, std::vector<std::string>& problems)
      : scenario_(scenario), trace_(scenario), problems_(problems) {}

  const negsim::Trace& trace() const { return trace_; }

  void on_start(const negsim::Scenario& scenario, std::uint64_t seed) override { trace_.on_start(scenario, seed); }
  void on_draft(const negsim::State& state, const Eigen::VectorXd* previous_draft) override {
    trace_.on_draft(state, previous_draft);
  }
  void on_responses(const negsim::State& state, const std::vector<std::vector<int>>& grievances) override {
    check_round(state);
    trace_.on_responses(state, grievances);
  }
  void on_change(int round, ChangeKind kind, int delegation, int issue, double from, double to, bool accepted,
                 const std::vector<int>& new_objectors, const std::string& reason) override {
    if (!std::isfinite(from) || !std::isfinite(to) || to < -tolerance || to > 1 + tolerance) {
      problem("round " + std::to_string(round + 1) + ": change to a value outside [0, 1]");
    }
    trace_.on_change(round, kind, delegation, issue, from, to, accepted, new_objectors, reason);
  }
  void on_influence(int round, const Eigen::MatrixXd& before, const Eigen::MatrixXd& after) override {
    if (!after.allFinite() || after.minCoeff() < -tolerance || after.maxCoeff() > 1 + tolerance) {
      problem("round " + std::to_string(round + 1) + ": influence moved a position outside [0, 1]");
    }
    trace_.on_influence(round, before, after);
  }
  void on_chairs_summary(const std::vector<int>& moved, const std::vector<negsim::Response>& responses,
                         bool adopted) override {
    trace_.on_chairs_summary(moved, responses, adopted);
  }
  void on_vote(const negsim::VoteTally& tally) override { trace_.on_vote(tally); }
  void on_end(const negsim::State& state, const negsim::Outcome& outcome) override { trace_.on_end(state, outcome); }

 private:
  void problem(const std::string& text) { problems_.push_back(text); }

  void check_round(const negsim::State& state) {
    const std::string round = "round " + std::to_string(state.round + 1) + ": ";
    if (!state.utility.allFinite() || !state.support_threshold.allFinite() || !state.blocking_threshold.allFinite() ||
        !state.draft.allFinite() || !state.positions.allFinite() || !state.noise.allFinite()) {
      problem(round + "a non-finite number in the state");
      return;
    }
    if (state.draft.size() > 0 && (state.draft.minCoeff() < -tolerance || state.draft.maxCoeff() > 1 + tolerance)) {
      problem(round + "draft outside [0, 1]");
    }
    const int n = scenario_.delegation_count();
    const int k = scenario_.issue_count();
    for (int i = 0; i < n; ++i) {
      const auto index = static_cast<std::size_t>(i);
      const negsim::Delegation& delegation = scenario_.delegations[index];
      const std::string who = round + delegation.id + ": ";
      // Perceived utility minus this round's noise is the model's utility: in [0, 1].
      const double utility = state.utility(i) - state.noise(i);
      if (utility < -tolerance || utility > 1 + tolerance)
        problem(who + "utility " + std::to_string(utility) + " outside [0, 1]");
      const double threshold = state.support_threshold(i);
      if (threshold < delegation.agent.support_min - tolerance ||
          threshold > delegation.agent.support_max + tolerance) {
        problem(who + "support threshold outside [support_min, support_max]");
      }
      // Every agent model concedes or holds: a support threshold never rises.
      if (previous_threshold_.size() == static_cast<std::size_t>(n) &&
          threshold > previous_threshold_[index] + tolerance) {
        problem(who + "support threshold rose from " + std::to_string(previous_threshold_[index]) + " to " +
                std::to_string(threshold));
      }
      bool crossed = false;
      for (int issue = 0; issue < k; ++issue) {
        const bool marked =
            state.red_line_crossed[index * static_cast<std::size_t>(k) + static_cast<std::size_t>(issue)] != 0;
        if (marked != negsim::crosses_red_line(scenario_, i, issue, state.draft(issue))) {
          problem(who + "red line marking disagrees with the draft");
        }
        crossed = crossed || marked;
      }
      if (crossed && state.responses[index] != negsim::Response::object)
        problem(who + "red line crossed without an objection");
    }
    previous_threshold_.assign(state.support_threshold.data(), state.support_threshold.data() + n);
  }

  const negsim::Scenario& scenario_;
  negsim::Trace trace_;
  std::vector<std::string>& problems_;
  std::vector<double> previous_threshold_;
};

std::vector<int> delegations_with(const std::vector<negsim::Response>& responses, negsim::Response wanted) {
  std::vector<int> found;
  for (std::size_t i = 0; i < responses.size(); ++i) {
    if (responses[i] == wanted) found.push_back(static_cast<int>(i));
  }
  return found;
}

std::vector<int> delegations_of(const std::vector<negsim::ObjectionRecord>& records) {
  std::vector<int> found;
  for (const auto& record : records) found.push_back(record.delegation);
  std::sort(found.begin(), found.end());
  return found;
}

// The outcome agrees with the responses to the final text and with the rule.
void check_outcome(const negsim::Scenario& scenario, const negsim::Outcome& outcome, int rounds_played,
                   std::vector<std::string>& problems) {
  using negsim::OutcomeKind;
  using negsim::Response;
  const auto kind = outcome.kind;
  const std::string what = negsim::to_string(kind) + ": ";
  if (outcome.rounds != rounds_played) problems.push_back(what + "rounds differs from the rounds played");
  if (outcome.rounds < 1 || outcome.rounds > scenario.process.max_rounds)
    problems.push_back(what + "rounds out of range");
  if (!outcome.draft.allFinite()) problems.push_back(what + "non-finite final draft");
  const bool met = negsim::rule_met(scenario.process.rule, outcome.responses);
  const bool adopted_by_rule = kind == OutcomeKind::consensus || kind == OutcomeKind::consensus_with_dissociations ||
                               kind == OutcomeKind::adopted_over_objections || kind == OutcomeKind::chairs_summary;
  if (adopted_by_rule && !met) problems.push_back(what + "adopted although the rule is not met");
  if (!adopted_by_rule && !outcome.interrupted && met)
    problems.push_back(what + "not adopted although the rule is met");
  const auto objectors = delegations_with(outcome.responses, Response::object);
  const auto asides = delegations_with(outcome.responses, Response::aside);
  if (delegations_of(outcome.objectors) != objectors)
    problems.push_back(what + "listed objectors differ from the objections");
  if (delegations_of(outcome.dissociators) != asides)
    problems.push_back(what + "listed dissociators differ from the stand-asides");
  if (kind == OutcomeKind::consensus && (!objectors.empty() || !asides.empty())) {
    problems.push_back(what + "consensus with objections or stand-asides");
  }
  if (kind == OutcomeKind::consensus_with_dissociations && (!objectors.empty() || asides.empty())) {
    problems.push_back(what + "dissociations without stand-asides, or with objections");
  }
  if (kind == OutcomeKind::adopted_over_objections && objectors.empty())
    problems.push_back(what + "no objection overruled");
  if (kind == OutcomeKind::vote && (!outcome.vote || !outcome.vote->adopted))
    problems.push_back(what + "no adopted vote");
  if (kind == OutcomeKind::chairs_summary && outcome.moved_to_chairs_summary.empty()) {
    problems.push_back(what + "nothing moved to the chair's summary");
  }
  if ((outcome.decided_round >= 0) != (kind != OutcomeKind::no_consensus)) {
    problems.push_back(what + "decided round disagrees with the outcome");
  }
  for (int pivotal : outcome.pivotal) {
    if (std::find(objectors.begin(), objectors.end(), pivotal) == objectors.end()) {
      problems.push_back(what + "a pivotal delegation that did not object");
    }
  }
}

// Every number in the JSON is a number: NaN and infinity would have been written as null.
void check_no_null_numbers(const nlohmann::json& value, const std::string& key, std::vector<std::string>& problems) {
  static const std::set<std::string> may_be_null = {"chair", "decided_round", "vote"};
  if (value.is_null() && may_be_null.count(key) == 0) problems.push_back("null (a NaN?) at key '" + key + "'");
  if (value.is_object()) {
    for (const auto& [child_key, child] : value.items()) check_no_null_numbers(child, child_key, problems);
  }
  if (value.is_array()) {
    for (const auto& child : value) check_no_null_numbers(child, key, problems);
  }
}

void check_outputs(const negsim::Scenario& scenario, const negsim::Outcome& outcome, const negsim::Trace& trace,
                   std::vector<std::string>& problems) {
  std::istringstream lines(trace.jsonl());
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    try {
      const auto event = nlohmann::json::parse(line);
      if (!event.is_object() || !event.contains("event")) problems.push_back("trace line without an event: " + line);
      check_no_null_numbers(event, "", problems);
    } catch (const nlohmann::json::exception& error) {
      problems.push_back("trace line " + std::to_string(count) + " is not JSON: " + error.what());
    }
  }
  if (count == 0) problems.push_back("empty trace");
  check_no_null_numbers(nlohmann::json::parse(negsim::summary_json(scenario, outcome, 1).dump()), "", problems);
  const std::string csv = trace.rounds_csv();
  for (const char* bad : {"nan", "inf", "NaN", "Inf"}) {
    if (csv.find(bad) != std::string::npos) problems.push_back(std::string("rounds.csv contains ") + bad);
  }
}

int scenario_count() {
  const char* text = std::getenv("NEGSIM_RANDOM_SCENARIOS");
  if (text == nullptr) return 10000;
  return std::max(1, std::atoi(text));
}

}  // namespace

TEST_CASE("random valid scenarios load, run and keep the invariants", "[property][random]") {
  if (const char* dump = std::getenv("NEGSIM_RANDOM_SCENARIO_DUMP")) {
    std::cout << random_scenario(std::strtoull(dump, nullptr, 10));
  }
  const int count = scenario_count();
  int adopted = 0;
  int interrupted = 0;
  for (int index = 0; index < count; ++index) {
    const std::string yaml = random_scenario(static_cast<std::uint64_t>(index));
    std::vector<std::string> problems;
    try {
      const negsim::Scenario scenario = negsim::load_scenario_text(yaml, "random-" + std::to_string(index) + ".yaml");
      const std::uint64_t seed = static_cast<std::uint64_t>(index) + 1;
      CheckingSink sink(scenario, problems);
      negsim::Engine engine(scenario, seed, &sink);
      // One run in ten is interrupted after a random number of rounds, as Ctrl-C would.
      const int stop_after = index % 10 == 3 ? 1 + index % scenario.process.max_rounds : -1;
      int rounds_played = 1;
      bool stopped = false;
      while (engine.step()) {
        if (rounds_played == stop_after) {
          engine.interrupt();
          stopped = true;
          break;
        }
        ++rounds_played;
      }
      const negsim::Outcome& outcome = engine.outcome();
      if (outcome.interrupted != stopped) problems.push_back("interrupted flag differs from the interruption");
      if (stopped && (outcome.kind != negsim::OutcomeKind::no_consensus || outcome.decided_round >= 0)) {
        problems.push_back("an interrupted run decided something");
      }
      adopted += outcome.kind != negsim::OutcomeKind::no_consensus ? 1 : 0;
      interrupted += outcome.interrupted ? 1 : 0;
      check_outcome(scenario, outcome, rounds_played, problems);
      check_outputs(scenario, outcome, sink.trace(), problems);
      if (!scenario.uncertainties.empty()) problems.push_back("a random scenario declared uncertainty");
    } catch (const std::exception& error) {
      problems.push_back(std::string("threw: ") + error.what());
    }
    if (!problems.empty()) {
      std::string listed;
      for (std::size_t p = 0; p < std::min<std::size_t>(problems.size(), 10); ++p) listed += problems[p] + "\n";
      INFO("scenario " << index << " (NEGSIM_RANDOM_SCENARIO_DUMP=" << index << " prints it):\n" << yaml);
      FAIL_CHECK(problems.size() << " invariant(s) broken:\n" << listed);
    }
  }
  // The generator must reach both endings, and the interrupt path, often enough to matter.
  CHECK(adopted > count / 20);
  CHECK(adopted < count - count / 20);
  if (count >= 100) CHECK(interrupted > count / 50);
}

namespace {

// Records, for each tabled draft, what draft_compromise() and lean_toward_chair() make of the
// same positions, settled paragraphs and last text: the engine drafts with weights it fixed for
// the run (issue 16) and must table exactly that.
class CompromiseCheckingSink : public negsim::TraceSink {
 public:
  explicit CompromiseCheckingSink(const negsim::Scenario& scenario) : scenario_(scenario) {}
  void on_draft(const negsim::State& state, const Eigen::VectorXd* previous_draft) override {
    // Settled paragraphs keep the last text (in the first round, the one tabled: nothing before it).
    Eigen::VectorXd expected = previous_draft != nullptr ? *previous_draft : state.draft;
    negsim::draft_compromise(scenario_, state.positions, expected, &state.settled);
    negsim::lean_toward_chair(scenario_, state.positions, expected, &state.settled);
    for (int issue = 0; issue < scenario_.issue_count(); ++issue) {
      if (std::memcmp(&expected(issue), &state.draft(issue), sizeof(double)) != 0) ++differences;
    }
    ++drafts;
  }
  int drafts = 0;
  int differences = 0;

 private:
  const negsim::Scenario& scenario_;
};

}  // namespace

TEST_CASE("the engine's compromise drafts are draft_compromise's, bit for bit", "[engine][chair][random]") {
  const int count = test_support::sanitized_build() ? 40 : 400;
  int drafts = 0;
  for (int index = 0; index < count; ++index) {
    negsim::Scenario scenario =
        negsim::load_scenario_text(random_scenario(static_cast<std::uint64_t>(index)), "random.yaml");
    scenario.process.chair.strategy = negsim::ChairStrategy::compromise;
    // Every other room drafts from a group (sorted indices, as the loader keeps them).
    if (index % 2 == 1) {
      scenario.process.chair.drafting_group.clear();
      for (int i = 0; i < scenario.delegation_count(); i += 2) scenario.process.chair.drafting_group.push_back(i);
    }
    CompromiseCheckingSink sink(scenario);
    negsim::Engine engine(scenario, static_cast<std::uint64_t>(index) + 1, &sink);
    engine.run();
    INFO("scenario " << index);
    CHECK(sink.differences == 0);
    drafts += sink.drafts;
  }
  CHECK(drafts > count);
}
