"""The executor's normalization: what makes re-running a chapter give the same bytes."""

import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import execute_notebooks


def test_consecutive_streams_are_merged_per_stream_name():
    out = nbformat.v4.new_output
    outputs = [
        out("stream", name="stdout", text="a\n"),
        out("stream", name="stdout", text="b\n"),
        out("stream", name="stderr", text="warn\n"),
        out("stream", name="stdout", text="c\n"),
        out("execute_result", data={"text/plain": "1"}, execution_count=1),
        out("stream", name="stdout", text="d\n"),
    ]
    merged = execute_notebooks.coalesce_streams(outputs)
    assert [(o.output_type, o.get("name"), o.get("text")) for o in merged] == [
        ("stream", "stdout", "a\nb\n"),
        ("stream", "stderr", "warn\n"),
        ("stream", "stdout", "c\n"),
        ("execute_result", None, None),
        ("stream", "stdout", "d\n"),
    ]


def test_normalize_fixes_metadata_and_ids():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1"), nbformat.v4.new_code_cell("2")]
    nb.cells[1]["id"] = nb.cells[0]["id"]  # a duplicate id is renumbered
    nb.cells[0].metadata["execution"] = {"iopub.execute_input": "2026-01-01T00:00:00"}
    nb.metadata["kernelspec"] = {"name": "other"}
    norm = execute_notebooks.normalize(nb)
    assert norm.metadata["kernelspec"] == execute_notebooks.KERNELSPEC
    assert "execution" not in norm.cells[0].metadata
    assert norm.cells[0]["id"] != norm.cells[1]["id"]
