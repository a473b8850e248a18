// YAML -> Scenario, with every check a run relies on. The order matters only for references:
// issues first (positions name them), then blocs and delegations, then everything that names
// a delegation (bloc leaders, ties, the chair, the expected block).
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "negsim/errors.hpp"
#include "negsim/scenario.hpp"
#include "yaml_reader.hpp"

namespace negsim {

using detail::index_path;
using detail::join_path;
using detail::MapReader;
using detail::Range;
using detail::Source;
using detail::unit_interval;

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();
const Range positive{0.0, infinity, true, false};
const Range non_negative{0.0, infinity};

std::vector<std::string> split_override_path(const std::string& path) {
  std::vector<std::string> segments;
  std::string current;
  for (char c : path) {
    if (c == '.') {
      segments.push_back(current);
      current.clear();
    } else if (c == '[') {
      if (!current.empty()) segments.push_back(current);
      current = "[";
    } else if (c == ']') {
      current += c;
      segments.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) segments.push_back(current);
  segments.erase(std::remove(segments.begin(), segments.end(), std::string()), segments.end());
  return segments;
}

using OverrideFailure = std::function<void(const std::string& key_path, const std::string& message)>;

// Sets `path_text` (dots, [index] or list items by id) to `value` in the YAML tree, creating
// missing mapping keys (a typo is then reported by validation like a typo in the file).
// Returns the canonical key path. `fail` must throw.
std::string apply_override_value(const YAML::Node& root, const std::string& path_text, const YAML::Node& value,
                                 const OverrideFailure& fail) {
  std::vector<std::string> segments = split_override_path(path_text);
  if (segments.empty()) fail("", "empty key path");

  YAML::Node current = root;
  std::string canonical;
  for (std::size_t s = 0; s < segments.size(); ++s) {
    const std::string& segment = segments[s];
    const bool last = s + 1 == segments.size();
    if (current.IsSequence()) {
      std::size_t index = current.size();
      if (segment.front() == '[') {
        std::string digits = segment.substr(1, segment.size() - 2);
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
          fail(canonical, "'" + segment + "' is not a list index");
        }
        index = std::stoul(digits.substr(0, 9));
      } else {
        std::vector<std::string> ids;
        for (std::size_t i = 0; i < current.size(); ++i) {
          if (current[i].IsMap() && current[i]["id"] && current[i]["id"].IsScalar()) {
            ids.push_back(current[i]["id"].Scalar());
            if (ids.back() == segment) index = i;
          }
        }
        if (index == current.size()) {
          fail(canonical, "no item with id '" + segment + "'" + detail::did_you_mean(segment, ids));
        }
      }
      if (index >= current.size()) {
        fail(canonical,
             "index " + segment + " is past the end of the list (" + std::to_string(current.size()) + " items)");
      }
      canonical = index_path(canonical, index);
      if (last) {
        current[index] = value;
      } else {
        current.reset(current[index]);
      }
      continue;
    }
    if (segment.front() == '[') fail(canonical, "'" + canonical + "' is not a list");
    if (current.IsNull() || !current.IsDefined()) current = YAML::Node(YAML::NodeType::Map);
    if (!current.IsMap()) fail(canonical, "'" + canonical + "' is a single value, not a mapping");
    canonical = join_path(canonical, segment);
    if (last) {
      current[segment] = value;
    } else {
      if (!current[segment] || current[segment].IsNull()) {
        current[segment] = YAML::Node(YAML::NodeType::Map);
      }
      current.reset(current[segment]);
    }
  }
  return canonical;
}

// Applies one "key.path=value" (--set) to the YAML tree. Returns the canonical key path.
std::string apply_override(const YAML::Node& root, const std::string& expression) {
  auto fail = [&](const std::string& path, const std::string& message) -> void {
    throw InputError("--set " + expression, 0, 0, path, message);
  };
  std::size_t equals = expression.find('=');
  if (equals == std::string::npos || equals == 0) {
    fail("", "expected key.path=value, for example process.rule=unanimity");
  }
  const std::string path_text = expression.substr(0, equals);
  const std::string value_text = expression.substr(equals + 1);

  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::Exception& error) {
    fail(path_text, "the value is not valid YAML: " + error.msg);
  }
  if (!value.IsDefined() || value.IsNull()) value = YAML::Node(value_text);
  return apply_override_value(root, path_text, value, fail);
}

// Flow collections ([ and {) nest without indentation, so a short file can nest deeply;
// refuse that before the recursive parser sees it.
void check_flow_depth(const Source& source, const std::string& text, int max_depth) {
  int depth = 0;
  int line = 1;
  int column = 0;
  char quote = 0;
  bool comment = false;
  char previous = '\n';
  for (char c : text) {
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      comment = false;
      if (quote == 0) depth = std::max(depth, 0);
    } else if (comment) {
    } else if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '#' && (previous == ' ' || previous == '\n' || previous == '\t')) {
      comment = true;
    } else if ((c == '"' || c == '\'') && depth > 0) {
      quote = c;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        source.fail_at(
            line, column, "",
            "nesting depth over " + std::to_string(max_depth) + " levels of [ or {; a scenario never needs that");
      }
    } else if (c == ']' || c == '}') {
      depth = std::max(0, depth - 1);
    }
    previous = c;
  }
}

// yaml-cpp 0.7 accepts a double-quoted scalar left open at the end of the file (it silently
// takes the rest of the file as its text). Find such a quote before parsing. Block scalars
// (| and >) are skipped: quotes inside them are plain text.
void check_unclosed_quotes(const Source& source, const std::string& text) {
  const std::size_t size = text.size();
  int line = 1;
  std::size_t line_start = 0;
  int block_indent = -1;  // indentation of the key that opened a block scalar, -1 when none
  std::size_t i = 0;
  auto indentation_at = [&](std::size_t start) {
    std::size_t j = start;
    while (j < size && text[j] == ' ') ++j;
    return j;
  };
  while (i < size) {
    if (i == line_start && block_indent >= 0) {
      const std::size_t first = indentation_at(i);
      const bool blank = first >= size || text[first] == '\n' || text[first] == '\r';
      if (blank || static_cast<int>(first - i) > block_indent) {
        while (i < size && text[i] != '\n') ++i;
        if (i < size) {
          ++i;
          ++line;
          line_start = i;
        }
        continue;
      }
      block_indent = -1;
    }
    const char c = text[i];
    if (c == '\n') {
      ++i;
      ++line;
      line_start = i;
      continue;
    }
    if (c == '#' && (i == line_start || text[i - 1] == ' ' || text[i - 1] == '\t')) {
      while (i < size && text[i] != '\n') ++i;
      continue;
    }
    if ((c == '|' || c == '>') && i > line_start) {
      std::size_t before = i;
      while (before > line_start && (text[before - 1] == ' ' || text[before - 1] == '\t')) --before;
      std::size_t after = i + 1;
      while (after < size && (text[after] == '-' || text[after] == '+' || (text[after] >= '1' && text[after] <= '9')))
        ++after;
      while (after < size && (text[after] == ' ' || text[after] == '\t' || text[after] == '\r')) ++after;
      const bool starts_block = before > line_start && (text[before - 1] == ':' || text[before - 1] == '-') &&
                                (after >= size || text[after] == '\n' || text[after] == '#');
      if (starts_block) {
        block_indent = static_cast<int>(indentation_at(line_start) - line_start);
        if (text[before - 1] == '-') block_indent = static_cast<int>(before - 1 - line_start);
      }
      ++i;
      continue;
    }
    if (c == '\'' || c == '"') {
      std::size_t before = i;
      while (before > line_start && (text[before - 1] == ' ' || text[before - 1] == '\t')) --before;
      const bool starts_scalar =
          before == line_start || std::string(":-[{,?").find(text[before - 1]) != std::string::npos;
      if (!starts_scalar) {
        ++i;
        continue;
      }
      const int open_line = line;
      const int open_column = static_cast<int>(i - line_start) + 1;
      std::size_t j = i + 1;
      while (j < size) {
        if (c == '"' && text[j] == '\\') {
          j += 2;
          continue;
        }
        if (text[j] == c) {
          if (c == '\'' && j + 1 < size && text[j + 1] == '\'') {
            j += 2;
            continue;
          }
          break;
        }
        if (text[j] == '\n') {
          ++line;
          line_start = j + 1;
        }
        ++j;
      }
      if (j >= size) {
        source.fail_at(open_line, open_column, "",
                       "YAML syntax error: the quoted text that starts here is never closed");
      }
      i = j + 1;
      continue;
    }
    ++i;
  }
}

