"""pgtheory: the executable companion to "Policy-based Theoretical Guarantees".

The package is laid out as the course (``book/contributing.md`` shows the tree):

- :mod:`pgtheory.core`: tabular MDPs, policies and their distances, exact evaluation
  (values, state marginals, visitation, occupancy, the policy gradient), sampling,
  batched evaluation and input validation; everything else builds on it;
- :mod:`pgtheory.pg_as_pi`: slides S1-S6, a policy-gradient step as a soft
  policy-iteration step (REINFORCE, policy improvement, the performance difference lemma,
  importance sampling, the surrogate advantage);
- :mod:`pgtheory.bounding`: slides S7-S9, how far the state distribution and the
  objective move when the policy moves by ``eps``;
- :mod:`pgtheory.beyond`: the chapter beyond the slides (CPI, TRPO, CPO bounds, the
  natural gradient, the algorithms);
- :mod:`pgtheory.examples`: each chapter's worked example and the numbers it prints.

Every public function is also available here (``pgtheory.evaluate``), and the former flat
module names still import (``pgtheory.bounds`` is :mod:`pgtheory.bounding.state_distribution`,
``pgtheory.LEGACY_MODULES``). ``import pgtheory`` imports numpy only. Figures and interactive
figures are in :mod:`pgtheory.viz` (``import pgtheory.viz``, or ``pgtheory.viz`` after
``import pgtheory``, which loads it on first use). Shape convention: ``P[s, a, s']``,
``r[s, a]``, ``pi[s, a]``, ``p0[s]``; ``theta[s, a]`` for the tabular softmax policy.
"""

from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, cast

