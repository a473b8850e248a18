// YAML -> Scenario, with every check a run relies on. The order matters only for references:
// issues first (positions name them), then blocs and delegations, then everything that names
// a delegation (bloc leaders, ties, the chair, the expected block).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "negsim/errors.hpp"
#include "negsim/policy.hpp"
#include "negsim/scenario.hpp"
#include "yaml_fast_tree.hpp"
#include "yaml_reader.hpp"

namespace negsim {

using detail::index_path;
using detail::join_path;
using detail::KeySet;
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
      // Replace the slot rather than assign through it: the old value may be a node that other
      // places share (a bloc's defaults), which must keep their value.
      const YAML::Node& const_current = current;  // a non-const lookup would add the key
      if (const_current[segment]) current.remove(segment);
      current.force_insert(segment, value);
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
// Commas inside [ ] and { } are counted too: each separates entries, so there are at least as
// many nodes, and yaml-cpp tokenises a whole flow collection (hundreds of bytes a token) before
// it hands out the first event. A file of millions of "1," is refused here, before any of that.
void check_flow_depth(const Source& source, const std::string& text, int max_depth, long node_budget) {
  // Only these characters change what is tracked; the others are passed over by a table (this
  // scan of every byte was a few percent of loading a large file).
  static const std::array<bool, 256> tracked = [] {
    std::array<bool, 256> table{};
    for (const char c : std::string_view("\n#\"'[]{},")) table[static_cast<unsigned char>(c)] = true;
    return table;
  }();
  int depth = 0;
  long commas = 0;
  int line = 1;
  std::size_t line_start = 0;  // where the line of the character read begins
  char quote = 0;
  bool comment = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!tracked[static_cast<unsigned char>(c)]) continue;
    const int column = static_cast<int>(i - line_start) + 1;
    const char previous = i == 0 ? '\n' : text[i - 1];
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      comment = false;
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
    } else if (c == ',' && depth > 0 && ++commas > node_budget) {
      source.fail_at(line, column, "",
                     "more YAML nodes than the limit allows (" + std::to_string(commas) +
                         " entries of [ ] or { } by here); a scenario within the delegation and issue limits never "
                         "needs that many (--max-nodes raises the limit)");
    }
  }
}

// yaml-cpp 0.7 accepts a double-quoted scalar left open at the end of the file (it silently
// takes the rest of the file as its text). Find such a quote before parsing. Block scalars
// (| and >) are skipped: quotes inside them are plain text.
void check_unclosed_quotes(const Source& source, const std::string& text) {
  static const std::array<bool, 256> marks_something = [] {
    std::array<bool, 256> table{};
    for (const char c : std::string_view("\n#|>\"'")) table[static_cast<unsigned char>(c)] = true;
    return table;
  }();
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
    // Any other character is passed over (the last step below), found by a table.
    if (!marks_something[static_cast<unsigned char>(c)]) {
      ++i;
      continue;
    }
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
                "more than " + std::to_string(node_limit(limits)) +
                    " YAML nodes once aliases are expanded; a scenario within the delegation and issue limits never "
                    "needs that many (--max-nodes raises the limit)");
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

// The bytes of `path`, read through a descriptor: a device (/dev/zero), a FIFO or a socket is
// refused before reading (a FIFO opened without O_NONBLOCK would wait for a writer for ever),
// and the reading stops at `limit` bytes whatever stat said (a file that grows while read, a
// /proc file that reports size 0). `fail` throws.
std::string read_bounded(const std::string& path, std::size_t limit,
                         const std::function<void(const std::string&)>& fail) {
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (descriptor < 0) {
    fail(errno == ENOENT ? "cannot open the file: it does not exist"
                         : std::string("cannot open the file for reading: ") + std::strerror(errno));
  }
  struct Closer {
    int descriptor;
    ~Closer() { ::close(descriptor); }
  } closer{descriptor};
  struct stat info {};
  if (fstat(descriptor, &info) != 0) fail(std::string("cannot read the file: ") + std::strerror(errno));
  if (S_ISDIR(info.st_mode)) fail("is a directory, not a scenario file");
  if (!S_ISREG(info.st_mode)) fail("is not a regular file (a device, pipe or socket); a scenario is a file");
  if (static_cast<std::size_t>(info.st_size) > limit) {
    fail("the file is " + std::to_string(info.st_size) + " bytes, over the limit of " + std::to_string(limit) +
         " bytes");
  }
  std::string text;
  char buffer[1 << 16];
  while (true) {
    const ssize_t count = ::read(descriptor, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) fail(std::string("cannot read the file: ") + std::strerror(errno));
    if (count == 0) break;
    if (text.size() + static_cast<std::size_t>(count) > limit) {
      fail("the file is over the limit of " + std::to_string(limit) + " bytes");
    }
    text.append(buffer, static_cast<std::size_t>(count));
  }
  return text;
}

constexpr int max_include_depth = 8;    // files open inside each other at once
constexpr int max_included_files = 64;  // files read for one scenario

// What the event pass over a document's text found before the tree is built.
struct DocumentEvents {
  long nodes = 0;          // without aliases expanded (check_node_count expands them)
  std::set<int> anchored;  // mark positions of anchored nodes: the only ones aliases share
  bool has_aliases = false;
  YAML::NodeType::value root_type = YAML::NodeType::Null;
  YAML::Mark first_key = YAML::Mark::null_mark();  // of the top-level mapping
  bool known_key_seen = false;                     // a top-level key of the kind expected
  // False when the event pass was skipped (single_pass_suffices): `nodes` is 0 then, and the
  // caller's walk over the tree counts them (there are no aliases to expand).
  bool counted = true;
  // Read by the fast reader (yaml_fast_tree.hpp): its count of nodes (0 otherwise) and depth.
  long simple_nodes = 0;
  int simple_depth = 0;
};

// Thrown where a load with the fast reader's tree must be made again through yaml-cpp (see
// load_scenario_text) before any message is written.
struct LoadAgainThroughYamlCpp : std::runtime_error {
  LoadAgainThroughYamlCpp() : std::runtime_error("load again through yaml-cpp") {}
};

// What a file is expected to be: its top-level keys, and a name for messages ("a stance file").
struct FileKind {
  std::vector<std::string> keys;
  std::string name;
};

// Counts a document's nodes from the parser's events, without building the tree (which takes
// hundreds of bytes a node): a file with too many nodes is refused before it costs memory.
class CountingHandler : public YAML::EventHandler {
 public:
  struct OverBudget {
    YAML::Mark mark;
  };
  // `known_keys`: the top-level keys of the kind of file expected (recorded in `events`).
  CountingHandler(DocumentEvents& events, long budget, const std::vector<std::string>* known_keys)
      : events_(events), budget_(budget), known_keys_(known_keys) {}
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    node(mark, anchor, YAML::NodeType::Null, nullptr);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    events_.has_aliases = true;
    node(mark, YAML::NullAnchor, YAML::NodeType::Undefined, nullptr);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string& value) override {
    node(mark, anchor, YAML::NodeType::Scalar, &value);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    node(mark, anchor, YAML::NodeType::Sequence, nullptr);
    ++depth_;
  }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    node(mark, anchor, YAML::NodeType::Map, nullptr);
    ++depth_;
  }
  void OnMapEnd() override { --depth_; }

 private:
  void node(const YAML::Mark& mark, YAML::anchor_t anchor, YAML::NodeType::value type, const std::string* scalar) {
    if (++events_.nodes > budget_) throw OverBudget{mark};
    if (anchor != YAML::NullAnchor) events_.anchored.insert(mark.pos);
    if (depth_ == 0) events_.root_type = type;
    if (depth_ == 1 && events_.root_type == YAML::NodeType::Map) {
      if (expect_key_) {
        if (events_.first_key.is_null()) events_.first_key = mark;
        if (scalar != nullptr && known_keys_ != nullptr &&
            std::find(known_keys_->begin(), known_keys_->end(), *scalar) != known_keys_->end()) {
          events_.known_key_seen = true;
        }
      }
      expect_key_ = !expect_key_;
    }
  }
  DocumentEvents& events_;
  long budget_;
  const std::vector<std::string>* known_keys_;
  int depth_ = 0;
  bool expect_key_ = true;
};

// The keys a file of each kind may have at its top level.
const std::vector<std::string> scenario_keys = {
    "title", "description", "dates",   "sources",  "bibliography", "stances", "catalogue", "parameters", "issues",
    "blocs", "delegations", "process", "expected", "predicted",    "members", "uncertain", "provenance"};
const std::vector<std::string> overlay_keys = {"base",    "set",          "title",    "description", "dates",
                                               "sources", "bibliography", "expected", "predicted"};
const std::vector<std::string> stance_keys = {"description", "sources", "bibliography", "stances", "delegations"};
const std::vector<std::string> catalogue_keys = {"description", "sources", "bibliography", "issues"};
const std::vector<std::string> member_list_keys = {"description", "sources", "bibliography", "groups"};
const std::vector<std::string> bibliography_keys = {"description", "entries"};
const std::vector<std::string> parameter_keys = {"description", "sources", "fitted", "process"};

FileKind scenario_kind(const std::string& name) {
  std::vector<std::string> keys = scenario_keys;
  keys.insert(keys.end(), overlay_keys.begin(), overlay_keys.end());
  return {keys, name};
}

std::string describe_shape(YAML::NodeType::value type) {
  switch (type) {
    case YAML::NodeType::Scalar: return "text";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "nothing";
  }
}

// A file that is not of the kind expected (a password file named as a stance file, say) is
// refused without quoting any of it: not its text, not its keys. One with at least one key of
// the kind is taken as such a file with mistakes, reported in full (with did-you-mean).
// Checked on the parser's events, before the tree is built.
void check_file_kind(const Source& source, const DocumentEvents& events, const FileKind& kind) {
  std::string listed;
  for (const auto& key : kind.keys) {
    if (listed.find(key) == std::string::npos) listed += (listed.empty() ? "" : ", ") + key;
  }
  if (events.root_type != YAML::NodeType::Map) {
    source.fail_at(1, 1, "",
                   "not " + kind.name + ": its top level is " + describe_shape(events.root_type) +
                       ", not a mapping of keys (" + listed + ")");
  }
  if (!events.known_key_seen) {
    const YAML::Mark& first = events.first_key;
    source.fail_at(first.is_null() ? 1 : first.line + 1, first.is_null() ? 1 : first.column + 1, "",
                   "not " + kind.name + ": none of its top-level keys is one of " + listed);
  }
}

// yaml-cpp's messages end some errors with the offending text ("unknown escape character: x");
// an included file may be anything (a password file), so nothing of it is quoted.
std::string syntax_message(const std::string& message) {
  const std::size_t colon = message.find(": ");
  return colon == std::string::npos ? message : message.substr(0, colon);
}

[[noreturn]] void fail_syntax(const Source& source, const YAML::Exception& error) {
  source.fail_at(error.mark.is_null() ? 1 : error.mark.line + 1, error.mark.is_null() ? 1 : error.mark.column + 1, "",
                 "YAML syntax error: " + syntax_message(error.msg));
}

// Whether the event pass can be skipped and the tree built straight away (one parse instead of
// two, about a third of the time of loading a large scenario). Only when nothing the event pass
// looks for can be there:
//  - too many nodes: every node event yaml-cpp's parser emits comes from a token of at least one
//    byte, and one token gives at most three (a ':' alone in a flow sequence opens a one-pair
//    mapping with a null key and a null value: "[:,:,:]" is 10 nodes in 7 bytes, the densest
//    text found), so a text of at most budget / 3 bytes cannot hold more nodes than the budget.
//    The walk over the tree that follows counts them exactly all the same (check_node_count);
//  - anchors or aliases: no '&' and no '*' anywhere (in a quoted text or a comment too, to keep
//    the test simple) but before a space, a tab, a line break or the end, so no node is shared
//    and the anchored set is empty. An anchor or alias needs a name right after its '&' or '*':
//    the one of a title "Loss & Damage" is none (were yaml-cpp to read it as one, both passes
//    would fail alike, on the missing name);
//  - a second document: one needs a line that starts with "---" or "..." (a bare document ends
//    only at the end of the stream).
bool within_node_budget(const std::string& text, long node_budget) {
  return node_budget >= 1 && static_cast<double>(text.size()) * 3.0 + 1.0 <= static_cast<double>(node_budget);
}

bool single_pass_suffices(const std::string& text, long node_budget) {
  if (!within_node_budget(text, node_budget)) return false;
  // One memchr a character: find_first_of compares every byte with each character in turn.
  for (const char indicator : {'&', '*'}) {
    for (std::size_t at = text.find(indicator); at != std::string::npos; at = text.find(indicator, at + 1)) {
      const char next = at + 1 < text.size() ? text[at + 1] : ' ';
      if (next != ' ' && next != '\t' && next != '\n' && next != '\r') return false;
    }
  }
  for (std::size_t line = 0; line < text.size();) {
    if (text.compare(line, 3, "---") == 0 || text.compare(line, 3, "...") == 0) return false;
    const std::size_t end = text.find('\n', line);
    if (end == std::string::npos) break;
    line = end + 1;
  }
  return true;
}

