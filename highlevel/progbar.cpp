#include "dl/highlevel/progbar.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "dl/core/error.h"

namespace dl::keras::utils {
namespace {

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string printf_str(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

int num_digits(int64_t n) {
  // Python: int(math.log10(target)) + 1 for target > 0.
  return static_cast<int>(std::floor(std::log10(static_cast<double>(n)))) + 1;
}

/// Width of a string in terminal cells: every UTF-8 lead byte counts once.
size_t cells(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string repeat(const std::string& s, int64_t n) {
  std::string out;
  for (int64_t i = 0; i < n; ++i) out += s;
  return out;
}

/// Python's "%d" of a float (truncation toward zero), as Keras's ETA formats use.
std::string pyd(double v) { return std::to_string(static_cast<int64_t>(v)); }

std::string eta_string(double eta) {
  char buf[64];
  if (eta > 3600) {
    std::snprintf(buf, sizeof buf, "%s:%02d:%02d", pyd(std::floor(eta / 3600)).c_str(),
                  static_cast<int>(std::fmod(eta, 3600) / 60),
                  static_cast<int>(std::fmod(eta, 60)));
  } else if (eta > 60) {
    std::snprintf(buf, sizeof buf, "%s:%02d", pyd(std::floor(eta / 60)).c_str(),
                  static_cast<int>(std::fmod(eta, 60)));
  } else {
    std::snprintf(buf, sizeof buf, "%ss", pyd(eta).c_str());
  }
  return buf;
}

}  // namespace

std::string format_value(double v) {
  return std::fabs(v) > 1e-3 ? printf_str("%.4f", v) : printf_str("%.4e", v);
}

std::string format_fixed0(double v) {
  // printf's %.0f rounds half to even under the default rounding mode, as Python does.
  return printf_str("%.0f", v);
}

std::string format_time_per_unit(double t, const std::string& unit) {
  if (t >= 1 || t == 0) return str_cat(" ", format_fixed0(t), "s/", unit);
  if (t >= 1e-3) return str_cat(" ", format_fixed0(t * 1000.0), "ms/", unit);
  return str_cat(" ", format_fixed0(t * 1000000.0), "us/", unit);
}

Progbar::Progbar(int64_t target, std::ostream& out, ProgbarOptions options)
    : target_(target), out_(out), o_(std::move(options)) {
  if (o_.width < 0) o_.width = o_.profile == Profile::keras2 ? 30 : 20;
  if (!o_.clock) o_.clock = steady_seconds;
  start_ = o_.clock();
}

void Progbar::update(int64_t current, const std::vector<std::pair<std::string, double>>& values,
                     int finalize_arg) {
  bool finalize;
  if (finalize_arg < 0) {
    finalize = target_ >= 0 && current >= target_;
  } else {
    finalize = finalize_arg != 0;
  }
  for (const auto& [k, v] : values) {
    size_t idx = 0;
    while (idx < order_.size() && order_[idx] != k) ++idx;
    if (idx == order_.size()) {
      order_.push_back(k);
      values_.emplace_back(0.0, 0.0);
    }
    if (o_.average_values) {
      // Keras's stateless values (and all of Keras 2's): a running mean weighted by the steps
      // (or samples) since the last update.
      const double base = o_.profile == Profile::keras2
                              ? static_cast<double>(current - seen_so_far_)
                              : static_cast<double>(std::max<int64_t>(current - seen_so_far_, 1));
      if (o_.profile == Profile::keras3 && finalize) {
        values_[idx] = {v, 1.0};
      } else {
        values_[idx].first += v * base;
        values_[idx].second += base;
      }
    } else {
      values_[idx] = {v, 1.0};
    }
  }
  const double now = o_.clock();
  if (o_.profile == Profile::keras2) {
    update_keras2(current, finalize, now);
  } else {
    update_keras3(current, finalize, now);
  }
  seen_so_far_ = current;
}

std::string Progbar::format_values(bool keras2_verbose2) const {
  std::string info;
  for (size_t i = 0; i < order_.size(); ++i) {
    info += str_cat(" - ", order_[i], ":");
    const double avg = values_[i].first / std::max(1.0, values_[i].second);
    if (keras2_verbose2) {
      // Keras's verbose=2 branch compares avg > 1e-3 (not abs).
      info += str_cat(" ", printf_str(avg > 1e-3 ? "%.4f" : "%.4e", avg));
    } else {
      info += str_cat(" ", format_value(avg));
    }
  }
  return info;
}

void Progbar::update_keras3(int64_t current, bool finalize, double now) {
  // _estimate_step_duration
  double time_per_unit = 0;
  if (current) {
    if (time_after_first_step_ >= 0 && current > 1) {
      time_per_unit = (now - time_after_first_step_) / double(current - 1);
    } else {
      time_per_unit = (now - start_) / double(current);
    }
    if (current == 1) time_after_first_step_ = now;
  }
  if (o_.verbose == 1) {
    if (now - last_update_ < o_.interval && !finalize) return;
    if (!o_.dynamic_display && !finalize) {
      last_update_ = now;
      return;
    }
    const bool ansi = o_.dynamic_display;
    std::string message;
    if (o_.dynamic_display) message += std::string(prev_total_width_, '\b') + "\r";
    std::string bar;
    size_t special = 0;
    if (target_ > 0) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%*lld/%lld", num_digits(target_),
                    static_cast<long long>(current), static_cast<long long>(target_));
      bar = ansi ? std::string("\x1b[1m") + buf + "\x1b[0m " : std::string(buf) + " ";
      special += ansi ? 8 : 0;
      const double prog = double(current) / double(target_);
      const int64_t prog_width = static_cast<int64_t>(o_.width * prog);
      if (prog_width > 0) {
        bar += ansi ? "\x1b[32m" + repeat("━", prog_width) + "\x1b[0m" : repeat("━", prog_width);
        special += ansi ? 9 : 0;
      }
      const int64_t rest = o_.width - prog_width;
      bar += ansi ? "\x1b[37m" + repeat("━", rest) + "\x1b[0m" : repeat("━", rest);
      special += ansi ? 9 : 0;
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%7lld/Unknown", static_cast<long long>(current));
      bar = buf;
    }
    message += bar;
    std::string info;
    std::string t;
    if (target_ > 0 && !finalize) {
      t = eta_string(time_per_unit * double(target_ - current));
    } else {
      t = format_fixed0(now - start_) + "s";
    }
    info = ansi ? str_cat(" \x1b[1m", t, "\x1b[0m") : str_cat(" ", t);
    special += ansi ? 8 : 0;
    info += format_time_per_unit(time_per_unit, o_.unit_name);
    info += format_values();
    message += info;
    const size_t total_width = cells(bar) + cells(info) - special;
    if (o_.dynamic_display && prev_total_width_ > total_width) {
      message += std::string(prev_total_width_ - total_width, ' ');
    }
    if (finalize) message += "\n";
    out_ << message;
    out_.flush();
    prev_total_width_ = total_width;
  } else if (o_.verbose == 2) {
    if (finalize && target_ > 0) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%*lld/%lld", num_digits(target_),
                    static_cast<long long>(current), static_cast<long long>(target_));
      std::string info = str_cat(buf, " - ", format_fixed0(now - start_), "s");
      info += str_cat(" -", format_time_per_unit(time_per_unit, o_.unit_name));
      info += format_values(true);
      out_ << info << "\n";
      out_.flush();
    }
  }
  last_update_ = now;
}

