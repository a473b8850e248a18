// What-if grids: `--vary key.path=v1,v2,...` or `--vary key.path=low:high:steps`, combined as a
// cartesian product of cells; each cell is the scenario with those values set (validated like
// the file). Also the sweep's outputs: cells.csv and summary.json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "negsim/scenario.hpp"
#include "negsim/sweep.hpp"

namespace negsim {

struct VaryAxis {
  std::string key_path;
  std::vector<std::string> values;  // as YAML text, e.g. "consensus", "0.25"
};

// Parses one --vary expression; throws InputError naming the option on a bad one.
VaryAxis parse_vary(const std::string& expression);

// `path` (a --set or --vary key) with every delegation, bloc and issue named by its id, as
// `scenario` (loaded from the file) lists them: delegations[2].power and
// delegations.russia.power name one value and both read delegations.russia.power. Other list
// items keep their [index]. Used to find two options that set the same value.
std::string canonical_key_path(const Scenario& scenario, const std::string& path);

// Whether one key path is the other or lies inside it (process.chair and
// process.chair.strategy), compared as canonical_key_path writes them.
bool key_paths_overlap(const Scenario& scenario, const std::string& first, const std::string& second);

struct GridCell {
  int index = 0;
  std::vector<std::pair<std::string, std::string>> settings;  // key path, value, in axis order
  std::vector<std::string> overrides() const;                 // "key=value" for the loader
};

// Cartesian product in the order the axes were given, the last axis varying fastest.
// One cell with no settings when there are no axes.
std::vector<GridCell> expand_grid(const std::vector<VaryAxis>& axes);

struct SweepCellResult {
  GridCell cell;
  CellStatistics statistics;
};

struct SweepDescription {
  std::string scenario_id;
  std::string title;
  std::uint64_t master_seed = 1;
  std::uint64_t replicates = 0;  // per cell
  bool sampled = true;
  std::vector<VaryAxis> axes;
};

// cells.csv: one row per cell: settings, outcome shares with 95% Wilson intervals, rounds,
// objection and stand-aside frequency per delegation, mean final utility per bloc.
std::string cells_csv(const Scenario& scenario, const SweepDescription& description,
                      const std::vector<SweepCellResult>& cells);
nlohmann::ordered_json sweep_summary_json(const Scenario& scenario, const SweepDescription& description,
                                          const std::vector<SweepCellResult>& cells);
// A table for the terminal.
std::string sweep_table(const Scenario& scenario, const SweepDescription& description,
                        const std::vector<SweepCellResult>& cells);

}  // namespace negsim
