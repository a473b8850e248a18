#include "negsim/outputs.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "negsim/errors.hpp"
#include "negsim/format.hpp"
#include "negsim/policy.hpp"
#include "negsim/version_info.hpp"

namespace negsim {

using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

std::string negsim_version() {
  return NEGSIM_VERSION;
}
std::string negsim_git_commit() {
  return NEGSIM_GIT_COMMIT;
}

namespace {

std::string outcome_sentence(OutcomeKind kind) {
  switch (kind) {
    case OutcomeKind::consensus: return "ADOPTED BY CONSENSUS (every delegation supports)";
    case OutcomeKind::consensus_with_dissociations: return "ADOPTED BY CONSENSUS, with dissociations";
    case OutcomeKind::adopted_over_objections: return "ADOPTED OVER OBJECTIONS (within the consensus-minus-N rule)";
    case OutcomeKind::chairs_summary:
      return "ADOPTED BY CONSENSUS after moving contested paragraphs to a chair's summary";
    case OutcomeKind::vote: return "ADOPTED BY VOTE after consensus failed";
    case OutcomeKind::taken_note: return "NOT ADOPTED: the room TOOK NOTE of the text";
    case OutcomeKind::no_consensus: return "NO CONSENSUS at the deadline";
  }
  return "unknown";
}

// An interrupted run decided nothing: say so rather than name the deadline it never reached.
// A ruling and a vote held elsewhere are said where they happened.
std::string outcome_sentence(const Scenario& scenario, const Outcome& outcome) {
  if (outcome.interrupted) return "INTERRUPTED before the deadline (nothing decided)";
  if (outcome.kind == OutcomeKind::adopted_over_objections && !outcome.overruled.empty()) {
    return "ADOPTED OVER OBJECTIONS (the presidency ruled that consensus is not unanimity)";
  }
  const std::string& body = scenario.process.fallbacks.vote_body;
  if (outcome.kind == OutcomeKind::vote && !body.empty()) {
    return "ADOPTED BY VOTE in " + the_body(body) + " after consensus failed";
  }
  return outcome_sentence(outcome.kind);
}

const std::string& delegation_id(const Scenario& scenario, int index) {
  return scenario.delegations[static_cast<std::size_t>(index)].id;
}

json issue_ids(const Scenario& scenario, const std::vector<int>& issues) {
  json list = json::array();
  for (int issue : issues) list.push_back(scenario.issues[static_cast<std::size_t>(issue)].id);
  return list;
}

bool contains(const std::vector<int>& list, int value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string timestamp_utc(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, format, &parts);
  return buffer;
}

}  // namespace

json summary_json(const Scenario& scenario, const Outcome& outcome, std::uint64_t seed) {
  const double total_power = scenario.power.sum();
  json final_draft = json::array();
  for (int k = 0; k < scenario.issue_count(); ++k) {
    const Issue& issue = scenario.issues[static_cast<std::size_t>(k)];
    final_draft.push_back({{"issue", issue.id},
                           {"title", issue.title},
                           {"value", round6(outcome.draft(k))},
                           {"text", issue.text_at(outcome.draft(k))},
                           {"in_chairs_summary", contains(outcome.moved_to_chairs_summary, k)},
                           {"contested", contains(outcome.contested_issues, k)}});
  }
  auto records = [&](const std::vector<ObjectionRecord>& list) {
    json out = json::array();
    for (const auto& record : list) {
      const Delegation& delegation = scenario.delegations[static_cast<std::size_t>(record.delegation)];
      out.push_back({{"id", delegation.id},
                     {"name", delegation.name},
                     {"issues", issue_ids(scenario, record.issues)},
                     {"red_lines_crossed", issue_ids(scenario, record.red_lines_crossed)}});
    }
    return out;
  };
  json supporters = json::array();
  double shares[3] = {0, 0, 0};
  for (int i = 0; i < scenario.delegation_count(); ++i) {
    const Response response = outcome.responses[static_cast<std::size_t>(i)];
    shares[static_cast<int>(response)] += scenario.power(i) / total_power;
    if (response == Response::support) supporters.push_back(delegation_id(scenario, i));
  }
  json pivotal = json::array();
  for (int i : outcome.pivotal) pivotal.push_back(delegation_id(scenario, i));
  json joined = json::array();
  for (int i : outcome.joined_at_gavel) joined.push_back(delegation_id(scenario, i));
  json summary = {
      {"scenario", scenario.id},
      {"title", scenario.title},
      {"seed", seed},
      {"outcome", to_string(outcome.kind)},
      {"adopted", is_adopted(outcome.kind)},
      {"rounds", outcome.rounds},
      {"max_rounds", scenario.process.max_rounds},
      {"decided_round", outcome.decided_round >= 0 ? json(outcome.decided_round + 1) : json(nullptr)},
      {"rule", scenario.process.rule.name()},
      {"objectors", records(outcome.objectors)},
      {"dissociators", records(outcome.dissociators)},
      {"supporters", supporters},
      {"joined_at_gavel", joined},
      {"power_share", {{"support", round6(shares[0])}, {"aside", round6(shares[1])}, {"object", round6(shares[2])}}},
      {"pivotal", pivotal},
      {"contested_issues", issue_ids(scenario, outcome.contested_issues)},
      {"moved_to_chairs_summary", issue_ids(scenario, outcome.moved_to_chairs_summary)},
      {"vote", outcome.vote ? json({{"yes", outcome.vote->yes},
                                    {"no", outcome.vote->no},
                                    {"abstain", outcome.vote->abstain},
                                    {"adopted", outcome.vote->adopted}})
                            : json(nullptr)},
      {"final_draft", final_draft}};
  // Only when true, so that the summaries of complete runs keep their shape.
  if (outcome.interrupted) summary["interrupted"] = true;
  // Likewise only when the scenario uses them (issue 17's ruling, reservations, vote body).
  if (!outcome.overruled.empty()) {
    json overruled = json::array();
    for (int i : outcome.overruled) overruled.push_back(delegation_id(scenario, i));
    summary["overruled_by_ruling"] = overruled;
  }
  if (!outcome.reservations.empty()) summary["reservations"] = records(outcome.reservations);
  if (outcome.vote && !scenario.process.fallbacks.vote_body.empty()) {
    summary["vote"]["body"] = scenario.process.fallbacks.vote_body;
  }
  if (scenario.expected.present) {
    json missing = json::array();
    for (const auto& id : scenario.expected.objectors) {
      const int index = scenario.find_delegation(id);
      bool found = false;
      for (const auto& record : outcome.objectors) found = found || record.delegation == index;
      if (!found) missing.push_back(id);
    }
    // A what-if's block is the model's own prediction, not a record: it goes under its own name.
    summary[scenario.expected.predicted ? "predicted" : "expected"] = {
        {"outcome", to_string(scenario.expected.outcome)},
        {"outcome_matches", scenario.expected.outcome == outcome.kind},
        {"expected_objectors_missing", missing}};
  }
  return summary;
}

json meta_json(const Scenario& scenario, const RunOptions& options, double wall_seconds) {
  json overrides = json::array();
  for (const auto& expression : options.overrides) overrides.push_back(expression);
  // The stance files and overlay bases too: a change to a shared stance changes the run.
  json included = json::array();
  for (const auto& file : scenario.included_files)
    included.push_back({{"file", file}, {"sha256", sha256_file_hex(file)}});
  return {{"negsim_version", negsim_version()},
          {"git_commit", negsim_git_commit()},
          {"scenario_file", scenario.source_file},
          {"scenario_sha256", sha256_file_hex(scenario.source_file)},
          {"included_files", included},
          {"seed", options.seed},
          {"options",
           {{"set", overrides},
            {"sample", options.sampled},
            {"rounds", options.rounds_override > 0 ? json(options.rounds_override) : json(nullptr)}}},
          {"started_utc", timestamp_utc("%Y-%m-%dT%H:%M:%SZ")},
          {"wall_time_seconds", wall_seconds}};
}

std::string draft_markdown(const Scenario& scenario, const Outcome& outcome) {
  std::ostringstream out;
  out << "# " << scenario.title << "\n\n";
  if (outcome.kind == OutcomeKind::taken_note) {
    out << "*A text the room took note of: it was not adopted.*\n\n";
  }
  out << "Final draft after " << outcome.rounds << (outcome.rounds == 1 ? " round" : " rounds") << ": "
      << outcome_sentence(scenario, outcome) << ".\n";
  for (int k = 0; k < scenario.issue_count(); ++k) {
    const Issue& issue = scenario.issues[static_cast<std::size_t>(k)];
    out << "\n## " << issue.title << "\n\n";
    const double value = outcome.draft(k);
    if (contains(outcome.moved_to_chairs_summary, k)) {
      out << "*Moved to the chair's summary; the report says:* " << issue.text_at(value) << "\n";
    } else {
      out << issue.text_at(value) << "\n";
    }
    out << "\n<sub>draft value " << issue.value_text(value)
        << (contains(outcome.contested_issues, k) ? "; contested" : "") << "</sub>\n";
  }
  return out.str();
}

std::string outcome_label(const std::string& kind) {
  if (kind == "consensus") return "Adopted by consensus";
  if (kind == "consensus_with_dissociations") return "Adopted by consensus, with dissociations";
  if (kind == "adopted_over_objections") return "Adopted over objections";
  if (kind == "chairs_summary") return "Adopted with a chair's summary";
  if (kind == "vote") return "Adopted by vote";
  if (kind == "taken_note") return "Taken note of (not adopted)";
  if (kind == "no_consensus") return "No consensus";
  return kind;
}

std::string record_note(const std::string& recorded_kind, const std::string& run_kind, bool interrupted) {
  return "The title tells the historical record (" + outcome_label(recorded_kind) + "); this run " +
         (interrupted ? std::string("was stopped before its end.")
                      : "ended otherwise: " + outcome_label(run_kind) + ".");
}

std::string text_summary(const Scenario& scenario, const Outcome& outcome, const std::string& output_dir) {
  constexpr int summary_width = 96;  // as negsim play: fits a 100-column terminal
  std::ostringstream out;
  const ChairSettings& chair = scenario.process.chair;
  out << wrap_words(scenario.title, summary_width);
  // A historical title carries the record ("(no consensus, 23 June 2017)"); a run that ends
  // otherwise (changed by --set or an overlay, played by a class, another seed, stopped early)
  // must not seem to claim the record's ending. Why it differs is not known here: not said.
  if (scenario.expected.present && (outcome.interrupted || scenario.expected.outcome != outcome.kind)) {
    out << wrap_words(record_note(to_string(scenario.expected.outcome), to_string(outcome.kind), outcome.interrupted),
                      summary_width);
  }
  auto count = [](int number, const std::string& noun) {
    return std::to_string(number) + " " + noun + (number == 1 ? "" : "s");
  };
  out << wrap_words(count(scenario.delegation_count(), "delegation") + ", " + count(scenario.issue_count(), "issue") +
                        "; rule: " + scenario.process.rule.name() + "; deadline " +
                        count(scenario.process.max_rounds, "round"),
                    summary_width)
      << wrap_words(
             "Chair: " +
                 (chair.delegation >= 0
                      ? name_without_chair_mark(scenario.delegations[static_cast<std::size_t>(chair.delegation)].name)
                      : std::string("neutral")) +
                 ", " + chair_strategy_name(chair) + " strategy",
             summary_width)
      << "\n";
  out << "Outcome: " << outcome_sentence(scenario, outcome) << ", round " << outcome.rounds << " of "
      << scenario.process.max_rounds << "\n";
  auto describe = [&](const ObjectionRecord& record) {
    std::string text = scenario.delegations[static_cast<std::size_t>(record.delegation)].name;
    if (!record.issues.empty()) {
      text += " (";
      for (std::size_t j = 0; j < record.issues.size(); ++j) {
        const int issue = record.issues[j];
        text += (j ? ", " : "") + scenario.issues[static_cast<std::size_t>(issue)].id;
        if (contains(record.red_lines_crossed, issue)) text += " [red line]";
      }
      text += ")";
    }
    return text;
  };
  // One line when it fits a terminal; else one delegation a line (wrapped under its name), and
  // at most a dozen of them: a room of 193 can have a hundred objectors.
  auto list = [&](const std::string& label, const std::vector<ObjectionRecord>& records) {
    if (records.empty()) return;
    std::string line = "  " + label + ": ";
    for (std::size_t j = 0; j < records.size(); ++j) line += (j ? ", " : "") + describe(records[j]);
    if (line.size() <= static_cast<std::size_t>(summary_width)) {
      out << line << "\n";
      return;
    }
    out << "  " << label << " (" << records.size() << "):\n";
    const std::size_t shown = records.size() <= 12 ? records.size() : 10;
    for (std::size_t j = 0; j < shown; ++j) out << wrap_words(describe(records[j]), summary_width, "    ", 6);
    if (shown < records.size()) {
      out << "    and " << records.size() - shown << " more"
          << (output_dir.empty() ? "" : " (summary.json lists them all)") << "\n";
    }
  };
  const bool adopted = is_adopted(outcome.kind);
  list(!adopted                    ? "Objected"
       : outcome.overruled.empty() ? "Objected (overruled)"
                                   : "Objected (overruled by the presidency's ruling)",
       outcome.objectors);
  list(adopted ? "Dissociated" : "Stood aside", outcome.dissociators);
  list("Joined with a reservation", outcome.reservations);
  int supporters = 0;
  double support_power = 0;
  for (int i = 0; i < scenario.delegation_count(); ++i) {
    if (outcome.responses[static_cast<std::size_t>(i)] == Response::support) {
      ++supporters;
      support_power += scenario.power(i);
    }
  }
  out << "  Supported: " << supporters << " of " << scenario.delegation_count() << " delegations, "
      << std::lround(100.0 * support_power / scenario.power.sum()) << "% of the power\n";
  if (!outcome.joined_at_gavel.empty()) {
    // Counted above: they stood aside in the last round and joined rather than dissociate.
    std::string joined;
    for (std::size_t j = 0; j < outcome.joined_at_gavel.size(); ++j) {
      joined += (j ? ", " : "") + scenario.delegations[static_cast<std::size_t>(outcome.joined_at_gavel[j])].name;
    }
    out << wrap_words(joined + " (stood aside, then joined rather than dissociate)", summary_width,
                      "  Joined at the gavel: ", 4);
  }
  if (!outcome.moved_to_chairs_summary.empty()) {
    std::string moved;
    for (int issue : outcome.moved_to_chairs_summary) {
      moved += (moved.empty() ? "" : " ") + scenario.issues[static_cast<std::size_t>(issue)].id;
    }
    out << wrap_words(moved, summary_width, "  Moved to the chair's summary: ", 4);
  }
  if (outcome.vote) {
    const std::string& body = scenario.process.fallbacks.vote_body;
    out << "  Vote" << (body.empty() ? "" : " in " + the_body(body)) << ": " << outcome.vote->yes << " yes, "
        << outcome.vote->no << " no, " << outcome.vote->abstain
        << " abstaining: " << (outcome.vote->adopted ? "adopted" : "rejected") << "\n";
  }
  if (!adopted) {
    std::string pivotal = outcome.pivotal.empty() ? "none alone" : "";
    for (std::size_t j = 0; j < outcome.pivotal.size(); ++j) {
      pivotal += (j ? ", " : "") + scenario.delegations[static_cast<std::size_t>(outcome.pivotal[j])].name;
    }
    out << wrap_words(pivotal, summary_width, "  Pivotal (alone could have let it pass): ", 4);
  }
  if (scenario.expected.present) {
    out << (scenario.expected.predicted ? "  Model's prediction: " : "  Recorded outcome: ")
        << to_string(scenario.expected.outcome)
        << (scenario.expected.outcome == outcome.kind ? " (matches)" : " (differs)") << "\n";
  }
  if (!output_dir.empty()) {
    out << "\nTrace written to " << output_dir << "/\n  trace.jsonl rounds.csv summary.json meta.json draft.md\n";
  }
  return out.str();
}

namespace {

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "unknown";
  return buffer;
}

// "host NAME\npid N\n": who wrote a marker or holds a claim.
std::string owner_text() {
  return "host " + host_name() + "\npid " + std::to_string(getpid()) + "\n";
}

void write_small_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) throw RunError("cannot write " + path.string() + ": " + std::strerror(errno));
}

