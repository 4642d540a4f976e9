"""Exact evaluation of many discounted MDPs of the same size at once.

A batch of ``B`` MDPs with ``S`` states and ``A`` actions is a set of stacked arrays
(:class:`MDPBatch`): ``P[b, s, a, s']``, ``r[b, s, a]``, ``p0[b, s]`` and ``gamma[b]``;
policies are ``pi[b, s, a]``. Every function here is the one-MDP function of
:mod:`pgtheory.core.evaluation` applied to each MDP of the batch, computed with one batched
``np.linalg.solve`` instead of a Python loop, so that a sweep over ten thousand MDPs is a
handful of array operations. Only the infinite-horizon discounted case (``0 <= gamma < 1``)
is covered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.core.evaluation import ValueFunctions
from pgtheory.core.mdp import TabularMDP, check_mdp, random_mdp_arrays
from pgtheory.core.validation import (
    PROB_ATOL,
    as_float_array,
    check_distribution,
    check_positive_int,
    check_real,
    check_rng,
    check_shape,
)

__all__ = [
    "MDPBatch",
    "batch_evaluate",
    "batch_expected_return",
    "batch_occupancy",
    "batch_visitation",
    "check_batch",
    "check_batch_policy",
    "random_mdp_batch",
    "stack_mdps",
    "unstack_mdp",
]


class _MDPBatchFields(NamedTuple):
    P: NDArray[np.float64]
    r: NDArray[np.float64]
    p0: NDArray[np.float64]
    gamma: NDArray[np.float64]


def _array(x: ArrayLike, name: str, ndim: int) -> NDArray[np.float64]:
    """``x`` as a float64 array with ``ndim`` dimensions (no copy of a float64 array)."""
    if isinstance(x, np.ndarray) and x.dtype == np.float64 and x.ndim == ndim:
        return x
    return as_float_array(x, name, ndim=ndim)


def _first_copy(arr: NDArray) -> NDArray:
    """The first MDP's slice when ``arr`` repeats it along the batch axis (a broadcast view
    with stride 0 there, as ``np.broadcast_to`` makes): its values stand for every MDP's."""
    return arr[:1] if arr.strides[0] == 0 else arr


def _is_distribution(arr: NDArray) -> bool:
    """Fast check of every row of ``arr``: a NaN or inf makes a row sum non-finite."""
    sums = arr.sum(axis=-1)
    return bool(
        np.isfinite(sums).all() and arr.min() >= 0 and np.abs(sums - 1.0).max() <= PROB_ATOL
    )


def _check_batch_arrays(P: ArrayLike, r: ArrayLike, p0: ArrayLike, gamma: ArrayLike) -> tuple:
    """Validate the four arrays of an :class:`MDPBatch`; return them as float64 arrays.

    A fast path checks the values in a few passes; when it fails, the full checks of
    :mod:`pgtheory.core.validation` find and name the first offending entry.
    """
    P = _array(P, "P", 4)
    r = _array(r, "r", 3)
    p0 = _array(p0, "p0", 2)
    gamma = _array(gamma, "gamma", 1)
    B, S, A, S2 = P.shape
    if S2 != S or min(B, S, A) < 1:
        raise ValueError(f"P must have shape (B, S, A, S) with B, S, A >= 1, got {P.shape}")
    check_shape(r, "r", (B, S, A))
    check_shape(p0, "p0", (B, S))
    check_shape(gamma, "gamma", (B,))
    P_, r_, p0_, gamma_ = (_first_copy(x) for x in (P, r, p0, gamma))
    fast = (
        _is_distribution(P_)
        and _is_distribution(p0_)
        and np.isfinite(r_).all()
        and gamma_.min() >= 0.0
        and gamma_.max() < 1.0
    )
    if not fast:
        for name, arr in (("P", P_), ("p0", p0_)):
            check_distribution(as_float_array(arr, name), name)
        as_float_array(r_, "r")
        as_float_array(gamma_, "gamma")
        bad = (gamma_ < 0.0) | (gamma_ >= 1.0)
        if bad.any():
            b = int(np.argmax(bad))
            raise ValueError(
                f"gamma[{b}] is {float(gamma_[b])!r}, expected a number in [0, 1) (discounted MDPs)"
            )
    return P, r, p0, gamma


