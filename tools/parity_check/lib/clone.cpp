#include "dl/tools/parity_check/lib/clone.h"

namespace dl::parity {

std::vector<Output> clone_subgraph(Graph& dst, const std::vector<Output>& outputs,
                                   const std::map<Output, Output>& mapped, const std::string& scope,
                                   const std::function<void(const Node&, AttrMap&)>& edit) {
  std::map<const Node*, Node*> copies;
  NameScope ns(dst, scope);
  std::function<Output(const Output&)> get = [&](const Output& o) -> Output {
    auto m = mapped.find(o);
    if (m != mapped.end()) return m->second;
    auto c = copies.find(o.node);
    if (c != copies.end()) return c->second->output(o.index);
    const Node* n = o.node;
    if (n->type() == "Placeholder" || n->type() == "VariableV2") {
      throw InvalidArgument(str_cat("clone_subgraph: the piece depends on ", n->type(), " '",
                                    n->name(),
                                    "', which has no counterpart in the target program"));
    }
    std::vector<Output> ins;
    for (const Output& i : n->inputs()) ins.push_back(get(i));
    const std::string& full = n->name();
    const size_t slash = full.rfind('/');
    const std::string base = slash == std::string::npos ? full : full.substr(slash + 1);
    AttrMap attrs = n->attrs();
    if (edit) edit(*n, attrs);
    Node* copy = dst.add_node(n->type(), base, std::move(ins), std::move(attrs));
    copies[n] = copy;
    return copy->output(o.index);
  };
  std::vector<Output> out;
  for (const Output& o : outputs) out.push_back(get(o));
  return out;
}

}  // namespace dl::parity
