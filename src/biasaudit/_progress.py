"""Progress on the terminal for the command line's long steps.

Library code marks its long steps with :func:`step`; nothing is shown unless the
command line installs a display with :func:`display` (a terminal on stderr, no
``--quiet``). The display appears only once the run has taken :data:`DELAY` seconds,
so a quick audit prints nothing extra, and it draws with rich (spinner, step name,
elapsed time) on stderr: stdout keeps only the summary.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.progress import Progress

#: Seconds of work before the display appears.
DELAY = 2.0

_current: ContextVar[_Display | None] = ContextVar("biasaudit_progress", default=None)


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
    """Show ``label`` as one step of the run while the block runs (when displayed).

    Examples
    --------
    >>> with step("counting the records"):  # no display installed: nothing is shown
    ...     total = sum(range(10))
    >>> total
    45
    """
    shown = _current.get()
    if shown is None:
        yield
        return
    task = shown.add(label)
    try:
        yield
    finally:
        shown.finish(task)


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
