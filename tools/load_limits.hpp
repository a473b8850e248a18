// The --max-* options shared by the commands that load scenarios: each raises or lowers one of
// the loader's resource limits (negsim::LoadLimits, documented in docs/SCENARIO_FORMAT.md).
#pragma once

#include <boost/program_options.hpp>
#include <climits>
#include <string>

#include "negsim/scenario.hpp"

namespace negsim::cli {

// Values as given on the command line: wide and signed, so that "-1" is caught here rather
// than wrapped around by an unsigned conversion.
struct LimitOptions {
  long long max_file_size = static_cast<long long>(LoadLimits{}.max_file_bytes);
  long long max_delegations = LoadLimits{}.max_delegations;
  long long max_issues = LoadLimits{}.max_issues;
  long long max_blocs = LoadLimits{}.max_blocs;
  long long max_rounds = LoadLimits{}.max_rounds;
  long long max_depth = LoadLimits{}.max_flow_depth;
  long long max_nodes = LoadLimits{}.max_nodes;

  boost::program_options::options_description describe() {
    namespace po = boost::program_options;
    po::options_description options("Resource limits (a file over one is refused, exit 2)");
    options.add_options()("max-file-size", po::value<long long>(&max_file_size)->default_value(max_file_size),
                          "largest scenario file, in bytes (the scenario and its included files together)")(
        "max-delegations", po::value<long long>(&max_delegations)->default_value(max_delegations), "most delegations")(
        "max-issues", po::value<long long>(&max_issues)->default_value(max_issues), "most issues")(
        "max-blocs", po::value<long long>(&max_blocs)->default_value(max_blocs), "most blocs")(
        "max-rounds", po::value<long long>(&max_rounds)->default_value(max_rounds),
        "largest process.max_rounds (and --rounds)")(
        "max-depth", po::value<long long>(&max_depth)->default_value(max_depth),
        "deepest nesting in the YAML, [ and { or indentation (at most 1000)")(
        "max-nodes", po::value<long long>(&max_nodes)->default_value(max_nodes, "derived"),
        "most YAML nodes in the scenario and its included files together, aliases counted each time they are "
        "used (default: derived from --max-delegations, --max-issues and --max-blocs)");
    return options;
  }

  // Throws po::error (a usage error, exit 2) for a limit below 1 or too large to hold.
  LoadLimits limits() const {
    auto checked = [](const char* name, long long value, long long high) {
      if (value < 1 || value > high) {
        throw boost::program_options::error(std::string("--") + name + " must be between 1 and " +
                                            std::to_string(high) + ", not " + std::to_string(value));
      }
      return value;
    };
    LoadLimits limits;
    limits.max_file_bytes = static_cast<std::size_t>(checked("max-file-size", max_file_size, LLONG_MAX));
    limits.max_delegations = static_cast<int>(checked("max-delegations", max_delegations, INT_MAX));
    limits.max_issues = static_cast<int>(checked("max-issues", max_issues, INT_MAX));
    limits.max_blocs = static_cast<int>(checked("max-blocs", max_blocs, INT_MAX));
    limits.max_rounds = static_cast<int>(checked("max-rounds", max_rounds, INT_MAX));
    limits.max_flow_depth = static_cast<int>(checked("max-depth", max_depth, max_document_depth));
    // 0, the default, leaves the node limit to be derived (negsim::node_limit).
    limits.max_nodes = max_nodes == 0 ? 0 : static_cast<int>(checked("max-nodes", max_nodes, INT_MAX));
    return limits;
  }
};

}  // namespace negsim::cli