std::string marker_text() {
  return "This directory was written by negsim " NEGSIM_VERSION
         ". 'negsim run/sweep --force' replaces only directories that hold this file.\n" +
         owner_text();
}

// The process id recorded in a marker or claim file, if it was written on this host (an id
// from another machine sharing the disk says nothing here); 0 otherwise.
long owner_pid(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string line;
  std::string host;
  long pid = 0;
  for (int lines = 0; lines < 8 && std::getline(in, line); ++lines) {
    if (line.rfind("host ", 0) == 0) host = line.substr(5);
    if (line.rfind("pid ", 0) == 0) pid = std::strtol(line.c_str() + 4, nullptr, 10);
  }
  return host == host_name() && pid > 0 ? pid : 0;
}

bool process_alive(long pid) {
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

bool is_regular(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(fs::symlink_status(path, error));
}

// A claim (.NAME.claim, holding a marker) of a process of this host that has ended.
bool stale_claim(const fs::path& claim) {
  const long pid = owner_pid(claim / output_marker);
  return pid > 0 && pid != getpid() && !process_alive(pid);
}

fs::path claim_path(const fs::path& target) {
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  return parent / ("." + target.filename().string() + ".claim");
}

// .NAME.tmp-PID-N or .NAME.old-PID-N: the PID, or 0 when the name is not of that form.
long staging_pid(const std::string& name) {
  if (name.size() < 2 || name[0] != '.') return 0;
  for (const char* kind : {".tmp-", ".old-"}) {
    const std::size_t at = name.rfind(kind);
    if (at == std::string::npos || at == 0) continue;
    const std::string rest = name.substr(at + 5);
    const std::size_t dash = rest.find('-');
    if (dash == std::string::npos || dash == 0 || dash + 1 == rest.size()) continue;
    if (rest.find_first_not_of("0123456789-") != std::string::npos) continue;
    return std::strtol(rest.c_str(), nullptr, 10);
  }
  return 0;
}

// A directory --force may delete: negsim's marker inside, and none of the places a slip of
// the keyboard names (., .., /, the home directory, the working directory or its ancestors).
void check_replaceable(const fs::path& target) {
  std::error_code error;
  const std::string shown = target.string();
  if (fs::is_symlink(target, error)) {
    throw UsageError("will not replace " + shown + ": it is a symbolic link; --force replaces only a run or sweep " +
                     "directory negsim wrote");
  }
  if (!fs::is_directory(target, error)) {
    throw UsageError("will not replace " + shown + ": it is not a directory; --force replaces only a run or sweep " +
                     "directory negsim wrote");
  }
  const fs::path resolved = fs::canonical(target, error);
  if (error) throw UsageError("will not replace " + shown + ": " + error.message());
  const fs::path working = fs::canonical(fs::current_path(error), error);
  auto is_within = [](const fs::path& inner, const fs::path& outer) {
    auto it = inner.begin();
    for (const auto& part : outer) {
      if (it == inner.end() || *it != part) return false;
      ++it;
    }
    return true;
  };
  if (resolved == resolved.root_path()) throw UsageError("will not replace " + shown + ": it is the root directory");
  if (!working.empty() && is_within(working, resolved)) {
    throw UsageError("will not replace " + shown + ": it is the working directory or holds it");
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    const fs::path home_path = fs::canonical(home, error);
    if (!error && is_within(home_path, resolved)) {
      throw UsageError("will not replace " + shown + ": it is the home directory or holds it");
    }
  }
  if (!is_regular(resolved / output_marker)) {
    throw UsageError("will not replace " + shown + ": it has no " + std::string(output_marker) +
                     " file, so negsim did not write it (run and sweep directories have one); remove it yourself "
                     "or choose another --out");
  }
}

}  // namespace

