"""Slides S1-S6: a policy-gradient step is a soft policy-iteration step.

REINFORCE and the reward to go (:mod:`~pgtheory.pg_as_pi.estimators`, on CartPole in
:mod:`~pgtheory.pg_as_pi.cartpole`), policy improvement and policy iteration
(:mod:`~pgtheory.pg_as_pi.improvement`), the performance difference lemma and its proof
(:mod:`~pgtheory.pg_as_pi.performance_difference`), importance sampling
(:mod:`~pgtheory.pg_as_pi.importance_sampling`) and the surrogate advantage with its
distribution mismatch (:mod:`~pgtheory.pg_as_pi.surrogate`). Builds on
:mod:`pgtheory.core`."""
