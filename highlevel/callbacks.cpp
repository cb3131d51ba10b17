#include "dl/highlevel/callbacks.h"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>

#include "dl/core/error.h"
#include "dl/highlevel/model.h"
#include "dl/highlevel/progbar.h"

namespace dl::keras {

// ---------------------------------------------------------------------------------------------
// Logs

bool Logs::contains(const std::string& key) const { return get(key).has_value(); }

std::optional<double> Logs::get(const std::string& key) const {
  for (const auto& [k, v] : items_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

double Logs::at(const std::string& key) const {
  if (auto v = get(key)) return *v;
  std::string keys;
  for (const auto& [k, v] : items_) keys += (keys.empty() ? "" : ",") + k;
  throw NotFound(str_cat("no log named '", key, "'; the logs hold: ", keys));
}

void Logs::set(const std::string& key, double value) {
  for (auto& [k, v] : items_) {
    if (k == key) {
      v = value;
      return;
    }
  }
  items_.emplace_back(key, value);
}

std::vector<std::string> Logs::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : items_) out.push_back(k);
  return out;
}

std::string Logs::to_string() const {
  std::string s = "{";
  for (size_t i = 0; i < items_.size(); ++i) {
    s += (i ? ", " : "") + items_[i].first + ": " + str_cat(items_[i].second);
  }
  return s + "}";
}

namespace callbacks {
namespace {

/// Python's repr of a float: the shortest digits that round-trip, in fixed notation when the
/// decimal exponent is in [-4, 16), else scientific with at least two exponent digits.
std::string py_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  const size_t epos = sci.find('e');
  std::string mant = sci.substr(0, epos);
  const int exp = std::stoi(sci.substr(epos + 1));
  std::string sign;
  if (mant[0] == '-') {
    sign = "-";
    mant = mant.substr(1);
  }
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits += c;
  }
  if (exp >= -4 && exp < 16) {
    std::string out;
    if (exp < 0) {
      out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
    } else if (static_cast<size_t>(exp) + 1 >= digits.size()) {
      out = digits + std::string(static_cast<size_t>(exp) + 1 - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<size_t>(exp) + 1) + "." +
            digits.substr(static_cast<size_t>(exp) + 1);
    }
    return sign + out;
  }
  std::string m = digits.size() > 1 ? digits.substr(0, 1) + "." + digits.substr(1) : digits;
  char e[16];
  std::snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
  return sign + m + e;
}

void write_line(const std::string& s) { std::cout << s << "\n" << std::flush; }

bool stdout_is_tty() { return ::isatty(STDOUT_FILENO) != 0; }

/// The comparison of a monitor (Keras 3: min for losses, the metric's direction otherwise,
/// an error when unknown; keras2: max when the name contains "acc").
bool monitor_greater(const std::string& mode, const std::string& monitor, const Model& model,
                     const char* who) {
  if (mode == "min") return false;
  if (mode == "max") return true;
  if (model.profile() == Profile::keras2) {
    return monitor.find("acc") != std::string::npos || monitor.rfind("fmeasure", 0) == 0;
  }
  std::string name = monitor.rfind("val_", 0) == 0 ? monitor.substr(4) : monitor;
  if (name == "loss" || (name.size() > 5 && name.substr(name.size() - 5) == "_loss")) return false;
  const std::string dir = model.metric_direction(monitor);
  if (dir == "up") return true;
  if (dir == "down") return false;
  throw InvalidArgument(
      str_cat(who, " callback received monitor=", monitor,
              ", but Keras isn't able to automatically determine whether that metric should be "
              "maximized or minimized. Pass `mode='max'` in order to monitor based on the highest "
              "metric value, or pass `mode='min'` in order to use the lowest value."));
}

void check_mode(const std::string& mode, const char* who) {
  if (mode != "auto" && mode != "min" && mode != "max") {
    throw InvalidArgument(str_cat(who, ": `mode` must be one of \"auto\", \"min\", \"max\"; ",
                                  "received \"", mode, "\""));
  }
}

std::string fmt5(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.5f", v);
  return buf;
}

}  // namespace