std::vector<std::string> remove_stale_outputs(const std::string& parent) {
  std::vector<std::string> removed;
  std::error_code error;
  for (fs::directory_iterator it(parent, error), end; !error && it != end; it.increment(error)) {
    std::error_code ignored;
    const fs::path path = it->path();
    if (!fs::is_directory(fs::symlink_status(path, ignored))) continue;
    const std::string name = path.filename().string();
    bool stale = false;
    if (const long pid = staging_pid(name); pid > 0) {
      // The process named is the one that made it; the marker says it is negsim's and was
      // written on this host (a staging directory's by that very process; a directory moved
      // aside keeps the marker of the run that wrote it).
      const long writer = owner_pid(path / output_marker);
      const bool ours = name.find(".tmp-") != std::string::npos ? writer == pid : writer > 0;
      stale = pid != getpid() && ours && !process_alive(pid);
    } else if (name.size() > 7 && name[0] == '.' && name.compare(name.size() - 6, 6, ".claim") == 0) {
      stale = stale_claim(path);
    }
    if (!stale) continue;
    fs::remove_all(path, ignored);
    if (!ignored) removed.push_back(path.string());
  }
  return removed;
}

StagedDirectory::StagedDirectory(const std::string& target, bool replace, bool unique_name) {
  static std::atomic<unsigned> counter{0};
  fs::path path = fs::path(target).lexically_normal();
  if (!path.has_filename() && path.has_parent_path() && path != path.root_path()) path = path.parent_path();
  const std::string name = path.filename().string();
  if (name.empty() || name == "." || name == "..") {
    throw UsageError("cannot write results into " + target + "; name a new directory for them");
  }
  target_ = path.string();
  const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code error;
  fs::create_directories(parent, error);
  if (error) throw RunError("cannot create " + parent.string() + ": " + error.message());
  remove_stale_outputs(parent.string());
  try {
    claim(replace, unique_name);
    const fs::path claimed(target_);
    staging_ = (parent / ("." + claimed.filename().string() + ".tmp-" + std::to_string(getpid()) + "-" +
                          std::to_string(counter++)))
                   .string();
    fs::create_directory(staging_, error);
    if (error) throw RunError("cannot create " + staging_ + ": " + error.message());
    write_small_file(fs::path(staging_) / output_marker, marker_text());
  } catch (...) {
    // The destructor does not run for a constructor that throws: release the claim here.
    std::error_code ignored;
    if (!staging_.empty()) fs::remove_all(staging_, ignored);
    if (!claim_.empty()) fs::remove_all(claim_, ignored);
    throw;
  }
}

