// negsim tournament and plugins: the sample plugin's strategies (plugins/sample_strategies.cpp)
// and a built-in one take a seat in historical scenarios; the table is pinned and the same for
// any thread count.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "negsim/backtest.hpp"
#include "negsim/errors.hpp"
#include "negsim/format.hpp"
#include "negsim/policy.hpp"
#include "negsim/random.hpp"
#include "negsim/tournament.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using test_support::quoted;
using test_support::read_text;
using test_support::run_command;
using test_support::source_path;

namespace {

std::string negsim_binary() {
  return NEGSIM_BINARY;
}

void load_sample_plugin() {
  static const bool loaded = [] {
    negsim::load_plugin(NEGSIM_SAMPLE_PLUGIN);
    return true;
  }();
  (void)loaded;
}

// Two recorded cases with perception noise, so that seeds differ: the 2015 GGE and the 2021 OEWG.
std::vector<negsim::Scenario> two_cases() {
  return {negsim::load_scenario_file(source_path("scenarios/history/gge-2014-2015.yaml"), {"process.noise=0.05"}),
          negsim::load_scenario_file(source_path("scenarios/history/oewg-2019-2021.yaml"), {"process.noise=0.05"})};
}

// `csv` is the pinned table in `file` (NEGSIM_UPDATE_GOLDEN=1 rewrites it).
void check_pinned(const std::string& csv, const std::string& file) {
  const std::string path = source_path(file);
  if (std::getenv("NEGSIM_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << csv;
    WARN("rewrote " << path);
  }
  INFO("pinned file: " << path << " (regenerate with NEGSIM_UPDATE_GOLDEN=1)");
  REQUIRE(fs::exists(path));
  CHECK(csv == read_text(path));
}

negsim::TournamentOptions pinned_options(int threads) {
  negsim::TournamentOptions options;
  options.strategies = {"default", "holdout", "sincere"};
  options.seats = {"russia", "china"};
  options.seeds = 20;
  options.master_seed = 7;
  options.threads = threads;
  return options;
}

}  // namespace

TEST_CASE("plugin: the sample plugin registers its strategies once, and a second load is refused", "[plugin]") {
  load_sample_plugin();
  CHECK(negsim::is_delegation_policy("holdout"));
  CHECK(negsim::is_chair_policy("median_chair"));
  CHECK_THROWS_WITH(negsim::load_plugin(NEGSIM_SAMPLE_PLUGIN), Catch::Contains("already registered"));
  CHECK_THROWS_WITH(negsim::load_plugin("/nonexistent/plugin.so"), Catch::Contains("cannot load it"));
  // Its chair drafts at the power-weighted median: 0.8 (many, power 5) before few's red line
  // (at most 0.5) is repaired.
  struct FirstDraft final : negsim::TraceSink {
    double value = -1;
    void on_draft(const negsim::State& state, const Eigen::VectorXd* /*previous*/) override {
      if (value < 0) value = state.draft(0);
    }
  } first;
  const auto scenario =
      test_support::scenario_from(test_support::one_red_line, {"process.chair.strategy=median_chair"});
  negsim::Engine engine(scenario, 1, &first);
  engine.step();
  CHECK(first.value == Approx(0.8));
  CHECK(engine.state().draft(0) == Approx(0.5));
}

TEST_CASE("tournament: a plugin strategy and a built-in one in two seats of the 2015 GGE and 2021 OEWG (pinned table)",
          "[tournament][plugin]") {
  load_sample_plugin();
  const auto scenarios = two_cases();
  const auto result = negsim::run_tournament(scenarios, pinned_options(1));
  REQUIRE(result.complete);
  REQUIRE(result.rows.size() == 3 * 2 * 2);
  CHECK(result.rows[0].strategy == "default");
  CHECK(result.rows[0].scenario == "gge-2014-2015");
  CHECK(result.rows[0].seat == "russia");
  // The holdout blocks the 2021 OEWG from either seat; the built-in sincere agent does not.
  for (const auto& row : result.rows) {
    if (row.scenario != "oewg-2019-2021") continue;
    CHECK(row.agreements == (row.strategy == "holdout" ? 0 : 20));
  }
  // The per-strategy summary pools the strategy's rows: its counts are their sums.
  REQUIRE(result.summary.size() == 3);
  for (const auto& summary : result.summary) {
    std::int64_t runs = 0, agreements = 0, objected = 0, blocked = 0;
    double utility = 0;
    for (const auto& row : result.rows) {
      if (row.strategy != summary.strategy) continue;
      runs += row.runs;
      agreements += row.agreements;
      objected += row.objected;
      blocked += row.blocked;
      utility += row.mean_utility * static_cast<double>(row.runs);
    }
    INFO(summary.strategy);
    CHECK(summary.runs == 80);
    CHECK(summary.runs == runs);
    CHECK(summary.agreements == agreements);
    CHECK(summary.objected == objected);
    CHECK(summary.blocked == blocked);
    CHECK(summary.mean_utility == Approx(utility / static_cast<double>(runs)));
    CHECK(summary.utility_interval.low <= summary.mean_utility);
    CHECK(summary.utility_interval.high >= summary.mean_utility);
  }
  // The holdout's utility varies over its seats: a bootstrap interval of some width.
  CHECK(result.summary[1].utility_interval.high - result.summary[1].utility_interval.low > 0.05);
  const std::string csv = negsim::tournament_csv(result);
  check_pinned(csv, "tests/golden/tournament-gge2015-oewg2021.csv");
  check_pinned(negsim::tournament_table(result).substr(0, negsim::tournament_table(result).find("\nPer scenario")),
               "tests/golden/tournament-gge2015-oewg2021-summary.txt");
  // The same table on two threads.
  CHECK(negsim::tournament_csv(negsim::run_tournament(scenarios, pinned_options(2))) == csv);
  // The "default" rows are the sweep's own statistics of the unchanged scenario.
  for (const auto& row : result.rows) {
    if (row.strategy != "default") continue;
    const auto& scenario = scenarios[row.scenario == "gge-2014-2015" ? 0 : 1];
    INFO(row.scenario << " " << row.seat);
    negsim::ReplicateOptions replicate;
    replicate.master_seed = 7;
    replicate.replicates = 20;
    replicate.sample_uncertainty = false;
    const auto statistics = negsim::run_replicates(scenario, replicate);
    std::int64_t adopted = 0;
    for (negsim::OutcomeKind kind : negsim::all_outcome_kinds) {
      if (negsim::is_adopted(kind)) adopted += statistics.outcome_counts[static_cast<std::size_t>(kind)];
    }
    CHECK(row.agreements == adopted);
    CHECK(row.objected == statistics.objected[static_cast<std::size_t>(scenario.find_delegation(row.seat))]);
  }
}

TEST_CASE("tournament: the command with --plugin, --format json, and its refusals", "[tournament][plugin][cli]") {
  const fs::path directory = fs::temp_directory_path() / ("negsim-tournament-" + std::to_string(getpid()));
  fs::remove_all(directory);
  const std::string command = negsim_binary() + " --plugin " + quoted(NEGSIM_SAMPLE_PLUGIN) + " tournament " +
                              quoted(source_path("scenarios/history/gge-2014-2015.yaml")) +
                              " --strategy holdout,concession --seat russia --seeds 5 -j 2 --format json --out " +
                              quoted((directory / "out").string());
  const auto result = run_command(command);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto json = nlohmann::json::parse(result.output.substr(result.output.find('{')));
  REQUIRE(json["rows"].size() == 2);
  CHECK(json["rows"][0]["strategy"] == "holdout");
  CHECK(json["rows"][0]["runs"] == 5);
  CHECK(fs::exists(directory / "out" / ".negsim-output"));
  CHECK(fs::exists(directory / "out" / "tournament.csv"));
  CHECK(read_text((directory / "out" / "tournament.json").string()).find("\"holdout\"") != std::string::npos);
  // Its report page: the table, each rate with its interval, nothing fetched.
  const auto report = run_command(negsim_binary() + " report " + quoted((directory / "out").string()));
  REQUIRE(report.exit_code == 0);
  const std::string page = read_text((directory / "out" / "report.html").string());
  CHECK_THAT(page, Catch::Contains("<h1>Tournament</h1>") && Catch::Contains("<td>holdout</td>") &&
                       Catch::Contains(">russia</td>") && Catch::Contains("× 5 seeds each"));
  CHECK(page.find("http") == std::string::npos);

  // A directory negsim did not write is never replaced, --force or not.
  fs::create_directories(directory / "mine");
  const auto refused =
      run_command(negsim_binary() + " tournament " + quoted(source_path("scenarios/history/gge-2014-2015.yaml")) +
                  " --seat russia --seeds 2 --force --out " + quoted((directory / "mine").string()));
  CHECK(refused.exit_code == 2);
  CHECK(fs::is_empty(directory / "mine"));
  // An unknown strategy (the plugin not loaded) and an unknown seat: usage errors.
  const auto unknown =
      run_command(negsim_binary() + " tournament " + quoted(source_path("scenarios/history/gge-2014-2015.yaml")) +
                  " --strategy holdout --seeds 2 --out " + quoted((directory / "x").string()));
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.output, Catch::Contains("--strategy holdout: no such strategy"));
  const auto seat =
      run_command(negsim_binary() + " tournament " + quoted(source_path("scenarios/history/gge-2014-2015.yaml")) +
                  " --seat atlantis --seeds 2 --out " + quoted((directory / "y").string()));
  CHECK(seat.exit_code == 2);
  CHECK_THAT(seat.output, Catch::Contains("no delegation 'atlantis'"));
  // A scenario naming a plugin's strategy without --plugin: file, line, column and key, exit 2.
  test_support::write(directory / "holdout.yaml", R"(title: T
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: x, power: 1, positions: {a: 0.5}, agent: {model: holdout}}
  - {id: y, power: 1, positions: {a: 0.5}}
)");
  const auto unregistered =
      run_command(negsim_binary() + " run --no-write " + quoted((directory / "holdout.yaml").string()));
  CHECK(unregistered.exit_code == 2);
  CHECK_THAT(unregistered.output, Catch::Contains("holdout.yaml:5:") && Catch::Contains("delegations[0].agent.model"));
  const auto registered =
      run_command(negsim_binary() + " run --no-write " + quoted((directory / "holdout.yaml").string()) + " --plugin " +
                  quoted(NEGSIM_SAMPLE_PLUGIN));
  CHECK(registered.exit_code == 0);
  const auto missing = run_command(negsim_binary() + " --plugin /nonexistent.so run --no-write " +
                                   quoted((directory / "holdout.yaml").string()));
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.output, Catch::Contains("--plugin /nonexistent.so: cannot load it"));
  fs::remove_all(directory);
}

