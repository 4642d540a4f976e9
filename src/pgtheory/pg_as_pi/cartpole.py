"""REINFORCE on CartPole-v1: a linear softmax policy in numpy, gymnasium's environment.

Slide S1's algorithm on the field's standard control task. The environment is gymnasium's
own vectorized CartPole-v1 (``gym.make_vec(..., vectorization_mode="vector_entry_point")``,
which steps all copies of the pole in one numpy call); everything else (the policy, its
score function, the estimator, the update) is numpy. Not imported by ``import pgtheory``:
``import pgtheory.pg_as_pi.cartpole`` needs gymnasium (pinned in ``requirements.txt``).

The policy is linear softmax on the observation and a bias,
``pi(a | s) = softmax(phi(s) @ params)[a]`` with ``phi(s) = (x, x_dot, angle, angle_dot, 1)``
and ``params`` of shape (5, 2). Its score is
``grad_params log pi(a | s) = phi(s) outer (onehot(a) - pi(. | s))``.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from pgtheory.core.policies import softmax
from pgtheory.core.validation import as_float_array, check_positive_int, check_real, check_rng

__all__ = [
    "CARTPOLE_ESTIMATORS",
    "CARTPOLE_THRESHOLD",
    "CartPoleRun",
    "make_env",
    "mean_return",
    "policy_probabilities",
    "train",
]

#: gymnasium's ``reward_threshold`` of CartPole-v1: the task counts as solved at a mean
#: return of 475 over 100 consecutive episodes (an episode ends after at most 500 steps).
CARTPOLE_THRESHOLD = 475.0
#: The estimators :func:`train` accepts (slide S1's full return and its reward to go).
CARTPOLE_ESTIMATORS = ("full_return", "reward_to_go")
N_FEATURES, N_ACTIONS, MAX_STEPS = 5, 2, 500


class CartPoleRun(NamedTuple):
    """What :func:`train` returns.

    ``params`` (5, 2): the trained linear softmax policy. ``mean_returns`` (n_iterations,):
    the mean return of the batch of episodes sampled at each iteration (before its update).
    ``env_steps``: environment steps taken (only steps of unfinished episodes count).
    ``seconds``: wall-clock time of the training loop.
    """

    params: NDArray[np.float64]
    mean_returns: NDArray[np.float64]
    env_steps: int
    seconds: float


def make_env(n_envs: int):
    """gymnasium's vectorized CartPole-v1 with ``n_envs`` copies (next-step autoreset)."""
    import gymnasium as gym

    return gym.make_vec(
        "CartPole-v1",
        num_envs=check_positive_int(n_envs, "n_envs"),
        vectorization_mode="vector_entry_point",
    )


def _features(obs: NDArray) -> NDArray[np.float64]:
    return np.concatenate([obs, np.ones((obs.shape[0], 1))], axis=1)


def policy_probabilities(params: NDArray, obs: NDArray) -> NDArray[np.float64]:
    """``pi(. | s)`` for a batch of observations ``obs`` (n, 4): shape (n, 2)."""
    params = as_float_array(params, "params", ndim=2)
    if params.shape != (N_FEATURES, N_ACTIONS):
        raise ValueError(f"params must have shape (5, 2), got {params.shape}")
    return _probabilities(_features(np.asarray(obs, dtype=np.float64)), params)


def _probabilities(phi: NDArray, params: NDArray) -> NDArray[np.float64]:
    # Elementwise products, not a BLAS matmul: bit-identical results for any thread count,
    # which a chaotic system like CartPole needs for reproducible runs.
    return softmax((phi[:, :, None] * params[None]).sum(axis=1))


def _episodes(env, params: NDArray, rng: np.random.Generator):
    """Run one episode in every copy of ``env``; features, actions, probs and alive masks."""
    n = env.num_envs
    obs, _ = env.reset(seed=int(rng.integers(2**31)))
    feats = np.zeros((MAX_STEPS, n, N_FEATURES))
    probs = np.zeros((MAX_STEPS, n, N_ACTIONS))
    acts = np.zeros((MAX_STEPS, n), dtype=np.int64)
    alive = np.zeros((MAX_STEPS, n), dtype=bool)
    running = np.ones(n, dtype=bool)
    for t in range(MAX_STEPS):
        phi = _features(obs)
        p = _probabilities(phi, params)
        a = (rng.random(n) < p[:, 1]).astype(np.int64)
        feats[t], probs[t], acts[t], alive[t] = phi, p, a, running
        obs, _, terminated, truncated, _ = env.step(a)
        running &= ~(terminated | truncated)
        if not running.any():
            return feats[: t + 1], probs[: t + 1], acts[: t + 1], alive[: t + 1]
    return feats, probs, acts, alive


