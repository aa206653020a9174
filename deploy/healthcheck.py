"""Whether the server answers Streamlit's health check (``/_stcore/health``).

Exit status 0 when it does, 1 when it does not (within ``--wait`` seconds): the
container's ``HEALTHCHECK`` and the deploy scripts' test both ask it.

Usage: ``python deploy/healthcheck.py [--port N] [--wait SECONDS]`` (the port
defaults to ``$PORT``, else 8501).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.error
import urllib.request


def healthy(port: int, timeout: float = 5.0) -> bool:
    """Whether ``http://127.0.0.1:<port>/_stcore/health`` answers 200 "ok"."""
    url = f"http://127.0.0.1:{port}/_stcore/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, OSError):
        return False


def wait_healthy(port: int, seconds: float) -> bool:
    """Asks every half second until the server is healthy or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while not healthy(port):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8501)))
    parser.add_argument("--wait", type=float, default=0.0, help="seconds to wait")
    args = parser.parse_args(argv)
    return 0 if wait_healthy(args.port, args.wait) else 1


if __name__ == "__main__":
    sys.exit(main())