// Aliases let a small file stand for a huge tree ("billion laughs"). Count every node as the
// reader would see it, aliases expanded, and stop at the limit. The depth is bounded too (the
// same limit as the nesting of [ and {): block-style nesting is not counted before parsing, and
// an alias used inside its own anchor (`&p {a: *p}`) makes a loop that no node budget ends
// before the stack does.
void check_node_count(const Source& source, const YAML::Node& node, const std::string& path, long& budget,
                      const LoadLimits& limits, int depth = 0) {
  if (--budget < 0) {
    source.fail(node, path,
                "more than " + std::to_string(limits.max_nodes) +
                    " YAML nodes once aliases are expanded; a scenario never needs that many");
  }
  if (depth > limits.max_flow_depth) {
    source.fail(node, path,
                "nested more than " + std::to_string(limits.max_flow_depth) +
                    " levels deep; a scenario never needs that (an alias used inside its own anchor nests for ever)");
  }
  if (node.IsSequence()) {
    for (const auto& child : node) check_node_count(source, child, path, budget, limits, depth + 1);
  } else if (node.IsMap()) {
    for (const auto& pair : node) {
      check_node_count(source, pair.first, path, budget, limits, depth + 1);
      check_node_count(source, pair.second, path, budget, limits, depth + 1);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Included files: stance files (`stances:`) and the bases of overlays (`base:`).
//
// Both are resolved on the YAML tree before validation, so that everything the Loader checks is
// checked the same way whatever file a value came from. Nodes taken from another file keep their
// identity (force_insert and assignment share yaml-cpp nodes), and the Source finds them in the
// included document when it reports an error, naming that file with its line and column.

constexpr int max_include_depth = 8;    // files open inside each other at once
constexpr int max_included_files = 64;  // files read for one scenario

// The YAML tree of one file's text, after the checks that must happen before parsing.
YAML::Node parse_document(const Source& source, const std::string& text, const LoadLimits& limits) {
  if (text.size() > limits.max_file_bytes) {
    source.fail_at(1, 1, "",
                   "the file is " + std::to_string(text.size()) + " bytes, over the limit of " +
                       std::to_string(limits.max_file_bytes) + " bytes");
  }
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    source.fail_at(1, 1, "", "the file is empty; a scenario needs at least title, issues and delegations");
  }
  if (text.find('\0') != std::string::npos) {
    const std::size_t offset = text.find('\0');
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
    source.fail_at(line, 1, "", "the file contains a NUL byte; it is binary, not YAML text");
  }
  check_flow_depth(source, text, limits.max_flow_depth);
  check_unclosed_quotes(source, text);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& error) {
    source.fail_at(error.mark.is_null() ? 1 : error.mark.line + 1, error.mark.is_null() ? 1 : error.mark.column + 1, "",
                   "YAML syntax error: " + error.msg);
  }
  return root;
}

class IncludeResolver {
 public:
  IncludeResolver(Source& source, const LoadLimits& limits, const std::string& top_file)
      : source_(source), limits_(limits) {
    chain_.push_back(canonical(top_file));
  }

  // The scenario tree of `root` (read from `file`) with its includes resolved.
  YAML::Node resolve(const std::string& file, const YAML::Node& root) {
    if (!root.IsMap()) return root;
    const YAML::Node& const_root = root;
    if (const_root["base"]) return resolve_overlay(file, root);
    source_.set_merged_file(file);
    if (const_root["stances"]) merge_stances(file, root);
    return root;
  }

  // Every file read by resolve(), once each, in the order read.
  const std::vector<std::string>& included() const { return included_; }

 private:
  using StanceEntries = std::map<std::string, YAML::Node>;  // delegation id -> entry

  static std::string canonical(const std::string& path) {
    std::error_code error;
    const auto resolved = std::filesystem::weakly_canonical(path, error);
    return error ? path : resolved.string();
  }

  // The directory a relative include starts from: that of the file the text is in, so a
  // symbolic link to a scenario resolves its includes from the scenario's own directory.
  static std::filesystem::path directory_of(const std::string& file) {
    std::filesystem::path path(file);
    std::error_code error;
    for (int hops = 0; hops < 16 && std::filesystem::is_symlink(path, error); ++hops) {
      const auto target = std::filesystem::read_symlink(path, error);
      if (error) break;
      path = target.is_absolute() ? target : path.parent_path() / target;
    }
    return path.lexically_normal().parent_path();
  }

  // Reads the file that `node` (the value of `key_path` in `including_file`) names, relative to
  // `including_file`, and pushes it on the chain. Returns its display path and tree.
  std::pair<std::string, YAML::Node> open(const std::string& including_file, const YAML::Node& node,
                                          const std::string& key_path) {
    const Source including(including_file);
    const std::string relative = detail::read_string(including, node, key_path);
    if (relative.empty()) including.fail(node, key_path, "expected a file name, got an empty text");
    const std::string path = (directory_of(including_file) / relative).lexically_normal().string();
    const std::string key = canonical(path);
    if (std::find(chain_.begin(), chain_.end(), key) != chain_.end()) {
      std::string cycle;
      for (const auto& link : chain_) cycle += std::filesystem::path(link).filename().string() + " -> ";
      including.fail(node, key_path, "include cycle: " + cycle + std::filesystem::path(key).filename().string());
    }
    if (static_cast<int>(chain_.size()) >= max_include_depth) {
      including.fail(node, key_path, "includes nest more than " + std::to_string(max_include_depth) + " files deep");
    }
    if (++files_read_ > max_included_files) {
      including.fail(node, key_path, "more than " + std::to_string(max_included_files) + " included files");
    }
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
      including.fail(node, key_path, "cannot open '" + path + "': it does not exist or is not a file");
    }
    if (std::filesystem::file_size(path, error) > limits_.max_file_bytes) {
      including.fail(node, key_path, "'" + path + "' is over the file size limit");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) including.fail(node, key_path, "cannot open '" + path + "' for reading");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const Source included(path);
    YAML::Node root = parse_document(included, buffer.str(), limits_);
    long budget = limits_.max_nodes;
    check_node_count(included, root, "", budget, limits_);
    chain_.push_back(key);
    if (std::find(included_.begin(), included_.end(), path) == included_.end()) included_.push_back(path);
    return {path, root};
  }

  void close() { chain_.pop_back(); }

  // ----------------------------------------------------------------- overlays
  YAML::Node resolve_overlay(const std::string& file, const YAML::Node& overlay) {
    const Source own(file);
    MapReader map(own, overlay, "", {"base", "set", "title", "description", "dates", "sources", "expected"});
    map.required("title");  // a variant must not pass for the record it varies
    auto [base_file, base_root] = open(file, map.required("base"), "base");
    if (!base_root.IsMap()) {
      Source(base_file).fail_at(
          1, 1, "",
          "the base of an overlay must be a scenario (a mapping of keys), got " + detail::describe_type(base_root));
    }
    YAML::Node tree = resolve(base_file, base_root);
    close();
    // Register what the overlay contributes, field by field (not its root, whose `base` entry
    // is resolved into the base's tree).
    for (const char* key : {"set", "title", "description", "dates", "sources", "expected"}) {
      if (map.has(key)) source_.add_document(file, map.optional(key));
    }
    if (map.has("set")) {
      const YAML::Node set = map.optional("set");
      detail::require_map(own, set, "set");
      for (auto it = set.begin(); it != set.end(); ++it) {
        const YAML::Node key_node = it->first;  // a copy: `it->first` dies with its proxy
        const std::string path_text = detail::read_string(own, key_node, "set");
        const std::string entry_path = "set." + path_text;
        const auto fail = [&](const std::string&, const std::string& message) -> void {
          own.fail(key_node, entry_path, message);
        };
        const std::string canonical_path = apply_override_value(tree, path_text, it->second, fail);
        const YAML::Mark mark = key_node.Mark();
        source_.add_file_override(canonical_path, file, mark.line + 1, mark.column + 1);
      }
    }
    // The variant's own description of itself replaces the base's. A variant has no recorded
    // outcome of its own, so the base's `expected` goes unless the overlay states a prediction.
    for (const char* key : {"title", "description", "dates", "sources", "expected"}) {
      if (map.has(key)) tree[key] = map.optional(key);
    }
    if (!map.has("expected")) tree.remove("expected");
    return tree;
  }

  // ----------------------------------------------------------------- stances
  // `node` is one file name or a list of them; an id may be defined in only one of them.
  StanceEntries load_stance_list(const std::string& including_file, const YAML::Node& node) {
    const Source including(including_file);
    std::vector<std::pair<YAML::Node, std::string>> items;  // node, key path
    if (node.IsSequence()) {
      for (std::size_t i = 0; i < node.size(); ++i) items.emplace_back(node[i], index_path("stances", i));
    } else {
      items.emplace_back(node, "stances");
    }
    StanceEntries entries;
    std::map<std::string, std::string> defined_in;
    for (const auto& [item, path] : items) {
      auto [file, root] = open(including_file, item, path);
      StanceEntries loaded = load_stance_file(file, root);
      close();
      for (auto& [id, entry] : loaded) {
        if (defined_in.count(id)) {
          including.fail(item, path, "delegation '" + id + "' has a stance in both " + defined_in[id] + " and " + file);
        }
        defined_in[id] = file;
        entries[id] = entry;
      }
    }
    return entries;
  }

  StanceEntries load_stance_file(const std::string& file, const YAML::Node& root) {
    const Source own(file);
    if (!root.IsMap()) {
      own.fail_at(1, 1, "",
                  "a stance file is a mapping with 'delegations' (id -> stance), got " + detail::describe_type(root));
    }
    MapReader map(own, root, "", {"description", "sources", "stances", "delegations"});
    if (map.has("description")) detail::read_string(own, map.optional("description"), "description");
    if (map.has("sources")) {
      const YAML::Node sources = map.optional("sources");
      detail::require_sequence(own, sources, "sources");
      for (std::size_t i = 0; i < sources.size(); ++i) detail::read_string(own, sources[i], index_path("sources", i));
    }
    StanceEntries included = map.has("stances") ? load_stance_list(file, map.optional("stances")) : StanceEntries{};
    const YAML::Node delegations = map.required("delegations");
    detail::require_map(own, delegations, "delegations");
    StanceEntries entries = included;
    for (auto it = delegations.begin(); it != delegations.end(); ++it) {
      const std::string id = detail::read_id(own, it->first, "delegations");
      const std::string path = join_path("delegations", id);
      // Everything a delegation entry has but its id and bloc: blocs belong to the room.
      MapReader entry(own, it->second, path,
                      {"name", "power", "positions", "salience", "red_lines", "agent", "outside_option",
                       "susceptibility", "ties", "notes"});
      YAML::Node stance = it->second;
      auto found = included.find(id);
      if (found != included.end()) merge_entry(stance, found->second, nullptr, nullptr);
      entries[id] = stance;
    }
    source_.add_document(file, root);
    return entries;
  }

  static std::vector<std::string> list_ids(const YAML::Node& list) {
    std::vector<std::string> ids;
    if (!list.IsSequence()) return ids;
    for (const auto& item : list) {
      if (item.IsMap() && item["id"] && item["id"].IsScalar()) ids.push_back(item["id"].Scalar());
    }
    return ids;
  }

  // Puts into `winner` every field of `loser` that `winner` does not set itself. Mappings keyed by
  // issue (positions, salience, red_lines) or delegation (ties), and agent, merge per key. With
  // filters, keys naming issues or delegations outside them are dropped (the scenario does not
  // declare them).
  static void merge_entry(YAML::Node winner, const YAML::Node& loser, const std::set<std::string>* issues,
                          const std::set<std::string>* delegations) {
    const YAML::Node& const_winner = winner;
    for (auto it = loser.begin(); it != loser.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string key = it->first.Scalar();
      const std::set<std::string>* filter = nullptr;
      const bool per_key =
          key == "positions" || key == "salience" || key == "red_lines" || key == "ties" || key == "agent";
      if (key == "positions" || key == "salience" || key == "red_lines") filter = issues;
      if (key == "ties") filter = delegations;
      YAML::Node own = const_winner[key];
      if (own) {
        if (!per_key || !own.IsMap() || !it->second.IsMap()) continue;  // the scenario's value wins whole
        const YAML::Node& const_own = own;
        for (auto field = it->second.begin(); field != it->second.end(); ++field) {
          if (!field->first.IsScalar() || const_own[field->first.Scalar()]) continue;
          if (filter != nullptr && !filter->count(field->first.Scalar())) continue;
          own.force_insert(field->first, field->second);
        }
        continue;
      }
      if (filter == nullptr || !it->second.IsMap()) {
        winner.force_insert(it->first, it->second);
        continue;
      }
      // Drop the undeclared keys from the stance's own mapping (every scenario filters it the
      // same way), so that errors about the mapping still point into the stance file.
      YAML::Node kept = it->second;
      std::vector<YAML::Node> dropped;
      for (auto field = kept.begin(); field != kept.end(); ++field) {
        if (!field->first.IsScalar() || !filter->count(field->first.Scalar())) dropped.push_back(field->first);
      }
      for (const auto& field : dropped) kept.remove(field);
      // A salience that names only undeclared issues says nothing here: equal weights apply.
      if (kept.size() == 0 && key == "salience") continue;
      winner.force_insert(it->first, kept);
    }
  }

  void merge_stances(const std::string& file, const YAML::Node& root) {
    const YAML::Node& const_root = root;
    StanceEntries entries = load_stance_list(file, const_root["stances"]);
    const auto issue_ids = list_ids(const_root["issues"]);
    const auto delegation_ids = list_ids(const_root["delegations"]);
    const std::set<std::string> issues(issue_ids.begin(), issue_ids.end());
    const std::set<std::string> delegations(delegation_ids.begin(), delegation_ids.end());
    YAML::Node list = const_root["delegations"];
    if (!list.IsSequence()) return;  // validation reports it
    for (std::size_t i = 0; i < list.size(); ++i) {
      YAML::Node item = list[i];
      if (!item.IsMap() || !item["id"] || !item["id"].IsScalar()) continue;
      const auto found = entries.find(item["id"].Scalar());
      if (found != entries.end()) merge_entry(item, found->second, &issues, &delegations);
    }
  }

  Source& source_;
  const LoadLimits& limits_;
  std::vector<std::string> chain_;  // canonical paths of the files being read, outermost first
  int files_read_ = 0;
  std::vector<std::string> included_;  // every file read, once, in the order read
};

