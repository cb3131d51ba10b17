#include "dl/graph/saver.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "../testing/test_util.h"
#include "dl/graph/ops/state_ops.h"
#include "io_test_util.h"

namespace dl {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::error_of;
using testing::read_bytes;
using testing::write_bytes;

Variable make_var(Graph& g, const std::string& name, Tensor init) {
  return Variable(ops::constant(g, std::move(init), name + "_init"), {.name = name});
}

// Variables of every dtype, some with shapes that differ between the builds.
struct Model {
  explicit Model(Graph& g, Shape w_shape = Shape({2, 3}), DType w_dtype = DType::f32) {
    w = make_var(g, "w", Tensor::zeros(w_dtype, w_shape));
    b = make_var(g, "b", Tensor::zeros(DType::f64, Shape({3})));
    step = make_var(g, "step", Tensor::zeros(DType::i64, Shape{}));
    counts = make_var(g, "counts", Tensor::zeros(DType::i32, Shape({2, 2})));
    pixels = make_var(g, "pixels", Tensor::zeros(DType::u8, Shape({4})));
    mask = make_var(g, "mask", Tensor::zeros(DType::boolean, Shape({3})));
    empty = make_var(g, "empty", Tensor::zeros(DType::f32, Shape({0, 4})));
    init = global_variables_initializer(g);
  }
  std::vector<Variable> all() const { return {w, b, step, counts, pixels, mask, empty}; }
  Variable w, b, step, counts, pixels, mask, empty;
  Node* init;
};

// Values unlike the initial ones, so that a restore that did nothing is noticed.
void set_values(Session& s, const Model& m) {
  s.set_variable_value(m.w.op(), testing::random_tensor(Shape({2, 3}), 11));
  s.set_variable_value(m.b.op(), testing::random_tensor(Shape({3}), 12, -1, 1, DType::f64));
  s.set_variable_value(m.step.op(), Tensor::scalar<int64_t>(int64_t{1} << 40));
  s.set_variable_value(m.counts.op(),
                       Tensor::from_vector<int32_t>(Shape({2, 2}), {-7, 0, 3, 1 << 30}));
  s.set_variable_value(m.pixels.op(), Tensor::from_vector<uint8_t>(Shape({4}), {0, 17, 128, 255}));
  s.set_variable_value(m.mask.op(), Tensor::from_vector<bool>(Shape({3}), {true, false, true}));
  s.set_variable_value(m.empty.op(), Tensor::zeros(DType::f32, Shape({0, 4})));
}

void expect_same_values(Session& a, const Model& ma, Session& b, const Model& mb) {
  const auto va = ma.all(), vb = mb.all();
  for (size_t i = 0; i < va.size(); ++i) {
    EXPECT_TRUE(testing::tensors_equal(a.variable_value(va[i].op()), b.variable_value(vb[i].op())))
        << va[i].name();
  }
}

class SaverTest : public testing::TempDirTest {
 protected:
  // A checkpoint of Model with set_values, at path("ckpt").
  std::string write_reference_checkpoint() {
    Graph g;
    Model m(g);
    Session s(g);
    set_values(s, m);
    return train::Saver(g).save(s, path("ckpt"));
  }
  void expect_no_temporaries() {
    for (const auto& e : fs::directory_iterator(dir_)) {
      EXPECT_FALSE(contains(e.path().string(), ".tmp")) << e.path();
    }
  }
};

TEST_F(SaverTest, RoundTripsEveryDtypeIntoAFreshSessionAndGraph) {
  Graph g;
  Model m(g);
  Session s(g);
  set_values(s, m);
  train::Saver saver(g);
  const std::string p = saver.save(s, path("model.ckpt"));
  EXPECT_EQ(p, path("model.ckpt"));
  expect_no_temporaries();

  Session fresh(g);  // nothing initialised
  saver.restore(fresh, p);
  expect_same_values(s, m, fresh, m);

  Graph g2;
  Model m2(g2);
  Session s2(g2);
  s2.run(m2.init);
  train::Saver(g2).restore(s2, p);
  expect_same_values(s, m, s2, m2);

  const std::vector<train::CheckpointEntry> entries = train::read_checkpoint(p);
  ASSERT_EQ(entries.size(), 7u);
  EXPECT_EQ(entries[0].name, "b");  // sorted by name
}

TEST_F(SaverTest, VarListAndNameMapSelectWhatIsSaved) {
  Graph g;
  Model m(g);
  Session s(g);
  set_values(s, m);
  train::Saver(g, std::vector<Variable>{m.w}).save(s, path("only_w"));
  const auto entries = train::read_checkpoint(path("only_w"));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].name, "w");

  // Save under another name and restore into a differently named variable.
  train::Saver(g, std::map<std::string, Variable>{{"layer/kernel", m.w}}).save(s, path("mapped"));
  Graph g2;
  Variable other = make_var(g2, "other", Tensor::zeros(DType::f32, Shape({2, 3})));
  Session s2(g2);
  train::Saver(g2, std::map<std::string, Variable>{{"layer/kernel", other}})
      .restore(s2, path("mapped"));
  EXPECT_TRUE(testing::tensors_equal(s2.variable_value(other.op()), s.variable_value(m.w.op())));

  const std::string msg = error_of(
      [&] {
        train::Saver(g, std::vector<Variable>{m.w, m.w});
      },
      ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(msg, "'w' is listed twice")) << msg;
}

