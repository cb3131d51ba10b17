#include "dl/graph/session.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <queue>
#include <set>

#include "dl/graph/internal/plan.h"
#include "dl/graph/op_def.h"
#include "dl/kernels/kernel_registry.h"
#include "dl/kernels/threading.h"

namespace dl {

using detail::Plan;
using detail::Specialization;
using detail::Step;

namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int verbose_level() {
  static const int level = [] {
    const char* v = std::getenv("DL_VERBOSE");
    return v ? std::atoi(v) : 0;
  }();
  return level;
}

constexpr size_t kMaxSpecializations = 8;

}  // namespace

// Variables and random counters: the state a Session keeps between runs.
class Session::State final : public RunContext {
 public:
  explicit State(Graph& g) : graph_(g) {}

  Tensor& variable(const Node& var_node) override {
    auto& slot = vars_[var_node.id()];
    if (!slot) slot = std::make_unique<Tensor>();
    return *slot;
  }
  const Tensor* find_variable(const Node& var_node) const {
    auto it = vars_.find(var_node.id());
    return it == vars_.end() ? nullptr : it->second.get();
  }

  RandomStream random_stream(const Node& node) override {
    const size_t id = static_cast<size_t>(node.id());
    if (run_counts_.size() <= id) run_counts_.resize(static_cast<size_t>(graph_.num_nodes()), 0);
    RandomStream s;
    s.seed = static_cast<uint32_t>(node.attrs().get_or<int64_t>("seed", 0));
    s.seed2 = static_cast<uint32_t>(node.attrs().get_or<int64_t>("seed2", 0));
    s.run = run_counts_[id]++;
    return s;
  }

 private:
  Graph& graph_;
  std::map<int, std::unique_ptr<Tensor>> vars_;
  std::vector<uint64_t> run_counts_;
};

Session::Session(Graph& graph, SessionOptions options)
    : graph_(graph), options_(options), state_(std::make_unique<State>(graph)) {
  set_intra_op_threads(options_.intra_op_threads);
}

Session::~Session() = default;

int Session::num_specializations() const {
  int n = 0;
  for (const auto& [k, p] : plans_) n += static_cast<int>(p->specs.size());
  return n;
}

Tensor Session::variable_value(const Node* var) const {
  const Tensor* t = state_->find_variable(*var);
  if (!t || !t->valid()) {
    throw FailedPrecondition(str_cat("variable '", var->name(), "' is not initialized"));
  }
  return *t;
}

bool Session::is_initialized(const Node* var) const {
  const Tensor* t = state_->find_variable(*var);
  return t && t->valid();
}

void Session::set_variable_value(const Node* var, const Tensor& value) {
  DL_CHECK(var && var->type() == "VariableV2", "set_variable_value: '",
           var ? var->name() : "<null>", "' is not a variable");
  const TensorSpec& spec = var->output_specs()[0];
  DL_CHECK(value.dtype() == spec.dtype && value.shape() == spec.shape, "variable '", var->name(),
           "' is ", spec.to_string(), ", cannot load a value of ", value.spec_string());
  Tensor& slot = state_->variable(*var);
  if (!slot.valid()) slot = Tensor(value.dtype(), value.shape());
  slot.copy_from(value);
}