class Loader {
 public:
  Loader(const Source& source, const LoadLimits& limits) : source_(source), limits_(limits) {}

  Scenario load(const YAML::Node& root) {
    if (!root.IsMap()) {
      source_.fail_at(1, 1, "",
                      "the top level must be a mapping of keys (title, issues, delegations, "
                      "process, ...), got " +
                          detail::describe_type(root));
    }
    MapReader top(source_, root, "",
                  {"title", "description", "dates", "sources", "stances", "issues", "blocs", "delegations", "process",
                   "expected"});
    scenario_.title = detail::read_string(source_, top.required("title"), "title");
    if (top.has("description")) {
      scenario_.description = detail::read_string(source_, top.optional("description"), "description");
    }
    if (top.has("dates")) read_dates(top.optional("dates"));
    if (top.has("sources")) read_sources(top.optional("sources"));
    read_issues(top.required("issues"));
    if (top.has("blocs")) read_blocs(top.optional("blocs"));
    read_delegations(top.required("delegations"));
    if (!problems_.empty()) {
      // Every delegation was checked on its own; the process too, unless its problem is a
      // delegation that failed above (then it is not independent).
      try {
        read_process(top.has("process") ? top.optional("process") : YAML::Node(YAML::NodeType::Map));
      } catch (const InputError& error) {
        if (error.message().find("unknown delegation") == std::string::npos) problems_.push_back(error);
      }
      if (problems_.size() == 1) throw problems_.front();
      throw InputErrors(problems_);
    }
    resolve_blocs();
    resolve_ties();
    read_process(top.has("process") ? top.optional("process") : YAML::Node(YAML::NodeType::Map));
    if (top.has("expected")) read_expected(top.optional("expected"));
    scenario_.normalize_salience();
    name_uncertainties_by_id();
    return std::move(scenario_);
  }

