#include "dl/tools/parity_check/lib/speed.h"

#include <algorithm>
#include <cmath>

#include "dl/tools/parity_check/lib/ablation.h"
#include "dl/tools/parity_check/lib/measure.h"

namespace dl::parity {

namespace {

LoopOptions speed_loop(const TrainingProgram& p, const Dataset& d, const SpeedOptions& o,
                       std::vector<StepTiming>* timings) {
  LoopOptions lo;
  const int64_t want = o.warmup + o.steps;
  const int64_t per_epoch =
      std::max<int64_t>(1, static_cast<int64_t>(epoch_batches(p.data, d.num_train(), 0).size()));
  lo.schedule.epochs = static_cast<int>((want + per_epoch - 1) / per_epoch);
  lo.max_steps = want;
  lo.evaluate_epochs = false;
  lo.timings = timings;
  return lo;
}

SpeedProfile summarise(const std::string& program, const std::vector<StepTiming>& timings,
                       const SpeedOptions& o) {
  SpeedProfile sp;
  sp.program = program;
  std::map<std::string, OpTime> ops;
  std::vector<double> walls;
  const size_t first = std::min<size_t>(static_cast<size_t>(o.warmup), timings.size());
  // Means over the measured steps without the slowest tenth: one step delayed by the machine
  // (another process, a page fault) would otherwise dominate a short trace.
  std::vector<size_t> keep;
  for (size_t i = first; i < timings.size(); ++i) keep.push_back(i);
  std::sort(keep.begin(), keep.end(),
            [&](size_t x, size_t y) { return timings[x].wall_ns < timings[y].wall_ns; });
  keep.resize(keep.size() - keep.size() / 10);
  std::sort(keep.begin(), keep.end());
  for (size_t i : keep) {
    const StepTiming& t = timings[i];
    walls.push_back(static_cast<double>(t.wall_ns) * 1e-6);
    sp.input_ms += static_cast<double>(t.input_ns) * 1e-6;
    sp.extra_runs_ms += static_cast<double>(t.extra_ns) * 1e-6;
    sp.hook_ms += static_cast<double>(t.hook_ns) * 1e-6;
    sp.nodes_added_per_step += t.nodes_added;
    sp.runs_per_step += static_cast<double>(t.runs.size());
    sp.plans_built_per_step += t.plans_built;
    if (t.runs.empty()) continue;
    const RunMetadata& md = t.runs[0];
    double kernel = 0;
    for (const NodeStats& st : md.step_stats) {
      const double ms = static_cast<double>(st.end_ns - st.start_ns) * 1e-6;
      kernel += ms;
      OpTime& ot = ops[st.op];
      ot.op = st.op;
      ot.ms += ms;
      ot.count += 1;
    }
    sp.kernel_ms += kernel;
    sp.executor_ms += static_cast<double>(md.exec_ns) * 1e-6 - kernel;
    sp.feed_ms += static_cast<double>(md.feed_ns) * 1e-6;
    sp.fetch_ms += static_cast<double>(md.fetch_ns) * 1e-6;
    sp.plan_ms += static_cast<double>(md.plan_ns) * 1e-6;
    sp.session_other_ms +=
        static_cast<double>(t.run_ns - md.plan_ns - md.feed_ns - md.exec_ns - md.fetch_ns) * 1e-6;
    sp.nodes_per_step += static_cast<double>(md.step_stats.size());
  }
  const auto n = static_cast<double>(std::max<size_t>(1, walls.size()));
  sp.steps = static_cast<int>(timings.size() - first);
  for (double* v :
       {&sp.input_ms, &sp.extra_runs_ms, &sp.hook_ms, &sp.nodes_added_per_step, &sp.runs_per_step,
        &sp.plans_built_per_step, &sp.kernel_ms, &sp.executor_ms, &sp.feed_ms, &sp.fetch_ms,
        &sp.plan_ms, &sp.session_other_ms, &sp.nodes_per_step}) {
    *v /= n;
  }
  for (auto& [k, v] : ops) {
    v.ms /= n;
    v.count /= n;
    sp.per_op.push_back(v);
  }
  std::sort(sp.per_op.begin(), sp.per_op.end(),
            [](const OpTime& x, const OpTime& y) { return x.ms > y.ms; });
  if (!walls.empty()) {
    double sum = 0;
    for (double w : walls) sum += w;
    sp.mean_step_ms = sum / n;
    std::sort(walls.begin(), walls.end());
    sp.step_ms = walls[walls.size() / 2];
    sp.p10_step_ms = walls[walls.size() / 10];
    sp.p90_step_ms = walls[walls.size() * 9 / 10 - (walls.size() * 9 % 10 == 0 ? 1 : 0)];
  }
  return sp;
}

}  // namespace

SpeedProfile profile_speed(const ProgramFactory& f, const Dataset& d, const SpeedOptions& o) {
  Instance in = make_instance(f, 0, o.threads);
  std::vector<StepTiming> timings;
  run_loop(in.program, *in.session, d, speed_loop(in.program, d, o, &timings));
  return summarise(in.program.name, timings, o);
}

SpeedComparison compare_speed(const Case& c, const Dataset& d, const SpeedOptions& o) {
  SpeedComparison r;
  {
    // The two loops alternate step by step, so that whatever else the machine does slows
    // both alike.
    Instance a = make_instance(c.a, 0, o.threads), b = make_instance(c.b, 0, o.threads);
    std::vector<StepTiming> ta, tb;
    TrainingLoop la(a.program, *a.session, d, speed_loop(a.program, d, o, &ta));
    TrainingLoop lb(b.program, *b.session, d, speed_loop(b.program, d, o, &tb));
    for (bool more = true; more;) {
      const bool ma = la.step();
      const bool mb = lb.step();
      more = ma || mb;
    }
    r.a = summarise(a.program.name, ta, o);
    r.b = summarise(b.program.name, tb, o);
  }
  r.noise_ms = std::max(r.a.p90_step_ms - r.a.p10_step_ms, r.b.p90_step_ms - r.b.p10_step_ms) /
               std::sqrt(static_cast<double>(std::max(1, std::min(r.a.steps, r.b.steps))));
  auto add = [&](const std::string& what, double a, double b, const std::string& note = "") {
    r.items.push_back({what, a, b, note});
  };
  add("input pipeline (outside Session::run)", r.a.input_ms, r.b.input_ms,
      "building batches and their feeds");
  add("executor overhead", r.a.executor_ms, r.b.executor_ms, "exec time minus kernel time");
  add("feed copies", r.a.feed_ms, r.b.feed_ms);
  add("fetch copies", r.a.fetch_ms, r.b.fetch_ms);
  add("planning (train run)", r.a.plan_ms, r.b.plan_ms, "finding, or building, the plan");
  add("session bookkeeping", r.a.session_other_ms, r.b.session_other_ms);
  add("extra runs in the loop", r.a.extra_runs_ms, r.b.extra_runs_ms);
  add("other work in the loop", r.a.hook_ms, r.b.hook_ms, "the step hook");
  std::map<std::string, std::pair<OpTime, OpTime>> ops;
  for (const OpTime& t : r.a.per_op) ops[t.op].first = t;
  for (const OpTime& t : r.b.per_op) ops[t.op].second = t;
  for (const auto& [op, p] : ops) {
    std::string note;
    if (std::fabs(p.first.count - p.second.count) > 0.01) {
      note = num(p.first.count) + " vs " + num(p.second.count) + " nodes per step";
    }
    add("kernels: " + op, p.first.ms, p.second.ms, note);
  }
  std::stable_sort(r.items.begin(), r.items.end(), [](const SpeedItem& x, const SpeedItem& y) {
    return std::fabs(x.delta()) > std::fabs(y.delta());
  });

  auto work = [&](const SpeedProfile& x, const SpeedProfile& y, const char* nx, const char* ny) {
    if (x.runs_per_step > y.runs_per_step + 0.01) {
      r.extra_work.push_back(std::string(nx) + " makes " + num(x.runs_per_step) +
                             " Session::run calls per step, " + ny + " " + num(y.runs_per_step) +
                             " (" + num(x.extra_runs_ms) + " ms per step in extra runs)");
    }
    if (x.nodes_added_per_step > 0.01) {
      r.extra_work.push_back(std::string(nx) + "'s graph grows by " + num(x.nodes_added_per_step) +
                             " nodes per step");
    }
    if (x.plans_built_per_step > 0.01) {
      r.extra_work.push_back(std::string(nx) + "'s session builds " + num(x.plans_built_per_step) +
                             " plans or specialisations per step in steady state (runs with a "
                             "new signature or new shapes)");
    }
    std::string more;
    for (const auto& [op, p] : ops) {
      const OpTime& ox = nx[0] == 'A' ? p.first : p.second;
      const OpTime& oy = nx[0] == 'A' ? p.second : p.first;
      if (ox.count > oy.count + 0.01) {
        more += (more.empty() ? "" : ", ") + op + " x" + num(ox.count - oy.count);
      }
    }
    if (!more.empty()) {
      r.extra_work.push_back(std::string(nx) + "'s train step runs nodes " + ny +
                             "'s does not: " + more);
    }
  };
  work(r.a, r.b, "A", "B");
  work(r.b, r.a, "B", "A");
  r.ran = true;
  return r;
}

}  // namespace dl::parity