TEST_F(SaverTest, KeepsMaxToKeepAndRecordsTheLatest) {
  Graph g;
  Model m(g);
  Session s(g);
  s.run(m.init);
  EXPECT_EQ(train::latest_checkpoint(dir_.string()), std::nullopt);
  train::Saver saver(g, 2);
  for (int64_t step = 1; step <= 4; ++step) {
    EXPECT_EQ(saver.save(s, path("model.ckpt"), step * 100),
              path(str_cat("model.ckpt-", step * 100)));
  }
  EXPECT_FALSE(fs::exists(path("model.ckpt-100")));
  EXPECT_FALSE(fs::exists(path("model.ckpt-200")));
  EXPECT_TRUE(fs::exists(path("model.ckpt-300")));
  EXPECT_TRUE(fs::exists(path("model.ckpt-400")));
  EXPECT_EQ(saver.last_checkpoints(),
            (std::vector<std::string>{path("model.ckpt-300"), path("model.ckpt-400")}));
  EXPECT_EQ(train::latest_checkpoint(dir_.string()), path("model.ckpt-400"));
  const auto st = train::get_checkpoint_state(dir_.string());
  ASSERT_TRUE(st);
  EXPECT_EQ(st->model_checkpoint_path, "model.ckpt-400");
  EXPECT_EQ(st->all_model_checkpoint_paths,
            (std::vector<std::string>{"model.ckpt-300", "model.ckpt-400"}));
  EXPECT_TRUE(
      contains(read_bytes(path("checkpoint")), "model_checkpoint_path: \"model.ckpt-400\""));

  // Saving an existing step again moves it to the end without duplicating it.
  saver.save(s, path("model.ckpt"), 300);
  EXPECT_EQ(saver.last_checkpoints(),
            (std::vector<std::string>{path("model.ckpt-400"), path("model.ckpt-300")}));
  EXPECT_EQ(train::latest_checkpoint(dir_.string()), path("model.ckpt-300"));
  expect_no_temporaries();

  // The recorded checkpoint vanished: no latest one.
  fs::remove(path("model.ckpt-300"));
  EXPECT_EQ(train::latest_checkpoint(dir_.string()), std::nullopt);

  // max_to_keep = 0 keeps everything.
  train::Saver keep_all(g, 0);
  for (int step = 0; step < 7; ++step) keep_all.save(s, path("all"), step);
  EXPECT_EQ(keep_all.last_checkpoints().size(), 7u);
  for (int step = 0; step < 7; ++step) EXPECT_TRUE(fs::exists(path(str_cat("all-", step))));
}

TEST_F(SaverTest, MalformedStateFileIsDataLossNamingTheLine) {
  write_bytes(path("checkpoint"), "# comment\nmodel_checkpoint_path: \"a\"\nbogus line\n");
  std::string m = error_of([&] { train::latest_checkpoint(dir_.string()); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m, path("checkpoint")) && contains(m, "line 3")) << m;
  write_bytes(path("checkpoint"), "model_checkpoint_path: \"unterminated\n");
  m = error_of([&] { train::latest_checkpoint(dir_.string()); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m, "line 1")) << m;
  // Escapes round-trip.
  write_bytes(path("checkpoint"), "model_checkpoint_path: \"we\\\"ird\\\\na\\155e\"\n");
  EXPECT_EQ(train::get_checkpoint_state(dir_.string())->model_checkpoint_path, "we\"ird\\name");
}