 private:
  // Reads a number that may declare its uncertainty: 0.3, {value: 0.3, range: [0.2, 0.4]},
  // or {value: 0.3, sd: 0.05}. `apply` writes a sampled value into a copy of the scenario.
  double read_uncertain(const YAML::Node& node, const std::string& path, const Range& range,
                        std::function<void(Scenario&, double)> apply) {
    if (!node.IsMap()) return detail::read_number(source_, node, path, range);
    MapReader map(source_, node, path, {"value", "range", "sd"});
    if (map.has("range") == map.has("sd")) {
      source_.fail(node, path, "an uncertain number needs exactly one of 'range' or 'sd'");
    }
    Uncertainty uncertainty;
    uncertainty.key_path = path;
    // Open bounds ((0, 1] and the like) clip just inside, so a draw never lands on them.
    uncertainty.clip_low = std::isinf(range.low) ? -1e300 : range.low + (range.low_open ? 1e-9 : 0.0);
    uncertainty.clip_high = std::isinf(range.high) ? 1e300 : range.high - (range.high_open ? 1e-9 : 0.0);
    uncertainty.apply = std::move(apply);
    double value = 0;
    if (map.has("range")) {
      YAML::Node bounds = map.optional("range");
      std::string bounds_path = map.child_path("range");
      detail::require_sequence(source_, bounds, bounds_path);
      if (bounds.size() != 2) source_.fail(bounds, bounds_path, "a range is [low, high]");
      double low = detail::read_number(source_, bounds[0], index_path(bounds_path, 0), range);
      double high = detail::read_number(source_, bounds[1], index_path(bounds_path, 1), range);
      if (low > high) source_.fail(bounds, bounds_path, "low is above high");
      uncertainty.distribution = Uncertainty::Distribution::uniform;
      uncertainty.first = low;
      uncertainty.second = high;
      value = map.has("value") ? detail::read_number(source_, map.optional("value"), map.child_path("value"), range)
                               : (low + high) / 2;
      if (value < low || value > high) {
        source_.fail(map.optional("value"), map.child_path("value"), "value lies outside its range");
      }
    } else {
      value = detail::read_number(source_, map.required("value"), map.child_path("value"), range);
      uncertainty.distribution = Uncertainty::Distribution::normal;
      uncertainty.first = value;
      uncertainty.second = detail::read_number(source_, map.optional("sd"), map.child_path("sd"), non_negative);
    }
    scenario_.uncertainties.push_back(std::move(uncertainty));
    return value;
  }

  // Sampling streams are keyed by path; use ids rather than list positions so that reordering
  // delegations or blocs in the file draws the same numbers.
  void name_uncertainties_by_id() {
    for (auto& uncertainty : scenario_.uncertainties) {
      const std::string& path = uncertainty.key_path;
      uncertainty.stream_key = path;
      for (const std::string list : {"delegations", "blocs"}) {
        if (path.compare(0, list.size() + 1, list + "[") != 0) continue;
        const std::size_t close = path.find(']');
        const std::size_t index = std::stoul(path.substr(list.size() + 1, close - list.size() - 1));
        const std::string& id = list == "delegations" ? scenario_.delegations[index].id : scenario_.blocs[index].id;
        uncertainty.stream_key = list + "." + id + path.substr(close + 1);
      }
    }
  }

