"""Shared helpers for the benchmark scripts: interleaved timing and a plain-text table.

The machine the benchmarks run on is shared and noisy, so a benchmark never compares
timings taken in different runs. It times the library and its baseline side by side in
the same process with :func:`measure` (interleaved repeats, median of each) and reports
their ratio.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Mapping, Sequence

__all__ = ["fmt_rate", "fmt_time", "format_table", "measure"]


def measure(
    fns: Mapping[str, Callable[[], object]], repeats: int, *, warmup: int = 1
) -> dict[str, float]:
    """Median wall time in seconds of each callable, timed in interleaved rounds.

    Every callable is first run ``warmup`` times untimed. Then each of ``repeats``
    rounds runs every callable once, the order reversed in every other round
    (A B, B A, ...), so slow drifts of the machine's speed hit all callables alike.
    The garbage collector is paused during each timed call.

    Parameters
    ----------
    fns : mapping of str to callable
        Zero-argument callables, keyed by a label.
    repeats : int
        Number of timed rounds, >= 1.
    warmup : int
        Untimed runs of each callable before the first round, >= 0.

    Returns
    -------
    dict of str to float
        ``{label: median seconds}``, same keys as ``fns``.
    """
    if not fns:
        raise ValueError("fns must hold at least one callable, got an empty mapping")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be an integer >= 1, got {repeats!r}")
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be an integer >= 0, got {warmup!r}")
    labels = list(fns)
    for label in labels:
        for _ in range(warmup):
            fns[label]()
    times: dict[str, list[float]] = {label: [] for label in labels}
    for k in range(repeats):
        for label in labels if k % 2 == 0 else labels[::-1]:
            gc.collect()
            gc.disable()
            try:
                start = time.perf_counter()
                fns[label]()
                times[label].append(time.perf_counter() - start)
            finally:
                gc.enable()
    return {label: _median(ts) for label, ts in times.items()}


def _median(xs: Sequence[float]) -> float:
    s = sorted(xs)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else 0.5 * (s[mid - 1] + s[mid])


def fmt_time(seconds: float) -> str:
    """``0.0123`` -> ``"12.3 ms"`` (three significant digits, s/ms/us)."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-6:.3g} us"


def fmt_rate(per_second: float, unit: str = "/s") -> str:
    """``4.5e6`` -> ``"4.5 M/s"`` (three significant digits, k/M/G)."""
    for prefix, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if per_second >= scale:
            return f"{per_second / scale:.3g} {prefix}{unit}"
    return f"{per_second:.3g} {unit}"


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned.

    Returns the header line, a rule of dashes, and one line per row.
    """
    ncol = len(header)
    for i, row in enumerate(rows):
        if len(row) != ncol:
            raise ValueError(f"rows[{i}] must have {ncol} cells like the header, got {len(row)}")
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        out = [str(cells[0]).ljust(widths[0])]
        out += [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])