std::shared_ptr<Plan> Session::get_plan(const std::vector<Output>& feeds,
                                        const std::vector<Output>& fetches,
                                        const std::vector<Node*>& targets) {
  // The key is the signature in the caller's order (feed values arrive in that order).
  std::string key;
  for (const Output& f : feeds) key += f.name() + ",";
  key += "->";
  for (const Output& f : fetches) key += f.name() + ",";
  key += "/";
  for (const Node* t : targets) key += t->name() + ",";
  auto it = plans_.find(key);
  if (it != plans_.end()) return it->second;

  auto plan = std::make_shared<Plan>();
  plan->feeds = feeds;
  plan->fetches = fetches;
  plan->targets = targets;

  std::set<Output> fed;
  for (const Output& f : feeds) {
    DL_CHECK(f.node != nullptr, "Session::run: a feed key is empty");
    DL_CHECK(&f.graph() == &graph_, "Session::run: feed '", f.name(), "' belongs to another graph");
    DL_CHECK(fed.insert(f).second, "Session::run: '", f.name(), "' is fed twice");
  }

  // Prune: the nodes the fetches and targets need, remembering which fetch needs each.
  std::map<const Node*, std::string> needed_by;
  std::vector<const Node*> stack;
  auto visit = [&](const Node* n, const std::string& root) {
    if (needed_by.emplace(n, root).second) stack.push_back(n);
  };
  for (const Output& f : fetches) {
    DL_CHECK(f.node != nullptr, "Session::run: a fetch is empty");
    DL_CHECK(&f.graph() == &graph_, "Session::run: fetch '", f.name(),
             "' belongs to another graph");
    if (!fed.count(f)) visit(f.node, f.name());
  }
  for (const Node* t : targets) {
    DL_CHECK(t != nullptr, "Session::run: a target is null");
    DL_CHECK(&t->graph() == &graph_, "Session::run: target '", t->name(),
             "' belongs to another graph");
    visit(t, t->name());
  }
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    const std::string root = needed_by[n];
    if (n->type() == "Placeholder") {
      throw InvalidArgument(str_cat("You must feed a value for placeholder '", n->name(), "' (",
                                    n->output_specs()[0].to_string(), "): fetch '", root,
                                    "' depends on it"));
    }
    for (const Output& in : n->inputs()) {
      if (!fed.count(in)) visit(in.node, root);
    }
    for (const Node* c : n->control_inputs()) visit(c, root);
  }

  // Order: Kahn's algorithm, smallest id first, so the order is deterministic.
  std::map<const Node*, int> indegree;
  std::map<const Node*, std::vector<const Node*>> users;
  for (const auto& [n, root] : needed_by) {
    indegree[n];
    std::set<const Node*> deps;
    for (const Output& in : n->inputs()) {
      if (!fed.count(in)) deps.insert(in.node);
    }
    for (const Node* c : n->control_inputs()) deps.insert(c);
    for (const Node* d : deps) {
      ++indegree[n];
      users[d].push_back(n);
    }
  }
  auto by_id = [](const Node* a, const Node* b) { return a->id() > b->id(); };
  std::priority_queue<const Node*, std::vector<const Node*>, decltype(by_id)> ready(by_id);
  for (const auto& [n, d] : indegree) {
    if (d == 0) ready.push(n);
  }
  while (!ready.empty()) {
    const Node* n = ready.top();
    ready.pop();
    plan->order.push_back(n);
    for (const Node* u : users[n]) {
      if (--indegree[u] == 0) ready.push(u);
    }
  }
  if (plan->order.size() != needed_by.size()) {
    std::string cyc;
    for (const auto& [n, d] : indegree) {
      if (d > 0) cyc += (cyc.empty() ? "'" : ", '") + n->name() + "'";
    }
    const Node* any = nullptr;
    for (const auto& [n, d] : indegree) {
      if (d > 0) {
        any = n;
        break;
      }
    }
    throw InvalidArgument(str_cat("the graph has a cycle through ", cyc, ": fetch '",
                                  needed_by[any], "' depends on it"));
  }
  plans_.emplace(key, plan);
  return plan;
}