  void read_dates(const YAML::Node& node) {
    MapReader dates(source_, node, "dates", {"start", "end"});
    if (dates.has("start")) scenario_.date_start = detail::read_string(source_, dates.optional("start"), "dates.start");
    if (dates.has("end")) scenario_.date_end = detail::read_string(source_, dates.optional("end"), "dates.end");
  }

  void read_sources(const YAML::Node& node) {
    detail::require_sequence(source_, node, "sources");
    for (std::size_t i = 0; i < node.size(); ++i) {
      scenario_.sources.push_back(detail::read_string(source_, node[i], index_path("sources", i)));
    }
  }

  void check_count(const YAML::Node& node, const std::string& path, std::size_t minimum, int maximum,
                   const std::string& what) {
    detail::require_sequence(source_, node, path);
    if (node.size() < minimum) {
      source_.fail(node, path, "at least " + std::to_string(minimum) + " " + what + " needed");
    }
    if (node.size() > static_cast<std::size_t>(maximum)) {
      source_.fail(node, path,
                   std::to_string(node.size()) + " " + what + " is over the limit of " + std::to_string(maximum));
    }
  }

  void read_issues(const YAML::Node& node) {
    check_count(node, "issues", 1, limits_.max_issues, "issues");
    for (std::size_t i = 0; i < node.size(); ++i) {
      const std::string path = index_path("issues", i);
      MapReader map(source_, node[i], path, {"id", "title", "levels", "status_quo", "omitted", "notes"});
      Issue issue;
      issue.id = detail::read_id(source_, map.required("id"), map.child_path("id"));
      if (scenario_.find_issue(issue.id) >= 0) {
        source_.fail(map.optional("id"), map.child_path("id"), "duplicate issue id '" + issue.id + "'");
      }
      issue.title = detail::read_string(source_, map.required("title"), map.child_path("title"));
      if (map.has("notes")) issue.notes = detail::read_string(source_, map.optional("notes"), map.child_path("notes"));
      YAML::Node levels = map.required("levels");
      const std::string levels_path = map.child_path("levels");
      check_count(levels, levels_path, 2, 101, "levels");
      for (std::size_t l = 0; l < levels.size(); ++l) {
        const std::string level_path = index_path(levels_path, l);
        MapReader level_map(source_, levels[l], level_path, {"value", "text"});
        TextLevel level;
        level.value =
            detail::read_number(source_, level_map.required("value"), level_map.child_path("value"), unit_interval);
        level.text = detail::read_string(source_, level_map.required("text"), level_map.child_path("text"));
        if (!issue.levels.empty() && level.value <= issue.levels.back().value) {
          source_.fail(level_map.optional("value"), level_map.child_path("value"),
                       "level values must increase strictly");
        }
        issue.levels.push_back(level);
      }
      if (map.has("status_quo")) {
        issue.status_quo =
            detail::read_number(source_, map.optional("status_quo"), map.child_path("status_quo"), unit_interval);
      }
      if (map.has("omitted")) {
        issue.omitted = detail::read_bool(source_, map.optional("omitted"), map.child_path("omitted"));
      }
      scenario_.issues.push_back(std::move(issue));
    }
  }

  void read_blocs(const YAML::Node& node) {
    check_count(node, "blocs", 0, limits_.max_blocs, "blocs");
    for (std::size_t b = 0; b < node.size(); ++b) {
      const std::string path = index_path("blocs", b);
      MapReader map(source_, node[b], path, {"id", "name", "cohesion", "leader", "leader_weight"});
      Bloc bloc;
      bloc.id = detail::read_id(source_, map.required("id"), map.child_path("id"));
      for (const auto& other : scenario_.blocs) {
        if (other.id == bloc.id)
          source_.fail(map.optional("id"), map.child_path("id"), "duplicate bloc id '" + bloc.id + "'");
      }
      bloc.name =
          map.has("name") ? detail::read_string(source_, map.optional("name"), map.child_path("name")) : bloc.id;
      const int index = static_cast<int>(b);
      if (map.has("cohesion")) {
        bloc.cohesion = read_uncertain(map.optional("cohesion"), map.child_path("cohesion"), unit_interval,
                                       [index](Scenario& s, double v) { s.blocs[index].cohesion = v; });
      }
      if (map.has("leader_weight")) {
        bloc.leader_weight =
            read_uncertain(map.optional("leader_weight"), map.child_path("leader_weight"), unit_interval,
                           [index](Scenario& s, double v) { s.blocs[index].leader_weight = v; });
      }
      if (map.has("leader")) {
        pending_leaders_.push_back({index, map.optional("leader"), map.child_path("leader")});
      }
      scenario_.blocs.push_back(std::move(bloc));
    }
  }

  std::vector<std::string> issue_ids() const {
    std::vector<std::string> ids;
    for (const auto& issue : scenario_.issues) ids.push_back(issue.id);
    return ids;
  }

  // Reads `issue id -> value` mappings, failing on issue ids that were never declared.
  int issue_key(const YAML::Node& key, const std::string& parent_path) {
    const std::string id = detail::read_string(source_, key, parent_path);
    int issue = scenario_.find_issue(id);
    if (issue < 0) {
      source_.fail(key, join_path(parent_path, id),
                   "unknown issue '" + id + "'" + detail::did_you_mean(id, issue_ids()));
    }
    return issue;
  }

  void read_delegations(const YAML::Node& node) {
    check_count(node, "delegations", 2, limits_.max_delegations, "delegations");
    const int n = static_cast<int>(node.size());
    const int k = scenario_.issue_count();
    scenario_.positions = Eigen::MatrixXd::Constant(n, k, -1.0);
    scenario_.raw_salience = Eigen::MatrixXd::Zero(n, k);
    scenario_.power = Eigen::VectorXd::Ones(n);
    scenario_.red_line_min = Eigen::MatrixXd::Zero(n, k);
    scenario_.red_line_max = Eigen::MatrixXd::Ones(n, k);
    for (int i = 0; i < n; ++i) {
      try {
        read_delegation(node[static_cast<std::size_t>(i)], i);
      } catch (const InputError& error) {
        problems_.push_back(error);  // the next delegation is read all the same
      }
    }
  }

