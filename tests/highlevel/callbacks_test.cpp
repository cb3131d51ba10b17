// Callbacks: the checkpoint path template, ModelCheckpoint, EarlyStopping, ReduceLROnPlateau,
// CSVLogger, LearningRateScheduler, TerminateOnNaN, LambdaCallback, History and the non-tty
// progress bar. Monitored values are scripted by a LambdaCallback placed first, so each rule is
// tested on exact numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>

#include "../testing/test_util.h"
#include "dl/highlevel/keras.h"
#include "keras_test_util.h"

namespace dl::keras {
namespace {

using callbacks::format_filepath;
using dl::testing::random_tensor;
using testing::contains;
using testing::message_of;
using namespace layers;

/// Captures std::cout while alive.
class CoutCapture {
 public:
  CoutCapture() : old_(std::cout.rdbuf(buf_.rdbuf())) {}
  ~CoutCapture() { std::cout.rdbuf(old_); }
  std::string str() const { return buf_.str(); }

 private:
  std::ostringstream buf_;
  std::streambuf* old_;
};

Tensor class_ids(int64_t n, int64_t classes) {
  Tensor t(DType::f32, Shape({n}));
  for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = float(i % classes);
  return t;
}

struct Fixture {
  std::unique_ptr<Sequential> model;
  Tensor x = random_tensor(Shape({16, 4}), 1);
  Tensor y = class_ids(16, 2);
  Fixture() {
    backend::clear_session();
    utils::set_random_seed(1);
    model = std::make_unique<Sequential>(std::initializer_list<std::shared_ptr<Layer>>{
        Dense(2, {.activation = "softmax", .input_shape = {4}})});
    model->compile({.optimizer = optimizers::SGD({.learning_rate = 0.1}),
                    .loss = "sparse_categorical_crossentropy",
                    .metrics = {"accuracy"}});
  }
  /// A callback that overwrites the epoch logs' `key` with scripted values.
  static callbacks::LambdaCallback script(const std::string& key, std::vector<double> values) {
    return callbacks::LambdaCallback({.on_epoch_end = [key, values](int e, Logs& logs) {
      logs.set(key, values[static_cast<size_t>(e) % values.size()]);
    }});
  }
};

TEST(KerasCallbacks, FilepathTemplatesFormatLikePython) {
  Logs logs{{"epoch", 3}, {"val_acc", 0.912345}, {"loss", 0.25}, {"val_loss", 1e-5}};
  EXPECT_EQ(format_filepath("m.{epoch:02d}-{val_acc:.4f}.hdf5", logs), "m.03-0.9123.hdf5");
  EXPECT_EQ(format_filepath("{epoch}_{loss}", logs), "3_0.25");
  EXPECT_EQ(format_filepath("{val_loss}", logs), "1e-05");
  EXPECT_EQ(format_filepath("{loss:.2e}|{loss:8.3f}|{loss:<7.2f}|{loss:+.1f}", logs),
            "2.50e-01|   0.250|0.25   |+0.2");
  EXPECT_EQ(format_filepath("{{literal}}-{epoch:>4}-{epoch:04}", logs), "{literal}-   3-0003");
  EXPECT_EQ(format_filepath("{val_acc:.1%}", logs), "91.2%");
  EXPECT_TRUE(contains(message_of([&] { format_filepath("x{epoch", logs); }), "Single '{'"));
  EXPECT_TRUE(contains(message_of([&] { format_filepath("{loss:d}", logs); }),
                       "Unknown format code 'd' for object of type 'float'"));
}

TEST(KerasCallbacks, ModelCheckpointSavesEveryEpochOrTheBest) {
  const std::string dir = ::testing::TempDir() + "/keras_ckpt";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Fixture f;
  auto every = std::make_shared<callbacks::ModelCheckpoint>(dir + "/all.{epoch:02d}.w");
  auto best = std::make_shared<callbacks::ModelCheckpoint>(
      dir + "/best.{epoch:02d}-{val_loss:.2f}.w",
      callbacks::ModelCheckpointOptions{.verbose = 1, .save_best_only = true});
  CoutCapture out;
  f.model->fit(f.x, f.y,
               {.epochs = 4,
                .verbose = 0,
                .callbacks = {Fixture::script("val_loss", {0.5, 0.25, 0.75, 0.125}), every, best}});
  for (int e = 1; e <= 4; ++e) {
    EXPECT_TRUE(std::filesystem::exists(dir + str_cat("/all.0", e, ".w"))) << e;
  }
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names,
            (std::vector<std::string>{"all.01.w", "all.02.w", "all.03.w", "all.04.w",
                                      "best.01-0.50.w", "best.02-0.25.w", "best.04-0.12.w"}));
  EXPECT_EQ(best->last_saved(), dir + "/best.04-0.12.w");
  const std::string text = out.str();
  EXPECT_TRUE(contains(text, "\nEpoch 1: val_loss improved from None to 0.50000, saving model to " +
                                 dir + "/best.01-0.50.w\n"))
      << text;
  EXPECT_TRUE(contains(text, "\nEpoch 3: val_loss did not improve from 0.25000\n")) << text;
  EXPECT_TRUE(contains(text, "\nEpoch 4: finished saving model to " + dir + "/best.04-0.12.w"))
      << text;
  // The saved weights are the model's at that epoch: the last file loads back the final ones.
  auto final_w = f.model->get_weights();
  f.model->set_weights(
      {Tensor::zeros(DType::f32, Shape({4, 2})), Tensor::zeros(DType::f32, Shape({2}))});
  f.model->load_weights(dir + "/all.04.w");
  EXPECT_TRUE(dl::testing::tensors_equal(f.model->get_weights()[0], final_w[0]));
  std::filesystem::remove_all(dir);
}

TEST(KerasCallbacks, CheckpointModeAutoFollowsTheMetricDirection) {
  const std::string dir = ::testing::TempDir() + "/keras_ckpt_auto";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Fixture f;
  auto best = std::make_shared<callbacks::ModelCheckpoint>(
      dir + "/b.{epoch}.w",
      callbacks::ModelCheckpointOptions{.monitor = "val_accuracy", .save_best_only = true});
  f.model->fit(f.x, f.y,
               {.epochs = 3,
                .verbose = 0,
                .callbacks = {Fixture::script("val_accuracy", {0.5, 0.4, 0.6}), best}});
  EXPECT_TRUE(std::filesystem::exists(dir + "/b.1.w"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/b.2.w"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/b.3.w"));
  // An unknown metric cannot pick a direction by itself (Keras 3).
  auto unknown = std::make_shared<callbacks::ModelCheckpoint>(
      dir + "/u.w", callbacks::ModelCheckpointOptions{.monitor = "val_f1"});
  EXPECT_TRUE(
      contains(message_of([&] { f.model->fit(f.x, f.y, {.verbose = 0, .callbacks = {unknown}}); }),
               "isn't able to automatically determine whether that metric should be "
               "maximized or minimized"));
  std::filesystem::remove_all(dir);
}

TEST(KerasCallbacks, EarlyStoppingWithPatienceRestoresTheBestWeights) {
  Fixture f;
  std::vector<std::vector<Tensor>> weights_at_end;
  callbacks::LambdaCallback record(
      {.on_epoch_end = [&](int, Logs&) { weights_at_end.push_back(f.model->get_weights()); }});
  auto stop = std::make_shared<callbacks::EarlyStopping>(
      callbacks::EarlyStoppingOptions{.patience = 2, .restore_best_weights = true});
  auto h = f.model->fit(
      f.x, f.y,
      {.epochs = 20,
       .verbose = 0,
       .callbacks = {Fixture::script("val_loss", {1.0, 0.5, 0.6, 0.55, 0.4}), record, stop}});
  // Best at epoch 1 (0.5); epochs 2 and 3 do not improve; training stops after epoch 3.
  EXPECT_EQ(h.epoch.size(), 4u);
  EXPECT_EQ(stop->stopped_epoch(), 3);
  EXPECT_EQ(stop->best_epoch(), 1);
  auto w = f.model->get_weights();
  EXPECT_TRUE(dl::testing::tensors_equal(w[0], weights_at_end[1][0]));
  // min_delta: 0.45 is not better than 0.5 by more than 0.1, so training stops after epoch 2.
  Fixture g;
  auto stop2 = std::make_shared<callbacks::EarlyStopping>(
      callbacks::EarlyStoppingOptions{.min_delta = 0.1, .patience = 1});
  auto h2 =
      g.model->fit(g.x, g.y,
                   {.epochs = 10,
                    .verbose = 0,
                    .callbacks = {Fixture::script("val_loss", {1.0, 0.5, 0.45, 0.1}), stop2}});
  EXPECT_EQ(h2.epoch.size(), 3u);
}

TEST(KerasCallbacks, ReduceLROnPlateauAndLearningRateScheduler) {
  Fixture f;
  auto plateau = std::make_shared<callbacks::ReduceLROnPlateau>(callbacks::ReduceLROnPlateauOptions{
      .factor = 0.5, .patience = 1, .cooldown = 1, .min_lr = 0.02});
  auto h = f.model->fit(
      f.x, f.y,
      {.epochs = 6,
       .verbose = 0,
       .callbacks = {Fixture::script("val_loss", {1.0, 1.0, 1.0, 1.0, 1.0, 1.0}), plateau}});
  // The logs hold the rate each epoch started with. Epoch 0 sets the best; 1: no improvement,
  // wait 1 >= patience -> 0.05, cooldown 1; 2: the cooldown ends in this epoch (Keras counts it
  // down before checking), wait 1 -> 0.025; 3: -> max(0.0125, min_lr) = 0.02; 4, 5: at min_lr.
  const auto& lr = h.history.at("learning_rate");
  ASSERT_EQ(lr.size(), 6u);
  const double want[] = {0.1, 0.1, 0.05, 0.025, 0.02, 0.02};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(lr[i], want[i], 1e-7) << i;
  EXPECT_NEAR(f.model->optimizer().learning_rate(), 0.02, 1e-7);

  Fixture g;
  callbacks::LearningRateScheduler sched(
      [](int epoch, double lr) { return epoch < 2 ? lr : lr * 0.1; });
  auto h2 = g.model->fit(g.x, g.y, {.epochs = 4, .verbose = 0, .callbacks = {sched}});
  const auto& lr2 = h2.history.at("learning_rate");
  EXPECT_NEAR(lr2[0], 0.1, 1e-7);
  EXPECT_NEAR(lr2[1], 0.1, 1e-7);
  EXPECT_NEAR(lr2[2], 0.01, 1e-8);
  EXPECT_NEAR(lr2[3], 0.001, 1e-9);
}

TEST(KerasCallbacks, ScheduledLearningRateCannotBeSet) {
  backend::clear_session();
  namespace S = optimizers::schedules;
  optimizers::SGD opt({.learning_rate = S::ExponentialDecay(
                           {.initial_learning_rate = 0.1, .decay_steps = 1, .decay_rate = 0.5})});
  EXPECT_TRUE(contains(message_of([&] { opt.set_learning_rate(0.3); }),
                       "hence its learning rate is not settable"));
}

TEST(KerasCallbacks, CSVLoggerWritesSortedColumns) {
  const std::string path = ::testing::TempDir() + "/keras_log.csv";
  Fixture f;
  f.model->fit(f.x, f.y,
               {.epochs = 2,
                .verbose = 0,
                .callbacks = {callbacks::CSVLogger(path)},
                .validation_split = 0.25});
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.substr(0, text.find('\n') + 1), "epoch,accuracy,loss,val_accuracy,val_loss\r\n");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
  EXPECT_EQ(text.substr(text.find('\n') + 1, 2), "0,");
  std::remove(path.c_str());
}

