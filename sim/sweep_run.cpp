#include "negsim/sweep_run.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "negsim/errors.hpp"

namespace negsim {

using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

std::vector<CellStatistics> run_sweep(const SweepJob& job, FinishedCells finished, const SweepHooks& hooks) {
  finished.resize(job.cells.size());
  std::vector<CellStatistics> results(job.cells.size());
  std::uint64_t done_before = 0;
  for (std::size_t c = 0; c < job.cells.size(); ++c) {
    if (finished[c]) {
      results[c] = *finished[c];
      continue;
    }
    ReplicateOptions options;
    options.master_seed = job.master_seed;
    options.replicates = job.replicates;
    options.sample_uncertainty = job.sample_uncertainty;
    options.threads = job.threads;
    if (hooks.progress) options.progress = [&](std::uint64_t done) { hooks.progress(done_before + done); };
    if (hooks.on_replicate || hooks.record) {
      options.on_replicate = [&, c](std::uint64_t index, const Scenario& played, const Outcome& outcome) {
        if (hooks.on_replicate) hooks.on_replicate(c, index, played, outcome);
        if (hooks.record) {
          std::vector<std::int64_t> values(hooks.record_width);
          hooks.record(c, played, outcome, values.data());
          hooks.on_record(c, index, values.data());
        }
      };
    }
    options.stop = hooks.stop;
    results[c] = run_replicates(job.cells[c], options);
    if (hooks.stop != nullptr && hooks.stop->load() != 0) break;  // that cell is incomplete
    done_before += job.replicates;
    if (hooks.on_cell_finished) hooks.on_cell_finished(c, results[c]);
  }
  return results;
}

// Layout: replicates, the outcome counts, each vector as its length then its values, overall.
std::vector<std::int64_t> statistics_to_integers(const CellStatistics& statistics) {
  std::vector<std::int64_t> values;
  values.push_back(statistics.replicates);
  for (std::int64_t count : statistics.outcome_counts) values.push_back(count);
  for (const auto* list :
       {&statistics.rounds_histogram, &statistics.decided_histogram, &statistics.objected, &statistics.stood_aside,
        &statistics.sole_blocker, &statistics.contested, &statistics.bloc_utility}) {
    values.push_back(static_cast<std::int64_t>(list->size()));
    values.insert(values.end(), list->begin(), list->end());
  }
  values.push_back(statistics.overall_utility);
  return values;
}

CellStatistics statistics_from_integers(const std::int64_t* values, std::size_t count) {
  std::size_t at = 0;
  auto next = [&]() {
    if (at >= count) throw RunError("malformed cell statistics (too short)");
    return values[at++];
  };
  CellStatistics statistics;
  statistics.replicates = next();
  for (auto& outcome_count : statistics.outcome_counts) outcome_count = next();
  for (auto* list :
       {&statistics.rounds_histogram, &statistics.decided_histogram, &statistics.objected, &statistics.stood_aside,
        &statistics.sole_blocker, &statistics.contested, &statistics.bloc_utility}) {
    const std::int64_t size = next();
    if (size < 0 || static_cast<std::size_t>(size) > count - at) throw RunError("malformed cell statistics (length)");
    list->assign(values + at, values + at + size);
    at += static_cast<std::size_t>(size);
  }
  statistics.overall_utility = next();
  if (at != count) throw RunError("malformed cell statistics (too long)");
  return statistics;
}

json statistics_to_json(const CellStatistics& statistics) {
  return {{"replicates", statistics.replicates},
          {"outcome_counts", statistics.outcome_counts},
          {"rounds_histogram", statistics.rounds_histogram},
          {"decided_histogram", statistics.decided_histogram},
          {"objected", statistics.objected},
          {"stood_aside", statistics.stood_aside},
          {"sole_blocker", statistics.sole_blocker},
          {"contested", statistics.contested},
          {"bloc_utility", statistics.bloc_utility},
          {"overall_utility", statistics.overall_utility}};
}

CellStatistics statistics_from_json(const nlohmann::ordered_json& value) {
  try {
    CellStatistics statistics;
    statistics.replicates = value.at("replicates").get<std::int64_t>();
    statistics.outcome_counts = value.at("outcome_counts").get<std::array<std::int64_t, outcome_kind_count>>();
    statistics.rounds_histogram = value.at("rounds_histogram").get<std::vector<std::int64_t>>();
    statistics.decided_histogram = value.at("decided_histogram").get<std::vector<std::int64_t>>();
    statistics.objected = value.at("objected").get<std::vector<std::int64_t>>();
    statistics.stood_aside = value.at("stood_aside").get<std::vector<std::int64_t>>();
    statistics.sole_blocker = value.at("sole_blocker").get<std::vector<std::int64_t>>();
    statistics.contested = value.at("contested").get<std::vector<std::int64_t>>();
    statistics.bloc_utility = value.at("bloc_utility").get<std::vector<std::int64_t>>();
    statistics.overall_utility = value.at("overall_utility").get<std::int64_t>();
    return statistics;
  } catch (const nlohmann::json::exception& error) {
    throw RunError(std::string("malformed cell statistics: ") + error.what());
  }
}

namespace {

[[noreturn]] void refuse(const std::string& file, const std::string& message) {
  throw InputError(file, 1, 1, "", message);
}

}  // namespace

SweepCheckpoint::SweepCheckpoint(const std::string& out_directory, json parameters, std::size_t cell_count, bool resume,
                                 bool replace)
    : directory_(partial_directory(out_directory)), finished_(cell_count) {
  const std::string path = path_of("checkpoint.jsonl");
  std::error_code error;
  parameters["cells"] = cell_count;
  if (resume) {
    std::ifstream in(path, std::ios::binary);
    if (!in) refuse(path, "there is no interrupted sweep to resume here (run without --resume to start one)");
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t start = 0;
    int line_number = 0;
    while (start < content.size()) {
      const std::size_t end = content.find('\n', start);
      // A last line without its newline was cut off by the interruption: that cell is rerun.
      if (end == std::string::npos) break;
      const std::string line = content.substr(start, end - start);
      start = end + 1;
      ++line_number;
      const json value = json::parse(line, nullptr, false);
      if (value.is_discarded())
        throw RunError(path + ":" + std::to_string(line_number) + ": not JSON; the checkpoint is damaged");
      if (line_number == 1) {
        if (value != parameters) {
          refuse(path,
                 "the interrupted sweep was run with different parameters or inputs; resume it with the same "
                 "scenario file and included files (stances, bases), --seed, --replicates, --set, --vary and "
                 "sampling, or start over with --force\n  "
                 "checkpoint: " +
                     value.dump() + "\n  this run:   " + parameters.dump());
        }
        continue;
      }
      const std::size_t cell = value.value("cell", cell_count);
      if (cell >= cell_count) throw RunError(path + ":" + std::to_string(line_number) + ": no such cell");
      // A cell recorded twice is counted once: the first record is complete.
      if (!finished_[cell]) finished_[cell] = statistics_from_json(value.at("statistics"));
    }
    if (line_number == 0) refuse(path, "the checkpoint is empty; start over with --force");
    // Rewrite it without a cut-off last line, so that appended records start on a line of their own.
    std::string kept = content.substr(0, content.rfind('\n') + 1);
    file_.open(path, std::ios::binary | std::ios::trunc);
    file_ << kept;
  } else {
    if (fs::exists(directory_, error)) {
      if (!replace) {
        throw RunError("an interrupted sweep is in " + directory_ +
                       "; continue it with --resume, or start over with --force");
      }
      // Only a checkpoint directory negsim made: --force must not delete anything else.
      if (!fs::is_directory(fs::symlink_status(directory_, error)) ||
          !fs::is_regular_file(fs::symlink_status(path, error))) {
        throw UsageError("will not replace " + directory_ + ": it is not an interrupted sweep's checkpoint");
      }
      fs::remove_all(directory_, error);
      if (error) throw RunError("cannot remove " + directory_ + ": " + error.message());
    }
    fs::create_directories(directory_, error);
    if (error) throw RunError("cannot create " + directory_ + ": " + error.message());
    file_.open(path, std::ios::binary | std::ios::trunc);
    file_ << parameters.dump() << '\n';
  }
  file_.flush();
  if (!file_) throw RunError("cannot write " + path + ": " + std::strerror(errno));
}

std::size_t SweepCheckpoint::finished_count() const {
  std::size_t count = 0;
  for (const auto& cell : finished_) count += cell ? 1 : 0;
  return count;
}

std::string SweepCheckpoint::path_of(const std::string& name) const {
  return (fs::path(directory_) / name).string();
}

void SweepCheckpoint::record(std::size_t cell, const CellStatistics& statistics) {
  json line = {{"cell", cell}, {"statistics", statistics_to_json(statistics)}};
  file_ << line.dump() << '\n';
  file_.flush();
  if (!file_) throw RunError("cannot write " + path_of("checkpoint.jsonl") + ": " + std::strerror(errno));
  finished_[cell] = statistics;
  // Test hook: die like `kill -9` right after the Nth record of this run, or receive another
  // signal then (NEGSIM_TEST_KILL_SIGNAL, e.g. 2 for the Ctrl-C of an impatient user).
  static const char* const kill_after = std::getenv("NEGSIM_TEST_KILL_AFTER_CELLS");
  static const char* const kill_signal = std::getenv("NEGSIM_TEST_KILL_SIGNAL");
  if (kill_after != nullptr && ++recorded_ == std::strtoull(kill_after, nullptr, 10)) {
    std::raise(kill_signal != nullptr ? std::atoi(kill_signal) : SIGKILL);
  }
}

std::string sorted_replicate_rows(const std::string& path, const FinishedCells* keep) {
  std::ifstream in(path, std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::pair<std::pair<std::uint64_t, std::uint64_t>, std::string>> rows;
  std::string header;
  std::size_t start = 0;
  while (start < content.size()) {
    const std::size_t end = content.find('\n', start);
    if (end == std::string::npos) break;  // cut off by an interruption
    std::string line = content.substr(start, end - start);
    start = end + 1;
    if (header.empty()) {
      header = line;
      continue;
    }
    const auto first = line.find(',');
    const auto second = line.find(',', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::uint64_t cell = std::stoull(line.substr(0, first));
    if (keep != nullptr && (cell >= keep->size() || !(*keep)[cell])) continue;
    rows.push_back({{cell, std::stoull(line.substr(first + 1, second - first - 1))}, line});
  }
  std::sort(rows.begin(), rows.end());
  std::string sorted = header + "\n";
  for (const auto& row : rows) sorted += row.second + "\n";
  return sorted;
}

void SweepCheckpoint::remove() {
  file_.close();
  std::error_code ignored;
  fs::remove_all(directory_, ignored);
}

}  // namespace negsim
