// The terminal report: fmt tables, one section per step of the method.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "dl/tools/parity_check/lib/parity.h"

namespace dl::parity {
namespace {

using Row = std::vector<std::string>;

std::string clip(const std::string& s, size_t w) {
  if (s.size() <= w) return s;
  return s.substr(0, w - 3) + "...";
}

void table(std::FILE* out, const Row& head, const std::vector<Row>& rows,
           const std::vector<size_t>& max_width) {
  std::vector<size_t> w(head.size(), 0);
  auto fit = [&](const Row& r) {
    for (size_t i = 0; i < r.size() && i < w.size(); ++i)
      w[i] = std::max(w[i], std::min(r[i].size(), max_width[i]));
  };
  fit(head);
  for (const Row& r : rows) fit(r);
  auto line = [&](const Row& r) {
    std::string s = " ";
    for (size_t i = 0; i < w.size(); ++i) {
      const std::string c = i < r.size() ? clip(r[i], max_width[i]) : "";
      s += fmt::format(" {:<{}} ", c, w[i]);
      if (i + 1 < w.size()) s += "|";
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    fmt::print(out, "{}\n", s);
  };
  line(head);
  std::string rule = " ";
  for (size_t i = 0; i < w.size(); ++i)
    rule += std::string(w[i] + 2, '-') + (i + 1 < w.size() ? "+" : "");
  fmt::print(out, "{}\n", rule);
  for (const Row& r : rows) line(r);
}

void section(std::FILE* out, const std::string& title) {
  fmt::print(out, "\n== {} {}\n", title, std::string(std::max<size_t>(3, 74 - title.size()), '='));
}

std::string ms(double v) { return fmt::format("{:.3f}", v); }
std::string signed_ms(double v) { return fmt::format("{:+.3f}", v); }

std::string pct(double x) { return std::isnan(x) ? "n/a" : fmt::format("{:.0f}%", 100 * x); }

}  // namespace

void print_report(const Report& r, std::FILE* out) {
  fmt::print(out, "parity_check: {}\n", r.case_name);
  if (!r.description.empty()) fmt::print(out, "  {}\n", r.description);
  fmt::print(out, "  A: {}\n  B: {}\n  data: {}\n", r.a_name, r.b_name, r.dataset);

  section(out, "1. Static diff");
  const auto& la = r.diff.a.structure.forward.layers;
  const auto& lb = r.diff.b.structure.forward.layers;
  std::vector<Row> rows;
  for (size_t i = 0; i < std::max(la.size(), lb.size()); ++i) {
    rows.push_back({std::to_string(i + 1), i < la.size() ? la[i].summary() : "-",
                    i < lb.size() ? lb[i].summary() : "-"});
  }
  rows.push_back({"head", r.diff.a.structure.head.summary(), r.diff.b.structure.head.summary()});
  rows.push_back({"optimizer", r.diff.a.optimizer.summary(), r.diff.b.optimizer.summary()});
  table(out, {"layer", "A", "B"}, rows, {9, 60, 60});
  fmt::print(out, "\n");
  if (r.diff.findings.empty()) {
    fmt::print(out, "  No differences found.\n");
  }
  int k = 0;
  for (const Finding& f : r.diff.findings) {
    fmt::print(out, "  {:>2}. [{}] {} / {}{}\n", ++k, to_string(f.severity), f.component, f.aspect,
               f.layer.empty() ? "" : " - " + f.layer);
    fmt::print(out, "      A: {}\n      B: {}\n", f.a, f.b);
    if (!f.evidence.empty()) fmt::print(out, "      measured: {}\n", f.evidence);
  }

  section(out, "2. Lock-step replay");
  fmt::print(out, "  {}\n", r.replay.verdict());
  for (const auto& n : r.replay.notes) fmt::print(out, "  note: {}\n", n);
  if (r.replay.ran) {
    rows.clear();
    for (const ReplayPoint& p : r.replay.points) {
      if (p.step != 1 && !(r.replay.first_divergence && p.step == r.replay.first_divergence->step))
        continue;
      rows.push_back(
          {std::to_string(p.step), p.quantity, p.closeness.describe(), p.within ? "" : "DIVERGES"});
    }
    table(out, {"step", "quantity", "A vs B", ""}, rows, {4, 48, 48, 8});
  }

  section(out, "3. Ablation");
  const Ablation& ab = r.ablation;
  if (!ab.ran) {
    fmt::print(out, "  not run\n");
  } else {
    fmt::print(
        out, "  {} seeds per program and per variant, {} epochs{}\n", r.seeds, r.schedule.epochs,
        r.schedule.steps_per_epoch ? fmt::format(" of at most {} steps", r.schedule.steps_per_epoch)
                                   : "");
    rows.clear();
    for (size_t m = 0; m < ab.measures.size(); ++m) {
      const Measure& me = ab.measures[m];
      rows.push_back({me.name + (static_cast<int>(m) == ab.primary ? " *" : ""),
                      num(me.a_mean) + " +- " + num(me.a_std),
                      num(me.b_mean) + " +- " + num(me.b_std), num(me.gap), num(me.noise),
                      me.gap_significant() ? "yes" : "no"});
    }
    table(out, {"measure", "A", "B", "gap A-B", "noise floor", "real gap"}, rows,
          {24, 22, 22, 12, 12, 8});
    fmt::print(out, "\n");
    rows.clear();
    int rank = 0;
    auto add = [&](const VariantResult& v, const std::string& label) {
      Row row{label, v.swap};
      for (size_t m = 0; m < v.effect.size(); ++m) {
        row.push_back(num(v.effect[m]) + " (" + pct(v.share[m]) + ")" +
                      (v.significant[m] ? "" : " ~"));
      }
      row.push_back(v.claimed ? "CAUSE" : "-");
      rows.push_back(row);
    };
    for (const VariantResult& v : ab.variants) add(v, std::to_string(++rank));
    if (ab.combined && ab.variants.size() > 1) add(*ab.combined, "all");
    Row head{"#", "swap from A into B"};
    for (const Measure& me : ab.measures) head.push_back("effect on " + me.name);
    head.push_back("verdict");
    std::vector<size_t> widths{3, 40};
    for (size_t i = 0; i < ab.measures.size(); ++i) widths.push_back(24);
    widths.push_back(7);
    if (!rows.empty()) {
      table(out, head, rows, widths);
      fmt::print(out, "  (share of the gap in parentheses; ~ = inside the noise floor)\n");
    } else {
      fmt::print(out, "  nothing to swap\n");
    }
    for (const VariantResult& v : ab.variants) {
      for (const auto& n : v.notes) fmt::print(out, "  {}: {}\n", v.swap, n);
    }
  }

  section(out, "4. Speed");
  if (!r.speed.ran) {
    fmt::print(out, "  not run\n");
  } else {
    const SpeedComparison& s = r.speed;
    fmt::print(out,
               "  median step: A {} ms (p10-p90 {}-{}), B {} ms (p10-p90 {}-{}); {} traced steps "
               "each, the two loops alternating\n",
               ms(s.a.step_ms), ms(s.a.p10_step_ms), ms(s.a.p90_step_ms), ms(s.b.step_ms),
               ms(s.b.p10_step_ms), ms(s.b.p90_step_ms), s.a.steps);
    fmt::print(out, "  means below leave out the slowest tenth of the steps\n");
    rows.clear();
    rows.push_back({"kernels (all)", ms(s.a.kernel_ms), ms(s.b.kernel_ms),
                    signed_ms(s.b.kernel_ms - s.a.kernel_ms), ""});
    for (size_t i = 0; i < s.items.size() && i < 12; ++i) {
      const SpeedItem& it = s.items[i];
      rows.push_back({it.what, ms(it.a_ms), ms(it.b_ms), signed_ms(it.delta()), it.note});
    }
    table(out, {"where the time goes (ms per step)", "A", "B", "B - A", "note"}, rows,
          {40, 9, 9, 9, 40});
    fmt::print(out, "  differences below {} ms per step are within the step-to-step noise\n",
               ms(s.noise_ms));
    for (const auto& w : s.extra_work) fmt::print(out, "  * {}\n", w);
  }

  section(out, "Conclusions");
  for (const auto& c : r.conclusions) fmt::print(out, "  - {}\n", c);
}

}  // namespace dl::parity
