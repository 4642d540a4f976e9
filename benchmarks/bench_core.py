#!/usr/bin/env python3
"""Benchmark of pgtheory's core: the trajectory sampler and exact evaluation.

Each case times a library function and a baseline side by side in this one run
(interleaved repeats, median of each; see ``_common.measure``) and prints their ratio,
because the machine is shared and absolute timings drift between runs.

Cases (full run):

* ``sample_trajectories`` on S=100, A=4, n=10,000, T=100 against a gym-style loop that
  steps one trajectory at a time (``env.reset()``/``env.step(a)``, one ``rng.random()``
  per transition and the policy drawn with ``rng.choice`` per step), run on n=200
  trajectories: target >= 50x the loop's transitions per second, and >= 5 million
  transitions per second. A tuned per-step loop (precomputed CDFs, ``searchsorted``) is
  shown for information.
* ``state_marginals`` and finite-horizon ``evaluate`` on S=500, A=8, horizon 500, and
  discounted ``evaluate`` on S=2,000, A=8, against the bare numpy expression of the same
  math (one ``einsum`` for ``P_pi``, then matrix-vector products in a time loop, or one
  ``np.linalg.solve``): target library / bare <= 1.5.
* ``natural_gradient_step`` (discounted, A=4), which computes ``F^-1 g`` block by block
  (one A x A block of the Fisher matrix per state), against the dense form it replaced
  (:func:`dense_natural_gradient_step`: the (S*A) x (S*A) matrix of ``pg.fisher_matrix`` and
  ``np.linalg.pinv`` of it), both at S=1,000 (shown for information); and the block form at
  S=5,000 against the dense form's S=1,000 time scaled by (5,000 / 1,000)^3 = 125 (its
  pseudo-inverse and its solves are O(S^3); the dense matrix alone would take 3.2 GB):
  target >= 100x.

Before timing, every baseline is checked against the library (exact cases to rtol=1e-10;
sampled mean returns against the exact ``J`` within 5 standard errors; the dense natural
gradient step against the block one at S=1,000 to rtol=1e-10, printed on its own line above
the list of checks, whose length tests/test_benchmarks.py fixes). A failed check means the
comparison is meaningless: the script then exits with status 1. A missed performance target
is only reported (FAIL in the table); the exit status stays 0.

Usage::

    python benchmarks/bench_core.py           # full run, about 3 minutes
    python benchmarks/bench_core.py --quick   # smaller sizes, a few seconds (smoke test)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
from collections.abc import Callable

import numpy as np
from _common import fmt_rate, fmt_time, format_table, measure
from numpy.typing import NDArray

import pgtheory as pg
from pgtheory.beyond.natural_gradient import PINV_RTOL

HEADER = ("case", "library", "baseline", "ratio", "target", "result")

#: Row labels, in table order (tests/test_benchmarks.py checks that each one is printed).
CASES = (
    "sampler vs gym-style loop",
    "sampler throughput",
    "sampler vs tuned loop (info)",
    "state_marginals finite",
    "evaluate finite",
    "evaluate discounted",
)

#: Rows of the natural gradient step (after CASES, which tests/test_benchmarks.py checks).
NATURAL_CASES = (
    "natural step, block vs dense (info)",
    "natural step, block vs dense S^3-scaled",
)

SPEEDUP_TARGET = 50.0  # sampler transitions/s over the gym-style loop's
RATE_TARGET = 5e6  # sampler transitions/s
RATIO_TARGET = 1.5  # library time / bare numpy time
NATURAL_TARGET = 100.0  # dense time (scaled to the block form's S) / block time
NATURAL_DELTA = 0.01  # KL radius of the natural gradient steps
SEED = 20240611


@dataclasses.dataclass(frozen=True)
class Sizes:
    """Problem sizes and repeat counts of one run."""

    sampler_states: int
    sampler_actions: int
    sampler_n: int
    sampler_horizon: int
    loop_n: int
    finite_states: int
    finite_actions: int
    finite_horizon: int
    discounted_states: int
    discounted_actions: int
    repeats: int
    natural_states: int  # the block form, against the dense form scaled to this S
    natural_dense_states: int  # both forms, side by side
    natural_actions: int
    natural_repeats: int


FULL = Sizes(
    100,
    4,
    10_000,
    100,
    200,
    500,
    8,
    500,
    2_000,
    8,
    repeats=7,
    natural_states=5_000,
    natural_dense_states=1_000,
    natural_actions=4,
    natural_repeats=3,
)
QUICK = Sizes(
    100,
    4,
    2_000,
    50,
    20,
    100,
    8,
    100,
    300,
    8,
    repeats=5,
    natural_states=500,
    natural_dense_states=100,
    natural_actions=4,
    natural_repeats=3,
)


# --------------------------------------------------------------------------------------
# Per-step baselines for the sampler: one trajectory at a time, in the Gym style.
# --------------------------------------------------------------------------------------


class GymStyleEnv:
    """A tabular MDP behind the Gym/Gymnasium interface, stepping one trajectory.

    ``reset()`` returns the initial state; ``step(action)`` returns
    ``(next_state, reward, terminated, truncated)``. As in Gym's toy-text
    environments, each draw takes one ``rng.random()`` and inverts the cumulative sum
    of the current row of ``P`` (computed at that step).
    """

    def __init__(self, mdp: pg.TabularMDP, horizon: int, rng: np.random.Generator) -> None:
        self.P, self.r, self.p0 = mdp.P, mdp.r, mdp.p0
        self.horizon = horizon
        self.rng = rng
        self.state = 0
        self.t = 0

    def _draw(self, probs: NDArray[np.float64]) -> int:
        return int(np.argmax(np.cumsum(probs) > self.rng.random()))

    def reset(self) -> int:
        self.t = 0
        self.state = self._draw(self.p0)
        return self.state

    def step(self, action: int) -> tuple[int, float, bool, bool]:
        reward = float(self.r[self.state, action])
        self.state = self._draw(self.P[self.state, action])
        self.t += 1
        return self.state, reward, False, self.t >= self.horizon


class TunedEnv(GymStyleEnv):
    """The same interface with the row CDFs precomputed and ``searchsorted`` per draw."""

    def __init__(self, mdp: pg.TabularMDP, horizon: int, rng: np.random.Generator) -> None:
        super().__init__(mdp, horizon, rng)
        self.cdf_P = np.cumsum(self.P, axis=-1)
        self.cdf_p0 = np.cumsum(self.p0)
        self.last = self.P.shape[0] - 1

    def reset(self) -> int:
        self.t = 0
        u = self.rng.random()
        self.state = min(int(self.cdf_p0.searchsorted(u, side="right")), self.last)
        return self.state

    def step(self, action: int) -> tuple[int, float, bool, bool]:
        reward = float(self.r[self.state, action])
        u = self.rng.random()
        nxt = int(self.cdf_P[self.state, action].searchsorted(u, side="right"))
        self.state = min(nxt, self.last)
        self.t += 1
        return self.state, reward, False, self.t >= self.horizon


def gym_loop(
    mdp: pg.TabularMDP, pi: NDArray, n: int, horizon: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """``n`` trajectories, one at a time; policy ``a ~ rng.choice(A, p=pi[s])`` per step.

    Returns the rewards, shape (n, horizon).
    """
    env = GymStyleEnv(mdp, horizon, rng)
    n_actions = pi.shape[1]
    rewards = []
    for _ in range(n):
        s = env.reset()
        done = False
        while not done:
            a = int(rng.choice(n_actions, p=pi[s]))
            s, rew, terminated, truncated = env.step(a)
            rewards.append(rew)
            done = terminated or truncated
    return np.array(rewards).reshape(n, horizon)


def tuned_loop(
    mdp: pg.TabularMDP, pi: NDArray, n: int, horizon: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """As :func:`gym_loop` with precomputed CDFs for the policy and the dynamics."""
    env = TunedEnv(mdp, horizon, rng)
    cdf_pi = np.cumsum(pi, axis=1)
    last_action = pi.shape[1] - 1
    rewards = []
    for _ in range(n):
        s = env.reset()
        done = False
        while not done:
            a = min(int(cdf_pi[s].searchsorted(rng.random(), side="right")), last_action)
            s, rew, terminated, truncated = env.step(a)
            rewards.append(rew)
            done = terminated or truncated
    return np.array(rewards).reshape(n, horizon)


# --------------------------------------------------------------------------------------
# Bare numpy floors for the exact computations.
# --------------------------------------------------------------------------------------


def bare_state_marginals(P: NDArray, p0: NDArray, pi: NDArray, horizon: int) -> NDArray:
    """``p_0 = p0``, ``p_{t+1} = p_t P_pi``: one einsum, then a vector-matrix loop."""
    P_pi = np.einsum("sat,sa->st", P, pi)
    p = np.empty((horizon, p0.size))
    p[0] = p0
    for t in range(1, horizon):
        p[t] = p[t - 1] @ P_pi
    return p


def bare_evaluate_finite(
    P: NDArray, r: NDArray, pi: NDArray, gamma: float, horizon: int
) -> tuple[NDArray, NDArray, NDArray]:
    """``V[t] = r_pi + gamma P_pi V[t+1]`` in a loop; then all ``Q[t]`` in one product.

    ``Q[t] = r + gamma P V[t+1]`` and ``A = Q - V``: the outputs of ``evaluate``.
    """
    S, A = r.shape
    P_pi = np.einsum("sat,sa->st", P, pi)
    r_pi = np.einsum("sa,sa->s", r, pi)
    V = np.zeros((horizon + 1, S))
    for t in range(horizon - 1, -1, -1):
        V[t] = r_pi + gamma * (P_pi @ V[t + 1])
    Q = r + gamma * (V[1:] @ P.reshape(S * A, S).T).reshape(horizon, S, A)
    return V[:horizon], Q, Q - V[:horizon, :, None]


def bare_evaluate_discounted(
    P: NDArray, r: NDArray, pi: NDArray, gamma: float
) -> tuple[NDArray, NDArray, NDArray]:
    """``V = solve(I - gamma P_pi, r_pi)``, ``Q = r + gamma P V``, ``A = Q - V``."""
    S, A = r.shape
    P_pi = np.einsum("sat,sa->st", P, pi)
    r_pi = np.einsum("sa,sa->s", r, pi)
    V = np.linalg.solve(np.eye(S) - gamma * P_pi, r_pi)
    Q = r + gamma * (P.reshape(S * A, S) @ V).reshape(S, A)
    return V, Q, Q - V[:, None]


def dense_natural_gradient_step(
    mdp: pg.TabularMDP, theta: NDArray, delta: float
) -> tuple[NDArray, NDArray, float]:
    """``natural_gradient_step`` as the library computed it before the block form.

    The dense (S*A) x (S*A) Fisher matrix, its pseudo-inverse (``np.linalg.pinv``, the same
    cut-off ``PINV_RTOL``), ``g^T F^-1 g``, ``g^T F g`` and the quadratic KL of the step, all
    on dense vectors. Returns ``(direction, step, quadratic_kl)`` with arrays of shape (S, A).
    """
    F = pg.fisher_matrix(mdp, theta)
    g = pg.policy_gradient(mdp, theta).ravel()
    direction = np.linalg.pinv(F, rtol=PINV_RTOL, hermitian=True) @ g
    gFinv_g = float(g @ direction)
    _ = float(g @ F @ g)  # gF_g, computed by the old step too
    step = np.sqrt(2.0 * delta / gFinv_g) * direction
    return direction.reshape(theta.shape), step.reshape(theta.shape), float(0.5 * step @ F @ step)


# --------------------------------------------------------------------------------------
# Running the cases.
# --------------------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _max_rel_err(got: object, want: object) -> float:
    """Largest ``|got - want| / max(1, |want|)`` over (tuples of) arrays."""
    pairs = zip(got, want, strict=True) if isinstance(want, tuple) else [(got, want)]
    worst = 0.0
    for g, w in pairs:
        g, w = np.asarray(g), np.asarray(w)
        if g.shape != w.shape:
            return float("inf")
        worst = max(worst, float(np.max(np.abs(g - w) / np.maximum(1.0, np.abs(w)))))
    return worst


class Checks:
    """Correctness checks of the baselines against the library, printed after the table."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.failed = 0

    def exact(self, case: str, got: object, want: object, rtol: float = 1e-10) -> None:
        err = _max_rel_err(got, want)
        ok = err <= rtol
        self.failed += not ok
        self.lines.append(
            f"{case}: baseline vs library, max rel. error {err:.1e} (<= {rtol:g}) "
            f"{'ok' if ok else 'MISMATCH'}"
        )

    def mean_return(self, case: str, rewards: NDArray, J: float, n_se: float = 5.0) -> None:
        returns = rewards.sum(axis=1)
        se = float(returns.std(ddof=1) / np.sqrt(returns.size))
        z = abs(float(returns.mean()) - J) / se if se > 0 else 0.0
        ok = z <= n_se
        self.failed += not ok
        self.lines.append(
            f"{case}: mean return {returns.mean():.4f} vs exact J {J:.4f}, "
            f"{z:.2f} standard errors (<= {n_se:g}) {'ok' if ok else 'MISMATCH'}"
        )