class MDPBatch(_MDPBatchFields):
    """``B`` discounted MDPs of one size, stacked.

    Shapes: ``P`` (B, S, A, S), ``r`` (B, S, A), ``p0`` (B, S), ``gamma`` (B,), with
    ``B, S, A >= 1``. Build one with :func:`stack_mdps` or :func:`random_mdp_batch`, or
    directly from the four arrays: the constructor validates them as
    :class:`pgtheory.TabularMDP` does each MDP's (``_replace`` too). The arrays are not
    copied (a broadcast view is checked once): do not write to them afterwards.

    Raises
    ------
    ValueError
        On wrong or mismatched shapes, non-finite entries, negative entries or rows of
        ``P`` or ``p0`` that do not sum to 1, or a ``gamma`` outside [0, 1); the message
        names the first offending entry, e.g. ``"P[0, 2, 1, :] sums to 0.97, expected 1
        (atol=1e-08)"``.
    """

    __slots__ = ()

    def __new__(cls, P: ArrayLike, r: ArrayLike, p0: ArrayLike, gamma: ArrayLike) -> MDPBatch:
        return super().__new__(cls, *_check_batch_arrays(P, r, p0, gamma))

    # used by _replace: validate there too. The ignore: mypy's own NamedTuple._make is generic
    # in its class argument, which no override can match (mypy compares them unbound).
    @classmethod
    def _make(cls, iterable: Iterable[Any]) -> Self:  # type: ignore[override]
        return cls(*iterable)

    @classmethod
    def _checked(cls, P: NDArray, r: NDArray, p0: NDArray, gamma: NDArray) -> MDPBatch:
        """A batch of arrays already known to be valid (float64, fitting shapes, rows of
        ``P`` and ``p0`` distributions, ``0 <= gamma < 1``): the constructor without its
        checks, for :func:`stack_mdps` (every TabularMDP validated itself) and
        :func:`random_mdp_batch` (valid by construction)."""
        return tuple.__new__(cls, (P, r, p0, gamma))

    @property
    def n_mdps(self) -> int:
        """Number of MDPs B."""
        return self.P.shape[0]

    @property
    def n_states(self) -> int:
        """Number of states S."""
        return self.P.shape[1]

    @property
    def n_actions(self) -> int:
        """Number of actions A."""
        return self.P.shape[2]


def check_batch(batch: object) -> MDPBatch:
    """Raise unless ``batch`` is an :class:`MDPBatch` (which validated its arrays); return it."""
    if not isinstance(batch, MDPBatch):
        raise ValueError(f"batch must be a pgtheory.MDPBatch, got {type(batch).__name__}")
    return batch


def stack_mdps(mdps: Sequence[TabularMDP]) -> MDPBatch:
    """Stack discounted MDPs of one size into an :class:`MDPBatch`.

    Parameters
    ----------
    mdps : sequence of TabularMDP
        At least one; all with ``horizon=None`` and the same ``(S, A)``.

    Returns
    -------
    MDPBatch

    Raises
    ------
    ValueError
        If ``mdps`` is empty, an entry is not a TabularMDP, has a finite horizon, or has
        another size than ``mdps[0]``.
    """
    mdps = list(mdps)
    if not mdps:
        raise ValueError("mdps must hold at least one TabularMDP, got an empty sequence")
    for i, mdp in enumerate(mdps):
        check_mdp(mdp, f"mdps[{i}]")
        if mdp.horizon is not None:
            raise ValueError(f"mdps[{i}].horizon must be None (discounted), got {mdp.horizon!r}")
        if mdp.P.shape != mdps[0].P.shape:
            raise ValueError(
                f"mdps[{i}] has (S, A) = {mdp.P.shape[:2]}, expected "
                f"{mdps[0].P.shape[:2]} like mdps[0]"
            )
    return MDPBatch._checked(
        np.stack([m.P for m in mdps]),
        np.stack([m.r for m in mdps]),
        np.stack([m.p0 for m in mdps]),
        np.array([m.gamma for m in mdps]),
    )