// What the event pass would have recorded of the top level, read from the tree instead (the
// marks are the same: yaml-cpp's tree keeps each node's event mark).
void record_top_level(const YAML::Node& root, DocumentEvents& events, const FileKind& kind) {
  events.counted = false;
  events.root_type = root.Type();
  if (!root.IsMap()) return;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const YAML::Node key = it->first;
    if (events.first_key.is_null()) events.first_key = key.Mark();
    if (key.IsScalar() && std::find(kind.keys.begin(), kind.keys.end(), key.Scalar()) != kind.keys.end()) {
      events.known_key_seen = true;
    }
  }
}

// The nodes of a tree without aliases (the key subtrees of the top level, which the walks
// below do not visit).
long count_nodes(const YAML::Node& node) {
  long count = 1;
  if (node.IsSequence()) {
    for (const auto& child : node) count += count_nodes(child);
  } else if (node.IsMap()) {
    for (const auto& pair : node) count += count_nodes(pair.first) + count_nodes(pair.second);
  }
  return count;
}

// The YAML tree of one file's text, after the checks that must happen before parsing.
// `node_budget` is what is left of the node limit for all the files of the scenario; the
// nodes of this document (aliases not expanded) are taken from it.
// `simple_tree`: when not null, a text in the plain subset of simple_yaml_tree() is read by
// libyaml instead of yaml-cpp, and *simple_tree says whether it was (the caller then loads again
// through yaml-cpp if anything fails, for yaml-cpp's marks in the message).
YAML::Node parse_document(const Source& source, const std::string& text, const LoadLimits& limits, long& node_budget,
                          DocumentEvents& events, const FileKind& kind, bool* simple_tree = nullptr) {
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
  check_flow_depth(source, text, limits.max_flow_depth, node_budget);
  check_unclosed_quotes(source, text);
  // The fast reader refuses anchors, aliases and second documents itself (an '&' in a quoted
  // citation keeps only yaml-cpp's single pass out); it also stops past the node budget.
  std::optional<detail::SimpleTree> simple;
  if (simple_tree != nullptr && within_node_budget(text, node_budget)) {
    simple = detail::simple_yaml_tree(text, node_budget);
  }
  if (simple || single_pass_suffices(text, node_budget)) {
    YAML::Node root;
    if (simple) {
      *simple_tree = true;
      root.reset(simple->root);
      events.simple_nodes = simple->nodes;
      events.simple_depth = simple->depth;
    } else {
      try {
        root = YAML::Load(text);
      } catch (const YAML::Exception& error) {
        fail_syntax(source, error);
      }
    }
    record_top_level(root, events, kind);
    check_file_kind(source, events, kind);
    return root;
  }
  const long limit = node_limit(limits);
  try {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    CountingHandler counter(events, node_budget, &kind.keys);
    parser.HandleNextDocument(counter);
    // A second document would be ignored by the tree below: say so instead of dropping it.
    struct SecondDocument : YAML::EventHandler {
      YAML::Mark start = YAML::Mark::null_mark();
      bool seen = false;
      void OnDocumentStart(const YAML::Mark& mark) override {
        if (!seen) start = mark;
        seen = true;
      }
      void OnDocumentEnd() override {}
      void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
      void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
      void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
      void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
      void OnSequenceEnd() override {}
      void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
      void OnMapEnd() override {}
    } second;
    if (parser.HandleNextDocument(second)) {
      const int line = second.start.is_null() ? 1 : second.start.line + 1;
      const int column = second.start.is_null() ? 1 : second.start.column + 1;
      source.fail_at(line, column, "",
                     "a second YAML document starts here (after '---'); a scenario file holds one document, "
                     "so split it into two files");
    }
  } catch (const CountingHandler::OverBudget& over) {
    source.fail_at(over.mark.line + 1, over.mark.column + 1, "",
                   "more than " + std::to_string(limit) +
                       " YAML nodes in the scenario and the files it includes; a scenario within the delegation "
                       "and issue limits never needs that many (--max-nodes raises the limit)");
  } catch (const YAML::Exception& error) {
    fail_syntax(source, error);
  }
  node_budget -= events.nodes;
  check_file_kind(source, events, kind);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& error) {
    fail_syntax(source, error);
  }
  return root;
}

// A copy of `node` that shares nothing with it (scalars keep their tags: a quoted number stays
// text). Copies have no marks: errors inside one name the key path, at line 1.
YAML::Node deep_copy(const YAML::Node& node) {
  YAML::Node copy;
  switch (node.Type()) {
    case YAML::NodeType::Scalar: copy = YAML::Node(node.Scalar()); break;
    case YAML::NodeType::Sequence:
      copy = YAML::Node(YAML::NodeType::Sequence);
      for (const auto& child : node) copy.push_back(deep_copy(child));
      break;
    case YAML::NodeType::Map:
      copy = YAML::Node(YAML::NodeType::Map);
      for (const auto& pair : node) copy.force_insert(deep_copy(pair.first), deep_copy(pair.second));
      break;
    case YAML::NodeType::Null: copy = YAML::Node(YAML::NodeType::Null); break;
    case YAML::NodeType::Undefined: return node;
  }
  copy.SetTag(node.Tag());
  return copy;
}

// yaml-cpp makes an alias the very node of its anchor, so that assigning to one place (a --set,
// an overlay's set:, a stance merged into a delegation) changes every place the alias is used.
// This gives each later use its own copy; the first occurrence keeps the original and its marks.
// Only anchored nodes can be shared (`anchored` holds their mark positions), and the tree was
// checked for depth and size (aliases expanded) before this runs.
class Unsharer {
 public:
  // `anchored` null: any node may be shared (a --set value parsed on its own).
  explicit Unsharer(const std::set<int>* anchored) : anchored_(anchored) {}

  void walk(YAML::Node node) {
    if (node.IsMap()) {
      std::vector<std::pair<YAML::Node, YAML::Node>> pairs;
      std::size_t first_copied = std::numeric_limits<std::size_t>::max();
      for (auto it = node.begin(); it != node.end(); ++it) {
        YAML::Node key = it->first;
        YAML::Node value = it->second;
        if (seen_before(value)) {
          value.reset(deep_copy(value));  // reset, not =: assigning would overwrite the shared node
          first_copied = std::min(first_copied, pairs.size());
        }
        pairs.emplace_back(key, value);
      }
      if (first_copied < pairs.size()) {
        // Replace the slots without assigning through them (assignment would change the shared
        // node itself), keeping the order of the keys: those from the first copy on go back in.
        for (std::size_t j = first_copied; j < pairs.size(); ++j) node.remove(pairs[j].first);
        for (std::size_t j = first_copied; j < pairs.size(); ++j) node.force_insert(pairs[j].first, pairs[j].second);
      }
      for (auto& pair : pairs) walk(pair.second);
    } else if (node.IsSequence()) {
      std::vector<YAML::Node> items;
      bool copied = false;
      for (const auto& child : node) {
        YAML::Node item = child;
        if (seen_before(item)) {
          item.reset(deep_copy(item));
          copied = true;
        }
        items.push_back(item);
      }
      if (copied) {
        // `node` is not shared (its parent saw to that): its contents may be replaced whole.
        YAML::Node rebuilt(YAML::NodeType::Sequence);
        for (const auto& item : items) rebuilt.push_back(item);
        node = rebuilt;
      }
      for (auto& item : items) walk(item);
    }
  }

 private:
  bool seen_before(const YAML::Node& node) {
    const int position = node.Mark().pos;
    // Nodes without a mark were made here (copies, new mappings) and are used once.
    if (node.Mark().is_null() || (anchored_ != nullptr && !anchored_->count(position))) return false;
    auto& group = seen_[position];
    for (const auto& other : group) {
      if (other.is(node)) return true;
    }
    group.push_back(node);
    return false;
  }
  const std::set<int>* anchored_;
  std::unordered_map<int, std::vector<YAML::Node>> seen_;
};

void unshare(const YAML::Node& root, const std::set<int>& anchored) {
  if (anchored.empty()) return;
  Unsharer(&anchored).walk(root);
}

void unshare_all(const YAML::Node& root) {
  Unsharer(nullptr).walk(root);
}

// Includes are resolved before any set: entry or --set applies, so one that names them would
// be silently ignored (and could name any file): refused instead.
void refuse_include_override(const std::string& path_text, const std::function<void(const std::string&)>& fail) {
  const std::vector<std::string> segments = split_override_path(path_text);
  if (!segments.empty() && (segments[0] == "stances" || segments[0] == "base" || segments[0] == "catalogue" ||
                            segments[0] == "bibliography" || segments[0] == "parameters" || segments[0] == "members")) {
    fail("'" + segments[0] +
         "' names files to include, which are read before any value is set; it cannot be set or overridden "
         "(write it in the scenario file)");
  }
}

// The number a key path names in the tree, without creating anything (an `uncertain:` entry
// must name a number the scenario has). `fail` must throw.
YAML::Node find_path_value(const YAML::Node& root, const std::string& path_text, const OverrideFailure& fail) {
  const std::vector<std::string> segments = split_override_path(path_text);
  if (segments.empty()) fail("", "empty key path");
  YAML::Node current = root;
  std::string canonical;
  for (const std::string& segment : segments) {
    const YAML::Node& const_current = current;  // a non-const lookup would add the key
    if (const_current.IsSequence()) {
      std::size_t index = const_current.size();
      if (segment.front() == '[') {
        const std::string digits = segment.substr(1, segment.size() - 2);
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
          fail(canonical, "'" + segment + "' is not a list index");
        }
        index = std::stoul(digits.substr(0, 9));
      } else {
        std::vector<std::string> ids;
        for (std::size_t i = 0; i < const_current.size(); ++i) {
          const YAML::Node item = const_current[i];
          if (item.IsMap() && item["id"] && item["id"].IsScalar()) {
            ids.push_back(item["id"].Scalar());
            if (ids.back() == segment) index = i;
          }
        }
        if (index == const_current.size()) {
          fail(canonical, "no item with id '" + segment + "'" + detail::did_you_mean(segment, ids));
        }
      }
      if (index >= const_current.size()) {
        fail(canonical,
             "index " + segment + " is past the end of the list (" + std::to_string(const_current.size()) + " items)");
      }
      canonical = index_path(canonical, index);
      current.reset(const_current[index]);
      continue;
    }
    if (segment.front() == '[' || !const_current.IsMap()) {
      fail(canonical, "'" + (canonical.empty() ? segment : canonical) + "' has no key '" + segment + "'");
    }
    canonical = join_path(canonical, segment);
    if (!const_current[segment]) fail(canonical, "the scenario has no value at '" + canonical + "'");
    current.reset(const_current[segment]);
  }
  return current;
}

// Top-level `uncertain: {KEY.PATH: {range: [a, b]} | {sd: s}, why: ...}`: each entry turns the
// number it names into the in-place declaration {value, range} / {value, sd}, so that the
// judged numbers of a case stand in one list and everything downstream (sweeps, backtests,
// sensitivity) reads them as before. Errors name the entry's line.
void apply_uncertain_block(const Source& source, YAML::Node& root) {
  const YAML::Node& const_root = root;
  if (!const_root["uncertain"]) return;
  const YAML::Node block = const_root["uncertain"];
  detail::require_map(source, block, "uncertain");
  const Range any{-infinity, infinity};
  for (auto it = block.begin(); it != block.end(); ++it) {
    const YAML::Node key_node = it->first;  // copies: `it` is a proxy
    const YAML::Node entry = it->second;
    const std::string path_text = detail::read_string(source, key_node, "uncertain");
    const std::string entry_path = "uncertain." + path_text;
    refuse_include_override(path_text, [&](const std::string& message) { source.fail(key_node, entry_path, message); });
    const auto fail = [&](const std::string&, const std::string& message) -> void {
      source.fail(key_node, entry_path, message);
    };
    MapReader reader(source, entry, entry_path, {"range", "sd", "why"});
    if (reader.has("range") == reader.has("sd")) {
      source.fail(entry, entry_path, "an uncertain entry needs exactly one of 'range' or 'sd'");
    }
    if (reader.has("why")) detail::read_string(source, reader.optional("why"), reader.child_path("why"));
    const YAML::Node target = find_path_value(root, path_text, fail);
    if (target.IsMap() && target["value"]) {
      fail("", "'" + path_text + "' is already declared uncertain in place ({value, ...}); declare it once");
    }
    if (!target.IsScalar()) fail("", "'" + path_text + "' is not a number (it is a list or a mapping)");
    double value = 0;
    try {
      value = target.as<double>();
    } catch (const YAML::Exception&) {
      fail("", "'" + path_text + "' is not a number: '" + target.Scalar() + "'");
    }
    YAML::Node declared(YAML::NodeType::Map);
    declared.force_insert("value", target);
    if (reader.has("range")) {
      const YAML::Node bounds = reader.optional("range");
      const std::string bounds_path = reader.child_path("range");
      detail::require_sequence(source, bounds, bounds_path);
      if (bounds.size() != 2) source.fail(bounds, bounds_path, "a range is [low, high]");
      const double low = detail::read_number(source, bounds[0], index_path(bounds_path, 0), any);
      const double high = detail::read_number(source, bounds[1], index_path(bounds_path, 1), any);
      if (low > high) source.fail(bounds, bounds_path, "low is above high");
      if (value < low || value > high) {
        source.fail(bounds, bounds_path, "the value in the scenario, " + target.Scalar() + ", lies outside this range");
      }
      declared.force_insert("range", bounds);
    } else {
      declared.force_insert("sd", reader.optional("sd"));
    }
    apply_override_value(root, path_text, declared, fail);
  }
  root.remove("uncertain");
}