def sampler_rows(sz: Sizes, rng: np.random.Generator, checks: Checks) -> list[tuple[str, ...]]:
    S, A, T = sz.sampler_states, sz.sampler_actions, sz.sampler_horizon
    mdp = pg.random_mdp(S, A, rng=rng, gamma=1.0, horizon=T)
    pi = pg.softmax_policy(rng.normal(size=(S, A)))
    J = pg.expected_return(mdp, pi)

    fns: dict[str, Callable[[], object]] = {
        "library": lambda: pg.sample_trajectories(mdp, pi, sz.sampler_n, rng=rng).rewards,
        "gym": lambda: gym_loop(mdp, pi, sz.loop_n, T, rng),
        "tuned": lambda: tuned_loop(mdp, pi, sz.loop_n, T, rng),
    }
    for name, fn in fns.items():  # also the warm-up
        checks.mean_return(f"sampler ({name})", fn(), J)
    t = measure(fns, sz.repeats, warmup=0)

    lib_rate = sz.sampler_n * T / t["library"]
    gym_rate = sz.loop_n * T / t["gym"]
    tuned_rate = sz.loop_n * T / t["tuned"]
    lib_cell = f"{fmt_time(t['library'])} ({fmt_rate(lib_rate, ' tr/s')})"

    def loop_cell(name: str, rate: float) -> str:
        return f"{fmt_time(t[name])} ({fmt_rate(rate, ' tr/s')})"

    speedup = lib_rate / gym_rate
    return [
        (
            CASES[0],
            lib_cell,
            loop_cell("gym", gym_rate),
            f"{speedup:.1f}x",
            f">= {SPEEDUP_TARGET:g}x",
            _verdict(speedup >= SPEEDUP_TARGET),
        ),
        (
            CASES[1],
            lib_cell,
            "-",
            "-",
            f">= {fmt_rate(RATE_TARGET, ' tr/s')}",
            _verdict(lib_rate >= RATE_TARGET),
        ),
        (
            CASES[2],
            lib_cell,
            loop_cell("tuned", tuned_rate),
            f"{lib_rate / tuned_rate:.1f}x",
            "-",
            "info",
        ),
    ]