namespace {

// True when `in` is a variable's value that the plan does not feed: its reader must check that
// it is initialised.
bool reads_variable(const Plan& plan, const Output& in) {
  return in.node->type() == "VariableV2" &&
         std::find(plan.feeds.begin(), plan.feeds.end(), in) == plan.feeds.end();
}

// Folds node `n` into the step that produces its input 0 when that step's kernel accepts it
// (Kernel::fuse) and nothing else reads the output between them. The step then reads n's
// other inputs after its own and writes n's output 0 instead.
bool try_fuse(const Plan& plan, Specialization& spec, const Node* n, const KernelKey& key,
              const std::map<Output, int>& readers, std::map<Output, size_t>& step_of,
              std::map<Output, Tensor*>& slot_of) {
  if (n->num_inputs() < 1 || n->num_outputs() != 1 || !n->op().ref_inputs.empty()) return false;
  const Output in = n->input(0);
  if (slot_of.count(n->output(0))) return false;  // fed
  const auto producer = step_of.find(in);
  if (producer == step_of.end() || readers.at(in) != 1) return false;
  Step& s = spec.steps[producer->second];
  if (s.out.size() != 1 || slot_of.at(in) != s.out[0]) return false;
  // The fused step runs where the producer runs: n's other inputs must be ready by then, and n
  // must not wait for anything else.
  if (!n->control_inputs().empty()) return false;
  for (int i = 1; i < n->num_inputs(); ++i) {
    if (!slot_of.count(n->input(i))) return false;
    const auto made = step_of.find(n->input(i));
    if (made != step_of.end() && made->second >= producer->second) return false;
  }
  if (!s.kernel->fuse(key)) return false;
  for (int i = 1; i < n->num_inputs(); ++i) {
    const Output& extra = n->input(i);
    Tensor* slot = slot_of.at(extra);
    s.in.push_back(slot);
    if (reads_variable(plan, extra)) s.var_reads.emplace_back(slot, extra.node);
  }
  const Output o = n->output(0);
  const TensorSpec& os = key.outputs[0];
  if (os.dtype != s.out_specs[0].dtype || os.shape != s.out_specs[0].shape) {
    s.out[0] = &spec.slots.emplace_back(os.dtype, os.shape);  // else the same slot serves
  }
  s.out_specs[0] = os;
  s.kernel_name += "+" + n->type();
  slot_of[o] = s.out[0];
  step_of.erase(in);
  step_of[o] = producer->second;
  if (verbose_level() >= 1) {
    std::cerr << "dl: node '" << n->name() << "' fused into '" << s.node->name() << "' -> "
              << s.kernel_name << "\n";
  }
  return true;
}

// Builds the concrete-shape form of a plan for one set of fed shapes.
std::unique_ptr<Specialization> specialize(const Plan& plan,
                                           const std::vector<const Tensor*>& feeds,
                                           RunContext& state, bool remapping) {
  auto spec = std::make_unique<Specialization>();
  std::map<Output, Tensor*> slot_of;
  std::map<Output, TensorSpec> concrete;
  // For fusion: how many readers each output has in this plan (a fetch counts as one), and the
  // step that produces an output (when it was not fed).
  std::map<Output, int> readers;
  for (const Node* n : plan.order) {
    for (const Output& in : n->inputs()) ++readers[in];
  }
  for (const Output& f : plan.fetches) ++readers[f];
  std::map<Output, size_t> step_of;
  for (size_t i = 0; i < plan.feeds.size(); ++i) {
    Tensor* s = &spec->slots.emplace_back();
    spec->feed_slots.push_back(s);
    slot_of[plan.feeds[i]] = s;
    concrete[plan.feeds[i]] = {feeds[i]->dtype(), feeds[i]->shape()};
  }
  const KernelRegistry& kernels = KernelRegistry::global();
  for (const Node* n : plan.order) {
    const OpDef& op = n->op();
    if (n->type() == "VariableV2") {
      Output o = n->output(0);
      if (!slot_of.count(o)) slot_of[o] = &state.variable(*n);
      concrete.emplace(o, n->output_specs()[0]);
      continue;
    }
    std::vector<TensorSpec> in_specs;
    for (const Output& in : n->inputs()) in_specs.push_back(concrete.at(in));
    InferContext ictx{n->name(), op.name, n->attrs(), in_specs};
    std::vector<TensorSpec> out_specs = op.infer_fn(ictx);
    for (size_t i = 0; i < out_specs.size(); ++i) {
      if (!out_specs[i].shape.is_fully_defined()) {
        throw InvalidArgument(str_cat(op.name, " '", n->name(), "': output ", i,
                                      " has no concrete shape at run time (",
                                      out_specs[i].to_string(), ")"));
      }
    }
    KernelKey key{*n, in_specs, out_specs};
    if (remapping && try_fuse(plan, *spec, n, key, readers, step_of, slot_of)) {
      concrete[n->output(0)] = out_specs[0];
      continue;
    }
    Step step;
    step.node = n;
    KernelChoice choice = kernels.select(op, key);
    step.kernel = std::move(choice.kernel);
    step.kernel_name = choice.impl_name;
    if (verbose_level() >= 1) {
      std::cerr << "dl: node '" << n->name() << "' -> " << choice.impl_name;
      if (!choice.skipped.empty()) std::cerr << " (skipped: " << choice.skipped << ")";
      std::cerr << "\n";
    }
    for (int i = 0; i < n->num_inputs(); ++i) {
      const Output& in = n->input(i);
      Tensor* s = slot_of.at(in);
      step.in.push_back(s);
      const bool is_ref =
          std::find(op.ref_inputs.begin(), op.ref_inputs.end(), i) != op.ref_inputs.end();
      if (!is_ref && reads_variable(plan, in)) step.var_reads.emplace_back(s, in.node);
    }
    for (size_t i = 0; i < out_specs.size(); ++i) {
      Output o = n->output(static_cast<int>(i));
      Tensor* s;
      if (op.forwards_input && i == 0) {
        s = &spec->slots.emplace_back();  // the kernel makes it a view of its input
      } else {
        s = &spec->slots.emplace_back(out_specs[i].dtype, out_specs[i].shape);
      }
      step.out.push_back(s);
      concrete[o] = out_specs[i];
      if (!slot_of.count(o)) {
        slot_of[o] = s;
        step_of[o] = spec->steps.size();
      }
    }
    step.out_specs = std::move(out_specs);
    spec->steps.push_back(std::move(step));
  }
  for (const Output& f : plan.fetches) spec->fetch_slots.push_back(slot_of.at(f));
  return spec;
}

}  // namespace

