"""The progress display (issue 15): on a terminal for long runs, never in pipes or logs.

A real pseudo-terminal stands for the user's terminal; no mock of rich.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time

import pytest

from biasaudit._progress import display, step, timed
from conftest import REPO


def _drain(fd: int) -> str:
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        out += chunk
    return out.decode("utf-8", "replace")


def _on_a_terminal(code: str) -> str:
    """Run ``code`` in a new interpreter whose stderr is a pseudo-terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "100"},
    )
    os.close(slave)
    text = _drain(master)
    os.close(master)
    assert proc.wait(timeout=120) == 0
    return text


LONG = """
import time
from biasaudit._progress import display, step, timed
with display({enabled}, delay={delay}):
    with step("counting the records"):
        time.sleep(0.6)
    with step("drawing the charts"):
        time.sleep(0.1)
"""


def test_a_terminal_shows_each_step_once_the_run_is_long():
    text = _on_a_terminal(LONG.format(enabled=True, delay=0.3))
    assert "counting the records" in text and "drawing the charts" in text
    assert "done" in text


@pytest.mark.parametrize(
    ("enabled", "delay"), [(False, 0.3), (True, 5.0)], ids=["--quiet", "a quick run"]
)
def test_quiet_or_quick_runs_show_nothing(enabled, delay):
    assert "counting" not in _on_a_terminal(LONG.format(enabled=enabled, delay=delay))


def test_pipes_and_logs_get_no_display(capsys):
    with display() as shown, step("counting the records"):
        time.sleep(0.01)
    assert shown is False
    assert "counting" not in capsys.readouterr().err


def test_the_command_line_shows_no_progress_when_piped(tmp_path):
    """stderr of a piped run holds only warnings and errors."""
    data = tmp_path / "d.csv"
    data.write_text("sex,flag\n" + "F,1\nM,0\n" * 20, encoding="utf-8")
    config = tmp_path / "a.toml"
    config.write_text(
        f'[data]\npath = "{data.name}"\n[roles]\nflagged = "flag"\n'
        '[groups]\nattributes = ["sex"]\n[stats]\nmin_cell = 0\n',
        encoding="utf-8",
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "biasaudit.cli",
            "audit",
            str(config),
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "reading and counting" not in proc.stderr and "done" not in proc.stderr


def test_timed_records_each_step_with_its_nesting():
    with timed() as steps, step("the audit"):
        with step("counting the records"):
            time.sleep(0.05)
        with step("disclosure control"):
            time.sleep(0.02)
    by_label = {t.label: t for t in steps}
    assert [t.label for t in sorted(steps, key=lambda t: t.began)] == [
        "the audit",
        "counting the records",
        "disclosure control",
    ]
    assert (by_label["the audit"].depth, by_label["disclosure control"].depth) == (0, 1)
    assert by_label["counting the records"].seconds >= 0.05
    inner = by_label["counting the records"].seconds + by_label["disclosure control"].seconds
    assert by_label["the audit"].seconds >= inner


def test_the_command_line_prints_its_timings_on_request(tmp_path, capsys):
    from biasaudit.cli import main

    config = REPO / "datasets/welfare-synthetic/audit.toml"
    assert main(["validate", str(config), "--quiet"]) == 0
    assert "timings" not in capsys.readouterr().err
    assert main(["validate", str(config), "--quiet", "--timings"]) == 0
    err = capsys.readouterr().err.splitlines()
    start = err.index("timings (wall seconds):")
    rows = [line.split(None, 1) for line in err[start + 1 :]]
    seconds = {label.strip(): float(s) for s, label in rows}
    assert "reading and counting the records" in seconds
    whole = seconds.pop("the whole command (after start-up imports)")
    assert 0 < sum(seconds.values()) <= whole