TEST_CASE(
    "tournament over the historical library: the plugin's holdout in every seat of every recorded case "
    "(pinned table)",
    "[tournament][plugin][history]") {
  load_sample_plugin();
  std::vector<negsim::Scenario> scenarios;
  for (const auto& file : negsim::find_scenario_files(source_path("scenarios/history"))) {
    if (file.find("/what-if/") != std::string::npos) continue;  // predictions, not records
    scenarios.push_back(negsim::load_scenario_file(file));
  }
  REQUIRE(scenarios.size() >= 12);
  negsim::TournamentOptions options;
  options.strategies = {"default", "holdout"};
  options.seeds = 1;  // the fitted perception noise is 0: one replicate is the case's run
  options.master_seed = 1;
  options.threads = 2;
  const auto result = negsim::run_tournament(scenarios, options);
  REQUIRE(result.complete);
  std::size_t seats = 0;
  for (const auto& scenario : scenarios) seats += static_cast<std::size_t>(scenario.delegation_count());
  REQUIRE(result.rows.size() == 2 * seats);
  // The default agent in every seat is the case as the library plays it: the 2017 GGE fails
  // from every seat, the 2021 OEWG adopts from every seat. The holdout, seated in Russia's
  // chair in 2021, blocks it.
  for (const auto& row : result.rows) {
    if (row.scenario == "gge-2016-2017") CHECK(row.agreements == 0);
    if (row.scenario == "oewg-2019-2021" && row.strategy == "default") CHECK(row.agreements == 1);
    if (row.scenario == "oewg-2019-2021" && row.strategy == "holdout" && row.seat == "russia") {
      CHECK(row.agreements == 0);
    }
  }
  check_pinned(negsim::tournament_csv(result), "tests/golden/tournament-library.csv");
}

