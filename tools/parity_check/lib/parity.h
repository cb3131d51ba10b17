#pragma once
/// parity_check's whole method on one case: static diff, lock-step replay, ablation against the
/// noise floor, speed breakdown; and the report in three forms (terminal, JSON, HTML).
///
///   dl::parity::Case c = dl::parity::make_case("example.lr");
///   dl::parity::Report r = dl::parity::check_case(c, {});
///   dl::parity::print_report(r, stdout);
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dl/tools/parity_check/lib/ablation.h"
#include "dl/tools/parity_check/lib/diff.h"
#include "dl/tools/parity_check/lib/replay.h"
#include "dl/tools/parity_check/lib/speed.h"

namespace dl::parity {

struct CheckOptions {
  int seeds = 3;                     ///< runs per program and per ablation
  std::optional<Schedule> schedule;  ///< default: the case's
  int threads = 1;                   ///< intra-op threads of every session but the speed runs'
  int replay_steps = 3;
  double tolerance = kDefaultTolerance;
  bool ablation = true;
  bool speed = true;
  SpeedOptions speed_options;
  DiffOptions diff_options;
  double noise_k = 2.0;
  /// Progress of the long parts: (stage, done, total).
  std::function<void(const std::string&, int, int)> progress;
};

struct Report {
  std::string case_name, description, dataset;
  std::string a_name, b_name;
  Schedule schedule;
  int seeds = 0;
  StaticDiff diff;
  ReplayResult replay;
  Ablation ablation;
  SpeedComparison speed;
  std::vector<std::string> conclusions;
  /// The analysed programs (the diff refers to their graphs).
  std::vector<std::shared_ptr<void>> keep_alive;
};

/// Runs every step of the method on a case.
Report check_case(const Case& c, const CheckOptions& o);

/// The part of the primary gap no swap explains, in the primary measure's units (0 when the
/// gap is inside the noise floor or fully explained).
double unexplained_gap(const Report& r);

/// Terminal report (fmt tables).
void print_report(const Report& r, std::FILE* out);
/// Every finding and figure as JSON.
std::string report_json(const Report& r);
/// A self-contained HTML page: curves as inline SVG, the graph diff, the speed breakdown.
std::string report_html(const Report& r);

}  // namespace dl::parity
