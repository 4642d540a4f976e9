"""Tabular Markov decision processes and the named examples used in the book.

Shape convention (used everywhere in :mod:`pgtheory`): ``P[s, a, s']`` is the
probability of moving to ``s'`` after taking action ``a`` in state ``s``;
``r[s, a]`` is the expected reward; ``p0[s]`` is the law of the initial state.
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.core.validation import (
    as_float_array,
    check_distribution,
    check_policy,
    check_positive_int,
    check_probability,
    check_real,
    check_rng,
    check_shape,
)

__all__ = [
    "TabularMDP",
    "chain_mdp",
    "check_mdp",
    "check_mdp_policies",
    "check_mdp_policy",
    "gridworld_mdp",
    "random_mdp",
    "random_mdp_arrays",
    "tightrope_mdp",
    "tightrope_policies",
]


def _check_gamma_horizon(gamma: object, horizon: object) -> tuple[float, int | None]:
    gamma = check_real(gamma, "gamma")
    if horizon is None:
        if not 0.0 <= gamma < 1.0:
            raise ValueError(
                f"gamma must lie in [0, 1) when horizon is None (infinite-horizon discounted "
                f"case), got {gamma!r}; pass an integer horizon to use gamma = 1"
            )
        return gamma, None
    if isinstance(horizon, bool) or not isinstance(horizon, numbers.Integral):
        raise ValueError(
            f"horizon must be None or an integer >= 1, got {type(horizon).__name__} {horizon!r}"
        )
    if horizon < 1:
        raise ValueError(f"horizon must be None or an integer >= 1, got {horizon!r}")
    if not 0.0 < gamma <= 1.0:
        raise ValueError(f"gamma must lie in (0, 1] for a finite horizon, got {gamma!r}")
    return gamma, int(horizon)


@dataclasses.dataclass(frozen=True, eq=False)
class TabularMDP:
    """A finite MDP with known dynamics.

    Parameters
    ----------
    P : array_like, shape (S, A, S)
        Transition probabilities ``P[s, a, s']``; every ``P[s, a, :]`` sums to 1.
    r : array_like, shape (S, A)
        Expected reward ``r[s, a]`` (finite, any sign).
    p0 : array_like, shape (S,)
        Initial-state distribution.
    gamma : float
        Discount factor. With ``horizon=None`` (infinite-horizon discounted case)
        ``0 <= gamma < 1``; with a finite horizon ``0 < gamma <= 1``.
    horizon : int or None
        ``None`` for the infinite-horizon discounted objective
        ``J = E[sum_{t>=0} gamma^t r(s_t, a_t)]``; an integer ``T >= 1`` for the
        finite-horizon objective ``J = E[sum_{t=0}^{T-1} gamma^t r(s_t, a_t)]``.

    Raises
    ------
    ValueError
        On wrong or mismatched shapes, negative or non-finite entries, rows of
        ``P`` or ``p0`` that do not sum to 1, or ``gamma``/``horizon`` out of range.

    Notes
    -----
    The arrays are stored as read-only float64 copies, so an MDP is immutable.
    The slides index time from ``t = 1`` in S1 and from ``t = 0`` in S3-S9; the
    library always uses ``t = 0, ..., T-1``.
    """

    P: NDArray[np.float64]
    r: NDArray[np.float64]
    p0: NDArray[np.float64]
    gamma: float
    horizon: int | None = None

    def __post_init__(self) -> None:
        P = as_float_array(self.P, "P", ndim=3)
        S, A, S2 = P.shape
        if S != S2:
            raise ValueError(f"P must have shape (S, A, S), got {P.shape}: {S} != {S2}")
        if S < 1 or A < 1:
            raise ValueError(f"P must have at least one state and one action, got {P.shape}")
        check_distribution(P, "P")
        r = as_float_array(self.r, "r", ndim=2)
        check_shape(r, "r", (S, A))
        p0 = as_float_array(self.p0, "p0", ndim=1)
        check_shape(p0, "p0", (S,))
        check_distribution(p0, "p0")
        gamma, horizon = _check_gamma_horizon(self.gamma, self.horizon)
        for name, arr in (("P", P), ("r", r), ("p0", p0)):
            arr = arr.copy()
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "gamma", gamma)
        object.__setattr__(self, "horizon", horizon)

    @property
    def n_states(self) -> int:
        """Number of states S."""
        return self.P.shape[0]

    @property
    def n_actions(self) -> int:
        """Number of actions A."""
        return self.P.shape[1]

    @property
    def discounted(self) -> bool:
        """True for the infinite-horizon discounted case (``horizon is None``)."""
        return self.horizon is None

    def with_horizon(self, horizon: int | None, gamma: float | None = None) -> TabularMDP:
        """The same dynamics and rewards with another horizon (and optionally gamma)."""
        return TabularMDP(self.P, self.r, self.p0, self.gamma if gamma is None else gamma, horizon)

    def __repr__(self) -> str:
        return (
            f"TabularMDP(n_states={self.n_states}, n_actions={self.n_actions}, "
            f"gamma={self.gamma}, horizon={self.horizon})"
        )


def random_mdp_arrays(
    n_states: int,
    n_actions: int,
    *,
    rng: np.random.Generator,
    n_mdps: int | None = None,
    branching: int | None = None,
    concentration: float = 1.0,
    reward_range: tuple[float, float] = (0.0, 1.0),
    weights_first: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The arrays ``(P, r, p0)`` of random MDPs: the one sampler behind :func:`random_mdp`
    and :func:`pgtheory.random_mdp_batch`.

    Each ``P[s, a, :]`` is a Dirichlet(``concentration``) distribution over all ``S`` states,
    or, with ``branching = k``, over ``k`` distinct successors chosen uniformly (sparse
    dynamics; ``k = 1`` is deterministic); ``r[s, a] ~ Uniform(low, high)``; ``p0`` is a
    flat Dirichlet over the states.

    Draw order. ``rng`` is used in this order: with ``weights_first=False`` (what
    :func:`random_mdp` uses), the successor sets (one ``rng.random`` array, whenever
    ``branching`` is given), then the Dirichlet weights; with ``weights_first=True`` (what
    :func:`pgtheory.random_mdp_batch` uses), the weights, then the successor sets (only when
    ``branching < S``); then ``r``, then ``p0``. Both orders draw from the same law; they
    differ only in which numbers a seed gives, and each is kept so that the seeded MDPs of
    the book, and the numbers it prints, stay the same.

    Parameters
    ----------
    n_states, n_actions : int
        S and A, both >= 1.
    rng : numpy.random.Generator
        Source of randomness (keyword-only).
    n_mdps : int or None
        ``None`` for one MDP; ``B >= 1`` for ``B`` MDPs stacked along a leading axis.
    branching : int or None
        Number of successors of each ``(s, a)``, in ``[1, S]``; None for all S.
    concentration : float
        Dirichlet concentration, > 0; small values give near-deterministic rows.
    reward_range : (low, high)
        ``low <= high``.
    weights_first : bool
        The draw order (above).

    Returns
    -------
    P : ndarray, shape (S, A, S), or (B, S, A, S)
    r : ndarray, shape (S, A), or (B, S, A)
    p0 : ndarray, shape (S,), or (B, S)

    Raises
    ------
    ValueError
        If a size is not an integer >= 1, ``rng`` is not a Generator, ``concentration`` is
        not > 0, ``reward_range`` has ``low > high``, or ``branching`` is not in [1, S].
    """
    S = check_positive_int(n_states, "n_states")
    A = check_positive_int(n_actions, "n_actions")
    rng = check_rng(rng)
    concentration = check_real(concentration, "concentration")
    if concentration <= 0:
        raise ValueError(f"concentration must be > 0, got {concentration!r}")
    low, high = (check_real(v, "reward_range") for v in reward_range)
    if low > high:
        raise ValueError(f"reward_range must satisfy low <= high, got ({low}, {high})")
    k = S if branching is None else check_positive_int(branching, "branching")
    if k > S:
        raise ValueError(f"branching must be <= n_states = {S}, got {k}")
    B = None if n_mdps is None else check_positive_int(n_mdps, "n_mdps")
    shape = (S, A) if B is None else (B, S, A)
    sparse = k < S if weights_first else branching is not None
    if weights_first:
        weights = rng.dirichlet(np.full(k, concentration), size=shape)
    if sparse:
        succ = np.argsort(rng.random((*shape, S)), axis=-1)[..., :k]
    if not weights_first:
        weights = rng.dirichlet(np.full(k, concentration), size=shape)
    if sparse:
        P = np.zeros((*shape, S))
        np.put_along_axis(P, succ, weights, axis=-1)
    else:
        P = weights
    r = rng.uniform(low, high, size=shape)
    p0 = rng.dirichlet(np.ones(S), size=B)
    return P, r, p0


def random_mdp(
    n_states: int,
    n_actions: int,
    *,
    rng: np.random.Generator,
    gamma: float = 0.9,
    horizon: int | None = None,
    branching: int | None = None,
    concentration: float = 1.0,
    reward_range: tuple[float, float] = (0.0, 1.0),
) -> TabularMDP:
    """A random MDP with Dirichlet transitions and uniform rewards.

    Parameters
    ----------
    n_states, n_actions : int
        S and A, both >= 1.
    rng : numpy.random.Generator
        Source of randomness (keyword-only).
    gamma, horizon
        As in :class:`TabularMDP`.
    branching : int or None
        If given, each ``P[s, a, :]`` is supported on ``branching`` distinct
        successor states chosen uniformly (sparse dynamics); otherwise on all S.
    concentration : float
        Dirichlet concentration (> 0); small values give near-deterministic rows.
    reward_range : (low, high)
        ``r[s, a] ~ Uniform(low, high)``.

    Returns
    -------
    TabularMDP
        With ``p0`` drawn from a flat Dirichlet over the states.

    Notes
    -----
    The arrays are :func:`random_mdp_arrays`'s (in its default draw order).
    """
    P, r, p0 = random_mdp_arrays(
        n_states,
        n_actions,
        rng=rng,
        branching=branching,
        concentration=concentration,
        reward_range=reward_range,
    )
    return TabularMDP(P, r, p0, gamma, horizon)


def chain_mdp(
    n_states: int = 6,
    *,
    slip: float = 0.1,
    gamma: float = 0.9,
    horizon: int | None = None,
) -> TabularMDP:
    """A chain ("river swim"-like corridor) with actions left (0) and right (1).

    The agent starts in state 0. Action right moves one state right with
    probability ``1 - slip`` and stays otherwise; left moves one state left
    (walls at both ends). Reward 1 for acting in the right-most state.
    """
    S = check_positive_int(n_states, "n_states")
    slip = check_probability(slip, "slip")
    P = np.zeros((S, 2, S))
    s = np.arange(S)
    left, right = np.maximum(s - 1, 0), np.minimum(s + 1, S - 1)
    P[s, 0, left] += 1.0 - slip
    P[s, 0, s] += slip
    P[s, 1, right] += 1.0 - slip
    P[s, 1, s] += slip
    r = np.zeros((S, 2))
    r[S - 1, :] = 1.0
    p0 = np.zeros(S)
    p0[0] = 1.0
    return TabularMDP(P, r, p0, gamma, horizon)


#: Moves of the gridworld's actions: up, right, down, left (row, column).
GRID_MOVES = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)])


