// Strategies of one's own (negsim/policy.hpp): the registry, selection from YAML, what a seat
// sees, and the built-in agents and chairs through the same interface.
#include <catch2/catch.hpp>
#include <type_traits>

#include "negsim/engine.hpp"
#include "negsim/errors.hpp"
#include "negsim/policy.hpp"
#include "negsim/sweep.hpp"
#include "test_support.hpp"

using negsim::DelegationView;
using negsim::Response;
using test_support::one_red_line;
using test_support::scenario_from;

namespace {

// Test strategies, registered once for the whole test program.
class FixedAnswer final : public negsim::DelegationPolicy {
 public:
  explicit FixedAnswer(Response answer) : answer_(answer) {}
  double support_threshold(const DelegationView& view) override { return view.parameters().support_max; }
  Response respond(const DelegationView& /*view*/) override { return answer_; }

 private:
  Response answer_;
};

// Checks on every call that the public record holds exactly the rounds before this one.
struct RecordCheck {
  int calls = 0;
  bool consistent = true;
};
RecordCheck& record_check() {
  static RecordCheck check;
  return check;
}
class RecordReader final : public negsim::DelegationPolicy {
 public:
  double support_threshold(const DelegationView& view) override { return view.parameters().support_max; }
  Response respond(const DelegationView& view) override {
    RecordCheck& check = record_check();
    ++check.calls;
    const auto rounds = static_cast<std::size_t>(view.round());
    check.consistent =
        check.consistent && view.record().drafts.size() == rounds && view.record().responses.size() == rounds &&
        (rounds == 0 || view.record().responses.back().size() == static_cast<std::size_t>(view.delegation_count()));
    return Response::object;
  }
  // Tables its own position on the first paragraph.
  std::optional<negsim::PolicyAmendment> amend(const DelegationView& view) override {
    return negsim::PolicyAmendment{0, view.initial_position(0)};
  }
};

class Throws final : public negsim::DelegationPolicy {
 public:
  double support_threshold(const DelegationView& view) override { return view.parameters().support_max; }
  Response respond(const DelegationView& view) override {
    if (view.round() == 1) throw negsim::RunError("the test strategy fails in round 2");
    return Response::object;
  }
};

// Drafts every paragraph at 0.1 (the chair then repairs toward red lines as ever).
class LowChair final : public negsim::ChairPolicy {
 public:
  void draft(const negsim::ChairView& view, Eigen::VectorXd& draft) override {
    for (int issue = 0; issue < draft.size(); ++issue) {
      if (view.settled()[static_cast<std::size_t>(issue)] == 0) draft(issue) = 0.1;
    }
  }
};

void register_test_strategies() {
  static const bool registered = [] {
    negsim::register_delegation_policy("test_always_object", "objects to every draft",
                                       [] { return std::make_unique<FixedAnswer>(Response::object); });
    negsim::register_delegation_policy("test_always_support", "supports every draft",
                                       [] { return std::make_unique<FixedAnswer>(Response::support); });
    negsim::register_delegation_policy("test_record_reader", "objects; checks the public record",
                                       [] { return std::make_unique<RecordReader>(); });
    negsim::register_delegation_policy("test_throws", "fails in round 2", [] { return std::make_unique<Throws>(); });
    negsim::register_chair_policy("test_low_chair", "drafts every paragraph at 0.1",
                                  [] { return std::make_unique<LowChair>(); });
    return true;
  }();
  (void)registered;
}

// After every poll: each seat answering on its own (no leader or negotiator to copy) answers as
// the built-in rule says, given its view.
class BuiltinRuleCheck final : public negsim::TraceSink {
 public:
  const negsim::Engine* engine = nullptr;
  const negsim::Scenario* scenario = nullptr;
  int checked = 0;
  int disagreements = 0;
  void on_responses(const negsim::State& state, const std::vector<std::vector<int>>& /*grievances*/) override {
    for (int i = 0; i < scenario->delegation_count(); ++i) {
      const auto& delegation = scenario->delegations[static_cast<std::size_t>(i)];
      if (delegation.agent.model == negsim::AgentModel::bloc_follower) continue;
      if (delegation.bloc >= 0 && scenario->blocs[static_cast<std::size_t>(delegation.bloc)].negotiator >= 0) continue;
      const Response rule = negsim::builtin_delegation_policy(delegation.agent.model).respond(engine->view_of(i));
      ++checked;
      if (rule != state.responses[static_cast<std::size_t>(i)]) ++disagreements;
    }
  }
};

}  // namespace

TEST_CASE("policy: only the engine makes a view, and a view has no other seat's stance", "[policy]") {
  STATIC_REQUIRE_FALSE(std::is_default_constructible<DelegationView>::value);
  STATIC_REQUIRE_FALSE(std::is_default_constructible<negsim::ChairView>::value);
}

