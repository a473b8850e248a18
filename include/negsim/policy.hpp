// Strategies of one's own: a delegation's policy (how it sets its support threshold, answers a
// draft and amends) and a chair's drafting strategy, registered by name and chosen in YAML
// (`agent: {model: NAME}`, `process.chair.strategy: NAME`). docs/MODEL.md section 13 says what
// each one sees; docs/SCENARIO_FORMAT.md how to select one; plugins (docs/PLUGINS.md) add more.
//
// What a delegation may see is what its view gives: its own stance (positions, salience, red
// lines, outside option, parameters), the public text (issues, the draft) and the public record
// of earlier rounds (every draft tabled and every delegation's answer to it). A view has no
// accessor for another delegation's positions, salience, red lines, thresholds or utility, and
// only the engine can make one. Every accessor is inline, so a plugin needs no negsim symbol.
#pragma once

#include <Eigen/Dense>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "negsim/model.hpp"
#include "negsim/scenario.hpp"

namespace negsim {

class Engine;

// An amendment a delegation tables: paragraph `issue` to `value`.
struct PolicyAmendment {
  int issue = 0;     // in [0, k)
  double value = 0;  // in [0, 1]
};

// The public record of a run so far: round r's draft as tabled and every delegation's answer to
// it (before the chair's repairs). Kept only when some seat has a policy of its own.
struct PublicRecord {
  std::vector<Eigen::VectorXd> drafts;
  std::vector<std::vector<Response>> responses;
};

class DelegationView {
 public:
  // The run.
  int round() const { return round_; }  // 0-based
  int max_rounds() const { return scenario_->process.max_rounds; }
  // Public: the text and who is in the room.
  int issue_count() const { return scenario_->issue_count(); }
  const Issue& issue(int issue) const { return scenario_->issues[static_cast<std::size_t>(issue)]; }
  int delegation_count() const { return scenario_->delegation_count(); }
  const std::string& delegation_id(int delegation) const {
    return scenario_->delegations[static_cast<std::size_t>(delegation)].id;
  }
  const Rule& rule() const { return scenario_->process.rule; }
  UtilityShape utility_shape() const { return scenario_->process.utility; }
  double isolation_cost() const { return scenario_->process.isolation_cost; }
  // The text on the table: this round's draft when answering, last round's when setting the
  // threshold (all zero before the first draft).
  const Eigen::VectorXd& draft() const { return *draft_; }
  // Earlier rounds' drafts and answers (rounds 0 .. round()-1); empty for a built-in room.
  const PublicRecord& record() const { return *record_; }

  // Its own stance.
  int self() const { return self_; }
  const std::string& id() const { return delegation().id; }
  double position(int issue) const { return (*positions_)(self_, issue); }  // moved by influence
  double initial_position(int issue) const { return scenario_->positions(self_, issue); }
  double salience(int issue) const { return scenario_->salience(self_, issue); }
  double red_line_min(int issue) const { return scenario_->red_line_min(self_, issue); }
  double red_line_max(int issue) const { return scenario_->red_line_max(self_, issue); }
  bool crosses_red_line(int issue, double value) const {
    constexpr double tolerance = 1e-9;  // as negsim::crosses_red_line
    return value < red_line_min(issue) - tolerance || value > red_line_max(issue) + tolerance;
  }
  bool has_reservation(int issue) const {
    for (int reserved : delegation().reservations) {
      if (reserved == issue) return true;
    }
    return false;
  }
  double outside_option() const { return delegation().outside_option; }
  double power() const { return scenario_->power(self_); }
  bool observer() const { return delegation().observer; }
  const AgentParameters& parameters() const { return delegation().agent; }
  // u(x) of a text by its current position, without perception noise.
  double utility_of(const Eigen::VectorXd& text) const {
    double loss = 0;
    for (int k = 0; k < issue_count(); ++k) loss += salience(k) * issue_loss(text(k), position(k), utility_shape());
    return 1.0 - loss;
  }
  // u(draft) as it perceives it this round (noise included); when setting the threshold, last
  // round's.
  double utility() const { return utility_; }
  // r(t): this round's support threshold when answering, last round's when setting it.
  double support_threshold() const { return support_threshold_; }
  double previous_support_threshold() const { return previous_support_threshold_; }
  // Its blocking threshold given the company of the objectors at the last poll (before the
  // first poll: objecting alone, outside option minus isolation cost).
  double blocking_threshold() const { return blocking_threshold_; }
  // The mean drop of the other delegations' support thresholds last round: the one aggregate of
  // others' concessions the reference model treats as observed (reciprocal agents match it).
  double others_mean_concession() const { return others_mean_concession_; }

 private:
  friend class Engine;
  DelegationView() = default;  // only the engine makes views
  const Delegation& delegation() const { return scenario_->delegations[static_cast<std::size_t>(self_)]; }

