"""CartPole-v1 throughput of slide S1's REINFORCE training loop (issue #10).

Trains the linear softmax policy of :mod:`pgtheory.pg_as_pi.cartpole` with the chapter's default
budget and reports environment steps per second of the whole loop (gymnasium's vectorized
environment, the policy, the estimate and the update), the time, and the 100-episode
evaluation score. The design notes measured 50-90 k steps/s on this kind of machine.

    .venv/bin/python benchmarks/bench_cartpole.py [--quick]

``--quick`` trains for 10 iterations only: the smoke run of ``tests/test_benchmarks.py``,
about a second; its times and scores say nothing about the targets.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import fmt_time, format_table

from pgtheory import cartpole

#: Seconds allowed for one default training run (S1 trains twice within 30 s).
TRAIN_TARGET = 12.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 iterations only")
    args = parser.parse_args(argv)
    kwargs = {"n_iterations": 10} if args.quick else {}
    rows = []
    for estimator in cartpole.CARTPOLE_ESTIMATORS:
        run = cartpole.train(np.random.default_rng(1), estimator=estimator, **kwargs)
        score = cartpole.mean_return(run.params, np.random.default_rng(2))
        rows.append(
            (
                estimator.replace("_", " "),
                f"{run.env_steps:,}",
                fmt_time(run.seconds),
                f"{run.env_steps / run.seconds / 1e3:.0f} k/s",
                f"{score:.1f}",
                fmt_time(TRAIN_TARGET),
                "PASS" if run.seconds <= TRAIN_TARGET else "FAIL",
            )
        )
    header = ("estimator", "env steps", "time", "steps/s", "score (100 ep.)", "target", "result")
    print(format_table(header, rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