TEST_CASE("policy: the registry lists the built-ins first and refuses bad or taken names", "[policy]") {
  register_test_strategies();
  const auto names = negsim::delegation_policy_names();
  REQUIRE(names.size() >= 5);
  CHECK(names[0] == "sincere");
  CHECK(names[4] == "spoiler");
  CHECK(negsim::is_delegation_policy("test_always_object"));
  CHECK_FALSE(negsim::is_delegation_policy("nonesuch"));
  CHECK(negsim::chair_policy_names()[0] == "compromise");
  CHECK(negsim::is_chair_policy("test_low_chair"));
  auto factory = [] { return std::make_unique<FixedAnswer>(Response::aside); };
  CHECK_THROWS_AS(negsim::register_delegation_policy("concession", "", factory), negsim::UsageError);
  CHECK_THROWS_AS(negsim::register_delegation_policy("test_always_object", "", factory), negsim::UsageError);
  CHECK_THROWS_AS(negsim::register_delegation_policy("Bad-Name", "", factory), negsim::UsageError);
  CHECK_THROWS_AS(negsim::make_delegation_policy("nonesuch"), negsim::UsageError);
}

TEST_CASE("policy: an unknown agent model or chair strategy names file, line, column and key", "[policy][input]") {
  try {
    (void)scenario_from(R"(
title: T
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: x, power: 1, positions: {a: 0.5}, agent: {model: nonesuch}}
  - {id: y, power: 1, positions: {a: 0.5}}
)");
    FAIL("an unknown model was accepted");
  } catch (const negsim::InputError& error) {
    CHECK(error.file() == "inline.yaml");
    CHECK(error.line() == 6);
    CHECK(error.column() == 59);
    CHECK(error.key_path() == "delegations[0].agent.model");
    CHECK_THAT(error.message(), Catch::Contains("'nonesuch' is not one of: sincere, concession"));
  }
  try {
    (void)scenario_from(std::string(one_red_line) + "  chair: {strategy: nonesuch}\n");
    FAIL("an unknown chair strategy was accepted");
  } catch (const negsim::InputError& error) {
    CHECK(error.key_path() == "process.chair.strategy");
    CHECK(error.line() == 10);
  }
}

TEST_CASE("policy: a registered policy plays a seat chosen in YAML or with --set", "[policy]") {
  register_test_strategies();
  // few's red line is repaired and the text passes with the built-in agents ...
  const auto builtin = negsim::simulate(scenario_from(one_red_line), 1);
  CHECK(negsim::is_adopted(builtin.kind));
  // ... but a seat that objects to everything blocks it to the deadline.
  const auto scenario = scenario_from(one_red_line, {"delegations.few.agent.model=test_always_object"});
  CHECK(scenario.delegations[1].agent.policy == "test_always_object");
  CHECK(negsim::agent_model_name(scenario.delegations[1].agent) == "test_always_object");
  const auto blocked = negsim::simulate(scenario, 1);
  CHECK(blocked.kind == negsim::OutcomeKind::no_consensus);
  REQUIRE(blocked.objectors.size() == 1);
  CHECK(blocked.objectors[0].delegation == 1);
  CHECK(blocked.rounds == 4);
  // Supporting everything, even over its own red line, lets the first draft through.
  const auto supported =
      negsim::simulate(scenario_from(one_red_line, {"delegations.few.agent.model=test_always_support"}), 1);
  CHECK(supported.kind == negsim::OutcomeKind::consensus);
  CHECK(supported.rounds == 1);
}

TEST_CASE("policy: a seat sees the public record of earlier rounds and its amendment is tabled", "[policy]") {
  register_test_strategies();
  record_check() = RecordCheck{};
  auto scenario =
      scenario_from(one_red_line, {"delegations.few.agent.model=test_record_reader", "process.chair.repair=false"});
  const auto outcome = negsim::simulate(scenario, 1);
  CHECK(record_check().calls == 4);
  CHECK(record_check().consistent);
  CHECK(outcome.kind == negsim::OutcomeKind::no_consensus);
  // Its amendment (its own position, 0.2) was taken: nobody else objects to it.
  CHECK(outcome.draft(0) == Approx(0.2));
}

TEST_CASE("policy: a registered chair strategy drafts, and the bias still leans the text", "[policy][chair]") {
  register_test_strategies();
  auto scenario = scenario_from(one_red_line, {"process.chair.strategy=test_low_chair"});
  CHECK(negsim::chair_strategy_name(scenario.process.chair) == "test_low_chair");
  negsim::Engine engine(scenario, 1);
  engine.step();
  CHECK(engine.state().draft(0) == Approx(0.1));
}

TEST_CASE("policy: the built-in rule through the interface answers as the engine does in every round",
          "[policy][history]") {
  for (const char* file : {"scenarios/history/gge-2016-2017.yaml", "scenarios/history/npt-2010.yaml",
                           "scenarios/history/cop16-cancun-2010.yaml"}) {
    INFO(file);
    const auto scenario = negsim::load_scenario_file(test_support::source_path(file));
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      BuiltinRuleCheck check;
      negsim::Engine engine(scenario, seed, &check);
      check.engine = &engine;
      check.scenario = &scenario;
      engine.run();
      CHECK(check.checked > 0);
      CHECK(check.disagreements == 0);
    }
  }
}

TEST_CASE("policy: a strategy that fails stops a parallel sweep with its error, not the process", "[policy][sweep]") {
  register_test_strategies();
  const auto scenario = scenario_from(one_red_line, {"delegations.few.agent.model=test_throws"});
  negsim::ReplicateOptions options;
  options.replicates = 64;
  options.threads = 2;
  CHECK_THROWS_WITH(negsim::run_replicates(scenario, options), Catch::Contains("fails in round 2"));
}