TEST_CASE("tournament: the percentile bootstrap interval of a mean is deterministic and sound", "[tournament]") {
  // 400 draws of a skewed variable (exponential, mean 1, sd 1): the interval should lie near
  // mean +- 1.96 / sqrt(400) = mean +- 0.098.
  negsim::Random random(11);
  std::vector<double> values(400);
  double sum = 0;
  for (double& value : values) {
    value = -std::log(1.0 - random.uniform());
    sum += value;
  }
  const double mean = sum / 400;
  const auto interval = negsim::bootstrap_mean_interval(values, 5, 1);
  CHECK(interval.low < mean);
  CHECK(interval.high > mean);
  CHECK(interval.high - interval.low == Approx(2 * 0.098).epsilon(0.25));
  // The same seed and key: the same bytes; another key or seed: other resamples.
  const auto again = negsim::bootstrap_mean_interval(values, 5, 1);
  CHECK(again.low == interval.low);
  CHECK(again.high == interval.high);
  const auto other = negsim::bootstrap_mean_interval(values, 5, 2);
  CHECK((other.low != interval.low || other.high != interval.high));
  CHECK(negsim::bootstrap_mean_interval(values, 6, 1).low != interval.low);
  // Nothing to resample: the value itself.
  CHECK(negsim::bootstrap_mean_interval({0.3, 0.3, 0.3}, 5, 1).low == 0.3);
  CHECK(negsim::bootstrap_mean_interval({0.7}, 5, 1).high == 0.7);
  CHECK(negsim::bootstrap_mean_interval({}, 5, 1).high == 0.0);
}

