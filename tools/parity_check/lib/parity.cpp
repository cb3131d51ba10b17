#include "dl/tools/parity_check/lib/parity.h"

#include <cmath>

namespace dl::parity {
namespace {

std::string pct(double x) {
  if (std::isnan(x)) return "n/a";
  return num(100.0 * x) + "%";
}

void conclude(Report& r) {
  auto& out = r.conclusions;
  const auto named = r.diff.components(Severity::low);
  const Ablation& ab = r.ablation;
  bool claimed = false;
  for (const auto& v : ab.variants) claimed = claimed || v.claimed;
  if (named.empty() && r.replay.ran && r.replay.bit_identical && !claimed) {
    out.push_back("The programs train equivalently: no difference found, " + r.replay.verdict() +
                  ", no cause claimed.");
  } else if (named.empty()) {
    out.push_back("No difference found between the programs' components.");
  } else {
    std::string s = "Components that differ: ";
    for (size_t i = 0; i < named.size(); ++i) s += (i ? ", " : "") + named[i];
    out.push_back(s + ".");
  }
  if (r.replay.ran) out.push_back("Lock-step replay: " + r.replay.verdict() + ".");
  if (ab.ran && r.seeds < 2) {
    out.push_back(
        "One seed per program: the noise floor is not measured, so no gap is called "
        "real and no cause is claimed (use --seeds 3 or more).");
  }
  if (ab.ran && !ab.measures.empty()) {
    for (const Measure& m : ab.measures) {
      out.push_back(m.name + ": A " + num(m.a_mean) + ", B " + num(m.b_mean) + ", gap " +
                    num(m.gap) + (m.gap_significant() ? " (above" : " (inside") +
                    " the noise floor " + num(m.noise) + ")");
    }
    bool any_gap = false;
    for (const Measure& m : ab.measures) any_gap = any_gap || m.gap_significant();
    if (!any_gap && r.seeds >= 2) {
      out.push_back(
          "No gap above the noise floor on this schedule: the differences found have "
          "no measurable effect on the results here.");
    }
    for (const VariantResult& v : ab.variants) {
      if (!any_gap) break;
      std::string covers;
      for (size_t i = 0; i < v.findings.size(); ++i) covers += (i ? "; " : "") + v.findings[i];
      if (v.claimed) {
        std::string s = "Cause: " + v.swap + " [" + covers + "]:";
        for (size_t m = 0; m < v.effect.size(); ++m) {
          if (!v.significant[m] || std::isnan(v.share[m])) continue;
          s += " " + ab.measures[m].name + " " + num(v.effect[m]) + " (" + pct(v.share[m]) +
               " of the gap)";
        }
        out.push_back(s);
      } else {
        out.push_back("Not a measurable cause: " + v.swap + " [" + covers +
                      "]: its effect stays inside the noise floor or widens the gap");
      }
    }
    if (!std::isnan(ab.unexplained) && ab.combined) {
      out.push_back("With every swap applied, " + pct(1.0 - ab.unexplained) + " of the " +
                    ab.measures[static_cast<size_t>(ab.primary)].name + " gap closes (" +
                    pct(ab.unexplained) + " unexplained).");
    }
    for (const auto& f : ab.not_swappable)
      out.push_back("Found, not swappable, not measured: " + f);
  }
  if (r.speed.ran) {
    std::string s = "Step time: A " + num(r.speed.a.step_ms) + " ms, B " + num(r.speed.b.step_ms) +
                    " ms (median)";
    std::string big;
    for (const SpeedItem& it : r.speed.items) {
      if (std::fabs(it.delta()) <= r.speed.noise_ms) break;
      big += (big.empty() ? "" : ", ") + it.what + " " + (it.delta() > 0 ? "+" : "") +
             num(it.delta()) + " ms";
    }
    s += big.empty()
             ? "; no part differs by more than the step-to-step noise (" + num(r.speed.noise_ms) +
                   " ms)"
             : "; B - A per step, beyond the noise (" + num(r.speed.noise_ms) + " ms): " + big;
    out.push_back(s + ".");
    for (const auto& w : r.speed.extra_work) out.push_back(w + ".");
  }
}

}  // namespace

Report check_case(const Case& c, const CheckOptions& o) {
  Report r;
  r.case_name = c.name;
  r.description = c.description;
  r.schedule = o.schedule ? *o.schedule : c.schedule;
  r.seeds = o.seeds;
  auto progress = [&](const std::string& s, int done, int total) {
    if (o.progress) o.progress(s, done, total);
  };
  progress("data", 0, 1);
  const Dataset d = c.data();
  r.dataset = d.name;
  progress("static diff", 0, 1);
  auto a = std::make_shared<Instance>(make_instance(c.a, 0, o.threads));
  auto b = std::make_shared<Instance>(make_instance(c.b, 0, o.threads));
  r.keep_alive.push_back(a);
  r.keep_alive.push_back(b);
  r.a_name = a->program.name;
  r.b_name = b->program.name;
  r.diff = static_diff(a->program, *a->session, b->program, *b->session, d, o.diff_options);
  progress("static diff", 1, 1);
  progress("replay", 0, 1);
  r.replay = replay(a->program, *a->session, r.diff.a.structure, b->program, *b->session,
                    r.diff.b.structure, r.diff.alignment, d,
                    {.steps = o.replay_steps, .tolerance = o.tolerance});
  progress("replay", 1, 1);
  if (o.ablation) {
    AblationOptions ao;
    ao.seeds = o.seeds;
    ao.schedule = r.schedule;
    ao.threads = o.threads;
    ao.noise_k = o.noise_k;
    ao.progress = [&](const std::string& what, int done, int total) {
      progress("ablation: " + what, done, total);
    };
    r.ablation = run_ablation(c, d, r.diff, ao);
  }
  if (o.speed) {
    progress("speed", 0, 1);
    r.speed = compare_speed(c, d, o.speed_options);
    progress("speed", 1, 1);
  }
  conclude(r);
  return r;
}

double unexplained_gap(const Report& r) {
  const Ablation& ab = r.ablation;
  if (!ab.ran || ab.measures.empty()) return 0;
  const Measure& m = ab.measures[static_cast<size_t>(ab.primary)];
  if (!m.gap_significant()) return 0;
  if (std::isnan(ab.unexplained)) return std::fabs(m.gap);
  return std::fabs(m.gap) * std::max(0.0, ab.unexplained);
}

}  // namespace dl::parity
