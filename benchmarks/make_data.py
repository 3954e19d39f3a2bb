"""Generate seeded synthetic decision records as Parquet for the benchmarks.

Each file has five protected attributes (text categories), a ``flagged`` column
(0/1, the system's decision) and an ``outcome`` column (0/1, known for everyone:
full labels). Rows are generated and written chunk by chunk with pyarrow, so memory
stays at about one chunk whatever the number of rows.

Usage::

    python benchmarks/make_data.py --rows 1000000 10000000

Files go to ``benchmarks/_data/synthetic_<rows>.parquet`` (git-ignored). A file
that already exists with the same rows, seed and generator version is kept.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DATA_DIR = Path(__file__).resolve().parent / "_data"
GENERATOR_VERSION = "1"
DEFAULT_SEED = 20240601
CHUNK_ROWS = 1_000_000
ROW_GROUP_ROWS = 262_144

# name -> (levels, population shares). Shares are deliberately uneven, like real data.
ATTRIBUTES: dict[str, tuple[list[str], list[float]]] = {
    "gender": (["female", "male"], [0.52, 0.48]),
    "age_band": (["18-29", "30-44", "45-64", "65+"], [0.22, 0.31, 0.33, 0.14]),
    "nationality": (
        ["Dutch", "Turkish", "Moroccan", "Surinamese", "Polish", "other"],
        [0.70, 0.06, 0.06, 0.05, 0.05, 0.08],
    ),
    "household": (["single", "couple", "single_parent", "family"], [0.36, 0.24, 0.14, 0.26]),
    "neighbourhood": (
        [f"district_{i:02d}" for i in range(1, 11)],
        [0.16, 0.13, 0.12, 0.11, 0.10, 0.09, 0.08, 0.08, 0.07, 0.06],
    ),
}
GROUPS = list(ATTRIBUTES)

# Effects on the log-odds of being flagged (the "bias" an audit should find) and of
# the outcome (true differences in base rates, smaller).
_FLAG_EFFECT = {
    "gender": [0.0, 0.15],
    "age_band": [0.35, 0.1, 0.0, -0.4],
    "nationality": [0.0, 0.6, 0.7, 0.4, 0.3, 0.5],
    "household": [0.2, -0.2, 0.5, 0.0],
    "neighbourhood": [0.0, 0.1, 0.2, 0.3, 0.1, 0.0, 0.4, 0.5, 0.2, 0.6],
}
_OUTCOME_EFFECT = {
    "household": [0.2, -0.1, 0.3, 0.0],
    "age_band": [0.1, 0.0, 0.0, -0.2],
}

SCHEMA = pa.schema(
    [*(pa.field(name, pa.string()) for name in GROUPS)]
    + [pa.field("flagged", pa.int8()), pa.field("outcome", pa.int8())]
)


def data_path(rows: int, data_dir: Path = DATA_DIR) -> Path:
    """Where the file with ``rows`` rows lives."""
    return data_dir / f"synthetic_{rows}.parquet"


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _chunk(rng: np.random.Generator, n: int) -> pa.Table:
    codes: dict[str, np.ndarray] = {}
    for name, (_levels, shares) in ATTRIBUTES.items():
        cum = np.cumsum(shares)
        cum[-1] = 1.0
        codes[name] = np.searchsorted(cum, rng.random(n), side="right").astype(np.int8)
    out_logit = np.full(n, -2.9)
    for name, eff in _OUTCOME_EFFECT.items():
        out_logit += np.asarray(eff)[codes[name]]
    outcome = (rng.random(n) < _sigmoid(out_logit)).astype(np.int8)
    flag_logit = np.full(n, -3.0) + 1.6 * outcome
    for name, eff in _FLAG_EFFECT.items():
        flag_logit += np.asarray(eff)[codes[name]]
    del out_logit
    flagged = (rng.random(n) < _sigmoid(flag_logit)).astype(np.int8)
    del flag_logit
    columns: list[pa.Array] = []
    for name, (levels, _shares) in ATTRIBUTES.items():
        dictionary = pa.DictionaryArray.from_arrays(pa.array(codes[name]), pa.array(levels))
        columns.append(dictionary.cast(pa.string()))
    columns += [pa.array(flagged), pa.array(outcome)]
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def _is_current(path: Path, rows: int, seed: int) -> bool:
    if not path.is_file():
        return False
    try:
        meta = pq.read_metadata(path)
    except (OSError, pa.ArrowInvalid):
        return False
    kv = meta.metadata or {}
    return (
        meta.num_rows == rows
        and kv.get(b"biasaudit_bench_seed") == str(seed).encode()
        and kv.get(b"biasaudit_bench_generator") == GENERATOR_VERSION.encode()
    )


def make_file(
    rows: int,
    *,
    seed: int = DEFAULT_SEED,
    data_dir: Path = DATA_DIR,
    force: bool = False,
    quiet: bool = False,
) -> Path:
    """Write ``rows`` synthetic records to Parquet (if not already there); return the path."""
    path = data_path(rows, data_dir)
    if not force and _is_current(path, rows, seed):
        if not quiet:
            print(f"kept {path} ({path.stat().st_size / 2**20:.0f} MiB)", file=sys.stderr)
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    schema = SCHEMA.with_metadata(
        {
            "biasaudit_bench_seed": str(seed),
            "biasaudit_bench_generator": GENERATOR_VERSION,
        }
    )
    tmp = path.with_suffix(".parquet.tmp")
    t0 = time.perf_counter()
    # One independent, reproducible stream per chunk: the same seed gives the same
    # file whatever the chunk count of earlier runs.
    streams = np.random.SeedSequence([seed, rows]).spawn((rows + CHUNK_ROWS - 1) // CHUNK_ROWS)
    with pq.ParquetWriter(tmp, schema, compression="snappy") as writer:
        done = 0
        for stream in streams:
            n = min(CHUNK_ROWS, rows - done)
            table = _chunk(np.random.default_rng(stream), n)
            writer.write_table(
                table.replace_schema_metadata(None).cast(schema), row_group_size=ROW_GROUP_ROWS
            )
            done += n
            del table
    tmp.replace(path)
    if not quiet:
        print(
            f"wrote {path} ({rows:,} rows, {path.stat().st_size / 2**20:.0f} MiB) "
            f"in {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
        )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output folder")
    parser.add_argument("--force", action="store_true", help="rewrite existing files")
    args = parser.parse_args(argv)
    for rows in args.rows:
        make_file(rows, seed=args.seed, data_dir=args.out, force=args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
