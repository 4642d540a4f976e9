"""Every number a chapter stores is rounded to the digits its reader sees.

nbval compares a chapter's stored text outputs with a re-run's, character for character.
numpy's transcendental and reduction kernels differ in the last bits between CPUs (AVX-512
or AVX2, OpenBLAS kernels, thread counts), so a float stored at full precision
(``40.84782316550433``) reproduces on the machine that executed the chapter and fails on
another. Chapters therefore round (or format) every glued, printed or tabulated value
before it is stored; their assertions keep full precision.

This test walks the stored outputs of every chapter (streams, results, displays and glue
records; not images or widget state) and fails on a decimal number with more than
``MAX_SIGNIFICANT`` significant digits, naming the chapter, the cell and the value. It also
checks that no glued number is set in bold (every other glued number is in normal weight).
"""

from __future__ import annotations

import copy
import re

import chapters
import nbformat
import pytest

CHAPTERS = chapters.load()
#: More significant digits than this in a stored number means it was not rounded.
MAX_SIGNIFICANT = 8
#: A decimal number (with a fraction, optionally an exponent) that is not part of a word,
#: a version string or a longer dotted number.
DECIMAL = re.compile(r"(?<![\w.])[-+]?(\d+)\.(\d+)(?:[eE][-+]?\d+)?(?![\w.])")
#: Output data that holds no text a reader reads as numbers.
SKIPPED_MIME = ("image/", "application/vnd.jupyter.widget")


def significant_digits(integer: str, fraction: str) -> int:
    """Significant digits of ``integer.fraction`` (leading zeros do not count)."""
    return len((integer + fraction).lstrip("0")) or 1


def output_texts(output: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """``(kind, text)`` of every text an output stores: its stream or each text MIME type."""
    if output.output_type == "stream":
        return [("stream", output.text)]
    texts = []
    for mime, value in output.get("data", {}).items():
        if any(mime.startswith(p) for p in SKIPPED_MIME):
            continue
        texts.append((mime, value if isinstance(value, str) else str(value)))
    return texts


def unrounded_floats(nb: nbformat.NotebookNode) -> list[str]:
    """One line per stored number with more than ``MAX_SIGNIFICANT`` significant digits."""
    found = []
    code = [c for c in nb.cells if c.cell_type == "code"]
    for index, cell in enumerate(code):
        for output in cell.get("outputs", []):
            for kind, text in output_texts(output):
                for match in DECIMAL.finditer(text):
                    if significant_digits(match.group(1), match.group(2)) > MAX_SIGNIFICANT:
                        found.append(f"code cell {index} ({kind}): {match.group(0)}")
    return found


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_stored_numbers_are_rounded(chapter: chapters.Chapter) -> None:
    found = unrounded_floats(nbformat.read(chapter.path, as_version=4))
    assert found == [], (
        f"{chapter.file} stores numbers with more than {MAX_SIGNIFICANT} significant digits; "
        "round them to the digits the text shows before glueing or printing them:\n"
        + "\n".join(found)
    )


def test_the_book_has_chapters() -> None:
    assert len(CHAPTERS) >= 10, [c.file for c in CHAPTERS]


GLUE_TEXT = "application/papermill.record/text/plain"


def first_glue(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if GLUE_TEXT in output.get("data", {}):
                return output
    raise AssertionError("no glue record")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_an_unrounded_glue_value_is_reported(chapter: chapters.Chapter) -> None:
    """The check catches a glued value stored at full precision (here, 40.84782316550433)."""
    nb = copy.deepcopy(nbformat.read(chapter.path, as_version=4))
    first_glue(nb).data[GLUE_TEXT] = "40.84782316550433"
    found = unrounded_floats(nb)
    assert len(found) == 1 and found[0].endswith(": 40.84782316550433"), found
    assert f"({GLUE_TEXT})" in found[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.0005212007543659719", ["0.0005212007543659719"]),  # 16 significant digits
        (
            "J = 40.84782316550433 and 2.6500000000000004",
            ["40.84782316550433", "2.6500000000000004"],
        ),
        ("-1.234567891e-05", ["-1.234567891e-05"]),  # 10 significant digits
        ("0.000123456", []),  # 6 significant digits, leading zeros do not count
        ("12345.678", []),  # 8: the limit itself is fine
        ("123456.789", ["123456.789"]),  # 9
        ("version 1.4.0.12345678901", []),  # a dotted version, not a number
        ("at 0x7f3a2b1c.5d, x1.234567890", []),  # parts of words
        ("1e-10 277240 3.0", []),  # no fraction, an integer, a short float
    ],
)
def test_decimal_pattern(text: str, expected: list[str]) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(x)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    nb.cells = [cell]
    assert [line.split(": ", 1)[1] for line in unrounded_floats(nb)] == expected


#: A bold span, ``**...**`` on one line, paired left to right as markdown pairs them.
BOLD = re.compile(r"\*\*(.+?)\*\*")


def bold_glued_numbers(text: str) -> list[str]:
    """Bold spans that hold a ``{glue:text}`` (or ``{glue}``) role: a number in bold where
    every other glued number is in the text's normal weight (issue #21, S3)."""
    return [m.group(0) for m in BOLD.finditer(text) if re.search(r"\{glue(:text)?\}`", m[1])]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_no_glued_number_is_in_bold(chapter: chapters.Chapter) -> None:
    nb = nbformat.read(chapter.path, as_version=4)
    found = [
        hit
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for hit in bold_glued_numbers(cell.source)
    ]
    assert found == [], f"{chapter.file}: glued numbers in bold: {found}"


def test_the_bold_check_finds_a_bold_glued_number() -> None:
    before = "**On {glue:text}`s3_n_sweep:d` random MDPs.** Half discounted, half with"
    assert bold_glued_numbers(before) == ["**On {glue:text}`s3_n_sweep:d` random MDPs.**"]
    after = "**Many random MDPs.** On {glue:text}`s3_n_sweep:d` random MDPs, **half** of"
    assert bold_glued_numbers(after) == []
