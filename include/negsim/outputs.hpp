// What a run leaves behind (results/<scenario>/<run-id>/): trace.jsonl, rounds.csv,
// summary.json, meta.json, draft.md; plus the short summary printed on the terminal.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "negsim/engine.hpp"
#include "negsim/trace.hpp"

namespace negsim {

struct RunOptions {
  std::uint64_t seed = 1;
  std::vector<std::string> overrides;  // --set expressions, in order
  bool sampled = false;                // --sample: uncertainty drawn with the seed
  int rounds_override = 0;             // --rounds, 0 when not given
};

// The outcome as data: what summary.json holds.
nlohmann::ordered_json summary_json(const Scenario& scenario, const Outcome& outcome, std::uint64_t seed);
// Provenance: version, commit, scenario hash, seed, options, timings.
nlohmann::ordered_json meta_json(const Scenario& scenario, const RunOptions& options, double wall_seconds);
// The final (or last) draft as text, one paragraph per issue.
std::string draft_markdown(const Scenario& scenario, const Outcome& outcome);
// A few lines for a person: outcome, who objected to what, where the trace went.
std::string text_summary(const Scenario& scenario, const Outcome& outcome, const std::string& output_dir);

// A directory that appears whole or not at all: files are written into a hidden temporary
// directory beside `target`, renamed into place by commit(), and removed if never committed
// (an error, an exception, an interruption). Throws RunError.
class StagedDirectory {
 public:
  StagedDirectory(std::string target, bool replace);
  ~StagedDirectory();
  StagedDirectory(const StagedDirectory&) = delete;
  StagedDirectory& operator=(const StagedDirectory&) = delete;

  std::string path_of(const std::string& name) const;  // where to write `name` before commit
  void write(const std::string& name, const std::string& content);
  // For a file written as a run goes (a streamed trace): open() it, check() it now and then,
  // and close() it before commit. check() and close() throw RunError naming the file when a
  // write failed (a full disk).
  std::ofstream open(const std::string& name) const;
  void check(const std::ofstream& stream, const std::string& name) const;
  void close(std::ofstream& stream, const std::string& name) const;
  void commit();
  const std::string& target() const { return target_; }

 private:
  std::string target_;
  std::string staging_;
  bool replace_;
  bool committed_ = false;
};

// Writes `files` (name -> content) into `directory` atomically: everything goes to a hidden
// temporary directory beside it that is renamed into place at the end. Throws RunError.
// The directory must not exist yet unless `replace` is set.
void write_directory_atomically(const std::string& directory, const std::map<std::string, std::string>& files,
                                bool replace);

// results/<scenario id>/<prefix><timestamp>-seed<seed>[-N]: a new directory name that does not
// exist yet (prefix "" for runs, "sweep-" for sweeps).
std::string new_run_directory(const std::string& results_root, const std::string& scenario_id, std::uint64_t seed,
                              const std::string& prefix = "");

std::string sha256_file_hex(const std::string& path);
std::string negsim_version();
std::string negsim_git_commit();

}  // namespace negsim