  void read_delegation(const YAML::Node& node, int i) {
    const std::string path = index_path("delegations", static_cast<std::size_t>(i));
    MapReader map(source_, node, path,
                  {"id", "name", "bloc", "power", "positions", "salience", "red_lines", "agent", "outside_option",
                   "susceptibility", "ties", "notes"});
    Delegation delegation;
    delegation.id = detail::read_id(source_, map.required("id"), map.child_path("id"));
    if (scenario_.find_delegation(delegation.id) >= 0) {
      source_.fail(map.optional("id"), map.child_path("id"), "duplicate delegation id '" + delegation.id + "'");
    }
    delegation.name =
        map.has("name") ? detail::read_string(source_, map.optional("name"), map.child_path("name")) : delegation.id;
    if (map.has("notes"))
      delegation.notes = detail::read_string(source_, map.optional("notes"), map.child_path("notes"));
    if (map.has("bloc")) {
      const std::string bloc_id = detail::read_string(source_, map.optional("bloc"), map.child_path("bloc"));
      std::vector<std::string> bloc_ids;
      for (std::size_t b = 0; b < scenario_.blocs.size(); ++b) {
        bloc_ids.push_back(scenario_.blocs[b].id);
        if (scenario_.blocs[b].id == bloc_id) delegation.bloc = static_cast<int>(b);
      }
      if (delegation.bloc < 0) {
        source_.fail(map.optional("bloc"), map.child_path("bloc"),
                     "unknown bloc '" + bloc_id + "'" + detail::did_you_mean(bloc_id, bloc_ids) +
                         (bloc_ids.empty() ? "; the scenario declares no blocs" : ""));
      }
      scenario_.blocs[static_cast<std::size_t>(delegation.bloc)].members.push_back(i);
    }
    if (map.has("power")) {
      scenario_.power(i) = read_uncertain(map.optional("power"), map.child_path("power"), positive,
                                          [i](Scenario& s, double v) { s.power(i) = v; });
    }
    read_agent(map, delegation, i);
    read_positions(map, i);
    read_salience(map, i);
    read_red_lines(map, delegation, i);
    if (map.has("ties")) {
      YAML::Node ties = map.optional("ties");
      detail::require_map(source_, ties, map.child_path("ties"));
      pending_ties_.push_back({i, ties, map.child_path("ties")});
    }
    scenario_.delegations.push_back(std::move(delegation));
  }

  void read_agent(const MapReader& map, Delegation& delegation, int i) {
    AgentParameters& agent = delegation.agent;
    if (map.has("agent")) {
      MapReader agent_map(source_, map.optional("agent"), map.child_path("agent"),
                          {"model", "support_max", "support_min", "beta", "reciprocity"});
      if (agent_map.has("model")) {
        std::string model = detail::read_choice(source_, agent_map.optional("model"), agent_map.child_path("model"),
                                                {"sincere", "concession", "reciprocal", "bloc_follower", "spoiler"});
        if (model == "sincere") agent.model = AgentModel::sincere;
        if (model == "concession") agent.model = AgentModel::concession;
        if (model == "reciprocal") agent.model = AgentModel::reciprocal;
        if (model == "bloc_follower") agent.model = AgentModel::bloc_follower;
        if (model == "spoiler") agent.model = AgentModel::spoiler;
      }
      if (agent_map.has("support_max")) {
        agent.support_max = read_uncertain(
            agent_map.optional("support_max"), agent_map.child_path("support_max"), unit_interval,
            [i](Scenario& s, double v) { s.delegations[static_cast<std::size_t>(i)].agent.support_max = v; });
      }
      if (agent_map.has("support_min")) {
        agent.support_min = read_uncertain(
            agent_map.optional("support_min"), agent_map.child_path("support_min"), unit_interval,
            [i](Scenario& s, double v) { s.delegations[static_cast<std::size_t>(i)].agent.support_min = v; });
      }
      if (agent.support_min > agent.support_max) {
        source_.fail(agent_map.has("support_min") ? agent_map.optional("support_min") : agent_map.node(),
                     agent_map.child_path("support_min"),
                     "support_min " + std::to_string(agent.support_min) + " is above support_max " +
                         std::to_string(agent.support_max));
      }
      if (agent_map.has("beta")) {
        agent.beta =
            read_uncertain(agent_map.optional("beta"), agent_map.child_path("beta"), Range{0.01, 100},
                           [i](Scenario& s, double v) { s.delegations[static_cast<std::size_t>(i)].agent.beta = v; });
      }
      if (agent_map.has("reciprocity")) {
        agent.reciprocity = read_uncertain(
            agent_map.optional("reciprocity"), agent_map.child_path("reciprocity"), Range{0, 2},
            [i](Scenario& s, double v) { s.delegations[static_cast<std::size_t>(i)].agent.reciprocity = v; });
      }
    }
    const bool spoiler = agent.model == AgentModel::spoiler;
    delegation.outside_option = spoiler ? 0.8 : 0.3;
    delegation.susceptibility = spoiler ? 0.0 : 0.3;
    if (map.has("outside_option")) {
      delegation.outside_option =
          read_uncertain(map.optional("outside_option"), map.child_path("outside_option"), unit_interval,
                         [i](Scenario& s, double v) { s.delegations[static_cast<std::size_t>(i)].outside_option = v; });
    }
    if (map.has("susceptibility")) {
      delegation.susceptibility =
          read_uncertain(map.optional("susceptibility"), map.child_path("susceptibility"), unit_interval,
                         [i](Scenario& s, double v) { s.delegations[static_cast<std::size_t>(i)].susceptibility = v; });
    }
  }

  void read_positions(const MapReader& map, int i) {
    YAML::Node positions = map.required("positions");
    const std::string path = map.child_path("positions");
    detail::require_map(source_, positions, path);
    MapReader checked(source_, positions, path, issue_ids());
    for (auto it = positions.begin(); it != positions.end(); ++it) {
      int issue = issue_key(it->first, path);
      const std::string value_path = join_path(path, scenario_.issues[static_cast<std::size_t>(issue)].id);
      scenario_.positions(i, issue) = read_uncertain(it->second, value_path, unit_interval,
                                                     [i, issue](Scenario& s, double v) { s.positions(i, issue) = v; });
    }
    for (int k = 0; k < scenario_.issue_count(); ++k) {
      if (scenario_.positions(i, k) < 0) {
        source_.fail(positions, path,
                     "no position on issue '" + scenario_.issues[static_cast<std::size_t>(k)].id +
                         "' (every delegation needs a position on every issue)");
      }
    }
  }

  void read_salience(const MapReader& map, int i) {
    if (!map.has("salience")) {
      scenario_.raw_salience.row(i).setOnes();
      return;
    }
    YAML::Node salience = map.optional("salience");
    const std::string path = map.child_path("salience");
    MapReader checked(source_, salience, path, issue_ids());
    for (auto it = salience.begin(); it != salience.end(); ++it) {
      int issue = issue_key(it->first, path);
      const std::string value_path = join_path(path, scenario_.issues[static_cast<std::size_t>(issue)].id);
      scenario_.raw_salience(i, issue) = read_uncertain(
          it->second, value_path, Range{0, 1e6}, [i, issue](Scenario& s, double v) { s.raw_salience(i, issue) = v; });
    }
    if (scenario_.raw_salience.row(i).sum() <= 0) {
      source_.fail(salience, path, "salience is zero on every issue; at least one must be positive");
    }
  }