from pgtheory import examples as examples  # the chapters' examples, pgtheory.examples
from pgtheory.beyond.algorithms import (
    AlgorithmRun,
    conservative_policy_iteration,
    maximize_bound,
    natural_policy_gradient,
    ppo_clip,
    trpo,
)
from pgtheory.beyond.guarantees import (
    BOUNDS,
    TRPO_FORMS,
    BoundParts,
    GuaranteePath,
    TightnessSweep,
    batch_trpo_bound,
    bound_tightness_sweep,
    cpi_bound,
    cpo_bound,
    guarantee_path,
    tightrope_surrogate_gap,
    trpo_bound,
    trpo_eq44_penalty,
)
from pgtheory.beyond.natural_gradient import (
    NaturalGradientStep,
    average_kl,
    fisher_matrix,
    natural_gradient_step,
)
from pgtheory.bounding.coupling import (
    CoupledTrajectories,
    NoDisagreementChain,
    coupled_trajectories,
    maximal_coupling,
    no_disagreement_chain,
    sample_coupling,
    total_variation,
)
from pgtheory.bounding.distribution_shift import (
    DistributionShiftExample,
    DistributionShiftNumbers,
    DistributionShiftSweep,
    distribution_shift_example,
    distribution_shift_numbers,
    distribution_shift_sweep,
)
from pgtheory.bounding.objective import (
    EXPECTATION_FORMS,
    GREEDY_DECREASE_SEED,
    IMPROVEMENT_FORM_ALIASES,
    IMPROVEMENT_FORMS,
    BoundPath,
    ImprovementBound,
    UpdateRun,
    bound_path,
    conservative_update,
    expectation_lower_bound,
    greedy_decrease_example,
    greedy_update,
    improvement_lower_bound,
    slide_constant,
    surrogate_greedy_policy,
)
from pgtheory.bounding.state_distribution import (
    MixtureCheck,
    NoMistakeChain,
    cpo_visitation_bound,
    discounted_s7_bound_sum,
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
from pgtheory.core.batched import (
    MDPBatch,
    batch_evaluate,
    batch_expected_return,
    batch_occupancy,
    batch_visitation,
    random_mdp_batch,
    stack_mdps,
    unstack_mdp,
)
from pgtheory.core.evaluation import (
    ValueFunctions,
    discounted_visitation,
    evaluate,
    expected_return,
    induced_chain,
    occupancy,
    policy_gradient,
    return_from_values,
    state_marginals,
    time_indexed,
)
from pgtheory.core.mdp import (
    TabularMDP,
    chain_mdp,
    gridworld_mdp,
    random_mdp,
    tightrope_mdp,
    tightrope_policies,
)
from pgtheory.core.policies import (
    average_kl_rows,
    deterministic_policy,
    epsilon_close_policy,
    kl_divergence,
    kl_divergence_rows,
    mixture,
    softmax,
    softmax_policy,
    total_variation_rows,
    tv_distance,
    uniform_policy,
)
from pgtheory.core.sampling import (
    Trajectories,
    discounted_returns,
    empirical_marginals,
    reward_to_go,
    sample_trajectories,
)
from pgtheory.pg_as_pi.estimators import (
    ESTIMATORS,
    reinforce_gradient,
    reinforce_gradient_samples,
)
from pgtheory.pg_as_pi.importance_sampling import (
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
from pgtheory.pg_as_pi.improvement import (
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
from pgtheory.pg_as_pi.performance_difference import (
    PDL_PROOF_STEPS,
    PerformanceDifference,
    PerformanceDifferenceByState,
    advantage_sums,
    pdl_proof_lines,
    performance_difference,
    performance_difference_by_state,
)
from pgtheory.pg_as_pi.surrogate import (
    SurrogatePath,
    surrogate_advantage,
    surrogate_advantage_samples,
    surrogate_gradient,
    surrogate_path,
)

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec

__version__ = "0.1.0"

#: The modules' former flat names and the modules they are now: ``import pgtheory.bounds``
#: and ``from pgtheory.bounds import s7_bound`` keep working (the same module object).
LEGACY_MODULES = {
    "validation": "pgtheory.core.validation",
    "mdp": "pgtheory.core.mdp",
    "policies": "pgtheory.core.policies",
    "evaluation": "pgtheory.core.evaluation",
    "sampling": "pgtheory.core.sampling",
    "batched": "pgtheory.core.batched",
    "estimators": "pgtheory.pg_as_pi.estimators",
    "improvement": "pgtheory.pg_as_pi.improvement",
    "cartpole": "pgtheory.pg_as_pi.cartpole",
    "performance_difference": "pgtheory.pg_as_pi.performance_difference",
    "importance_sampling": "pgtheory.pg_as_pi.importance_sampling",
    "surrogate": "pgtheory.pg_as_pi.surrogate",
    "bounds": "pgtheory.bounding.state_distribution",
    "coupling": "pgtheory.bounding.coupling",
    "distribution_shift": "pgtheory.bounding.distribution_shift",
    "objective_bound": "pgtheory.bounding.objective",
    "guarantees": "pgtheory.beyond.guarantees",
    "algorithms": "pgtheory.beyond.algorithms",
    "natural_gradient": "pgtheory.beyond.natural_gradient",
}


class _LegacyModuleFinder:
    """``import pgtheory.<old>`` for a :data:`LEGACY_MODULES` name: the module it now is.

    The import system asks this finder (on ``sys.meta_path``) for ``pgtheory.<old>``; it
    imports the new module and hands over that very object, whose own ``__spec__`` is kept.
    """

    @staticmethod
    def find_spec(
        fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> "ModuleSpec | None":
        import importlib.util

        package, _, old = fullname.partition(".")
        if package != __name__ or old not in LEGACY_MODULES:
            return None
        # typeshed's LoaderProtocol asks for the deprecated load_module; the import system
        # calls create_module and exec_module, which this class has.
        return importlib.util.spec_from_loader(fullname, _LegacyModuleFinder)  # type: ignore[arg-type]

    @staticmethod
    def create_module(spec: "ModuleSpec") -> ModuleType:
        import importlib

        module = importlib.import_module(LEGACY_MODULES[spec.name.partition(".")[2]])
        spec.loader_state = module.__spec__  # the import system sets module.__spec__ = spec
        return module

    @staticmethod
    def exec_module(module: ModuleType) -> None:
        # the import system has set module.__spec__ to the spec create_module was given
        spec = cast("ModuleSpec", module.__spec__)
        module.__spec__ = spec.loader_state  # the module's own spec again


def _alias_legacy_modules() -> None:
    """``pgtheory.<old>`` for every :data:`LEGACY_MODULES` name but ``cartpole`` (which needs
    gymnasium and is imported on first use): the same module object, in ``sys.modules`` and
    as an attribute, except where a function has the name (``pgtheory.performance_difference``
    is the function, ``import pgtheory.performance_difference`` finds the module)."""
    import importlib
    import sys

    sys.meta_path.append(_LegacyModuleFinder)
    for old, new in LEGACY_MODULES.items():
        if old != "cartpole":
            module = importlib.import_module(new)
            sys.modules.setdefault(f"{__name__}.{old}", module)
            globals().setdefault(old, module)


_alias_legacy_modules()


def __getattr__(name: str) -> object:
    """``pgtheory.viz`` on first use, so that ``import pgtheory`` stays numpy-only."""
    if name == "viz":
        import importlib

        return importlib.import_module("pgtheory.viz")
    if name == "cartpole":  # needs gymnasium, which only its chapter uses
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'pgtheory' has no attribute {name!r}")


__all__ = [
    "BOUNDS",
    "ESTIMATORS",
    "EXPECTATION_FORMS",
    "GREEDY_DECREASE_SEED",
    "IMPROVEMENT_FORMS",
    "IMPROVEMENT_FORM_ALIASES",
    "PDL_PROOF_STEPS",
    "TRPO_FORMS",
    "AlgorithmRun",
    "BoundParts",
    "BoundPath",
    "CoupledTrajectories",
    "DistributionShiftExample",
    "DistributionShiftNumbers",
    "DistributionShiftSweep",
    "GuaranteePath",
    "ImprovementBound",
    "MDPBatch",
    "MixtureCheck",
    "NaturalGradientStep",
    "NoDisagreementChain",
    "NoMistakeChain",
    "PerStepTerms",
    "PerformanceDifference",
    "PerformanceDifferenceByState",
    "PolicyIterationPath",
    "SurrogatePath",
    "TabularMDP",
    "TightnessSweep",
    "TrainingCurve",
    "Trajectories",
    "UpdateRun",
    "ValueFunctions",
    "action_ratios",
    "advantage_sums",
    "average_kl",
    "average_kl_rows",
    "batch_evaluate",
    "batch_expected_return",
    "batch_occupancy",
    "batch_trpo_bound",
    "batch_visitation",
    "bound_path",
    "bound_tightness_sweep",
    "chain_mdp",
    "check_support",
    "conservative_policy_iteration",
    "conservative_update",
    "coupled_trajectories",
    "cpi_bound",
    "cpo_bound",
    "cpo_visitation_bound",
    "deterministic_policy",
    "discounted_returns",
    "discounted_s7_bound_sum",
    "discounted_visitation",
    "distribution_shift_example",
    "distribution_shift_numbers",
    "distribution_shift_sweep",
    "effective_sample_size",
    "empirical_marginals",
    "epsilon_close_policy",
    "evaluate",
    "expectation_lower_bound",
    "expected_return",
    "fisher_matrix",
    "gradient_ascent",
    "greedy_decrease_example",
    "greedy_policy",
    "greedy_update",
    "gridworld_mdp",
    "guarantee_path",
    "importance_weights",
    "improvement_lower_bound",
    "induced_chain",
    "kl_divergence",
    "kl_divergence_rows",
    "marginal_l1_distance",
    "max_mistake_probability",
    "max_tv_distance",
    "maximal_coupling",
    "maximize_bound",
    "mistake_probabilities",
    "mixture",
    "mixture_check",
    "natural_gradient_step",
    "natural_policy_gradient",
    "no_disagreement_chain",
    "no_mistake_chain",
    "occupancy",
    "ordinary_importance_sampling",
    "pdl_proof_lines",
    "per_step_terms",
    "performance_difference",
    "performance_difference_by_state",
    "policy_gradient",
    "policy_iteration",
    "policy_iteration_path",
    "ppo_clip",
    "random_mdp",
    "random_mdp_batch",
    "reinforce",
    "reinforce_gradient",
    "reinforce_gradient_samples",
    "return_from_values",
    "reward_to_go",
    "s7_bound",
    "s7_linear_bound",
    "sample_coupling",
    "sample_trajectories",
    "self_normalized_importance_sampling",
    "slide_constant",
    "soft_improvement_step",
    "softmax",
    "softmax_policy",
    "stack_mdps",
    "state_distribution_bound",
    "state_marginals",
    "step_size_scan",
    "surrogate_advantage",
    "surrogate_advantage_samples",
    "surrogate_gradient",
    "surrogate_greedy_policy",
    "surrogate_path",
    "tightrope_mdp",
    "tightrope_policies",
    "tightrope_surrogate_gap",
    "time_indexed",
    "total_variation",
    "total_variation_rows",
    "trajectory_ratios",
    "trpo",
    "trpo_bound",
    "trpo_eq44_penalty",
    "tv_distance",
    "uniform_policy",
    "unstack_mdp",
    "visitation_distribution_bound",
]