def _check_estimator(estimator: object) -> str:
    if estimator not in CARTPOLE_ESTIMATORS:
        raise ValueError(f"estimator must be one of {CARTPOLE_ESTIMATORS}, got {estimator!r}")
    return estimator


def train(
    rng: np.random.Generator,
    *,
    estimator: str = "reward_to_go",
    n_iterations: int = 120,
    n_episodes: int = 32,
    learning_rate: float = 0.03,
) -> CartPoleRun:
    """Train the linear softmax policy on CartPole-v1 with REINFORCE (slide S1).

    Each iteration runs ``n_episodes`` episodes in parallel (reward 1 per step, no
    discount: the return is the episode length, at most 500), forms slide S1's estimate

    ``g = 1/N sum_i sum_t grad log pi(a_it | s_it) * R_it``

    with ``R_it`` the episode's full return (``"full_return"``) or the reward to go
    ``sum_{t' >= t} r_it'`` (``"reward_to_go"``), and takes an Adam step of size
    ``learning_rate`` in the direction ``g`` (Adam rescales each coordinate; the direction
    is the REINFORCE estimate, unbiased for the gradient of the mean return).

    Parameters
    ----------
    rng : numpy.random.Generator
        Seeds the environments (one seed per iteration) and draws the actions.
    estimator : {"full_return", "reward_to_go"}
    n_iterations, n_episodes : int
        The budget: ``n_iterations`` batches of ``n_episodes`` episodes.
    learning_rate : float > 0

    Returns
    -------
    CartPoleRun

    References
    ----------
    Williams (1992); Kingma & Ba (2015) for Adam.
    """
    rng = check_rng(rng)
    estimator = _check_estimator(estimator)
    n_iterations = check_positive_int(n_iterations, "n_iterations")
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    lr = check_real(learning_rate, "learning_rate")
    if lr <= 0:
        raise ValueError(f"learning_rate must be > 0, got {lr!r}")
    env = make_env(n_episodes)
    params = np.zeros((N_FEATURES, N_ACTIONS))
    m, v = np.zeros_like(params), np.zeros_like(params)
    beta1, beta2, adam_eps = 0.9, 0.999, 1e-8
    mean_returns = np.empty(n_iterations)
    steps = 0
    start = time.perf_counter()
    try:
        for k in range(n_iterations):
            feats, probs, acts, alive = _episodes(env, params, rng)
            rewards = alive.astype(np.float64)  # (T, n): 1 per step while alive
            returns = rewards.sum(axis=0)
            steps += int(alive.sum())
            mean_returns[k] = returns.mean()
            if estimator == "full_return":
                weight = np.broadcast_to(returns, rewards.shape) * alive
            else:
                weight = np.cumsum(rewards[::-1], axis=0)[::-1]
            score = np.eye(N_ACTIONS)[acts] - probs  # (T, n, A)
            g = np.einsum("tnf,tna,tn->fa", feats, score, weight) / n_episodes
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g**2
            m_hat = m / (1 - beta1 ** (k + 1))
            v_hat = v / (1 - beta2 ** (k + 1))
            params = params + lr * m_hat / (np.sqrt(v_hat) + adam_eps)
    finally:
        env.close()
    return CartPoleRun(params, mean_returns, steps, time.perf_counter() - start)


def mean_return(params: NDArray, rng: np.random.Generator, n_episodes: int = 100) -> float:
    """Mean return of the (stochastic) policy ``params`` over ``n_episodes`` episodes.

    (Formerly ``evaluate``, a name that read as :func:`pgtheory.evaluate`, the exact values
    of a tabular MDP; ``cartpole.evaluate`` is kept as an alias.)

    gymnasium counts CartPole-v1 as solved when this is at least
    :data:`CARTPOLE_THRESHOLD` = 475 with ``n_episodes=100``.
    """
    params = as_float_array(params, "params", ndim=2)
    if params.shape != (N_FEATURES, N_ACTIONS):
        raise ValueError(f"params must have shape (5, 2), got {params.shape}")
    rng = check_rng(rng)
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    env = make_env(n_episodes)
    try:
        _, _, _, alive = _episodes(env, params, rng)
    finally:
        env.close()
    return float(alive.sum(axis=0).mean())


#: The former name of :func:`mean_return`, kept so that older notebooks run.
evaluate = mean_return