def gridworld_mdp(
    n_rows: int = 4,
    n_cols: int = 4,
    *,
    slip: float = 0.1,
    gamma: float = 0.9,
    horizon: int | None = None,
) -> TabularMDP:
    """A small gridworld: start top-left, goal bottom-right.

    State ``s = row * n_cols + col``; actions up, right, down, left. A move
    succeeds with probability ``1 - slip`` and otherwise goes in a uniformly
    random direction; moves into the border keep the agent in place. Acting in
    the goal gives reward 1 and returns the agent to the start (so the discounted
    problem keeps rewarding good policies).
    """
    R = check_positive_int(n_rows, "n_rows")
    C = check_positive_int(n_cols, "n_cols")
    slip = check_probability(slip, "slip")
    S, A = R * C, 4
    rows, cols = np.divmod(np.arange(S), C)
    # dest[s, m]: the state reached by move m from s.
    nr = np.clip(rows[:, None] + GRID_MOVES[None, :, 0], 0, R - 1)
    nc = np.clip(cols[:, None] + GRID_MOVES[None, :, 1], 0, C - 1)
    dest = nr * C + nc
    move_prob = np.full((A, A), slip / A) + (1.0 - slip) * np.eye(A)  # [action, move]
    P = np.zeros((S, A, S))
    for a in range(A):
        for m in range(A):
            np.add.at(P[:, a, :], (np.arange(S), dest[:, m]), move_prob[a, m])
    goal = S - 1
    P[goal] = 0.0
    P[goal, :, 0] = 1.0
    r = np.zeros((S, A))
    r[goal, :] = 1.0
    p0 = np.zeros(S)
    p0[0] = 1.0
    return TabularMDP(P, r, p0, gamma, horizon)


