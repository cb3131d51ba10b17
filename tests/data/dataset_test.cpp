#include "dl/core/data/dataset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <thread>

#include "../io/io_test_util.h"
#include "dl/core/data/content_hash.h"
#include "dl/core/data/permutation.h"

namespace dl {
namespace {

using data::Dataset;
using data::Element;
using testing::contains;
using testing::error_of;

// The int64 scalars of a dataset of range() elements, one epoch.
std::vector<int64_t> values(const Dataset& ds, int64_t epoch = 0) {
  std::vector<int64_t> out;
  data::Iterator it = ds.make_iterator(epoch);
  while (auto e = it.next()) out.push_back((*e)[0].data<int64_t>()[0]);
  return out;
}

std::vector<int64_t> iota(int64_t n, int64_t start = 0) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), start);
  return v;
}

TEST(Dataset, FromTensorSlicesYieldsRowViews) {
  Tensor x = Tensor::from_vector<float>(Shape({3, 2}), {1, 2, 3, 4, 5, 6});
  Tensor y = Tensor::from_vector<int32_t>(Shape({3}), {7, 8, 9});
  Dataset ds = Dataset::from_tensor_slices({x, y});
  EXPECT_EQ(ds.cardinality(), 3);
  data::Iterator it = ds.make_iterator();
  auto e = it.next();
  ASSERT_TRUE(e);
  ASSERT_EQ(e->size(), 2u);
  EXPECT_EQ((*e)[0].shape(), Shape({2}));
  EXPECT_EQ((*e)[0].to_vector<float>(), (std::vector<float>{1, 2}));
  EXPECT_EQ((*e)[1].shape(), Shape{});
  EXPECT_EQ((*e)[1].to_vector<int32_t>(), (std::vector<int32_t>{7}));
  EXPECT_TRUE((*e)[0].shares_buffer_with(x));
  EXPECT_TRUE(it.next());
  EXPECT_TRUE(it.next());
  EXPECT_FALSE(it.next());
  EXPECT_FALSE(it.next());  // stays at the end
  EXPECT_EQ(it.position(), 3);
}

TEST(Dataset, FromTensorSlicesNamesBothCountsWhenTheyDiffer) {
  Tensor x = Tensor::zeros(DType::f32, Shape({60000, 4}));
  Tensor y = Tensor::zeros(DType::u8, Shape({59999}));
  const std::string msg = error_of(
      [&] {
        Dataset::from_tensor_slices({x, y});
      },
      ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(msg, "tensor 1 has 59999 rows")) << msg;
  EXPECT_TRUE(contains(msg, "tensor 0 has 60000")) << msg;
  EXPECT_TRUE(contains(msg, "uint8[59999]")) << msg;
  EXPECT_TRUE(contains(error_of([] { Dataset::from_tensor_slices({Tensor::scalar(1.0f)}); },
                                ErrorCode::invalid_argument),
                       "scalar"));
}