bool is_iso_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (std::size_t c : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (std::isdigit(static_cast<unsigned char>(text[c])) == 0) return false;
  }
  const int month = std::stoi(text.substr(5, 2));
  const int day = std::stoi(text.substr(8, 2));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

class IncludeResolver {
 public:
  // `node_budget` and `byte_budget` are what the top file left of the node and size limits:
  // they bound all the files together, so that many files each under the limits cannot add up
  // to more than one file may hold. `anchored` collects the anchored nodes of every file.
  // `simple_tree` as parse_document's, for every file included.
  IncludeResolver(Source& source, const LoadLimits& limits, const std::string& top_file, long& node_budget,
                  std::size_t& byte_budget, std::set<int>& anchored, bool* simple_tree)
      : source_(source),
        limits_(limits),
        node_budget_(node_budget),
        byte_budget_(byte_budget),
        anchored_(anchored),
        simple_tree_(simple_tree) {
    chain_.push_back(canonical(top_file));
  }

  // The scenario tree of `root` (read from `file`) with its includes resolved.
  YAML::Node resolve(const std::string& file, const YAML::Node& root) {
    if (!root.IsMap()) return root;
    unshare(root, anchored_);  // before a stance or a set: entry changes a node an alias shares
    const YAML::Node& const_root = root;
    if (const_root["base"]) return resolve_overlay(file, root);
    source_.set_merged_file(file);
    bibliography_ =
        const_root["bibliography"] ? load_bibliography(file, const_root["bibliography"], "bibliography") : nullptr;
    if (const_root["sources"]) check_sources(Source(file), const_root["sources"], "sources", bibliography_);
    if (const_root["catalogue"]) merge_catalogue(file, root);
    if (const_root["members"]) load_member_lists(file, const_root["members"]);
    const std::set<std::string> salience_by_bloc = add_bloc_members(file, root);
    if (const_root["stances"]) merge_stances(file, root, salience_by_bloc);
    apply_bloc_defaults(root);
    expand_electorate(file, root);
    if (const_root["parameters"]) merge_parameters(file, root);
    // Catalogue levels, stance entries, bloc defaults and shared parameters may share nodes
    // among themselves: copy them apart before any set: entry or --set changes one.
    if (const_root["catalogue"] || const_root["stances"] || const_root["parameters"] || const_root["blocs"]) {
      unshare(root, anchored_);
    }
    return root;
  }

  // Every file read by resolve(), once each, in the order read.
  const std::vector<std::string>& included() const { return included_; }

