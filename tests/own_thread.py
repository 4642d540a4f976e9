"""Run a call in a thread of its own, for the tests that run after the browser tests.

The browser tests' Playwright (sync API, greenlets) lives in the main thread for the whole
test session: it keeps an event loop running there, so ``asyncio.run`` refuses to start,
and it skews the thread's recursion counter, so CPython 3.11's AST constructor can fail
with "AST constructor recursion depth mismatch". A fresh thread has neither.
"""

from __future__ import annotations

import ast
import concurrent.futures
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def in_own_thread(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a new thread; its result, or its exception raised here."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def parse(source: str) -> ast.Module:
    """``ast.parse(source)`` in a thread of its own."""
    return in_own_thread(ast.parse, source)
