#pragma once
/// The Keras tier's backend state (keras.backend / keras.config): the graph that layers build
/// into, the Session that holds their weights, the auto-naming counters, the random seed and the
/// compatibility profile.
///
/// Like Keras 2 on TF1 (K.get_session()), every layer, Input and model built since the last
/// clear_session() lives in one graph and one Session (a Context); a model that shares layers
/// with another shares their weights, as in Keras. clear_session() starts a new Context; models
/// built before keep theirs alive.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dl/graph/session.h"
#include "dl/graph/variable.h"

namespace dl::keras {

/// Which Keras the tier imitates where Keras 2 (the seeds' era) and Keras 3 differ
/// (docs/keras_tier.md lists every difference the profile switches).
enum class Profile {
  keras3,  ///< the default: Keras 3 names, defaults, log keys, formats
  keras2,  ///< Keras 2.2.4: 'acc'/'val_acc' keys, clipped cross-entropy, names from _1, ...
};

/// The graph, the Session and the naming counters shared by everything built since the last
/// clear_session().
class Context {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  Graph& graph() { return *graph_; }
  /// The Session of this context (created on first use). Variables created since the last call
  /// are initialised first (Keras 2's _initialize_variables), so a weight is readable as soon as
  /// its layer is built.
  Session& session();
  /// Runs the initializers of the variables that the Session has not initialised yet.
  void initialize_new_variables();

  /// Keras's naming counters (keras.backend.get_uid): the number of times `prefix` was asked.
  int64_t next_uid(const std::string& prefix) { return ++uids_[prefix]; }
  /// Auto-naming of layers and models: Keras 3 gives "dense", "dense_1", ...; the keras2
  /// profile "dense_1", "dense_2", ... (one counter per prefix in both).
  std::string auto_name(const std::string& prefix, Profile profile);

  /// The seed of utils::set_random_seed (also the graph seed), if any.
  std::optional<int64_t> seed() const { return seed_; }
  void set_seed(int64_t seed);
  /// A fresh 64-bit seed for a shuffle or a random op without one: derived from the global seed
  /// (and a counter) when one was set, else from std::random_device.
  uint64_t draw_seed();

 private:
  std::unique_ptr<Graph> graph_;
  std::unique_ptr<Session> session_;
  std::map<std::string, int64_t> uids_;
  std::optional<int64_t> seed_;
  uint64_t seed_draws_ = 0;
  size_t variables_seen_ = 0;
};

namespace backend {

/// The current context (created on first use).
std::shared_ptr<Context> current_context();
/// The context whose graph is `g`; throws InvalidArgument when `g` is no Keras context's graph
/// (graph-tier code that calls Keras layers builds into backend::graph()).
std::shared_ptr<Context> context_of(const Graph& g);
/// The current graph and Session (K.get_session()): graph-tier code that calls Keras layers on
/// its own placeholders builds into this graph.
Graph& graph();
Session& session();
/// keras.backend.clear_session(): a new graph, Session and naming counters. Models built before
/// keep working on their own context.
void clear_session();
/// keras.backend.epsilon(): the fuzz factor of losses and optimizers (1e-7).
double epsilon();
void set_epsilon(double e);
/// The profile new layers and models get (Keras 3 unless set).
Profile profile();
void set_profile(Profile p);
/// Keras's snake_case of a class name ("BatchNormalization" -> "batch_normalization",
/// "ReLU" -> "re_lu", "Conv2D" -> "conv2d").
std::string to_snake_case(const std::string& name);

}  // namespace backend

namespace utils {
/// keras.utils.set_random_seed(seed): seeds initializers, dropout and fit's shuffling of the
/// current context (the graph seed of graph-tier random ops too), so a program gives the same
/// numbers on every run. Call it before building layers.
void set_random_seed(int64_t seed);
}  // namespace utils

}  // namespace dl::keras