 private:
  using StanceEntries = std::map<std::string, YAML::Node>;  // delegation id -> entry
  using Bibliography = std::set<std::string>;               // the keys a `sources:` item may cite

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
                                          const std::string& key_path, const FileKind& kind) {
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
    const std::string text = read_bounded(path, byte_budget_, [&](const std::string& message) {
      const std::string cannot_open = "cannot open the file";
      if (message.rfind(cannot_open, 0) == 0) {
        including.fail(node, key_path, "cannot open '" + path + "'" + message.substr(cannot_open.size()));
      }
      including.fail(node, key_path,
                     "'" + path + "': " +
                         (message.rfind("the file is", 0) == 0
                              ? "the scenario and the files it includes are over the size limit of " +
                                    std::to_string(limits_.max_file_bytes) + " bytes together"
                              : message));
    });
    byte_budget_ -= text.size();
    const Source included(path);
    DocumentEvents events;
    YAML::Node root = parse_document(included, text, limits_, node_budget_, events, kind, simple_tree_);
    anchored_.insert(events.anchored.begin(), events.anchored.end());
    // Aliases expanded, against what is left of the scenario's budget (the event count above
    // took this file's nodes once; the walk counts them again, aliases expanded).
    long budget = node_budget_ + events.nodes;
    check_node_count(included, root, "", budget, limits_);
    node_budget_ = std::min(node_budget_, budget);
    chain_.push_back(key);
    if (std::find(included_.begin(), included_.end(), path) == included_.end()) included_.push_back(path);
    return {path, root};
  }

  void close() { chain_.pop_back(); }

  // ----------------------------------------------------------------- overlays
  YAML::Node resolve_overlay(const std::string& file, const YAML::Node& overlay) {
    const Source own(file);
    MapReader map(own, overlay, "",
                  {"base", "set", "title", "description", "dates", "sources", "bibliography", "expected", "predicted"});
    map.required("title");  // a variant must not pass for the record it varies
    if (map.has("set") && map.has("expected")) {
      own.fail(map.optional("expected"), "expected",
               "a variant that changes its base (`set:`) has no recorded outcome; write what the model "
               "predicts for it under `predicted:`");
    }
    // The stances in force at the variant's own start date, when it names one.
    const YAML::Node& const_overlay = overlay;
    if (date_override_.empty() && const_overlay["dates"] && const_overlay["dates"].IsMap() &&
        const_overlay["dates"]["start"] && const_overlay["dates"]["start"].IsScalar()) {
      date_override_ = const_overlay["dates"]["start"].Scalar();
      date_override_node_ = const_overlay["dates"]["start"];
      date_override_file_ = file;
    }
    auto [base_file, base_root] =
        open(file, map.required("base"), "base", scenario_kind("a scenario (the base of an overlay)"));
    YAML::Node tree = resolve(base_file, base_root);
    close();
    // The base's uncertain numbers become in-place declarations first, so that a `set:` entry
    // replaces a value and its uncertainty together, as it does for an in-place declaration.
    apply_uncertain_block(source_, tree);
    if (map.has("bibliography")) bibliography_ = load_bibliography(file, map.optional("bibliography"), "bibliography");
    if (map.has("sources")) check_sources(own, map.optional("sources"), "sources", bibliography_);
    // Register what the overlay contributes, field by field (not its root, whose `base` entry
    // is resolved into the base's tree).
    for (const char* key : {"set", "title", "description", "dates", "sources", "expected", "predicted"}) {
      if (map.has(key)) source_.add_document(file, map.optional(key));
    }
    if (map.has("set")) {
      const YAML::Node set = map.optional("set");
      detail::require_map(own, set, "set");
      for (auto it = set.begin(); it != set.end(); ++it) {
        const YAML::Node key_node = it->first;  // a copy: `it->first` dies with its proxy
        const std::string path_text = detail::read_string(own, key_node, "set");
        const std::string entry_path = "set." + path_text;
        refuse_include_override(path_text,
                                [&](const std::string& message) { own.fail(key_node, entry_path, message); });
        const auto fail = [&](const std::string&, const std::string& message) -> void {
          own.fail(key_node, entry_path, message);
        };
        const std::string canonical_path = apply_override_value(tree, path_text, it->second, fail);
        const YAML::Mark mark = key_node.Mark();
        source_.add_file_override(canonical_path, file, mark.line + 1, mark.column + 1);
      }
    }
    // The variant's own description of itself replaces the base's. A variant has no recorded
    // outcome of its own: the base's `expected` (or `predicted`) goes, and the overlay's own
    // takes its place.
    tree.remove("expected");
    tree.remove("predicted");
    tree.remove("provenance");  // the base's history, not the variant's
    for (const char* key : {"title", "description", "dates", "sources", "expected", "predicted"}) {
      if (map.has(key)) tree[key] = map.optional(key);
    }
    unshare(tree, anchored_);
    return tree;
  }

  // ----------------------------------------------------------------- bibliography
  // A bibliography file: `entries` maps each key (a UN document symbol, author-year, ...) to
  // its full citation. Read once per load, whichever files name it.
  const Bibliography* load_bibliography(const std::string& including_file, const YAML::Node& node,
                                        const std::string& key_path) {
    const Source including(including_file);
    const std::string relative = detail::read_string(including, node, key_path);
    const std::string key = canonical((directory_of(including_file) / relative).lexically_normal().string());
    auto cached = bibliographies_.find(key);
    if (cached != bibliographies_.end()) return &cached->second;
    auto [file, root] =
        open(including_file, node, key_path, {bibliography_keys, "a bibliography (a mapping with 'entries')"});
    close();
    const Source own(file);
    MapReader map(own, root, "", {"description", "entries"});
    if (map.has("description")) detail::read_string(own, map.optional("description"), "description");
    const YAML::Node entries = map.required("entries");
    detail::require_map(own, entries, "entries");
    Bibliography keys;
    for (auto it = entries.begin(); it != entries.end(); ++it) {
      const std::string entry_key = detail::read_string(own, it->first, "entries");
      if (!is_source_key(entry_key)) {
        own.fail(it->first, join_path("entries", entry_key),
                 "a source key is letters, digits and . / - _ : (no spaces)");
      }
      const std::string path = join_path("entries", entry_key);
      MapReader entry(own, it->second, path, {"cite", "note", "confirmed"});
      const std::string cite = detail::read_string(own, entry.required("cite"), entry.child_path("cite"));
      if (cite.empty()) own.fail(entry.required("cite"), entry.child_path("cite"), "the citation is empty");
      if (entry.has("note")) detail::read_string(own, entry.optional("note"), entry.child_path("note"));
      if (entry.has("confirmed")) detail::read_bool(own, entry.optional("confirmed"), entry.child_path("confirmed"));
      keys.insert(entry_key);
    }
    return &(bibliographies_[key] = std::move(keys));
  }

  static bool is_source_key(const std::string& text) {
    if (text.empty()) return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '/' || c == '-' || c == '_' ||
             c == ':';
    });
  }

  // Every `[key]` in a `sources:` item must name an entry of the bibliography, and an item must
  // cite at least one or say it is a judgment ("Judgment: ..."), an unchecked report
  // ("Unconfirmed: ...") or a number fitted by negsim calibrate ("Fitted: ..."). Without a
  // bibliography the items are free text (teaching and test files).
  static void check_sources(const Source& own, const YAML::Node& sources, const std::string& path,
                            const Bibliography* bibliography) {
    detail::require_sequence(own, sources, path);
    for (std::size_t i = 0; i < sources.size(); ++i) {
      const std::string item_path = index_path(path, i);
      const std::string text = detail::read_string(own, sources[i], item_path);
      if (bibliography == nullptr) continue;
      int cited = 0;
      for (std::size_t open = text.find('['); open != std::string::npos; open = text.find('[', open + 1)) {
        const std::size_t close = text.find(']', open);
        if (close == std::string::npos) break;
        const std::string key = text.substr(open + 1, close - open - 1);
        if (!is_source_key(key)) continue;
        if (!bibliography->count(key)) {
          std::vector<std::string> known(bibliography->begin(), bibliography->end());
          own.fail(sources[i], item_path,
                   "unknown source key [" + key + "]" + detail::did_you_mean(key, known) +
                       "; every key must be an entry of the bibliography");
        }
        ++cited;
      }
      if (cited == 0 && text.rfind("Judgment", 0) != 0 && text.rfind("Unconfirmed", 0) != 0 &&
          text.rfind("Fitted", 0) != 0) {
        own.fail(sources[i], item_path,
                 "cites no [key] of the bibliography; cite the public record, or start the item with "
                 "'Judgment' when no document states it ('Unconfirmed' when the record is not yet checked, 'Fitted' "
                 "for a number negsim calibrate fits)");
      }
    }
  }

  // ----------------------------------------------------------------- issue catalogue
  // `catalogue:` names files whose `issues` map ids to {title, levels, notes}. A scenario issue
  // with a catalogued id takes its levels (and title and notes unless it sets them) from there,
  // so a level means the same text in every scenario; giving it levels of its own is an error.
  void merge_catalogue(const std::string& file, const YAML::Node& root) {
    const YAML::Node& const_root = root;
    const YAML::Node node = const_root["catalogue"];
    std::vector<std::pair<YAML::Node, std::string>> items;
    if (node.IsSequence()) {
      for (std::size_t i = 0; i < node.size(); ++i) items.emplace_back(node[i], index_path("catalogue", i));
    } else {
      items.emplace_back(node, "catalogue");
    }
    std::map<std::string, std::pair<std::string, YAML::Node>> entries;  // id -> file, entry
    for (const auto& [item, path] : items) {
      auto [catalogue_file, catalogue_root] =
          open(file, item, path, {catalogue_keys, "an issue catalogue (a mapping with 'issues': id -> scale)"});
      const Source own(catalogue_file);
      MapReader map(own, catalogue_root, "", {"description", "sources", "bibliography", "issues"});
      read_preamble(own, map, catalogue_file);
      const YAML::Node issues = map.required("issues");
      detail::require_map(own, issues, "issues");
      for (auto it = issues.begin(); it != issues.end(); ++it) {
        const std::string id = detail::read_id(own, it->first, "issues");
        MapReader entry(own, it->second, join_path("issues", id), {"title", "levels", "notes"});
        entry.required("title");
        entry.required("levels");
        if (entries.count(id)) {
          Source(file).fail(item, path,
                            "issue '" + id + "' is in both " + entries[id].first + " and " + catalogue_file);
        }
        entries[id] = {catalogue_file, it->second};
      }
      close();
      source_.add_document(catalogue_file, catalogue_root);
    }
    YAML::Node list = const_root["issues"];
    if (!list.IsSequence()) return;  // validation reports it
    const Source own(file);
    for (std::size_t i = 0; i < list.size(); ++i) {
      YAML::Node issue = list[i];
      if (!issue.IsMap() || !issue["id"] || !issue["id"].IsScalar()) continue;
      const auto found = entries.find(issue["id"].Scalar());
      if (found == entries.end()) continue;
      const YAML::Node& const_issue = issue;
      if (const_issue["levels"]) {
        own.fail(const_issue["levels"], join_path(index_path("issues", i), "levels"),
                 "issue '" + found->first + "' is in the catalogue " + found->second.first +
                     ", which holds its levels (the same text in every scenario); remove them here, or give "
                     "the issue another id to define a different scale");
      }
      const YAML::Node& entry = found->second.second;
      for (const char* key : {"title", "levels", "notes"}) {
        if (entry[key] && !const_issue[key]) issue.force_insert(key, entry[key]);
      }
    }
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
      auto [file, root] =
          open(including_file, item, path, {stance_keys, "a stance file (a mapping with 'delegations': id -> stance)"});
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

  // What every included data file (stance file, catalogue, member list) may say about itself:
  // a description, and sources checked against its own bibliography, which is returned.
  const Bibliography* read_preamble(const Source& own, const MapReader& map, const std::string& file) {
    if (map.has("description")) detail::read_string(own, map.optional("description"), "description");
    const Bibliography* keys =
        map.has("bibliography") ? load_bibliography(file, map.optional("bibliography"), "bibliography") : nullptr;
    if (map.has("sources")) check_sources(own, map.optional("sources"), "sources", keys);
    return keys;
  }

  StanceEntries load_stance_file(const std::string& file, const YAML::Node& root) {
    const Source own(file);
    MapReader map(own, root, "", {"description", "sources", "bibliography", "stances", "delegations"});
    const Bibliography* keys = read_preamble(own, map, file);
    StanceEntries included = map.has("stances") ? load_stance_list(file, map.optional("stances")) : StanceEntries{};
    const YAML::Node delegations = map.required("delegations");
    detail::require_map(own, delegations, "delegations");
    StanceEntries entries = included;
    for (auto it = delegations.begin(); it != delegations.end(); ++it) {
      const std::string id = detail::read_id(own, it->first, "delegations");
      const std::string path = join_path("delegations", id);
      // Everything a delegation entry has but its id and bloc (blocs belong to the room), plus
      // `like` (copy another delegation's stance), `sources` and dated `changes`. `observer`
      // (a non-party in every room of a treaty) and `reservations` (paragraphs it always joins
      // with a statement) are stances too.
      MapReader entry(own, it->second, path,
                      {"name", "power", "positions", "salience", "red_lines", "agent", "outside_option",
                       "susceptibility", "ties", "notes", "observer", "reservations", "like", "sources", "changes"});
      if (entry.has("like")) detail::read_id(own, entry.optional("like"), entry.child_path("like"));
      if (entry.has("sources")) check_sources(own, entry.optional("sources"), entry.child_path("sources"), keys);
      if (entry.has("changes")) check_changes(own, entry.optional("changes"), entry.child_path("changes"), keys);
      YAML::Node stance = it->second;
      auto found = included.find(id);
      if (found != included.end()) merge_entry(stance, found->second, nullptr, nullptr);
      entries[id] = stance;
    }
    source_.add_document(file, root);
    return entries;
  }

  // `changes`: a list of {date, sources, notes, <stance fields>}, dates YYYY-MM-DD strictly
  // increasing; each change holds from its date on, over the stance in force before it.
  static void check_changes(const Source& own, const YAML::Node& changes, const std::string& path,
                            const Bibliography* keys) {
    detail::require_sequence(own, changes, path);
    std::string previous;
    for (std::size_t i = 0; i < changes.size(); ++i) {
      const std::string item_path = index_path(path, i);
      MapReader change(own, changes[i], item_path,
                       {"date", "sources", "notes", "power", "positions", "salience", "red_lines", "agent",
                        "outside_option", "susceptibility", "ties", "observer", "reservations"});
      const std::string date = detail::read_string(own, change.required("date"), change.child_path("date"));
      if (!is_iso_date(date)) {
        own.fail(change.required("date"), change.child_path("date"), "'" + date + "' is not a date YYYY-MM-DD");
      }
      if (!previous.empty() && date <= previous) {
        own.fail(change.required("date"), change.child_path("date"),
                 "changes must be in date order: " + date + " is not after " + previous);
      }
      previous = date;
      // A change of stance is a claim about the record: it says what it rests on.
      const YAML::Node sources = change.required("sources");
      check_sources(own, sources, change.child_path("sources"), keys);
      if (sources.size() == 0) own.fail(sources, change.child_path("sources"), "a change needs at least one source");
      if (change.has("notes")) detail::read_string(own, change.optional("notes"), change.child_path("notes"));
    }
  }

  // A new mapping with the stance fields of `entry` (shared nodes): not the bookkeeping keys
  // (like, sources, changes, date), and not name and notes unless `with_identity`.
  static YAML::Node stance_fields(const YAML::Node& entry, bool with_identity) {
    YAML::Node fields = detail::new_node_near(entry, YAML::NodeType::Map);
    for (auto it = entry.begin(); it != entry.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string key = it->first.Scalar();
      if (key == "like" || key == "sources" || key == "changes" || key == "date") continue;
      if (!with_identity && (key == "name" || key == "notes")) continue;
      fields.force_insert(it->first, it->second);
    }
    return fields;
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
      if (key == "reservations" && issues != nullptr && it->second.IsSequence()) {
        // A shared stance may reserve paragraphs this room does not have: only its own count.
        YAML::Node kept(YAML::NodeType::Sequence);
        // A copy of the handle: `it->second` lives in a proxy that dies at the end of its
        // expression, and a range-for would keep only a reference to it.
        const YAML::Node reserved = it->second;
        for (const auto& item : reserved) {
          if (!item.IsScalar() || issues->count(item.Scalar())) kept.push_back(item);
        }
        if (kept.size() > 0) winner.force_insert(it->first, kept);
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
      // A salience that names only undeclared issues says nothing here (merge_stances then
      // reports the delegation as having none).
      if (kept.size() == 0 && key == "salience") continue;
      winner.force_insert(it->first, kept);
    }
  }

  // The stance of `id` in force at the scenario's start date: its entry with every change
  // dated on or before that date applied, the later winning.
  YAML::Node dated_stance(const std::string& file, const YAML::Node& root, const std::string& id,
                          const YAML::Node& entry) {
    const YAML::Node changes = entry["changes"];
    if (!changes || !changes.IsSequence() || changes.size() == 0) return stance_fields(entry, true);
    const YAML::Node& const_root = root;
    std::string date = date_override_;
    YAML::Node date_node = date_override_node_;
    std::string date_file = date_override_file_;
    if (date.empty() && const_root["dates"] && const_root["dates"].IsMap() && const_root["dates"]["start"] &&
        const_root["dates"]["start"].IsScalar()) {
      date = const_root["dates"]["start"].Scalar();
      date_node = const_root["dates"]["start"];
      date_file = file;
    }
    if (!is_iso_date(date)) {
      const std::string message = "the stance of '" + id + "' changes at dates (from " +
                                  changes[0]["date"].as<std::string>("?") +
                                  "), so the scenario needs dates.start as YYYY-MM-DD to take the stance in force";
      if (date_node) Source(date_file).fail(date_node, "dates.start", message + ", got '" + date + "'");
      Source(file).fail(const_root["stances"], "stances", message);
    }
    YAML::Node winner = detail::new_node_near(entry, YAML::NodeType::Map);
    for (std::size_t c = changes.size(); c-- > 0;) {
      if (changes[c]["date"].as<std::string>() <= date)
        merge_entry(winner, stance_fields(changes[c], false), nullptr, nullptr);
    }
    merge_entry(winner, stance_fields(entry, true), nullptr, nullptr);
    return winner;
  }

  // `like: other`: the entry takes every stance field it does not set from the other's stance
  // (dated and resolved the same way), but not its name or notes.
  YAML::Node resolved_stance(const std::string& file, const YAML::Node& root, const std::string& id,
                             const StanceEntries& entries, std::map<std::string, YAML::Node>& done,
                             std::vector<std::string>& chain) {
    auto cached = done.find(id);
    if (cached != done.end()) return cached->second;
    const YAML::Node& entry = entries.at(id);
    YAML::Node stance = dated_stance(file, root, id, entry);
    if (entry["like"]) {
      const std::string other = entry["like"].Scalar();
      if (!entries.count(other)) {
        std::vector<std::string> known;
        for (const auto& pair : entries) known.push_back(pair.first);
        source_.fail(entry["like"], join_path(join_path("delegations", id), "like"),
                     "no stance for '" + other + "' to copy" + detail::did_you_mean(other, known));
      }
      if (std::find(chain.begin(), chain.end(), other) != chain.end() || other == id) {
        std::string cycle;
        for (const auto& link : chain) cycle += link + " -> ";
        source_.fail(entry["like"], join_path(join_path("delegations", id), "like"),
                     "`like` cycle: " + cycle + id + " -> " + other);
      }
      chain.push_back(id);
      const YAML::Node model = resolved_stance(file, root, other, entries, done, chain);
      chain.pop_back();
      merge_entry(stance, stance_fields(model, false), nullptr, nullptr);
    }
    done[id] = stance;
    return stance;
  }

  // ----------------------------------------------------------------- member lists
  // `members:` names files whose `groups` map a group id to {name, sources, members: [{id,
  // name}]}: the UN's regional groups, the EU, the Arab Group... A bloc or an electorate may then
  // name a group instead of listing its members.
  void load_member_lists(const std::string& file, const YAML::Node& node) {
    std::vector<std::pair<YAML::Node, std::string>> items;
    if (node.IsSequence()) {
      for (std::size_t i = 0; i < node.size(); ++i) items.emplace_back(node[i], index_path("members", i));
    } else {
      items.emplace_back(node, "members");
    }
    for (const auto& [item, path] : items) {
      auto [list_file, list_root] =
          open(file, item, path, {member_list_keys, "a member list (a mapping with 'groups': id -> {name, members})"});
      const Source own(list_file);
      MapReader map(own, list_root, "", {"description", "sources", "bibliography", "groups"});
      const Bibliography* keys = read_preamble(own, map, list_file);
      const YAML::Node groups = map.required("groups");
      detail::require_map(own, groups, "groups");
      for (auto it = groups.begin(); it != groups.end(); ++it) {
        const std::string id = detail::read_id(own, it->first, "groups");
        const std::string group_path = join_path("groups", id);
        if (groups_.count(id)) {
          own.fail(it->first, group_path, "group '" + id + "' is also in " + groups_[id].file);
        }
        MapReader group(own, it->second, group_path, {"name", "sources", "members"});
        detail::read_string(own, group.required("name"), group.child_path("name"));
        if (group.has("sources")) check_sources(own, group.optional("sources"), group.child_path("sources"), keys);
        const YAML::Node members = group.required("members");
        detail::require_sequence(own, members, group.child_path("members"));
        Group loaded;
        loaded.file = list_file;
        std::set<std::string> seen;
        for (std::size_t m = 0; m < members.size(); ++m) {
          const std::string member_path = index_path(group.child_path("members"), m);
          MapReader member(own, members[m], member_path, {"id", "name"});
          const std::string member_id = detail::read_id(own, member.required("id"), member.child_path("id"));
          detail::read_string(own, member.required("name"), member.child_path("name"));
          if (!seen.insert(member_id).second) {
            own.fail(member.required("id"), member.child_path("id"), "'" + member_id + "' is listed twice");
          }
          loaded.members.push_back(members[m]);
        }
        groups_[id] = std::move(loaded);
      }
      close();
      source_.add_document(list_file, list_root);
    }
  }

  // The members a bloc or an electorate names: a list of ids, or {group: ID}. Each entry is a
  // mapping {id, name} (name absent for a plain id).
  std::vector<YAML::Node> named_members(const YAML::Node& node, const std::string& path) {
    std::vector<YAML::Node> members;
    if (node.IsMap()) {
      MapReader map(source_, node, path, {"group"});
      const std::string group = detail::read_string(source_, map.required("group"), map.child_path("group"));
      const auto found = groups_.find(group);
      if (found == groups_.end()) {
        std::vector<std::string> known;
        for (const auto& pair : groups_) known.push_back(pair.first);
        source_.fail(map.required("group"), map.child_path("group"),
                     "unknown group '" + group + "'" + detail::did_you_mean(group, known) +
                         (groups_.empty() ? "; the scenario names no member-list file (`members:`)" : ""));
      }
      return found->second.members;
    }
    detail::require_sequence(source_, node, path);
    for (std::size_t i = 0; i < node.size(); ++i) {
      detail::read_id(source_, node[i], index_path(path, i));
      YAML::Node entry(YAML::NodeType::Map);
      entry.force_insert("id", node[i]);
      members.push_back(entry);
    }
    return members;
  }

  // blocs[].members: each member the scenario does not list is added to `delegations` with its
  // id and name (from the member list); each member takes the bloc as its bloc. Returns the ids
  // whose bloc defaults give a salience (a stance file then need not give one).
  std::set<std::string> add_bloc_members(const std::string& file, const YAML::Node& root) {
    std::set<std::string> salience_by_bloc;
    const YAML::Node& const_root = root;
    YAML::Node blocs = const_root["blocs"];
    YAML::Node list = const_root["delegations"];
    if (!blocs || !blocs.IsSequence() || !list || !list.IsSequence()) return salience_by_bloc;  // validation reports it
    std::map<std::string, std::size_t> listed;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node item = list[i];
      if (item.IsMap() && item["id"] && item["id"].IsScalar()) listed[item["id"].Scalar()] = i;
    }
    std::map<std::string, std::string> member_of;  // delegation id -> bloc id
    for (std::size_t b = 0; b < blocs.size(); ++b) {
      const YAML::Node bloc = blocs[b];
      if (!bloc.IsMap() || !bloc["id"] || !bloc["id"].IsScalar()) continue;
      const std::string bloc_id = bloc["id"].Scalar();
      const std::string bloc_path = index_path("blocs", b);
      const bool defaults_salience = bloc["defaults"] && bloc["defaults"].IsMap() && bloc["defaults"]["salience"];
      if (bloc["defaults"]) {
        MapReader defaults(source_, bloc["defaults"], join_path(bloc_path, "defaults"),
                           {"power", "positions", "salience", "red_lines", "agent", "outside_option", "susceptibility",
                            "ties", "notes", "observer", "reservations"});
        (void)defaults;
      }
      if (defaults_salience) {
        for (const auto& [id, index] : listed) {
          const YAML::Node item = list[index];
          if (item["bloc"] && item["bloc"].IsScalar() && item["bloc"].Scalar() == bloc_id) salience_by_bloc.insert(id);
        }
      }
      if (!bloc["members"]) continue;
      const std::string members_path = join_path(bloc_path, "members");
      for (const YAML::Node& member : named_members(bloc["members"], members_path)) {
        const std::string id = member["id"].Scalar();
        const auto previous = member_of.find(id);
        if (previous != member_of.end()) {
          source_.fail(bloc["members"], members_path,
                       "'" + id + "' is a member of bloc '" + previous->second +
                           "' already; a delegation may be "
                           "a member of one bloc only");
        }
        member_of[id] = bloc_id;
        if (defaults_salience) salience_by_bloc.insert(id);
        const auto found = listed.find(id);
        if (found != listed.end()) {
          YAML::Node item = list[found->second];
          const YAML::Node& const_item = item;
          if (const_item["bloc"] && const_item["bloc"].IsScalar() && const_item["bloc"].Scalar() != bloc_id) {
            source_.fail(const_item["bloc"], join_path(index_path("delegations", found->second), "bloc"),
                         "delegation '" + id + "' is a member of bloc '" + bloc_id + "' (" + members_path +
                             "), and names bloc '" + const_item["bloc"].Scalar() + "'");
          }
          if (!const_item["bloc"]) item.force_insert("bloc", bloc["id"]);
          continue;
        }
        YAML::Node created(YAML::NodeType::Map);
        created.force_insert("id", member["id"]);
        if (member["name"]) created.force_insert("name", member["name"]);
        created.force_insert("bloc", bloc["id"]);
        listed[id] = list.size();
        list.push_back(created);
      }
    }
    (void)file;
    return salience_by_bloc;
  }

  // blocs[].defaults: every member takes, for each field it does not set (nor its stance), the
  // bloc's value, merged per key like a stance.
  void apply_bloc_defaults(const YAML::Node& root) {
    const YAML::Node& const_root = root;
    const YAML::Node blocs = const_root["blocs"];
    YAML::Node list = const_root["delegations"];
    if (!blocs || !blocs.IsSequence() || !list || !list.IsSequence()) return;
    std::map<std::string, YAML::Node> defaults;
    for (std::size_t b = 0; b < blocs.size(); ++b) {
      const YAML::Node bloc = blocs[b];
      if (bloc.IsMap() && bloc["id"] && bloc["id"].IsScalar() && bloc["defaults"] && bloc["defaults"].IsMap()) {
        defaults[bloc["id"].Scalar()] = bloc["defaults"];
      }
    }
    if (defaults.empty()) return;
    for (std::size_t i = 0; i < list.size(); ++i) {
      YAML::Node item = list[i];
      const YAML::Node& const_item = item;
      if (!item.IsMap() || !const_item["bloc"] || !const_item["bloc"].IsScalar()) continue;
      const auto found = defaults.find(const_item["bloc"].Scalar());
      if (found != defaults.end()) merge_entry(item, containers_copied(found->second), nullptr, nullptr);
    }
  }

  // Each member gets mappings and lists of its own (a --set into one member's positions must
  // not reach the others); the values themselves stay shared, keeping their file positions for
  // error messages, and a --set replaces a value rather than assigning through it.
  static YAML::Node containers_copied(const YAML::Node& node) {
    if (node.IsMap()) {
      YAML::Node copy(YAML::NodeType::Map);
      for (auto it = node.begin(); it != node.end(); ++it) copy.force_insert(it->first, containers_copied(it->second));
      return copy;
    }
    if (node.IsSequence()) {
      YAML::Node copy(YAML::NodeType::Sequence);
      for (const auto& item : node) copy.push_back(containers_copied(item));
      return copy;
    }
    return node;
  }

  // process.fallbacks.vote.electorate: {group: ID} becomes the list of the group's ids.
  void expand_electorate(const std::string& file, const YAML::Node& root) {
    (void)file;
    const YAML::Node& const_root = root;
    const YAML::Node process = const_root["process"];
    if (!process || !process.IsMap() || !process["fallbacks"] || !process["fallbacks"].IsMap()) return;
    const YAML::Node vote = process["fallbacks"]["vote"];
    if (!vote || !vote.IsMap() || !vote["electorate"] || !vote["electorate"].IsMap()) return;
    if (groups_.empty()) return;  // the loader says a group needs `members:`
    YAML::Node ids(YAML::NodeType::Sequence);
    for (const YAML::Node& member : named_members(vote["electorate"], "process.fallbacks.vote.electorate")) {
      ids.push_back(member["id"]);
    }
    YAML::Node mutable_vote = vote;
    mutable_vote["electorate"] = ids;
  }

  void merge_stances(const std::string& file, const YAML::Node& root, const std::set<std::string>& salience_by_bloc) {
    const YAML::Node& const_root = root;
    StanceEntries entries = load_stance_list(file, const_root["stances"]);
    const auto issue_ids = list_ids(const_root["issues"]);
    const auto delegation_ids = list_ids(const_root["delegations"]);
    const std::set<std::string> issues(issue_ids.begin(), issue_ids.end());
    const std::set<std::string> delegations(delegation_ids.begin(), delegation_ids.end());
    YAML::Node list = const_root["delegations"];
    if (!list.IsSequence()) return;  // validation reports it
    std::map<std::string, YAML::Node> done;
    for (std::size_t i = 0; i < list.size(); ++i) {
      YAML::Node item = list[i];
      if (!item.IsMap() || !item["id"] || !item["id"].IsScalar()) continue;
      const std::string id = item["id"].Scalar();
      const auto found = entries.find(id);
      if (found != entries.end()) {
        std::vector<std::string> chain;
        merge_entry(item, resolved_stance(file, root, id, entries, done, chain), &issues, &delegations);
      }
      // In a scenario built on stance files, a delegation without salience is a gap in the
      // data, not a choice: equal weights must be asked for (`salience: equal`).
      const YAML::Node& const_item = item;
      if (!const_item["salience"] && !salience_by_bloc.count(id)) {
        source_.fail(
            const_item["id"], join_path(index_path("delegations", i), "salience"),
            "delegation '" + id + "' has no salience on this scenario's issues" +
                (found == entries.end() ? " and no stance in the stance files" : " (its stance gives none for them)") +
                "; give one, copy a delegation's stance with `like:` in the stance file, or write "
                "`salience: equal`");
      }
    }
  }

  // ----------------------------------------------------------------- parameters
  // A parameter file holds the behavioural parameters shared by many scenarios (those `negsim
  // calibrate` fits): process.noise, isolation_cost, full_company, amendment_step,
  // dissociation_cost, chair.patience and chair.power_weight. A value the scenario sets itself wins.
  void merge_parameters(const std::string& file, const YAML::Node& root) {
    const YAML::Node& const_root = root;
    auto [parameters_file, parameters_root] =
        open(file, const_root["parameters"], "parameters",
             {parameter_keys, "a parameter file (a mapping with 'process': the shared behavioural parameters)"});
    const Source own(parameters_file);
    MapReader map(own, parameters_root, "", {"description", "sources", "fitted", "process"});
    if (map.has("description")) detail::read_string(own, map.optional("description"), "description");
    const YAML::Node process = map.required("process");
    MapReader process_map(own, process, "process",
                          {"noise", "isolation_cost", "full_company", "amendment_step", "dissociation_cost",
                           "dissociation_from", "dissociation_bar", "drafting", "chair"});
    if (process_map.has("chair")) {
      MapReader chair_map(own, process_map.optional("chair"), "process.chair", {"patience", "power_weight"});
      (void)chair_map;
    }
    close();
    source_.add_document(parameters_file, parameters_root);
    YAML::Node scenario_process = const_root["process"] ? const_root["process"] : YAML::Node(YAML::NodeType::Map);
    if (!scenario_process.IsMap()) return;  // validation reports it
    const YAML::Node& const_process = scenario_process;
    for (auto it = process.begin(); it != process.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (key != "chair") {
        if (!const_process[key]) scenario_process.force_insert(it->first, it->second);
        continue;
      }
      YAML::Node chair = const_process["chair"] ? scenario_process["chair"] : YAML::Node(YAML::NodeType::Map);
      if (!chair.IsMap()) continue;  // validation reports it
      const YAML::Node& const_chair = chair;
      for (auto field = it->second.begin(); field != it->second.end(); ++field) {
        if (!const_chair[field->first.Scalar()]) chair.force_insert(field->first, field->second);
      }
      if (!const_process["chair"]) scenario_process.force_insert("chair", chair);
    }
    YAML::Node mutable_root = root;  // a handle on the same tree
    if (!const_root["process"]) mutable_root.force_insert("process", scenario_process);
  }

  Source& source_;
  const LoadLimits& limits_;
  long& node_budget_;
  std::size_t& byte_budget_;
  std::set<int>& anchored_;
  bool* simple_tree_;  // set when a file was read by the fast reader (null: yaml-cpp alone)
  // The date stances are taken at: an overlay's own dates.start, else the base's (empty).
  std::string date_override_;
  YAML::Node date_override_node_;
  std::string date_override_file_;
  std::map<std::string, Bibliography> bibliographies_;  // canonical path -> keys
  const Bibliography* bibliography_ = nullptr;          // that of the scenario being resolved
  std::vector<std::string> chain_;                      // canonical paths of the files being read, outermost first
  int files_read_ = 0;
  std::vector<std::string> included_;  // every file read, once, in the order read
  struct Group {
    std::string file;
    std::vector<YAML::Node> members;  // {id, name} entries of the member list
  };
  std::map<std::string, Group> groups_;  // of the member lists read
};

