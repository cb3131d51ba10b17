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

}  // namespace
}  // namespace dl::parity
