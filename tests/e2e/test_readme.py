"""The README's worked examples run and print what the README shows."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
# a python block immediately followed by a plain block: the output it prints
EXAMPLE = re.compile(r"```python\n((?:(?!```).)*)```\n```\n((?:(?!```).)*)```", re.DOTALL)


def test_worked_examples_print_what_the_readme_shows():
    examples = EXAMPLE.findall(README.read_text(encoding="utf-8"))
    assert len(examples) >= 2
    namespace: dict[str, object] = {}
    for code, shown in examples:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(README), "exec"), namespace)
        assert out.getvalue() == shown, code
