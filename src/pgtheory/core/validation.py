"""Input validation shared by every public function of :mod:`pgtheory`.

The one home of the boundary checks: every module validates its arguments with these
functions, so that a given mistake gets the same message everywhere. Every check raises
:class:`ValueError` whose message names the argument, the expected and the actual value
and, for arrays, the offending index, e.g. ``"P[3, 1, :] sums to 0.97, expected 1
(atol=1e-08)"``. Checks of library objects live beside them:
:func:`pgtheory.core.mdp.check_mdp` (an MDP and its policies) and
:func:`pgtheory.core.sampling.check_trajectories`.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "PROB_ATOL",
    "as_float_array",
    "check_distribution",
    "check_indices",
    "check_nonnegative",
    "check_policy",
    "check_positive_int",
    "check_probability",
    "check_real",
    "check_rng",
    "check_shape",
    "check_theta",
    "check_unit_interval",
    "index_label",
]

#: Tolerance for "sums to one" checks on probability vectors.
PROB_ATOL = 1e-8


def index_label(name: str, idx: tuple[int, ...], trailing_colon: bool) -> str:
    """An entry's label in a message: ``name[i, j]``, or ``name[i, j, :]`` for a row.

    ``index_label("P", (3, 1), True)`` is ``"P[3, 1, :]"``; an empty ``idx`` gives ``name``
    (a scalar, or a 1-D array as a whole when ``trailing_colon`` is False).
    """
    parts = [str(int(i)) for i in idx]
    if trailing_colon:
        parts.append(":")
    return f"{name}[{', '.join(parts)}]" if parts else name


def as_float_array(x: ArrayLike, name: str, ndim: int | None = None) -> NDArray[np.float64]:
    """Convert ``x`` to a float64 array; check its number of dimensions and finiteness."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array, got {type(x).__name__}") from exc
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimension(s), got shape {arr.shape} ({arr.ndim} dimension(s))"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(np.argwhere(bad)[0])
        raise ValueError(f"{index_label(name, idx, False)} is {arr[idx]}, expected a finite number")
    return arr


def check_shape(arr: NDArray, name: str, shape: tuple[int, ...]) -> None:
    """Raise unless ``arr.shape == shape``."""
    if arr.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {arr.shape}")


def check_nonnegative(arr: NDArray, name: str) -> None:
    """Raise on the first negative entry."""
    neg = arr < 0
    if neg.any():
        idx = tuple(np.argwhere(neg)[0])
        raise ValueError(f"{index_label(name, idx, False)} is {arr[idx]:.6g}, expected >= 0")


def check_distribution(arr: NDArray, name: str, atol: float = PROB_ATOL) -> None:
    """Raise unless every slice along the last axis is a probability vector."""
    check_nonnegative(arr, name)
    sums = arr.sum(axis=-1)
    off = np.abs(sums - 1.0) > atol
    if np.any(off):
        idx = tuple(np.argwhere(np.atleast_1d(off))[0]) if arr.ndim > 1 else ()
        total = sums[idx] if arr.ndim > 1 else float(sums)
        label = index_label(name, idx, arr.ndim > 1)
        raise ValueError(f"{label} sums to {total:.6g}, expected 1 (atol={atol:g})")


def check_probability(x: object, name: str) -> float:
    """Raise unless ``x`` is a real number in [0, 1]; return it as float."""
    x = check_real(x, name)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {x!r}")
    return x


def check_unit_interval(
    x: ArrayLike, name: str, *, open_right: bool = False, atol: float = 0.0
) -> NDArray[np.float64]:
    """``x`` (a scalar or an array) as float64, every entry in [0, 1] (``open_right``: [0, 1)).

    ``atol`` widens the closed interval to [0, 1 + atol], for a quantity computed from rows
    that are distributions up to ``PROB_ATOL`` (a total variation can exceed 1 by rounding).
    The message names the first offending entry, e.g. ``"gamma[1, 0] is -0.5, expected a
    number in [0, 1)"``.
    """
    arr = as_float_array(x, name)
    bad = (arr < 0.0) | ((arr >= 1.0) if open_right else (arr > 1.0 + atol))
    if bad.any():
        idx = tuple(np.argwhere(np.atleast_1d(bad))[0]) if arr.ndim else ()
        interval = "[0, 1)" if open_right else "[0, 1]"
        value = float(arr[idx])
        raise ValueError(
            f"{index_label(name, idx, False)} is {value!r}, expected a number in {interval}"
        )
    return arr


def check_real(x: object, name: str) -> float:
    """Raise unless ``x`` is a finite real scalar."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {type(x).__name__} {x!r}")
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x!r}")
    return x


def check_positive_int(n: object, name: str) -> int:
    """Raise unless ``n`` is an integer >= 1."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= 1, got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {n!r}")
    return int(n)


def check_indices(
    arr: ArrayLike, name: str, upper: int | None, kind: str = "integer"
) -> NDArray[np.int64]:
    """Raise unless ``arr`` holds integers (``kind``s) in ``[0, upper)``; return int64.

    ``upper=None`` checks the dtype only. Messages name the first offending index, e.g.
    ``"actions[1] is 3, expected an integer in [0, 3)"``.
    """
    arr = np.asarray(arr)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must hold {kind}s, got dtype {arr.dtype}")
    if upper is not None:
        bad = (arr < 0) | (arr >= upper)
        if bad.any():
            idx = tuple(np.argwhere(bad)[0])
            raise ValueError(
                f"{index_label(name, idx, False)} is {arr[idx]}, expected an {kind} in [0, {upper})"
            )
    return arr.astype(np.int64)


def check_rng(rng: object, name: str = "rng") -> np.random.Generator:
    """Raise unless ``rng`` is a :class:`numpy.random.Generator`."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"{name} must be a numpy.random.Generator (e.g. numpy.random.default_rng(0)), "
            f"got {type(rng).__name__}"
        )
    return rng


def check_policy(
    pi: ArrayLike, name: str, n_states: int | None = None, n_actions: int | None = None
) -> NDArray[np.float64]:
    """Validate a tabular policy ``pi[s, a]`` (rows are distributions over actions).

    With both ``n_states`` and ``n_actions`` given, the shape must be ``(n_states,
    n_actions)``; return ``pi`` as a float64 array.
    """
    arr = as_float_array(pi, name, ndim=2)
    if n_states is not None and n_actions is not None:
        check_shape(arr, name, (n_states, n_actions))
    check_distribution(arr, name)
    return arr


def check_theta(theta: ArrayLike, name: str, n_states: int, n_actions: int) -> NDArray[np.float64]:
    """Validate softmax logits ``theta[s, a]`` for an MDP with ``n_states`` and ``n_actions``.

    ``theta`` must be a finite 2-D array of shape ``(n_states, n_actions)``, e.g.
    ``"theta must have shape (2, 2) to fit the MDP, got (3, 2)"``; return it as float64.
    """
    arr = as_float_array(theta, name, ndim=2)
    if arr.shape != (n_states, n_actions):
        raise ValueError(
            f"{name} must have shape {(n_states, n_actions)} to fit the MDP, got {arr.shape}"
        )
    return arr
