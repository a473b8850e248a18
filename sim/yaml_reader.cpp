#include "yaml_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <string_view>
#include <system_error>

#include "negsim/scenario.hpp"

namespace negsim::detail {

bool Range::contains(double value) const {
  if (low_open ? value <= low : value < low) return false;
  if (high_open ? value >= high : value > high) return false;
  return true;
}

namespace {
std::string format_bound(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::ostringstream out;
  out << value;
  return out.str();
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

bool path_starts_with(const std::string& path, const std::string& prefix) {
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}
}  // namespace

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
std::size_t invalid_utf8_offset(const std::string& text) {
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;   // overlong
      if (lead == 0xED) high = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;   // overlong
      if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return i;
    }
    if (i + length > size) return i;
    for (std::size_t j = 1; j < length; ++j) {
      const auto next = static_cast<unsigned char>(text[i + j]);
      if (next < (j == 1 ? low : 0x80) || next > (j == 1 ? high : 0xBF)) return i;
    }
    i += length;
  }
  return std::string::npos;
}

std::string Range::describe() const {
  return std::string(low_open ? "(" : "[") + format_bound(low) + ", " + format_bound(high) + (high_open ? ")" : "]");
}

void Source::add_override(std::string key_path, std::string expression) {
  overrides_.emplace_back(std::move(key_path), std::move(expression));
}

void Source::add_file_override(std::string key_path, std::string file, int line, int column) {
  file_overrides_.push_back({std::move(key_path), std::move(file), line, column});
}

void Source::add_document(std::string file, const YAML::Node& root) {
  documents_.emplace_back(std::move(file), root);
}

namespace {
// Depth-first search for `wanted` (by identity) under `node`. The budget bounds the walk and
// the depth the stack, since aliases can make a document a graph, even a loop (the loader
// refuses documents deeper than its depth limit, at most max_document_depth).
bool contains_node(const YAML::Node& node, const YAML::Node& wanted, long& budget, int depth = 0) {
  if (--budget < 0 || depth > max_document_depth || !node.IsDefined()) return false;
  if (node.is(wanted)) return true;
  if (node.IsSequence()) {
    for (const auto& child : node) {
      if (contains_node(child, wanted, budget, depth + 1)) return true;
    }
  } else if (node.IsMap()) {
    for (const auto& pair : node) {
      if (contains_node(pair.first, wanted, budget, depth + 1) ||
          contains_node(pair.second, wanted, budget, depth + 1)) {
        return true;
      }
    }
  }
  return false;
}
}  // namespace

std::string Source::file_of(const YAML::Node& node) const {
  if (node.IsDefined()) {
    for (const auto& [file, root] : documents_) {
      long budget = 200000;
      if (contains_node(root, node, budget)) return file;
    }
  }
  return merged_file_;
}

void Source::fail(const YAML::Node& node, const std::string& key_path, const std::string& message) const {
  YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
  const int line = mark.is_null() ? 0 : mark.line + 1;
  const int column = mark.is_null() ? 0 : mark.column + 1;
  if (documents_.empty()) fail_at(line, column, key_path, message);
  fail_in(file_of(node), line, column, key_path, message);
}

void Source::fail_at(int line, int column, const std::string& key_path, const std::string& message) const {
  fail_in(file_, line, column, key_path, message);
}

void Source::fail_in(const std::string& file, int line, int column, const std::string& key_path,
                     const std::string& message) const {
  // A value that came from --set is reported against the option, not the file; one that came
  // from an overlay's `set:` against that entry.
  for (const auto& [override_path, expression] : overrides_) {
    if (path_starts_with(key_path, override_path)) {
      throw InputError("--set " + expression, 0, 0, key_path, message);
    }
  }
  for (const auto& entry : file_overrides_) {
    if (path_starts_with(key_path, entry.key_path)) {
      throw InputError(entry.file, entry.line, entry.column, key_path, message);
    }
  }
  throw InputError(file, std::max(line, 1), std::max(column, 1), key_path, message);
}

std::string describe_type(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "nothing (null)";
    case YAML::NodeType::Scalar:
      return "'" + (node.Scalar().size() > 40 ? node.Scalar().substr(0, 40) + "..." : node.Scalar()) + "'";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Undefined: return "nothing";
  }
  return "an unknown node";
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const auto& candidate : candidates) {
    std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  std::size_t tolerance = std::max<std::size_t>(2, word.size() / 3);
  if (!best.empty() && best_distance <= tolerance) return " (did you mean '" + best + "'?)";
  return "";
}

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