TEST_F(SaverTest, TruncatedFilesAreDataLossAtEveryLength) {
  const std::string p = write_reference_checkpoint();
  const std::string bytes = read_bytes(p);
  Graph g;
  Model m(g);
  Session s(g);
  s.run(m.init);
  train::Saver saver(g);
  for (size_t n = 0; n < bytes.size(); ++n) {
    write_bytes(path("cut"), bytes.substr(0, n));
    const std::string msg = error_of([&] { saver.restore(s, path("cut")); }, ErrorCode::data_loss);
    ASSERT_TRUE(contains(msg, path("cut")) && contains(msg, str_cat("truncated at byte ", n)))
        << msg;
  }
  // A failed restore changed nothing.
  EXPECT_EQ(s.variable_value(m.w.op()).to_vector<float>(), std::vector<float>(6, 0.0f));
  // Trailing garbage is refused as well.
  write_bytes(path("long"), bytes + "x");
  const std::string msg = error_of([&] { saver.restore(s, path("long")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, "1 unexpected bytes")) << msg;
}

TEST_F(SaverTest, EveryFlippedByteIsDataLoss) {
  const std::string p = write_reference_checkpoint();
  const std::string bytes = read_bytes(p);
  Graph g;
  Model m(g);
  Session s(g);
  train::Saver saver(g);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x04);
    write_bytes(path("flipped"), bad);
    const std::string msg =
        error_of([&] { saver.restore(s, path("flipped")); }, ErrorCode::data_loss);
    ASSERT_TRUE(contains(msg, path("flipped"))) << "byte " << i << ": " << msg;
  }
  EXPECT_FALSE(s.is_initialized(m.w.op()));

  std::string bad = bytes;
  bad[0] = 'X';
  write_bytes(path("magic"), bad);
  std::string msg = error_of([&] { saver.restore(s, path("magic")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, "bad magic")) << msg;

  // The data of "w" (float32[2,3]) are 24 bytes; the last variable's data end 4 bytes before
  // the end of the file. Find them through the table and flip one.
  const auto entries = train::read_checkpoint(p);
  const Tensor& w = std::find_if(entries.begin(), entries.end(), [](const auto& e) {
                      return e.name == "w";
                    })->value;
  const size_t at = bytes.find(std::string(static_cast<const char*>(w.raw_data()), w.num_bytes()));
  ASSERT_NE(at, std::string::npos);
  bad = bytes;
  bad[at + 5] = static_cast<char>(bad[at + 5] ^ 1);
  write_bytes(path("w_flipped"), bad);
  msg = error_of([&] { saver.restore(s, path("w_flipped")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, "CRC mismatch for variable 'w'")) << msg;
}

TEST_F(SaverTest, RandomBytesNeverCrash) {
  const std::string bytes = read_bytes(write_reference_checkpoint());
  Graph g;
  Model m(g);
  Session s(g);
  train::Saver saver(g);
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = bytes;
    if (trial % 4 == 0) {
      bad.resize(rng() % 300);
      for (char& c : bad) c = static_cast<char>(rng());
      if (bad.size() >= 8 && trial % 8 == 0) bad.replace(0, 8, bytes.substr(0, 8));
    } else {
      for (int k = 0; k < 1 + trial % 5; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
    }
    write_bytes(path("fuzz"), bad);
    try {
      saver.restore(s, path("fuzz"));
    } catch (const Error&) {
    }
  }
}

TEST_F(SaverTest, MissingVariableIsNotFound) {
  Graph g;
  Model m(g);
  Session s(g);
  set_values(s, m);
  train::Saver(g, std::vector<Variable>{m.w, m.b}).save(s, path("wb"));
  const std::string msg =
      error_of([&] { train::Saver(g).restore(s, path("wb")); }, ErrorCode::not_found);
  EXPECT_TRUE(contains(msg, path("wb")) && contains(msg, "no variable 'counts'") &&
              contains(msg, "it holds 2: b, w"))
      << msg;
  const std::string absent =
      error_of([&] { train::Saver(g).restore(s, path("absent")); }, ErrorCode::not_found);
  EXPECT_TRUE(contains(absent, path("absent"))) << absent;
}

TEST_F(SaverTest, ShapeOrDtypeMismatchIsInvalidArgument) {
  const std::string p = write_reference_checkpoint();
  {
    Graph g;
    Model m(g, Shape({3, 2}));
    Session s(g);
    const std::string msg =
        error_of([&] { train::Saver(g).restore(s, p); }, ErrorCode::invalid_argument);
    EXPECT_TRUE(contains(msg, "variable 'w'") && contains(msg, "expected as float32[3,2]") &&
                contains(msg, "holds float32[2,3]"))
        << msg;
    EXPECT_FALSE(s.is_initialized(m.b.op()));  // nothing was loaded
  }
  {
    Graph g;
    Model m(g, Shape({2, 3}), DType::f64);
    Session s(g);
    const std::string msg =
        error_of([&] { train::Saver(g).restore(s, p); }, ErrorCode::invalid_argument);
    EXPECT_TRUE(contains(msg, "expected as float64[2,3]") && contains(msg, "holds float32[2,3]"))
        << msg;
  }
}

TEST_F(SaverTest, SaveRefusesUninitializedVariablesAndMissingDirectories) {
  Graph g;
  Model m(g);
  Session s(g);
  train::Saver saver(g);
  std::string msg = error_of([&] { saver.save(s, path("x")); }, ErrorCode::failed_precondition);
  EXPECT_TRUE(contains(msg, "'b' is not initialized")) << msg;
  EXPECT_FALSE(fs::exists(path("x")));
  s.run(m.init);
  msg = error_of([&] { saver.save(s, path("no/such/dir/x")); }, ErrorCode::not_found);
  EXPECT_TRUE(contains(msg, path("no/such/dir"))) << msg;
  expect_no_temporaries();

  Graph other;
  Session so(other);
  msg = error_of([&] { saver.save(so, path("x")); }, ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(msg, "another graph")) << msg;
}

}  // namespace
}  // namespace dl
