// The HTML report: one self-contained page (inline CSS and SVG, no scripts or external files).
#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "dl/tools/parity_check/lib/parity.h"

namespace dl::parity {
namespace {

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '&':
        o += "&amp;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

struct Series {
  std::string name;
  std::string color;
  std::vector<double> x, y;
  bool dashed = false;
};

const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                         "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"};

std::string chart(const std::string& title, const std::vector<Series>& series, bool log_y = false) {
  const double W = 520, H = 260, L = 60, R = 150, T = 28, B = 36;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  auto ty = [&](double v) { return log_y ? std::log10(std::max(v, 1e-12)) : v; };
  for (const Series& s : series) {
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, ty(s.y[i]));
      y1 = std::max(y1, ty(s.y[i]));
    }
  }
  std::string o = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' class='chart'>"
      "<text x='{}' y='18' class='title'>{}</text>",
      W, H, L, esc(title));
  if (!std::isfinite(x0)) return o + "<text x='60' y='120'>no data</text></svg>";
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) {
    y1 += 0.5;
    y0 -= 0.5;
  }
  const double pw = W - L - R, ph = H - T - B;
  auto px = [&](double x) { return L + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return T + ph - (ty(y) - y0) / (y1 - y0) * ph; };
  o += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' class='frame'/>", L, T, pw, ph);
  for (int k = 0; k <= 4; ++k) {
    const double v = y0 + (y1 - y0) * k / 4.0;
    const double yy = T + ph - ph * k / 4.0;
    o += fmt::format("<line x1='{}' x2='{}' y1='{:.1f}' y2='{:.1f}' class='grid'/>", L, L + pw, yy,
                     yy);
    o += fmt::format("<text x='{}' y='{:.1f}' class='tick' text-anchor='end'>{}</text>", L - 4,
                     yy + 4, num(log_y ? std::pow(10.0, v) : v));
  }
  o += fmt::format("<text x='{}' y='{}' class='tick'>{}</text>", L, H - 12, num(x0));
  o += fmt::format("<text x='{}' y='{}' class='tick' text-anchor='end'>{}</text>", L + pw, H - 12,
                   num(x1));
  int k = 0;
  for (const Series& s : series) {
    std::string pts;
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      pts += fmt::format("{:.1f},{:.1f} ", px(s.x[i]), py(s.y[i]));
    }
    o += fmt::format("<polyline points='{}' fill='none' stroke='{}' stroke-width='2'{}/>", pts,
                     s.color, s.dashed ? " stroke-dasharray='5,3'" : "");
    const double ly = T + 12 + 16 * k++;
    o += fmt::format("<line x1='{}' x2='{}' y1='{}' y2='{}' stroke='{}' stroke-width='2'{}/>",
                     L + pw + 8, L + pw + 26, ly - 4, ly - 4, s.color,
                     s.dashed ? " stroke-dasharray='5,3'" : "");
    o += fmt::format("<text x='{}' y='{}' class='legend'>{}</text>", L + pw + 30, ly,
                     esc(s.name.size() > 18 ? s.name.substr(0, 17) + "." : s.name));
  }
  return o + "</svg>";
}

// Mean over runs of a per-epoch quantity.
Series mean_curve(const std::string& name, const std::string& color,
                  const std::vector<RunResult>& runs, double (*get)(const EpochPoint&)) {
  Series s{name, color, {}, {}};
  if (runs.empty()) return s;
  const size_t n = runs[0].curve.epochs.size();
  for (size_t e = 0; e < n; ++e) {
    double sum = 0;
    int k = 0;
    for (const auto& r : runs) {
      if (e < r.curve.epochs.size()) {
        sum += get(r.curve.epochs[e]);
        ++k;
      }
    }
    s.x.push_back(static_cast<double>(e + 1));
    s.y.push_back(k ? sum / k : NAN);
  }
  return s;
}

double val_acc(const EpochPoint& p) { return p.val.accuracy; }
double val_loss(const EpochPoint& p) { return p.val.loss; }
double rep_metric(const EpochPoint& p) { return p.val.reported_metric; }

const char* sev_class(Severity s) {
  switch (s) {
    case Severity::high:
      return "high";
    case Severity::medium:
      return "medium";
    case Severity::low:
      return "low";
    default:
      return "info";
  }
}

}  // namespace

