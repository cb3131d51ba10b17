// The JSON report: every finding and figure (NaN is written as null).
#include <nlohmann/json.hpp>

#include "dl/tools/parity_check/lib/parity.h"

namespace dl::parity {
namespace {

using json = nlohmann::json;

json stats(const TensorStats& s) {
  return {
      {"mean", s.mean}, {"std", s.std}, {"min", s.min}, {"max", s.max}, {"mean_abs", s.mean_abs}};
}

json eval_json(const Evaluation& e) {
  return {{"loss", e.loss},
          {"accuracy", e.accuracy},
          {"reported_loss", e.reported_loss},
          {"reported_metric", e.reported_metric}};
}

json run_json(const RunResult& r) {
  json epochs = json::array();
  for (const EpochPoint& p : r.curve.epochs) {
    epochs.push_back({{"epoch", p.epoch},
                      {"steps", p.steps},
                      {"train_loss", p.train_loss},
                      {"train_metric", p.train_metric},
                      {"val", eval_json(p.val)}});
  }
  return {{"seed", r.seed},
          {"final", eval_json(r.final)},
          {"epochs", epochs},
          {"step_loss", r.curve.step_loss},
          {"seconds", r.curve.seconds}};
}

json variant_json(const VariantResult& v) {
  json runs = json::array();
  for (const auto& r : v.runs) runs.push_back(run_json(r));
  std::vector<int> sig(v.significant.begin(), v.significant.end());
  return {
      {"swap", v.swap},     {"findings", v.findings}, {"notes", v.notes},   {"claimed", v.claimed},
      {"effect", v.effect}, {"share", v.share},       {"significant", sig}, {"runs", runs}};
}

json profile_json(const Profile& p) {
  json layers = json::array();
  for (const Layer& l : p.structure.forward.layers) {
    json vars = json::array();
    for (const auto& v : l.vars) {
      vars.push_back({{"role", v.role}, {"name", v.var.name()}, {"shape", v.var.shape().dims()}});
    }
    json post = json::array();
    for (const Stage& s : l.post) post.push_back({{"kind", s.kind}, {"detail", s.detail}});
    json attrs = json::object();
    for (const auto& [k, v] : l.attrs) attrs[k] = v;
    layers.push_back({{"kind", l.kind},
                      {"summary", l.summary()},
                      {"activation", l.activation},
                      {"attrs", attrs},
                      {"vars", vars},
                      {"post", post}});
  }
  json inits = json::array();
  for (const VarInit& i : p.inits) {
    inits.push_back({{"variable", i.var.name()},
                     {"shape", i.var.shape().dims()},
                     {"description", i.description},
                     {"declared", i.declared},
                     {"drawn", stats(i.stats)}});
  }
  json hypers = json::object(), slots = json::object();
  for (const auto& [k, v] : p.optimizer.hypers) hypers[k] = v;
  for (const auto& [k, v] : p.optimizer.slot_init) slots[k] = v;
  json metrics = json::array();
  for (const MetricProbe& m : p.metrics) {
    metrics.push_back({{"name", m.name},
                       {"description", m.description},
                       {"uninformative_logits", m.uninformative},
                       {"perfect_logits", m.perfect},
                       {"random_logits", m.random},
                       {"measured", m.ran},
                       {"why_not", m.why_not}});
  }
  const Head& h = p.structure.head;
  json changed = json::array();
  for (const Variable& v : p.changed_by_step) changed.push_back(v.name());
  json ops_run = json::array(), ops_not = json::array();
  for (const Node* n : p.structure.updates.update_ops_run) ops_run.push_back(n->name());
  for (const Node* n : p.structure.updates.update_ops_not_run) ops_not.push_back(n->name());
  json stale = json::array();
  for (const Variable& v : p.structure.updates.stale) stale.push_back(v.name());
  json input_stages = json::array();
  for (const Stage& s : p.structure.forward.input_stages)
    input_stages.push_back({{"kind", s.kind}, {"detail", s.detail}});
  return {{"layers", layers},
          {"input_stages", input_stages},
          {"output_activation", p.structure.forward.output_activation},
          {"head",
           {{"function", h.function},
            {"input", h.input},
            {"reduction", h.reduction},
            {"clipping", h.clipping},
            {"extra_terms", h.extra_terms},
            {"probe",
             {{"measured", p.head.ran},
              {"why_not", p.head.why_not},
              {"loss_16_rows", p.head.loss_n},
              {"loss_same_rows_twice", p.head.loss_2n},
              {"batch_factor", p.head.batch_factor},
              {"grad_norm", p.head.grad_norm}}}}},
          {"metrics", metrics},
          {"optimizer",
           {{"type", p.optimizer.type},
            {"hyperparameters", hypers},
            {"slots_and_state_initial_values", slots},
            {"nesterov", p.optimizer.nesterov},
            {"hyperparameters_vary_per_variable", p.optimizer.hypers_vary},
            {"declared", p.optimizer.declared}}},
          {"initializers", inits},
          {"initial_logits", stats(p.initial_logits)},
          {"initial_loss", p.initial_loss},
          {"modes",
           {{"measured", p.modes.ran},
            {"train_stochastic", p.modes.train_stochastic},
            {"train_batch_dependent", p.modes.train_batch_dependent},
            {"eval_stochastic", p.modes.eval_stochastic},
            {"eval_batch_dependent", p.modes.eval_batch_dependent},
            {"flag_train", p.modes.flag_train},
            {"flag_eval", p.modes.flag_eval}}},
          {"changed_by_one_train_step", changed},
          {"update_ops_run", ops_run},
          {"update_ops_not_run", ops_not},
          {"state_updated_elsewhere_not_by_the_train_step", stale}};
}

json speed_json(const SpeedProfile& s) {
  json ops = json::array();
  for (const OpTime& t : s.per_op) ops.push_back({{"op", t.op}, {"ms", t.ms}, {"count", t.count}});
  return {{"program", s.program},
          {"steps", s.steps},
          {"median_step_ms", s.step_ms},
          {"mean_step_ms", s.mean_step_ms},
          {"p10_step_ms", s.p10_step_ms},
          {"p90_step_ms", s.p90_step_ms},
          {"kernel_ms", s.kernel_ms},
          {"executor_ms", s.executor_ms},
          {"feed_ms", s.feed_ms},
          {"fetch_ms", s.fetch_ms},
          {"plan_ms", s.plan_ms},
          {"session_other_ms", s.session_other_ms},
          {"input_ms", s.input_ms},
          {"extra_runs_ms", s.extra_runs_ms},
          {"hook_ms", s.hook_ms},
          {"runs_per_step", s.runs_per_step},
          {"nodes_per_step", s.nodes_per_step},
          {"nodes_added_per_step", s.nodes_added_per_step},
          {"plans_built_per_step", s.plans_built_per_step},
          {"per_op", ops}};
}

}  // namespace

std::string report_json(const Report& r) {
  json j;
  j["case"] = r.case_name;
  j["description"] = r.description;
  j["dataset"] = r.dataset;
  j["a"] = r.a_name;
  j["b"] = r.b_name;
  j["schedule"] = {{"epochs", r.schedule.epochs}, {"steps_per_epoch", r.schedule.steps_per_epoch}};
  j["seeds"] = r.seeds;

  json findings = json::array();
  for (const Finding& f : r.diff.findings) {
    findings.push_back({{"component", f.component},
                        {"aspect", f.aspect},
                        {"layer", f.layer},
                        {"a", f.a},
                        {"b", f.b},
                        {"evidence", f.evidence},
                        {"severity", to_string(f.severity)},
                        {"swap", f.swap}});
  }
  json vars = json::array();
  for (const VarPair& p : r.diff.alignment.vars) {
    vars.push_back({{"layer", p.layer + 1},
                    {"role", p.role},
                    {"a", p.a.name()},
                    {"b", p.b.name()},
                    {"trainable", p.trainable},
                    {"conversion", p.conv.describe()}});
  }
  const OptimizerUpdateProbe& ou = r.diff.optimizer_update;
  j["static_diff"] = {{"findings", findings},
                      {"components", r.diff.components(Severity::low)},
                      {"alignment",
                       {{"layers", r.diff.alignment.num_layers},
                        {"problems", r.diff.alignment.problems},
                        {"variables", vars}}},
                      {"programs", {{"a", profile_json(r.diff.a)}, {"b", profile_json(r.diff.b)}}},
                      {"optimizer_update",
                       {{"measured", ou.ran},
                        {"why_not", ou.why_not},
                        {"steps", ou.steps},
                        {"norm_ratio_b_over_a", ou.norm_ratio},
                        {"max_rel_diff", ou.max_rel_diff}}}};

  json points = json::array();
  for (const ReplayPoint& p : r.replay.points) {
    points.push_back({{"step", p.step},
                      {"stage", p.stage},
                      {"quantity", p.quantity},
                      {"max_abs", p.closeness.max_abs},
                      {"rel", p.closeness.rel},
                      {"max_ulps", p.closeness.max_ulps},
                      {"bit_identical", p.closeness.bit_identical},
                      {"within", p.within}});
  }
  json first = nullptr;
  if (r.replay.first_divergence) {
    const ReplayPoint& p = *r.replay.first_divergence;
    first = {{"step", p.step},
             {"stage", p.stage},
             {"quantity", p.quantity},
             {"rel", p.closeness.rel},
             {"description", p.closeness.describe()}};
  }
  j["replay"] = {{"ran", r.replay.ran},
                 {"why_not", r.replay.why_not},
                 {"verdict", r.replay.verdict()},
                 {"steps", r.replay.steps},
                 {"tolerance", r.replay.tolerance},
                 {"bit_identical", r.replay.bit_identical},
                 {"final_weights_identical", r.replay.final_weights_identical},
                 {"first_divergence", first},
                 {"notes", r.replay.notes},
                 {"points", points}};

  const Ablation& ab = r.ablation;
  json measures = json::array();
  for (const Measure& m : ab.measures) {
    measures.push_back({{"name", m.name},
                        {"a_mean", m.a_mean},
                        {"a_std", m.a_std},
                        {"b_mean", m.b_mean},
                        {"b_std", m.b_std},
                        {"gap", m.gap},
                        {"noise_floor", m.noise},
                        {"gap_above_noise", m.gap_significant()}});
  }
  json a_runs = json::array(), b_runs = json::array(), variants = json::array();
  for (const auto& x : ab.a_runs) a_runs.push_back(run_json(x));
  for (const auto& x : ab.b_runs) b_runs.push_back(run_json(x));
  for (const auto& v : ab.variants) variants.push_back(variant_json(v));
  j["ablation"] = {{"ran", ab.ran},
                   {"measures", measures},
                   {"primary_measure", ab.primary},
                   {"a_runs", a_runs},
                   {"b_runs", b_runs},
                   {"variants", variants},
                   {"combined", ab.combined ? variant_json(*ab.combined) : json(nullptr)},
                   {"unexplained_share", ab.unexplained},
                   {"not_swappable", ab.not_swappable}};
  json items = json::array();
  for (const SpeedItem& it : r.speed.items) {
    items.push_back({{"what", it.what}, {"a_ms", it.a_ms}, {"b_ms", it.b_ms}, {"note", it.note}});
  }
  j["speed"] = r.speed.ran ? json{{"a", speed_json(r.speed.a)},
                                  {"b", speed_json(r.speed.b)},
                                  {"ranked", items},
                                  {"noise_ms", r.speed.noise_ms},
                                  {"extra_work", r.speed.extra_work}}
                           : json(nullptr);
  j["conclusions"] = r.conclusions;
  j["unexplained_gap"] = unexplained_gap(r);
  return j.dump(2);
}

}  // namespace dl::parity
