"""The algorithms the bounds lead to, on tabular MDPs with exact quantities.

Conservative policy iteration (Kakade & Langford 2002), natural policy gradient (Kakade
2001), TRPO (Schulman et al. 2015: conjugate gradient and a backtracking line search on the
surrogate and the KL), PPO-clip (Schulman et al. 2017: the clipped objective on sampled
trajectories) and the update that maximizes TRPO's lower bound over a family of steps.

Every function returns an :class:`AlgorithmRun`: ``J`` per iteration and, per step, the
distance travelled (max TV, average and max KL), the exact surrogate gain
``L_pi(pi_new) - J(pi)`` and TRPO's Theorem 1 lower bound on ``J(pi_new) - J(pi)``. A step
with a negative bound left the region where the theory guarantees improvement. Policies are
tabular softmax ``pi = softmax(theta)`` (``theta[s, a]``), except in CPI, which mixes
policies. Only the discounted case (``horizon=None``) is covered; ``J`` is the
unnormalized discounted return.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.beyond.guarantees import TRPO_FORMS, batch_trpo_bound
from pgtheory.beyond.natural_gradient import natural_gradient_step
from pgtheory.core.batched import MDPBatch, batch_evaluate, batch_occupancy, batch_visitation
from pgtheory.core.mdp import TabularMDP, check_mdp
from pgtheory.core.policies import (
    average_kl_rows,
    kl_divergence_rows,
    softmax,
    total_variation_rows,
)
from pgtheory.core.sampling import sample_trajectories
from pgtheory.core.validation import (
    as_float_array,
    check_policy,
    check_positive_int,
    check_real,
    check_rng,
    check_theta,
)

__all__ = [
    "AlgorithmRun",
    "conservative_policy_iteration",
    "maximize_bound",
    "natural_policy_gradient",
    "ppo_clip",
    "trpo",
]


class AlgorithmRun(NamedTuple):
    """One run: ``K`` steps from the initial policy.

    ``J`` (K+1,): the exact return before each step and after the last. Per step (K,):
    ``step_size`` (CPI's alpha, the multiplier of the natural or TRPO direction, the chosen
    step of :func:`maximize_bound`, PPO's learning rate), ``max_tv = max_s TV(pi_k,
    pi_k+1)[s]``, ``mean_kl = sum_s d^pi_k(s) KL(pi_k || pi_k+1)[s]`` (TRPO's average KL),
    ``max_kl = max_s KL(pi_k || pi_k+1)[s]``, ``surrogate = L_pi_k(pi_k+1) - J(pi_k)`` and
    ``trpo_bound``, Theorem 1's lower bound on ``J[k+1] - J[k]`` (negative: the step left
    the region where improvement is guaranteed). ``policies`` (K+1, S, A).
    """

    J: NDArray[np.float64]
    step_size: NDArray[np.float64]
    max_tv: NDArray[np.float64]
    mean_kl: NDArray[np.float64]
    max_kl: NDArray[np.float64]
    surrogate: NDArray[np.float64]
    trpo_bound: NDArray[np.float64]
    policies: NDArray[np.float64]


def _discounted(mdp: object) -> TabularMDP:
    mdp = check_mdp(mdp)
    if mdp.horizon is not None:
        raise ValueError(
            f"mdp.horizon must be None (the algorithms use the discounted case), "
            f"got {mdp.horizon!r}"
        )
    return mdp


def _single(mdp: TabularMDP, n: int = 1) -> MDPBatch:
    """``n`` copies of one MDP as a batch (read-only broadcast views)."""
    return MDPBatch(
        np.broadcast_to(mdp.P, (n, *mdp.P.shape)),
        np.broadcast_to(mdp.r, (n, *mdp.r.shape)),
        np.broadcast_to(mdp.p0, (n, *mdp.p0.shape)),
        np.full(n, mdp.gamma),
    )


def _run(mdp: TabularMDP, policies: list[NDArray], step_sizes: list[float]) -> AlgorithmRun:
    """Exact J of every policy and the distances, surrogate and bound of every step."""
    pols = np.array(policies)
    K = len(pols) - 1
    batch = _single(mdp, K + 1)
    J = np.einsum("bs,bs->b", batch.p0, batch_evaluate(batch, pols).V)
    steps = _single(mdp, K)
    pi, pi_new = pols[:-1], pols[1:]
    parts = batch_trpo_bound(steps, pi, pi_new, form="theorem1")
    d = batch_visitation(steps, pi)
    return AlgorithmRun(
        J,
        np.array(step_sizes, dtype=float),
        total_variation_rows(pi_new, pi).max(axis=-1),
        average_kl_rows(d, pi, pi_new),
        kl_divergence_rows(pi, pi_new).max(axis=-1),
        parts.surrogate,
        parts.bound,
        pols,
    )


def _check_iterations(n_iterations: object) -> int:
    return check_positive_int(n_iterations, "n_iterations")


def _check_positive(x: object, name: str) -> float:
    x = check_real(x, name)
    if x <= 0:
        raise ValueError(f"{name} must be > 0, got {x!r}")
    return x


# --------------------------------------------------------------------------------------
# Conservative policy iteration.
# --------------------------------------------------------------------------------------


def conservative_policy_iteration(
    mdp: TabularMDP, pi: ArrayLike, n_iterations: int
) -> AlgorithmRun:
    """Conservative policy iteration with the step size of its theory.

    Each step mixes in the greedy policy ``pi'(s) = argmax_a A^pi(s, a)``:
    ``pi_new = (1 - alpha) pi + alpha pi'`` with

    ``alpha = min(1, (1 - gamma) AA / (4 gamma eps))``,

    where ``AA = E_{s ~ d^pi, a ~ pi'}[A^pi(s, a)] >= 0`` is the policy advantage and
    ``eps = max_s |E_{a ~ pi'} A^pi(s, a)|`` (``alpha = 0`` when ``AA = 0``: no action
    improves, ``pi`` is optimal). Since ``1 - gamma (1 - alpha) >= 1 - gamma``, Theorem 4.1
    gives ``J(pi_new) - J(pi) >= alpha/(1-gamma) (AA - 2 alpha gamma eps / (1 - gamma))
    >= alpha AA / (2 (1 - gamma)) >= 0``: ``J`` never decreases (for ``alpha < 1``, this
    ``alpha`` maximizes the loosened bound; values as in :func:`pgtheory.cpi_bound`, where
    the normalization is discussed).

    Parameters
    ----------
    mdp : TabularMDP
        Discounted.
    pi : array_like, shape (S, A)
        The initial policy.
    n_iterations : int
        Number of steps K >= 1.

    Returns
    -------
    AlgorithmRun
        ``step_size`` holds the alphas.

    References
    ----------
    Kakade & Langford (2002), Sec. 4.2 and Theorem 4.1.
    """
    mdp = _discounted(mdp)
    pi = check_policy(pi, "pi", mdp.n_states, mdp.n_actions)
    K = _check_iterations(n_iterations)
    gamma = mdp.gamma
    batch = _single(mdp)
    policies, alphas = [pi], []
    for _ in range(K):
        A = batch_evaluate(batch, pi[None]).A[0]
        d = batch_visitation(batch, pi[None])[0]
        greedy = np.zeros_like(pi)
        greedy[np.arange(mdp.n_states), A.argmax(axis=1)] = 1.0
        mean_adv = A.max(axis=1)  # E_{a ~ pi'} A^pi(s, a) for the greedy pi'
        policy_advantage = float(d @ mean_adv)
        eps = float(mean_adv.max())
        if policy_advantage <= 0.0:
            alpha = 0.0
        elif gamma * eps == 0.0:
            alpha = 1.0
        else:
            alpha = min(1.0, (1.0 - gamma) * policy_advantage / (4.0 * gamma * eps))
        pi = (1.0 - alpha) * pi + alpha * greedy
        policies.append(pi)
        alphas.append(alpha)
    return _run(mdp, policies, alphas)


# --------------------------------------------------------------------------------------
# Gradient methods on softmax logits.
# --------------------------------------------------------------------------------------


def _theta(mdp: TabularMDP, theta: ArrayLike) -> NDArray[np.float64]:
    return check_theta(theta, "theta", mdp.n_states, mdp.n_actions).copy()


def natural_policy_gradient(
    mdp: TabularMDP, theta: ArrayLike, n_iterations: int, *, delta: float
) -> AlgorithmRun:
    """Natural policy gradient with a fixed KL radius (Kakade 2001).

    Each step is :func:`pgtheory.natural_gradient_step`: ``theta += alpha F^-1 g`` with
    ``alpha = sqrt(2 delta / (g^T F^-1 g))``, so that the quadratic model of the average KL
    is ``delta`` (the true average KL is close to it for small ``delta``). No monotone
    improvement is claimed: the step is not checked against a bound.

    Parameters
    ----------
    mdp : TabularMDP
        Discounted.
    theta : array_like, shape (S, A)
        Initial logits.
    n_iterations : int
        K >= 1.
    delta : float
        KL radius > 0 (keyword-only).

    Returns
    -------
    AlgorithmRun
        ``step_size`` holds the alphas.

    References
    ----------
    Kakade (2001), A Natural Policy Gradient; Schulman et al. (2015), Sec. 6.
    """
    mdp = _discounted(mdp)
    theta = _theta(mdp, theta)
    K = _check_iterations(n_iterations)
    delta = _check_positive(delta, "delta")
    policies, sizes = [softmax(theta)], []
    for _ in range(K):
        step = natural_gradient_step(mdp, theta, delta)
        theta = theta + step.step
        policies.append(softmax(theta))
        sizes.append(step.step_size)
    return _run(mdp, policies, sizes)


#: Conjugate gradient stops when ``|F x - g| <= CG_RTOL |g|``.
CG_RTOL = 1e-10


def _fisher_product(d: NDArray, pi: NDArray, x: NDArray) -> NDArray:
    """``F x`` with ``F`` block diagonal: ``d(s) (diag(pi_s) - pi_s pi_s^T) x_s``."""
    px = pi * x
    return d[:, None] * (px - pi * px.sum(axis=1, keepdims=True))


def _conjugate_gradient(d: NDArray, pi: NDArray, g: NDArray, n_steps: int) -> NDArray:
    """Approximate ``F^-1 g`` by at most ``n_steps`` of conjugate gradient from 0.

    Stops early once the residual is below ``CG_RTOL`` times ``|g|``: past convergence, the
    singular ``F`` would amplify rounding noise. Started at 0 with ``g`` in the range of
    ``F``, the iterates stay in that range: the limit is the least-norm ``F^+ g``.
    """
    x = np.zeros_like(g)
    res = g.copy()
    p = res.copy()
    rr = float(np.sum(res * res))
    stop = CG_RTOL**2 * rr
    for _ in range(n_steps):
        Fp = _fisher_product(d, pi, p)
        pFp = float(np.sum(p * Fp))
        if pFp <= 0.0:
            break
        a = rr / pFp
        x = x + a * p
        res = res - a * Fp
        rr_new = float(np.sum(res * res))
        if rr_new <= stop:
            break
        p = res + (rr_new / rr) * p
        rr = rr_new
    return x


def trpo(
    mdp: TabularMDP,
    theta: ArrayLike,
    n_iterations: int,
    *,
    delta: float,
    cg_iterations: int = 10,
    backtrack: float = 0.5,
    max_backtracks: int = 10,
) -> AlgorithmRun:
    """TRPO's practical algorithm with exact quantities.

    Each step maximizes the surrogate ``L_pi(pi_new)`` subject to the average KL
    ``sum_s d^pi(s) KL(pi || pi_new)[s] <= delta`` (Schulman et al. 2015, eq. 12): the
    direction ``x ~ F^-1 g`` by ``cg_iterations`` of conjugate gradient with Fisher-vector
    products (block diagonal ``F``, never formed), the full step ``beta x`` with
    ``beta = sqrt(2 delta / x^T F x)``, then ``beta backtrack^j x`` for
    ``j = 0..max_backtracks`` until the exact surrogate gain is positive and the exact
    average KL is at most ``delta`` (App. C). If no candidate passes, the policy is kept.

    Parameters
    ----------
    mdp : TabularMDP
        Discounted.
    theta : array_like, shape (S, A)
        Initial logits.
    n_iterations : int
        K >= 1.
    delta : float
        KL radius > 0.
    cg_iterations : int
        Conjugate gradient steps, >= 1.
    backtrack : float
        Shrink factor in (0, 1).
    max_backtracks : int
        >= 1.

    Returns
    -------
    AlgorithmRun
        ``step_size`` holds the accepted multiplier of ``x`` (0 if none).

    References
    ----------
    Schulman, Levine, Moritz, Jordan & Abbeel (2015), Sec. 6 and Appendix C.
    """
    mdp = _discounted(mdp)
    theta = _theta(mdp, theta)
    K = _check_iterations(n_iterations)
    delta = _check_positive(delta, "delta")
    cg_iterations = check_positive_int(cg_iterations, "cg_iterations")
    backtrack = check_real(backtrack, "backtrack")
    if not 0.0 < backtrack < 1.0:
        raise ValueError(f"backtrack must lie in (0, 1), got {backtrack!r}")
    max_backtracks = check_positive_int(max_backtracks, "max_backtracks")
    batch = _single(mdp)
    shrink = backtrack ** np.arange(max_backtracks + 1)
    policies, sizes = [softmax(theta)], []
    for _ in range(K):
        pi = policies[-1]
        vf = batch_evaluate(batch, pi[None])
        rho = batch_occupancy(batch, pi[None])[0]
        d = (1.0 - mdp.gamma) * rho
        g = rho[:, None] * pi * vf.A[0]  # dJ/dtheta = dL/dtheta at theta
        x = _conjugate_gradient(d, pi, g, cg_iterations)
        xFx = float(np.sum(x * _fisher_product(d, pi, x)))
        size = 0.0
        if xFx > 0.0:
            sizes_j = np.sqrt(2.0 * delta / xFx) * shrink
            new = softmax(theta[None] + sizes_j[:, None, None] * x[None])
            gain = np.einsum("s,bsa,sa->b", rho, new, vf.A[0])
            kl = average_kl_rows(d, pi, new)
            ok = np.flatnonzero((gain > 0.0) & (kl <= delta))
            if ok.size:
                size = float(sizes_j[ok[0]])
        theta = theta + size * x
        policies.append(softmax(theta))
        sizes.append(size)
    return _run(mdp, policies, sizes)


def _tile(pi: NDArray, n: int) -> NDArray:
    return np.broadcast_to(pi, (n, *pi.shape))


def ppo_clip(
    mdp: TabularMDP,
    theta: ArrayLike,
    n_iterations: int,
    *,
    rng: np.random.Generator,
    clip: float = 0.2,
    n_trajectories: int = 32,
    horizon: int = 50,
    epochs: int = 10,
    learning_rate: float = 1.0,
) -> AlgorithmRun:
    """PPO with the clipped objective, on sampled trajectories (Schulman et al. 2017).

    Each iteration samples ``n_trajectories`` trajectories of length ``horizon`` from
    ``pi = softmax(theta)``, attaches the exact advantage ``A^pi(s_t, a_t)`` to each sample
    (so that only the sampling of states and actions is noisy), and takes ``epochs``
    full-batch gradient ascent steps of size ``learning_rate`` on

    ``O(theta') = 1/n sum_i sum_t gamma^t min(r_t A_t, clip(r_t, 1 - clip, 1 + clip) A_t)``,
    ``r_t = pi_theta'(a_t | s_t) / pi_theta(a_t | s_t)``:

    the sampled surrogate ``L_pi(pi') - J(pi)`` of TRPO (eq. 14), discounted with ``gamma^t``
    like the library's surrogate, with PPO's clipping (eq. 7). Nothing bounds the KL or TV of
    the step: the run records how far each step went and whether TRPO's bound still
    guarantees improvement.

    Parameters
    ----------
    mdp : TabularMDP
        Discounted.
    theta : array_like, shape (S, A)
        Initial logits.
    n_iterations : int
        K >= 1.
    rng : numpy.random.Generator
        Keyword-only.
    clip : float
        PPO's epsilon, > 0.
    n_trajectories, horizon, epochs : int
        Each >= 1.
    learning_rate : float
        > 0.

    Returns
    -------
    AlgorithmRun
        ``step_size`` holds the learning rate.

    References
    ----------
    Schulman, Wolski, Dhariwal, Radford & Klimov (2017), Proximal Policy Optimization
    Algorithms, eq. (7) and Algorithm 1.
    """
    mdp = _discounted(mdp)
    theta = _theta(mdp, theta)
    K = _check_iterations(n_iterations)
    rng = check_rng(rng)
    clip = _check_positive(clip, "clip")
    n = check_positive_int(n_trajectories, "n_trajectories")
    T = check_positive_int(horizon, "horizon")
    epochs = check_positive_int(epochs, "epochs")
    lr = _check_positive(learning_rate, "learning_rate")
    batch = _single(mdp)
    S = mdp.n_states
    weights = np.broadcast_to(mdp.gamma ** np.arange(T), (n, T)).ravel() / n
    policies = [softmax(theta)]
    for _ in range(K):
        pi = policies[-1]
        A = batch_evaluate(batch, pi[None]).A[0]
        traj = sample_trajectories(mdp, pi, n, rng=rng, horizon=T)
        s, a = traj.states.ravel(), traj.actions.ravel()
        adv = A[s, a]
        old = pi[s, a]
        new_theta = theta.copy()
        for _ in range(epochs):
            pi_new = softmax(new_theta)
            ratio = pi_new[s, a] / old
            active = ((adv > 0) & (ratio < 1.0 + clip)) | ((adv < 0) & (ratio > 1.0 - clip))
            coef = np.where(active, weights * adv * ratio, 0.0)
            grad = np.zeros_like(pi)
            np.add.at(grad, (s, a), coef)
            grad -= pi_new * np.bincount(s, weights=coef, minlength=S)[:, None]
            new_theta = new_theta + lr * grad
        theta = new_theta
        policies.append(softmax(theta))
    return _run(mdp, policies, [lr] * K)


def maximize_bound(
    mdp: TabularMDP,
    theta: ArrayLike,
    n_iterations: int,
    *,
    form: str = "theorem1",
    steps: ArrayLike | None = None,
) -> AlgorithmRun:
    """The update that maximizes TRPO's lower bound over a family of steps.

    From ``theta``, the candidates are ``theta + s u`` for ``s`` in ``steps`` and ``s = 0``,
    with ``u = A^pi`` (centred in each state: ``sum_a pi(a|s) A^pi(s, a) = 0``) scaled to
    ``max |u| = 1``: in every visited state, the natural gradient direction
    ``F^-1 g = A^pi / (1 - gamma)`` of the tabular softmax (Kakade 2001, Theorem 1). The
    step taken maximizes ``trpo_bound(form=form).bound`` (:func:`pgtheory.trpo_bound`),
    computed exactly for all candidates at once. Since ``s = 0`` has bound 0, the chosen
    bound is ``>= 0`` and, the bound being a lower bound, ``J`` never decreases: the
    minorize-maximize argument of
    Schulman et al. (2015), Sec. 3 (Algorithm 1 with a line search instead of the exact
    maximizer).

    Parameters
    ----------
    mdp : TabularMDP
        Discounted.
    theta : array_like, shape (S, A)
        Initial logits.
    n_iterations : int
        K >= 1.
    form : {"theorem1", "eq44", "kl"}
        Which form of the bound to maximize.
    steps : array_like, shape (M,), optional
        Positive step lengths; default ``numpy.geomspace(1e-3, 10, 60)``.

    Returns
    -------
    AlgorithmRun
        ``step_size`` holds the chosen ``s`` (0 when no step has a positive bound).

    References
    ----------
    Schulman et al. (2015), Sec. 3, Algorithm 1 and Theorem 1.
    """
    mdp = _discounted(mdp)
    theta = _theta(mdp, theta)
    K = _check_iterations(n_iterations)
    if form not in TRPO_FORMS:
        raise ValueError(f"form must be one of {TRPO_FORMS}, got {form!r}")
    if steps is None:
        grid = np.geomspace(1e-3, 10.0, 60)
    else:
        grid = as_float_array(steps, "steps", ndim=1)
        if grid.size == 0:
            raise ValueError("steps must hold at least one step length, got an empty array")
        if np.any(grid <= 0):
            i = int(np.argmax(grid <= 0))
            raise ValueError(f"steps[{i}] is {float(grid[i])!r}, expected > 0")
    grid = np.concatenate([[0.0], grid])
    candidates = _single(mdp, grid.size)
    batch = _single(mdp)
    policies, sizes = [softmax(theta)], []
    for _ in range(K):
        pi = policies[-1]
        # centred already: sum_a pi(a|s) A(s, a) = 0
        u: NDArray[np.float64] = batch_evaluate(batch, pi[None]).A[0]
        top = np.abs(u).max()
        size = 0.0
        if top > 0.0:
            u = u / top
            new = softmax(theta[None] + grid[:, None, None] * u[None])
            old = _tile(pi, grid.size)
            bound = batch_trpo_bound(candidates, old, new, form=form).bound
            size = float(grid[int(np.argmax(bound))])
            theta = theta + size * u
        policies.append(softmax(theta))
        sizes.append(size)
    return _run(mdp, policies, sizes)