std::string report_html(const Report& r) {
  std::string h;
  h += "<!DOCTYPE html><html><head><meta charset='utf-8'><title>parity_check: " + esc(r.case_name) +
       "</title><style>"
       "body{font-family:sans-serif;max-width:1150px;margin:24px auto;color:#222}"
       "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 7px;"
       "font-size:13px;vertical-align:top;text-align:left}th{background:#f2f2f2}"
       ".high{background:#fbe3e3}.medium{background:#fdf1dc}.low{background:#eef5fb}"
       ".info{color:#777}.diff td.d{background:#fff4c2}.chart{margin:4px}"
       ".chart .title{font-size:13px;font-weight:bold}.chart .tick,.chart .legend{font-size:11px}"
       ".chart .frame{fill:none;stroke:#999}.chart .grid{stroke:#eee}"
       ".ok{color:#187a18;font-weight:bold}.bad{color:#b00;font-weight:bold}"
       "</style></head><body>";
  h += "<h1>parity_check: " + esc(r.case_name) + "</h1>";
  if (!r.description.empty()) h += "<p>" + esc(r.description) + "</p>";
  h += "<p><b>A</b>: " + esc(r.a_name) + "<br><b>B</b>: " + esc(r.b_name) +
       "<br>data: " + esc(r.dataset) + "</p>";
  h += "<h2>Conclusions</h2><ul>";
  for (const auto& c : r.conclusions) h += "<li>" + esc(c) + "</li>";
  h += "</ul>";

  // Curves.
  const Ablation& ab = r.ablation;
  if (ab.ran) {
    h += "<h2>Training curves (mean over " + std::to_string(r.seeds) + " seeds)</h2><div>";
    for (auto [title, get] : std::vector<std::pair<std::string, double (*)(const EpochPoint&)>>{
             {"validation accuracy", val_acc},
             {"validation loss (shared yardstick)", val_loss},
             {"reported metric (validation)", rep_metric}}) {
      std::vector<Series> ss{mean_curve("A", kColors[0], ab.a_runs, get),
                             mean_curve("B", kColors[1], ab.b_runs, get)};
      int c = 2;
      for (const auto& v : ab.variants) {
        Series s = mean_curve("B+" + v.swap, kColors[c++ % 10], v.runs, get);
        s.dashed = true;
        ss.push_back(s);
      }
      if (ab.combined && ab.variants.size() > 1) {
        Series s = mean_curve("B+all", "#000", ab.combined->runs, get);
        s.dashed = true;
        ss.push_back(s);
      }
      h += chart(title + " per epoch", ss);
    }
    if (!ab.a_runs.empty() && !ab.b_runs.empty()) {
      std::vector<Series> ss;
      for (int w = 0; w < 2; ++w) {
        const auto& run = w == 0 ? ab.a_runs[0] : ab.b_runs[0];
        Series s{w == 0 ? "A" : "B", kColors[w], {}, {}};
        for (size_t i = 0; i < run.curve.step_loss.size(); ++i) {
          s.x.push_back(static_cast<double>(i + 1));
          s.y.push_back(run.curve.step_loss[i]);
        }
        ss.push_back(s);
      }
      h += chart("reported loss per step (seed 1, log scale)", ss, true);
    }
    h += "</div>";
  }

  // Graph diff.
  h += "<h2>1. Static diff</h2><table class='diff'><tr><th>layer</th><th>A</th><th>B</th></tr>";
  const auto& la = r.diff.a.structure.forward.layers;
  const auto& lb = r.diff.b.structure.forward.layers;
  auto row = [&](const std::string& k, const std::string& a, const std::string& b) {
    const std::string cls = a == b ? "" : " class='d'";
    h += "<tr><td>" + esc(k) + "</td><td" + cls + ">" + esc(a) + "</td><td" + cls + ">" + esc(b) +
         "</td></tr>";
  };
  for (size_t i = 0; i < std::max(la.size(), lb.size()); ++i) {
    row(std::to_string(i + 1), i < la.size() ? la[i].summary() : "-",
        i < lb.size() ? lb[i].summary() : "-");
  }
  row("output", r.diff.a.structure.forward.output_activation,
      r.diff.b.structure.forward.output_activation);
  row("loss head", r.diff.a.structure.head.summary(), r.diff.b.structure.head.summary());
  row("optimizer", r.diff.a.optimizer.summary(), r.diff.b.optimizer.summary());
  h += "</table>";
  h += "<table><tr><th>severity</th><th>component / aspect</th><th>where</th><th>A</th><th>B</th>"
       "<th>measured</th></tr>";
  for (const Finding& f : r.diff.findings) {
    h += std::string("<tr class='") + sev_class(f.severity) + "'><td>" + to_string(f.severity) +
         "</td><td>" + esc(f.component + " / " + f.aspect) + "</td><td>" + esc(f.layer) +
         "</td><td>" + esc(f.a) + "</td><td>" + esc(f.b) + "</td><td>" + esc(f.evidence) +
         "</td></tr>";
  }
  if (r.diff.findings.empty()) h += "<tr><td colspan='6'>no differences found</td></tr>";
  h += "</table>";
  h += "<h3>Initial weights drawn</h3><table><tr><th>variable A</th><th>A</th><th>variable "
       "B</th><th>B</th></tr>";
  for (const VarPair& p : r.diff.alignment.vars) {
    const VarInit* ia = r.diff.a.init_of(p.a.op());
    const VarInit* ib = r.diff.b.init_of(p.b.op());
    if (!ia || !ib) continue;
    h += "<tr><td>" + esc(p.a.name()) + "</td><td>" + esc(ia->description) + "<br>std " +
         num(ia->stats.std) + "</td><td>" + esc(p.b.name()) + "</td><td>" + esc(ib->description) +
         "<br>std " + num(ib->stats.std) + "</td></tr>";
  }
  h += "</table>";

  // Replay.
  h += "<h2>2. Lock-step replay</h2><p class='" +
       std::string(r.replay.bit_identical || (r.replay.ran && !r.replay.first_divergence) ? "ok"
                                                                                          : "bad") +
       "'>" + esc(r.replay.verdict()) + "</p>";
  for (const auto& n : r.replay.notes) h += "<p>" + esc(n) + "</p>";
  if (r.replay.ran) {
    h += "<table><tr><th>step</th><th>quantity</th><th>A vs B</th></tr>";
    for (const ReplayPoint& p : r.replay.points) {
      if (p.step != 1) continue;
      h += std::string("<tr") + (p.within ? "" : " class='high'") + "><td>" +
           std::to_string(p.step) + "</td><td>" + esc(p.quantity) + "</td><td>" +
           esc(p.closeness.describe()) + "</td></tr>";
    }
    h += "</table>";
  }

  // Ablation.
  h += "<h2>3. Ablation</h2>";
  if (ab.ran) {
    h += "<table><tr><th>measure</th><th>A</th><th>B</th><th>gap</th><th>noise floor</th></tr>";
    for (const Measure& m : ab.measures) {
      h += "<tr><td>" + esc(m.name) + "</td><td>" + num(m.a_mean) + " &plusmn; " + num(m.a_std) +
           "</td><td>" + num(m.b_mean) + " &plusmn; " + num(m.b_std) + "</td><td>" + num(m.gap) +
           "</td><td>" + num(m.noise) + (m.gap_significant() ? "" : " (gap inside)") + "</td></tr>";
    }
    h += "</table><table><tr><th>swap from A into B</th><th>findings</th>";
    for (const Measure& m : ab.measures) h += "<th>effect on " + esc(m.name) + " (share)</th>";
    h += "<th>verdict</th></tr>";
    auto vrow = [&](const VariantResult& v) {
      std::string f;
      for (const auto& x : v.findings) f += esc(x) + "<br>";
      h += std::string("<tr") + (v.claimed ? " class='high'" : "") + "><td>" + esc(v.swap) +
           "</td><td>" + f + "</td>";
      for (size_t m = 0; m < v.effect.size(); ++m) {
        h += "<td>" + num(v.effect[m]) +
             (std::isnan(v.share[m]) ? "" : " (" + num(100 * v.share[m]) + "%)") +
             (v.significant[m] ? "" : " ~") + "</td>";
      }
      h += std::string("<td>") + (v.claimed ? "cause" : "no measurable effect") + "</td></tr>";
    };
    for (const auto& v : ab.variants) vrow(v);
    if (ab.combined && ab.variants.size() > 1) vrow(*ab.combined);
    h += "</table><p>~ = inside the noise floor.</p>";
  } else {
    h += "<p>not run</p>";
  }

  // Speed.
  h += "<h2>4. Speed</h2>";
  if (r.speed.ran) {
    const SpeedComparison& s = r.speed;
    h += "<p>median step: A " + num(s.a.step_ms) + " ms, B " + num(s.b.step_ms) + " ms</p>";
    h += "<table><tr><th>where the time goes (ms per step)</th><th>A</th><th>B</th><th>B - "
         "A</th><th>note</th></tr>";
    for (const SpeedItem& it : s.items) {
      h += "<tr><td>" + esc(it.what) + "</td><td>" + num(it.a_ms) + "</td><td>" + num(it.b_ms) +
           "</td><td>" + num(it.delta()) + "</td><td>" + esc(it.note) + "</td></tr>";
    }
    h += "</table><ul>";
    for (const auto& w : s.extra_work) h += "<li>" + esc(w) + "</li>";
    h += "</ul>";
    // Bars: the ten largest items, A and B side by side.
    const size_t n = std::min<size_t>(10, s.items.size());
    double mx = 1e-9;
    for (size_t i = 0; i < n; ++i) mx = std::max({mx, s.items[i].a_ms, s.items[i].b_ms});
    const double W = 760, bar = 10, gap = 8, L = 300;
    h +=
        fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' class='chart'>",
                    W, 20 + n * (2 * bar + gap));
    for (size_t i = 0; i < n; ++i) {
      const double y = 10 + static_cast<double>(i) * (2 * bar + gap);
      h += fmt::format("<text x='{}' y='{}' class='tick' text-anchor='end'>{}</text>", L - 6,
                       y + bar + 3, esc(s.items[i].what));
      h += fmt::format("<rect x='{}' y='{}' width='{:.1f}' height='{}' fill='{}'/>", L, y,
                       (W - L - 60) * s.items[i].a_ms / mx, bar, kColors[0]);
      h += fmt::format("<rect x='{}' y='{}' width='{:.1f}' height='{}' fill='{}'/>", L, y + bar,
                       (W - L - 60) * s.items[i].b_ms / mx, bar, kColors[1]);
    }
    h += "</svg><p>blue: A, red: B</p>";
  } else {
    h += "<p>not run</p>";
  }
  h += "</body></html>\n";
  return h;
}

}  // namespace dl::parity
