// The Python module negsim._negsim (pybind11): thin bindings over the library. No model code
// lives here; python/negsim/__init__.py adds the conveniences (pandas, records).
//
// Long work (runs of many replicates, backtests, explanations) releases the GIL, so other
// Python threads run meanwhile and the library's own threads use every core.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "negsim/backtest.hpp"
#include "negsim/engine.hpp"
#include "negsim/errors.hpp"
#include "negsim/explain.hpp"
#include "negsim/grid.hpp"
#include "negsim/outputs.hpp"
#include "negsim/policy.hpp"
#include "negsim/random.hpp"
#include "negsim/scenario.hpp"
#include "negsim/sensitivity.hpp"
#include "negsim/sweep.hpp"
#include "negsim/sweep_run.hpp"
#include "negsim/tournament.hpp"
#include "negsim/trace.hpp"

namespace py = pybind11;

namespace {

using json = nlohmann::ordered_json;

// JSON as Python objects: objects keep their key order (dicts are ordered).
py::object to_python(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return py::none();
    case json::value_t::boolean: return py::bool_(value.get<bool>());
    case json::value_t::number_integer: return py::int_(value.get<std::int64_t>());
    case json::value_t::number_unsigned: return py::int_(value.get<std::uint64_t>());
    case json::value_t::number_float: return py::float_(value.get<double>());
    case json::value_t::string: return py::str(value.get<std::string>());
    case json::value_t::array: {
      py::list list;
      for (const auto& item : value) list.append(to_python(item));
      return std::move(list);
    }
    case json::value_t::object: {
      py::dict dict;
      for (const auto& [key, item] : value.items()) dict[py::str(key)] = to_python(item);
      return std::move(dict);
    }
    default: return py::none();
  }
}

// `set` overrides as the loader takes them: a dict {key: value} or a list of "key=value".
std::vector<std::string> override_expressions(const py::object& overrides) {
  std::vector<std::string> expressions;
  if (overrides.is_none()) return expressions;
  if (py::isinstance<py::dict>(overrides)) {
    for (const auto& [key, value] : overrides.cast<py::dict>()) {
      std::string text;
      if (py::isinstance<py::bool_>(value)) {
        text = value.cast<bool>() ? "true" : "false";
      } else {
        text = py::str(value).cast<std::string>();
      }
      expressions.push_back(py::str(key).cast<std::string>() + "=" + text);
    }
    return expressions;
  }
  if (py::isinstance<py::str>(overrides)) return {overrides.cast<std::string>()};
  for (const auto& item : overrides) expressions.push_back(py::str(item).cast<std::string>());
  return expressions;
}

// A loaded scenario, with what it was loaded from (a sweep reloads it once per grid cell, so
// each cell is validated like the file).
struct LoadedScenario {
  std::string path;
  std::vector<std::string> overrides;
  negsim::Scenario scenario;
};

LoadedScenario load(const std::string& path, const py::object& overrides) {
  LoadedScenario loaded;
  loaded.path = path;
  loaded.overrides = override_expressions(overrides);
  loaded.scenario = negsim::load_scenario_file(path, loaded.overrides);
  return loaded;
}

// One run with its trace kept in memory.
struct RunResult {
  negsim::Scenario scenario;  // as played (sampled when asked)
  std::uint64_t seed = 1;
  negsim::Outcome outcome;
  std::vector<json> events;
  std::string rounds_csv;
};

RunResult run(const LoadedScenario& loaded, std::uint64_t seed, bool sample) {
  RunResult result;
  result.seed = seed;
  result.scenario = sample ? negsim::sample_scenario(loaded.scenario, seed) : loaded.scenario;
  negsim::Trace trace(result.scenario);
  {
    py::gil_scoped_release release;
    negsim::Engine engine(result.scenario, seed, &trace);
    result.outcome = engine.run();
  }
  result.events = trace.events();
  result.rounds_csv = trace.rounds_csv();
  return result;
}

std::vector<std::string> ids_of(const negsim::Scenario& scenario, const std::vector<negsim::ObjectionRecord>& records) {
  std::vector<std::string> ids;
  for (const auto& record : records)
    ids.push_back(scenario.delegations[static_cast<std::size_t>(record.delegation)].id);
  return ids;
}

