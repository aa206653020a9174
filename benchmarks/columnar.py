"""pandas against columnar engines (Polars, DuckDB) for the analysis frame's work.

Issue 17 asked to consider a columnar engine for the analysis frame where it
beats pandas, measured before choosing. This times, at each size, what a rerun
of the data pages does to that frame: the sidebar filters (Lumen's own
``filter_mask``, and the same conditions in each engine), a case-insensitive
text search (literal and regular expression), the confusion counts, a facet
table (count and accuracy per metadata value) and accuracy on a 5,000-id
selection (Lumen's ``member_mask``). The texts are the demo's 10,568 real movie
snippets repeated; gold labels are theirs; predictions and confidences are
drawn from a seeded generator (only the timings matter here: no model is
involved). Each engine gets its own copy of the frame, converted once (that
time is printed too), as it would be cached beside the pandas frame.

Run: ``python -m benchmarks.columnar [--sizes 2000,50000] [--repeat 7]``
(Polars and DuckDB are not Lumen dependencies: ``pip install polars duckdb``;
an engine not installed is skipped). The last line holds each engine's time
over pandas' for every operation at the largest size.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time

import numpy as np
import pandas as pd

from litcore.data.demo import load_demo
from litcore.session.columns import CONFIDENCE, CORRECT, LABEL, PRED, TEXT
from litcore.view.filters import Filters, filter_mask
from litcore.view.selection import member_mask

FILTERS = Filters(misclassified_only=True, gold=("positive",), confidence=(0.5, 0.9))
WORD, PATTERN, FACET = "good", r"\bbad\b", "length"
# Operations that count rows: every engine must find the same number.
COUNTED = ("filters", "search", "search (regex)")


def analysis_frame(rows: int) -> pd.DataFrame:
    """``rows`` demo snippets (repeated) with gold labels, seeded predictions
    and a categorical metadata column."""
    train, held_out = load_demo("movies")
    real = pd.concat([held_out.frame, train.frame], ignore_index=True)
    frame = real.iloc[np.arange(rows) % len(real)].reset_index(drop=True)
    rng = np.random.default_rng(0)
    labels = np.array(sorted(real[LABEL].unique()))
    wrong = rng.random(rows) < 0.15
    flipped = labels[(np.searchsorted(labels, frame[LABEL]) + 1) % len(labels)]
    words = frame[TEXT].str.count(" ") + 1
    return pd.DataFrame(
        {
            "id": [f"ex{i}" for i in range(rows)],
            TEXT: frame[TEXT],
            LABEL: frame[LABEL].astype(str),
            PRED: np.where(wrong, flipped, frame[LABEL]).astype(str),
            CONFIDENCE: rng.uniform(0.5, 1.0, rows),
            CORRECT: ~wrong,
            FACET: pd.cut(words, [0, 10, 20, 30, 1_000]).astype(str),
        }
    )


def pandas_operations(frame: pd.DataFrame, chosen: list[str]) -> dict:
    def search(pattern: str, regex: bool) -> int:
        return int(filter_mask(frame, Filters(search=pattern, regex=regex)).sum())

    return {
        "filters": lambda: int(filter_mask(frame, FILTERS).sum()),
        "search": lambda: search(WORD, False),
        "search (regex)": lambda: search(PATTERN, True),
        "confusion counts": lambda: frame.groupby([LABEL, PRED]).size().to_dict(),
        "facet table": lambda: frame.groupby(FACET)[CORRECT].agg(["size", "mean"]),
        "selection accuracy": lambda: frame.loc[
            member_mask(frame["id"], chosen), CORRECT
        ].mean(),
    }


def polars_operations(frame: pd.DataFrame, chosen: list[str]) -> dict:
    import polars as pl

    table = pl.from_pandas(frame)
    text = pl.col(TEXT).str

    def count(condition) -> int:
        return table.filter(condition).height

    return {
        "filters": lambda: count(
            ~pl.col(CORRECT)
            & pl.col(LABEL).is_in(FILTERS.gold)
            & pl.col(CONFIDENCE).is_between(*FILTERS.confidence)
        ),
        "search": lambda: count(text.to_lowercase().str.contains(WORD, literal=True)),
        "search (regex)": lambda: count(text.contains(f"(?i){PATTERN}")),
        "confusion counts": lambda: table.group_by([LABEL, PRED]).len(),
        "facet table": lambda: table.group_by(FACET).agg(
            pl.len(), pl.col(CORRECT).mean()
        ),
        "selection accuracy": lambda: table.filter(pl.col("id").is_in(chosen))[
            CORRECT
        ].mean(),
    }


def duckdb_operations(frame: pd.DataFrame, chosen: list[str]) -> dict:
    import duckdb
    import pyarrow as pa

    connection = duckdb.connect()
    connection.register("frame", pa.Table.from_pandas(frame))
    connection.register("chosen", pa.table({"id": chosen}))

    def query(sql: str, *parameters) -> object:
        return connection.execute(sql, list(parameters)).fetchall()

    def count(condition: str, *parameters) -> int:
        return query(f"SELECT count(*) FROM frame WHERE {condition}", *parameters)[0][0]

    low, high = FILTERS.confidence
    return {
        "filters": lambda: count(
            f"NOT {CORRECT} AND {LABEL} = ? AND {CONFIDENCE} BETWEEN ? AND ?",
            FILTERS.gold[0],
            low,
            high,
        ),
        "search": lambda: count(f"contains(lower({TEXT}), ?)", WORD),
        "search (regex)": lambda: count(f"regexp_matches({TEXT}, ?, 'i')", PATTERN),
        "confusion counts": lambda: query(
            f"SELECT {LABEL}, {PRED}, count(*) FROM frame GROUP BY ALL"
        ),
        "facet table": lambda: query(
            f"SELECT {FACET}, count(*), avg({CORRECT}::INT) FROM frame GROUP BY ALL"
        ),
        "selection accuracy": lambda: query(
            f"SELECT avg({CORRECT}::INT) FROM frame SEMI JOIN chosen USING (id)"
        ),
    }


ENGINES = {
    "pandas": (None, pandas_operations),
    "polars": ("polars", polars_operations),
    "duckdb": ("duckdb", duckdb_operations),
}


def median_ms(operation, repeat: int) -> float:
    operation()  # warm-up (regex compilation, query plans)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        operation()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,50000")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    engines = {
        name: build
        for name, (module, build) in ENGINES.items()
        if module is None or importlib.util.find_spec(module)
    }
    skipped = sorted(set(ENGINES) - set(engines))
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    if skipped:
        print(f"not installed, skipped: {', '.join(skipped)}")
    ratios: list[str] = []
    for rows in (int(size) for size in args.sizes.split(",")):
        frame = analysis_frame(rows)
        chosen = frame["id"].sample(min(5_000, rows), random_state=0).tolist()
        figures = {}
        for name, build in engines.items():
            started = time.perf_counter()
            operations = build(frame, chosen)
            converted = (time.perf_counter() - started) * 1000
            figures[name] = {
                label: median_ms(run, args.repeat) for label, run in operations.items()
            }
            counts = {label: int(operations[label]()) for label in COUNTED}
            print(f"{rows:,} rows, {name}: made in {converted:.1f} ms; rows {counts}")
        print(f"{'ms':20s}" + "".join(f"{name:>10s}" for name in engines))
        for label in figures["pandas"]:
            cells = "".join(f"{figures[name][label]:10.2f}" for name in engines)
            print(f"{label:20s}{cells}")
        ratios = [
            f"{label} {name} {figures[name][label] / figures['pandas'][label]:.2f}x"
            for label in figures["pandas"]
            for name in engines
            if name != "pandas"
        ]
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("over pandas at the largest size: " + "; ".join(ratios))


if __name__ == "__main__":
    main()