class Loader {
 public:
  Loader(const Source& source, const LoadLimits& limits) : source_(source), limits_(limits) {}

  Scenario load(const YAML::Node& root) {
    if (!root.IsMap()) {
      source_.fail_at(1, 1, "",
                      "the top level must be a mapping of keys (title, issues, delegations, "
                      "process, ...), got " +
                          describe_shape(root.Type()));
    }
    MapReader top(
        source_, root, "",
        {"title", "description", "dates", "sources", "bibliography", "stances", "catalogue", "parameters", "issues",
         "blocs", "delegations", "process", "expected", "predicted", "members", "uncertain", "provenance"});
    // `uncertain:` was turned into in-place declarations before (apply_uncertain_block); a tree
    // that still has it was built without that step.
    if (top.has("uncertain")) {
      source_.fail(top.optional("uncertain"), "uncertain", "`uncertain:` is read only at the top of a scenario file");
    }
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
      // Every issue, bloc and delegation was checked on its own; the process too, unless its
      // problem is a delegation that failed above (then it is not independent).
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
    if (top.has("expected") && top.has("predicted")) {
      source_.fail(top.optional("predicted"), "predicted",
                   "a scenario has either a recorded outcome (`expected:`) or the model's prediction "
                   "(`predicted:`), not both");
    }
    if (top.has("expected")) read_expected(top.optional("expected"), "expected");
    if (top.has("predicted")) read_expected(top.optional("predicted"), "predicted");
    if (top.has("provenance")) {
      if (!top.has("expected")) {
        source_.fail(top.optional("provenance"), "provenance",
                     "a provenance describes a recorded case: the file needs its record (`expected:`)");
      }
      read_provenance(top.optional("provenance"));
    }
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
    static const KeySet keys{"value", "range", "sd"};
    MapReader map(source_, node, path, keys);
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
      try {
        read_issue(node[i], i);
      } catch (const InputError& error) {
        problems_.push_back(error);  // the next issue is read all the same
        // Keep the issue's id, so that the delegations' positions on it are checked as they
        // stand and not reported as naming an unknown issue.
        const std::string id = placeholder_id(node[i]);
        if (id.empty()) {
          lost_item_ = true;
        } else if (scenario_.find_issue(id) < 0) {
          Issue issue;
          issue.id = id;
          scenario_.issues.push_back(std::move(issue));
        }
      }
    }
  }

  // The id of an item that failed to load, when it has a valid one ("" otherwise: the item is
  // lost, and what names it elsewhere cannot be checked).
  std::string placeholder_id(const YAML::Node& item) const {
    if (!item.IsMap()) return "";
    const YAML::Node& const_item = item;
    const YAML::Node id = const_item["id"];
    if (!id) return "";
    try {
      return detail::read_id(source_, id, "id");
    } catch (const InputError&) {
      return "";
    }
  }

  void read_issue(const YAML::Node& node, std::size_t i) {
    const std::string path = index_path("issues", i);
    MapReader map(source_, node, path, {"id", "title", "levels", "status_quo", "omitted", "notes"});
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
        source_.fail(level_map.optional("value"), level_map.child_path("value"), "level values must increase strictly");
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

  void read_blocs(const YAML::Node& node) {
    check_count(node, "blocs", 0, limits_.max_blocs, "blocs");
    for (std::size_t b = 0; b < node.size(); ++b) {
      try {
        read_bloc(node[b], b);
      } catch (const InputError& error) {
        problems_.push_back(error);  // the next bloc is read all the same
        // As for issues: the members of a bloc that failed are checked against its id.
        const std::string id = placeholder_id(node[b]);
        const bool known = std::any_of(scenario_.blocs.begin(), scenario_.blocs.end(),
                                       [&id](const Bloc& bloc) { return bloc.id == id; });
        if (id.empty()) {
          lost_item_ = true;
        } else if (!known) {
          Bloc bloc;
          bloc.id = id;
          bloc.name = id;
          scenario_.blocs.push_back(std::move(bloc));
        }
      }
    }
  }

  void read_bloc(const YAML::Node& node, std::size_t b) {
    const std::string path = index_path("blocs", b);
    // members and defaults were resolved with the includes (they made the delegations).
    MapReader map(source_, node, path,
                  {"id", "name", "cohesion", "leader", "leader_weight", "members", "defaults", "negotiator"});
    Bloc bloc;
    bloc.id = detail::read_id(source_, map.required("id"), map.child_path("id"));
    for (const auto& other : scenario_.blocs) {
      if (other.id == bloc.id)
        source_.fail(map.optional("id"), map.child_path("id"), "duplicate bloc id '" + bloc.id + "'");
    }
    bloc.name = map.has("name") ? detail::read_string(source_, map.optional("name"), map.child_path("name")) : bloc.id;
    const int index = static_cast<int>(b);
    if (map.has("cohesion")) {
      bloc.cohesion = read_uncertain(map.optional("cohesion"), map.child_path("cohesion"), unit_interval,
                                     [index](Scenario& s, double v) { s.blocs[index].cohesion = v; });
    }
    if (map.has("leader_weight")) {
      bloc.leader_weight = read_uncertain(map.optional("leader_weight"), map.child_path("leader_weight"), unit_interval,
                                          [index](Scenario& s, double v) { s.blocs[index].leader_weight = v; });
    }
    if (map.has("leader")) {
      pending_leaders_.push_back({index, map.optional("leader"), map.child_path("leader")});
    }
    if (map.has("negotiator")) {
      pending_negotiators_.push_back({index, map.optional("negotiator"), map.child_path("negotiator")});
    }
    scenario_.blocs.push_back(std::move(bloc));
  }

  // Built again only when the issues changed (each delegation asks for it three times).
  const std::vector<std::string>& issue_ids() {
    bool same = issue_ids_.size() == scenario_.issues.size();
    for (std::size_t k = 0; same && k < issue_ids_.size(); ++k) same = issue_ids_[k] == scenario_.issues[k].id;
    if (!same) {
      issue_ids_.clear();
      for (const auto& issue : scenario_.issues) issue_ids_.push_back(issue.id);
      issue_key_set_.reset();
    }
    return issue_ids_;
  }

  // The issue ids as the allowed keys of an issue-keyed mapping; an id's position in it is the
  // issue's index (the first issue of that id, as Scenario::find_issue).
  const KeySet& issue_key_set() {
    const std::vector<std::string>& ids = issue_ids();
    if (!issue_key_set_) issue_key_set_ = std::make_unique<KeySet>(ids);
    return *issue_key_set_;
  }

  // The issue of a key of a mapping checked against issue_key_set(): its position there.
  static int checked_issue_key(const MapReader::Entry& entry) { return static_cast<int>(entry.allowed); }

  // A number that may be uncertain: the plain number most are is read without the key path and
  // the std::function an uncertain one needs (made only when read_uncertain is called).
  template <typename Path, typename Apply>
  double read_value(const YAML::Node& node, const Path& path, const Range& range, Apply&& apply) {
    double value = 0;
    if (detail::read_plain_number(node, range, value)) return value;
    return read_uncertain(node, path(), range, std::forward<Apply>(apply));
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
        // The next delegation is read all the same. A reference to an issue or bloc that was
        // lost above is not a problem of its own.
        if (!(lost_item_ && names_lost_item(error))) problems_.push_back(error);
      }
    }
  }

  // Whether a delegation's problem is that it names an issue or bloc: one lost above would
  // explain it (issue ids are the keys of positions, salience and red_lines).
  static bool names_lost_item(const InputError& error) {
    const std::string& message = error.message();
    const std::string& path = error.key_path();
    const bool issue_keyed = path.find(".positions.") != std::string::npos ||
                             path.find(".salience.") != std::string::npos ||
                             path.find(".red_lines.") != std::string::npos;
    return message.rfind("unknown issue", 0) == 0 || message.rfind("unknown bloc", 0) == 0 ||
           (issue_keyed && message.rfind("unknown key", 0) == 0);
  }

  void read_delegation(const YAML::Node& node, int i) {
    const std::string path = index_path("delegations", static_cast<std::size_t>(i));
    static const KeySet keys{
        "id",           "name",           "bloc",           "power", "positions", "salience", "red_lines",
        "agent",        "outside_option", "susceptibility", "ties",  "notes",     "observer", "outside_drafting",
        "reservations", "plural"};
    MapReader map(source_, node, path, keys);
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
      scenario_.power(i) = read_value(
          map.optional("power"), [&] { return map.child_path("power"); }, positive,
          [i](Scenario& s, double v) { s.power(i) = v; });
    }
    read_agent(map, delegation, i);
    read_positions(map, i);
    read_salience(map, i);
    read_red_lines(map, delegation, i);
    if (map.has("observer")) {
      delegation.observer = detail::read_bool(source_, map.optional("observer"), map.child_path("observer"));
    }
    if (map.has("plural"))
      delegation.plural = detail::read_bool(source_, map.optional("plural"), map.child_path("plural"));
    if (map.has("outside_drafting")) {
      delegation.outside_drafting =
          detail::read_bool(source_, map.optional("outside_drafting"), map.child_path("outside_drafting"));
    }
    if (map.has("reservations")) {
      const YAML::Node list = map.optional("reservations");
      const std::string list_path = map.child_path("reservations");
      detail::require_sequence(source_, list, list_path);
      for (std::size_t r = 0; r < list.size(); ++r) {
        const int issue = issue_key(list[r], list_path);
        if (std::find(delegation.reservations.begin(), delegation.reservations.end(), issue) !=
            delegation.reservations.end()) {
          source_.fail(list[r], index_path(list_path, r), "issue named twice");
        }
        delegation.reservations.push_back(issue);
      }
      std::sort(delegation.reservations.begin(), delegation.reservations.end());
    }
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
      static const KeySet keys{"model", "support_max", "support_min", "beta", "reciprocity"};
      MapReader agent_map(source_, map.optional("agent"), map.child_path("agent"), keys);
      if (agent_map.has("model")) {
        // The built-in models and every registered policy (negsim/policy.hpp, --plugin).
        std::string model = detail::read_choice(source_, agent_map.optional("model"), agent_map.child_path("model"),
                                                delegation_policy_names());
        agent.policy.clear();
        if (model == "sincere") agent.model = AgentModel::sincere;
        if (model == "concession") agent.model = AgentModel::concession;
        if (model == "reciprocal") agent.model = AgentModel::reciprocal;
        if (model == "bloc_follower") agent.model = AgentModel::bloc_follower;
        if (model == "spoiler") agent.model = AgentModel::spoiler;
        if (!is_builtin_agent_model(model)) {
          agent.model = AgentModel::concession;  // its defaults (outside option, susceptibility) are a non-spoiler's
          agent.policy = model;
        }
      }
      if (agent_map.has("support_max")) {
        agent.support_max = read_value(
            agent_map.optional("support_max"), [&] { return agent_map.child_path("support_max"); }, unit_interval,
            [i](Scenario& s, double v) { s.delegations[static_cast<std::size_t>(i)].agent.support_max = v; });
      }
      if (agent_map.has("support_min")) {
        agent.support_min = read_value(
            agent_map.optional("support_min"), [&] { return agent_map.child_path("support_min"); }, unit_interval,
            [i](Scenario& s, double v) { s.delegations[static_cast<std::size_t>(i)].agent.support_min = v; });
      }
      if (agent.support_min > agent.support_max) {
        source_.fail(agent_map.has("support_min") ? agent_map.optional("support_min") : agent_map.node(),
                     agent_map.child_path("support_min"),
                     "support_min " + std::to_string(agent.support_min) + " is above support_max " +
                         std::to_string(agent.support_max));
      }
      if (agent_map.has("beta")) {
        agent.beta = read_value(
            agent_map.optional("beta"), [&] { return agent_map.child_path("beta"); }, Range{0.01, 100},
            [i](Scenario& s, double v) { s.delegations[static_cast<std::size_t>(i)].agent.beta = v; });
      }
      if (agent_map.has("reciprocity")) {
        agent.reciprocity = read_value(
            agent_map.optional("reciprocity"), [&] { return agent_map.child_path("reciprocity"); }, Range{0, 2},
            [i](Scenario& s, double v) { s.delegations[static_cast<std::size_t>(i)].agent.reciprocity = v; });
      }
    }
    const bool spoiler = agent.model == AgentModel::spoiler;
    delegation.outside_option = spoiler ? 0.8 : 0.3;
    delegation.susceptibility = spoiler ? 0.0 : 0.3;
    if (map.has("outside_option")) {
      delegation.outside_option = read_value(
          map.optional("outside_option"), [&] { return map.child_path("outside_option"); }, unit_interval,
          [i](Scenario& s, double v) { s.delegations[static_cast<std::size_t>(i)].outside_option = v; });
    }
    if (map.has("susceptibility")) {
      delegation.susceptibility = read_value(
          map.optional("susceptibility"), [&] { return map.child_path("susceptibility"); }, unit_interval,
          [i](Scenario& s, double v) { s.delegations[static_cast<std::size_t>(i)].susceptibility = v; });
    }
  }

  void read_positions(const MapReader& map, int i) {
    YAML::Node positions = map.required("positions");
    const std::string path = map.child_path("positions");
    detail::require_map(source_, positions, path);
    MapReader checked(source_, positions, path, issue_key_set());
    for (const auto& entry : checked.entries()) {
      const int issue = checked_issue_key(entry);
      scenario_.positions(i, issue) = read_value(
          entry.value, [&] { return join_path(path, scenario_.issues[static_cast<std::size_t>(issue)].id); },
          unit_interval, [i, issue](Scenario& s, double v) { s.positions(i, issue) = v; });
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
    YAML::Node salience = map.optional("salience");
    if (!map.has("salience") || (salience.IsScalar() && salience.Scalar() == "equal")) {
      scenario_.raw_salience.row(i).setOnes();
      return;
    }
    const std::string path = map.child_path("salience");
    MapReader checked(source_, salience, path, issue_key_set());
    for (const auto& entry : checked.entries()) {
      const int issue = checked_issue_key(entry);
      scenario_.raw_salience(i, issue) = read_value(
          entry.value, [&] { return join_path(path, scenario_.issues[static_cast<std::size_t>(issue)].id); },
          Range{0, 1e6}, [i, issue](Scenario& s, double v) { s.raw_salience(i, issue) = v; });
    }
    if (scenario_.raw_salience.row(i).sum() <= 0) {
      source_.fail(salience, path, "salience is zero on every issue; at least one must be positive");
    }
  }

  void read_red_lines(const MapReader& map, Delegation& delegation, int i) {
    if (!map.has("red_lines")) return;
    YAML::Node red_lines = map.optional("red_lines");
    const std::string path = map.child_path("red_lines");
    MapReader checked(source_, red_lines, path, issue_key_set());
    static const KeySet bound_keys{"min", "max"};
    for (const auto& entry : checked.entries()) {
      const int issue = checked_issue_key(entry);
      const std::string line_path = join_path(path, scenario_.issues[static_cast<std::size_t>(issue)].id);
      MapReader bounds(source_, entry.value, line_path, bound_keys);
      if (!bounds.has("min") && !bounds.has("max")) {
        source_.fail(entry.value, line_path, "a red line needs 'min', 'max' or both");
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
    for (const auto& pending : pending_negotiators_) {
      const int negotiator = delegation_reference(pending.node, pending.path);
      Bloc& bloc = scenario_.blocs[static_cast<std::size_t>(pending.index)];
      if (scenario_.delegations[static_cast<std::size_t>(negotiator)].bloc != pending.index) {
        source_.fail(pending.node, pending.path,
                     "negotiator '" + scenario_.delegations[static_cast<std::size_t>(negotiator)].id +
                         "' is not a member of bloc '" + bloc.id + "'");
      }
      bloc.negotiator = negotiator;
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
                   "dissociation_cost", "dissociation_from", "dissociation_bar", "drafting", "chair", "fallbacks"});
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
    process_number("dissociation_cost", process.dissociation_cost, unit_interval,
                   [](Scenario& s, double v) { s.process.dissociation_cost = v; });
    // A model choice of two words: the word read (an error names the key and both words) picks it.
    auto process_choice = [&](const char* key, auto& target, auto first, auto second) {
      if (!map.has(key)) return;
      const std::string word =
          detail::read_choice(source_, map.optional(key), map.child_path(key), {to_string(first), to_string(second)});
      target = word == to_string(first) ? first : second;
    };
    process_choice("dissociation_from", process.dissociation_from, DissociationBasis::shortfall,
                   DissociationBasis::assertions);
    process_choice("dissociation_bar", process.dissociation_bar, DissociationBar::round, DissociationBar::deadline);
    process_choice("drafting", process.drafting, Drafting::values, Drafting::levels);
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
    MapReader map(source_, node, path,
                  {"delegation", "strategy", "bias", "repair", "amendments", "patience", "power_weight", "final_text",
                   "drafting_group"});
    ChairSettings& chair = scenario_.process.chair;
    if (map.has("delegation"))
      chair.delegation = delegation_reference(map.optional("delegation"), map.child_path("delegation"));
    if (map.has("strategy")) {
      std::string strategy =
          detail::read_choice(source_, map.optional("strategy"), map.child_path("strategy"), chair_policy_names());
      const bool builtin = strategy == "compromise" || strategy == "nash" || strategy == "maximin";
      chair.strategy = strategy == "nash"      ? ChairStrategy::nash
                       : strategy == "maximin" ? ChairStrategy::maximin
                                               : ChairStrategy::compromise;
      chair.policy = builtin ? std::string() : strategy;
    }
    if (map.has("bias")) {
      chair.bias = read_uncertain(map.optional("bias"), map.child_path("bias"), unit_interval,
                                  [](Scenario& s, double v) { s.process.chair.bias = v; });
      if (chair.bias > 0 && chair.delegation < 0) {
        source_.fail(map.optional("bias"), map.child_path("bias"),
                     "a bias needs a chair delegation to lean toward (process.chair.delegation)");
      }
    }
    if (map.has("patience")) {
      chair.patience = read_uncertain(map.optional("patience"), map.child_path("patience"), unit_interval,
                                      [](Scenario& s, double v) { s.process.chair.patience = v; });
    }
    if (map.has("power_weight")) {
      chair.power_weight = read_uncertain(map.optional("power_weight"), map.child_path("power_weight"), unit_interval,
                                          [](Scenario& s, double v) { s.process.chair.power_weight = v; });
    }
    if (map.has("repair")) chair.repair = detail::read_bool(source_, map.optional("repair"), map.child_path("repair"));
    if (map.has("amendments")) {
      chair.amendments = detail::read_bool(source_, map.optional("amendments"), map.child_path("amendments"));
    }
    if (map.has("final_text")) {
      chair.final_text = detail::read_bool(source_, map.optional("final_text"), map.child_path("final_text"));
    }
    if (map.has("drafting_group")) {
      chair.drafting_group = read_delegation_list(map.optional("drafting_group"), map.child_path("drafting_group"));
      if (chair.drafting_group.empty()) {
        source_.fail(map.optional("drafting_group"), map.child_path("drafting_group"),
                     "a drafting group needs at least one delegation (leave the key out for the whole room)");
      }
      for (int member : chair.drafting_group) {
        const Delegation& delegation = scenario_.delegations[static_cast<std::size_t>(member)];
        if (delegation.outside_drafting) {
          source_.fail(map.optional("drafting_group"), map.child_path("drafting_group"),
                       "'" + delegation.id + "' is outside the drafting (outside_drafting: true), so it cannot draft");
        }
      }
    }
  }

  // A list of distinct delegation ids, as indices in file order.
  std::vector<int> read_delegation_list(const YAML::Node& list, const std::string& path) {
    detail::require_sequence(source_, list, path);
    std::vector<int> indices;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const int index = delegation_reference(list[i], index_path(path, i));
      if (std::find(indices.begin(), indices.end(), index) != indices.end()) {
        source_.fail(list[i], index_path(path, i), "delegation named twice");
      }
      indices.push_back(index);
    }
    std::sort(indices.begin(), indices.end());
    return indices;
  }

  void read_fallbacks(const YAML::Node& node, const std::string& path) {
    MapReader map(source_, node, path, {"chairs_summary", "ruling", "take_note", "vote"});
    Fallbacks& fallbacks = scenario_.process.fallbacks;
    if (map.has("chairs_summary")) {
      fallbacks.chairs_summary =
          detail::read_bool(source_, map.optional("chairs_summary"), map.child_path("chairs_summary"));
    }
    if (map.has("ruling")) {
      MapReader ruling_map(source_, map.optional("ruling"), map.child_path("ruling"),
                           {"max_objectors", "max_power_share"});
      Ruling ruling;
      if (ruling_map.has("max_objectors")) {
        ruling.max_objectors = detail::read_integer(source_, ruling_map.optional("max_objectors"),
                                                    ruling_map.child_path("max_objectors"), 1, limits_.max_delegations);
      }
      if (ruling_map.has("max_power_share")) {
        ruling.max_power_share =
            detail::read_number(source_, ruling_map.optional("max_power_share"),
                                ruling_map.child_path("max_power_share"), Range{0, 1, true, false});
      }
      fallbacks.ruling = ruling;
    }
    if (map.has("take_note")) {
      fallbacks.take_note = detail::read_bool(source_, map.optional("take_note"), map.child_path("take_note"));
    }
    if (map.has("vote")) {
      MapReader vote(source_, map.optional("vote"), map.child_path("vote"), {"threshold", "body", "electorate"});
      fallbacks.vote_threshold = detail::read_number(source_, vote.required("threshold"), vote.child_path("threshold"),
                                                     Range{0.5, 1, true, false});
      if (vote.has("body")) {
        fallbacks.vote_body = detail::read_string(source_, vote.optional("body"), vote.child_path("body"));
        if (fallbacks.vote_body.empty()) {
          source_.fail(vote.optional("body"), vote.child_path("body"),
                       "name the body that votes (leave the key out for the room itself)");
        }
      }
      if (vote.has("electorate")) {
        const YAML::Node electorate = vote.optional("electorate");
        if (electorate.IsMap()) {
          source_.fail(electorate, vote.child_path("electorate"),
                       "{group: ...} names a group of a member-list file, and the scenario has no `members:`");
        }
        fallbacks.electorate = read_delegation_list(electorate, vote.child_path("electorate"));
        if (fallbacks.electorate.empty()) {
          source_.fail(electorate, vote.child_path("electorate"), "an electorate needs at least one delegation");
        }
        for (std::size_t e = 0; e < fallbacks.electorate.size(); ++e) {
          const Delegation& voter = scenario_.delegations[static_cast<std::size_t>(fallbacks.electorate[e])];
          if (voter.observer) {
            source_.fail(electorate, vote.child_path("electorate"),
                         "'" + voter.id + "' is an observer, and an observer does not vote");
          }
        }
      }
      if (fallbacks.take_note) {
        source_.fail(map.optional("take_note"), map.child_path("take_note"),
                     "take_note and vote exclude each other: fallbacks are tried in the order chairs_summary, "
                     "ruling, take_note, vote, so with take_note the vote would never be held");
      }
    }
  }

  // `expected:` (the record) and `predicted:` (the model's own prediction for a what-if) share
  // one schema; `key` is which of the two it is.
  void read_expected(const YAML::Node& node, const std::string& block) {
    MapReader map(
        source_, node, block,
        {"outcome", "objectors", "dissociators", "contested_issues", "no_other_objectors", "no_other_dissociators",
         "text", "objected_earlier", "notes", "criterion", "some_objectors", "reservations", "votes"});
    Expected& expected = scenario_.expected;
    expected.present = true;
    expected.predicted = block == "predicted";
    std::vector<std::string> outcomes;
    for (OutcomeKind kind : all_outcome_kinds) outcomes.push_back(to_string(kind));
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
    expected.objected_earlier = read_ids("objected_earlier", false);
    expected.reservations = read_ids("reservations", false);
    if (map.has("some_objectors")) {
      MapReader some(source_, map.optional("some_objectors"), map.child_path("some_objectors"), {"of", "at_least"});
      Expected::SomeObjectors criterion;
      const YAML::Node of = some.required("of");
      for (int index : read_delegation_list(of, some.child_path("of"))) {
        criterion.of.push_back(scenario_.delegations[static_cast<std::size_t>(index)].id);
      }
      if (criterion.of.empty()) source_.fail(of, some.child_path("of"), "name at least one delegation");
      criterion.at_least = detail::read_integer(source_, some.required("at_least"), some.child_path("at_least"), 1,
                                                static_cast<int>(criterion.of.size()));
      expected.some_objectors = criterion;
    }
    if (map.has("votes")) read_votes(map.optional("votes"), map.child_path("votes"));
    if (map.has("no_other_objectors")) {
      expected.no_other_objectors =
          detail::read_bool(source_, map.optional("no_other_objectors"), map.child_path("no_other_objectors"));
    }
    if (map.has("no_other_dissociators")) {
      expected.no_other_dissociators =
          detail::read_bool(source_, map.optional("no_other_dissociators"), map.child_path("no_other_dissociators"));
    }
    if (map.has("text")) read_text_bounds(map.optional("text"), map.child_path("text"));
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

  // `provenance:` of a historical case (docs/SCENARIO_FORMAT.md): how its file was written and
  // what its first run gave. Read only by the backtest; the engine never sees it.
  void read_provenance(const YAML::Node& node) {
    MapReader map(source_, node, "provenance", {"written", "first_run", "changed_after_first_run", "notes"});
    Provenance& provenance = scenario_.provenance;
    provenance.present = true;
    const std::string written = detail::read_choice(source_, map.required("written"), map.child_path("written"),
                                                    {"before_first_run", "knowing_the_results", "unclear"});
    provenance.written = written == "before_first_run"      ? Provenance::Written::before_first_run
                         : written == "knowing_the_results" ? Provenance::Written::knowing_the_results
                                                            : Provenance::Written::unclear;
    if (map.has("first_run")) {
      const YAML::Node first_run_node = map.optional("first_run");
      MapReader first_run(source_, first_run_node, map.child_path("first_run"), {"date", "commit", "result"});
      Provenance::FirstRun run;
      const YAML::Node date = first_run.required("date");
      run.date = detail::read_string(source_, date, first_run.child_path("date"));
      if (!is_iso_date(run.date)) {
        source_.fail(date, first_run.child_path("date"), "'" + run.date + "' is not a date YYYY-MM-DD");
      }
      if (first_run.has("commit")) {
        const YAML::Node commit = first_run.optional("commit");
        run.commit = detail::read_string(source_, commit, first_run.child_path("commit"));
        const bool hexadecimal = std::all_of(run.commit.begin(), run.commit.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) != 0 || (c >= 'a' && c <= 'f');
        });
        if (run.commit.size() < 7 || run.commit.size() > 40 || !hexadecimal) {
          source_.fail(commit, first_run.child_path("commit"),
                       "'" + run.commit + "' is not a commit (7 to 40 lower-case hexadecimal digits)");
        }
      }
      run.passed = detail::read_choice(source_, first_run.required("result"), first_run.child_path("result"),
                                       {"pass", "fail"}) == "pass";
      provenance.first_run = run;
    }
    if (map.has("changed_after_first_run")) {
      const YAML::Node changed = map.optional("changed_after_first_run");
      provenance.changed_after_first_run =
          detail::read_string(source_, changed, map.child_path("changed_after_first_run"));
      if (provenance.changed_after_first_run.empty()) {
        source_.fail(changed, map.child_path("changed_after_first_run"),
                     "say what changed, or leave the key out when nothing did");
      }
      if (!provenance.first_run) {
        source_.fail(changed, map.child_path("changed_after_first_run"),
                     "a change after the first run needs the first run (provenance.first_run)");
      }
    }
    if (map.has("notes"))
      provenance.notes = detail::read_string(source_, map.optional("notes"), map.child_path("notes"));
    // written: before_first_run without first_run is a case awaiting its first run: the blind
    // commit declares it, and the backtest that follows is that run (it says so).
    if (provenance.written == Provenance::Written::knowing_the_results && provenance.first_run) {
      source_.fail(map.optional("first_run"), map.child_path("first_run"),
                   "a case written knowing the model's results has no first run to report; one run before "
                   "it was changed is written: before_first_run, with changed_after_first_run");
    }
  }

  // expected.votes: a CSV of the recorded ballots, relative to the scenario file. Comment lines
  // (#) first, then the header delegation,name,vote, then one row per state. Strict: every
  // problem names the CSV's line and column.
  void read_votes(const YAML::Node& node, const std::string& path) {
    const Fallbacks& fallbacks = scenario_.process.fallbacks;
    if (!fallbacks.vote_threshold) {
      source_.fail(node, path, "recorded ballots need a vote to compare with (process.fallbacks.vote)");
    }
    const std::string relative = detail::read_string(source_, node, path);
    if (relative.empty()) source_.fail(node, path, "expected a file name, got an empty text");
    const std::filesystem::path directory = std::filesystem::path(source_.file_of(node)).parent_path();
    const std::string file = (directory / relative).lexically_normal().string();
    const std::string text = read_bounded(file, limits_.max_file_bytes, [&](const std::string& message) {
      source_.fail(node, path, "'" + file + "': " + message);
    });
    auto fail = [&](int line, int column, const std::string& message) {
      throw InputError(file, line, column, path, message);
    };
    std::vector<std::uint8_t> voters(static_cast<std::size_t>(scenario_.delegation_count()), 0);
    if (fallbacks.electorate.empty()) {
      for (int i = 0; i < scenario_.delegation_count(); ++i) {
        voters[static_cast<std::size_t>(i)] = scenario_.delegations[static_cast<std::size_t>(i)].observer ? 0 : 1;
      }
    } else {
      for (int i : fallbacks.electorate) voters[static_cast<std::size_t>(i)] = 1;
    }
    std::vector<int> row_of(static_cast<std::size_t>(scenario_.delegation_count()), 0);
    bool header_seen = false;
    int header_line = 0;
    int line_number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(start, end - start);
      start = end + 1;
      ++line_number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!header_seen && !line.empty() && line[0] == '#') continue;
      if (line.empty()) {
        if (!header_seen) fail(line_number, 1, "expected the header delegation,name,vote, got an empty line");
        continue;
      }
      // Fields with the column each starts at; a field may be quoted ("Korea, Republic of").
      std::vector<std::pair<std::string, int>> fields;
      std::size_t at = 0;
      while (true) {
        const int column = static_cast<int>(at) + 1;
        std::string field;
        if (at < line.size() && line[at] == '"') {
          ++at;
          while (true) {
            if (at >= line.size()) fail(line_number, column, "a quoted field is not closed");
            if (line[at] == '"') {
              if (at + 1 < line.size() && line[at + 1] == '"') {
                field += '"';
                at += 2;
                continue;
              }
              ++at;
              break;
            }
            field += line[at++];
          }
          if (at < line.size() && line[at] != ',') {
            fail(line_number, static_cast<int>(at) + 1, "expected a comma after the quoted field");
          }
        } else {
          const std::size_t comma = line.find(',', at);
          field = line.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
          at = comma == std::string::npos ? line.size() : comma;
        }
        fields.emplace_back(field, column);
        if (at >= line.size()) break;
        ++at;  // the comma
      }
      if (!header_seen) {
        if (fields.size() != 3 || fields[0].first != "delegation" || fields[1].first != "name" ||
            fields[2].first != "vote") {
          fail(line_number, 1, "expected the header delegation,name,vote (after the # comment lines)");
        }
        header_seen = true;
        header_line = line_number;
        continue;
      }
      if (fields.size() != 3) {
        fail(line_number, fields.size() > 3 ? fields[3].second : static_cast<int>(line.size()) + 1,
             "expected 3 fields (delegation,name,vote), got " + std::to_string(fields.size()));
      }
      const std::string& id = fields[0].first;
      const int index = scenario_.find_delegation(id);
      if (index < 0) {
        fail(line_number, fields[0].second,
             "unknown delegation '" + id.substr(0, 64) + "'" + detail::did_you_mean(id, delegation_ids()));
      }
      const auto position = static_cast<std::size_t>(index);
      if (row_of[position] != 0) {
        fail(line_number, fields[0].second,
             "'" + id + "' has a row already (line " + std::to_string(row_of[position]) + ")");
      }
      row_of[position] = line_number;
      const std::string& vote = fields[2].first;
      Expected::Ballot ballot = Expected::Ballot::absent;
      if (vote == "yes") {
        ballot = Expected::Ballot::yes;
      } else if (vote == "no") {
        ballot = Expected::Ballot::no;
      } else if (vote == "abstain") {
        ballot = Expected::Ballot::abstain;
      } else if (vote != "absent") {
        fail(line_number, fields[2].second,
             "'" + vote.substr(0, 64) + "' is not a vote; use yes, no, abstain or absent" +
                 detail::did_you_mean(vote, {"yes", "no", "abstain", "absent"}));
      }
      if (voters[position] == 0 && ballot != Expected::Ballot::absent) {
        fail(line_number, fields[0].second,
             "'" + id + "' does not vote in the scenario (an observer, or outside the electorate)");
      }
      scenario_.expected.recorded_ballots.emplace_back(index, ballot);
    }
    if (!header_seen) fail(std::max(line_number, 1), 1, "no header delegation,name,vote");
    for (std::size_t i = 0; i < voters.size(); ++i) {
      if (voters[i] != 0 && row_of[i] == 0) {
        fail(header_line, 1,
             "delegation '" + scenario_.delegations[i].id +
                 "' votes in the scenario and has no row (write 'absent' if it did not vote)");
      }
    }
    scenario_.expected.votes_file = file;
    scenario_.included_files.push_back(file);
  }

  // expected.text: issue id -> {at_least, at_most}, each a level value of that issue's scale:
  // the adopted text renders at that level or beyond.
  void read_text_bounds(const YAML::Node& node, const std::string& path) {
    detail::require_map(source_, node, path);
    for (auto it = node.begin(); it != node.end(); ++it) {
      const int issue_index = issue_key(it->first, path);
      const Issue& issue = scenario_.issues[static_cast<std::size_t>(issue_index)];
      const std::string bound_path = join_path(path, issue.id);
      MapReader bound(source_, it->second, bound_path, {"at_least", "at_most"});
      if (!bound.has("at_least") && !bound.has("at_most")) {
        source_.fail(it->second, bound_path, "give at_least, at_most or both");
      }
      Expected::TextBound text_bound;
      text_bound.issue = issue.id;
      auto read_level = [&](const char* which) {
        const double value =
            detail::read_number(source_, bound.optional(which), bound.child_path(which), unit_interval);
        const bool is_level = std::any_of(issue.levels.begin(), issue.levels.end(),
                                          [value](const TextLevel& level) { return level.value == value; });
        if (!is_level) {
          std::string values;
          for (const auto& level : issue.levels) values += (values.empty() ? "" : ", ") + format_number(level.value);
          source_.fail(bound.optional(which), bound.child_path(which),
                       format_number(value) + " is not a level of '" + issue.id + "' (its levels: " + values + ")");
        }
        return value;
      };
      if (bound.has("at_least")) text_bound.at_least = read_level("at_least");
      if (bound.has("at_most")) text_bound.at_most = read_level("at_most");
      if (text_bound.at_least && text_bound.at_most && *text_bound.at_least > *text_bound.at_most) {
        source_.fail(it->second, bound_path, "at_least is above at_most");
      }
      scenario_.expected.text.push_back(text_bound);
    }
  }

  static std::string format_number(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
  }

  struct PendingReference {
    int index;
    YAML::Node node;
    std::string path;
  };

  const Source& source_;
  const LoadLimits& limits_;
  Scenario scenario_;
  std::vector<std::string> issue_ids_;     // the cache of issue_ids()
  std::unique_ptr<KeySet> issue_key_set_;  // made from issue_ids_ when first asked for
  std::vector<InputError> problems_;       // of issues, blocs and delegations, each read on its own
  bool lost_item_ = false;                 // an issue or bloc failed without a valid id to keep
  std::vector<PendingReference> pending_leaders_;
  std::vector<PendingReference> pending_negotiators_;
  std::vector<PendingReference> pending_ties_;
};

