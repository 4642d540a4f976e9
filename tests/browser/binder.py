"""The Binder path, simulated on this machine: fresh venv, JupyterLab, a live widget.

Binder clones the repository and runs ``pip install -r requirements.txt`` from its root;
a reader then opens a chapter in JupyterLab, runs it, and moves the widget's sliders. This
module does exactly that, offline and isolated:

1. :func:`prepare_binder_env` copies the working tree (what a clone holds) to a temporary
   directory, installs ``requirements.txt`` into a new virtual environment there
   (``python -m venv`` + ``pip``), so nothing but that file provides the runtime, and runs
   the repository's ``postBuild`` in it, as repo2docker does (it turns the chapters into
   their readers' copies, ``tools/readers_copy.py``).
2. :class:`LabServer` starts ``jupyter lab`` from that environment on 127.0.0.1 with a
   random token, with every user/config/data/workspace directory in the temporary
   directory and JupyterLab's news, update checks and autosave turned off; it is always
   stopped (its whole process group) on exit.
3. :func:`run_chapter_and_move_slider` drives chromium (Playwright): open the chapter,
   Run > Run All Cells, wait for the widget's figure, then press the arrow key on the
   ``eps`` slider ``n_moves`` times and measure, in the page, the time from each key press
   to the moment the output image's ``src`` changes.

Used by ``tests/browser/test_binder_path.py`` and ``benchmarks/bench_browser.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import chapters
from browser_support import REPO_ROOT, OfflineGuard, free_port

#: Chapter opened on the Binder path (its file name in book/, from the chapter manifest) and
#: the label of the slider that is moved.
S7_NOTEBOOK = chapters.by_slide("S7").path.name
EPS_LABEL = "ε"
#: Interactive latency target for one slider move (ms): reported, not asserted.
LATENCY_TARGET_MS = 300.0

#: What a fresh clone would not contain.
_NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "_build",
    "build",
    "dist",
    "test-artifacts",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    ".ipynb_checkpoints",
    "node_modules",
)

#: JupyterLab user settings that keep a scripted session quiet and the notebook unchanged.
LAB_SETTINGS: dict[str, dict[str, object]] = {
    # No "Would you like to receive official Jupyter news?" toast, no update check.
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    # Never write the notebook back (we run a copy anyway).
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    # Every cell attached to the DOM, so outputs far down the page can be found.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


@dataclass
class BinderEnv:
    """A Binder-like checkout: ``repo`` (the copied tree) and the venv's ``python``."""

    root: Path
    repo: Path
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        return self.bin / "python"


def _requirements_key(repo: Path) -> str:
    digest = hashlib.sha256()
    for name in ("requirements.txt", "pyproject.toml"):
        path = repo / name
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:16]


def _pip(python: Path, *args: str, cwd: Path) -> None:
    cmd = [str(python), "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(
            f"`{' '.join(cmd)}` failed in {cwd} (exit {proc.returncode}):\n"
            f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )


def prepare_binder_env(workdir: Path, *, source: Path = REPO_ROOT) -> BinderEnv:
    """Copy ``source`` to ``workdir/repo`` and install its ``requirements.txt`` into a venv.

    The venv (``workdir/venv-<hash of requirements.txt and pyproject.toml>``) is reused
    when it already exists in ``workdir``; the package itself (``.`` in
    requirements.txt) is then reinstalled from the fresh copy, so it is never stale.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    repo = workdir / "repo"
    if repo.exists():
        shutil.rmtree(repo)
    shutil.copytree(source, repo, ignore=_NOT_IN_A_CLONE)
    venv = workdir / f"venv-{_requirements_key(repo)}"
    env = BinderEnv(root=workdir, repo=repo, venv=venv)
    ready = venv / ".requirements-installed"
    if not ready.is_file():
        if venv.exists():
            shutil.rmtree(venv)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        _pip(env.python, "install", "--quiet", "-r", "requirements.txt", cwd=repo)
        ready.write_text("ok\n", encoding="utf-8")
    else:
        _pip(env.python, "install", "--quiet", "--no-deps", "--force-reinstall", ".", cwd=repo)
    run_post_build(env)
    return env


def run_post_build(env: BinderEnv) -> None:
    """Run the copy's ``postBuild`` with the venv first on PATH (as repo2docker does)."""
    script = env.repo / "postBuild"
    if not script.is_file():
        return
    environ = dict(os.environ)
    environ["PATH"] = f"{env.bin}{os.pathsep}{environ.get('PATH', '')}"
    environ["VIRTUAL_ENV"] = str(env.venv)
    # The home of the LabServer (its default ``home_name``), as on Binder, where postBuild
    # and the server share one: what postBuild's ``jupyter trust`` signs, the server trusts.
    home = env.root / LabServer.home_name
    environ["HOME"] = str(home)
    environ["JUPYTER_DATA_DIR"] = str(home / ".local/share/jupyter")
    environ["JUPYTER_PLATFORM_DIRS"] = "1"
    proc = subprocess.run(
        ["bash", str(script)], cwd=env.repo, env=environ, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"postBuild failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")