// rounds.csv as columns of numbers: {column: numpy float64 array}, NaN where a cell is empty.
py::dict round_columns(const std::string& csv) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < csv.size()) {
    const std::size_t end = csv.find('\n', start);
    lines.push_back(csv.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  auto split = [](const std::string& line) {
    std::vector<std::string> fields;
    std::size_t from = 0;
    while (true) {
      const std::size_t comma = line.find(',', from);
      fields.push_back(line.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
      if (comma == std::string::npos) break;
      from = comma + 1;
    }
    return fields;
  };
  py::dict columns;
  if (lines.empty()) return columns;
  const std::vector<std::string> header = split(lines[0]);
  const std::size_t rows = lines.size() - 1;
  std::vector<py::array_t<double>> arrays;
  for (std::size_t c = 0; c < header.size(); ++c) arrays.emplace_back(static_cast<py::ssize_t>(rows));
  for (std::size_t r = 0; r < rows; ++r) {
    const std::vector<std::string> fields = split(lines[r + 1]);
    for (std::size_t c = 0; c < header.size(); ++c) {
      double value = std::nan("");
      if (c < fields.size() && !fields[c].empty()) value = std::strtod(fields[c].c_str(), nullptr);
      arrays[c].mutable_at(static_cast<py::ssize_t>(r)) = value;
    }
  }
  for (std::size_t c = 0; c < header.size(); ++c) columns[py::str(header[c])] = arrays[c];
  return columns;
}

// The settings every parallel call takes (sweep, backtest, tournament), checked as the command
// line checks them: `count` replicates (named `count_name` in errors) of master seed `seed` on
// `threads` threads (0: all cores), sampling declared uncertainty or not. `Options` is a
// SweepJob, ReplicateOptions or TournamentOptions; `count_of` its member for the count.
template <typename Options>
void fill_parallel_options(Options& options, std::uint64_t Options::*count_of, const char* count_name,
                           std::uint64_t count, std::uint64_t seed, int threads, bool sample) {
  if (count < 1) throw negsim::InputError(count_name, 0, 0, "", "must be at least 1");
  if (threads < 0) throw negsim::InputError("threads", 0, 0, "", "must be 0 (all cores) or more");
  options.*count_of = count;
  options.master_seed = seed;
  options.threads = threads;
  options.sample_uncertainty = sample;
}

py::dict sweep(const LoadedScenario& loaded, std::uint64_t replicates, std::uint64_t seed, int threads,
               const std::vector<std::string>& vary, bool sample) {
  negsim::SweepJob job;
  fill_parallel_options(job, &negsim::SweepJob::replicates, "replicates", replicates, seed, threads, sample);
  std::vector<negsim::VaryAxis> axes;
  for (const auto& expression : vary) axes.push_back(negsim::parse_vary(expression));
  const std::vector<negsim::GridCell> cells = negsim::expand_grid(axes);
  for (const auto& cell : cells) {
    std::vector<std::string> cell_overrides = loaded.overrides;
    for (const auto& expression : cell.overrides()) cell_overrides.push_back(expression);
    job.cells.push_back(negsim::load_scenario_file(loaded.path, cell_overrides));
  }
  std::vector<negsim::CellStatistics> statistics;
  {
    py::gil_scoped_release release;
    statistics = negsim::run_sweep(job, negsim::FinishedCells(cells.size()), {});
  }
  negsim::SweepDescription description;
  description.scenario_id = loaded.scenario.id;
  description.title = loaded.scenario.title;
  description.master_seed = seed;
  description.replicates = replicates;
  description.sampled = sample;
  description.axes = axes;
  std::vector<negsim::SweepCellResult> results;
  for (std::size_t c = 0; c < cells.size(); ++c) results.push_back({cells[c], statistics[c]});
  py::dict answer = to_python(negsim::sweep_summary_json(loaded.scenario, description, results));
  answer["table"] = negsim::sweep_table(loaded.scenario, description, results);
  return answer;
}

py::dict backtest(const std::string& directory, std::uint64_t seeds, std::uint64_t seed, int threads, bool sample) {
  negsim::ReplicateOptions options;
  fill_parallel_options(options, &negsim::ReplicateOptions::replicates, "seeds", seeds, seed, threads, sample);
  std::vector<negsim::BacktestResult> results;
  std::vector<std::string> files;
  std::vector<negsim::Scenario> scenarios;
  for (const auto& file : negsim::find_scenario_files(directory)) {
    negsim::Scenario scenario = negsim::load_scenario_file(file);
    if (!scenario.expected.present) continue;
    files.push_back(file);
    scenarios.push_back(std::move(scenario));
  }
  if (scenarios.empty())
    throw negsim::InputError(directory, 1, 1, "", "no scenario with an `expected:` or `predicted:` block here");
  {
    py::gil_scoped_release release;
    for (std::size_t s = 0; s < scenarios.size(); ++s) {
      negsim::BacktestResult result = negsim::run_backtest(scenarios[s], options, files[s]);
      result.name = std::filesystem::path(files[s]).lexically_relative(directory).replace_extension().string();
      results.push_back(std::move(result));
    }
  }
  py::dict answer = to_python(negsim::backtest_json(results));
  answer["table"] = negsim::backtest_table(results);
  return answer;
}

py::dict explain(const LoadedScenario& loaded, std::uint64_t seed, std::uint64_t replicates, int threads) {
  negsim::ExplainOptions options;
  options.seed = seed;
  options.replicates = replicates;
  options.threads = threads;
  negsim::Explanation explanation;
  {
    py::gil_scoped_release release;
    explanation = negsim::explain(loaded.scenario, options);
  }
  py::dict answer = to_python(negsim::explanation_json(loaded.scenario, explanation, options));
  answer["text"] = negsim::explanation_text(loaded.scenario, explanation, options);
  return answer;
}

py::dict sensitivity(const LoadedScenario& loaded, std::uint64_t samples, std::uint64_t seed, int threads,
                     std::uint64_t bootstrap, const std::vector<std::string>& objectors) {
  if (threads < 0) throw negsim::InputError("threads", 0, 0, "", "must be 0 (all cores) or more");
  negsim::SensitivityOptions options;
  options.samples = samples;
  options.master_seed = seed;
  options.threads = threads;
  options.bootstrap = bootstrap;
  options.objectors = objectors;
  negsim::SensitivityResult result;
  {
    py::gil_scoped_release release;
    result = negsim::run_sensitivity(loaded.scenario, options);
  }
  py::dict answer = to_python(negsim::sensitivity_json(loaded.scenario, result, options));
  answer["table"] = negsim::sensitivity_table(loaded.scenario, result);
  return answer;
}

}  // namespace

// Strategies written in Python (docs/PYTHON.md, "A strategy of your own"): an object of the
// registered class per seat per run; each call takes the GIL, so Python strategies run one at a
// time however many threads play (slower than C++: documented).
negsim::Response response_from(const py::object& answer, const std::string& name) {
  const std::string text = py::str(answer).cast<std::string>();
  if (text == "support") return negsim::Response::support;
  if (text == "aside") return negsim::Response::aside;
  if (text == "object") return negsim::Response::object;
  throw negsim::RunError("the Python strategy '" + name + "' answered '" + text.substr(0, 64) +
                         "'; answer \"support\", \"aside\" or \"object\"");
}

class PythonPolicy final : public negsim::DelegationPolicy {
 public:
  PythonPolicy(std::string name, py::object instance) : name_(std::move(name)), instance_(std::move(instance)) {}
  ~PythonPolicy() override {
    py::gil_scoped_acquire gil;
    instance_ = py::object();
  }
  PythonPolicy(const PythonPolicy&) = delete;
  PythonPolicy& operator=(const PythonPolicy&) = delete;

  double support_threshold(const negsim::DelegationView& view) override {
    py::gil_scoped_acquire gil;
    try {
      if (!py::hasattr(instance_, "support_threshold")) return view.parameters().support_max;
      return instance_.attr("support_threshold")(py::cast(&view, py::return_value_policy::reference)).cast<double>();
    } catch (py::error_already_set& error) {
      throw negsim::RunError("the Python strategy '" + name_ + "': " + error.what());
    } catch (const py::cast_error&) {
      throw negsim::RunError("the Python strategy '" + name_ + "': support_threshold must return a number");
    }
  }
  negsim::Response respond(const negsim::DelegationView& view) override {
    py::gil_scoped_acquire gil;
    try {
      return response_from(instance_.attr("respond")(py::cast(&view, py::return_value_policy::reference)), name_);
    } catch (py::error_already_set& error) {
      throw negsim::RunError("the Python strategy '" + name_ + "': " + error.what());
    }
  }
  std::optional<negsim::PolicyAmendment> amend(const negsim::DelegationView& view) override {
    py::gil_scoped_acquire gil;
    try {
      if (!py::hasattr(instance_, "amend")) return std::nullopt;
      const py::object amendment = instance_.attr("amend")(py::cast(&view, py::return_value_policy::reference));
      if (amendment.is_none()) return std::nullopt;
      const auto pair = amendment.cast<std::pair<py::object, double>>();
      int issue = -1;
      if (py::isinstance<py::str>(pair.first)) {
        const std::string id = pair.first.cast<std::string>();
        for (int k = 0; k < view.issue_count(); ++k) {
          if (view.issue(k).id == id) issue = k;
        }
      } else {
        issue = pair.first.cast<int>();
      }
      return negsim::PolicyAmendment{issue, pair.second};
    } catch (py::error_already_set& error) {
      throw negsim::RunError("the Python strategy '" + name_ + "': " + error.what());
    } catch (const py::cast_error&) {
      throw negsim::RunError("the Python strategy '" + name_ + "': amend must return None or (issue, value)");
    }
  }

 private:
  std::string name_;
  py::object instance_;
};

void register_strategy(const std::string& name, const py::object& strategy_class, const std::string& description) {
  if (!PyCallable_Check(strategy_class.ptr()))
    throw negsim::UsageError("register_strategy: the strategy must be a class");
  // The class lives as long as the process: the registry outlives the interpreter's objects.
  PyObject* held = strategy_class.inc_ref().ptr();
  negsim::register_delegation_policy(name, description, [name, held]() -> std::unique_ptr<negsim::DelegationPolicy> {
    py::gil_scoped_acquire gil;
    try {
      py::object instance = py::reinterpret_borrow<py::object>(held)();
      return std::make_unique<PythonPolicy>(name, std::move(instance));
    } catch (py::error_already_set& error) {
      throw negsim::RunError("the Python strategy '" + name + "' could not be made: " + error.what());
    }
  });
}

py::object tournament(const std::vector<LoadedScenario>& loaded, const std::vector<std::string>& strategies,
                      const std::vector<std::string>& seats, std::uint64_t seeds, std::uint64_t seed, int threads,
                      bool sample) {
  negsim::TournamentOptions options;
  fill_parallel_options(options, &negsim::TournamentOptions::seeds, "seeds", seeds, seed, threads, sample);
  options.strategies = strategies;
  options.seats = seats;
  std::vector<negsim::Scenario> scenarios;
  for (const auto& item : loaded) scenarios.push_back(item.scenario);
  json summary;
  {
    py::gil_scoped_release release;
    summary = negsim::tournament_json(negsim::run_tournament(scenarios, options), options);
  }
  return to_python(summary);
}

PYBIND11_MODULE(_negsim, module) {
  module.doc() = "negsim's C++ library; use the package negsim, not this module";

  // negsim's bad-input errors (exit 2 on the command line) as negsim.InputError, a ValueError
  // carrying file, line, column and key; failures while running as negsim.RunError.
  static py::exception<negsim::InputError> input_error(module, "InputError", PyExc_ValueError);
  static py::exception<negsim::RunError> run_error(module, "RunError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr failure) {
    try {
      if (failure) std::rethrow_exception(failure);
    } catch (const negsim::InputError& error) {
      py::object instance = py::reinterpret_borrow<py::object>(input_error)(py::str(error.what()));
      instance.attr("file") = error.file();
      instance.attr("line") = error.line();
      instance.attr("column") = error.column();
      instance.attr("key") = error.key_path();
      instance.attr("message") = error.message();
      PyErr_SetObject(input_error.ptr(), instance.ptr());
    } catch (const negsim::UsageError& error) {
      py::object instance = py::reinterpret_borrow<py::object>(input_error)(py::str(error.what()));
      instance.attr("file") = py::none();
      instance.attr("line") = 0;
      instance.attr("column") = 0;
      instance.attr("key") = "";
      instance.attr("message") = error.what();
      PyErr_SetObject(input_error.ptr(), instance.ptr());
    } catch (const negsim::RunError& error) {
      run_error(error.what());
    }
  });

  py::class_<LoadedScenario>(module, "Scenario")
      .def_property_readonly("path", [](const LoadedScenario& s) { return s.path; })
      .def_property_readonly("overrides", [](const LoadedScenario& s) { return s.overrides; })
      .def_property_readonly("id", [](const LoadedScenario& s) { return s.scenario.id; })
      .def_property_readonly("title", [](const LoadedScenario& s) { return s.scenario.title; })
      .def_property_readonly("delegations",
                             [](const LoadedScenario& s) {
                               std::vector<std::string> ids;
                               for (const auto& delegation : s.scenario.delegations) ids.push_back(delegation.id);
                               return ids;
                             })
      .def_property_readonly("issues",
                             [](const LoadedScenario& s) {
                               std::vector<std::string> ids;
                               for (const auto& issue : s.scenario.issues) ids.push_back(issue.id);
                               return ids;
                             })
      .def_property_readonly("uncertain",
                             [](const LoadedScenario& s) {
                               std::vector<std::string> keys;
                               for (const auto& uncertainty : s.scenario.uncertainties)
                                 keys.push_back(uncertainty.stream_key);
                               return keys;
                             })
      .def_property_readonly("max_rounds", [](const LoadedScenario& s) { return s.scenario.process.max_rounds; })
      .def("__repr__", [](const LoadedScenario& s) { return "<negsim.Scenario " + s.scenario.id + ">"; });

  py::class_<RunResult>(module, "Run")
      .def_property_readonly("seed", [](const RunResult& r) { return r.seed; })
      .def_property_readonly("kind", [](const RunResult& r) { return negsim::to_string(r.outcome.kind); })
      .def_property_readonly("rounds", [](const RunResult& r) { return r.outcome.rounds; })
      .def_property_readonly("decided_round",
                             [](const RunResult& r) -> py::object {
                               if (r.outcome.decided_round < 0) return py::none();
                               return py::int_(r.outcome.decided_round + 1);  // 1-based, as in summary.json
                             })
      .def_property_readonly("objectors", [](const RunResult& r) { return ids_of(r.scenario, r.outcome.objectors); })
      .def_property_readonly("dissociators",
                             [](const RunResult& r) { return ids_of(r.scenario, r.outcome.dissociators); })
      .def_property_readonly(
          "summary", [](const RunResult& r) { return to_python(negsim::summary_json(r.scenario, r.outcome, r.seed)); })
      .def_property_readonly("events",
                             [](const RunResult& r) {
                               py::list records;
                               for (const auto& event : r.events) records.append(to_python(event));
                               return records;
                             })
      .def_property_readonly("round_columns", [](const RunResult& r) { return round_columns(r.rounds_csv); })
      .def_property_readonly("draft_markdown",
                             [](const RunResult& r) { return negsim::draft_markdown(r.scenario, r.outcome); })
      .def("__repr__", [](const RunResult& r) {
        return "<negsim.Run " + negsim::to_string(r.outcome.kind) + " after " + std::to_string(r.outcome.rounds) +
               " rounds>";
      });

  module.def("load", &load, py::arg("path"), py::arg("set") = py::none());
  module.def("run", &run, py::arg("scenario"), py::arg("seed") = 1, py::arg("sample") = false);
  module.def("sweep", &sweep, py::arg("scenario"), py::arg("replicates") = 1000, py::arg("seed") = 1,
             py::arg("threads") = 0, py::arg("vary") = std::vector<std::string>{}, py::arg("sample") = true);
  module.def("backtest", &backtest, py::arg("directory"), py::arg("seeds") = 1000, py::arg("seed") = 1,
             py::arg("threads") = 0, py::arg("sample") = true);
  module.def("explain", &explain, py::arg("scenario"), py::arg("seed") = 1, py::arg("replicates") = 1000,
             py::arg("threads") = 0);
  module.def("sensitivity", &sensitivity, py::arg("scenario"), py::arg("samples") = 1000, py::arg("seed") = 1,
             py::arg("threads") = 0, py::arg("bootstrap") = 500, py::arg("objectors") = std::vector<std::string>{});
  py::class_<negsim::DelegationView>(module, "View", "What a seat sees (valid only during the call it is passed to)")
      .def_property_readonly("round", &negsim::DelegationView::round)
      .def_property_readonly("max_rounds", &negsim::DelegationView::max_rounds)
      .def_property_readonly("self", &negsim::DelegationView::self)
      .def_property_readonly("id", &negsim::DelegationView::id)
      .def_property_readonly("issues",
                             [](const negsim::DelegationView& v) {
                               std::vector<std::string> ids;
                               for (int k = 0; k < v.issue_count(); ++k) ids.push_back(v.issue(k).id);
                               return ids;
                             })
      .def_property_readonly("delegations",
                             [](const negsim::DelegationView& v) {
                               std::vector<std::string> ids;
                               for (int i = 0; i < v.delegation_count(); ++i) ids.push_back(v.delegation_id(i));
                               return ids;
                             })
      .def_property_readonly("draft",
                             [](const negsim::DelegationView& v) {
                               return std::vector<double>(v.draft().data(), v.draft().data() + v.draft().size());
                             })
      .def_property_readonly("utility", &negsim::DelegationView::utility)
      .def_property_readonly("support_threshold", &negsim::DelegationView::support_threshold)
      .def_property_readonly("previous_support_threshold", &negsim::DelegationView::previous_support_threshold)
      .def_property_readonly("blocking_threshold", &negsim::DelegationView::blocking_threshold)
      .def_property_readonly("others_mean_concession", &negsim::DelegationView::others_mean_concession)
      .def_property_readonly("outside_option", &negsim::DelegationView::outside_option)
      .def_property_readonly("power", &negsim::DelegationView::power)
      .def_property_readonly("isolation_cost", &negsim::DelegationView::isolation_cost)
      .def_property_readonly("parameters",
                             [](const negsim::DelegationView& v) {
                               const auto& agent = v.parameters();
                               py::dict values;
                               values["support_max"] = agent.support_max;
                               values["support_min"] = agent.support_min;
                               values["beta"] = agent.beta;
                               values["reciprocity"] = agent.reciprocity;
                               return values;
                             })
      .def("position", &negsim::DelegationView::position, py::arg("issue"))
      .def("initial_position", &negsim::DelegationView::initial_position, py::arg("issue"))
      .def("salience", &negsim::DelegationView::salience, py::arg("issue"))
      .def("red_line_min", &negsim::DelegationView::red_line_min, py::arg("issue"))
      .def("red_line_max", &negsim::DelegationView::red_line_max, py::arg("issue"))
      .def("crosses_red_line", &negsim::DelegationView::crosses_red_line, py::arg("issue"), py::arg("value"))
      .def("has_reservation", &negsim::DelegationView::has_reservation, py::arg("issue"))
      .def(
          "utility_of",
          [](const negsim::DelegationView& v, const std::vector<double>& text) {
            if (static_cast<int>(text.size()) != v.issue_count()) {
              throw negsim::RunError("utility_of takes one value per issue");
            }
            const Eigen::VectorXd values = Eigen::Map<const Eigen::VectorXd>(text.data(), v.issue_count());
            return v.utility_of(values);
          },
          py::arg("text"))
      .def_property_readonly("record_drafts",
                             [](const negsim::DelegationView& v) {
                               std::vector<std::vector<double>> drafts;
                               for (const auto& draft : v.record().drafts)
                                 drafts.emplace_back(draft.data(), draft.data() + draft.size());
                               return drafts;
                             })
      .def_property_readonly("record_responses", [](const negsim::DelegationView& v) {
        std::vector<std::vector<std::string>> rounds;
        for (const auto& responses : v.record().responses) {
          rounds.emplace_back();
          for (auto response : responses) rounds.back().push_back(negsim::to_string(response));
        }
        return rounds;
      });
  module.def("register_strategy", &register_strategy, py::arg("name"), py::arg("strategy"),
             py::arg("description") = "");
  module.def("load_plugin", &negsim::load_plugin, py::arg("path"));
  module.def("strategies", &negsim::delegation_policy_names);
  module.def("tournament", &tournament, py::arg("scenarios"), py::arg("strategies"), py::arg("seats"),
             py::arg("seeds") = 100, py::arg("seed") = 1, py::arg("threads") = 0, py::arg("sample") = false);
  module.def("default_threads", &negsim::default_thread_count);
  module.def("version", &negsim::negsim_version);
}