std::string file_stem(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::size_t dot = name.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

}  // namespace

long node_limit(const LoadLimits& limits) {
  if (limits.max_nodes > 0) return limits.max_nodes;
  // Derived from the other limits: what a scenario at all of them may need. Per delegation and
  // issue a position and a salience (4 nodes) and room for red lines on some (2 more); per
  // delegation 100 more (name, power, agent, ties to a few others, notes); per issue 100 (its
  // levels); per bloc 20; and 1,000 for the rest. With the defaults (1,000 delegations, 200
  // issues, 100 blocs) that is 1,323,000.
  const long delegations = limits.max_delegations;
  const long issues = limits.max_issues;
  const long total = delegations * (6 * issues + 100) + 100 * issues + 20L * limits.max_blocs + 1000;
  return std::min<long>(total, std::numeric_limits<int>::max());
}

namespace {

// One load of a scenario's text; `simple_tree` as parse_document's.
Scenario load_scenario_text_once(const std::string& text, const std::string& file_name,
                                 const std::vector<std::string>& overrides, const LoadLimits& limits,
                                 bool* simple_tree) {
  Source source(file_name);
  // One budget of nodes and bytes for the file and everything it includes.
  long node_budget = node_limit(limits);
  std::size_t byte_budget = limits.max_file_bytes;
  DocumentEvents events;
  YAML::Node root = parse_document(source, text, limits, node_budget, events, scenario_kind("a scenario"), simple_tree);
  byte_budget -= std::min(byte_budget, text.size());
  std::set<int> anchored = events.anchored;
  std::vector<std::string> included_files;
  try {
    // The file's own tree first, aliases expanded: an alias cycle must not reach the include code.
    long budget = node_budget + events.nodes;
    if (events.simple_nodes > 0) {
      // The fast reader counted the nodes and the depth (its tree has no aliases): the walk below
      // would fail exactly when there are more nodes than the budget, or a node lies deeper than
      // the limit (a top-level value is at depth 0 there); then yaml-cpp's tree says where.
      budget -= events.simple_nodes;
      if (budget < 0 || events.simple_depth - 1 > limits.max_flow_depth) throw LoadAgainThroughYamlCpp();
    } else {
      if (!events.counted) budget -= 1;  // the root, which the event pass would have counted
      for (const auto& pair : root) {
        const std::string key = pair.first.IsScalar() ? pair.first.Scalar() : "";
        if (!events.counted) budget -= count_nodes(pair.first);
        check_node_count(source, pair.second, key, budget, limits);
      }
    }
    node_budget = std::min(node_budget, budget);
    IncludeResolver resolver(source, limits, file_name, node_budget, byte_budget, anchored, simple_tree);
    root = resolver.resolve(file_name, root);
    included_files = resolver.included();
    // The file's uncertain numbers, declared in one list, before --set (which replaces a value
    // whole, its uncertainty with it).
    apply_uncertain_block(source, root);
    for (const auto& expression : overrides) {
      const std::size_t equals = expression.find('=');
      refuse_include_override(expression.substr(0, equals), [&](const std::string& message) {
        throw InputError("--set " + expression, 1, 1, split_override_path(expression.substr(0, equals))[0], message);
      });
      source.add_override(apply_override(root, expression), expression);
      // A value given with an alias of its own (`--set 'x=[&a {b: 1}, *a]'`) shares nodes too.
      if (expression.find('*') != std::string::npos) unshare_all(root);
    }
    // Everything once more, aliases expanded: the includes and the --set values are in it now.
    long merged_budget = node_limit(limits);
    for (const auto& pair : root) {
      const std::string key = pair.first.IsScalar() ? pair.first.Scalar() : "";
      check_node_count(source, pair.second, key, merged_budget, limits);
    }
    Loader loader(source, limits);
    Scenario scenario = loader.load(root);
    // The stem names the results directory and goes into the JSON outputs: UTF-8 only.
    if (detail::invalid_utf8_offset(file_name) != std::string::npos) {
      source.fail_at(1, 1, "", "the file name is not valid UTF-8; rename the file");
    }
    scenario.id = file_stem(file_name);
    scenario.source_file = file_name;
    // The include resolver's files, then those the loader read itself (a votes CSV).
    included_files.insert(included_files.end(), scenario.included_files.begin(), scenario.included_files.end());
    scenario.included_files = std::move(included_files);
    return scenario;
  } catch (const YAML::Exception& error) {
    // yaml-cpp throws on conversions we did not foresee; report them as input errors all the same.
    source.fail_at(error.mark.is_null() ? 1 : error.mark.line + 1, error.mark.is_null() ? 1 : error.mark.column + 1, "",
                   syntax_message(error.msg));
  }
}

}  // namespace

Scenario load_scenario_text(const std::string& text, const std::string& file_name,
                            const std::vector<std::string>& overrides, const LoadLimits& limits) {
  // A large plain file is read by libyaml (yaml_fast_tree.hpp). Its tree is yaml-cpp's but for
  // the marks, so on any error the load is made again through yaml-cpp alone: its message, with
  // yaml-cpp's line and column, is the one reported, exactly as without the fast reader.
  bool simple_tree = false;
  try {
    return load_scenario_text_once(text, file_name, overrides, limits, &simple_tree);
  } catch (const std::exception&) {
    if (!simple_tree) throw;
  }
  return load_scenario_text_once(text, file_name, overrides, limits, nullptr);
}

Scenario load_scenario_file(const std::string& path, const std::vector<std::string>& overrides,
                            const LoadLimits& limits) {
  const std::string text = read_bounded(path, limits.max_file_bytes,
                                        [&](const std::string& message) { throw InputError(path, 1, 1, "", message); });
  return load_scenario_text(text, path, overrides, limits);
}

}  // namespace negsim
