"""Shared helpers for the browser tests: Debian chromium under Playwright, offline.

Used by ``tests/browser/conftest.py`` (the published book), ``tests/browser/binder.py``
(the Binder path) and ``benchmarks/bench_browser.py``. Only the Python standard library
and Playwright's sync API are used; no browser is ever downloaded: we drive the system
``chromium`` (Debian package), found with :func:`find_chromium`.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

#: The repository root (``tests/browser/`` is two levels below it).
REPO_ROOT = Path(__file__).resolve().parents[2]
#: Where screenshots and measurements go (git-ignored).
ARTIFACTS = REPO_ROOT / "test-artifacts"
#: Timeouts (ms) that only stop a hang: the machine has 2 cores and may be busy with other
#: work (a page of S9 once took over 60 s to go network-idle at a load average of 10), and no
#: test may fail because the machine is slow. A healthy page loads in a few seconds.
LOAD_TIMEOUT_MS = 300_000

#: Flags for a headless, offline, quiet chromium running as root in a container.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--metrics-recording-only",
    "--mute-audio",
)


def find_chromium() -> str:
    """Path of the system chromium; raise RuntimeError with the fix when it is missing."""
    for candidate in (os.environ.get("PGTHEORY_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    raise RuntimeError(
        "chromium is not installed (looked for $PGTHEORY_CHROMIUM, /usr/bin/chromium and "
        "`chromium` on PATH). Install Debian's package: `apt-get install -y chromium` "
        "(`python3 tasks.py test` does this when run as root). Never `playwright install`."
    )


def launch_chromium(playwright):
    """Launch the system chromium headless with :data:`CHROMIUM_ARGS`."""
    return playwright.chromium.launch(
        executable_path=find_chromium(), headless=True, args=list(CHROMIUM_ARGS)
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_loopback_url(url: str) -> bool:
    """True for URLs that never leave the machine (loopback http(s), data:, blob:, about:)."""
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about", "chrome", "chrome-error", "devtools"}:
        return True
    host = (parts.hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class OfflineGuard:
    """Aborts every request to a non-loopback host and remembers it.

    Install with :meth:`attach` on a Playwright ``BrowserContext``; the book must work
    with no network, so a test fails when :attr:`blocked` is not empty.
    """

    blocked: list[str] = field(default_factory=list)

    def attach(self, context) -> None:
        context.route("**/*", self._handle)

    def _handle(self, route) -> None:
        url = route.request.url
        if is_loopback_url(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve ``root`` over HTTP on 127.0.0.1 (free port, threaded); yield the base URL."""
    handler = partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="book-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
