"""Progress on the terminal for the command line's long steps.

Library code marks its long steps with :func:`step`; nothing is shown unless the
command line installs a display with :func:`display` (a terminal on stderr, no
``--quiet``). The display appears only once the run has taken :data:`DELAY` seconds,
so a quick audit prints nothing extra, and it draws with rich (spinner, step name,
elapsed time) on stderr: stdout keeps only the summary. :func:`timed` records how
long each step took (``--timings`` on the command line; the benchmarks' stage table).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.progress import Progress

#: Seconds of work before the display appears.
DELAY = 2.0

_current: ContextVar[_Display | None] = ContextVar("biasaudit_progress", default=None)
_record: ContextVar[list[Timing] | None] = ContextVar("biasaudit_timings", default=None)
_depth: ContextVar[int] = ContextVar("biasaudit_step_depth", default=0)


@dataclass(frozen=True)
class Timing:
    """How long one step took: its label, when it began (``time.perf_counter``), its
    wall seconds and its nesting depth (0: a step inside no other)."""

    label: str
    began: float
    seconds: float
    depth: int


class _Display:
    """One rich progress display, started after :data:`DELAY` seconds."""

    def __init__(self, progress: Progress, delay: float) -> None:
        self.progress = progress
        self.lock = threading.Lock()
        self.started = False
        self.closed = False
        self.timer = threading.Timer(delay, self._start)
        self.timer.daemon = True
        self.timer.start()

    def _start(self) -> None:
        with self.lock:
            if not self.closed:
                self.progress.start()
                self.started = True

    def add(self, label: str) -> Any:
        with self.lock:
            return self.progress.add_task(label, total=None)

    def finish(self, task: Any) -> None:
        with self.lock:
            self.progress.update(task, total=1, completed=1)

    def close(self) -> None:
        self.timer.cancel()
        with self.lock:
            self.closed = True
            if self.started:
                self.progress.stop()


@contextmanager
def step(label: str) -> Iterator[None]:
    """Show ``label`` as one step of the run while the block runs (when displayed),
    and record how long it took (inside :func:`timed`).

    Examples
    --------
    >>> with step("counting the records"):  # no display installed: nothing is shown
    ...     total = sum(range(10))
    >>> total
    45
    """
    shown, record = _current.get(), _record.get()
    if shown is None and record is None:
        yield
        return
    task = shown.add(label) if shown is not None else None
    depth = _depth.get()
    token = _depth.set(depth + 1)
    start = time.perf_counter()
    try:
        yield
    finally:
        _depth.reset(token)
        if record is not None:
            record.append(Timing(label, start, time.perf_counter() - start, depth))
        if shown is not None:
            shown.finish(task)


@contextmanager
def timed() -> Iterator[list[Timing]]:
    """Record how long each :func:`step` run inside the block takes.

    Yields
    ------
    list of Timing
        Filled as steps end (an inner step before the step around it; sort by
        ``began`` for the order they began in).

    Examples
    --------
    >>> with timed() as steps:
    ...     with step("counting"):
    ...         total = sum(range(10))
    >>> [(t.label, t.depth) for t in steps], steps[0].seconds >= 0
    ([('counting', 0)], True)
    """
    steps: list[Timing] = []
    token = _record.set(steps)
    try:
        yield steps
    finally:
        _record.reset(token)


@contextmanager
def display(enabled: bool = True, *, delay: float = DELAY) -> Iterator[bool]:
    """Install a progress display for the steps run inside the block.

    Parameters
    ----------
    enabled : bool, default=True
        False (``--quiet``) installs none.
    delay : float, default=DELAY
        Seconds before the display appears.

    Yields
    ------
    bool
        Whether a display is installed: only when stderr is a terminal.
    """
    if not enabled:
        yield False
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield False
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(finished_text="[green]done"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    shown = _Display(progress, delay)
    token = _current.set(shown)
    try:
        yield True
    finally:
        _current.reset(token)
        shown.close()