std::vector<Tensor> Session::execute(Plan& plan, const std::vector<const Tensor*>& feed_values,
                                     const RunOptions* options, RunMetadata* md) {
  const bool trace = options && options->trace;
  const int64_t t0 = md ? now_ns() : 0;
  if (md) *md = RunMetadata{};

  // Check the feeds against the graph and find the specialisation for their shapes.
  bool same = plan.last != nullptr;
  size_t k = 0;
  for (size_t i = 0; i < plan.feeds.size(); ++i) {
    const Output& f = plan.feeds[i];
    const Tensor& v = *feed_values[i];
    DL_CHECK(v.valid(), "Session::run: the value fed to '", f.name(), "' is empty");
    if (v.dtype() != f.dtype()) {
      throw InvalidArgument(str_cat("Cannot feed a value of dtype ", name(v.dtype()),
                                    " for tensor '", f.name(), "', which has dtype ",
                                    name(f.dtype())));
    }
    if (!f.shape().compatible_with(v.shape())) {
      throw InvalidArgument(str_cat("Cannot feed a value of shape ", v.shape().to_string(),
                                    " for tensor '", f.name(), "', which has shape ",
                                    f.shape().to_string()));
    }
    for (int d = 0; d < v.shape().rank(); ++d, ++k) {
      same = same && k < plan.last_key.size() && plan.last_key[k] == v.shape().dim(d);
    }
  }
  same = same && k == plan.last_key.size();
  if (!same) {
    std::vector<int64_t> key;
    for (const Tensor* v : feed_values) {
      key.push_back(v->shape().rank());
      for (int64_t d : v->shape().dims()) key.push_back(d);
    }
    // Rank markers make keys unambiguous; the fast path above compares dims only, so keep
    // last_key in the same dims-only form.
    std::vector<int64_t> dims_only;
    for (const Tensor* v : feed_values) {
      for (int64_t d : v->shape().dims()) dims_only.push_back(d);
    }
    auto it = plan.specs.find(key);
    if (it == plan.specs.end()) {
      if (plan.specs.size() >= kMaxSpecializations) {
        plan.specs.erase(plan.spec_lru.front());
        plan.spec_lru.erase(plan.spec_lru.begin());
      }
      it =
          plan.specs.emplace(key, specialize(plan, feed_values, *state_, options_.remapping)).first;
      plan.spec_lru.push_back(key);
      if (md) md->built_plan = true;
    }
    plan.last = it->second.get();
    plan.last_key = std::move(dims_only);
  }
  Specialization& spec = *plan.last;
  for (size_t i = 0; i < spec.feed_slots.size(); ++i) *spec.feed_slots[i] = *feed_values[i];
  const int64_t t1 = md ? now_ns() : 0;

  if (trace) md->step_stats.reserve(spec.steps.size());
  for (Step& s : spec.steps) {
    for (const auto& [slot, var] : s.var_reads) {
      if (!slot->valid()) {
        throw FailedPrecondition(str_cat("Attempting to use uninitialized value ", var->name(),
                                         " (read by ", s.node->type(), " '", s.node->name(), "')"));
      }
    }
    KernelContext ctx{*s.node, s.in, s.out, *state_, s.out_specs};
    if (trace) {
      const int64_t a = now_ns();
      s.kernel->compute(ctx);
      md->step_stats.push_back(
          {s.node->name(), s.node->type(), s.kernel_name, a - t1, now_ns() - t1});
    } else {
      s.kernel->compute(ctx);
    }
  }
  const int64_t t2 = md ? now_ns() : 0;

  std::vector<Tensor> out;
  out.reserve(spec.fetch_slots.size());
  for (size_t i = 0; i < spec.fetch_slots.size(); ++i) {
    const Tensor* t = spec.fetch_slots[i];
    if (!t->valid()) {
      throw FailedPrecondition(str_cat("fetch '", plan.fetches[i].name(),
                                       "' has no value (an uninitialized variable?)"));
    }
    out.push_back(t->clone());
  }
  if (md) {
    const int64_t t3 = now_ns();
    md->feed_ns = t1 - t0;
    md->exec_ns = t2 - t1;
    md->fetch_ns = t3 - t2;
  }
  return out;
}