def unstack_mdp(batch: MDPBatch, b: int) -> TabularMDP:
    """MDP number ``b`` of the batch as a :class:`pgtheory.TabularMDP` (discounted)."""
    batch = check_batch(batch)
    if isinstance(b, bool) or not isinstance(b, int | np.integer) or not 0 <= b < batch.n_mdps:
        raise ValueError(f"b must be an integer in [0, {batch.n_mdps}), got {b!r}")
    return TabularMDP(batch.P[b], batch.r[b], batch.p0[b], float(batch.gamma[b]))


def random_mdp_batch(
    n_mdps: int,
    n_states: int,
    n_actions: int,
    *,
    rng: np.random.Generator,
    gamma: float | tuple[float, float] = 0.9,
    branching: int | None = None,
    concentration: float = 1.0,
) -> MDPBatch:
    """``n_mdps`` random discounted MDPs, as :func:`pgtheory.random_mdp` draws them.

    Transitions are flat-Dirichlet(``concentration``) rows (on ``branching`` random
    successors if given: sparse dynamics), rewards ``Uniform(0, 1)``, ``p0`` flat Dirichlet:
    the arrays of :func:`pgtheory.core.mdp.random_mdp_arrays` with ``n_mdps`` and
    ``weights_first=True`` (its draw order), after the discounts when they are drawn.

    Parameters
    ----------
    n_mdps, n_states, n_actions : int
        B, S and A, each >= 1.
    rng : numpy.random.Generator
        Source of randomness (keyword-only).
    gamma : float or (low, high)
        One discount for all, or ``gamma[b] ~ Uniform(low, high)`` with
        ``0 <= low <= high < 1``.
    branching : int or None
        Number of successor states of each ``(s, a)``, in ``[1, S]``; None for all S.
    concentration : float
        Dirichlet concentration, > 0.

    Returns
    -------
    MDPBatch
    """
    B = check_positive_int(n_mdps, "n_mdps")
    rng = check_rng(rng)
    if isinstance(gamma, tuple):
        low, high = (check_real(g, "gamma") for g in gamma)
        if not 0.0 <= low <= high < 1.0:
            raise ValueError(f"gamma must satisfy 0 <= low <= high < 1, got ({low}, {high})")
        gammas = rng.uniform(low, high, size=B)
    else:
        g = check_real(gamma, "gamma")
        if not 0.0 <= g < 1.0:
            raise ValueError(f"gamma must lie in [0, 1), got {g!r}")
        gammas = np.full(B, g)
    P, r, p0 = random_mdp_arrays(
        n_states,
        n_actions,
        rng=rng,
        n_mdps=B,
        branching=branching,
        concentration=concentration,
        weights_first=True,
    )
    return MDPBatch._checked(P, r, p0, gammas)


def check_batch_policy(batch: MDPBatch, pi: ArrayLike, name: str = "pi") -> NDArray[np.float64]:
    """``pi`` as a policy for every MDP of ``batch``: shape (B, S, A), float64.

    ``pi`` has shape (B, S, A), one policy per MDP, or (S, A), one for all (returned as a
    read-only broadcast view); every row ``pi[b, s, :]`` must be a distribution.

    Raises
    ------
    ValueError
        If ``pi`` does not fit the batch or a row is not a distribution, naming the first
        offending entry (as :func:`pgtheory.core.validation.check_distribution`).
    """
    shape = (batch.n_mdps, batch.n_states, batch.n_actions)
    arr = np.asarray(pi, dtype=np.float64) if isinstance(pi, np.ndarray) else None
    if arr is not None and arr.shape == shape:
        # Fast path for a large batch: one pass for the sums, one for the minimum (a NaN or
        # inf makes a sum non-finite); the full checks below name the offending entry.
        sums = arr.sum(axis=-1)
        if np.isfinite(sums).all() and arr.min() >= 0 and np.abs(sums - 1.0).max() <= PROB_ATOL:
            return arr
    arr = as_float_array(pi, name)
    if arr.shape == shape[1:]:
        arr = np.broadcast_to(arr, shape)
    check_shape(arr, name, shape)
    check_distribution(arr, name)
    return arr