TEST(KerasCallbacks, TerminateOnNaNStopsAfterTheBatch) {
  Fixture f;
  std::vector<int64_t> batches;
  callbacks::LambdaCallback poison({.on_train_batch_end = [&](int64_t b, Logs& logs) {
    batches.push_back(b);
    if (b == 1) logs.set("loss", std::numeric_limits<double>::quiet_NaN());
  }});
  CoutCapture out;
  auto h = f.model->fit(f.x, f.y,
                        {.batch_size = 4,
                         .epochs = 3,
                         .verbose = 0,
                         .callbacks = {poison, callbacks::TerminateOnNaN()}});
  EXPECT_EQ(batches, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(h.epoch.size(), 1u);
  EXPECT_TRUE(contains(out.str(), "Batch 1: Invalid loss, terminating training")) << out.str();
  Fixture g;
  EXPECT_TRUE(contains(message_of([&] {
                         g.model->fit(g.x, g.y,
                                      {.batch_size = 4,
                                       .verbose = 0,
                                       .callbacks = {poison, callbacks::TerminateOnNaN(true)}});
                       }),
                       "NaN or Inf loss encountered at batch 1"));
}

TEST(KerasCallbacks, HooksRunInKerasOrderWithTheLogs) {
  Fixture f;
  std::vector<std::string> events;
  callbacks::LambdaCallback trace({
      .on_epoch_begin = [&](int e, Logs&) { events.push_back(str_cat("epoch_begin ", e)); },
      .on_epoch_end =
          [&](int e, Logs& l) { events.push_back(str_cat("epoch_end ", e, " ", l.keys().size())); },
      .on_train_batch_begin = [&](int64_t b, Logs&) { events.push_back(str_cat("batch ", b)); },
      .on_train_begin = [&](Logs&) { events.push_back("train_begin"); },
      .on_train_end = [&](Logs&) { events.push_back("train_end"); },
  });
  auto h = f.model->fit(
      f.x, f.y,
      {.batch_size = 8, .epochs = 2, .verbose = 0, .callbacks = {trace}, .validation_split = 0.5});
  EXPECT_EQ(events,
            (std::vector<std::string>{"train_begin", "epoch_begin 0", "batch 0", "epoch_end 0 4",
                                      "epoch_begin 1", "batch 0", "epoch_end 1 4", "train_end"}));
  EXPECT_EQ(h.history.at("loss").size(), 2u);
}

TEST(KerasCallbacks, ProgressBarDegradesToOneLinePerEpochWithoutATerminal) {
  Fixture f;
  std::ostringstream out;
  double t = 0;
  auto bar = std::make_shared<callbacks::ProgbarLogger>(callbacks::ProgbarLoggerOptions{
      .out = &out, .dynamic_display = 0, .clock = [&t] { return t += 0.5; }});
  f.model->fit(f.x, f.y, {.batch_size = 4, .epochs = 2, .verbose = 1, .callbacks = {bar}});
  const std::string s = out.str();
  EXPECT_EQ(s.find('\x1b'), std::string::npos);
  EXPECT_EQ(s.find('\b'), std::string::npos);
  EXPECT_EQ(s.find('\r'), std::string::npos);
  // "Epoch i/n" and one final line per epoch.
  EXPECT_EQ(std::count(s.begin(), s.end(), '\n'), 4) << s;
  // The clock: bar created at 0.5, batches at 1.0 .. 2.5, final line at 3.0: 2.5 s elapsed
  // ("%.0f" rounds half to even), (3.0 - 1.0) / 3 per step after the first.
  EXPECT_TRUE(contains(s, "Epoch 1/2\n4/4 ━━━━━━━━━━━━━━━━━━━━ 2s 667ms/step - accuracy: ")) << s;
}

}  // namespace
}  // namespace dl::keras
