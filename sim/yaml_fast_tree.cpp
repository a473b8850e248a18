#include "yaml_fast_tree.hpp"

#include <yaml.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string_view>
#include <vector>

namespace negsim::detail {
struct FastTreeAccess;
struct NearNodeAccess;
}  // namespace negsim::detail

// yaml-cpp lets its `as_if` templates wrap a node of its own memory in a YAML::Node (as its own
// NodeBuilder does); this specialisation uses that access for the one root node built below.
template <>
struct YAML::as_if<negsim::detail::FastTreeAccess, void> {
  static YAML::Node wrap(YAML::detail::node& root, const YAML::detail::shared_memory_holder& memory) {
    return YAML::Node(root, memory);
  }
};

// The same access, for a node made in the memory of another (new_node_near).
template <>
struct YAML::as_if<negsim::detail::NearNodeAccess, void> {
  static YAML::Node make(const YAML::Node& near, YAML::NodeType::value type) {
    if (!near.m_isValid || !near.m_pMemory) return YAML::Node(type);
    YAML::detail::node& node = near.m_pMemory->create_node();
    node.set_type(type);
    return YAML::Node(node, near.m_pMemory);
  }
};

namespace negsim::detail {

YAML::Node new_node_near(const YAML::Node& near, YAML::NodeType::value type) {
  return YAML::as_if<NearNodeAccess, void>::make(near, type);
}

namespace {

// Owns a libyaml parser or event for the length of a scope.
struct ParserGuard {
  yaml_parser_t parser{};
  ParserGuard() { yaml_parser_initialize(&parser); }
  ~ParserGuard() { yaml_parser_delete(&parser); }
  ParserGuard(const ParserGuard&) = delete;
  ParserGuard& operator=(const ParserGuard&) = delete;
};

struct EventGuard {
  yaml_event_t event{};
  EventGuard() = default;
  ~EventGuard() { yaml_event_delete(&event); }
  EventGuard(const EventGuard&) = delete;
  EventGuard& operator=(const EventGuard&) = delete;
};

// yaml-cpp 0.7 reads these plain scalars as null (and an empty one, such as a missing value).
bool is_null_text(std::string_view text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

// A plain scalar both parsers surely read alike: its value is the very text between its marks,
// on one line, with none of the characters that are indicators somewhere in YAML (a comma is
// one only inside a flow collection: "a: b, c" is the text "b, c" to both).
bool safe_plain(std::string_view value, std::string_view raw, bool in_flow) {
  if (value != raw) return false;
  // A table of those characters: strchr for each character of every scalar was a few percent of
  // a large load.
  static const std::array<bool, 256> indicator = [] {
    std::array<bool, 256> table{};
    for (const char c : std::string_view(":#,[]{}\"'`|>!%@&*?\n")) table[static_cast<unsigned char>(c)] = true;
    table[0] = true;  // as strchr, which finds the terminator
    return table;
  }();
  for (const char c : value) {
    if (indicator[static_cast<unsigned char>(c)] && (c != ',' || in_flow)) return false;
  }
  return value.empty() || (value.front() != ' ' && value.back() != ' ');
}

// A block scalar in its simplest form, which both parsers surely read alike: a header of '>' or
// '|' with or without '-' alone on its line, then lines of text at one indentation, no blank line
// but trailing ones, no trailing space; its value those lines joined by a space (folded) or a line
// break (literal), with a final line break unless stripped.
bool safe_block(std::string_view value, std::string_view raw) {
  if (raw.size() < 2 || (raw[0] != '>' && raw[0] != '|')) return false;
  const bool folded = raw[0] == '>';
  const bool strip = raw[1] == '-';
  std::size_t at = strip ? 2 : 1;
  if (at >= raw.size() || raw[at] != '\n' || raw.back() != '\n') return false;
  ++at;
  std::size_t indent = 0;
  std::size_t lines = 0;
  std::size_t matched = 0;  // how much of `value` the lines so far account for
  while (at < raw.size() && raw[at] != '\n') {
    const std::size_t end = raw.find('\n', at);  // raw ends with one
    const std::string_view line = raw.substr(at, end - at);
    const std::size_t spaces = line.find_first_not_of(' ');
    if (spaces == std::string_view::npos || spaces == 0 || line.back() == ' ') return false;
    if (lines == 0) indent = spaces;
    if (spaces != indent) return false;
    const std::string_view content = line.substr(indent);
    if (lines > 0) {
      if (matched >= value.size() || value[matched] != (folded ? ' ' : '\n')) return false;
      ++matched;
    }
    if (value.substr(matched, content.size()) != content) return false;
    matched += content.size();
    ++lines;
    at = end + 1;
  }
  for (; at < raw.size(); ++at) {
    if (raw[at] != '\n') return false;  // text after a blank line
  }
  if (lines == 0) return false;
  return value.size() == matched + (strip ? 0 : 1) && (strip || value.back() == '\n');
}

// libyaml's marks count characters, not bytes: the byte offset of a character index, for marks
// met in increasing order (the cursor moves forward from the last one; back, it starts again).
class ByteOffsets {
 public:
  explicit ByteOffsets(std::string_view text)
      : text_(text), ascii_(std::none_of(text.begin(), text.end(), [](char c) { return (c & 0x80) != 0; })) {}
  std::size_t operator()(std::size_t characters) {
    if (ascii_) return characters;
    if (characters < characters_) characters_ = bytes_ = 0;
    while (characters_ < characters && bytes_ < text_.size()) {
      ++bytes_;
      while (bytes_ < text_.size() && (static_cast<unsigned char>(text_[bytes_]) & 0xC0) == 0x80) ++bytes_;
      ++characters_;
    }
    return bytes_;
  }

 private:
  std::string_view text_;
  bool ascii_;
  std::size_t characters_ = 0;
  std::size_t bytes_ = 0;
};

// A single-line quoted scalar whose value is the text between its quotes, with no escape but the
// two every YAML parser reads alike: \" and \\ in a double-quoted scalar, '' in a single-quoted
// one (a citation's quoted title). Anything else (\t, \u..., folding) is left to yaml-cpp.
bool safe_quoted(std::string_view value, std::string_view raw, char quote) {
  if (raw.size() < 2 || raw.front() != quote || raw.back() != quote) return false;
  const std::string_view inner = raw.substr(1, raw.size() - 2);
  std::size_t read = 0;  // characters of `value` matched so far
  for (std::size_t at = 0; at < inner.size(); ++at) {
    char c = inner[at];
    if (c == '\n') return false;
    if (quote == '"' && c == '\\') {
      if (at + 1 >= inner.size() || (inner[at + 1] != '"' && inner[at + 1] != '\\')) return false;
      c = inner[++at];
    } else if (quote == '\'' && c == '\'') {
      if (at + 1 >= inner.size() || inner[at + 1] != '\'') return false;
      ++at;
    } else if (c == quote) {
      return false;
    }
    if (read >= value.size() || value[read] != c) return false;
    ++read;
  }
  return read == value.size();
}

YAML::Mark mark_of(const yaml_mark_t& mark) {
  YAML::Mark result;
  result.pos = static_cast<int>(mark.index);
  result.line = static_cast<int>(mark.line);
  result.column = static_cast<int>(mark.column);
  return result;
}

// Deeper nesting is left to yaml-cpp, which refuses some that libyaml takes (a scenario nests a
// few levels deep).
constexpr std::size_t max_depth = 32;

}  // namespace

std::optional<SimpleTree> simple_yaml_tree(const std::string& text, long max_nodes) {
  // Tabs and carriage returns anywhere: left to yaml-cpp.
  // (One memchr a character: find_first_of compares every byte with each character in turn.)
  if (text.find('\t') != std::string::npos || text.find('\r') != std::string::npos ||
      text.rfind("\xEF\xBB\xBF", 0) == 0) {
    return std::nullopt;
  }
  // '?' only inside quoted or block scalars (a citation's question): anywhere else it may be an
  // explicit key, or a stray one yaml-cpp refuses where libyaml reads one. The next '?' not yet
  // inside such a scalar read so far:
  std::size_t question = text.find('?');
  ParserGuard guard;
  yaml_parser_set_input_string(&guard.parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());

  // yaml-cpp's tags of a plain node and of a quoted scalar, made once (not once a node).
  static const std::string plain_tag = "?";
  static const std::string quoted_tag = "!";
  // As yaml-cpp's NodeBuilder: every node lives in one memory; a collection's children are
  // added in order, a mapping's as key, value, key, value.
  const auto memory = std::make_shared<YAML::detail::memory_holder>();
  struct Open {
    YAML::detail::node* node;
    YAML::detail::node* key;  // a mapping's key waiting for its value
    bool flow;
  };
  std::vector<Open> open;
  YAML::detail::node* root = nullptr;
  int documents = 0;
  long nodes = 0;
  std::size_t depth = 0;
  ByteOffsets byte_offset(text);

  // Adds `node` to the collection open last (or makes it the root); false when it would be a
  // key that is not a scalar, which this reader leaves to yaml-cpp.
  auto attach = [&](YAML::detail::node& node, bool scalar) {
    if (++nodes > max_nodes) return false;
    depth = std::max(depth, open.size());
    if (open.empty()) {
      root = &node;
      return true;
    }
    Open& parent = open.back();
    if (parent.node->type() == YAML::NodeType::Sequence) {
      parent.node->push_back(node, memory);
    } else if (parent.key == nullptr) {
      // yaml-cpp refuses some empty keys libyaml takes (a lone '?').
      if (!scalar || node.type() != YAML::NodeType::Scalar) return false;
      parent.key = &node;
    } else {
      parent.node->insert(*parent.key, node, memory);
      parent.key = nullptr;
    }
    return true;
  };

  for (bool done = false; !done;) {
    EventGuard event;
    if (yaml_parser_parse(&guard.parser, &event.event) == 0) return std::nullopt;
    const yaml_event_t& current = event.event;
    switch (current.type) {
      case YAML_STREAM_START_EVENT: break;
      case YAML_STREAM_END_EVENT: done = true; break;
      case YAML_DOCUMENT_START_EVENT:
        if (++documents > 1 || current.data.document_start.implicit == 0 ||
            current.data.document_start.version_directive != nullptr ||
            current.data.document_start.tag_directives.start != current.data.document_start.tag_directives.end) {
          return std::nullopt;
        }
        break;
      case YAML_DOCUMENT_END_EVENT:
        if (current.data.document_end.implicit == 0) return std::nullopt;
        break;
      case YAML_ALIAS_EVENT: return std::nullopt;
      case YAML_SCALAR_EVENT: {
        const auto& scalar = current.data.scalar;
        if (scalar.anchor != nullptr || scalar.tag != nullptr) return std::nullopt;
        const std::string_view value(reinterpret_cast<const char*>(scalar.value), scalar.length);
        const std::size_t start = byte_offset(current.start_mark.index);
        const std::size_t end = byte_offset(current.end_mark.index);
        if (end < start || end > text.size()) return std::nullopt;
        const std::string_view raw(text.data() + start, end - start);
        if (question < start) return std::nullopt;  // a '?' before this scalar, outside any quotes
        YAML::detail::node& node = memory->create_node();
        node.set_mark(mark_of(current.start_mark));
        if (scalar.style == YAML_PLAIN_SCALAR_STYLE) {
          if (!safe_plain(value, raw, !open.empty() && open.back().flow)) return std::nullopt;
          // A flow mapping's entry without a value ({a, b: 1}): yaml-cpp refuses some that
          // libyaml takes (the entry followed by a line break).
          if (value.empty() && !open.empty() && open.back().flow && open.back().key != nullptr) return std::nullopt;
          if (is_null_text(value)) {
            node.set_null();
          } else {
            node.set_scalar(std::string(value));
            node.set_tag(plain_tag);
          }
        } else if (scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE || scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE) {
          if (!safe_quoted(value, raw, scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ? '"' : '\'')) {
            return std::nullopt;
          }
          while (question < end) question = text.find('?', question + 1);
          node.set_scalar(std::string(value));
          node.set_tag(quoted_tag);
        } else if (scalar.style == YAML_FOLDED_SCALAR_STYLE || scalar.style == YAML_LITERAL_SCALAR_STYLE) {
          // Only on the line of its key or its '-' ("a: >-", "- |"), as scenario files write it.
          const bool after_indicator =
              start >= 2 && text[start - 1] == ' ' && (text[start - 2] == ':' || text[start - 2] == '-');
          if (!after_indicator || !safe_block(value, raw)) return std::nullopt;
          while (question < end) question = text.find('?', question + 1);  // text of the block
          node.set_scalar(std::string(value));
          node.set_tag(quoted_tag);  // yaml-cpp's tag of any scalar that is not plain
        } else {
          return std::nullopt;
        }
        if (!attach(node, true)) return std::nullopt;
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        const bool map = current.type == YAML_MAPPING_START_EVENT;
        const bool flow = map ? current.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                              : current.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
        const bool has_properties =
            map ? current.data.mapping_start.anchor != nullptr || current.data.mapping_start.tag != nullptr
                : current.data.sequence_start.anchor != nullptr || current.data.sequence_start.tag != nullptr;
        if (has_properties) return std::nullopt;
        YAML::detail::node& node = memory->create_node();
        node.set_mark(mark_of(current.start_mark));
        node.set_type(map ? YAML::NodeType::Map : YAML::NodeType::Sequence);
        node.set_tag(plain_tag);
        node.set_style(flow ? YAML::EmitterStyle::Flow : YAML::EmitterStyle::Block);
        if (!attach(node, false) || open.size() >= max_depth) return std::nullopt;
        open.push_back({&node, nullptr, flow});
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        if (open.empty() || open.back().key != nullptr) return std::nullopt;
        open.pop_back();
        break;
      case YAML_NO_EVENT: return std::nullopt;
    }
  }
  if (root == nullptr || documents != 1 || !open.empty() || question != std::string::npos) return std::nullopt;
  return SimpleTree{YAML::as_if<FastTreeAccess, void>::wrap(*root, memory), nodes, static_cast<int>(depth)};
}

}  // namespace negsim::detail