std::vector<Tensor> Session::run(const FeedDict& feeds, const std::vector<Output>& fetches,
                                 const std::vector<Node*>& targets, const RunOptions* options,
                                 RunMetadata* metadata) {
  const int64_t t0 = metadata ? now_ns() : 0;
  std::vector<Output> keys;
  std::vector<const Tensor*> values;
  keys.reserve(feeds.size());
  values.reserve(feeds.size());
  for (const auto& [k, v] : feeds) {
    keys.push_back(k);
    values.push_back(&v);
  }
  auto plan = get_plan(keys, fetches, targets);
  const int64_t t1 = metadata ? now_ns() : 0;
  auto out = execute(*plan, values, options, metadata);
  if (metadata) metadata->plan_ns += t1 - t0;
  return out;
}

Tensor Session::run(Output fetch, const FeedDict& feeds) { return run(feeds, {fetch}, {})[0]; }

void Session::run(const std::vector<Node*>& targets, const FeedDict& feeds) {
  run(feeds, {}, targets);
}

void Session::run(Node* target, const FeedDict& feeds) {
  run(feeds, {}, std::vector<Node*>{target});
}

Callable Session::make_callable(const std::vector<Output>& feeds,
                                const std::vector<Output>& fetches,
                                const std::vector<Node*>& targets) {
  Callable c;
  c.session_ = this;
  c.plan_ = get_plan(feeds, fetches, targets);
  return c;
}

std::vector<Tensor> Callable::operator()(const std::vector<Tensor>& feed_values,
                                         const RunOptions* options, RunMetadata* metadata) const {
  DL_CHECK(session_ != nullptr, "Callable: not made by Session::make_callable");
  DL_CHECK(feed_values.size() == plan_->feeds.size(), "Callable: expected ", plan_->feeds.size(),
           " feed values, received ", feed_values.size());
  std::vector<const Tensor*> values;
  values.reserve(feed_values.size());
  for (const Tensor& v : feed_values) values.push_back(&v);
  return session_->execute(*plan_, values, options, metadata);
}

}  // namespace dl