def _fmt_long(seconds: float) -> str:
    """``fmt_time``, in minutes from one minute on."""
    return f"{seconds / 60:.3g} min" if seconds >= 60 else fmt_time(seconds)


def natural_rows(sz: Sizes, rng: np.random.Generator) -> tuple[list[tuple[str, ...]], str, bool]:
    """The natural gradient rows, and the line (and result) of the block-vs-dense check."""
    A, small, large = sz.natural_actions, sz.natural_dense_states, sz.natural_states
    mdp_small = pg.random_mdp(small, A, rng=rng, gamma=0.9)
    theta_small = rng.normal(size=(small, A))
    mdp_large = pg.random_mdp(large, A, rng=rng, gamma=0.9)
    theta_large = rng.normal(size=(large, A))

    fns: dict[str, Callable[[], object]] = {
        "block": lambda: pg.natural_gradient_step(mdp_small, theta_small, NATURAL_DELTA),
        "dense": lambda: dense_natural_gradient_step(mdp_small, theta_small, NATURAL_DELTA),
        "block large": lambda: pg.natural_gradient_step(mdp_large, theta_large, NATURAL_DELTA),
    }
    block = fns["block"]()  # the checked calls double as the warm-up
    dense = fns["dense"]()
    fns["block large"]()
    err = _max_rel_err((block.direction, block.step, block.quadratic_kl), dense)
    ok = err <= 1e-10
    check = (
        f"natural step S={small:,}: dense vs block, max rel. error {err:.1e} (<= 1e-10) "
        f"{'ok' if ok else 'MISMATCH'}"
    )
    t = measure(fns, sz.natural_repeats, warmup=0)

    factor = (large / small) ** 3
    dense_large = t["dense"] * factor
    speedup = dense_large / t["block large"]
    rows = [
        (
            NATURAL_CASES[0],
            f"{fmt_time(t['block'])} (S={small:,})",
            f"{fmt_time(t['dense'])} (S={small:,})",
            f"{t['dense'] / t['block']:.1f}x",
            "-",
            "info",
        ),
        (
            NATURAL_CASES[1],
            f"{fmt_time(t['block large'])} (S={large:,})",
            f"{_fmt_long(dense_large)} (S={small:,} time x {factor:g})",
            f"{speedup:.0f}x",
            f">= {NATURAL_TARGET:g}x",
            _verdict(speedup >= NATURAL_TARGET),
        ),
    ]
    return rows, check, ok


