#!/usr/bin/env python3
"""Benchmark of pgtheory.core.batched: exact evaluation of many MDPs at once.

Each case times the library and a baseline side by side in this one run (interleaved
repeats, median of each; see ``_common.measure``) and prints their ratio, because the
machine is shared and absolute timings drift between runs.

Cases (full run, B = 10,000 random discounted MDPs with S = 5, A = 3):

* ``batch_evaluate`` + ``batch_visitation`` (V, Q, A and d of every MDP) against a Python
  loop calling the one-MDP ``pg.evaluate`` and ``pg.discounted_visitation`` per MDP (timed
  on ``loop_n`` MDPs and scaled to B): target >= 20x.
* ``batch_evaluate`` and ``batch_visitation`` each against the bare numpy floor: the same
  math written out with no validation (one ``einsum`` for ``P_pi``, one batched
  ``np.linalg.solve``): target library / bare <= 1.5.
* ``bound_tightness_sweep`` on 10,000 MDPs (every bound of ``pgtheory.beyond.guarantees``): target
  <= 10 s, the budget of the chapter that runs it.

Before timing, the loop and the floor are checked against the library (rtol 1e-10); a
failed check exits with status 1. A missed target is only reported (FAIL in the table).

Usage::

    python benchmarks/bench_batched.py           # full run, well under a minute
    python benchmarks/bench_batched.py --quick   # smaller sizes, about a second (smoke test)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import time

import numpy as np
from _common import fmt_time, format_table, measure
from numpy.typing import NDArray

import pgtheory as pg

HEADER = ("case", "library", "baseline", "ratio", "target", "result")

#: Row labels, in table order.
CASES = (
    "batched vs Python loop",
    "batch_evaluate vs bare numpy",
    "batch_visitation vs bare numpy",
    "tightness sweep (10,000 MDPs)",
)

SPEEDUP_TARGET = 20.0
RATIO_TARGET = 1.5
SWEEP_TARGET = 10.0  # seconds
SEED = 20261129


@dataclasses.dataclass(frozen=True)
class Sizes:
    n_mdps: int
    n_states: int
    n_actions: int
    loop_n: int
    sweep_n: int
    repeats: int


FULL = Sizes(10_000, 5, 3, 1_000, 10_000, repeats=15)
QUICK = Sizes(1_000, 5, 3, 100, 1_000, repeats=3)


def bare_evaluate(P: NDArray, r: NDArray, gamma: NDArray, pi: NDArray):
    """V, Q and A of every MDP: the math of ``batch_evaluate`` with no checks."""
    S = P.shape[1]
    P_pi = np.einsum("bsat,bsa->bst", P, pi)
    r_pi = np.einsum("bsa,bsa->bs", r, pi)
    V = np.linalg.solve(np.eye(S) - gamma[:, None, None] * P_pi, r_pi[..., None])[..., 0]
    Q = r + gamma[:, None, None] * np.einsum("bsat,bt->bsa", P, V)
    return V, Q, Q - V[..., None]


def bare_visitation(P: NDArray, p0: NDArray, gamma: NDArray, pi: NDArray):
    """d of every MDP: the math of ``batch_visitation`` with no checks."""
    S = P.shape[1]
    P_pi = np.einsum("bsat,bsa->bst", P, pi)
    M_T = np.eye(S) - gamma[:, None, None] * np.swapaxes(P_pi, 1, 2)
    return ((1.0 - gamma)[:, None] * np.linalg.solve(M_T, p0[..., None])[..., 0],)


def library(batch: pg.MDPBatch, pi: NDArray):
    vf = pg.batch_evaluate(batch, pi)
    return vf.V, vf.Q, vf.A, pg.batch_visitation(batch, pi)


def loop(mdps: list[pg.TabularMDP], pi: NDArray):
    """The one-MDP functions, one MDP at a time."""
    out = [
        (pg.evaluate(m, p), pg.discounted_visitation(m, p)) for m, p in zip(mdps, pi, strict=True)
    ]
    return (
        np.array([o[0].V for o in out]),
        np.array([o[0].Q for o in out]),
        np.array([o[0].A for o in out]),
        np.array([o[1] for o in out]),
    )


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


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


def _max_rel_err(got: tuple, want: tuple) -> float:
    return max(
        float(np.max(np.abs(g - w) / np.maximum(1.0, np.abs(w))))
        for g, w in zip(got, want, strict=True)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke test)")
    args = parser.parse_args(argv)
    sz = QUICK if args.quick else FULL
    rng = np.random.default_rng(SEED)

    print(f"pgtheory batched-evaluation benchmark ({'quick' if args.quick else 'full'} run)")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '-')}"
    )
    print(
        f"B={sz.n_mdps} MDPs, S={sz.n_states}, A={sz.n_actions}, gamma in [0.5, 0.95]; "
        f"loop timed on {sz.loop_n} MDPs and scaled to B; sweep on {sz.sweep_n} MDPs"
    )
    print(f"median of {sz.repeats} interleaved repeats per timing; ratios from this run only")
    if args.quick:
        print("quick run: the targets are meant for the full sizes")
    print()

    batch = pg.random_mdp_batch(sz.n_mdps, sz.n_states, sz.n_actions, rng=rng, gamma=(0.5, 0.95))
    pi = pg.softmax_policy(rng.normal(size=(sz.n_mdps * sz.n_states, sz.n_actions)))
    pi = pi.reshape(sz.n_mdps, sz.n_states, sz.n_actions)
    mdps = [pg.unstack_mdp(batch, b) for b in range(sz.loop_n)]

    checks, failed = [], 0
    lib = library(batch, pi)
    for name, got, want in (
        ("loop", loop(mdps, pi[: sz.loop_n]), tuple(x[: sz.loop_n] for x in lib)),
        ("bare evaluate", bare_evaluate(batch.P, batch.r, batch.gamma, pi), lib[:3]),
        ("bare visitation", bare_visitation(batch.P, batch.p0, batch.gamma, pi), lib[3:]),
    ):
        err = _max_rel_err(got, want)
        ok = err <= 1e-10
        failed += not ok
        checks.append(
            f"{name}: baseline vs library, max rel. error {err:.1e} (<= 1e-10) "
            f"{'ok' if ok else 'MISMATCH'}"
        )

    t = measure(
        {"library": lambda: library(batch, pi), "loop": lambda: loop(mdps, pi[: sz.loop_n])},
        sz.repeats,
    )
    loop_full = t["loop"] * sz.n_mdps / sz.loop_n
    speedup = loop_full / t["library"]
    t_eval = measure(
        {
            "library": lambda: pg.batch_evaluate(batch, pi),
            "bare": lambda: bare_evaluate(batch.P, batch.r, batch.gamma, pi),
        },
        sz.repeats,
    )
    t_vis = measure(
        {
            "library": lambda: pg.batch_visitation(batch, pi),
            "bare": lambda: bare_visitation(batch.P, batch.p0, batch.gamma, pi),
        },
        sz.repeats,
    )

    start = time.perf_counter()
    sweep = pg.bound_tightness_sweep(sz.sweep_n, rng=np.random.default_rng(0))
    sweep_time = time.perf_counter() - start
    violations = int(sweep.violations.sum())
    failed += violations != 0
    checks.append(
        f"sweep: {violations} violations over {len(sweep.names)} bounds (== 0) "
        f"{'ok' if violations == 0 else 'MISMATCH'}"
    )

    rows = [
        (
            CASES[0],
            fmt_time(t["library"]),
            f"{fmt_time(loop_full)} (scaled)",
            f"{speedup:.1f}x",
            f">= {SPEEDUP_TARGET:g}x",
            _verdict(speedup >= SPEEDUP_TARGET),
        ),
        ratio_row(CASES[1], t_eval),
        ratio_row(CASES[2], t_vis),
        (
            CASES[3] if sz.sweep_n == 10_000 else f"tightness sweep ({sz.sweep_n:,} MDPs)",
            fmt_time(sweep_time),
            "-",
            "-",
            f"<= {SWEEP_TARGET:g} s",
            _verdict(sweep_time <= SWEEP_TARGET),
        ),
    ]
    print(format_table(HEADER, rows))
    print()
    print("checks (baseline computes the same thing as the library):")
    for line in checks:
        print("  " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
