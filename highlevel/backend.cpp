#include "dl/highlevel/backend.h"

#include <cctype>
#include <random>

#include "dl/core/error.h"

namespace dl::keras {

Context::Context() : graph_(std::make_unique<Graph>()) {}
Context::~Context() = default;

Session& Context::session() {
  if (!session_) session_ = std::make_unique<Session>(*graph_);
  initialize_new_variables();
  return *session_;
}

void Context::initialize_new_variables() {
  if (!session_) session_ = std::make_unique<Session>(*graph_);
  // Only variables created since the last call can be uninitialised (the Session never forgets
  // a value), so the scan starts where the last one stopped.
  const std::vector<Node*> vars = graph_->get_collection(GraphKeys::GLOBAL_VARIABLES);
  if (vars.size() == variables_seen_) return;
  std::vector<Node*> inits;
  for (size_t i = variables_seen_; i < vars.size(); ++i) {
    if (session_->is_initialized(vars[i])) continue;
    const VariableInfo* info = graph_->variable_info(vars[i]);
    if (info && info->initializer) inits.push_back(info->initializer);
  }
  if (!inits.empty()) session_->run(inits);
  variables_seen_ = vars.size();
}

std::string Context::auto_name(const std::string& prefix, Profile profile) {
  const int64_t uid = next_uid(prefix);
  if (profile == Profile::keras2) return str_cat(prefix, "_", uid);
  return uid == 1 ? prefix : str_cat(prefix, "_", uid - 1);
}

void Context::set_seed(int64_t seed) {
  seed_ = seed;
  seed_draws_ = 0;
  graph_->set_random_seed(seed);
}

uint64_t Context::draw_seed() {
  if (seed_) {
    // SplitMix64 of (seed, draw count): reproducible, and different for every draw.
    uint64_t z = static_cast<uint64_t>(*seed_) + 0x9E3779B97F4A7C15ull * (++seed_draws_);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

namespace backend {
namespace {

struct GlobalState {
  std::shared_ptr<Context> context;
  std::vector<std::weak_ptr<Context>> all;  // every context still alive, for context_of
  double epsilon = 1e-7;
  Profile profile = Profile::keras3;
};

GlobalState& state() {
  static GlobalState s;
  return s;
}

}  // namespace

std::shared_ptr<Context> current_context() {
  if (!state().context) clear_session();
  return state().context;
}

std::shared_ptr<Context> context_of(const Graph& g) {
  auto& all = state().all;
  std::erase_if(all, [](const std::weak_ptr<Context>& w) { return w.expired(); });
  for (const auto& w : all) {
    auto c = w.lock();
    if (c && &c->graph() == &g) return c;
  }
  throw InvalidArgument(
      "Keras layers build into the graph of a Keras context (keras::backend::graph()); the "
      "given tensor belongs to another graph");
}

Graph& graph() { return current_context()->graph(); }
Session& session() { return current_context()->session(); }

void clear_session() {
  state().context = std::make_shared<Context>();
  state().all.push_back(state().context);
}

double epsilon() { return state().epsilon; }
void set_epsilon(double e) { state().epsilon = e; }
Profile profile() { return state().profile; }
void set_profile(Profile p) { state().profile = p; }

std::string to_snake_case(const std::string& name) {
  // Keras's three regular expressions, applied in order:
  //   \W+ -> ""; (.)([A-Z][a-z]+) -> \1_\2; ([a-z])([A-Z]) -> \1_\2; then lower().
  std::string s;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') s += c;
  }
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  std::string t;
  size_t i = 0;
  while (i < s.size()) {
    // (.)([A-Z][a-z]+): a character followed by a capitalised word. Python's re.sub scans left
    // to right without overlapping matches: the match consumes the character and the word.
    if (i + 2 < s.size() && upper(s[i + 1]) && lower(s[i + 2])) {
      size_t j = i + 2;
      while (j < s.size() && lower(s[j])) ++j;
      t += s[i];
      t += '_';
      t.append(s, i + 1, j - i - 1);
      i = j;
    } else {
      t += s[i];
      ++i;
    }
  }
  std::string u;
  for (size_t k = 0; k < t.size(); ++k) {
    u += t[k];
    if (lower(t[k]) && k + 1 < t.size() && upper(t[k + 1])) u += '_';
  }
  for (char& c : u) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return u;
}

}  // namespace backend

namespace utils {
void set_random_seed(int64_t seed) { backend::current_context()->set_seed(seed); }
}  // namespace utils

}  // namespace dl::keras