TEST_CASE(
    "tournament report: the library's page has the per-strategy summary first, each scenario's seats in a "
    "section, plurals agreed, and the terminal's renderings",
    "[tournament][plugin][report][cli]") {
  const fs::path directory = fs::temp_directory_path() / ("negsim-tournament-page-" + std::to_string(getpid()));
  fs::remove_all(directory);
  // Two cases of the library, every seat, one seed: the library tournament's shape.
  const auto run =
      run_command(negsim_binary() + " --plugin " + quoted(NEGSIM_SAMPLE_PLUGIN) + " tournament " +
                  quoted(source_path("scenarios/history/gge-2014-2015.yaml")) + " " +
                  quoted(source_path("scenarios/history/oewg-2019-2021.yaml")) +
                  " --strategy default,holdout --seeds 1 -j 2 --out " + quoted((directory / "out").string()));
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Catch::Contains("2 strategies x 44 seats x 1 seed each") &&
                             Catch::Contains("Per strategy, pooled over 44 seats in 2 scenarios:") &&
                             Catch::Contains("\nPer scenario and seat:\n") && !Catch::Contains("1 seeds"));
  REQUIRE(run_command(negsim_binary() + " report " + quoted((directory / "out").string())).exit_code == 0);
  const std::string page = read_text((directory / "out" / "report.html").string());
  CHECK_THAT(page, Catch::Contains("2 strategies × 44 seats in 2 scenarios × 1 seed each") &&
                       !Catch::Contains("1 seeds") && !Catch::Contains("1 seats"));
  // The summary before the detail; the detail in one section per scenario, the one where the
  // holdout changes the outcome open (88 rows: a long table).
  const auto summary_at = page.find("<h2>Per strategy</h2>");
  const auto detail_at = page.find("<h2>Per scenario</h2>");
  REQUIRE(summary_at != std::string::npos);
  REQUIRE(detail_at != std::string::npos);
  CHECK(summary_at < detail_at);
  CHECK_THAT(page, Catch::Contains("<details><summary><span class=\"id\">gge-2014-2015</span> · 20 seats") &&
                       Catch::Contains("<details open><summary><span class=\"id\">oewg-2019-2021</span> · 24 seats"));
  // Fixed columns that fit 1400 px, every cell on one line.
  CHECK_THAT(page, Catch::Contains("table.measured{table-layout:fixed;width:1250px}"));
  // One value, one rendering: each summary number as the terminal prints it.
  const auto json = nlohmann::json::parse(read_text((directory / "out" / "tournament.json").string()));
  REQUIRE(json["summary"].size() == 2);
  for (const auto& row : json["summary"]) {
    const std::string agreement = negsim::format_percent(row["agreement_rate"].get<double>()) + " [" +
                                  negsim::format_percent(row["agreement_interval"][0].get<double>()) + ", " +
                                  negsim::format_percent(row["agreement_interval"][1].get<double>()) + "]";
    const std::string utility = negsim::format_decimal(row["mean_utility"].get<double>(), 3) + " [" +
                                negsim::format_decimal(row["utility_interval"][0].get<double>(), 3) + ", " +
                                negsim::format_decimal(row["utility_interval"][1].get<double>(), 3) + "]";
    INFO(agreement << " " << utility);
    CHECK_THAT(run.output, Catch::Contains(agreement) && Catch::Contains(utility));
    CHECK_THAT(page,
               Catch::Contains("</svg> " + agreement + "</td>") && Catch::Contains("</svg> " + utility + "</td>"));
  }
  fs::remove_all(directory);
}