  void read_red_lines(const MapReader& map, Delegation& delegation, int i) {
    if (!map.has("red_lines")) return;
    YAML::Node red_lines = map.optional("red_lines");
    const std::string path = map.child_path("red_lines");
    MapReader checked(source_, red_lines, path, issue_ids());
    for (auto it = red_lines.begin(); it != red_lines.end(); ++it) {
      int issue = issue_key(it->first, path);
      const std::string line_path = join_path(path, scenario_.issues[static_cast<std::size_t>(issue)].id);
      MapReader bounds(source_, it->second, line_path, {"min", "max"});
      if (!bounds.has("min") && !bounds.has("max")) {
        source_.fail(it->second, line_path, "a red line needs 'min', 'max' or both");
      }
      RedLine red_line;
      red_line.issue = issue;
      if (bounds.has("min")) {
        red_line.min = read_uncertain(bounds.optional("min"), bounds.child_path("min"), unit_interval,
                                      [i, issue](Scenario& s, double v) { s.red_line_min(i, issue) = v; });
      }
      if (bounds.has("max")) {
        red_line.max = read_uncertain(bounds.optional("max"), bounds.child_path("max"), unit_interval,
                                      [i, issue](Scenario& s, double v) { s.red_line_max(i, issue) = v; });
      }
      if (red_line.min > red_line.max) {
        source_.fail(bounds.optional("min"), bounds.child_path("min"),
                     "min " + format(red_line.min) + " is above max " + format(red_line.max));
      }
      const double position = scenario_.positions(i, issue);
      if (position < red_line.min || position > red_line.max) {
        const bool below = position < red_line.min;
        source_.fail(bounds.optional(below ? "min" : "max"), bounds.child_path(below ? "min" : "max"),
                     "the red line [" + format(red_line.min) + ", " + format(red_line.max) +
                         "] excludes the delegation's own position " + format(position));
      }
      scenario_.red_line_min(i, issue) = red_line.min;
      scenario_.red_line_max(i, issue) = red_line.max;
      delegation.red_lines.push_back(red_line);
    }
  }

  static std::string format(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
  }

  std::vector<std::string> delegation_ids() const {
    std::vector<std::string> ids;
    for (const auto& delegation : scenario_.delegations) ids.push_back(delegation.id);
    return ids;
  }

  int delegation_reference(const YAML::Node& node, const std::string& path) {
    const std::string id = detail::read_string(source_, node, path);
    int index = scenario_.find_delegation(id);
    if (index < 0) {
      source_.fail(node, path, "unknown delegation '" + id + "'" + detail::did_you_mean(id, delegation_ids()));
    }
    return index;
  }

  void resolve_blocs() {
    for (const auto& pending : pending_leaders_) {
      int leader = delegation_reference(pending.node, pending.path);
      Bloc& bloc = scenario_.blocs[static_cast<std::size_t>(pending.index)];
      if (scenario_.delegations[static_cast<std::size_t>(leader)].bloc != pending.index) {
        source_.fail(pending.node, pending.path,
                     "leader '" + scenario_.delegations[static_cast<std::size_t>(leader)].id +
                         "' is not a member of bloc '" + bloc.id + "'");
      }
      bloc.leader = leader;
    }
  }

  void resolve_ties() {
    for (const auto& pending : pending_ties_) {
      const YAML::Node& ties = pending.node;
      std::map<std::string, bool> seen;
      MapReader checked(source_, ties, pending.path, delegation_ids());
      for (auto it = ties.begin(); it != ties.end(); ++it) {
        const std::string key_path = join_path(pending.path, detail::read_string(source_, it->first, pending.path));
        int other = delegation_reference(it->first, key_path);
        if (other == pending.index) source_.fail(it->first, key_path, "a delegation cannot tie to itself");
        const int i = pending.index;
        const std::size_t tie_index = scenario_.delegations[static_cast<std::size_t>(i)].ties.size();
        double weight = read_uncertain(it->second, key_path, Range{0, 100}, [i, tie_index](Scenario& s, double v) {
          s.delegations[static_cast<std::size_t>(i)].ties[tie_index].second = v;
        });
        scenario_.delegations[static_cast<std::size_t>(i)].ties.emplace_back(other, weight);
      }
    }
  }

  void read_process(const YAML::Node& node) {
    MapReader map(source_, node, "process",
                  {"rule", "max_rounds", "utility", "isolation_cost", "full_company", "noise", "amendment_step",
                   "chair", "fallbacks"});
    Process& process = scenario_.process;
    if (map.has("rule")) read_rule(map.optional("rule"), map.child_path("rule"));
    if (map.has("max_rounds")) {
      process.max_rounds = detail::read_integer(source_, map.optional("max_rounds"), map.child_path("max_rounds"), 1,
                                                limits_.max_rounds);
    }
    if (map.has("utility")) {
      process.utility = detail::read_choice(source_, map.optional("utility"), map.child_path("utility"),
                                            {"linear", "quadratic"}) == "linear"
                            ? UtilityShape::linear
                            : UtilityShape::quadratic;
    }
    auto process_number = [&](const char* key, double& target, const Range& range,
                              std::function<void(Scenario&, double)> apply) {
      if (map.has(key)) target = read_uncertain(map.optional(key), map.child_path(key), range, std::move(apply));
    };
    process_number("isolation_cost", process.isolation_cost, unit_interval,
                   [](Scenario& s, double v) { s.process.isolation_cost = v; });
    process_number("full_company", process.full_company, Range{0, 1, true, false},
                   [](Scenario& s, double v) { s.process.full_company = v; });
    process_number("noise", process.noise, Range{0, 0.5}, [](Scenario& s, double v) { s.process.noise = v; });
    process_number("amendment_step", process.amendment_step, unit_interval,
                   [](Scenario& s, double v) { s.process.amendment_step = v; });
    if (map.has("chair")) read_chair(map.optional("chair"), map.child_path("chair"));
    if (map.has("fallbacks")) read_fallbacks(map.optional("fallbacks"), map.child_path("fallbacks"));
  }

  void read_rule(const YAML::Node& node, const std::string& path) {
    const std::string text = detail::read_string(source_, node, path);
    Rule& rule = scenario_.process.rule;
    const std::string prefix = "consensus-minus-";
    if (text == "unanimity") {
      rule.kind = RuleKind::unanimity;
    } else if (text == "consensus") {
      rule.kind = RuleKind::consensus;
    } else if (text.compare(0, prefix.size(), prefix) == 0) {
      const std::string digits = text.substr(prefix.size());
      if (digits.empty() || digits.size() > 4 || digits.find_first_not_of("0123456789") != std::string::npos) {
        source_.fail(node, path,
                     "'" + text + "': N in consensus-minus-N must be a whole number, e.g. consensus-minus-1");
      }
      rule.kind = RuleKind::consensus_minus;
      rule.max_objectors = std::stoi(digits);
      if (rule.max_objectors < 1 || rule.max_objectors >= scenario_.delegation_count()) {
        source_.fail(node, path,
                     "N in '" + text + "' must be between 1 and " + std::to_string(scenario_.delegation_count() - 1) +
                         " (the number of delegations minus one)");
      }
    } else {
      source_.fail(node, path,
                   "'" + text.substr(0, 64) + "' is not a rule; use unanimity, consensus or consensus-minus-N" +
                       detail::did_you_mean(text, {"unanimity", "consensus", "consensus-minus-1"}));
    }
  }

