// A fast way to the YAML tree of a large, plain scenario file (private to the library).
//
// yaml-cpp 0.7's scanner is slow: at 193 delegations x 40 issues it took most of a load. libyaml
// (a C parser, Debian's libyaml-dev) reads the same text about ten times faster; its events are
// built here into the yaml-cpp tree the loader reads, node for node as yaml-cpp would build it
// (types, scalars, tags, styles, order). The marks (line, column) of that tree are libyaml's and
// may differ from yaml-cpp's, so the caller uses the tree only while no error is found: on any
// error it loads again through yaml-cpp, whose messages are the ones reported.
#pragma once

#include <yaml-cpp/yaml.h>

#include <limits>
#include <optional>
#include <string>

namespace negsim::detail {

// The tree of `text`, or nothing when the text uses anything outside a plain subset of YAML that
// both parsers read the same way: block and flow collections, scalar keys, single-line plain
// scalars made of safe characters, single-line quoted scalars without escapes, block scalars
// ('>', '>-', '|', '|-') of lines at one indentation; no anchors, aliases, tags, directives,
// nesting over 32 levels, multi-line plain or quoted scalars, '?' outside a quoted or block scalar, tabs or
// carriage returns,
// and exactly one document; nor past `max_nodes` nodes (it stops there: the caller's counting
// pass says where the limit is crossed). Nothing is reported: the caller then parses with yaml-cpp.
struct SimpleTree {
  YAML::Node root;
  long nodes = 0;  // every node, the root and the keys included
  int depth = 0;   // the deepest node's distance from the root (the root's children: 1)
};
std::optional<SimpleTree> simple_yaml_tree(const std::string& text, long max_nodes = std::numeric_limits<long>::max());

// A new empty node of `type` in the memory of `near` (as YAML::Node(type) makes one in a memory
// of its own). yaml-cpp merges the memory of every node inserted into a mapping into the
// mapping's: a new mapping that takes nodes of a large tree (a stance file's) copied that tree's
// whole list of nodes each time, for every delegation. Made near that tree, nothing is copied.
YAML::Node new_node_near(const YAML::Node& near, YAML::NodeType::value type);

}  // namespace negsim::detail