void Progbar::update_keras2(int64_t current, bool finalize, double now) {
  // Keras 2.2.4's generic_utils.Progbar.update.
  std::string info = str_cat(" - ", format_fixed0(now - start_), "s");
  if (o_.verbose == 1) {
    if ((now - last_update_) < o_.interval && target_ >= 0 && current < target_) return;
    if (!o_.dynamic_display && !finalize) {
      last_update_ = now;
      return;
    }
    const size_t prev_total_width = prev_total_width_;
    std::string out;
    if (o_.dynamic_display) out += std::string(prev_total_width, '\b') + "\r";
    std::string bar;
    if (target_ >= 0) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%*lld/%lld [", num_digits(target_),
                    static_cast<long long>(current), static_cast<long long>(target_));
      bar = buf;
      const double prog = double(current) / double(target_);
      const int64_t prog_width = static_cast<int64_t>(o_.width * prog);
      if (prog_width > 0) {
        bar += std::string(static_cast<size_t>(prog_width - 1), '=');
        bar += current < target_ ? '>' : '=';
      }
      bar += std::string(static_cast<size_t>(o_.width - prog_width), '.');
      bar += ']';
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%7lld/Unknown", static_cast<long long>(current));
      bar = buf;
    }
    size_t total_width = bar.size();
    out += bar;
    const double time_per_unit = current ? (now - start_) / double(current) : 0.0;
    if (target_ >= 0 && current < target_) {
      info = str_cat(" - ETA: ", eta_string(time_per_unit * double(target_ - current)));
    } else {
      if (time_per_unit >= 1) {
        info += str_cat(" ", format_fixed0(time_per_unit), "s/step");
      } else if (time_per_unit >= 1e-3) {
        info += str_cat(" ", format_fixed0(time_per_unit * 1e3), "ms/step");
      } else {
        info += str_cat(" ", format_fixed0(time_per_unit * 1e6), "us/step");
      }
    }
    info += format_values();
    total_width += info.size();
    if (o_.dynamic_display && prev_total_width > total_width) {
      info += std::string(prev_total_width - total_width, ' ');
    }
    if (target_ >= 0 && current >= target_) info += "\n";
    out += info;
    out_ << out;
    out_.flush();
    prev_total_width_ = total_width;
  } else if (o_.verbose == 2) {
    if (target_ < 0 || current >= target_) {
      info += format_values(true);
      out_ << info << "\n";
      out_.flush();
    }
  }
  last_update_ = now;
}

}  // namespace dl::keras::utils
