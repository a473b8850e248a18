// Trace: records a run as it happens, as JSON lines (trace.jsonl) and one CSV row a round
// (rounds.csv). Output files are written from it by write_run() in outputs.hpp.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "negsim/engine.hpp"

namespace negsim {

// Numbers in outputs are rounded to 6 decimals: readable, and stable against last-bit noise.
double round6(double value);
// round6(value) with the fewest digits (0.5, 0.333333, 2), "" for NaN: the trace's and the
// grid's one way of printing a number in text.
std::string format_number(double value);

class Trace : public TraceSink {
 public:
  // Keeps the events in memory (events(), jsonl()).
  explicit Trace(const Scenario& scenario) : scenario_(scenario) {}
  // Writes each event to `stream` as a JSON line the moment it happens and keeps none: memory
  // stays flat however long the run (300 delegations for 10,000 rounds would otherwise hold
  // tens of GB). events() and jsonl() are then empty; check the stream for write errors.
  Trace(const Scenario& scenario, std::ostream& stream) : scenario_(scenario), stream_(&stream) {}

  void on_start(const Scenario& scenario, std::uint64_t seed) override;
  void on_draft(const State& state, const Eigen::VectorXd* previous_draft) override;
  void on_responses(const State& state, const std::vector<std::vector<int>>& grievances) override;
  void on_change(int round, ChangeKind kind, int delegation, int issue, double from, double to, bool accepted,
                 const std::vector<int>& new_objectors, const std::string& reason) override;
  void on_passed_over(int round, const std::vector<int>& delegations, const std::string& way_out,
                      double mean_power) override;
  void on_gavel(int round, bool gavelled, const std::string& reason) override;
  void on_dissociation(int round, int delegation, bool joined, double utility, double support_threshold,
                       double forgiven) override;
  void on_influence(int round, const Eigen::MatrixXd& before, const Eigen::MatrixXd& after) override;
  void on_chairs_summary(const std::vector<int>& moved_issues, const std::vector<Response>& responses,
                         bool adopted) override;
  void on_vote(const VoteTally& tally) override;
  void on_ruling(int round, const std::vector<int>& objectors, double power_share, bool applied) override;
  void on_taken_note(int round, const std::vector<int>& objectors) override;
  void on_reservation(int round, int delegation, const std::vector<int>& issues) override;
  void on_final_text(int round) override;
  void on_end(const State& state, const Outcome& outcome) override;

  const std::vector<nlohmann::ordered_json>& events() const { return events_; }
  std::string jsonl() const;       // trace.jsonl
  std::string rounds_csv() const;  // rounds.csv

 private:
  void record(nlohmann::ordered_json event);  // to the stream, or kept
  nlohmann::ordered_json ids_of_issues(const std::vector<int>& issues) const;
  nlohmann::ordered_json ids_of_delegations(const std::vector<int>& delegations) const;
  const Scenario& scenario_;
  std::ostream* stream_ = nullptr;
  std::vector<nlohmann::ordered_json> events_;
  std::vector<std::string> round_rows_;
};

}  // namespace negsim