KeySet::KeySet(std::vector<std::string> keys) : keys_(std::move(keys)), sorted_(keys_.size()) {
  for (std::size_t k = 0; k < sorted_.size(); ++k) sorted_[k] = k;
  std::stable_sort(sorted_.begin(), sorted_.end(), [&](std::size_t a, std::size_t b) { return keys_[a] < keys_[b]; });
  first_.assign(keys_.size(), false);
  for (std::size_t k = 0; k < sorted_.size(); ++k) {
    first_[sorted_[k]] = k == 0 || keys_[sorted_[k - 1]] != keys_[sorted_[k]];
  }
}

KeySet::KeySet(std::initializer_list<const char*> keys) : KeySet(std::vector<std::string>(keys.begin(), keys.end())) {}

std::size_t KeySet::find(std::string_view key, std::size_t hint) const {
  // The hint only when no earlier key is the same (find gives the first of equal keys).
  if (hint < keys_.size() && first_[hint] && keys_[hint] == key) return hint;
  const auto place = std::lower_bound(sorted_.begin(), sorted_.end(), key,
                                      [&](std::size_t k, std::string_view wanted) { return keys_[k] < wanted; });
  return place != sorted_.end() && keys_[*place] == key ? *place : std::string::npos;
}

MapReader::MapReader(const Source& source, const YAML::Node& node, std::string path,
                     const std::vector<std::string>& allowed_keys)
    : MapReader(source, node, std::move(path), KeySet(allowed_keys)) {
  allowed_ = nullptr;  // the key set was a temporary
}

MapReader::MapReader(const Source& source, const YAML::Node& node, std::string path,
                     std::initializer_list<const char*> allowed_keys)
    : MapReader(source, node, std::move(path), KeySet(allowed_keys)) {
  allowed_ = nullptr;
}

MapReader::MapReader(const Source& source, const YAML::Node& node, std::string path, const KeySet& allowed_keys)
    : source_(source), node_(node), path_(std::move(path)), allowed_(&allowed_keys) {
  require_map(source_, node_, path_);
  check_keys(allowed_keys);
}

void MapReader::check_keys(const KeySet& allowed_keys) {
  // Each key is looked up once in the sorted allowed keys (a positions mapping has one key per
  // issue: a scan of the issues for each was a tenth of loading a 193 x 40 scenario). A key seen
  // twice is found by its mark there: the first time it passed, or the reader would have failed
  // as the key is unknown (which is why a duplicate is still reported before an unknown key). The
  // views point into the scalars of node_, which outlive the reader.
  entries_.reserve(node_.size());
  entry_of_key_.assign(allowed_keys.size(), std::string::npos);
  for (const auto& pair : node_) {
    const YAML::Node& key_node = pair.first;
    if (!key_node.IsScalar()) {
      source_.fail(key_node, path_, "keys must be plain words, not " + describe_type(key_node));
    }
    const std::string& key = key_node.Scalar();
    const std::size_t allowed = allowed_keys.find(key, entries_.size());
    if (allowed != std::string::npos && entry_of_key_[allowed] != std::string::npos) {
      source_.fail(key_node, child_path(key), "duplicate key '" + key + "'");
    }
    if (allowed == std::string::npos) {
      const std::vector<std::string>& keys = allowed_keys.keys();
      std::string listed;
      for (const auto& name : keys) listed += (listed.empty() ? "" : ", ") + name;
      source_.fail(key_node, child_path(key),
                   "unknown key '" + key + "'" + did_you_mean(key, keys) + "; allowed here: " + listed);
    }
    entry_of_key_[allowed] = entries_.size();
    entries_.push_back({key, allowed, pair.second});
  }
}

const MapReader::Entry* MapReader::find(std::string_view key) const {
  const std::size_t allowed = allowed_->find(key);
  if (allowed == std::string::npos || entry_of_key_[allowed] == std::string::npos) return nullptr;
  return &entries_[entry_of_key_[allowed]];
}

bool MapReader::has(const std::string& key) const {
  if (allowed_ != nullptr) return find(key) != nullptr;
  const YAML::Node& const_node = node_;
  return static_cast<bool>(const_node[key]);
}

YAML::Node MapReader::optional(const std::string& key) const {
  if (allowed_ != nullptr) {
    if (const Entry* entry = find(key)) return entry->value;
  }
  // Absent: yaml-cpp's own answer (a node that is not defined, and throws if read).
  const YAML::Node& const_node = node_;
  return const_node[key];
}

YAML::Node MapReader::required(const std::string& key) const {
  YAML::Node value = optional(key);
  if (!value) source_.fail(node_, child_path(key), "required key '" + key + "' is missing");
  return value;
}

std::string MapReader::child_path(const std::string& key) const {
  return join_path(path_, key);
}

void require_map(const Source& source, const YAML::Node& node, const std::string& path) {
  if (!node.IsMap()) source.fail(node, path, "expected a mapping of keys, got " + describe_type(node));
}

