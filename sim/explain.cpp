#include "negsim/explain.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <numeric>
#include <optional>
#include <sstream>
#include <thread>
#include <tuple>

#include "negsim/format.hpp"
#include "negsim/random.hpp"
#include "negsim/trace.hpp"

namespace negsim {

using json = nlohmann::ordered_json;

namespace {

// Every number as the other outputs print it (negsim/format.hpp): two decimals.
std::string format(double value) {
  return format_decimal(value, 2);
}

// The far end of a change printed at two decimals, rounded away from `from` so that the printed
// change is enough to flip the outcome (a bisection found the exact one).
double outward(double from, double to) {
  const double steps = std::ceil(std::abs(to - from) * 100.0 - 1e-9);
  return std::clamp(from + (to >= from ? 1.0 : -1.0) * steps / 100.0, 0.0, 1.0);
}

std::string share_of_replicates(long long count, long long replicates) {
  return format_percent(replicates > 0 ? static_cast<double>(count) / static_cast<double>(replicates) : 0.0);
}

// Sets delegation i's red line on issue k, keeping the list the engine reads in step.
void set_red_line(Scenario& scenario, int i, int k, double min, double max) {
  scenario.red_line_min(i, k) = min;
  scenario.red_line_max(i, k) = max;
  auto& red_lines = scenario.delegations[static_cast<std::size_t>(i)].red_lines;
  for (auto& red_line : red_lines) {
    if (red_line.issue == k) {
      red_line.min = min;
      red_line.max = max;
      return;
    }
  }
  red_lines.push_back({k, min, max});
}

void remove_red_lines(Scenario& scenario, int i) {
  for (auto& red_line : scenario.delegations[static_cast<std::size_t>(i)].red_lines) {
    scenario.red_line_min(i, red_line.issue) = 0;
    scenario.red_line_max(i, red_line.issue) = 1;
  }
  scenario.delegations[static_cast<std::size_t>(i)].red_lines.clear();
}

// One parameter a search may move: where it starts, how far it may go, and how to set it.
struct Candidate {
  int delegation;
  int issue;
  std::string parameter;
  double from;
  double to;
  bool salience;  // the value is a multiplier of the salience weight, from 1 toward 0
};

bool is_red_line(const Candidate& candidate) {
  return candidate.parameter.rfind("red_lines.", 0) == 0;
}

void apply(Scenario& scenario, const Candidate& candidate, double value) {
  const int i = candidate.delegation;
  const int k = candidate.issue;
  if (is_red_line(candidate)) {
    const bool is_max =
        candidate.parameter.size() > 4 && candidate.parameter.substr(candidate.parameter.size() - 4) == ".max";
    set_red_line(scenario, i, k, is_max ? scenario.red_line_min(i, k) : value,
                 is_max ? value : scenario.red_line_max(i, k));
  } else if (candidate.salience) {
    scenario.raw_salience(i, k) *= value;
    if (scenario.raw_salience.row(i).sum() <= 0) scenario.raw_salience(i, k) = 1e-12;
    scenario.normalize_salience();
  } else {
    scenario.positions(i, k) = value;
  }
}

std::vector<Candidate> candidates_for(const Scenario& scenario, const Outcome& outcome) {
  std::vector<Candidate> candidates;
  const bool adopted = is_adopted(outcome.kind);
  for (int i = 0; i < scenario.delegation_count(); ++i) {
    const bool objector = outcome.responses[static_cast<std::size_t>(i)] == Response::object;
    for (int k = 0; k < scenario.issue_count(); ++k) {
      const std::string& id = scenario.issues[static_cast<std::size_t>(k)].id;
      const double min = scenario.red_line_min(i, k);
      const double max = scenario.red_line_max(i, k);
      const double position = scenario.positions(i, k);
      const double tabled = outcome.draft(k);
      if (!adopted) {
        // What would it take to let a text through: relax a red line, move toward the text,
        // care less about the paragraph.
        if (max < 1) candidates.push_back({i, k, "red_lines." + id + ".max", max, 1.0, false});
        if (min > 0) candidates.push_back({i, k, "red_lines." + id + ".min", min, 0.0, false});
        if (objector) {
          const double reachable = std::clamp(tabled, min, max);
          if (std::abs(reachable - position) > 1e-9) {
            candidates.push_back({i, k, "positions." + id, position, reachable, false});
          }
          candidates.push_back({i, k, "salience." + id, 1.0, 0.0, true});
        }
      } else {
        // What would it take to block it: a red line that excludes the adopted text, or a
        // position further from it.
        if (tabled > position + 1e-9) {
          candidates.push_back({i, k, "red_lines." + id + ".max", max, position, false});
          candidates.push_back({i, k, "positions." + id, position, min, false});
        } else if (tabled < position - 1e-9) {
          candidates.push_back({i, k, "red_lines." + id + ".min", min, position, false});
          candidates.push_back({i, k, "positions." + id, position, max, false});
        }
      }
    }
  }
  return candidates;
}

// A change made by several delegations together: every listed red-line bound relaxed by the
// same amount t (maxima up, minima down), t from 0 to 1.
struct GroupCandidate {
  std::string description;
  std::vector<std::tuple<int, int, bool>> bounds;  // delegation, issue, is the maximum
};

void apply_group(Scenario& scenario, const GroupCandidate& group, double shift) {
  for (const auto& [i, k, is_max] : group.bounds) {
    const double min = is_max ? scenario.red_line_min(i, k) : std::max(0.0, scenario.red_line_min(i, k) - shift);
    const double max = is_max ? std::min(1.0, scenario.red_line_max(i, k) + shift) : scenario.red_line_max(i, k);
    set_red_line(scenario, i, k, min, max);
  }
}

std::vector<GroupCandidate> group_candidates(const Scenario& scenario, const Outcome& outcome) {
  std::vector<GroupCandidate> groups;
  auto bounds_of = [&](int i, int only_issue) {
    std::vector<std::tuple<int, int, bool>> bounds;
    for (const auto& red_line : scenario.delegations[static_cast<std::size_t>(i)].red_lines) {
      if (only_issue >= 0 && red_line.issue != only_issue) continue;
      if (red_line.max < 1) bounds.emplace_back(i, red_line.issue, true);
      if (red_line.min > 0) bounds.emplace_back(i, red_line.issue, false);
    }
    return bounds;
  };
  GroupCandidate objectors{"all objectors' red lines", {}};
  for (const auto& record : outcome.objectors) {
    for (const auto& bound : bounds_of(record.delegation, -1)) objectors.bounds.push_back(bound);
  }
  if (!objectors.bounds.empty() && outcome.objectors.size() > 1) groups.push_back(objectors);
  for (std::size_t b = 0; b < scenario.blocs.size(); ++b) {
    GroupCandidate bloc{"the red lines of bloc " + scenario.blocs[b].id, {}};
    for (int member : scenario.blocs[b].members) {
      for (const auto& bound : bounds_of(member, -1)) bloc.bounds.push_back(bound);
    }
    if (!bloc.bounds.empty()) groups.push_back(bloc);
  }
  for (int k = 0; k < scenario.issue_count(); ++k) {
    GroupCandidate issue{"every red line on " + scenario.issues[static_cast<std::size_t>(k)].id, {}};
    for (int i = 0; i < scenario.delegation_count(); ++i) {
      for (const auto& bound : bounds_of(i, k)) issue.bounds.push_back(bound);
    }
    if (issue.bounds.size() > 1) groups.push_back(issue);
  }
  return groups;
}

// The conditions of provably_blocked() that no single change of a red line, position or
// salience alters: the rule, the fallbacks and the policies (a registered chair strategy or
// delegation policy decides outside negsim's checks; a run of it may stop on an error).
bool blocking_shortcut_possible(const Scenario& scenario) {
  const Process& process = scenario.process;
  const bool one_objection_fails = process.rule.kind == RuleKind::consensus ||
                                   process.rule.kind == RuleKind::unanimity ||
                                   (process.rule.kind == RuleKind::consensus_minus && process.rule.max_objectors <= 0);
  const Fallbacks& fallbacks = process.fallbacks;
  if (!one_objection_fails || fallbacks.chairs_summary || fallbacks.can_carry_past_objectors() ||
      !process.chair.policy.empty()) {
    return false;
  }
  return std::all_of(scenario.delegations.begin(), scenario.delegations.end(),
                     [](const Delegation& delegation) { return delegation.agent.policy.empty(); });
}

// The half of provably_blocked() that reads the red lines: some paragraph's red lines leave no
// value that crosses none of them.
bool red_lines_exclude_every_value(const Scenario& scenario) {
  // Per paragraph: the highest minimum and the lowest maximum, as crosses_red_line() bounds them.
  constexpr double tolerance = 1e-9;  // as negsim::crosses_red_line
  const int k = scenario.issue_count();
  std::vector<double> highest_low(static_cast<std::size_t>(k), -std::numeric_limits<double>::infinity());
  std::vector<double> lowest_high(static_cast<std::size_t>(k), std::numeric_limits<double>::infinity());
  for (int i = 0; i < scenario.delegation_count(); ++i) {
    const auto& delegation = scenario.delegations[static_cast<std::size_t>(i)];
    if (delegation.observer) continue;
    for (const auto& red_line : delegation.red_lines) {
      const int issue = red_line.issue;
      const auto& reserved = delegation.reservations;
      if (std::find(reserved.begin(), reserved.end(), issue) != reserved.end()) continue;
      const auto cell = static_cast<std::size_t>(issue);
      highest_low[cell] = std::max(highest_low[cell], scenario.red_line_min(i, issue) - tolerance);
      lowest_high[cell] = std::min(lowest_high[cell], scenario.red_line_max(i, issue) + tolerance);
    }
  }
  // A value below highest_low crosses that minimum; any other lies above lowest_high.
  for (std::size_t issue = 0; issue < static_cast<std::size_t>(k); ++issue) {
    if (highest_low[issue] > lowest_high[issue]) return true;
  }
  return false;
}

// Whether no run of `scenario` can adopt a text, whatever its seed: some paragraph carries two
// red lines no value satisfies together (one delegation's minimum above another's maximum,
// tolerance included), so every poll has an objector, and nothing but an objection-free poll
// adopts a text. The engine (sim/engine.cpp) gives the grounds: a delegation that is not an
// observer objects whenever the polled draft crosses a red line it holds no reservation on,
// unless a policy of its own answers for it; under consensus or unanimity one counted objection
// fails the rule; and only the fallbacks adopt otherwise. So it is asked only where none of
// those applies. explain() skips the run of such a variant: its answer is "not adopted" either
// way (tests/test_explain.cpp compares with the runs made in full).
bool provably_blocked(const Scenario& scenario) {
  return blocking_shortcut_possible(scenario) && red_lines_exclude_every_value(scenario);
}

// Whether the influence step's clamp into [new_low, new_high] gives `clamped`, the position it
// gave clamped into [low, high], whatever the position before the clamp was.
bool clamp_unchanged(double clamped, double low, double high, double new_low, double new_high) {
  if (low < clamped && clamped < high) return new_low <= clamped && clamped <= new_high;  // not clamped
  if (!(low < high)) return false;
  if (clamped == low) return new_low == low && new_high >= low;     // from anywhere at or below low
  if (clamped == high) return new_high == high && new_low <= high;  // from anywhere at or above high
  return false;
}

}  // namespace

RecordedRun::RecordedRun(const Scenario& scenario, std::uint64_t seed) : scenario_(scenario), seed_(seed) {
  // A registered policy sees the whole scenario: it could read a red line at any value; so does a
  // presidency's final text, drafted within the red lines met earlier (Engine::keep_met_red_lines).
  resumable_ = scenario.process.chair.policy.empty() && !scenario.process.chair.final_text &&
               std::none_of(scenario.delegations.begin(), scenario.delegations.end(),
                            [](const Delegation& delegation) { return !delegation.agent.policy.empty(); });
  if (!resumable_) {
    outcome_ = simulate(scenario, seed);
    return;
  }
  Engine engine(scenario, seed);
  engine.record_polled_ranges(&polled_);
  do {
    checkpoints_.push_back(engine.checkpoint());
  } while (engine.step());
  outcome_ = engine.outcome();
}

int RecordedRun::first_round_changed(const Scenario& variant, const std::vector<RedLineCell>& cells) const {
  // The engine reads delegation i's bounds on paragraph k only against values polled on k (the
  // drafts and the repairs and amendments tried: whether they cross it, how far beyond it they
  // lie for the chair's weighing, where a repair would move to) and to clamp i's position on k
  // after influence. A round plays alike under the old and the new bounds when every value polled
  // on k lies where neither bound that changed is crossed nor reached, and the clamp gives the
  // same position.
  const auto issues = static_cast<std::size_t>(scenario_.issue_count());
  int first = rounds();
  for (const RedLineCell& cell : cells) {
    const int i = cell.delegation;
    const int k = cell.issue;
    const double low = scenario_.red_line_min(i, k);
    const double high = scenario_.red_line_max(i, k);
    const double new_low = variant.red_line_min(i, k);
    const double new_high = variant.red_line_max(i, k);
    const bool low_changed = new_low != low;
    const bool high_changed = new_high != high;
    if (!low_changed && !high_changed) continue;
    for (int round = 0; round < first; ++round) {
      const std::size_t at = static_cast<std::size_t>(round) * issues + static_cast<std::size_t>(k);
      const bool recorded = at < polled_.low.size();
      const bool polled_alike = recorded && (!low_changed || polled_.low[at] >= std::max(low, new_low)) &&
                                (!high_changed || polled_.high[at] <= std::min(high, new_high));
      const bool last = round + 1 >= rounds();  // the run ended in this round, before influence
      const bool clamped_alike =
          last || clamp_unchanged(checkpoints_[static_cast<std::size_t>(round) + 1].state.positions(i, k), low, high,
                                  new_low, new_high);
      if (!polled_alike || !clamped_alike) {
        first = round;
        break;
      }
    }
  }
  return first;
}

Outcome RecordedRun::replay(const Scenario& variant, const std::vector<RedLineCell>& cells) const {
  if (!resumable_) return simulate(variant, seed_);
  const int first = first_round_changed(variant, cells);
  if (first >= rounds()) return outcome_;  // every round plays alike: the same run
  Engine engine(variant, seed_);
  if (first > 0) engine.resume(checkpoints_[static_cast<std::size_t>(first)]);
  return engine.run();
}

std::vector<double> shapley_shubik(const Eigen::VectorXd& weights, double quota, std::uint64_t seed, int samples,
                                   int threads) {
  const auto n = static_cast<int>(weights.size());
  std::vector<double> index(static_cast<std::size_t>(n), 0.0);
  const double total = weights.sum();
  const double needed = quota * total - 1e-12;
  if (n <= 16) {
    // Exact: player i is pivotal for coalition S (without i) when S loses and S + i wins; the
    // coalition comes first in |S|! (n - |S| - 1)! of the n! orderings.
    std::vector<double> factorial(static_cast<std::size_t>(n) + 1, 1.0);
    for (int m = 1; m <= n; ++m)
      factorial[static_cast<std::size_t>(m)] = factorial[static_cast<std::size_t>(m - 1)] * m;
    for (int i = 0; i < n; ++i) {
      for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
        if (mask & (1u << i)) continue;
        double weight = 0;
        int size = 0;
        for (int j = 0; j < n; ++j) {
          if (mask & (1u << j)) {
            weight += weights(j);
            ++size;
          }
        }
        if (weight < needed && weight + weights(i) >= needed) {
          index[static_cast<std::size_t>(i)] += factorial[static_cast<std::size_t>(size)] *
                                                factorial[static_cast<std::size_t>(n - size - 1)] /
                                                factorial[static_cast<std::size_t>(n)];
        }
      }
    }
    return index;
  }
  // Orderings [first, last) on each thread, each from its own point of the one stream: a
  // shuffle draws exactly n - 1 numbers, so ordering s starts at draw s (n - 1). The pivots are
  // counted as integers; the figures are the same for any number of threads.
  const int workers = std::clamp(threads, 1, std::max(1, samples / 1000));
  std::vector<std::vector<std::int64_t>> pivots(static_cast<std::size_t>(workers),
                                                std::vector<std::int64_t>(static_cast<std::size_t>(n), 0));
  auto shuffle = [&](int worker) {
    const int first = static_cast<int>(static_cast<std::int64_t>(samples) * worker / workers);
    const int last = static_cast<int>(static_cast<std::int64_t>(samples) * (worker + 1) / workers);
    Random random(seed);
    const std::int64_t skipped = static_cast<std::int64_t>(first) * (n - 1);
    for (std::int64_t draw = 0; draw < skipped; ++draw) random.next();  // a few ms at most
    std::vector<int> order(static_cast<std::size_t>(n));
    auto& counts = pivots[static_cast<std::size_t>(worker)];
    for (int sample = first; sample < last; ++sample) {
      std::iota(order.begin(), order.end(), 0);
      for (int j = n - 1; j > 0; --j) {  // Fisher-Yates with our own generator: same on every platform
        const auto pick = static_cast<int>(random.next() % static_cast<std::uint64_t>(j + 1));
        std::swap(order[static_cast<std::size_t>(j)], order[static_cast<std::size_t>(pick)]);
      }
      double weight = 0;
      for (int player : order) {
        weight += weights(player);
        if (weight >= needed) {
          ++counts[static_cast<std::size_t>(player)];
          break;
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (int worker = 1; worker < workers; ++worker) pool.emplace_back(shuffle, worker);
  shuffle(0);
  for (auto& thread : pool) thread.join();
  for (int player = 0; player < n; ++player) {
    std::int64_t count = 0;
    for (const auto& counts : pivots) count += counts[static_cast<std::size_t>(player)];
    // 1 / samples added once per pivot, as the figures were always summed.
    for (std::int64_t c = 0; c < count; ++c) index[static_cast<std::size_t>(player)] += 1.0 / samples;
  }
  return index;
}

namespace {

// Calls body(j) for j in [0, count) on `threads` threads. The questions of explain are
// independent runs of the engine, each with the same seed, so which thread answers which cannot
// change an answer; the first exception a body throws is rethrown once all threads stopped.
template <class Body>
void for_each_index(std::size_t count, int threads, const Body& body) {
  const auto workers = static_cast<std::size_t>(std::max(1, threads > 0 ? threads : default_thread_count()));
  if (workers == 1 || count < 2) {
    for (std::size_t j = 0; j < count; ++j) body(j);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&]() {
    try {
      for (std::size_t j = next++; j < count && !failed; j = next++) body(j);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      failed = true;
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < std::min(workers, count); ++t) pool.emplace_back(work);
  for (auto& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
}

Flip flip_found(const Candidate& candidate, double flip, OutcomeKind flipped) {
  Flip found;
  found.delegation = candidate.delegation;
  found.issue = candidate.issue;
  found.parameter = candidate.parameter;
  found.from = candidate.salience ? 1.0 : candidate.from;
  found.to = flip;
  found.size = std::abs(flip - found.from);
  found.outcome = flipped;
  return found;
}

// Per delegation, its candidates whose far end is played by the engine (not answered "not
// adopted" by provably_blocked() without a run).
std::vector<std::size_t> candidates_run(const Scenario& scenario, const std::vector<Candidate>& candidates,
                                        const ExplainOptions& options) {
  std::vector<std::size_t> runs(static_cast<std::size_t>(scenario.delegation_count()), 0);
  const bool shortcut = options.skip_blocked_runs && blocking_shortcut_possible(scenario);
  for (const Candidate& candidate : candidates) {
    if (shortcut) {
      Scenario variant = scenario;
      apply(variant, candidate, candidate.to);
      if (red_lines_exclude_every_value(variant)) continue;
    }
    ++runs[static_cast<std::size_t>(candidate.delegation)];
  }
  return runs;
}

// Delegation-issue-rounds of one engine run of the whole deadline.
double work_per_run(const Scenario& scenario) {
  return static_cast<double>(scenario.process.max_rounds) * scenario.delegation_count() * scenario.issue_count();
}

// The state at the end of a run: each delegation's perceived utility of the last text polled and
// its blocking threshold.
class FinalState : public TraceSink {
 public:
  void on_end(const State& state, const Outcome& /*outcome*/) override {
    utility = state.utility;
    blocking_threshold = state.blocking_threshold;
  }
  Eigen::VectorXd utility;
  Eigen::VectorXd blocking_threshold;
};

// Delegations nearest to changing their answer to the final text first: those whose change would
// flip the outcome (the ones not objecting when it was adopted, the objectors when it was not),
// then the others, each by |perceived utility - blocking threshold| at the end of the run, then
// in file order.
std::vector<int> nearest_to_changing(const Scenario& scenario, const Outcome& base, std::uint64_t seed) {
  FinalState final_state;
  Engine engine(scenario, seed, &final_state);
  engine.run();
  const bool adopted = is_adopted(base.kind);
  const int n = scenario.delegation_count();
  auto tier = [&](int i) {
    const bool objects = base.responses[static_cast<std::size_t>(i)] == Response::object;
    return objects == adopted ? 1 : 0;
  };
  auto margin = [&](int i) {
    if (final_state.utility.size() != n || final_state.blocking_threshold.size() != n) return 0.0;
    return std::abs(final_state.utility(i) - final_state.blocking_threshold(i));
  };
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    if (tier(a) != tier(b)) return tier(a) < tier(b);
    return margin(a) < margin(b);
  });
  return order;
}

// The smallest single changes when the full search is over the budget: the top_changes smallest
// among the candidates of the delegations nearest to changing their answer. Branch and bound in
// lockstep: every candidate's far end is run, then every candidate that flips is halved one step
// at a time; a candidate is dropped once the value it keeps is at least as far from where it
// starts as the top_changes-th nearest flipping value found (its change can only come out
// larger than that many others'). Each candidate that is not dropped is bisected exactly as the
// full search does, so the list is the full search's first top_changes over those candidates.
template <class OutcomeOf>
void smallest_changes_limited(const Scenario& scenario, const std::vector<Candidate>& candidates, double work,
                              const ExplainOptions& options, const OutcomeOf& outcome_of, Explanation& explanation) {
  const Outcome& base = explanation.outcome;
  const bool adopted = is_adopted(base.kind);
  const int n = scenario.delegation_count();
  const std::vector<int> order = nearest_to_changing(scenario, base, options.seed);
  const std::vector<std::size_t> runs = candidates_run(scenario, candidates, options);
  // As many delegations, nearest first, as the budget allows for their far-end runs (at least one).
  int examined = 0;
  if (options.nearest_delegations > 0) {
    examined = std::min(options.nearest_delegations, n);
  } else {
    double spent = 0;
    for (const int i : order) {
      const double cost = static_cast<double>(runs[static_cast<std::size_t>(i)]) * work_per_run(scenario);
      if (examined > 0 && spent + cost > options.nearest_budget) break;
      spent += cost;
      ++examined;
    }
  }
  std::vector<bool> chosen(static_cast<std::size_t>(n), false);
  for (int e = 0; e < examined; ++e) chosen[static_cast<std::size_t>(order[static_cast<std::size_t>(e)])] = true;
  std::vector<std::size_t> limited;  // indices into candidates, in their order
  for (std::size_t j = 0; j < candidates.size(); ++j) {
    if (chosen[static_cast<std::size_t>(candidates[j].delegation)]) limited.push_back(j);
  }
  const std::size_t top = std::max<std::size_t>(1, options.top_changes);

  enum class Stage { screen, bisect, done, out };
  struct Search {
    Stage stage = Stage::screen;
    double keep = 0;
    double flip = 0;
    int steps = 0;
    OutcomeKind flipped = OutcomeKind::no_consensus;
  };
  std::vector<Search> searches(limited.size());
  auto advance = [&](std::size_t s) {
    const Candidate& candidate = candidates[limited[s]];
    Search& search = searches[s];
    const std::vector<RedLineCell> cells = {{candidate.delegation, candidate.issue}};
    const std::vector<RedLineCell>* red_line_cells = is_red_line(candidate) ? &cells : nullptr;
    Scenario variant = scenario;
    if (search.stage == Stage::screen) {
      apply(variant, candidate, candidate.to);
      const OutcomeKind far = outcome_of(variant, red_line_cells);
      if (is_adopted(far) == adopted) {
        search.stage = Stage::out;
        return;
      }
      search.keep = candidate.from;
      search.flip = candidate.to;
      search.flipped = far;
      search.stage = options.bisection_steps > 0 ? Stage::bisect : Stage::done;
      return;
    }
    const double middle = (search.keep + search.flip) / 2;
    apply(variant, candidate, middle);
    const OutcomeKind kind = outcome_of(variant, red_line_cells);
    if (is_adopted(kind) == adopted) {
      search.keep = middle;
    } else {
      search.flip = middle;
      search.flipped = kind;
    }
    if (++search.steps >= options.bisection_steps) search.stage = Stage::done;
  };
  for (;;) {
    // The top-th smallest upper bound on a change's size among the candidates known to flip.
    std::vector<double> upper;
    for (std::size_t s = 0; s < searches.size(); ++s) {
      const Search& search = searches[s];
      if (search.stage == Stage::bisect || search.stage == Stage::done) {
        upper.push_back(std::abs(search.flip - candidates[limited[s]].from));
      }
    }
    double bound = std::numeric_limits<double>::infinity();
    if (upper.size() >= top) {
      std::nth_element(upper.begin(), upper.begin() + static_cast<std::ptrdiff_t>(top - 1), upper.end());
      bound = upper[top - 1];
    }
    std::vector<std::size_t> active;
    for (std::size_t s = 0; s < searches.size(); ++s) {
      Search& search = searches[s];
      // The change found will lie beyond `keep`: strictly larger than `bound`, so after top others.
      if (search.stage == Stage::bisect && std::abs(search.keep - candidates[limited[s]].from) >= bound) {
        search.stage = Stage::out;
      }
      if (search.stage == Stage::screen || search.stage == Stage::bisect) active.push_back(s);
    }
    if (active.empty()) break;
    // Best first: the candidates whose change could still be the smallest are halved first (the
    // screening of every candidate comes before any halving). Which are halved when changes only
    // how many runs are made, never a change found.
    const std::size_t batch = std::max<std::size_t>(top, 2 * static_cast<std::size_t>(std::max(1, options.threads)));
    if (searches[active.front()].stage == Stage::bisect && active.size() > batch) {
      auto lower = [&](std::size_t s) { return std::abs(searches[s].keep - candidates[limited[s]].from); };
      std::stable_sort(active.begin(), active.end(), [&](std::size_t a, std::size_t b) { return lower(a) < lower(b); });
      active.resize(batch);
    }
    for_each_index(active.size(), options.threads, [&](std::size_t a) { advance(active[a]); });
  }
  for (std::size_t s = 0; s < searches.size(); ++s) {
    if (searches[s].stage == Stage::done) {
      explanation.smallest_changes.push_back(flip_found(candidates[limited[s]], searches[s].flip, searches[s].flipped));
    }
  }
  std::stable_sort(explanation.smallest_changes.begin(), explanation.smallest_changes.end(),
                   [](const Flip& a, const Flip& b) { return a.size < b.size; });
  if (explanation.smallest_changes.size() > top) explanation.smallest_changes.resize(top);

  ChangesScope scope;
  scope.estimated_work = work;
  scope.work_budget = options.work_budget;
  scope.nearest_budget = options.nearest_budget;
  scope.delegations.assign(order.begin(), order.begin() + examined);
  scope.delegations_not_examined = n - examined;
  scope.candidates = limited.size();
  scope.candidates_total = candidates.size();
  scope.top = top;
  explanation.changes_scope = std::move(scope);
}

}  // namespace

Explanation explain(const Scenario& scenario, const ExplainOptions& options) {
  Explanation explanation;
  const RecordedRun recorded(scenario, options.seed);
  explanation.outcome = recorded.outcome();
  const Outcome& base = explanation.outcome;
  const bool adopted = is_adopted(base.kind);
  // Every question but the sweep reads only whether a variant's run adopts a text. A variant
  // that changes only the red lines `red_line_cells` is resumed from the explained run.
  auto outcome_of = [&](const Scenario& variant, const std::vector<RedLineCell>* red_line_cells) {
    if (options.skip_blocked_runs && provably_blocked(variant)) return OutcomeKind::no_consensus;
    if (red_line_cells != nullptr && options.resume_red_line_variants) {
      return recorded.replay(variant, *red_line_cells).kind;
    }
    return simulate(variant, options.seed).kind;
  };

  if (!adopted) {
    explanation.pivotal_delegations.resize(base.objectors.size());
    for_each_index(base.objectors.size(), options.threads, [&](std::size_t j) {
      const int delegation = base.objectors[j].delegation;
      PivotalDelegation pivotal;
      pivotal.delegation = delegation;
      Scenario variant = scenario;
      std::vector<RedLineCell> cells;
      for (const auto& red_line : scenario.delegations[static_cast<std::size_t>(delegation)].red_lines) {
        cells.push_back({delegation, red_line.issue});
      }
      remove_red_lines(variant, delegation);
      pivotal.without_red_lines = outcome_of(variant, &cells);
      // Never objecting: no red lines and an outside option nothing falls below.
      variant.delegations[static_cast<std::size_t>(delegation)].outside_option = -1e9;
      pivotal.if_it_never_objected = outcome_of(variant, nullptr);
      explanation.pivotal_delegations[j] = pivotal;
    });
  }
  {
    std::vector<int> dropped;
    for (int k = 0; k < scenario.issue_count(); ++k) {
      if (!scenario.issues[static_cast<std::size_t>(k)].omitted) dropped.push_back(k);
    }
    explanation.pivotal_issues.resize(dropped.size());
    for_each_index(dropped.size(), options.threads, [&](std::size_t j) {
      Scenario variant = scenario;
      variant.issues[static_cast<std::size_t>(dropped[j])].omitted = true;
      explanation.pivotal_issues[j] = {dropped[j], outcome_of(variant, nullptr)};
    });
  }

  const std::vector<Candidate> candidates = candidates_for(scenario, base);
  // The full search's work, before running it: every candidate run, far end and every halving,
  // each for the whole deadline (at most).
  double work = 0;
  if (!options.exhaustive) {
    const std::vector<std::size_t> runs = candidates_run(scenario, candidates, options);
    work = static_cast<double>(std::accumulate(runs.begin(), runs.end(), std::size_t{0})) *
           (options.bisection_steps + 1) * work_per_run(scenario);
  }
  if (options.exhaustive || work <= options.work_budget) {
    // Bisection on each candidate: the far end must flip the outcome; then halve the interval
    // between "no flip" and "flip" and keep the flipping end.
    std::vector<std::optional<Flip>> flips(candidates.size());
    for_each_index(candidates.size(), options.threads, [&](std::size_t j) {
      const Candidate& candidate = candidates[j];
      const std::vector<RedLineCell> cells = {{candidate.delegation, candidate.issue}};
      const std::vector<RedLineCell>* red_line_cells = is_red_line(candidate) ? &cells : nullptr;
      Scenario variant = scenario;
      apply(variant, candidate, candidate.to);
      const OutcomeKind far = outcome_of(variant, red_line_cells);
      if (is_adopted(far) == adopted) return;
      double keep = candidate.from;
      double flip = candidate.to;
      OutcomeKind flipped = far;
      for (int step = 0; step < options.bisection_steps; ++step) {
        const double middle = (keep + flip) / 2;
        variant = scenario;
        apply(variant, candidate, middle);
        const OutcomeKind kind = outcome_of(variant, red_line_cells);
        if (is_adopted(kind) == adopted) {
          keep = middle;
        } else {
          flip = middle;
          flipped = kind;
        }
      }
      flips[j] = flip_found(candidate, flip, flipped);
    });
    for (auto& flip : flips) {
      if (flip) explanation.smallest_changes.push_back(std::move(*flip));
    }
    std::stable_sort(explanation.smallest_changes.begin(), explanation.smallest_changes.end(),
                     [](const Flip& a, const Flip& b) { return a.size < b.size; });
  } else {
    smallest_changes_limited(scenario, candidates, work, options, outcome_of, explanation);
  }

  // Changes no single delegation can make: several relax their red lines by the same amount.
  if (!adopted) {
    const std::vector<GroupCandidate> groups = group_candidates(scenario, base);
    std::vector<std::optional<JointChange>> joint(groups.size());
    for_each_index(groups.size(), options.threads, [&](std::size_t j) {
      const GroupCandidate& group = groups[j];
      std::vector<RedLineCell> cells;
      for (const auto& [i, k, is_max] : group.bounds) cells.push_back({i, k});
      Scenario variant = scenario;
      apply_group(variant, group, 1.0);
      const OutcomeKind far = outcome_of(variant, &cells);
      if (!is_adopted(far)) return;
      double keep = 0;
      double flip = 1;
      OutcomeKind flipped = far;
      for (int step = 0; step < options.bisection_steps; ++step) {
        const double middle = (keep + flip) / 2;
        variant = scenario;
        apply_group(variant, group, middle);
        const OutcomeKind kind = outcome_of(variant, &cells);
        if (is_adopted(kind)) {
          flip = middle;
          flipped = kind;
        } else {
          keep = middle;
        }
      }
      joint[j] = JointChange{group.description, flip, flipped};
    });
    for (auto& change : joint) {
      if (change) explanation.joint_changes.push_back(std::move(*change));
    }
    std::stable_sort(explanation.joint_changes.begin(), explanation.joint_changes.end(),
                     [](const JointChange& a, const JointChange& b) { return a.shift < b.shift; });
  }

  const int n = scenario.delegation_count();
  for (int k = 0; k < scenario.issue_count(); ++k) {
    const bool contested =
        std::find(base.contested_issues.begin(), base.contested_issues.end(), k) != base.contested_issues.end();
    if (!contested && !adopted) continue;
    IssueGap gap;
    gap.issue = k;
    gap.tabled = base.draft(k);
    gap.low = scenario.red_line_min.col(k).maxCoeff();
    gap.high = scenario.red_line_max.col(k).minCoeff();
    for (int i = 0; i < n; ++i) {
      if (gap.low > 0 && scenario.red_line_min(i, k) == gap.low) gap.raising.push_back(i);
      if (gap.high < 1 && scenario.red_line_max(i, k) == gap.high) gap.lowering.push_back(i);
    }
    gap.acceptable_exists = gap.low <= gap.high;
    gap.distance = gap.acceptable_exists ? std::max({0.0, gap.low - gap.tabled, gap.tabled - gap.high}) : 0.0;
    explanation.gaps.push_back(gap);
  }

  if (scenario.process.fallbacks.vote_threshold) explanation.quota = *scenario.process.fallbacks.vote_threshold;
  {
    // Above 16 players the index is sampled over orderings, and a sample follows the order the
    // players are given in: present them sorted by id, so that the order of the delegations in
    // the file cannot change the figures.
    const int players = scenario.delegation_count();
    std::vector<int> by_id(static_cast<std::size_t>(players));
    std::iota(by_id.begin(), by_id.end(), 0);
    std::sort(by_id.begin(), by_id.end(), [&](int a, int b) {
      return scenario.delegations[static_cast<std::size_t>(a)].id <
             scenario.delegations[static_cast<std::size_t>(b)].id;
    });
    Eigen::VectorXd sorted_power(players);
    for (int k = 0; k < players; ++k) sorted_power(k) = scenario.power(by_id[static_cast<std::size_t>(k)]);
    const int threads = options.threads > 0 ? options.threads : default_thread_count();
    const std::vector<double> sorted_index =
        shapley_shubik(sorted_power, explanation.quota, options.seed, 20000, threads);
    explanation.shapley_shubik.assign(static_cast<std::size_t>(players), 0.0);
    for (int k = 0; k < players; ++k) {
      explanation.shapley_shubik[static_cast<std::size_t>(by_id[static_cast<std::size_t>(k)])] =
          sorted_index[static_cast<std::size_t>(k)];
    }
  }
  if (options.replicates > 0) {
    // Batches of the one sweep: replicate r has the seed derive_seed(seed, r) whichever batch
    // runs it, and the statistics are integer sums, so N replicates give the same figures as
    // one sweep of N. Stopping is decided after whole batches only, never by thread timing.
    ReplicateOptions replicate_options;
    replicate_options.master_seed = options.seed;
    replicate_options.threads = options.threads;
    CellStatistics total(scenario);
    while (total.replicates < static_cast<std::int64_t>(options.replicates)) {
      replicate_options.first_replicate = static_cast<std::uint64_t>(total.replicates);
      replicate_options.replicates = std::min(explain_batch, options.replicates - replicate_options.first_replicate);
      total.merge(run_replicates(scenario, replicate_options));
      explanation.widest_half_width = 0;
      for (const std::int64_t count : total.sole_blocker) {
        const Interval interval = wilson_interval(count, total.replicates);
        explanation.widest_half_width = std::max(explanation.widest_half_width, (interval.high - interval.low) / 2);
      }
      if (options.precision > 0 && explanation.widest_half_width <= options.precision) break;
    }
    explanation.sweep = std::move(total);
  }
  return explanation;
}

json explanation_json(const Scenario& scenario, const Explanation& explanation, const ExplainOptions& options) {
  auto id_of = [&](int i) { return scenario.delegations[static_cast<std::size_t>(i)].id; };
  auto issue_of = [&](int k) { return scenario.issues[static_cast<std::size_t>(k)].id; };
  json pivotal = json::array();
  for (const auto& entry : explanation.pivotal_delegations) {
    pivotal.push_back({{"delegation", id_of(entry.delegation)},
                       {"without_red_lines", to_string(entry.without_red_lines)},
                       {"if_it_never_objected", to_string(entry.if_it_never_objected)},
                       {"red_lines_pivotal", is_adopted(entry.without_red_lines)},
                       {"objection_pivotal", is_adopted(entry.if_it_never_objected)}});
  }
  json issues = json::array();
  for (const auto& entry : explanation.pivotal_issues) {
    issues.push_back({{"issue", issue_of(entry.issue)},
                      {"if_dropped", to_string(entry.if_dropped)},
                      {"pivotal", is_adopted(entry.if_dropped) != is_adopted(explanation.outcome.kind)}});
  }
  json changes = json::array();
  for (const auto& flip : explanation.smallest_changes) {
    changes.push_back({{"delegation", id_of(flip.delegation)},
                       {"issue", issue_of(flip.issue)},
                       {"parameter", flip.parameter},
                       {"from", round6(flip.from)},
                       {"to", round6(flip.to)},
                       {"size", round6(flip.size)},
                       {"outcome", to_string(flip.outcome)}});
  }
  json gaps = json::array();
  for (const auto& gap : explanation.gaps) {
    json raising = json::array();
    json lowering = json::array();
    for (int i : gap.raising) raising.push_back(id_of(i));
    for (int i : gap.lowering) lowering.push_back(id_of(i));
    gaps.push_back({{"issue", issue_of(gap.issue)},
                    {"tabled", round6(gap.tabled)},
                    {"acceptable_exists", gap.acceptable_exists},
                    {"acceptable_low", round6(gap.low)},
                    {"acceptable_high", round6(gap.high)},
                    {"distance", round6(gap.distance)},
                    {"minimum_set_by", raising},
                    {"maximum_set_by", lowering}});
  }
  json power = json::array();
  for (int i = 0; i < scenario.delegation_count(); ++i) {
    json entry = {{"delegation", id_of(i)},
                  {"shapley_shubik", round6(explanation.shapley_shubik[static_cast<std::size_t>(i)])}};
    if (explanation.sweep) {
      const double replicates = static_cast<double>(explanation.sweep->replicates);
      entry["blocking_power"] =
          round6(static_cast<double>(explanation.sweep->sole_blocker[static_cast<std::size_t>(i)]) / replicates);
      entry["objection_share"] =
          round6(static_cast<double>(explanation.sweep->objected[static_cast<std::size_t>(i)]) / replicates);
    }
    power.push_back(entry);
  }
  json joint = json::array();
  for (const auto& change : explanation.joint_changes) {
    joint.push_back(
        {{"change", change.description}, {"relaxed_by", round6(change.shift)}, {"outcome", to_string(change.outcome)}});
  }
  json result = {
      {"scenario", scenario.id},
      {"seed", options.seed},
      {"outcome", to_string(explanation.outcome.kind)},
      {"pivotal_delegations", pivotal},
      {"pivotal_issues", issues},
      {"smallest_changes", changes},
      {"joint_changes", joint},
      {"gaps", gaps},
      {"power", power},
      {"shapley_shubik_quota", round6(explanation.quota)},
      {"replicates", explanation.sweep ? json(explanation.sweep->replicates) : json(nullptr)},
      {"replicates_most", options.replicates},
      {"blocking_power_precision", round6(options.precision)},
      {"blocking_power_half_width", explanation.sweep ? json(round6(explanation.widest_half_width)) : json(nullptr)}};
  if (!explanation.changes_scope) return result;
  // Only when the search did not cover every candidate: what it covered, after the list.
  const ChangesScope& scope = *explanation.changes_scope;
  json examined = json::array();
  for (int i : scope.delegations) examined.push_back(id_of(i));
  json covered = {{"exhaustive", false},
                  {"top", scope.top},
                  {"delegations_examined", examined},
                  {"delegations_not_examined", scope.delegations_not_examined},
                  {"candidates_examined", scope.candidates},
                  {"candidates_total", scope.candidates_total},
                  {"estimated_work", scope.estimated_work},
                  {"work_budget", scope.work_budget},
                  {"nearest_budget", scope.nearest_budget}};
  json ordered;
  for (auto& [key, value] : result.items()) {
    ordered[key] = value;
    if (key == "smallest_changes") ordered["smallest_changes_scope"] = covered;
  }
  return ordered;
}

std::string explanation_text(const Scenario& scenario, const Explanation& explanation, const ExplainOptions& options) {
  std::ostringstream out;
  auto name_of = [&](int i) { return scenario.delegations[static_cast<std::size_t>(i)].name; };
  auto id_of = [&](int i) { return scenario.delegations[static_cast<std::size_t>(i)].id; };
  auto issue_of = [&](int k) { return scenario.issues[static_cast<std::size_t>(k)].id; };
  const Outcome& base = explanation.outcome;
  const bool adopted = is_adopted(base.kind);
  out << scenario.title << ": " << to_string(base.kind) << " after " << base.rounds << " rounds (seed " << options.seed
      << ")\n";

  if (!base.objectors.empty()) {
    out << "\nWho objected, and to what:\n";
    for (const auto& record : base.objectors) {
      out << "  " << name_of(record.delegation) << ":";
      for (int k : record.issues) {
        const bool red = std::find(record.red_lines_crossed.begin(), record.red_lines_crossed.end(), k) !=
                         record.red_lines_crossed.end();
        out << " " << issue_of(k);
        if (red) {
          const bool below = base.draft(k) < scenario.red_line_min(record.delegation, k);
          out << " [red line " << (below ? "min " : "max ")
              << format(below ? scenario.red_line_min(record.delegation, k)
                              : scenario.red_line_max(record.delegation, k))
              << ", tabled " << format(base.draft(k)) << "]";
        }
      }
      out << "\n";
    }
  }

  if (!explanation.gaps.empty()) {
    out << "\nHow far the draft was from a text every red line allows:\n";
    for (const auto& gap : explanation.gaps) {
      out << "  " << issue_of(gap.issue) << ": tabled " << format(gap.tabled) << "; ";
      auto names = [&](const std::vector<int>& list) {
        std::string text;
        for (std::size_t j = 0; j < list.size(); ++j) text += (j ? ", " : "") + name_of(list[j]);
        return text;
      };
      if (!gap.acceptable_exists) {
        out << "no text satisfies every red line: " << names(gap.raising)
            << (gap.raising.size() == 1 ? " needs" : " need") << " at least " << format(gap.low) << ", "
            << names(gap.lowering) << " at most " << format(gap.high) << "\n";
      } else if (gap.distance > 0) {
        out << "acceptable between " << format(gap.low) << " and " << format(gap.high) << ", " << format(gap.distance)
            << " away\n";
      } else {
        out << "inside what every red line allows [" << format(gap.low) << ", " << format(gap.high) << "]\n";
      }
    }
  }

  if (!explanation.pivotal_delegations.empty()) {
    out << "\nWould the outcome flip if one objector gave way?\n";
    for (const auto& entry : explanation.pivotal_delegations) {
      out << "  " << name_of(entry.delegation) << ": without its red lines -> " << to_string(entry.without_red_lines)
          << "; never objecting -> " << to_string(entry.if_it_never_objected)
          << (is_adopted(entry.if_it_never_objected) ? "  (pivotal)" : "") << "\n";
    }
  }

  out << "\nWould dropping one paragraph (leaving it at its status quo) change the outcome?\n";
  for (const auto& entry : explanation.pivotal_issues) {
    const bool flips = is_adopted(entry.if_dropped) != adopted;
    out << "  " << issue_of(entry.issue) << ": " << to_string(entry.if_dropped) << (flips ? "  (pivotal)" : "") << "\n";
  }

  out << "\nSmallest single changes that flip the outcome (bisection on the engine, to 2^-" << options.bisection_steps
      << " of the range):\n";
  const auto& scope = explanation.changes_scope;
  if (scope) {
    // Say exactly what was searched: never more than was computed.
    const std::size_t left_out = scope->candidates_total - scope->candidates;
    std::string examined;
    for (std::size_t j = 0; j < scope->delegations.size(); ++j) {
      examined += (j ? ", " : "") + id_of(scope->delegations[j]);
    }
    out << "  Only the " << scope->top << " smallest among the " << scope->candidates << " changes open to the "
        << scope->delegations.size() << " delegation" << (scope->delegations.size() == 1 ? "" : "s") << " nearest to "
        << (adopted ? "objecting" : "accepting") << " (" << examined << ").\n"
        << "  Not examined: the other " << scope->delegations_not_examined << " delegations' " << left_out << " of "
        << scope->candidates_total << " candidate changes; a smaller change may be among them.\n"
        << "  (Searching all could take up to " << format_decimal(scope->estimated_work / work_per_run(scenario), 0)
        << " runs of up to " << scenario.process.max_rounds
        << " rounds each, over explain's budget; --exhaustive searches all.)\n";
  }
  if (explanation.smallest_changes.empty()) {
    out << (scope ? "  none among them: no single change of theirs flips it\n"
                  : "  none: no single red line, position or salience change flips it\n");
  }
  const std::size_t shown = std::min<std::size_t>(12, explanation.smallest_changes.size());
  for (std::size_t j = 0; j < shown; ++j) {
    const Flip& flip = explanation.smallest_changes[j];
    out << "  " << (j + 1) << ". " << id_of(flip.delegation) << " " << flip.parameter << " ";
    if (flip.parameter.rfind("salience.", 0) == 0) {
      out << "weight cut by " << format_percent(flip.size);
    } else {
      const double to = outward(flip.from, flip.to);
      out << format(flip.from) << " -> " << format(to) << " (" << (to >= flip.from ? "+" : "") << format(to - flip.from)
          << ")";
    }
    out << ": " << to_string(flip.outcome) << "\n";
  }
  if (explanation.smallest_changes.size() > shown) {
    out << "  ... " << (explanation.smallest_changes.size() - shown) << " more in --format json\n";
  }
  if (!explanation.joint_changes.empty()) {
    out << "\nChanges made together (each red line in the group relaxed by the same amount):\n";
    for (const auto& change : explanation.joint_changes) {
      out << "  " << change.description << " relaxed by " << format(outward(0.0, change.shift)) << ": "
          << to_string(change.outcome) << "\n";
    }
  } else if (!adopted) {
    out << "\nNo group of red lines relaxed together (all objectors, a bloc, one issue) flips it either.\n";
  }

  out << "\nPower (sole blocker: share of " << (explanation.sweep ? explanation.sweep->replicates : 0)
      << " replicates in which its objection alone blocked";
  if (explanation.sweep) {
    // One value, one rendering: the half-width as the shares are printed (percent).
    out << ", each within +/-" << format_percent(explanation.widest_half_width) << " (95% Wilson interval; "
        << (options.precision > 0 ? "target +/-" + format_percent(options.precision) + ", at most " +
                                        std::to_string(options.replicates) + " replicates"
                                  : "a fixed count")
        << ")";
  }
  out << "; Shapley-Shubik: power-weighted vote with quota " << format(explanation.quota) << "):\n";
  std::vector<int> order(static_cast<std::size_t>(scenario.delegation_count()));
  std::iota(order.begin(), order.end(), 0);
  if (explanation.sweep) {
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return explanation.sweep->sole_blocker[static_cast<std::size_t>(a)] >
             explanation.sweep->sole_blocker[static_cast<std::size_t>(b)];
    });
  }
  for (int i : order) {
    out << "  " << name_of(i) << ": ";
    if (explanation.sweep) {
      const auto replicates = static_cast<long long>(explanation.sweep->replicates);
      out << "objected in "
          << share_of_replicates(static_cast<long long>(explanation.sweep->objected[static_cast<std::size_t>(i)]),
                                 replicates)
          << " of replicates, sole blocker in "
          << share_of_replicates(static_cast<long long>(explanation.sweep->sole_blocker[static_cast<std::size_t>(i)]),
                                 replicates)
          << "; ";
    }
    out << "Shapley-Shubik " << format(explanation.shapley_shubik[static_cast<std::size_t>(i)]) << "\n";
  }
  return out.str();
}

}  // namespace negsim
