// Schema-driven reading of YAML nodes with precise errors (file:line:column: key.path: message).
// Private to the library: the loader and the override code use it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "negsim/errors.hpp"

namespace negsim::detail {

// An inclusive or exclusive numeric range, printed the way a reader expects: [0, 1], (0, inf).
struct Range {
  double low;
  double high;
  bool low_open = false;
  bool high_open = false;
  bool contains(double value) const;
  std::string describe() const;
};

inline constexpr Range unit_interval{0.0, 1.0};

// Where the file came from, and which key paths were replaced by --set (reported as such).
//
// A scenario may pull nodes from other files (stance files, the base of an overlay). yaml-cpp
// marks carry no file name, so the Source keeps the root of every included document and, on
// an error, looks for the failing node in them (by identity, Node::is) to name the right file.
class Source {
 public:
  explicit Source(std::string file) : file_(std::move(file)), merged_file_(file_) {}
  void add_override(std::string key_path, std::string expression);
  // A `set:` entry of an overlay file: errors under `key_path` point at that entry.
  void add_file_override(std::string key_path, std::string file, int line, int column);
  // A document whose nodes were copied into the scenario tree (searched first, in order).
  void add_document(std::string file, const YAML::Node& root);
  // The file whose tree the others were merged into: the base of an overlay (default: file()).
  void set_merged_file(std::string file) { merged_file_ = std::move(file); }
  [[noreturn]] void fail(const YAML::Node& node, const std::string& key_path, const std::string& message) const;
  [[noreturn]] void fail_at(int line, int column, const std::string& key_path, const std::string& message) const;
  const std::string& file() const { return file_; }
  // The file a node was read from: an included document that holds it, else the merged file.
  std::string file_of(const YAML::Node& node) const;

 private:
  struct FileOverride {
    std::string key_path;
    std::string file;
    int line;
    int column;
  };
  [[noreturn]] void fail_in(const std::string& file, int line, int column, const std::string& key_path,
                            const std::string& message) const;
  std::string file_;
  std::string merged_file_;
  std::vector<std::pair<std::string, std::string>> overrides_;  // key path, expression
  std::vector<FileOverride> file_overrides_;
  std::vector<std::pair<std::string, YAML::Node>> documents_;  // file, root
};

// Offset of the first byte that is not well-formed UTF-8, or npos. The JSON outputs hold
// UTF-8 only, so every text that can reach them is checked.
std::size_t invalid_utf8_offset(const std::string& text);

std::string describe_type(const YAML::Node& node);
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

// The keys a mapping may have, sorted once: a reader is made for each of thousands of mappings
// at 193 x 40 (a delegation's positions have one key per issue), and sorting its keys each time
// was a good part of a load.
class KeySet {
 public:
  explicit KeySet(std::vector<std::string> keys);
  KeySet(std::initializer_list<const char*> keys);
  // The position of `key` in the list given (its first, if listed twice), or npos. `hint`: where
  // it is likely to be (a mapping often lists its keys in the order of this list), tried first.
  std::size_t find(std::string_view key, std::size_t hint = std::string_view::npos) const;
  std::size_t size() const { return keys_.size(); }
  const std::vector<std::string>& keys() const { return keys_; }

 private:
  std::vector<std::string> keys_;    // in the order given: messages list them so
  std::vector<std::size_t> sorted_;  // positions in keys_, by key (equal keys in the order given)
  std::vector<bool> first_;          // by position in keys_: no earlier key is the same
};

// A mapping whose keys are checked once: duplicates and unknown keys are errors.
class MapReader {
 public:
  MapReader(const Source& source, const YAML::Node& node, std::string path,
            const std::vector<std::string>& allowed_keys);
  MapReader(const Source& source, const YAML::Node& node, std::string path,
            std::initializer_list<const char*> allowed_keys);
  // Indexed: the entries read while the keys are checked are kept, so has(), optional() and
  // entries() walk nothing (yaml-cpp's lookup compares the key with every key of the mapping,
  // copying each). Only for a mapping nobody changes while the reader lives, and `allowed_keys`
  // must outlive the reader.
  MapReader(const Source& source, const YAML::Node& node, std::string path, const KeySet& allowed_keys);

  struct Entry {
    std::string_view key;  // the key's scalar (the mapping's nodes outlive the reader)
    std::size_t allowed;   // the key's position in the allowed keys
    YAML::Node value;
  };

  bool has(const std::string& key) const;
  YAML::Node optional(const std::string& key) const;  // an undefined node when absent
  YAML::Node required(const std::string& key) const;
  std::string child_path(const std::string& key) const;
  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  // The entries in the order of the file (those yaml-cpp's iteration gives).
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  void check_keys(const KeySet& allowed_keys);
  const Entry* find(std::string_view key) const;  // indexed readers only
  const Source& source_;
  YAML::Node node_;
  std::string path_;
  const KeySet* allowed_ = nullptr;  // indexed readers only
  std::vector<Entry> entries_;
  std::vector<std::size_t> entry_of_key_;  // by position in the allowed keys: in entries_, or npos
};

std::string join_path(const std::string& parent, const std::string& key);
std::string index_path(const std::string& parent, std::size_t index);

std::string read_string(const Source& source, const YAML::Node& node, const std::string& path);
std::string read_id(const Source& source, const YAML::Node& node, const std::string& path);
double read_number(const Source& source, const YAML::Node& node, const std::string& path, const Range& range);
// The value read_number would return, when the node is a plain decimal (digits, at most one
// point, a leading minus) within the range; false otherwise, and then read_number says why. For
// the many numbers of a large scenario: no key path is needed before something fails.
bool read_plain_number(const YAML::Node& node, const Range& range, double& value);
int read_integer(const Source& source, const YAML::Node& node, const std::string& path, int low, int high);
bool read_bool(const Source& source, const YAML::Node& node, const std::string& path);
void require_sequence(const Source& source, const YAML::Node& node, const std::string& path);
void require_map(const Source& source, const YAML::Node& node, const std::string& path);

// Picks one of `choices` or fails with a did-you-mean.
std::string read_choice(const Source& source, const YAML::Node& node, const std::string& path,
                        const std::vector<std::string>& choices);

}  // namespace negsim::detail