def ratio_row(case: str, t: dict[str, float]) -> tuple[str, ...]:
    ratio = t["library"] / t["bare"]
    return (
        case,
        fmt_time(t["library"]),
        fmt_time(t["bare"]),
        f"{ratio:.2f}",
        f"<= {RATIO_TARGET:g}",
        _verdict(ratio <= RATIO_TARGET),
    )


def exact_rows(sz: Sizes, rng: np.random.Generator, checks: Checks) -> list[tuple[str, ...]]:
    rows = []
    S, A, T = sz.finite_states, sz.finite_actions, sz.finite_horizon
    mdp = pg.random_mdp(S, A, rng=rng, gamma=1.0, horizon=T)
    pi = pg.softmax_policy(rng.normal(size=(S, A)))

    fns: dict[str, Callable[[], object]] = {
        "library": lambda: pg.state_marginals(mdp, pi),
        "bare": lambda: bare_state_marginals(mdp.P, mdp.p0, pi, T),
    }
    checks.exact(CASES[3], fns["bare"](), fns["library"]())
    rows.append(ratio_row(CASES[3], measure(fns, sz.repeats)))

    fns = {
        "library": lambda: pg.evaluate(mdp, pi),
        "bare": lambda: bare_evaluate_finite(mdp.P, mdp.r, pi, mdp.gamma, T),
    }
    checks.exact(CASES[4], fns["bare"](), tuple(fns["library"]()))
    rows.append(ratio_row(CASES[4], measure(fns, sz.repeats)))
    del mdp

    S, A = sz.discounted_states, sz.discounted_actions
    mdp = pg.random_mdp(S, A, rng=rng, gamma=0.9)
    pi = pg.softmax_policy(rng.normal(size=(S, A)))
    fns = {
        "library": lambda: pg.evaluate(mdp, pi),
        "bare": lambda: bare_evaluate_discounted(mdp.P, mdp.r, pi, mdp.gamma),
    }
    checks.exact(CASES[5], fns["bare"](), tuple(fns["library"]()))
    rows.append(ratio_row(CASES[5], measure(fns, sz.repeats)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke test)")
    args = parser.parse_args(argv)
    sz = QUICK if args.quick else FULL
    rng = np.random.default_rng(SEED)

    print(f"pgtheory core benchmark ({'quick' if args.quick else 'full'} run)")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '-')}"
    )
    print(
        f"sampler: S={sz.sampler_states}, A={sz.sampler_actions}, T={sz.sampler_horizon}; "
        f"library n={sz.sampler_n}, loops n={sz.loop_n} (tr/s = transitions per second)"
    )
    print(
        f"exact: finite S={sz.finite_states}, A={sz.finite_actions}, T={sz.finite_horizon}; "
        f"discounted S={sz.discounted_states}, A={sz.discounted_actions}, gamma=0.9"
    )
    print(
        f"natural gradient: A={sz.natural_actions}, gamma=0.9, block form at "
        f"S={sz.natural_dense_states:,} and S={sz.natural_states:,}, dense form at "
        f"S={sz.natural_dense_states:,} (median of {sz.natural_repeats}), scaled by S^3 to "
        f"S={sz.natural_states:,}"
    )
    print(f"median of {sz.repeats} interleaved repeats per timing; ratios from this run only")
    if args.quick:
        print("quick run: the targets are meant for the full sizes")
    print()

    checks = Checks()
    rows = sampler_rows(sz, rng, checks) + exact_rows(sz, rng, checks)
    more, natural_check, natural_ok = natural_rows(sz, rng)
    print(format_table(HEADER, rows + more))
    print()
    print(natural_check)
    print()
    print("checks (baseline computes the same thing as the library):")
    for line in checks.lines:
        print(f"  {line}")
    failed = checks.failed + (not natural_ok)
    if failed:
        print(f"{failed} check(s) failed: the timings above do not compare like with like")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
