"""The natural policy gradient step that follows slide S9 (tabular softmax policies).

Maximizing the linearized surrogate ``g^T dtheta`` subject to the quadratic model of the
average KL divergence, ``1/2 dtheta^T F dtheta <= delta``, gives the natural gradient step
(Kakade 2001; Schulman et al. 2015, Sec. 6 and App. C)::

    dtheta = alpha F^-1 g,        alpha = sqrt(2 delta / (g^T F^-1 g)).

Conventions.

- ``theta`` has shape (S, A) and ``pi = softmax(theta)`` (:func:`pgtheory.softmax_policy`);
  vectors and matrices over parameters use the row-major flattening ``i = s * A + a``.
- ``g = dJ/dtheta`` is the exact gradient of the unnormalized return
  (:func:`pgtheory.policy_gradient`).
- ``F`` is the Fisher information of the policy averaged over the normalized discounted
  visitation ``d = d^pi`` (:func:`pgtheory.discounted_visitation`)::

      F = sum_s d(s) sum_a pi(a|s) grad log pi(a|s) grad log pi(a|s)^T,

  so that ``1/2 dtheta^T F dtheta`` is the second-order expansion of the average KL
  divergence ``sum_s d(s) KL(pi(.|s) || pi_new(.|s))`` (:func:`average_kl`). For the
  tabular softmax, ``F`` is block diagonal with blocks ``d(s) (diag(pi_s) - pi_s pi_s^T)``,
  singular along ``theta[s, :] + c`` (which does not change the policy) and in states with
  ``d(s) = 0``: ``F^-1`` is the Moore-Penrose pseudo-inverse, i.e. the step of smallest norm.
  In the discounted case the natural gradient is then the advantage itself,
  ``F^-1 g = A / (1 - gamma)`` centred in each state (Kakade 2001, Theorem 1, tabular case).
- The step never forms the (S*A) x (S*A) matrix: the pseudo-inverse of a block-diagonal
  matrix is block diagonal, so ``F^-1 g`` is computed state by state from one batched
  eigendecomposition of the S blocks (A x A each), in O(S A^3) time and O(S A^2) memory
  on top of the exact ``g`` and ``d``; :func:`fisher_matrix` still returns the dense matrix,
  to read or to check against.

The slide's lecture continues with this step; some transcriptions of it drop the inverse
and write ``alpha = sqrt(2 delta / (g^T F g))`` (the errata page,
:ref:`errata-natural-gradient`):
``form="no_inverse"`` reproduces that step size so that its quadratic KL,
``delta (g^T F^-1 g) / (g^T F g)``, can be compared with ``delta``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.core.evaluation import discounted_visitation, policy_gradient
from pgtheory.core.mdp import TabularMDP, check_mdp, check_mdp_policies
from pgtheory.core.policies import average_kl_rows, softmax_policy
from pgtheory.core.validation import check_real, check_theta

__all__ = [
    "NaturalGradientStep",
    "average_kl",
    "fisher_matrix",
    "natural_gradient_step",
]

#: Relative cut-off of the pseudo-inverse of the singular Fisher matrix: eigenvalues at most
#: this times ``F``'s largest eigenvalue count as 0, as in :func:`numpy.linalg.pinv` of the
#: dense matrix with ``rtol=PINV_RTOL``.
PINV_RTOL = 1e-10

STEP_FORMS = ("inverse", "no_inverse")

#: A gradient below this times ``1 + max|r| * sum_t gamma^t`` is rounding noise: no step.
STATIONARY_RTOL = 1e-12


def _horizon(mdp: TabularMDP) -> float:
    """``sum_t gamma^t``: the largest return per unit of reward."""
    if mdp.horizon is None:
        return 1.0 / (1.0 - mdp.gamma)
    return float(np.sum(mdp.gamma ** np.arange(mdp.horizon)))


def _fisher_blocks(pi: NDArray[np.float64], d: NDArray[np.float64]) -> NDArray[np.float64]:
    """The diagonal blocks of ``F``, ``F_s = d(s) (diag(pi_s) - pi_s pi_s^T)``, shape (S, A, A)."""
    A = pi.shape[1]
    return d[:, None, None] * (pi[:, :, None] * np.eye(A) - pi[:, :, None] * pi[:, None, :])


def _fisher(pi: NDArray[np.float64], d: NDArray[np.float64]) -> NDArray[np.float64]:
    """The dense ``F``, shape (S*A, S*A): the blocks on the diagonal, zeros elsewhere."""
    S, A = pi.shape
    F = np.zeros((S, A, S, A))
    states = np.arange(S)
    F[states, :, states, :] = _fisher_blocks(pi, d)
    return F.reshape(S * A, S * A)


def _pinv_solve(blocks: NDArray[np.float64], g: NDArray[np.float64]) -> NDArray[np.float64]:
    """``F^+ g`` for the block-diagonal ``F`` given by its blocks (S, A, A); ``g`` is (S, A).

    The pseudo-inverse of each block from its eigendecomposition ``F_s = U_s diag(w_s) U_s^T``
    (``np.linalg.eigh`` on the stack), keeping the eigenvalues with ``|w| > PINV_RTOL max|w|``,
    the maximum over *all* blocks: the eigenvalues of ``F`` are those of its blocks, so this is
    ``np.linalg.pinv(F, rtol=PINV_RTOL, hermitian=True) @ g`` without forming ``F``. A state
    whose eigenvalues are all below the cut-off (one visited less than about ``PINV_RTOL``
    times as often as the most visited state) keeps none: its rows of the result are 0.
    """
    w, U = np.linalg.eigh(blocks)
    size = np.abs(w)
    kept = size > PINV_RTOL * size.max()
    inv_w = np.divide(1.0, w, out=np.zeros_like(w), where=kept)
    coords = np.einsum("sba,sb->sa", U, g)  # U_s^T g_s
    return np.einsum("sab,sb->sa", U, inv_w * coords)


def _quadratic_form(x: NDArray[np.float64], blocks: NDArray[np.float64]) -> float:
    """``x^T F x = sum_s x_s^T F_s x_s`` for ``x`` of shape (S, A)."""
    return float(np.einsum("sa,sab,sb->", x, blocks, x))


def fisher_matrix(mdp: TabularMDP, theta: ArrayLike) -> NDArray[np.float64]:
    """Fisher information ``F`` of ``pi = softmax(theta)`` under ``d^pi``, shape (S*A, S*A).

    ``F[i, j] = sum_s d(s) sum_a pi(a|s) dlog pi(a|s)/dtheta_i dlog pi(a|s)/dtheta_j`` with
    ``i = s * A + a`` and ``d`` the normalized discounted visitation of ``pi``; for the
    softmax, ``dlog pi(a|s)/dtheta[s', b] = 1{s = s'} (1{a = b} - pi(b|s))``.

    Parameters
    ----------
    mdp : TabularMDP
        Discounted or finite horizon (``d`` as in :func:`pgtheory.discounted_visitation`).
    theta : array_like, shape (S, A)
        Finite logits.

    Returns
    -------
    ndarray, shape (S*A, S*A)
        Symmetric positive semi-definite, block diagonal by state.
    """
    mdp = check_mdp(mdp)
    pi = softmax_policy(check_theta(theta, "theta", mdp.n_states, mdp.n_actions))
    return _fisher(pi, discounted_visitation(mdp, pi))


def average_kl(mdp: TabularMDP, pi: ArrayLike, pi_new: ArrayLike) -> float:
    """``sum_s d^pi(s) KL(pi(.|s) || pi_new(.|s))``: TRPO's average KL (Schulman et al. 2015).

    ``d^pi`` is the normalized discounted visitation of the *old* policy ``pi``. Infinite
    when ``pi_new`` puts zero mass on an action that ``pi`` takes in a visited state.
    """
    mdp, pi, pi_new = check_mdp_policies(mdp, pi, pi_new)
    return float(average_kl_rows(discounted_visitation(mdp, pi), pi, pi_new))


class NaturalGradientStep(NamedTuple):
    """One natural gradient step (see :func:`natural_gradient_step`); arrays are (S, A)."""

    #: ``g = dJ/dtheta``.
    gradient: NDArray[np.float64]
    #: ``F^-1 g`` (pseudo-inverse: the solution of least norm).
    direction: NDArray[np.float64]
    #: ``alpha``, by the rule of ``form``; 0 at a stationary point (``g = 0`` up to rounding).
    step_size: float
    #: ``alpha F^-1 g``: add it to ``theta``.
    step: NDArray[np.float64]
    #: ``1/2 step^T F step``, the quadratic model of the average KL after the step.
    quadratic_kl: float
    #: ``g^T F^-1 g``.
    gFinv_g: float
    #: ``g^T F g``.
    gF_g: float


def natural_gradient_step(
    mdp: TabularMDP, theta: ArrayLike, delta: float, *, form: str = "inverse"
) -> NaturalGradientStep:
    """The natural gradient step of size ``delta`` (in average KL) from ``theta``.

    ``step = alpha F^-1 g`` with ``alpha = sqrt(2 delta / (g^T F^-1 g))`` (``form="inverse"``),
    so that the quadratic model of the average KL, ``1/2 step^T F step``, equals ``delta``.
    ``form="no_inverse"`` uses ``alpha = sqrt(2 delta / (g^T F g))`` instead, the step size
    of transcriptions that drop the inverse (the errata page,
    :ref:`errata-natural-gradient`); its quadratic KL is ``delta (g^T F^-1 g) / (g^T F g)``.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like, shape (S, A)
    delta : float
        The KL radius, ``> 0``.
    form : {"inverse", "no_inverse"}

    Returns
    -------
    NaturalGradientStep
        At a stationary point (``max |g|`` at most ``STATIONARY_RTOL`` times
        ``1 + max|r| sum_t gamma^t``, i.e. rounding noise) the step is zero and ``step_size`` 0.

    Notes
    -----
    ``F^-1 g`` is the pseudo-inverse of the dense matrix (cut-off ``PINV_RTOL`` relative to
    ``F``'s largest eigenvalue; states visited below it get no step) computed block by block,
    in O(S A^3) after the O(S^3) exact evaluation: at S = 5,000 and A = 4 the dense ``F``
    alone would be 20,000 x 20,000 (3.2 GB) and its pseudo-inverse O((S A)^3)
    (``benchmarks/bench_core.py`` compares the two forms).
    """
    mdp = check_mdp(mdp)
    theta = check_theta(theta, "theta", mdp.n_states, mdp.n_actions)
    delta = check_real(delta, "delta")
    if delta <= 0:
        raise ValueError(f"delta must be > 0, got {delta!r}")
    if form not in STEP_FORMS:
        raise ValueError(f"form must be one of {STEP_FORMS}, got {form!r}")
    pi = softmax_policy(theta)
    blocks = _fisher_blocks(pi, discounted_visitation(mdp, pi))
    g = policy_gradient(mdp, theta)
    direction = _pinv_solve(blocks, g)
    gFinv_g = float(np.sum(g * direction))
    gF_g = _quadratic_form(g, blocks)
    norm = gFinv_g if form == "inverse" else gF_g
    stationary = np.abs(g).max() <= STATIONARY_RTOL * (1.0 + np.abs(mdp.r).max() * _horizon(mdp))
    alpha = 0.0 if stationary or norm <= 0 else float(np.sqrt(2.0 * delta / norm))
    step = alpha * direction
    return NaturalGradientStep(
        gradient=g,
        direction=direction,
        step_size=alpha,
        step=step,
        quadratic_kl=0.5 * _quadratic_form(step, blocks),
        gFinv_g=gFinv_g,
        gF_g=gF_g,
    )
