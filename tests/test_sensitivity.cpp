// negsim sensitivity: Sobol indices against a case whose answer is known, determinism, the
// stated cost, and bad input.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "negsim/errors.hpp"
#include "negsim/scenario.hpp"
#include "negsim/sensitivity.hpp"
#include "test_support.hpp"

using namespace test_support;

namespace {

const std::string teaching = source_path("scenarios/teaching/three-delegations.yaml");

// South blocks exactly when its outside option is above what the text is worth to it (about
// 0.98 here, without noise): the outcome depends on that number alone. North's susceptibility
// does nothing in a room without blocs.
negsim::Scenario one_factor_decides() {
  return negsim::load_scenario_file(
      teaching, {"process.noise=0", "delegations.south.outside_option={value: 0.98, range: [0.95, 1]}",
                 "delegations.north.susceptibility={value: 0.5, range: [0, 1]}"});
}

const negsim::SensitivityOutput& output_named(const negsim::SensitivityResult& result, const std::string& name) {
  for (const auto& output : result.outputs) {
    if (output.name == name) return output;
  }
  FAIL("no output " << name);
  return result.outputs.front();
}

}  // namespace

TEST_CASE("sensitivity: one number decides: its indices are 1, the inert one's are 0", "[sensitivity]") {
  const negsim::Scenario scenario = one_factor_decides();
  REQUIRE(scenario.uncertainties.size() == 2);
  negsim::SensitivityOptions options;
  options.samples = 2000;
  options.bootstrap = 200;
  options.threads = 2;
  const auto result = negsim::run_sensitivity(scenario, options);
  REQUIRE(result.runs == 2000 * 4);
  // In the order of the file: north's number first.
  REQUIRE(result.factors ==
          std::vector<std::string>{"delegations.north.susceptibility", "delegations.south.outside_option"});
  const auto& blocked = output_named(result, "outcome=no_consensus");
  // Both outcomes occur, in neither extreme share.
  CHECK(blocked.mean > 0.2);
  CHECK(blocked.mean < 0.8);
  REQUIRE(blocked.indices.size() == 2);
  const auto& decisive = blocked.indices[1];
  const auto& inert = blocked.indices[0];
  CHECK(decisive.total == Approx(1.0).margin(0.1));
  CHECK(decisive.first_order == Approx(1.0).margin(0.1));
  CHECK(decisive.total_low <= decisive.total);
  CHECK(decisive.total <= decisive.total_high);
  CHECK(decisive.first_low <= decisive.first_order);
  CHECK(decisive.first_order <= decisive.first_high);
  // Changing the inert number changes no run at all: exactly zero.
  CHECK(inert.total == 0.0);
  CHECK(inert.first_order == 0.0);
  // Outcomes that never happen have no variance and no indices.
  CHECK(output_named(result, "outcome=vote").indices.empty());
  // The ranking puts the decisive number first.
  const std::string table = negsim::sensitivity_table(scenario, result);
  CHECK(table.find("1     delegations.south.outside_option") != std::string::npos);
}

TEST_CASE("sensitivity: an additive model of two numbers splits the variance", "[sensitivity]") {
  // Each of South's and East's outside options blocks on its own: the indices of both are
  // positive, and the total of each is at least its first-order index (within noise).
  const negsim::Scenario scenario = negsim::load_scenario_file(
      teaching, {"process.noise=0", "delegations.south.outside_option={value: 0.98, range: [0.95, 1]}",
                 "delegations.east.outside_option={value: 0.5, range: [0.3, 1]}"});
  negsim::SensitivityOptions options;
  options.samples = 1000;
  options.bootstrap = 100;
  const auto result = negsim::run_sensitivity(scenario, options);
  const auto& adopted = output_named(result, "adopted");
  REQUIRE(adopted.indices.size() == 2);
  for (const auto& index : adopted.indices) {
    CHECK(index.total > 0.05);
    CHECK(index.total + 0.1 >= index.first_order);
  }
}

TEST_CASE("sensitivity: an outcome and its complement get the same indices", "[sensitivity]") {
  // With consensus and no consensus the only endings, P(adopted) = 1 - P(no consensus): the true
  // indices are equal, and so must the estimates be (a table showing two first-order values for
  // one question contradicts itself).
  const negsim::Scenario scenario = negsim::load_scenario_file(
      teaching, {"process.noise=0", "delegations.south.outside_option={value: 0.98, range: [0.95, 1]}",
                 "delegations.east.outside_option={value: 0.5, range: [0.3, 1]}"});
  negsim::SensitivityOptions options;
  options.samples = 300;
  options.bootstrap = 50;
  const auto result = negsim::run_sensitivity(scenario, options);
  const auto& adopted = output_named(result, "adopted");
  const auto& blocked = output_named(result, "outcome=no_consensus");
  REQUIRE(adopted.mean + blocked.mean == Approx(1.0));
  REQUIRE(adopted.indices.size() == blocked.indices.size());
  for (std::size_t i = 0; i < adopted.indices.size(); ++i) {
    CHECK(adopted.indices[i].first_order == Approx(blocked.indices[i].first_order).margin(1e-12));
    CHECK(adopted.indices[i].total == Approx(blocked.indices[i].total).margin(1e-12));
  }
}

