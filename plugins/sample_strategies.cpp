// A sample negsim plugin (docs/PLUGINS.md): two strategies of one's own, built by CMake into
// build/plugins/libnegsim_sample_plugin.so and loaded with `negsim --plugin FILE`.
//
//   holdout        a delegation that objects to every draft short of its full support threshold
//                  until the last round, then answers as a sincere agent (red lines, outside
//                  option, r_max): a hard bargainer who concedes only at the deadline.
//   median_chair   a chair that drafts each paragraph at the power-weighted median position.
//
// It uses only negsim's headers (every accessor it calls is inline), so it links against no
// negsim library: the same compiler and negsim version are all it needs.
#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "negsim/policy.hpp"

namespace {

class Holdout final : public negsim::DelegationPolicy {
 public:
  double support_threshold(const negsim::DelegationView& view) override { return view.parameters().support_max; }

  negsim::Response respond(const negsim::DelegationView& view) override {
    for (int issue = 0; issue < view.issue_count(); ++issue) {
      if (!view.has_reservation(issue) && view.crosses_red_line(issue, view.draft()(issue))) {
        return negsim::Response::object;
      }
    }
    if (view.utility() >= view.support_threshold()) return negsim::Response::support;
    const bool last_round = view.round() + 1 >= view.max_rounds();
    if (!last_round || view.utility() < view.outside_option()) return negsim::Response::object;
    return negsim::Response::aside;
  }

  // It asks for its own position on the paragraph that costs it most.
  std::optional<negsim::PolicyAmendment> amend(const negsim::DelegationView& view) override {
    int worst = -1;
    double worst_loss = 1e-12;
    for (int issue = 0; issue < view.issue_count(); ++issue) {
      const double loss =
          view.salience(issue) * negsim::issue_loss(view.draft()(issue), view.position(issue), view.utility_shape());
      if (loss > worst_loss) {
        worst = issue;
        worst_loss = loss;
      }
    }
    if (worst < 0) return std::nullopt;
    return negsim::PolicyAmendment{worst, view.position(worst)};
  }
};

class MedianChair final : public negsim::ChairPolicy {
 public:
  void draft(const negsim::ChairView& view, Eigen::VectorXd& draft) override {
    const negsim::Scenario& scenario = view.scenario();
    std::vector<std::pair<double, double>> points;  // (position, power)
    for (int issue = 0; issue < scenario.issue_count(); ++issue) {
      if (view.settled()[static_cast<std::size_t>(issue)] != 0) continue;
      points.clear();
      double total = 0;
      for (int i = 0; i < scenario.delegation_count(); ++i) {
        points.emplace_back(view.positions()(i, issue), scenario.power(i));
        total += scenario.power(i);
      }
      std::sort(points.begin(), points.end());
      double seen = 0;
      for (const auto& point : points) {
        seen += point.second;
        if (seen >= total / 2) {
          draft(issue) = point.first;
          break;
        }
      }
    }
  }
};

}  // namespace

extern "C" int negsim_plugin_register(int abi_version, negsim::PluginRegistrar* registrar) {
  if (abi_version != negsim::plugin_abi_version) return 1;
  registrar->add_delegation_policy("holdout", "objects to anything short of r_max until the last round",
                                   [] { return std::make_unique<Holdout>(); });
  registrar->add_chair_policy("median_chair", "drafts each paragraph at the power-weighted median position",
                              [] { return std::make_unique<MedianChair>(); });
  return 0;
}