  void read_chair(const YAML::Node& node, const std::string& path) {
    MapReader map(source_, node, path, {"delegation", "strategy", "bias", "repair", "amendments"});
    ChairSettings& chair = scenario_.process.chair;
    if (map.has("delegation"))
      chair.delegation = delegation_reference(map.optional("delegation"), map.child_path("delegation"));
    if (map.has("strategy")) {
      std::string strategy = detail::read_choice(source_, map.optional("strategy"), map.child_path("strategy"),
                                                 {"compromise", "nash", "maximin"});
      chair.strategy = strategy == "compromise" ? ChairStrategy::compromise
                       : strategy == "nash"     ? ChairStrategy::nash
                                                : ChairStrategy::maximin;
    }
    if (map.has("bias")) {
      chair.bias = read_uncertain(map.optional("bias"), map.child_path("bias"), unit_interval,
                                  [](Scenario& s, double v) { s.process.chair.bias = v; });
      if (chair.bias > 0 && chair.delegation < 0) {
        source_.fail(map.optional("bias"), map.child_path("bias"),
                     "a bias needs a chair delegation to lean toward (process.chair.delegation)");
      }
    }
    if (map.has("repair")) chair.repair = detail::read_bool(source_, map.optional("repair"), map.child_path("repair"));
    if (map.has("amendments")) {
      chair.amendments = detail::read_bool(source_, map.optional("amendments"), map.child_path("amendments"));
    }
  }

  void read_fallbacks(const YAML::Node& node, const std::string& path) {
    MapReader map(source_, node, path, {"chairs_summary", "vote"});
    Fallbacks& fallbacks = scenario_.process.fallbacks;
    if (map.has("chairs_summary")) {
      fallbacks.chairs_summary =
          detail::read_bool(source_, map.optional("chairs_summary"), map.child_path("chairs_summary"));
    }
    if (map.has("vote")) {
      MapReader vote(source_, map.optional("vote"), map.child_path("vote"), {"threshold"});
      fallbacks.vote_threshold = detail::read_number(source_, vote.required("threshold"), vote.child_path("threshold"),
                                                     Range{0.5, 1, true, false});
    }
  }

  void read_expected(const YAML::Node& node) {
    MapReader map(source_, node, "expected",
                  {"outcome", "objectors", "dissociators", "contested_issues", "notes", "criterion"});
    Expected& expected = scenario_.expected;
    expected.present = true;
    const std::vector<std::string> outcomes = {
        "consensus",   "consensus_with_dissociations", "adopted_over_objections", "chairs_summary", "vote",
        "no_consensus"};
    expected.outcome = *outcome_from_string(
        detail::read_choice(source_, map.required("outcome"), map.child_path("outcome"), outcomes));
    auto read_ids = [&](const char* key, bool issues) {
      std::vector<std::string> ids;
      if (!map.has(key)) return ids;
      YAML::Node list = map.optional(key);
      detail::require_sequence(source_, list, map.child_path(key));
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string item_path = index_path(map.child_path(key), i);
        if (issues) {
          int issue = issue_key(list[i], map.child_path(key));
          ids.push_back(scenario_.issues[static_cast<std::size_t>(issue)].id);
        } else {
          ids.push_back(scenario_.delegations[static_cast<std::size_t>(delegation_reference(list[i], item_path))].id);
        }
      }
      return ids;
    };
    expected.objectors = read_ids("objectors", false);
    expected.dissociators = read_ids("dissociators", false);
    expected.contested_issues = read_ids("contested_issues", true);
    if (map.has("notes")) expected.notes = detail::read_string(source_, map.optional("notes"), map.child_path("notes"));
    if (map.has("criterion")) {
      MapReader criterion(source_, map.optional("criterion"), map.child_path("criterion"),
                          {"outcome_share", "named_share"});
      if (criterion.has("outcome_share")) {
        expected.outcome_share = detail::read_number(source_, criterion.optional("outcome_share"),
                                                     criterion.child_path("outcome_share"), Range{0, 1, true, false});
      }
      if (criterion.has("named_share")) {
        expected.named_share = detail::read_number(source_, criterion.optional("named_share"),
                                                   criterion.child_path("named_share"), Range{0, 1, true, false});
      }
    }
  }

  struct PendingReference {
    int index;
    YAML::Node node;
    std::string path;
  };

  const Source& source_;
  const LoadLimits& limits_;
  Scenario scenario_;
  std::vector<InputError> problems_;  // of delegations, each read on its own
  std::vector<PendingReference> pending_leaders_;
  std::vector<PendingReference> pending_ties_;
};

std::string file_stem(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::size_t dot = name.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

}  // namespace

Scenario load_scenario_text(const std::string& text, const std::string& file_name,
                            const std::vector<std::string>& overrides, const LoadLimits& limits) {
  Source source(file_name);
  YAML::Node root = parse_document(source, text, limits);
  std::vector<std::string> included_files;
  try {
    if (root.IsMap()) {
      // The file's own tree first: an alias cycle must not reach the include code.
      long budget = limits.max_nodes;
      for (const auto& pair : root) {
        const std::string key = pair.first.IsScalar() ? pair.first.Scalar() : "";
        check_node_count(source, pair.second, key, budget, limits);
      }
      IncludeResolver resolver(source, limits, file_name);
      root = resolver.resolve(file_name, root);
      included_files = resolver.included();
    }
    for (const auto& expression : overrides) {
      if (!root.IsMap()) break;
      source.add_override(apply_override(root, expression), expression);
    }
    if (root.IsMap()) {
      long budget = limits.max_nodes;
      for (const auto& pair : root) {
        const std::string key = pair.first.IsScalar() ? pair.first.Scalar() : "";
        check_node_count(source, pair.second, key, budget, limits);
      }
    }
    Loader loader(source, limits);
    Scenario scenario = loader.load(root);
    // The stem names the results directory and goes into the JSON outputs: UTF-8 only.
    if (detail::invalid_utf8_offset(file_name) != std::string::npos) {
      source.fail_at(1, 1, "", "the file name is not valid UTF-8; rename the file");
    }
    scenario.id = file_stem(file_name);
    scenario.source_file = file_name;
    scenario.included_files = std::move(included_files);
    return scenario;
  } catch (const YAML::Exception& error) {
    // yaml-cpp throws on conversions we did not foresee; report them as input errors all the same.
    source.fail_at(error.mark.is_null() ? 1 : error.mark.line + 1, error.mark.is_null() ? 1 : error.mark.column + 1, "",
                   error.msg);
  }
}

Scenario load_scenario_file(const std::string& path, const std::vector<std::string>& overrides,
                            const LoadLimits& limits) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) throw InputError(path, 1, 1, "", "cannot open the file: it does not exist");
  if (S_ISDIR(info.st_mode)) throw InputError(path, 1, 1, "", "is a directory, not a scenario file");
  if (static_cast<std::size_t>(info.st_size) > limits.max_file_bytes) {
    throw InputError(path, 1, 1, "",
                     "the file is " + std::to_string(info.st_size) + " bytes, over the limit of " +
                         std::to_string(limits.max_file_bytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 1, 1, "", "cannot open the file for reading");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return load_scenario_text(buffer.str(), path, overrides, limits);
}

}  // namespace negsim