TEST(Dataset, BatchStacksAndKeepsThePartialBatch) {
  Tensor x = Tensor::from_vector<float>(Shape({5, 2}), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  Dataset ds = Dataset::from_tensor_slices({x}).batch(2);
  EXPECT_EQ(ds.cardinality(), 3);
  data::Iterator it = ds.make_iterator();
  std::vector<Shape> shapes;
  while (auto b = it.next()) shapes.push_back((*b)[0].shape());
  EXPECT_EQ(shapes, (std::vector<Shape>{Shape({2, 2}), Shape({2, 2}), Shape({1, 2})}));

  Dataset dropped = Dataset::from_tensor_slices({x}).batch(2, /*drop_remainder=*/true);
  EXPECT_EQ(dropped.cardinality(), 2);
  data::Iterator it2 = dropped.make_iterator();
  auto b0 = it2.get_next();
  EXPECT_EQ(b0[0].to_vector<float>(), (std::vector<float>{0, 1, 2, 3}));
  auto b1 = it2.get_next();
  EXPECT_EQ(b1[0].to_vector<float>(), (std::vector<float>{4, 5, 6, 7}));
  EXPECT_FALSE(it2.next());
}

TEST(Dataset, BatchOfMismatchedShapesNamesTheElementAndBothShapes) {
  int i = 0;
  Dataset ds = Dataset::from_generator([&i]() -> std::optional<Element> {
                 if (i >= 6) return std::nullopt;
                 const int64_t c = (i++ == 4) ? 1 : 3;  // input element 4 is grey
                 return Element{Tensor::zeros(DType::u8, Shape({8, 8, c}))};
               }).batch(3);
  data::Iterator it = ds.make_iterator();
  EXPECT_TRUE(it.next());
  const std::string msg = error_of([&] { it.next(); }, ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(msg, "element 1 of batch 1 (input element 4)")) << msg;
  EXPECT_TRUE(contains(msg, "uint8[8,8,1]")) << msg;
  EXPECT_TRUE(contains(msg, "uint8[8,8,3]")) << msg;
}

TEST(Dataset, RepeatTakeSkip) {
  EXPECT_EQ(values(Dataset::range(3).repeat(2)), (std::vector<int64_t>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(Dataset::range(3).repeat(2).cardinality(), 6);
  EXPECT_EQ(Dataset::range(3).repeat().cardinality(), data::kInfiniteCardinality);
  EXPECT_EQ(values(Dataset::range(3).repeat().take(7)),
            (std::vector<int64_t>{0, 1, 2, 0, 1, 2, 0}));
  EXPECT_EQ(Dataset::range(3).repeat().take(7).cardinality(), 7);
  EXPECT_EQ(values(Dataset::range(10).skip(7)), (std::vector<int64_t>{7, 8, 9}));
  EXPECT_EQ(Dataset::range(10).skip(7).cardinality(), 3);
  EXPECT_EQ(values(Dataset::range(10).skip(20)), std::vector<int64_t>{});
  EXPECT_EQ(values(Dataset::range(10).take(-1)), iota(10));
  EXPECT_EQ(values(Dataset::range(10).skip(-1)), std::vector<int64_t>{});
  EXPECT_EQ(values(Dataset::range(0).repeat()), std::vector<int64_t>{});  // no endless loop
  EXPECT_EQ(values(Dataset::range(10).skip(2).take(3)), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(values(Dataset::range(2, 10, 3)), (std::vector<int64_t>{2, 5, 8}));
  EXPECT_EQ(Dataset::range(2, 10, 3).cardinality(), 3);
  EXPECT_EQ(values(Dataset::range(5, 0, -2)), (std::vector<int64_t>{5, 3, 1}));
  EXPECT_EQ(Dataset::range(5, 0, -2).cardinality(), 3);
  EXPECT_EQ(Dataset::range(10).batch(4).repeat(2).cardinality(), 6);
  EXPECT_EQ(Dataset::range(10).filter([](const Element&) { return true; }).cardinality(),
            data::kUnknownCardinality);
}

TEST(Dataset, ShuffleIsReproducibleFromItsSeed) {
  const auto a = values(Dataset::range(100).shuffle(10, 42));
  const auto b = values(Dataset::range(100).shuffle(10, 42));
  const auto c = values(Dataset::range(100).shuffle(10, 43));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, iota(100));
  EXPECT_NE(a, iota(100));
  // A buffer of one keeps the order.
  EXPECT_EQ(values(Dataset::range(20).shuffle(1, 7)), iota(20));
}

TEST(Dataset, ShuffleBufferLimitsHowFarAnElementMoves) {
  // With a buffer of b, the element drawn at position i was among the first i + b inputs.
  const auto order = values(Dataset::range(1000).shuffle(16, 5));
  for (size_t i = 0; i < order.size(); ++i) {
    EXPECT_LT(order[i], static_cast<int64_t>(i) + 16) << "position " << i;
  }
}

TEST(Dataset, ShuffleDrawsANewOrderEachEpochUnlessToldNotTo) {
  Dataset ds = Dataset::range(50).shuffle(50, 9);
  EXPECT_NE(values(ds, 0), values(ds, 1));
  EXPECT_EQ(values(ds, 1), values(ds, 1));
  data::Iterator it = ds.make_iterator();
  std::vector<int64_t> epoch0, epoch1;
  while (auto e = it.next()) epoch0.push_back((*e)[0].data<int64_t>()[0]);
  it.reset();
  EXPECT_EQ(it.epoch(), 1);
  while (auto e = it.next()) epoch1.push_back((*e)[0].data<int64_t>()[0]);
  EXPECT_EQ(epoch0, values(ds, 0));
  EXPECT_EQ(epoch1, values(ds, 1));

  Dataset fixed = Dataset::range(50).shuffle(50, 9, /*reshuffle_each_iteration=*/false);
  EXPECT_EQ(values(fixed, 0), values(fixed, 3));

  // Inside repeat(), each repetition is reshuffled.
  const auto twice = values(Dataset::range(20).shuffle(20, 3).repeat(2));
  ASSERT_EQ(twice.size(), 40u);
  EXPECT_NE(std::vector<int64_t>(twice.begin(), twice.begin() + 20),
            std::vector<int64_t>(twice.begin() + 20, twice.end()));
}

TEST(Dataset, ParallelMapKeepsTheInputOrder) {
  auto square = [](Element e) {
    const int64_t v = e[0].data<int64_t>()[0];
    // Later elements finish first, so an unordered map would reorder them.
    std::this_thread::sleep_for(std::chrono::microseconds(v % 5 == 0 ? 300 : 0));
    return Element{Tensor::scalar<int64_t>(v * v)};
  };
  std::vector<int64_t> expected;
  for (int64_t i = 0; i < 64; ++i) expected.push_back(i * i);
  EXPECT_EQ(values(Dataset::range(64).map(square)), expected);
  EXPECT_EQ(values(Dataset::range(64).map(square, 4)), expected);
  EXPECT_EQ(values(Dataset::range(64).map(square, data::kAutotune).prefetch(3)), expected);
}

TEST(Dataset, BatchHashesDoNotDependOnTheThreadCount) {
  auto make = [](int threads) {
    Tensor x = Tensor::zeros(DType::f32, Shape({200, 3}));
    for (int64_t i = 0; i < x.num_elements(); ++i) x.data<float>()[i] = static_cast<float>(i);
    Dataset ds = Dataset::from_tensor_slices({x})
                     .shuffle(64, 11)
                     .map([](Element e) { return Element{e[0].cast(DType::f64)}; }, threads)
                     .batch(32)
                     .prefetch(2);
    std::vector<uint64_t> hashes;
    data::Iterator it = ds.make_iterator();
    while (auto b = it.next()) hashes.push_back(data::content_hash(*b));
    return hashes;
  };
  const auto one = make(1);
  EXPECT_EQ(one.size(), 7u);
  EXPECT_EQ(make(3), one);
  EXPECT_EQ(make(8), one);
}

struct MapFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

TEST(Dataset, AnExceptionInMapSurfacesInNextAndTheIteratorGoesOn) {
  for (int threads : {1, 4}) {
    for (bool prefetch : {false, true}) {
      Dataset ds = Dataset::range(20).map(
          [](Element e) {
            if (e[0].data<int64_t>()[0] == 7) throw MapFailure("bad element 7");
            return e;
          },
          threads);
      if (prefetch) ds = ds.prefetch(2);
      data::Iterator it = ds.make_iterator();
      std::vector<int64_t> got;
      int failures = 0;
      for (;;) {
        try {
          auto e = it.next();
          if (!e) break;
          got.push_back((*e)[0].data<int64_t>()[0]);
        } catch (const MapFailure& f) {
          EXPECT_STREQ(f.what(), "bad element 7");
          EXPECT_EQ(got.size(), 7u) << "the error arrives in order";
          ++failures;
        }
      }
      EXPECT_EQ(failures, 1) << threads << " threads, prefetch " << prefetch;
      EXPECT_EQ(got.size(), 19u);
    }
  }
}

TEST(Dataset, DestroyingAnIteratorMidEpochStopsItsThreads) {
  auto calls = std::make_shared<std::atomic<int>>(0);
  Dataset ds = Dataset::range(1000000)
                   .map(
                       [calls](Element e) {
                         calls->fetch_add(1);
                         std::this_thread::sleep_for(std::chrono::microseconds(200));
                         if (e[0].data<int64_t>()[0] % 3 == 0) throw MapFailure("every third");
                         return e;
                       },
                       4)
                   .batch(8)
                   .prefetch(4);
  {
    data::Iterator it = ds.make_iterator();
    EXPECT_THROW(it.next(), MapFailure);
  }  // destroyed while the producer thread and the map pool are busy
  const int after = calls->load();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(calls->load(), after) << "no map call may start after the iterator is gone";
  EXPECT_LT(after, 1000);

  data::Iterator it = ds.make_iterator();
  EXPECT_THROW(it.next(), MapFailure);
  it.reset();  // reset also stops the old pipeline
  EXPECT_THROW(it.next(), MapFailure);
}

TEST(Dataset, PrefetchGivesTheSameElements) {
  Dataset ds = Dataset::range(37).shuffle(10, 1).batch(4);
  std::vector<uint64_t> plain, prefetched;
  for (auto [d, out] : {std::pair{ds, &plain}, std::pair{ds.prefetch(3), &prefetched}}) {
    data::Iterator it = d.make_iterator();
    while (auto b = it.next()) out->push_back(data::content_hash(*b));
  }
  EXPECT_EQ(plain, prefetched);
  EXPECT_EQ(plain.size(), 10u);
}

TEST(Dataset, GeneratorsAndFactories) {
  int n = 0;
  Dataset once = Dataset::from_generator([&n]() -> std::optional<Element> {
    if (n >= 3) return std::nullopt;
    return Element{Tensor::scalar<int64_t>(n++)};
  });
  EXPECT_EQ(once.cardinality(), data::kUnknownCardinality);
  EXPECT_EQ(values(once), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(values(once), std::vector<int64_t>{});  // the same, exhausted function

  Dataset fresh = Dataset::from_generator_factory([] {
    auto i = std::make_shared<int64_t>(0);
    return data::Generator([i]() -> std::optional<Element> {
      if (*i >= 3) return std::nullopt;
      return Element{Tensor::scalar<int64_t>((*i)++)};
    });
  });
  EXPECT_EQ(values(fresh), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(values(fresh.repeat(2)), (std::vector<int64_t>{0, 1, 2, 0, 1, 2}));
}

TEST(Dataset, GetNextThrowsOutOfRangeAtTheEnd) {
  data::Iterator it = Dataset::range(2).make_iterator();
  it.get_next();
  it.get_next();
  const std::string msg = error_of([&] { it.get_next(); }, ErrorCode::out_of_range);
  EXPECT_TRUE(contains(msg, "End of sequence")) << msg;
  it.reset();
  EXPECT_EQ(it.get_next()[0].data<int64_t>()[0], 0);
  data::Iterator empty;
  EXPECT_THROW(empty.next(), FailedPrecondition);
}

TEST(Dataset, ZipFilterStringsAndDescribe) {
  Dataset names = Dataset::from_strings({"a.jpg", "b.png", "c.jpg"});
  Dataset labels =
      Dataset::from_tensor_slices({Tensor::from_vector<int32_t>(Shape({4}), {0, 1, 2, 3})});
  Dataset ds = Dataset::zip({names, labels}).filter([](const Element& e) {
    return data::tensor_string(e[0]).ends_with(".jpg");
  });
  data::Iterator it = ds.make_iterator();
  auto a = it.get_next();
  EXPECT_EQ(data::tensor_string(a[0]), "a.jpg");
  EXPECT_EQ(a[1].data<int32_t>()[0], 0);
  auto c = it.get_next();
  EXPECT_EQ(data::tensor_string(c[0]), "c.jpg");
  EXPECT_EQ(c[1].data<int32_t>()[0], 2);
  EXPECT_FALSE(it.next());
  EXPECT_EQ(Dataset::zip({names, labels}).cardinality(), 3);
  EXPECT_EQ(Dataset::range(10)
                .shuffle(5, 1)
                .map([](Element e) { return e; }, 2)
                .batch(4)
                .prefetch(2)
                .describe(),
            "Range(0, 10, 1) -> Shuffle(5) -> Map(2) -> Batch(4) -> Prefetch(2)");
  EXPECT_TRUE(contains(
      error_of([] { data::tensor_string(Tensor::scalar(1.0f)); }, ErrorCode::invalid_argument),
      "float32[]"));
}

class ListFiles : public testing::TempDirTest {};

TEST_F(ListFiles, MatchesGlobsAndDirectoriesInSortedOrder) {
  std::filesystem::create_directories(dir_ / "cats");
  std::filesystem::create_directories(dir_ / "dogs");
  for (const char* f : {"cats/b.jpg", "cats/a.jpg", "dogs/c.jpg", "dogs/notes.txt"}) {
    std::ofstream(dir_ / f) << "x";
  }
  auto names = [](const Dataset& ds, int64_t epoch = 0) {
    std::vector<std::string> out;
    data::Iterator it = ds.make_iterator(epoch);
    while (auto e = it.next()) out.push_back(data::tensor_string((*e)[0]));
    return out;
  };
  const std::vector<std::string> sorted = {path("cats/a.jpg"), path("cats/b.jpg"),
                                           path("dogs/c.jpg")};
  EXPECT_EQ(names(Dataset::list_files(path("*/*.jpg"), /*shuffle=*/false)), sorted);
  EXPECT_EQ(names(Dataset::list_files(path("cats"), false)),
            (std::vector<std::string>{path("cats/a.jpg"), path("cats/b.jpg")}));
  Dataset shuffled = Dataset::list_files(path("*/*"), true, 3);
  EXPECT_EQ(names(shuffled), names(Dataset::list_files(path("*/*"), true, 3)));
  auto all = names(shuffled);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all.size(), 4u);
  const std::string msg =
      error_of([&] { Dataset::list_files(path("*.png")); }, ErrorCode::not_found);
  EXPECT_TRUE(contains(msg, path("*.png"))) << msg;
}

TEST(ContentHash, MatchesTheXxh64ReferenceAndCoversShapeAndDtype) {
  EXPECT_EQ(data::xxh64("", 0), 0xef46db3751d8e999ull);
  EXPECT_EQ(data::xxh64("a", 1), 0xd24ec4f1a98c6e5bull);
  EXPECT_EQ(data::xxh64("abc", 3), 0x44bc2cf5ad770999ull);
  const char* s = "0123456789abcdef0123456789abcdef0123456789";
  EXPECT_EQ(data::xxh64(s, 42, 7), 0x9cdb6129259b938eull);
  unsigned char bytes[100];
  for (int i = 0; i < 100; ++i) bytes[i] = static_cast<unsigned char>(i);
  EXPECT_EQ(data::xxh64(bytes, 100, 0x646c), 0x42666fa6ce850745ull);

  Tensor a = Tensor::from_vector<float>(Shape({2, 2}), {1, 2, 3, 4});
  EXPECT_EQ(data::content_hash(a), data::content_hash(a.clone()));
  EXPECT_NE(data::content_hash(a), data::content_hash(a.reshaped(Shape({4}))));
  Tensor b = a.clone();
  b.data<float>()[3] = 5;
  EXPECT_NE(data::content_hash(a), data::content_hash(b));
  Tensor i = Tensor::from_vector<int32_t>(Shape({2, 2}), {1, 2, 3, 4});
  EXPECT_NE(data::content_hash(i), data::content_hash(i.cast(DType::f32)));
  EXPECT_NE(data::content_hash(Element{a, b}), data::content_hash(Element{b, a}));
  EXPECT_EQ(data::hash_hex(0xef46db3751d8e999ull), "ef46db3751d8e999");
  EXPECT_EQ(data::hash_hex(0x1f), "000000000000001f");
}

TEST(Permutation, IsReproduciblePerSeedAndEpoch) {
  const auto p = data::permutation(1000, 5, 0);
  EXPECT_EQ(p, data::permutation(1000, 5, 0));
  EXPECT_NE(p, data::permutation(1000, 5, 1));
  EXPECT_NE(p, data::permutation(1000, 6, 0));
  std::set<int64_t> s(p.begin(), p.end());
  EXPECT_EQ(s.size(), 1000u);
  EXPECT_EQ(*s.begin(), 0);
  EXPECT_EQ(*s.rbegin(), 999);
  EXPECT_TRUE(data::permutation(0, 1).empty());

  Tensor x = Tensor::from_vector<int32_t>(Shape({3, 2}), {0, 1, 10, 11, 20, 21});
  const std::vector<int64_t> rows = {2, 0, 2};
  EXPECT_EQ(data::gather_rows(x, rows).to_vector<int32_t>(),
            (std::vector<int32_t>{20, 21, 0, 1, 20, 21}));
  const std::vector<int64_t> bad = {0, 3};
  const std::string msg = error_of([&] { data::gather_rows(x, bad); }, ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(msg, "row index 3")) << msg;
  EXPECT_TRUE(contains(msg, "int32[3,2]")) << msg;
}

TEST(Stack, NamesTheMismatchedTensor) {
  Tensor a = Tensor::zeros(DType::f32, Shape({2}));
  Tensor b = Tensor::zeros(DType::f32, Shape({3}));
  EXPECT_EQ(data::stack({a, a, a}).shape(), Shape({3, 2}));
  const std::string msg = error_of([&] { data::stack({a, a, b}); }, ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(msg, "tensor 2 is float32[3]")) << msg;
}

}  // namespace
}  // namespace dl