Model& Callback::model() const {
  if (!model_) {
    throw FailedPrecondition(
        "this callback is not attached to a model (it is only valid during "
        "fit, evaluate or predict)");
  }
  return *model_;
}

// ---------------------------------------------------------------------------------------------
// History

void History::on_train_begin(Logs&) {
  epoch.clear();
  history.clear();
  keys.clear();
}

void History::on_epoch_end(int e, Logs& logs) {
  epoch.push_back(e);
  for (const auto& [k, v] : logs.items()) {
    if (!history.count(k)) keys.push_back(k);
    history[k].push_back(v);
  }
}

// ---------------------------------------------------------------------------------------------
// ProgbarLogger

struct ProgbarLogger::State {
  std::unique_ptr<utils::Progbar> bar;
  int64_t seen = 0;
  int64_t target = -1;
  bool called_in_fit = false;
  int verbose = 1;
  int epochs = 1;
  Profile profile = Profile::keras3;
  std::vector<std::pair<std::string, double>> log_values;  // keras2
};

ProgbarLogger::ProgbarLogger(ProgbarLoggerOptions o)
    : o_(std::move(o)), s_(std::make_shared<State>()) {}
ProgbarLogger::~ProgbarLogger() = default;

void ProgbarLogger::reset() {
  s_->bar.reset();
  s_->seen = 0;
}

void ProgbarLogger::maybe_init() {
  if (s_->bar) return;
  std::ostream& out = o_.out ? *o_.out : std::cout;
  utils::ProgbarOptions po;
  po.verbose = s_->verbose;
  po.profile = s_->profile;
  po.dynamic_display =
      o_.dynamic_display >= 0 ? o_.dynamic_display != 0 : (&out == &std::cout && stdout_is_tty());
  po.clock = o_.clock;
  // Keras 2's Progbar averages what it is given (per-batch values); Keras 3's logger passes
  // running results, shown as they are.
  po.average_values = s_->profile == Profile::keras2;
  s_->bar = std::make_unique<utils::Progbar>(s_->target, out, po);
}

void ProgbarLogger::on_train_begin(Logs&) {
  s_->called_in_fit = true;
  s_->verbose = params().verbose;
  s_->epochs = params().epochs;
  s_->profile = model().profile();
}

void ProgbarLogger::on_epoch_begin(int epoch, Logs&) {
  reset();
  // Keras 2 counts samples (steps for fit_generator), Keras 3 steps.
  s_->target =
      s_->profile == Profile::keras2 && params().samples >= 0 ? params().samples : params().steps;
  maybe_init();
  std::ostream& out = o_.out ? *o_.out : std::cout;
  if (s_->verbose && (s_->profile == Profile::keras2 || s_->epochs > 1)) {
    out << "Epoch " << epoch + 1 << "/" << s_->epochs << "\n";
    out.flush();
  }
  s_->log_values.clear();
}

void ProgbarLogger::on_train_batch_end(int64_t batch, Logs& logs) {
  if (s_->profile == Profile::keras2) {
    // Keras 2.2.4: count samples, show this batch's values (the bar averages them), and leave
    // the last batch to on_epoch_end.
    if (s_->seen < s_->target) s_->log_values.clear();
    s_->seen += params().samples >= 0 ? static_cast<int64_t>(logs.get("size").value_or(0)) : 1;
    for (const std::string& k : params().metrics) {
      if (auto v = logs.get(k)) s_->log_values.emplace_back(k, *v);
    }
    if (s_->verbose && s_->seen < s_->target) s_->bar->update(s_->seen, s_->log_values);
    return;
  }
  update(batch, &logs);
}