def _write_lab_settings(settings_dir: Path) -> None:
    for plugin, values in LAB_SETTINGS.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2), encoding="utf-8")


@dataclass
class LabServer:
    """``jupyter lab`` from a :class:`BinderEnv`, isolated, on 127.0.0.1 (a context manager)."""

    env: BinderEnv
    root_dir: Path
    startup_timeout_s: float = 120.0
    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(24))
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    #: More command-line options for ``jupyter lab``.
    extra_args: tuple[str, ...] = ()
    #: The server's home (config, data, settings) under the env's root.
    home_name: str = "home"
    #: Lab extensions to disable (page_config ``disabledExtensions``), e.g. to show a check
    #: failing without ``jupyterlab-myst``.
    disabled_extensions: tuple[str, ...] = ()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def notebook_url(self, name: str, *, reset: bool = False) -> str:
        """The notebook's URL; ``reset``: in a fresh workspace (no other tab restored)."""
        return f"{self.base_url}lab/tree/{name}?{'reset&' if reset else ''}token={self.token}"

    def _environment(self) -> dict[str, str]:
        home = self.env.root / self.home_name
        dirs = {
            "HOME": home,
            "JUPYTER_CONFIG_DIR": home / ".jupyter",
            "JUPYTER_DATA_DIR": home / ".local/share/jupyter",
            "JUPYTER_RUNTIME_DIR": home / ".local/share/jupyter/runtime",
            "JUPYTERLAB_SETTINGS_DIR": home / ".jupyter/lab/user-settings",
            "JUPYTERLAB_WORKSPACES_DIR": home / ".jupyter/lab/workspaces",
            "IPYTHONDIR": home / ".ipython",
            "MPLCONFIGDIR": home / ".config/matplotlib",
        }
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        _write_lab_settings(dirs["JUPYTERLAB_SETTINGS_DIR"])
        page_config = dirs["JUPYTER_CONFIG_DIR"] / "labconfig" / "page_config.json"
        page_config.parent.mkdir(parents=True, exist_ok=True)
        disabled = {name: True for name in self.disabled_extensions}
        page_config.write_text(json.dumps({"disabledExtensions": disabled}), encoding="utf-8")
        keep = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT")
        environ = {k: os.environ[k] for k in keep if k in os.environ}
        environ.update({k: str(v) for k, v in dirs.items()})
        environ["PATH"] = f"{self.env.bin}{os.pathsep}{environ.get('PATH', '')}"
        environ["VIRTUAL_ENV"] = str(self.env.venv)
        environ["JUPYTER_PLATFORM_DIRS"] = "1"
        environ["PYTHONNOUSERSITE"] = "1"
        return environ

    def start(self) -> LabServer:
        self.log_path = self.env.root / f"jupyterlab-{self.port}.log"
        cmd = [
            str(self.env.python),
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.allow_root=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            *self.extra_args,
        ]
        with open(self.log_path, "w", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                cmd,
                cwd=self.root_dir,
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: we stop it and its kernels
            )
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        url = f"{self.base_url}api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited with {self.process.returncode}:\n{self.log()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise RuntimeError(
            f"jupyter lab did not answer within {self.startup_timeout_s} s:\n{self.log()}"
        )

    def log(self) -> str:
        if self.log_path and self.log_path.is_file():
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-6000:]
        return ""

    def stop(self) -> None:
        """Terminate the server's process group (server and kernels); kill if it lingers."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)

    def __enter__(self) -> LabServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class SliderRun:
    """Outcome of :func:`run_chapter_and_move_slider`."""

    before_png: bytes
    after_png: bytes
    before_src: str
    after_src: str
    latencies_ms: list[float]
    values: list[str]
    page_errors: list[str]
    blocked: list[str]
    widget_errors: list[str]
    error_outputs: list[str]
    unexecuted_cells: int
    dialogs: list[str]

    def summary(self) -> dict[str, float | int | list[float]]:
        lat = self.latencies_ms
        return {
            "n_moves": len(lat),
            "median_ms": statistics.median(lat) if lat else float("nan"),
            "min_ms": min(lat) if lat else float("nan"),
            "max_ms": max(lat) if lat else float("nan"),
            "target_ms": LATENCY_TARGET_MS,
            "latencies_ms": [round(x, 1) for x in lat],
        }


# Installed in the notebook page: records key presses on the slider and output changes.
_PROBE_JS = r"""
([cellIndex]) => {
  const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[cellIndex];
  const probe = {t0: null, t1: null, src: null, armed: false};
  const currentSrc = () => {
    const imgs = cell.querySelectorAll('.widget-output img, .jp-OutputArea-output img');
    return imgs.length ? imgs[imgs.length - 1].getAttribute('src') : null;
  };
  probe.currentSrc = currentSrc;
  cell.addEventListener('keydown', () => {
    if (probe.armed && probe.t0 === null) probe.t0 = performance.now();
  }, true);
  const check = () => {
    if (!probe.armed || probe.t0 === null || probe.t1 !== null) return;
    const src = currentSrc();
    if (src && src !== probe.src) probe.t1 = performance.now();
  };
  new MutationObserver(check).observe(cell, {subtree: true, childList: true, attributes: true,
                                             attributeFilter: ['src']});
  window.__pgProbe = probe;
  return currentSrc();
}
"""


# Code cells without an execution count: from the notebook model when the app is exposed
# (a collapsed input shows no prompt), else from the prompts on the page.
_UNEXECUTED_JS = r"""
() => {
  const app = window.jupyterapp;
  if (app && app.shell.currentWidget && app.shell.currentWidget.content) {
    return app.shell.currentWidget.content.widgets
      .filter((w) => w.model.type === 'code' && !w.model.executionCount).length;
  }
  return Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))
    .filter((p) => !/\[\d+\]/.test(p.textContent)).length;
}
"""


# Error outputs (tracebacks) anywhere in the notebook.
_ERROR_OUTPUTS_JS = r"""
() => Array.from(document.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
  .map((o) => o.textContent)
  .filter((t) => /Traceback|\b[A-Z]\w*Error\b/.test(t))
  .map((t) => t.slice(0, 600))
"""


def _dismiss_dialogs(page) -> list[str]:
    """Accept any modal JupyterLab dialog (e.g. kernel selection); return their texts."""
    texts = []
    for _ in range(5):
        dialog = page.locator(".jp-Dialog")
        if dialog.count() == 0 or not dialog.first.is_visible():
            break
        texts.append(dialog.first.inner_text()[:300])
        dialog.first.locator(".jp-mod-accept").first.click()
        page.wait_for_timeout(300)
    return texts


def _find_widget_cell(page, label: str) -> int:
    """Index of the notebook cell whose output holds the slider labelled ``label``."""
    return page.evaluate(
        r"""(label) => {
          const cells = Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell'));
          return cells.findIndex((c) => Array.from(c.querySelectorAll(
            '.widget-slider .widget-label, .widget-hslider .widget-label'))
            .some((l) => l.textContent.trim() === label));
        }""",
        label,
    )


def run_chapter_and_move_slider(
    browser,
    server: LabServer,
    *,
    notebook: str = S7_NOTEBOOK,
    label: str = EPS_LABEL,
    n_moves: int = 10,
    timeout_ms: float = 180_000,
    screenshot_dir: Path | None = None,
) -> SliderRun:
    """Open ``notebook`` in JupyterLab, run all cells, move the slider ``n_moves`` times."""
    guard = OfflineGuard()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    guard.attach(context)
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    try:
        page.goto(server.notebook_url(notebook), wait_until="domcontentloaded")
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell")
        # The kernel must be up before "Run All" (else JupyterLab may queue or ask).
        _wait_kernel_idle(page, server, timeout_ms)
        dialogs = _dismiss_dialogs(page)
        page.locator(".jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        page.wait_for_function(
            r"""(label) => Array.from(document.querySelectorAll(
                  '.widget-slider .widget-label, .widget-hslider .widget-label'))
                .some((l) => l.textContent.trim() === label)""",
            arg=label,
            timeout=timeout_ms,
        )
        cell_index = _find_widget_cell(page, label)
        if cell_index < 0:
            raise RuntimeError(f"no cell holds a slider labelled {label!r}")
        cell = page.locator(".jp-Notebook .jp-Cell").nth(cell_index)
        figure = cell.locator(".widget-output img, .jp-OutputArea-output img").last
        figure.wait_for(state="visible", timeout=timeout_ms)
        _wait_kernel_idle(page, server, timeout_ms)
        before_src = page.evaluate(_PROBE_JS, [cell_index])
        figure.scroll_into_view_if_needed()
        before_png = figure.screenshot()
        slider = cell.locator(".widget-hslider, .widget-slider").filter(
            has=page.locator(".widget-label", has_text=label)
        )
        handle = slider.locator(".noUi-handle").first
        readout = slider.locator(".widget-readout").first
        handle.focus()
        latencies: list[float] = []
        values: list[str] = []
        for move in range(n_moves):
            key = "ArrowRight" if move % 2 == 0 else "ArrowLeft"
            page.evaluate(
                "() => { const p = window.__pgProbe; p.t0 = null; p.t1 = null;"
                " p.src = p.currentSrc(); p.armed = true; }"
            )
            handle.press(key)
            page.wait_for_function("() => window.__pgProbe.t1 !== null", timeout=timeout_ms)
            lat = page.evaluate(
                "() => { const p = window.__pgProbe; p.armed = false; return p.t1 - p.t0; }"
            )
            latencies.append(float(lat))
            values.append(readout.inner_text().strip())
            _wait_kernel_idle(page, server, timeout_ms)
            if move == 0:
                after_png = figure.screenshot()
                after_src = page.evaluate("() => window.__pgProbe.currentSrc()")
        dialogs += _dismiss_dialogs(page)
        error_outputs = page.evaluate(_ERROR_OUTPUTS_JS)
        unexecuted = page.evaluate(_UNEXECUTED_JS)
        widget_errors = [
            text
            for text in ("Error displaying widget", "Loading widget", "model not found")
            if text in page.inner_text(".jp-NotebookPanel")
        ]
        if screenshot_dir is not None:
            screenshot_dir.mkdir(parents=True, exist_ok=True)
            (screenshot_dir / "binder_s7_before.png").write_bytes(before_png)
            (screenshot_dir / "binder_s7_after.png").write_bytes(after_png)
            page.screenshot(path=str(screenshot_dir / "binder_s7_lab.png"))
    finally:
        context.close()
    return SliderRun(
        before_png=before_png,
        after_png=after_png,
        before_src=before_src or "",
        after_src=after_src or "",
        latencies_ms=latencies,
        values=values,
        page_errors=page_errors,
        blocked=list(guard.blocked),
        widget_errors=widget_errors,
        error_outputs=error_outputs,
        unexecuted_cells=unexecuted,
        dialogs=dialogs,
    )


def kernel_states(server: LabServer) -> list[str]:
    """Execution states of the server's running kernels (REST API ``/api/kernels``)."""
    url = f"{server.base_url}api/kernels?token={server.token}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return [k.get("execution_state", "") for k in json.load(response)]


def _wait_kernel_idle(page, server: LabServer, timeout_ms: float) -> None:
    """Wait until a kernel runs, is idle twice in a row, and no cell shows ``[*]``."""
    deadline = time.monotonic() + timeout_ms / 1000
    idle_in_a_row = 0
    while time.monotonic() < deadline:
        states = kernel_states(server)
        queued = page.evaluate(
            "() => Array.from(document.querySelectorAll('.jp-InputPrompt'))"
            ".some((p) => p.textContent.includes('[*]'))"
        )
        idle = bool(states) and all(s == "idle" for s in states) and not queued
        idle_in_a_row = idle_in_a_row + 1 if idle else 0
        if idle_in_a_row >= 2:
            return
        time.sleep(0.2)
    raise TimeoutError(f"kernel not idle after {timeout_ms / 1000:.0f} s (states {states})")