void require_sequence(const Source& source, const YAML::Node& node, const std::string& path) {
  if (!node.IsSequence()) source.fail(node, path, "expected a list, got " + describe_type(node));
}

std::string read_string(const Source& source, const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) source.fail(node, path, "expected text, got " + describe_type(node));
  // Every string may reach the JSON outputs, which hold UTF-8 only (a stray byte, or an escape
  // such as "\ud800", would otherwise fail the run after it was played).
  const std::size_t bad = invalid_utf8_offset(node.Scalar());
  if (bad != std::string::npos) {
    source.fail(node, path, "the text is not valid UTF-8 (byte " + std::to_string(bad + 1) + " of the value)");
  }
  return node.Scalar();
}

std::string read_id(const Source& source, const YAML::Node& node, const std::string& path) {
  std::string id = read_string(source, node, path);
  auto allowed = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; };
  const bool valid =
      !id.empty() && id.size() <= 64 && id[0] >= 'a' && id[0] <= 'z' && std::all_of(id.begin(), id.end(), allowed);
  if (!valid) {
    source.fail(node, path,
                "'" + id.substr(0, 64) +
                    "' is not a valid id (lower-case letters, digits, '_' and '-', starting with a "
                    "letter, at most 64 characters)");
  }
  return id;
}

double read_number(const Source& source, const YAML::Node& node, const std::string& path, const Range& range) {
  double plain = 0;
  if (read_plain_number(node, range, plain)) return plain;
  if (!node.IsScalar()) source.fail(node, path, "expected a number, got " + describe_type(node));
  if (node.Tag() == "!") {
    source.fail(node, path, "expected a number, got the quoted text " + describe_type(node));
  }
  const std::string& text = node.Scalar();
  std::string lowered = text;
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lowered == ".nan" || lowered == ".inf" || lowered == "+.inf" || lowered == "-.inf" ||
      lowered.find("nan") != std::string::npos || lowered.find("inf") != std::string::npos) {
    source.fail(node, path, "'" + text + "' is not a finite number");
  }
  errno = 0;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(value)) {
    source.fail(node, path, "expected a number, got " + describe_type(node));
  }
  if (!range.contains(value)) {
    source.fail(node, path, format_bound(value) + " is out of range " + range.describe());
  }
  return value;
}

namespace {
// "-"? digits ("." digits)?, at most 24 characters: from 1e-23 to under 1e24, so neither strtod nor
// from_chars can round it to zero or infinity. Both round correctly to the nearest double (glibc's
// strtod is exact; this program never changes the C locale, whose decimal point is '.'), so the
// value is the one read_number's strtod gives.
bool parse_plain_decimal(const std::string& text, double& value) {
  const std::size_t size = text.size();
  if (size == 0 || size > 24) return false;
  std::size_t i = text[0] == '-' ? 1 : 0;
  const std::size_t digits_start = i;
  while (i < size && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == digits_start) return false;
  if (i < size && text[i] == '.') {
    const std::size_t fraction_start = ++i;
    while (i < size && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == fraction_start) return false;
  }
  if (i != size) return false;
  const char* end = text.data() + size;
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  return error == std::errc() && stop == end;
}
}  // namespace

bool read_plain_number(const YAML::Node& node, const Range& range, double& value) {
  if (!node.IsScalar() || node.Tag() == "!") return false;
  double read = 0;
  if (!parse_plain_decimal(node.Scalar(), read) || !range.contains(read)) return false;
  value = read;
  return true;
}

int read_integer(const Source& source, const YAML::Node& node, const std::string& path, int low, int high) {
  double value = read_number(source, node, path,
                             Range{-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()});
  if (value != std::floor(value)) source.fail(node, path, "expected a whole number, got " + node.Scalar());
  if (value < low || value > high) {
    source.fail(node, path,
                node.Scalar() + " is out of range [" + std::to_string(low) + ", " + std::to_string(high) + "]");
  }
  return static_cast<int>(value);
}

bool read_bool(const Source& source, const YAML::Node& node, const std::string& path) {
  if (node.IsScalar() && node.Tag() != "!") {
    const std::string& text = node.Scalar();
    if (text == "true" || text == "True") return true;
    if (text == "false" || text == "False") return false;
  }
  source.fail(node, path, "expected true or false, got " + describe_type(node));
}

std::string read_choice(const Source& source, const YAML::Node& node, const std::string& path,
                        const std::vector<std::string>& choices) {
  std::string value = read_string(source, node, path);
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return value;
  std::string listed;
  for (const auto& choice : choices) listed += (listed.empty() ? "" : ", ") + choice;
  source.fail(node, path, "'" + value.substr(0, 64) + "' is not one of: " + listed + did_you_mean(value, choices));
}

}  // namespace negsim::detail
