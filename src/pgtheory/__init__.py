"""pgtheory: the executable companion to "Policy-based Theoretical Guarantees".

Exact tabular-MDP machinery (evaluation, state marginals, visitation, policy
gradients), vectorized trajectory sampling, and the bounds of the lecture's
slides S1-S9, importing numpy only. Figures and interactive figures are in
:mod:`pgtheory.viz` (``import pgtheory.viz``, or ``pgtheory.viz`` after
``import pgtheory``, which loads it on first use). Shape convention: ``P[s, a, s']``,
``r[s, a]``, ``pi[s, a]``, ``p0[s]``; ``theta[s, a]`` for the tabular softmax policy.
"""

from pgtheory.batched import (
    MDPBatch,
    batch_evaluate,
    batch_expected_return,
    batch_visitation,
    random_mdp_batch,
    stack_mdps,
    unstack_mdp,
)
from pgtheory.bounds import (
    MixtureCheck,
    NoMistakeChain,
    cpo_visitation_bound,
    marginal_l1_distance,
    max_mistake_probability,
    max_tv_distance,
    mistake_probabilities,
    mixture_check,
    no_mistake_chain,
    s7_bound,
    s7_linear_bound,
    state_distribution_bound,
    visitation_distribution_bound,
)
from pgtheory.coupling import (
    CoupledTrajectories,
    NoDisagreementChain,
    coupled_trajectories,
    maximal_coupling,
    no_disagreement_chain,
    sample_coupling,
    total_variation,
)
from pgtheory.distribution_shift import (
    DistributionShiftExample,
    DistributionShiftNumbers,
    DistributionShiftSweep,
    distribution_shift_example,
    distribution_shift_numbers,
    distribution_shift_sweep,
)
from pgtheory.estimators import (
    ESTIMATORS,
    reinforce_gradient,
    reinforce_gradient_samples,
)
from pgtheory.evaluation import (
    ValueFunctions,
    discounted_visitation,
    evaluate,
    expected_return,
    induced_chain,
    policy_gradient,
    state_marginals,
)
from pgtheory.guarantees import (
    BOUNDS,
    TRPO_FORMS,
    BoundParts,
    TightnessSweep,
    bound_tightness_sweep,
    cpi_bound,
    cpo_bound,
    tightrope_surrogate_gap,
    trpo_bound,
)
from pgtheory.importance_sampling import (
    PerStepTerms,
    action_ratios,
    check_support,
    effective_sample_size,
    importance_weights,
    ordinary_importance_sampling,
    per_step_terms,
    self_normalized_importance_sampling,
    trajectory_ratios,
)
from pgtheory.improvement import (
    PolicyIterationPath,
    TrainingCurve,
    gradient_ascent,
    greedy_policy,
    policy_iteration,
    policy_iteration_path,
    reinforce,
    soft_improvement_step,
    step_size_scan,
)
from pgtheory.mdp import (
    TabularMDP,
    chain_mdp,
    gridworld_mdp,
    random_mdp,
    tightrope_mdp,
    tightrope_policies,
)
from pgtheory.performance_difference import (
    PDL_PROOF_STEPS,
    PerformanceDifference,
    advantage_sums,
    pdl_proof_lines,
    performance_difference,
)
from pgtheory.policies import (
    deterministic_policy,
    epsilon_close_policy,
    kl_divergence,
    mixture,
    softmax_policy,
    tv_distance,
    uniform_policy,
)
from pgtheory.sampling import (
    Trajectories,
    discounted_returns,
    empirical_marginals,
    reward_to_go,
    sample_trajectories,
)
from pgtheory.surrogate import (
    SurrogatePath,
    surrogate_advantage,
    surrogate_advantage_samples,
    surrogate_gradient,
    surrogate_path,
)

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``pgtheory.viz`` on first use, so that ``import pgtheory`` stays numpy-only."""
    if name == "viz":
        import importlib

        return importlib.import_module("pgtheory.viz")
    raise AttributeError(f"module 'pgtheory' has no attribute {name!r}")


__all__ = [
    "BOUNDS",
    "ESTIMATORS",
    "PDL_PROOF_STEPS",
    "TRPO_FORMS",
    "BoundParts",
    "CoupledTrajectories",
    "DistributionShiftExample",
    "DistributionShiftNumbers",
    "DistributionShiftSweep",
    "MDPBatch",
    "MixtureCheck",
    "NoDisagreementChain",
    "NoMistakeChain",
    "PerStepTerms",
    "PerformanceDifference",
    "PolicyIterationPath",
    "SurrogatePath",
    "TabularMDP",
    "TightnessSweep",
    "TrainingCurve",
    "Trajectories",
    "ValueFunctions",
    "action_ratios",
    "advantage_sums",
    "batch_evaluate",
    "batch_expected_return",
    "batch_visitation",
    "bound_tightness_sweep",
    "chain_mdp",
    "check_support",
    "coupled_trajectories",
    "cpi_bound",
    "cpo_bound",
    "cpo_visitation_bound",
    "deterministic_policy",
    "discounted_returns",
    "discounted_visitation",
    "distribution_shift_example",
    "distribution_shift_numbers",
    "distribution_shift_sweep",
    "effective_sample_size",
    "empirical_marginals",
    "epsilon_close_policy",
    "evaluate",
    "expected_return",
    "gradient_ascent",
    "greedy_policy",
    "gridworld_mdp",
    "importance_weights",
    "induced_chain",
    "kl_divergence",
    "marginal_l1_distance",
    "max_mistake_probability",
    "max_tv_distance",
    "maximal_coupling",
    "mistake_probabilities",
    "mixture",
    "mixture_check",
    "no_disagreement_chain",
    "no_mistake_chain",
    "ordinary_importance_sampling",
    "pdl_proof_lines",
    "per_step_terms",
    "performance_difference",
    "policy_gradient",
    "policy_iteration",
    "policy_iteration_path",
    "random_mdp",
    "random_mdp_batch",
    "reinforce",
    "reinforce_gradient",
    "reinforce_gradient_samples",
    "reward_to_go",
    "s7_bound",
    "s7_linear_bound",
    "sample_coupling",
    "sample_trajectories",
    "self_normalized_importance_sampling",
    "soft_improvement_step",
    "softmax_policy",
    "stack_mdps",
    "state_distribution_bound",
    "state_marginals",
    "step_size_scan",
    "surrogate_advantage",
    "surrogate_advantage_samples",
    "surrogate_gradient",
    "surrogate_path",
    "tightrope_mdp",
    "tightrope_policies",
    "tightrope_surrogate_gap",
    "total_variation",
    "trajectory_ratios",
    "trpo_bound",
    "tv_distance",
    "uniform_policy",
    "unstack_mdp",
    "visitation_distribution_bound",
]
