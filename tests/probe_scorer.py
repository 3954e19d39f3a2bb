"""A command-line scorer for the synthetic fraud model (biasaudit.synthetic), as an
agency's R or old-Python scoring script would be: CSV with a header on standard input,
one score per line on standard output. Standard library only; the coefficients are
written out here, independently of biasaudit.

Usage: python probe_scorer.py [--fail | --short | --nan | --text | --sleep]
(the options make it misbehave, for the tests of clear errors).
"""

from __future__ import annotations

import csv
import math
import sys
import time

COEFFICIENTS = {
    "language_level": -0.45,
    "income": -0.5,
    "has_children": 0.4,
    "months_on_benefit": 0.01,
}


def main(argv: list[str]) -> int:
    if "--fail" in argv:
        print("Error in score(): object 'income' not found", file=sys.stderr)
        return 3
    if "--sleep" in argv:
        time.sleep(30)
    rows = list(csv.DictReader(sys.stdin))
    out = []
    for row in rows:
        eta = -1.2 + (0.6 if row["gender"] == "F" else 0.0)
        eta += sum(c * float(row[name]) for name, c in COEFFICIENTS.items())
        out.append(repr(1.0 / (1.0 + math.exp(-eta))))
    if "--short" in argv:
        out = out[:-1]
    if "--nan" in argv:
        out[0] = "NaN"
    if "--text" in argv:
        out[0] = "high"
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