void StagedDirectory::claim(bool replace, bool unique_name) {
  const std::string base = target_;
  for (int suffix = 2;; ++suffix) {
    // The claim is a hidden directory beside the target, made atomically: of two processes
    // naming the same target, one makes it and the other finds it.
    const fs::path claim = claim_path(target_);
    std::error_code error;
    // mkdir itself, not fs::create_directory: that one reports "File exists" as an error when the
    // claim it found is released between its mkdir and its check that the path is a directory
    // (eight runs started together hit this).
    if (::mkdir(claim.c_str(), 0777) != 0) {
      const int code = errno;
      if (code != EEXIST) throw RunError("cannot create " + claim.string() + ": " + std::strerror(code));
      if (stale_claim(claim)) {  // its process has ended (kill -9): taken over
        fs::remove_all(claim, error);
        --suffix;
        continue;
      }
      if (unique_name && suffix < 100000) {
        target_ = base + "-" + std::to_string(suffix);
        continue;
      }
      const long pid = owner_pid(claim / output_marker);
      throw UsageError("the output directory " + target_ + " is being written by another negsim process" +
                       (pid > 0 ? " (pid " + std::to_string(pid) + ")" : std::string()) + "; choose another");
    }
    claim_ = claim.string();
    write_small_file(claim / output_marker, marker_text());
    if (!fs::exists(fs::symlink_status(target_, error))) return;
    if (unique_name && suffix < 100000) {
      fs::remove_all(claim, error);
      claim_.clear();
      target_ = base + "-" + std::to_string(suffix);
      continue;
    }
    if (!replace)
      throw UsageError("the output directory " + target_ + " already exists; choose another or pass --force");
    check_replaceable(target_);
    return;
  }
}

