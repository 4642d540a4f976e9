"""The README's library example runs and its sampled return agrees with the exact one."""

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no python example"
    ns: dict = {}
    exec(blocks[0], ns)
    # 10,000 returns truncated at 100 steps (0.9^100 / 0.1 ~ 3e-4 bias at most, rewards in [0, 1]).
    se = ns["tr"].rewards.shape[0] ** -0.5 * np.std(
        ns["pg"].discounted_returns(ns["tr"].rewards, 0.9), ddof=1
    )
    assert abs(ns["J_hat"] - ns["J"]) <= 5 * se + 0.9**100 / 0.1
    assert ns["grad"].shape == (10, 3)
