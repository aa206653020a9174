"""``lumen-nlp serve`` from an installed wheel opens the data and model it is
given: the Overview shows that data's row count."""

from __future__ import annotations

import os
import socket
import subprocess
import time

import pandas as pd
import pytest
from e2e_support import free_port, goto
from installed import build_wheel, install_in_venv

pytestmark = pytest.mark.browser

ROWS = [("a good movie", "positive"), ("the worst acting", "negative")] * 6 + [
    ("great fun", "positive")
]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "lumen-nlp serve exited"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"lumen-nlp serve did not listen on {port} in {seconds} s")


def test_serve_from_a_wheel_opens_the_data_and_model_given(
    tiny_model_dir, tmp_path, page
):
    data = tmp_path / "reviews.tsv"
    frame = pd.DataFrame(ROWS, columns=["sentence", "label"])
    frame.to_csv(data, sep="\t", index=False)
    bin_folder = install_in_venv(build_wheel(tmp_path), tmp_path / "venv")
    port = free_port()
    command = [bin_folder / "lumen-nlp", "serve", "--data", str(data), "--text",
               "sentence", "--label", "label", "--model", str(tiny_model_dir),
               "--port", str(port)]  # fmt: skip
    env = os.environ | {
        "STREAMLIT_SERVER_HEADLESS": "true",
        "STREAMLIT_SERVER_ADDRESS": "127.0.0.1",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    server = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, server)
        goto(page, f"http://127.0.0.1:{port}")
        examples = page.locator("[data-testid='stMetric']").filter(
            has_text="Examples shown"
        )
        value = examples.locator("[data-testid='stMetricValue']").inner_text()
        assert value.strip() == str(len(ROWS))
        main = page.locator("[data-testid='stMain']").inner_text()
        assert str(tiny_model_dir) in main and "reviews.tsv" in main
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
