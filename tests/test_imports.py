"""The package's import structure: the math is numpy-only, drawing lives in pgtheory.viz."""

import subprocess
import sys


def test_importing_pgtheory_loads_no_drawing_library():
    """``import pgtheory`` is numpy-only; ``pgtheory.viz`` loads matplotlib on first use."""
    code = (
        "import sys, pgtheory as pg\n"
        "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'IPython') if m in sys.modules))\n"
        "pg.viz\n"
        "print('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[:2] == ["[]", "True"], out