void ProgbarLogger::on_epoch_end(int, Logs& logs) {
  if (s_->profile == Profile::keras2) {
    for (const std::string& k : params().metrics) {
      if (auto v = logs.get(k)) s_->log_values.emplace_back(k, *v);
    }
    if (s_->verbose) s_->bar->update(s_->seen, s_->log_values);
    return;
  }
  finalize(&logs);
}

void ProgbarLogger::on_test_begin(Logs&) {
  if (s_->called_in_fit) return;
  s_->verbose = params().verbose;
  s_->profile = model().profile();
  reset();
  s_->target = s_->profile == Profile::keras2 ? params().samples : params().steps;
  maybe_init();
}

void ProgbarLogger::on_test_batch_end(int64_t batch, Logs& logs) {
  if (s_->called_in_fit) return;
  if (s_->profile == Profile::keras2) {
    // Keras 2.2.4's test_loop shows the sample count only.
    s_->seen = std::min<int64_t>((batch + 1) * ((params().samples + params().steps - 1) /
                                                std::max<int64_t>(1, params().steps)),
                                 params().samples);
    if (s_->verbose == 1) s_->bar->update(s_->seen);
    return;
  }
  update(batch, &logs);
}

void ProgbarLogger::on_test_end(Logs& logs) {
  if (s_->called_in_fit) return;
  if (s_->profile == Profile::keras2) {
    if (s_->verbose == 1 && s_->seen < s_->target) s_->bar->update(s_->target);
    return;
  }
  finalize(&logs);
}

void ProgbarLogger::on_predict_begin(Logs&) {
  s_->verbose = params().verbose;
  s_->profile = model().profile();
  reset();
  s_->target = s_->profile == Profile::keras2 ? params().samples : params().steps;
  maybe_init();
}

void ProgbarLogger::on_predict_batch_end(int64_t batch, Logs&) {
  if (s_->profile == Profile::keras2) {
    s_->seen = std::min<int64_t>((batch + 1) * ((params().samples + params().steps - 1) /
                                                std::max<int64_t>(1, params().steps)),
                                 params().samples);
    if (s_->verbose == 1) s_->bar->update(s_->seen);
    return;
  }
  update(batch, nullptr);
}

void ProgbarLogger::on_predict_end(Logs&) {
  if (s_->profile == Profile::keras2) {
    if (s_->verbose == 1 && s_->seen < s_->target) s_->bar->update(s_->target);
    return;
  }
  finalize(nullptr);
}

void ProgbarLogger::update(int64_t batch, const Logs* logs) {
  maybe_init();
  s_->seen = batch + 1;
  if (s_->verbose == 1) {
    s_->bar->update(s_->seen, logs ? logs->items() : std::vector<std::pair<std::string, double>>{},
                    0);
  }
}

void ProgbarLogger::finalize(const Logs* logs) {
  maybe_init();
  if (s_->target < 0) {
    s_->target = s_->seen;
    s_->bar->set_target(s_->target);
  }
  s_->bar->update(s_->target, logs ? logs->items() : std::vector<std::pair<std::string, double>>{},
                  1);
}

// ---------------------------------------------------------------------------------------------
// format_filepath

