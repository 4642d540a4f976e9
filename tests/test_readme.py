"""The README: its library example runs (the sampled return agrees with the exact one), and
its slide -> chapter -> module -> test map is the chapter manifest."""

import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


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


def map_rows(readme: str) -> dict[str, list[str]]:
    """The rows of the README's slide -> chapter -> module -> test table, by slide."""
    section = readme.split("## Slide -> chapter -> module -> test", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| S"):
            rows[cells[0]] = cells[1:]
    return rows


def test_readme_map_is_the_chapter_manifest():
    """Each chapter's row names its notebook, the modules its manifest entry lists (which
    tests/test_chapters.py checks against its code), its figure, and existing test files,
    one per module: ``tests/test_<name>.py`` for ``<package>.<name>``."""
    import chapters

    import pgtheory.viz as viz

    rows = map_rows(README.read_text(encoding="utf-8"))
    manifest = chapters.load()
    assert list(rows) == [c.slide for c in manifest]
    for chapter in manifest:
        link, modules, figure, tests = rows[chapter.slide]
        assert link == f"[{chapter.title}]({chapter.file})", chapter.slide
        assert re.findall(r"`([a-z_.]+)`", modules) == list(chapter.modules), chapter.slide
        named_tests = re.findall(r"`(test_[a-z_]+\.py)`", tests)
        for module in chapter.modules:
            assert f"test_{module.rsplit('.', 1)[-1]}.py" in named_tests, (chapter.slide, module)
        if chapter.figure:
            module = getattr(viz, chapter.figure).__module__.removeprefix("pgtheory.")
            assert figure == f"`{module}.{chapter.figure}`", chapter.slide
        for name in named_tests:
            assert (ROOT / "tests" / name).is_file(), (chapter.slide, name)


def test_readme_is_at_most_200_lines():
    """The README is the two commands, what is inside and the map (issue #19); the dated
    measurements live in book/testing.md."""
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, len(lines)
