#pragma once
/// keras.utils.Progbar in Keras 3's format (width 20, "━" bars with ANSI colours) and in the
/// keras2 profile's (Keras 2.2.4: width 30, "[=====>....]"), writing to a stream.
///
/// On a terminal (dynamic display) each update redraws the line with "\b" and "\r", as Keras
/// does. When the output is not a terminal the bar degrades to plain lines: only the final line
/// of each bar is written (no ANSI codes, no redraws), so logs of a fit read one line per epoch.
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "dl/highlevel/backend.h"

namespace dl::keras::utils {

struct ProgbarOptions {
  int width = -1;  ///< -1: 20 (keras3) or 30 (keras2)
  int verbose = 1;
  double interval = 0.05;  ///< minimum seconds between redraws
  std::string unit_name = "step";
  /// Keras 3 averages "stateless" values itself; the ProgbarLogger passes running results
  /// (stateful), so by default every value is shown as given.
  bool average_values = false;
  Profile profile = Profile::keras3;
  /// true: redraw in place (a terminal); false: plain final lines only.
  bool dynamic_display = true;
  /// Seconds since an arbitrary origin; defaults to a steady clock (tests inject a fake one).
  std::function<double()> clock;
};

class Progbar {
 public:
  /// `target`: the number of steps (or samples), -1 if unknown.
  Progbar(int64_t target, std::ostream& out, ProgbarOptions options = {});

  /// Keras's Progbar.update(current, values, finalize): `values` are (name, value) pairs;
  /// finalize defaults to current >= target.
  void update(int64_t current, const std::vector<std::pair<std::string, double>>& values = {},
              int finalize = -1);
  void set_target(int64_t target) { target_ = target; }
  int64_t target() const { return target_; }

 private:
  void update_keras3(int64_t current, bool finalize, double now);
  void update_keras2(int64_t current, bool finalize, double now);
  std::string format_values(bool keras2_verbose2 = false) const;

  int64_t target_;
  std::ostream& out_;
  ProgbarOptions o_;
  std::vector<std::string> order_;
  std::vector<std::pair<double, double>> values_;  // per name in order_: (sum, count)
  int64_t seen_so_far_ = 0;
  double start_ = 0;
  double last_update_ = 0;
  double time_after_first_step_ = -1;
  size_t prev_total_width_ = 0;
};

/// Keras's value display: "%.4f" when |v| > 1e-3, else "%.4e".
std::string format_value(double v);
/// Python's "%.0f" of a double (round half to even).
std::string format_fixed0(double v);
/// Keras 3's time per unit: " 12ms/step", " 3s/step", " 83us/step".
std::string format_time_per_unit(double seconds, const std::string& unit);

}  // namespace dl::keras::utils