  const Scenario* scenario_ = nullptr;
  const Eigen::MatrixXd* positions_ = nullptr;
  const Eigen::VectorXd* draft_ = nullptr;
  const PublicRecord* record_ = nullptr;
  int self_ = 0;
  int round_ = 0;
  double utility_ = 0;
  double support_threshold_ = 0;
  double previous_support_threshold_ = 0;
  double blocking_threshold_ = 0;
  double others_mean_concession_ = 0;
};

// A delegation's policy. One object per seat per run (made by its factory), so it may keep state
// between rounds; calls come from the thread running that engine, one at a time.
class DelegationPolicy {
 public:
  virtual ~DelegationPolicy() = default;
  // r(t) for this round, asked once a round before the draft is tabled.
  virtual double support_threshold(const DelegationView& view) = 0;
  // Its answer to the tabled draft; it holds for the round (the chair's trial polls keep it).
  virtual Response respond(const DelegationView& view) = 0;
  // When it objects: the amendment it tables this round, or none.
  virtual std::optional<PolicyAmendment> amend(const DelegationView& /*view*/) { return std::nullopt; }
};

// The reference agents (sincere, concession, reciprocal, bloc_follower, spoiler; MODEL.md
// sections 3-4). The engine sets their thresholds through support_threshold() and answers for
// all of them at once (objections cascade as company lowers the isolation cost, followers copy
// leaders); respond() is the same rule for one seat, given the company at the last poll.
class BuiltinDelegationPolicy final : public DelegationPolicy {
 public:
  explicit BuiltinDelegationPolicy(AgentModel model) : model_(model) {}
  AgentModel model() const { return model_; }
  double support_threshold(const DelegationView& view) override;
  Response respond(const DelegationView& view) override;

 private:
  AgentModel model_;
};
// The shared stateless instance for a model.
BuiltinDelegationPolicy& builtin_delegation_policy(AgentModel model);

// What a chair sees: the reference chair drafts from every delegation's stance as it stands (a
// facilitator who has heard them all; MODEL.md section 5), the paragraphs settled by repair or
// amendment, and the public record.
class ChairView {
 public:
  int round() const { return round_; }
  int max_rounds() const { return scenario_->process.max_rounds; }
  const Scenario& scenario() const { return *scenario_; }
  const Eigen::MatrixXd& positions() const { return *positions_; }  // current, n x k
  // Paragraphs it must leave as they are (k entries, 1: settled).
  const std::vector<std::uint8_t>& settled() const { return *settled_; }
  const PublicRecord& record() const { return *record_; }

 private:
  friend class Engine;
  ChairView() = default;
  const Scenario* scenario_ = nullptr;
  const Eigen::MatrixXd* positions_ = nullptr;
  const std::vector<std::uint8_t>* settled_ = nullptr;
  const PublicRecord* record_ = nullptr;
  int round_ = 0;
};

// A chair's drafting strategy: writes this round's draft. `draft` holds last round's text on
// entry; settled paragraphs must keep it. The engine then leans the draft toward the chair
// delegation's position by process.chair.bias, whatever the strategy.
class ChairPolicy {
 public:
  virtual ~ChairPolicy() = default;
  virtual void draft(const ChairView& view, Eigen::VectorXd& draft) = 0;
};

using DelegationPolicyFactory = std::function<std::unique_ptr<DelegationPolicy>()>;
using ChairPolicyFactory = std::function<std::unique_ptr<ChairPolicy>()>;

// The registry. Built-in names are there from the start; registering a name twice, a built-in
// name or one that is not lower-case letters, digits and underscores throws UsageError.
// Register before loading the scenarios that name them and before running.
void register_delegation_policy(const std::string& name, const std::string& description,
                                DelegationPolicyFactory factory);
void register_chair_policy(const std::string& name, const std::string& description, ChairPolicyFactory factory);
bool is_delegation_policy(const std::string& name);
bool is_builtin_agent_model(const std::string& name);
bool is_chair_policy(const std::string& name);
// Every name, built-ins first, then the others in order of registration.
std::vector<std::string> delegation_policy_names();
std::vector<std::string> chair_policy_names();
std::string delegation_policy_description(const std::string& name);
// A new policy for one seat of one run; throws UsageError for an unknown name.
std::unique_ptr<DelegationPolicy> make_delegation_policy(const std::string& name);
std::unique_ptr<ChairPolicy> make_chair_policy(const std::string& name);

// The name an agent or chair goes by in outputs: the registered name, or the built-in's.
std::string agent_model_name(const AgentParameters& agent);
std::string chair_strategy_name(const ChairSettings& chair);

// Plugins (docs/PLUGINS.md). A plugin is a shared library built with the same compiler and
// negsim headers; it exports
//   extern "C" int negsim_plugin_register(int abi_version, negsim::PluginRegistrar* registrar);
// which registers its strategies through `registrar` and returns 0 (non-zero: it refuses, e.g.
// for an ABI version it was not built for).
constexpr int plugin_abi_version = 1;
class PluginRegistrar {
 public:
  virtual ~PluginRegistrar() = default;
  virtual void add_delegation_policy(const std::string& name, const std::string& description,
                                     DelegationPolicyFactory factory) = 0;
  virtual void add_chair_policy(const std::string& name, const std::string& description,
                                ChairPolicyFactory factory) = 0;
};
// Loads a plugin (dlopen; never unloaded) and lets it register. Throws UsageError naming the
// file when it cannot be loaded, has no negsim_plugin_register, refuses or registers a bad name.
void load_plugin(const std::string& path);

}  // namespace negsim
