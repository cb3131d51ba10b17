// Structure and profile of single programs: layers, head, metrics, optimizer, modes.
#include <gtest/gtest.h>

#include <iostream>

#include "dl/tools/parity_check/lib/examples.h"
#include "dl/tools/parity_check/lib/profile.h"

namespace dl::parity {
namespace {

TEST(Structure, MlpLayersHeadAndOptimizer) {
  ExampleSpec s;
  s.dropout = 0.2;
  TrainingProgram p = build_example(s, {.seed = 1});
  Structure st = analyze_structure(p);
  for (const auto& L : st.forward.layers) std::cout << L.summary() << "\n";
  std::cout << "out act " << st.forward.output_activation << "\nhead " << st.head.summary() << "\n";
  for (const auto& m : st.metric_descriptions) std::cout << "metric " << m << "\n";
  ASSERT_EQ(st.forward.layers.size(), 2u);
  EXPECT_EQ(st.forward.layers[0].kind, "dense");
  EXPECT_EQ(st.forward.layers[0].activation, "relu");
  EXPECT_EQ(st.forward.output_activation, "softmax");
  EXPECT_EQ(st.optimizer.op, "ApplyAdam");
  EXPECT_EQ(st.head.function, "softmax cross-entropy");
  EXPECT_EQ(st.head.input, "logits");

  Dataset d = example_data(s, 128, 64);
  Session sess(*p.graph, {.intra_op_threads = 1});
  sess.run(global_variables_initializer(*p.graph));
  Profile pr = profile_program(p, sess, d);
  for (const auto& i : pr.inits)
    std::cout << i.var.name() << ": " << i.description << " std " << i.stats.std << "\n";
  std::cout << "opt " << pr.optimizer.summary() << "\n";
  std::cout << "head n " << pr.head.loss_n << " 2n " << pr.head.loss_2n << " g "
            << pr.head.grad_norm << "\n";
  for (const auto& m : pr.metrics)
    std::cout << "metric " << m.name << " uninf " << m.uninformative << " perfect " << m.perfect
              << " random " << m.random << "\n";
  std::cout << "modes train stoch " << pr.modes.train_stochastic << " eval stoch "
            << pr.modes.eval_stochastic << "\n";
  EXPECT_TRUE(pr.modes.train_stochastic);
  EXPECT_FALSE(pr.modes.eval_stochastic);
  EXPECT_NEAR(pr.head.batch_factor, 1.0, 1e-5);
  EXPECT_EQ(pr.metrics[0].perfect, 1.0);
}

TEST(Profile, BinaryAccuracyOverSevenOneHotOutputsHasBaselineSixSevenths) {
  ExampleSpec s;
  s.classes = 7;
  s.metric = "binary";
  TrainingProgram p = build_example(s, {.seed = 1});
  Dataset d = example_data(s, 64, 64);
  Session sess(*p.graph, {.intra_op_threads = 1});
  sess.run(global_variables_initializer(*p.graph));
  Profile pr = profile_program(p, sess, d);
  ASSERT_TRUE(pr.metrics[0].ran);
  EXPECT_NEAR(pr.metrics[0].uninformative, 6.0 / 7.0, 1e-6);
  EXPECT_EQ(pr.metrics[0].perfect, 1.0);
  EXPECT_NE(pr.metrics[0].description.find("binary accuracy"), std::string::npos);
}

TEST(Profile, SumReductionDoublesWithTheBatch) {
  ExampleSpec s;
  s.head = "softmax_ce_sum";
  TrainingProgram p = build_example(s, {.seed = 1});
  Dataset d = example_data(s, 64, 64);
  Session sess(*p.graph, {.intra_op_threads = 1});
  sess.run(global_variables_initializer(*p.graph));
  Profile pr = profile_program(p, sess, d);
  EXPECT_NEAR(pr.head.batch_factor, 2.0, 1e-5);
  EXPECT_EQ(pr.structure.head.reduction, "Sum(all)");
}

TEST(Structure, InitializerDescriptions) {
  ExampleSpec s;
  s.kernel_init = "normal0.05";
  TrainingProgram p = build_example(s, {.seed = 1});
  EXPECT_EQ(describe_initial_value(p.trainable[0]),
            "normal(mean 0, stddev 0.05) = Keras default stddev 0.05");
  s.kernel_init = "zeros";
  TrainingProgram q = build_example(s, {.seed = 1});
  EXPECT_EQ(describe_initial_value(q.trainable[0]), "constant 0");
}

}  // namespace
}  // namespace dl::parity