std::string format_filepath(const std::string& pattern, const Logs& values,
                            const std::vector<std::string>& integers) {
  auto bad = [&](const std::string& why) -> InvalidArgument {
    return InvalidArgument(
        str_cat("Failed to format this callback filepath: \"", pattern, "\". Reason: ", why));
  };
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '{' && i + 1 < pattern.size() && pattern[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    if (c == '}' && i + 1 < pattern.size() && pattern[i + 1] == '}') {
      out += '}';
      ++i;
      continue;
    }
    if (c == '}') throw bad("Single '}' encountered in format string");
    if (c != '{') {
      out += c;
      continue;
    }
    const size_t close = pattern.find('}', i);
    if (close == std::string::npos) throw bad("Single '{' encountered in format string");
    const std::string field = pattern.substr(i + 1, close - i - 1);
    i = close;
    const size_t colon = field.find(':');
    const std::string key = field.substr(0, colon);
    const std::string spec = colon == std::string::npos ? "" : field.substr(colon + 1);
    auto value = values.get(key);
    if (!value) throw bad("'" + key + "'");
    const bool is_int = std::find(integers.begin(), integers.end(), key) != integers.end();
    // Python's format-spec mini-language: [[fill]align][sign][0][width][,][.precision][type]
    size_t p = 0;
    char fill = ' ', align = 0, sign = '-';
    auto is_align = [](char a) { return a == '<' || a == '>' || a == '^' || a == '='; };
    if (spec.size() >= 2 && is_align(spec[1])) {
      fill = spec[0];
      align = spec[1];
      p = 2;
    } else if (!spec.empty() && is_align(spec[0])) {
      align = spec[0];
      p = 1;
    }
    if (p < spec.size() && (spec[p] == '+' || spec[p] == '-' || spec[p] == ' ')) sign = spec[p++];
    if (p < spec.size() && spec[p] == '0') {
      if (!align) {
        fill = '0';
        align = '=';
      }
      ++p;
    }
    int width = 0;
    while (p < spec.size() && std::isdigit(static_cast<unsigned char>(spec[p]))) {
      width = width * 10 + (spec[p++] - '0');
    }
    int precision = -1;
    if (p < spec.size() && spec[p] == '.') {
      ++p;
      precision = 0;
      while (p < spec.size() && std::isdigit(static_cast<unsigned char>(spec[p]))) {
        precision = precision * 10 + (spec[p++] - '0');
      }
    }
    char type = 0;
    if (p < spec.size()) type = spec[p++];
    if (p != spec.size()) throw bad("Invalid format specifier '" + spec + "'");
    const double v = *value;
    std::string body;
    char buf[128];
    switch (type) {
      case 0:
      case 's':
        if (is_int) {
          body = std::to_string(static_cast<long long>(v));
        } else if (precision >= 0) {
          std::snprintf(buf, sizeof buf, "%.*g", precision, v);
          body = buf;
        } else {
          body = py_repr(v);
        }
        break;
      case 'd':
        if (!is_int && v != std::floor(v)) {
          throw bad(str_cat("Unknown format code 'd' for object of type 'float' (", key, ")"));
        }
        body = std::to_string(static_cast<long long>(v));
        break;
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G':
      case '%': {
        const double x = type == '%' ? v * 100 : v;
        const char t = type == '%' ? 'f' : type;
        const std::string f = str_cat("%.", precision < 0 ? 6 : precision, t);
        std::snprintf(buf, sizeof buf, f.c_str(), x);
        body = buf;
        if (type == '%') body += '%';
        break;
      }
      default:
        throw bad(str_cat("Unknown format code '", type, "' for field ", key));
    }
    std::string sign_str;
    if (!body.empty() && body[0] == '-') {
      sign_str = "-";
      body = body.substr(1);
    } else if (sign == '+') {
      sign_str = "+";
    } else if (sign == ' ') {
      sign_str = " ";
    }
    const int len = static_cast<int>(sign_str.size() + body.size());
    const int pad = std::max(0, width - len);
    if (!align) align = (type == 's' || (type == 0 && !is_int && false)) ? '<' : '>';
    if (align == '=') {
      out += sign_str + std::string(static_cast<size_t>(pad), fill) + body;
    } else if (align == '<') {
      out += sign_str + body + std::string(static_cast<size_t>(pad), fill);
    } else if (align == '^') {
      out += std::string(static_cast<size_t>(pad / 2), fill) + sign_str + body +
             std::string(static_cast<size_t>(pad - pad / 2), fill);
    } else {
      out += std::string(static_cast<size_t>(pad), fill) + sign_str + body;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ModelCheckpoint

ModelCheckpoint::ModelCheckpoint(std::string filepath, ModelCheckpointOptions o)
    : filepath_(std::move(filepath)), o_(std::move(o)) {
  check_mode(o_.mode, "ModelCheckpoint");
  DL_CHECK(!filepath_.empty(), "ModelCheckpoint: `filepath` is empty");
  if (!o_.save_weights_only) {
    throw Unimplemented(
        "ModelCheckpoint: saving the full model is not available yet; use save_weights_only "
        "(the default here)");
  }
}

void ModelCheckpoint::on_train_begin(Logs&) {
  greater_ = monitor_greater(o_.mode, o_.monitor, model(), "ModelCheckpoint");
  // Keras 3 starts from None (any value improves); Keras 2 from -inf / inf.
  best_ = o_.initial_value_threshold;
  if (!best_ && model().profile() == Profile::keras2) {
    best_ = greater_ ? -std::numeric_limits<double>::infinity()
                     : std::numeric_limits<double>::infinity();
  }
}

void ModelCheckpoint::on_epoch_end(int epoch, Logs& logs) {
  Logs fields;
  fields.set("epoch", epoch + 1);
  for (const auto& [k, v] : logs.items()) fields.set(k, v);
  const std::string path = format_filepath(filepath_, fields);
  const bool keras2 = model().profile() == Profile::keras2;
  auto epoch_str = [&] {
    char buf[32];
    std::snprintf(buf, sizeof buf, keras2 ? "%05d" : "%d", epoch + 1);
    return std::string(buf);
  };
  bool save = true;
  if (o_.save_best_only) {
    auto current = logs.get(o_.monitor);
    if (!current) {
      std::cerr << "WARNING: Can save best model only with " << o_.monitor
                << " available, skipping.\n";
      save = false;
    } else {
      const bool improved = !best_ || (greater_ ? *current > *best_ : *current < *best_);
      const std::string best_str = best_ ? fmt5(*best_) : std::string("None");
      if (improved) {
        if (o_.verbose > 0) {
          write_line(str_cat("\nEpoch ", epoch_str(), ": ", o_.monitor, " improved from ", best_str,
                             " to ", fmt5(*current), ", saving model to ", path));
        }
        best_ = *current;
      } else {
        if (o_.verbose > 0) {
          write_line(str_cat("\nEpoch ", epoch_str(), ": ", o_.monitor, " did not improve from ",
                             best_str));
        }
        save = false;
      }
    }
  } else if (o_.verbose > 0) {
    write_line(str_cat("\nEpoch ", epoch_str(), ": saving model to ", path));
  }
  if (!save) return;
  model().save_weights(path);
  last_saved_ = path;
  if (o_.verbose > 0 && !keras2) {
    write_line(str_cat("\nEpoch ", epoch + 1, ": finished saving model to ", path));
  }
}

// ---------------------------------------------------------------------------------------------
// EarlyStopping

EarlyStopping::EarlyStopping(EarlyStoppingOptions o) : o_(std::move(o)) {
  check_mode(o_.mode, "EarlyStopping");
  o_.min_delta = std::fabs(o_.min_delta);
}

void EarlyStopping::on_train_begin(Logs&) {
  greater_ = monitor_greater(o_.mode, o_.monitor, model(), "EarlyStopping");
  wait_ = 0;
  stopped_epoch_ = 0;
  best_.reset();
  if (o_.baseline) best_ = o_.baseline;
  best_weights_.clear();
  best_epoch_ = 0;
}

void EarlyStopping::on_epoch_end(int epoch, Logs& logs) {
  auto current = logs.get(o_.monitor);
  if (!current) {
    std::string keys;
    for (const auto& k : logs.keys()) keys += (keys.empty() ? "" : ",") + k;
    std::cerr << "WARNING: Early stopping conditioned on metric `" << o_.monitor
              << "` which is not available. Available metrics are: " << keys << "\n";
    return;
  }
  if (epoch < o_.start_from_epoch) return;
  if (o_.restore_best_weights && best_weights_.empty()) {
    best_weights_ = model().get_weights();
    best_epoch_ = epoch;
  }
  // Keras 3: improvement when (current - min_delta) beats the best (the delta's sign follows
  // the direction).
  auto improves = [&](double value, std::optional<double> ref) {
    if (!ref) return true;
    return greater_ ? value - o_.min_delta > *ref : value + o_.min_delta < *ref;
  };
  ++wait_;
  if (improves(*current, best_)) {
    best_ = *current;
    best_epoch_ = epoch;
    if (o_.restore_best_weights) best_weights_ = model().get_weights();
    if (!o_.baseline || improves(*current, o_.baseline)) wait_ = 0;
    return;
  }
  if (wait_ >= o_.patience && epoch > 0) {
    stopped_epoch_ = epoch;
    model().stop_training = true;
  }
}

void EarlyStopping::on_train_end(Logs&) {
  if (stopped_epoch_ > 0 && o_.verbose > 0) {
    write_line(str_cat("Epoch ", stopped_epoch_ + 1, ": early stopping"));
  }
  if (o_.restore_best_weights && !best_weights_.empty()) {
    if (o_.verbose > 0) {
      write_line(str_cat(
          "Restoring model weights from the end of the best epoch: ", best_epoch_ + 1, "."));
    }
    model().set_weights(best_weights_);
  }
}

// ---------------------------------------------------------------------------------------------
// ReduceLROnPlateau

ReduceLROnPlateau::ReduceLROnPlateau(ReduceLROnPlateauOptions o) : o_(std::move(o)) {
  check_mode(o_.mode, "ReduceLROnPlateau");
  if (o_.factor >= 1.0) {
    throw InvalidArgument(
        str_cat("ReduceLROnPlateau does not support a factor >= 1.0. Received "
                "factor=",
                o_.factor));
  }
  o_.min_delta = std::fabs(o_.min_delta);
}

void ReduceLROnPlateau::on_train_begin(Logs&) {
  greater_ = monitor_greater(o_.mode, o_.monitor, model(), "ReduceLROnPlateau");
  best_ =
      greater_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  wait_ = 0;
  cooldown_counter_ = 0;
}

void ReduceLROnPlateau::on_epoch_end(int epoch, Logs& logs) {
  auto& opt = model().optimizer();
  logs.set("learning_rate", opt.learning_rate());
  auto current = logs.get(o_.monitor);
  if (!current) {
    std::string keys;
    for (const auto& k : logs.keys()) keys += (keys.empty() ? "" : ",") + k;
    std::cerr << "WARNING: Learning rate reduction is conditioned on metric `" << o_.monitor
              << "` which is not available. Available metrics are: " << keys << ".\n";
    return;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    wait_ = 0;
  }
  const bool improved =
      greater_ ? *current - o_.min_delta > best_ : *current + o_.min_delta < best_;
  if (improved) {
    best_ = *current;
    wait_ = 0;
  } else if (cooldown_counter_ <= 0) {
    ++wait_;
    if (wait_ >= o_.patience) {
      const double old_lr = opt.learning_rate();
      if (old_lr > static_cast<double>(static_cast<float>(o_.min_lr))) {
        const double new_lr = std::max(old_lr * o_.factor, o_.min_lr);
        opt.set_learning_rate(new_lr);
        if (o_.verbose > 0) {
          write_line(str_cat("\nEpoch ", epoch + 1,
                             ": ReduceLROnPlateau reducing learning rate to ", py_repr(new_lr),
                             "."));
        }
        cooldown_counter_ = o_.cooldown;
        wait_ = 0;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CSVLogger

CSVLogger::CSVLogger(std::string filename, CSVLoggerOptions o)
    : filename_(std::move(filename)), o_(o) {}

void CSVLogger::on_train_begin(Logs&) {
  bool write_header = true;
  if (o_.append) {
    std::ifstream in(filename_);
    std::string first;
    if (in && std::getline(in, first) && !first.empty()) write_header = false;
  }
  auto f = std::make_shared<std::ofstream>(
      filename_, o_.append ? std::ios::app | std::ios::binary : std::ios::trunc | std::ios::binary);
  if (!*f) {
    throw FailedPrecondition(str_cat("CSVLogger: cannot open '", filename_, "' for writing"));
  }
  file_ = f;
  keys_.clear();
  header_written_ = !write_header;
}

void CSVLogger::on_epoch_end(int epoch, Logs& logs) {
  if (!file_) return;
  if (keys_.empty()) {
    keys_ = logs.keys();
    std::sort(keys_.begin(), keys_.end());
    bool val = false;
    for (const auto& k : keys_) val = val || k.rfind("val_", 0) == 0;
    if (!val && !keys_.empty()) {
      const size_t n = keys_.size();
      for (size_t i = 0; i < n; ++i) keys_.push_back("val_" + keys_[i]);
    }
  }
  // Python's csv module (excel dialect): CRLF line ends.
  if (!header_written_) {
    *file_ << "epoch";
    for (const auto& k : keys_) *file_ << o_.separator << k;
    *file_ << "\r\n";
    header_written_ = true;
  }
  *file_ << epoch;
  for (const auto& k : keys_) {
    auto v = logs.get(k);
    *file_ << o_.separator << (v ? py_repr(*v) : std::string("NA"));
  }
  *file_ << "\r\n";
  file_->flush();
}

void CSVLogger::on_train_end(Logs&) { file_.reset(); }

// ---------------------------------------------------------------------------------------------
// LearningRateScheduler, TerminateOnNaN, LambdaCallback

LearningRateScheduler::LearningRateScheduler(std::function<double(int, double)> schedule,
                                             int verbose)
    : schedule_(std::move(schedule)), verbose_(verbose) {
  DL_CHECK(schedule_ != nullptr, "LearningRateScheduler: the schedule function is empty");
}

void LearningRateScheduler::on_epoch_begin(int epoch, Logs&) {
  auto& opt = model().optimizer();
  const double lr = schedule_(epoch, opt.learning_rate());
  opt.set_learning_rate(lr);
  if (verbose_ > 0) {
    write_line(str_cat("\nEpoch ", epoch + 1, ": LearningRateScheduler setting learning rate to ",
                       py_repr(lr), "."));
  }
}

void LearningRateScheduler::on_epoch_end(int, Logs& logs) {
  logs.set("learning_rate", model().optimizer().learning_rate());
}

void TerminateOnNaN::on_train_batch_end(int64_t batch, Logs& logs) {
  auto loss = logs.get("loss");
  if (!loss || std::isfinite(*loss)) return;
  if (raise_error_) {
    throw InvalidArgument(str_cat("NaN or Inf loss encountered at batch ", batch, ". Loss value: ",
                                  py_repr(*loss), ". Terminating training immediately."));
  }
  write_line(str_cat("Batch ", batch, ": Invalid loss, terminating training"));
  model().stop_training = true;
}

void LambdaCallback::on_epoch_begin(int e, Logs& l) {
  if (o_.on_epoch_begin) o_.on_epoch_begin(e, l);
}
void LambdaCallback::on_epoch_end(int e, Logs& l) {
  if (o_.on_epoch_end) o_.on_epoch_end(e, l);
}
void LambdaCallback::on_train_batch_begin(int64_t b, Logs& l) {
  if (o_.on_train_batch_begin) o_.on_train_batch_begin(b, l);
}
void LambdaCallback::on_train_batch_end(int64_t b, Logs& l) {
  if (o_.on_train_batch_end) o_.on_train_batch_end(b, l);
}
void LambdaCallback::on_train_begin(Logs& l) {
  if (o_.on_train_begin) o_.on_train_begin(l);
}
void LambdaCallback::on_train_end(Logs& l) {
  if (o_.on_train_end) o_.on_train_end(l);
}

}  // namespace callbacks
}  // namespace dl::keras
