"""What an upload costs: once per upload now, against once per rerun before.

Before, the sidebar kept a visitor's file as bytes in session state and parsed
it again on every rerun (its preview), hashing the bytes for each cached call.
Now the file is stored once by content hash and parsed once per process
(``source_table``); a rerun looks a short spec up. This prints, for a 20 MB
CSV: the old per-rerun parse, the one-off store and parse, the new per-rerun
lookup, and for each pathological upload of the public-mode list the time to
its message and the peak memory of a fresh process reading it, against the
same process reading nothing.

    python benchmarks/uploads.py   (stores its uploads in a temporary cache root)

Prints a machine line first and the ratios last.
"""

from __future__ import annotations

import io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

os.environ["LUMEN_PUBLIC"] = "1"  # the caps of a public server
os.environ.setdefault("LUMEN_CACHE_DIR", tempfile.mkdtemp(prefix="lumen-uploads-"))

from litcore.data.limits import UploadLimits  # noqa: E402
from litcore.data.loading import read_bytes, store_upload  # noqa: E402
from litcore.ui.workspace import source_table  # noqa: E402

PUBLIC = UploadLimits(max_mb=20, max_rows=10_000, max_cell_chars=100_000)
REPEATS = 3


def machine_line() -> str:
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    isa = [
        f for f in ("avx512f", "avx512_vnni", "avx512_bf16", "amx_tile") if f in flags
    ]
    load = os.getloadavg()[0]
    return (
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} "
        f"CPUs, {' '.join(isa) or 'no AVX-512'}; load {load:.1f}; "
        f"Python {platform.python_version()}"
    )


def best_of(function, repeats: int = REPEATS) -> float:
    """The fastest of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def csv_of_mb(megabytes: float) -> bytes:
    """A labelled CSV of about ``megabytes`` (10,000 rows of ~2 KB texts)."""
    words = np.array(["good", "bad", "plot", "film", "actor", "scene", "long"])
    rng = np.random.default_rng(0)
    row_chars = int(megabytes * 2**20 / 10_000)
    lines = ["text,label"]
    for index in range(10_000):
        text = " ".join(rng.choice(words, row_chars // 5))[: row_chars - 8]
        lines.append(f"{text},{'pos' if index % 2 else 'neg'}")
    return ("\n".join(lines) + "\n").encode()


def pathological() -> dict[str, tuple[bytes, str]]:
    """The public-mode list: one 10 MB text, 100k tiny rows, deep JSON, a
    Parquet bomb, binary garbage, non-UTF-8."""
    buffer = io.BytesIO()
    repeated = pa.DictionaryArray.from_arrays(  # built as a dictionary: 1 MB
        pa.array(np.zeros(10_000, dtype=np.int32)), pa.array(["a" * 2**20])
    )
    pq.write_table(pa.table({"text": repeated}), buffer, compression="zstd")
    return {
        "one 10 MB text": (b"text\n" + b"a" * (10 * 2**20) + b"\n", "csv"),
        "100k tiny rows": (b"text\n" + b"x\n" * 100_000, "csv"),
        "deeply nested JSON": (b"[" * 2_000_000 + b"]" * 2_000_000, "jsonl"),
        "Parquet bomb (10 GB of text)": (buffer.getvalue(), "parquet"),
        "binary garbage": (os.urandom(20 * 2**20 - 1), "csv"),
        "non-UTF-8 text": (b"text\n" + "é".encode("latin-1") * 2**20, "csv"),
    }


def child(path: str, fmt: str) -> None:
    """Reads one file in this (fresh) process; prints its outcome as JSON."""
    content = Path(path).read_bytes() if path else b""
    start = time.perf_counter()
    outcome = "nothing read"
    if content:
        try:
            read_bytes(content, fmt, limits=PUBLIC)
            outcome = "read"
        except ValueError as error:  # DataError
            outcome = str(error)[:70]
    seconds = time.perf_counter() - start
    peak_mb = peak_rss_mb()
    print(json.dumps({"s": seconds, "peak_mb": peak_mb, "outcome": outcome}))


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_fresh_process(path: str, fmt: str) -> dict:
    command = [sys.executable, __file__, "--child", path, fmt]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    print(machine_line())
    content = csv_of_mb(19.5)
    print(f"upload: {len(content) / 2**20:.1f} MB CSV, 10,000 rows")
    old_rerun = best_of(lambda: read_bytes(content, "csv", limits=PUBLIC))
    store_s = best_of(lambda: store_upload(content, "upload.csv"))
    spec = store_upload(content, "upload.csv")
    start = time.perf_counter()
    source_table(spec, None, "utf-8")  # read and parsed once per process
    first_s = time.perf_counter() - start
    new_rerun = best_of(lambda: source_table(spec, None, "utf-8"))
    print(f"before, every rerun: parse {old_rerun:.3f} s")
    print(f"now, once per upload: store {store_s:.3f} s + read, parse {first_s:.3f} s")
    print(
        f"now, every rerun: st.cache_data hit (a copy of the frame) {new_rerun:.3f} s"
    )
    baseline = in_fresh_process("", "csv")
    print(f"fresh reader process, nothing read: peak {baseline['peak_mb']:.0f} MB")
    with tempfile.TemporaryDirectory() as folder:
        for name, (data, fmt) in pathological().items():
            path = Path(folder) / "upload"
            path.write_bytes(data)
            result = in_fresh_process(str(path), fmt)
            print(
                f"{name} ({len(data) / 2**20:.1f} MB): {result['s']:.2f} s, peak "
                f"+{result['peak_mb'] - baseline['peak_mb']:.0f} MB over the "
                f"baseline -> {result['outcome']}"
            )
    once = (store_s + first_s) / old_rerun
    print(
        f"ratios: a rerun before / now = {old_rerun / new_rerun:,.0f}x; "
        f"once per upload now / one rerun before = {once:.2f}"
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