def tightrope_mdp(*, gamma: float = 0.9, horizon: int | None = None) -> TabularMDP:
    """The two-state "tightrope" MDP on which slide S7's bound is attained.

    State 0 (reward 0) with actions "stay" (0, keep state 0) and "leave" (1, go
    to state 1); state 1 is absorbing with reward 1 per step. The start is state 0.
    With ``pi`` = always stay and ``pi'`` = leave with probability eps (see
    :func:`tightrope_policies`), ``||p'_t - p_t||_1 = 2 (1 - (1 - eps)^t)``
    exactly: the bound of slide S7 (Ross, Gordon & Bagnell 2011, Lemma 4.1) is attained,
    as the chapter of slide S7 shows
    (:doc:`/book/s7_distribution_change_deterministic`, exercise :ref:`ex-s7-tight`).
    """
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = 1.0
    P[0, 1, 1] = 1.0
    P[1, :, 1] = 1.0
    r = np.array([[0.0, 0.0], [1.0, 1.0]])
    return TabularMDP(P, r, np.array([1.0, 0.0]), gamma, horizon)


def tightrope_policies(eps: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(pi, pi_eps)`` for :func:`tightrope_mdp`: always stay, and leave w.p. ``eps``.

    ``pi_eps`` deviates from ``pi`` with probability exactly ``eps`` in every state.
    """
    eps = check_probability(eps, "eps")
    pi = np.array([[1.0, 0.0], [1.0, 0.0]])
    pi_eps = np.array([[1.0 - eps, eps], [1.0 - eps, eps]])
    return pi, pi_eps


def resolve_horizon(
    mdp: TabularMDP, horizon: object, purpose: str = "for a discounted MDP (mdp.horizon is None)"
) -> int:
    """``horizon`` if given (an integer >= 1), else ``mdp.horizon``; raise if both are None.

    ``purpose`` completes the message "horizon must be an integer >= 1 ...".
    """
    if horizon is None:
        if mdp.horizon is None:
            raise ValueError(f"horizon must be an integer >= 1 {purpose}, got None")
        return mdp.horizon
    return check_positive_int(horizon, "horizon")


def check_mdp(mdp: object, name: str = "mdp") -> TabularMDP:
    """Raise unless ``mdp`` is a :class:`TabularMDP` (which validated its arrays); return it.

    The message names the argument and what it got, e.g. ``"mdp must be a
    pgtheory.TabularMDP, got dict"``.
    """
    if not isinstance(mdp, TabularMDP):
        raise ValueError(f"{name} must be a pgtheory.TabularMDP, got {type(mdp).__name__}")
    return mdp


def check_mdp_policy(
    mdp: object, pi: ArrayLike, name: str = "pi"
) -> tuple[TabularMDP, NDArray[np.float64]]:
    """:func:`check_mdp`, then ``pi`` as a policy of shape (S, A) of that MDP.

    Returns ``(mdp, pi)`` with ``pi`` as float64; raises as
    :func:`pgtheory.core.validation.check_policy` (e.g. ``"pi must have shape (2, 2), got (2,
    3)"``, ``"pi[1, :] sums to 0.5, expected 1 (atol=1e-08)"``).
    """
    mdp = check_mdp(mdp)
    return mdp, check_policy(pi, name, mdp.n_states, mdp.n_actions)


def check_mdp_policies(
    mdp: object, pi: ArrayLike, pi_new: ArrayLike, new_name: str = "pi_new"
) -> tuple[TabularMDP, NDArray[np.float64], NDArray[np.float64]]:
    """:func:`check_mdp_policy` for an old policy ``pi`` and a new one (named ``new_name``).

    Returns ``(mdp, pi, pi_new)``; the MDP is checked first, then ``pi``, then ``pi_new``.
    """
    mdp, pi = check_mdp_policy(mdp, pi)
    return mdp, pi, check_policy(pi_new, new_name, mdp.n_states, mdp.n_actions)