StagedDirectory::~StagedDirectory() {
  std::error_code ignored;
  if (!committed_) fs::remove_all(staging_, ignored);
  if (!claim_.empty()) fs::remove_all(claim_, ignored);
}

std::string StagedDirectory::path_of(const std::string& name) const {
  return (fs::path(staging_) / name).string();
}

void StagedDirectory::write(const std::string& name, const std::string& content) {
  std::ofstream out = open(name);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  close(out, name);
}

std::ofstream StagedDirectory::open(const std::string& name) const {
  std::ofstream stream(path_of(name), std::ios::binary);
  check(stream, name);
  return stream;
}

void StagedDirectory::check(const std::ofstream& stream, const std::string& name) const {
  if (!stream) throw RunError("cannot write " + (fs::path(target_) / name).string() + ": " + std::strerror(errno));
}

void StagedDirectory::close(std::ofstream& stream, const std::string& name) const {
  stream.close();
  check(stream, name);
}

void StagedDirectory::commit() {
  // An old directory (--force) is moved aside first and deleted only once the new one is in
  // place: a failure in between puts it back.
  static std::atomic<unsigned> counter{0};
  const fs::path target(target_);
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const fs::path old = parent / ("." + target.filename().string() + ".old-" + std::to_string(getpid()) + "-" +
                                 std::to_string(counter++));
  std::error_code error;
  const bool replacing = fs::exists(fs::symlink_status(target, error));
  if (replacing) {
    fs::rename(target, old, error);
    if (error) throw RunError("cannot move " + target_ + " aside to replace it: " + error.message());
  }
  fs::rename(staging_, target, error);
  if (error) {
    std::error_code ignored;
    if (replacing) fs::rename(old, target, ignored);
    throw RunError("cannot move the results into " + target_ + ": " + error.message());
  }
  committed_ = true;
  if (replacing) fs::remove_all(old, error);
  fs::remove_all(claim_, error);
  claim_.clear();
}