def _chain(batch: MDPBatch, pi: NDArray) -> tuple[NDArray, NDArray]:
    """``P_pi[b, s, s']`` and ``r_pi[b, s]``."""
    P_pi = np.einsum("bsat,bsa->bst", batch.P, pi)
    r_pi = np.einsum("bsa,bsa->bs", batch.r, pi)
    return P_pi, r_pi


def _system(batch: MDPBatch, P_pi: NDArray) -> NDArray:
    """``I - gamma[b] P_pi[b]``, shape (B, S, S)."""
    return np.eye(batch.n_states) - batch.gamma[:, None, None] * P_pi


def _evaluate(batch: MDPBatch, pi: NDArray) -> ValueFunctions:
    P_pi, r_pi = _chain(batch, pi)
    V = np.linalg.solve(_system(batch, P_pi), r_pi[..., None])[..., 0]
    Q = batch.r + batch.gamma[:, None, None] * np.einsum("bsat,bt->bsa", batch.P, V)
    return ValueFunctions(V, Q, Q - V[..., None])


def _occupancy(batch: MDPBatch, pi: NDArray) -> NDArray:
    P_pi, _ = _chain(batch, pi)
    system_T = np.swapaxes(_system(batch, P_pi), 1, 2)
    return np.linalg.solve(system_T, batch.p0[..., None])[..., 0]


def batch_evaluate(batch: MDPBatch, pi: ArrayLike) -> ValueFunctions:
    """Exact ``V``, ``Q``, ``A`` of ``pi[b]`` in every MDP of the batch.

    ``V[b] = solve(I - gamma[b] P_pi[b], r_pi[b])`` for all ``b`` in one batched solve,
    ``Q[b, s, a] = r[b, s, a] + gamma[b] sum_s' P[b, s, a, s'] V[b, s']``, ``A = Q - V``:
    :func:`pgtheory.evaluate` of each MDP.

    Parameters
    ----------
    batch : MDPBatch
    pi : array_like, shape (B, S, A) or (S, A)
        One policy per MDP, or one for all.

    Returns
    -------
    ValueFunctions
        ``V`` (B, S), ``Q`` (B, S, A), ``A`` (B, S, A).

    Raises
    ------
    ValueError
        If ``pi`` does not fit the batch or a row is not a distribution.
    """
    batch = check_batch(batch)
    return _evaluate(batch, check_batch_policy(batch, pi))


def batch_expected_return(batch: MDPBatch, pi: ArrayLike) -> NDArray[np.float64]:
    """``J[b] = p0[b] . V[b]``, shape (B,): :func:`pgtheory.expected_return` of each MDP."""
    batch = check_batch(batch)
    V = _evaluate(batch, check_batch_policy(batch, pi)).V
    return np.einsum("bs,bs->b", batch.p0, V)


def batch_occupancy(batch: MDPBatch, pi: ArrayLike) -> NDArray[np.float64]:
    """Unnormalized discounted occupancy ``rho[b, s] = sum_t gamma[b]^t P(s_t = s)``, (B, S).

    ``rho[b] = solve((I - gamma[b] P_pi[b])^T, p0[b])`` for all ``b`` in one batched solve:
    :func:`pgtheory.occupancy` of each MDP (its single row), TRPO's ``rho_pi``
    (Schulman et al. 2015, eq. 2). Row ``b`` sums to ``1 / (1 - gamma[b])``.

    Raises
    ------
    ValueError
        As :func:`batch_evaluate`.
    """
    batch = check_batch(batch)
    return _occupancy(batch, check_batch_policy(batch, pi))


def batch_visitation(batch: MDPBatch, pi: ArrayLike) -> NDArray[np.float64]:
    """Normalized discounted visitation ``d[b]``, shape (B, S), rows summing to 1.

    ``d[b] = (1 - gamma[b]) solve((I - gamma[b] P_pi[b])^T, p0[b])``:
    :func:`pgtheory.discounted_visitation` of each MDP.
    """
    rho = batch_occupancy(batch, pi)
    return (1.0 - batch.gamma)[:, None] * rho
