#pragma once
/// Saving and loading graphs as text (tf.io.write_graph / tf.import_graph_def) and drawing them
/// with Graphviz. The text format, pbtxt-like and diffable, is specified in
/// docs/graph_format.md: one block per node (name, op, inputs "node:i", control inputs
/// "^node", typed attributes with exact values, Const tensors included, and the inferred output
/// specs), then variables (initializer, initial value, trainable), collections and the graph's
/// random seed. Writing the same graph twice gives the same text.
#include <string>
#include <vector>

#include "dl/graph/graph.h"

namespace dl::io {

/// The graph in the text format. Floats are written as the shortest decimal that reads back
/// to the same bits (at most 9 significant digits for float32, 17 for float64), so values
/// survive exactly; NaNs come back as the default quiet NaN of their sign.
std::string graph_to_text(const Graph& g);

/// Writes graph_to_text(g) to `path` atomically (temporary file, fsync, rename).
/// Throws NotFound when the directory does not exist, FailedPrecondition when the file cannot
/// be written.
void write_graph(const Graph& g, const std::string& path);

/// Adds the nodes of a graph file to `g` in file order through Graph::add_node, so that every
/// node's shapes are inferred and checked again (and compared with the output specs the file
/// records), then its variables, collections and random seed (which replaces g's when the file
/// has one). Node names are "<current name scope><prefix>/<name>" (no "<prefix>/" when the
/// prefix is empty) and must be free in `g`. Returns the new nodes in file order.
/// Throws: NotFound when the file does not exist; InvalidArgument naming the file and line for
/// a syntax error, an unknown op, an unknown or later input node, a bad attribute value, a
/// taken name or output specs that differ from the file's; errors from add_node (shape or dtype
/// problems) keep their type and get the file and line prepended.
std::vector<Node*> import_graph(Graph& g, const std::string& path, const std::string& prefix = "");

/// import_graph from text; `source_name` stands for the file in messages.
std::vector<Node*> import_graph_text(Graph& g, const std::string& text,
                                     const std::string& source_name = "<text>",
                                     const std::string& prefix = "");

/// Graphviz source: one box per node labelled "name\nOp", an edge per data input labelled with
/// the tensor's spec (prefixed by ":i " for outputs other than 0), control edges dashed.
std::string to_dot(const Graph& g);

/// Writes to_dot(g) to `path` atomically. Throws as write_graph.
void write_dot(const Graph& g, const std::string& path);

}  // namespace dl::io