TEST_CASE("sensitivity: the same seed gives the same bytes on 1 thread or many", "[sensitivity]") {
  const negsim::Scenario scenario = one_factor_decides();
  negsim::SensitivityOptions options;
  options.samples = 300;
  options.bootstrap = 50;
  options.objectors = {"south"};
  options.threads = 1;
  const auto one = negsim::run_sensitivity(scenario, options);
  options.threads = 3;
  const auto three = negsim::run_sensitivity(scenario, options);
  CHECK(negsim::sensitivity_json(scenario, one, options).dump() ==
        negsim::sensitivity_json(scenario, three, options).dump());
  CHECK(negsim::sensitivity_csv(one) == negsim::sensitivity_csv(three));
  CHECK(negsim::sensitivity_csv(one).find("objects=south") != std::string::npos);
  options.master_seed = 2;
  CHECK(negsim::sensitivity_csv(negsim::run_sensitivity(scenario, options)) != negsim::sensitivity_csv(one));
}

TEST_CASE("sensitivity: the inverse normal CDF", "[sensitivity]") {
  CHECK(negsim::inverse_normal(0.5) == Approx(0.0).margin(1e-12));
  CHECK(negsim::inverse_normal(0.975) == Approx(1.959963984540054).epsilon(1e-10));
  CHECK(negsim::inverse_normal(0.025) == Approx(-1.959963984540054).epsilon(1e-10));
}

TEST_CASE("negsim sensitivity: cost up front, same directory bytes, bad input exits 2", "[sensitivity][cli]") {
  const auto directory = temporary_directory("sensitivity");
  const std::string base = negsim_binary() + " sensitivity " + teaching +
                           " --set process.noise=0 --vary delegations.south.outside_option=0.95:1"
                           " --vary delegations.north.susceptibility=0:1 --samples 200 --bootstrap 50";
  const auto cost = run_command(base + " --cost");
  CHECK(cost.exit_code == 0);
  CHECK(cost.output.find("N x (d + 2) = 200 x (2 + 2) = 800 runs") != std::string::npos);

  const auto one = run_command(base + " --threads 1 --out " + (directory / "one").string());
  REQUIRE(one.exit_code == 0);
  CHECK(one.output.find("negsim sensitivity: N x (d + 2) = 200 x (2 + 2) = 800 runs") == 0);
  CHECK(one.output.find("P(outcome=no_consensus)") != std::string::npos);
  const auto two = run_command(base + " --threads 2 --quiet --out " + (directory / "two").string());
  REQUIRE(two.exit_code == 0);
  for (const char* name : {"summary.json", "indices.csv"}) {
    CHECK(read_text((directory / "one" / name).string()) == read_text((directory / "two" / name).string()));
  }
  CHECK(std::filesystem::exists(directory / "one" / ".negsim-output"));
  // negsim report charts a sensitivity directory: one chart per output that varied.
  const auto page = (directory / "report.html").string();
  const auto report = run_command(negsim_binary() + " report " + (directory / "one").string() + " -o " + page);
  REQUIRE(report.exit_code == 0);
  const std::string html = read_text(page);
  CHECK(html.find("negsim report · sensitivity") != std::string::npos);
  CHECK(html.find("id=\"chart-sensitivity-0\"") != std::string::npos);
  CHECK(html.find("delegations.south.outside_option") != std::string::npos);

  // A directory negsim did not write is never replaced, even with --force.
  std::filesystem::create_directories(directory / "mine");
  const auto refused = run_command(base + " --force --out " + (directory / "mine").string());
  CHECK(refused.exit_code == 2);
  // No uncertain number, a grid instead of a range, an unknown objector, a bad override.
  const auto none = run_command(negsim_binary() + " sensitivity " + teaching + " --cost");
  CHECK(none.exit_code == 2);
  CHECK(none.output.find("declares no uncertain number") != std::string::npos);
  // Another key set twice (--set and --vary).
  const auto twice = run_command(base + " --vary process.noise=0:1 --cost");
  CHECK(twice.exit_code == 2);
  const auto grid = run_command(base + " --vary delegations.east.power=1:2:3 --cost");
  CHECK(grid.exit_code == 2);
  CHECK(grid.output.find("key.path=low:high") != std::string::npos);
  const auto unknown = run_command(base + " --objector nobody --cost");
  CHECK(unknown.exit_code == 2);
  const auto bad_key = run_command(base + " --vary delegations.nobody.power=1:2 --cost");
  CHECK(bad_key.exit_code == 2);
  CHECK(bad_key.output.find("nobody") != std::string::npos);
  const auto bad_samples = run_command(base + " --samples 1 --cost");
  CHECK(bad_samples.exit_code == 2);
  std::filesystem::remove_all(directory);
}
