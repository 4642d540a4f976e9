"""The executor: its normalization (what makes re-running a chapter give the same bytes), and
that execution never stalls on a lost wake-up and turns a hanging cell into a loud failure."""

import asyncio
import sys
from pathlib import Path
from queue import Empty

import nbformat
import pytest
import zmq
import zmq.asyncio
from jupyter_client.session import Session
from own_thread import in_own_thread

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


# -- execution never stalls (issue #20) ------------------------------------------------------


class LostWakeupSocket(zmq.asyncio.Socket):
    """A socket whose first poll loses its wake-up: whatever the timeout, it reports no
    message (the timeout passing with the message already there, or, with no timeout, a
    hang). Later polls are real. Records every poll's timeout in ms (None: no limit)."""

    polls: list

    async def poll(self, timeout=None, flags=zmq.POLLIN):  # type: ignore[override]
        self.polls.append(timeout)
        if len(self.polls) == 1:
            return 0
        return await super().poll(timeout, flags)


def receive(timeout: float | None, *, send: bool) -> tuple[object, list]:
    """``SlicedPollChannel.get_msg(timeout)`` on a ``LostWakeupSocket`` whose peer sent one
    message (``send``) or none: the message (or the exception raised) and the polls."""

    async def run() -> tuple[object, list]:
        ctx = zmq.asyncio.Context()
        peer = ctx.socket(zmq.PAIR)
        sock = ctx.socket(zmq.PAIR, socket_class=LostWakeupSocket)
        sock.polls = []
        try:
            peer.bind("inproc://lost-wakeup")
            sock.connect("inproc://lost-wakeup")
            session = Session(key=b"")
            if send:
                session.send(peer, "execute_reply", {"status": "ok"})
            channel = execute_notebooks.SlicedPollChannel(sock, session)
            try:
                result: object = await channel.get_msg(timeout=timeout)
            except Empty as exc:
                result = exc
            return result, sock.polls
        finally:
            peer.close(linger=0)
            sock.close(linger=0)
            ctx.term()

    return in_own_thread(asyncio.run, run())  # not in the browser tests' event loop


@pytest.mark.parametrize("timeout", [None, 60.0])
def test_a_lost_wakeup_costs_one_poll_slice(timeout):
    """The reply arrives although the first poll's wake-up is lost: the channel polls again
    after one slice. Every poll is bounded by the slice (a poll with the whole timeout, as
    jupyter_client's channel makes, would wait out the timeout, or forever with None)."""
    msg, polls = receive(timeout, send=True)
    assert isinstance(msg, dict) and msg["msg_type"] == "execute_reply", msg
    slice_ms = execute_notebooks.POLL_SLICE * 1000
    assert len(polls) >= 2 and all(p is not None and p <= slice_ms for p in polls), polls


def test_the_sliced_channel_still_times_out():
    """With no message, ``get_msg(timeout)`` raises ``Empty`` once the timeout has passed."""
    result, polls = receive(2 * execute_notebooks.POLL_SLICE, send=False)
    assert isinstance(result, Empty), result
    assert len(polls) >= 2, polls


def test_the_executor_polls_in_slices():
    """The executor's nbclient client makes kernel clients with sliced shell and IOPub
    channels, and turns timeouts into errors (nbclient's default drops late output)."""
    client = execute_notebooks.notebook_client(nbformat.v4.new_notebook(), Path.cwd())
    kc = client.kernel_manager_class(kernel_name=execute_notebooks.KERNEL_NAME).client()
    assert kc.shell_channel_class is execute_notebooks.SlicedPollChannel
    assert kc.iopub_channel_class is execute_notebooks.SlicedPollChannel
    assert client.timeout == execute_notebooks.CELL_TIMEOUT
    assert client.raise_on_iopub_timeout and client.iopub_timeout == execute_notebooks.IOPUB_TIMEOUT


def sleeping_notebook(folder: Path) -> Path:
    """``sleeper.ipynb`` in ``folder``: a markdown cell, then a code cell that sleeps 600 s."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A cell that hangs"),
        nbformat.v4.new_code_cell("import time\n\ntime.sleep(600)"),
    ]
    nb.cells[1]["id"] = "the-sleeper"
    path = folder / "sleeper.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_hanging_cell_fails_naming_notebook_and_cell(tmp_path):
    """A cell that outlives the cell timeout raises, naming the notebook, the cell's index,
    id and first line; the notebook is left as it was."""
    path = sleeping_notebook(tmp_path)
    before = path.read_bytes()
    with pytest.raises(execute_notebooks.ChapterCellTimeout) as err:
        execute_notebooks.execute(path, cell_timeout=2)
    message = str(err.value)
    assert str(path) in message and "cell 1 (id the-sleeper, 'import time')" in message, message
    assert "timed out" in message, message
    assert path.read_bytes() == before


def test_the_command_line_reports_a_hanging_cell(tmp_path, capsys):
    """``execute_notebooks.py --cell-timeout 2 <notebook>`` exits 1 and prints FAIL with the
    notebook and the cell."""
    path = sleeping_notebook(tmp_path)
    assert execute_notebooks.main(["--cell-timeout", "2", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "cell 1 (id the-sleeper" in out, out
