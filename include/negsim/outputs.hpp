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
// An outcome kind as a person reads it ("consensus_with_dissociations": "Adopted by consensus, with
// dissociations"); a name it does not know stays as it is.
std::string outcome_label(const std::string& kind);
// The note under a historical title, which tells the record, when a run ended otherwise or was
// stopped (the same sentence in the terminal and the report); kinds as summary.json spells them.
std::string record_note(const std::string& recorded_kind, const std::string& run_kind, bool interrupted);

// Every run and sweep directory negsim writes holds this file; --force replaces only a
// directory that has it.
inline constexpr const char* output_marker = ".negsim-output";

// A directory that appears whole or not at all: files are written into a hidden temporary
// directory beside `target` (.NAME.tmp-PID-N), renamed into place by commit(), and removed if
// never committed (an error, an exception, an interruption). Throws RunError.
//
// The target is claimed when this is constructed, before any work: a hidden directory
// .NAME.claim is made beside it (atomically, so of two processes one fails at once, UsageError,
// exit 2) holding a marker with this process's id. An existing target is refused (UsageError)
// unless `replace` is set and it is negsim's own output (never ., .., /, the home directory or
// an ancestor of the working directory). With `unique_name`, a taken target gets the first free
// suffix -2, -3, ... instead (default run directories); target() says which. Staging and
// claim directories left by dead processes (kill -9) in the same parent are removed first.
// commit() moves the old directory aside, renames the new one into place and only then deletes
// the old one, so a failure leaves the old results intact.
class StagedDirectory {
 public:
  StagedDirectory(const std::string& target, bool replace, bool unique_name = false);
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
  void claim(bool replace, bool unique_name);
  std::string target_;
  std::string staging_;
  std::string claim_;  // .NAME.claim beside the target, held until commit or destruction
  bool committed_ = false;
};

// Removes, from `parent`, staging directories (.NAME.tmp-PID-N, .NAME.old-PID-N) and claims
// (.NAME.claim) left by negsim processes of this host that are no longer running. Returns the
// paths removed. Never touches anything without negsim's marker.
std::vector<std::string> remove_stale_outputs(const std::string& parent);

// Writes `files` (name -> content) into `directory` atomically: everything goes to a hidden
// temporary directory beside it that is renamed into place at the end. Throws RunError, or
// UsageError when the directory exists and may not be replaced (see StagedDirectory). Returns
// the directory written (with `unique_name`, perhaps with a suffix).
std::string write_directory_atomically(const std::string& directory, const std::map<std::string, std::string>& files,
                                       bool replace, bool unique_name = false);

// results/<scenario id>/<prefix><timestamp>-seed<seed>[-N]: a directory name that did not
// exist when asked (prefix "" for runs, "sweep-" for sweeps). Claim it with StagedDirectory's
// unique_name, which adds a suffix if another process took it meanwhile. A scenario id that
// is not a plain name (".." from a file named "...yaml") cannot leave results_root: it is
// prefixed with "_".
std::string new_run_directory(const std::string& results_root, const std::string& scenario_id, std::uint64_t seed,
                              const std::string& prefix = "");

std::string sha256_file_hex(const std::string& path);
std::string negsim_version();
std::string negsim_git_commit();

}  // namespace negsim
