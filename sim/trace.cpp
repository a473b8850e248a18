#include "negsim/trace.hpp"

#include <cmath>
#include <sstream>

#include "negsim/format.hpp"
#include "negsim/policy.hpp"

namespace negsim {

using json = nlohmann::ordered_json;

double round6(double value) {
  const double rounded = std::round(value * 1e6) / 1e6;
  return rounded == 0 ? 0.0 : rounded;  // no "-0"
}

std::string format_number(double value) {
  if (std::isnan(value)) return "";
  std::ostringstream out;
  out.precision(6);
  out << std::fixed << round6(value);
  std::string text = out.str();
  while (text.size() > 1 && text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

json Trace::ids_of_issues(const std::vector<int>& issues) const {
  json list = json::array();
  for (int issue : issues) list.push_back(scenario_.issues[static_cast<std::size_t>(issue)].id);
  return list;
}

json Trace::ids_of_delegations(const std::vector<int>& delegations) const {
  json list = json::array();
  for (int delegation : delegations) list.push_back(scenario_.delegations[static_cast<std::size_t>(delegation)].id);
  return list;
}

void Trace::on_start(const Scenario& scenario, std::uint64_t seed) {
  const ChairSettings& chair = scenario.process.chair;
  record({{"event", "start"},
          {"scenario", scenario.id},
          {"title", scenario.title},
          {"delegations", scenario.delegation_count()},
          {"issues", scenario.issue_count()},
          {"rule", scenario.process.rule.name()},
          {"max_rounds", scenario.process.max_rounds},
          {"chair", chair.delegation >= 0 ? json(scenario.delegations[static_cast<std::size_t>(chair.delegation)].id)
                                          : json(nullptr)},
          {"strategy", chair_strategy_name(chair)},
          {"seed", seed}});
  std::string header = "round,support,aside,object,support_power,aside_power,object_power,mean_utility";
  for (const auto& issue : scenario.issues) header += ",draft_" + issue.id;
  for (const auto& bloc : scenario.blocs) header += ",distance_" + bloc.id;
  round_rows_.push_back(header);
}

void Trace::on_draft(const State& state, const Eigen::VectorXd* previous_draft) {
  json draft = json::object();
  json text = json::object();
  json changed = json::array();
  json settled = json::array();
  for (int k = 0; k < scenario_.issue_count(); ++k) {
    const Issue& issue = scenario_.issues[static_cast<std::size_t>(k)];
    draft[issue.id] = round6(state.draft(k));
    text[issue.id] = issue.text_at(state.draft(k));
    if (previous_draft != nullptr && std::abs((*previous_draft)(k)-state.draft(k)) > 1e-6) {
      changed.push_back({{"issue", issue.id}, {"from", round6((*previous_draft)(k))}, {"to", round6(state.draft(k))}});
    }
    if (state.settled[static_cast<std::size_t>(k)] != 0) settled.push_back(issue.id);
  }
  record({{"event", "draft"},
          {"round", state.round + 1},
          {"draft", draft},
          {"text", text},
          {"changed", changed},
          {"settled", settled}});
}

void Trace::on_responses(const State& state, const std::vector<std::vector<int>>& grievances) {
  const int n = scenario_.delegation_count();
  const int k = scenario_.issue_count();
  double power[3] = {0, 0, 0};
  int count[3] = {0, 0, 0};
  const double total_power = scenario_.power.sum();
  for (int i = 0; i < n; ++i) {
    const auto index = static_cast<std::size_t>(i);
    const Delegation& delegation = scenario_.delegations[index];
    const Response response = state.responses[index];
    json crossed = json::array();
    std::string reason;
    for (int issue = 0; issue < k; ++issue) {
      if (state.red_line_crossed[index * static_cast<std::size_t>(k) + static_cast<std::size_t>(issue)] == 0) continue;
      const Issue& named = scenario_.issues[static_cast<std::size_t>(issue)];
      crossed.push_back(named.id);
      const bool below = state.draft(issue) < scenario_.red_line_min(i, issue);
      if (!reason.empty()) reason += "; ";
      reason += "red line crossed on " + named.id + " (" + (below ? "min " : "max ") +
                format_number(below ? scenario_.red_line_min(i, issue) : scenario_.red_line_max(i, issue)) +
                ", tabled " + format_number(state.draft(issue)) + ")";
    }
    const double utility = state.utility(i);
    const bool follower = delegation.agent.model == AgentModel::bloc_follower && delegation.bloc >= 0 &&
                          scenario_.blocs[static_cast<std::size_t>(delegation.bloc)].leader >= 0 &&
                          scenario_.blocs[static_cast<std::size_t>(delegation.bloc)].leader != i;
    if (reason.empty()) {
      if (follower) {
        reason =
            "follows its bloc leader " + scenario_
                                             .delegations[static_cast<std::size_t>(
                                                 scenario_.blocs[static_cast<std::size_t>(delegation.bloc)].leader)]
                                             .id;
      } else if (response == Response::support) {
        reason =
            "utility " + format_number(utility) + " >= support threshold " + format_number(state.support_threshold(i));
      } else if (response == Response::object) {
        reason = utility < state.blocking_threshold(i)
                     ? "utility " + format_number(utility) + " < blocking threshold " +
                           format_number(state.blocking_threshold(i))
                     : "objects with its bloc";
      } else {
        reason = "utility " + format_number(utility) + " below support threshold " +
                 format_number(state.support_threshold(i)) + ", above blocking threshold " +
                 format_number(state.blocking_threshold(i));
      }
    }
    const int slot = static_cast<int>(response);
    power[slot] += scenario_.power(i);
    count[slot] += 1;
    record({{"event", "response"},
            {"round", state.round + 1},
            {"delegation", delegation.id},
            {"response", to_string(response)},
            {"utility", round6(utility)},
            {"support_threshold", round6(state.support_threshold(i))},
            {"blocking_threshold", round6(state.blocking_threshold(i))},
            {"issues", ids_of_issues(grievances[index])},
            {"red_lines_crossed", crossed},
            {"reason", reason}});
  }
  std::ostringstream row;
  row << (state.round + 1) << ',' << count[0] << ',' << count[1] << ',' << count[2];
  for (double share : power) row << ',' << format_number(share / total_power);
  row << ',' << format_number(state.utility.mean());
  for (int issue = 0; issue < k; ++issue) row << ',' << format_number(state.draft(issue));
  for (const auto& bloc : scenario_.blocs) {
    double distance = 0;
    for (int member : bloc.members) distance += 1.0 - (state.utility(member) - state.noise(member));
    row << ',' << (bloc.members.empty() ? "" : format_number(distance / static_cast<double>(bloc.members.size())));
  }
  round_rows_.push_back(row.str());
}

void Trace::on_change(int round, ChangeKind kind, int delegation, int issue, double from, double to, bool accepted,
                      const std::vector<int>& new_objectors, const std::string& reason) {
  const char* name = kind == ChangeKind::repair ? "repair" : kind == ChangeKind::amendment ? "amendment" : "withdrawal";
  json event = {{"event", name},
                {"round", round + 1},
                {"delegation", scenario_.delegations[static_cast<std::size_t>(delegation)].id},
                {"issue", scenario_.issues[static_cast<std::size_t>(issue)].id},
                {"from", round6(from)},
                {"to", round6(to)},
                {"accepted", accepted},
                {"new_objectors", ids_of_delegations(new_objectors)}};
  if (!reason.empty()) event["reason"] = reason;  // a field added later: readers may ignore it
  record(std::move(event));
}

void Trace::on_passed_over(int round, const std::vector<int>& delegations, const std::string& way_out,
                           double mean_power) {
  json ids = json::array();
  for (int i : delegations) ids.push_back(scenario_.delegations[static_cast<std::size_t>(i)].id);
  record({{"event", "passed_over"},
          {"round", round + 1},
          {"delegations", std::move(ids)},
          {"way_out", way_out},
          {"mean_power", round6(mean_power)},
          {"reason", "the " + std::string(way_out == "take_note" ? "decision to take note" : way_out) +
                         " at the deadline would carry the text without " +
                         (delegations.size() == 1 ? "it, and it holds" : "them, and each holds") +
                         " less power than the mean of the room (" + format_decimal(mean_power, 2) + ")"}});
}

void Trace::on_gavel(int round, bool gavelled, const std::string& reason) {
  record({{"event", "gavel"}, {"round", round + 1}, {"gavelled", gavelled}, {"reason", reason}});
}

void Trace::on_dissociation(int round, int delegation, bool joined, double utility, double support_threshold,
                            double forgiven) {
  json event = {{"event", "dissociation"},
                {"round", round + 1},
                {"delegation", scenario_.delegations[static_cast<std::size_t>(delegation)].id},
                {"joined", joined},
                {"utility", round6(utility)},
                {"support_threshold", round6(support_threshold)},
                {"dissociation_cost", round6(scenario_.process.dissociation_cost)}};
  // Only the research variant forgives a loss; the default's events keep their fields.
  if (scenario_.process.dissociation_from == DissociationBasis::assertions) event["forgiven_loss"] = round6(forgiven);
  record(std::move(event));
}

void Trace::on_influence(int round, const Eigen::MatrixXd& before, const Eigen::MatrixXd& after) {
  json moves = json::array();
  for (Eigen::Index i = 0; i < before.rows(); ++i) {
    for (Eigen::Index k = 0; k < before.cols(); ++k) {
      if (std::abs(after(i, k) - before(i, k)) < 1e-6) continue;
      moves.push_back({{"delegation", scenario_.delegations[static_cast<std::size_t>(i)].id},
                       {"issue", scenario_.issues[static_cast<std::size_t>(k)].id},
                       {"from", round6(before(i, k))},
                       {"to", round6(after(i, k))}});
    }
  }
  record({{"event", "influence"}, {"round", round + 1}, {"moves", moves}});
}

void Trace::on_chairs_summary(const std::vector<int>& moved_issues, const std::vector<Response>& responses,
                              bool adopted) {
  std::vector<int> objectors;
  for (std::size_t i = 0; i < responses.size(); ++i) {
    if (responses[i] == Response::object) objectors.push_back(static_cast<int>(i));
  }
  record({{"event", "chairs_summary"},
          {"moved", ids_of_issues(moved_issues)},
          {"objectors", ids_of_delegations(objectors)},
          {"adopted", adopted}});
}

void Trace::on_vote(const VoteTally& tally) {
  // Every voter's ballot, by delegation id: support is yes, objection no, standing aside abstain.
  json ballots = json::object();
  for (const auto& [delegation, response] : tally.ballots) {
    ballots[scenario_.delegations[static_cast<std::size_t>(delegation)].id] = response == Response::support ? "yes"
                                                                              : response == Response::object
                                                                                  ? "no"
                                                                                  : "abstain";
  }
  json event = {{"event", "vote"},
                {"yes", tally.yes},
                {"no", tally.no},
                {"abstain", tally.abstain},
                {"threshold", round6(*scenario_.process.fallbacks.vote_threshold)},
                {"adopted", tally.adopted}};
  if (!scenario_.process.fallbacks.vote_body.empty()) event["body"] = scenario_.process.fallbacks.vote_body;
  event["ballots"] = ballots;
  record(std::move(event));
}

void Trace::on_ruling(int round, const std::vector<int>& objectors, double power_share, bool applied) {
  record({{"event", "ruling"},
          {"round", round + 1},
          {"objectors", ids_of_delegations(objectors)},
          {"power_share", round6(power_share)},
          {"max_objectors", scenario_.process.fallbacks.ruling->max_objectors},
          {"max_power_share", round6(scenario_.process.fallbacks.ruling->max_power_share)},
          {"applied", applied}});
}

void Trace::on_final_text(int round) {
  record({{"event", "final_text"}, {"round", round + 1}});
}

void Trace::on_reservation(int round, int delegation, const std::vector<int>& issues) {
  record({{"event", "reservation"},
          {"round", round + 1},
          {"delegation", scenario_.delegations[static_cast<std::size_t>(delegation)].id},
          {"issues", ids_of_issues(issues)}});
}

void Trace::on_taken_note(int round, const std::vector<int>& objectors) {
  record({{"event", "taken_note"}, {"round", round + 1}, {"objectors", ids_of_delegations(objectors)}});
}

void Trace::on_end(const State& /*state*/, const Outcome& outcome) {
  auto records = [&](const std::vector<ObjectionRecord>& list) {
    json out = json::array();
    for (const auto& record : list) {
      out.push_back({{"delegation", scenario_.delegations[static_cast<std::size_t>(record.delegation)].id},
                     {"issues", ids_of_issues(record.issues)},
                     {"red_lines_crossed", ids_of_issues(record.red_lines_crossed)}});
    }
    return out;
  };
  json end = {{"event", "end"},
              {"outcome", to_string(outcome.kind)},
              {"rounds", outcome.rounds},
              {"decided_round", outcome.decided_round >= 0 ? json(outcome.decided_round + 1) : json(nullptr)},
              {"objectors", records(outcome.objectors)},
              {"dissociators", records(outcome.dissociators)},
              {"moved_to_chairs_summary", ids_of_issues(outcome.moved_to_chairs_summary)},
              {"pivotal", ids_of_delegations(outcome.pivotal)}};
  if (outcome.interrupted) end["interrupted"] = true;  // stopped by a signal, not by the rules
  if (!outcome.overruled.empty()) end["overruled_by_ruling"] = ids_of_delegations(outcome.overruled);
  if (!outcome.reservations.empty()) end["reservations"] = records(outcome.reservations);
  record(std::move(end));
  if (stream_ != nullptr) stream_->flush();
}

void Trace::record(json event) {
  if (stream_ != nullptr) {
    *stream_ << tidy_json_numbers(event.dump()) << '\n';
  } else {
    events_.push_back(std::move(event));
  }
}

std::string Trace::jsonl() const {
  std::string text;
  for (const auto& event : events_) text += tidy_json_numbers(event.dump()) + "\n";
  return text;
}

std::string Trace::rounds_csv() const {
  std::string text;
  for (const auto& row : round_rows_) text += row + "\n";
  return text;
}

}  // namespace negsim