std::string write_directory_atomically(const std::string& directory, const std::map<std::string, std::string>& files,
                                       bool replace, bool unique_name) {
  StagedDirectory staged(directory, replace, unique_name);
  for (const auto& [name, content] : files) staged.write(name, content);
  staged.commit();
  return staged.target();
}

std::string new_run_directory(const std::string& results_root, const std::string& scenario_id, std::uint64_t seed,
                              const std::string& prefix) {
  // The id is a file's stem: ".." (from "...yaml") or a hidden name must stay inside results_root.
  std::string folder = scenario_id;
  std::replace(folder.begin(), folder.end(), '/', '_');
  if (folder.empty() || folder[0] == '.') folder = "_" + folder;
  const std::string base =
      (fs::path(results_root) / folder / (prefix + timestamp_utc("%Y%m%d-%H%M%S") + "-seed" + std::to_string(seed)))
          .string();
  std::string candidate = base;
  for (int suffix = 2; fs::exists(candidate); ++suffix) candidate = base + "-" + std::to_string(suffix);
  return candidate;
}

std::string sha256_file_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_DigestInit_ex(context, EVP_sha256(), nullptr);
  char buffer[1 << 16];
  while (in) {
    in.read(buffer, sizeof buffer);
    EVP_DigestUpdate(context, buffer, static_cast<std::size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context, digest, &length);
  EVP_MD_CTX_free(context);
  std::ostringstream hex;
  for (unsigned int j = 0; j < length; ++j)
    hex << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(digest[j]);
  return hex.str();
}

}  // namespace negsim
