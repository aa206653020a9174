"""The container's steps, run as the Dockerfile runs them but in a new virtual
environment: ``deploy/install.sh`` installs the package, ``deploy/prepare.sh``
warms the run's prepared demo (no second fine-tuning), ``deploy/start.sh``
serves it in public mode, and ``deploy/healthcheck.py`` (the HEALTHCHECK) sees
it up. ``docker build`` itself is not run here.

The venv sees this Python's packages (``--system-site-packages``), so torch and
the pinned dependencies are not installed again: install.sh's pip finds them
satisfied (``TORCH_INDEX_URL`` empty: no index is asked for torch).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_support import REPO, free_port, goto, start_logged_server, stop_server
from installed import copy_sources, make_venv

pytestmark = pytest.mark.browser

DEPLOY = REPO / "deploy"
APP_PAGES = (REPO / "app.py").read_text().count("st.Page(")


def run_step(script: str, env: dict[str, str], *args: str) -> str:
    """Runs ``deploy/<script>``; fails the test with its output if it fails."""
    done = subprocess.run(
        [DEPLOY / script, *args],
        env=env,
        cwd=DEPLOY,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


# Run by the venv's Python, the server's: its keys are the ones the server asks.
MISSING_PROJECTIONS = """
from litcore.projection import EMBEDDING_FIELDS, PROJECTORS, make_projector
from litcore.projection import projection_key
from litcore.session.choice import SourceChoice
from litcore.session.workspace import build_workspace
from litcore.store.predictions import PredictionStore

workspace = build_workspace(SourceChoice())
model, data, store = workspace.model, workspace.data, PredictionStore()
for field in EMBEDDING_FIELDS:
    for method in PROJECTORS:
        projector = make_projector(method)
        key = projection_key(model.fingerprint, data.fingerprint, field, projector)
        if store.get_arrays(key) is None:
            print("missing", field, method)
"""


def missing_projections(python: Path, env: dict[str, str]) -> list[str]:
    """The projections the Embeddings page asks for first (each embedding, each
    method, default settings) that the server's store lacks, as the server's
    Python sees them: "missing <field> <method>" lines."""
    done = subprocess.run(
        [python, "-P", "-c", MISSING_PROJECTIONS],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return [line for line in done.stdout.splitlines() if line.startswith("missing")]


def shows_the_demo(page, url: str, examples: int) -> str:
    """Opens ``url``; checks the Overview counts ``examples``; the sidebar's text."""
    goto(page, url)
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Examples shown")
    shown = metric.locator("[data-testid='stMetricValue']").inner_text()
    assert int(shown.replace(",", "")) == examples
    return page.locator("[data-testid='stSidebar']").text_content()


def test_deploy_scripts_install_prepare_and_serve_the_demo_in_public_mode(
    demo_prepared, cache_root, tmp_path, page
):
    python = make_venv(tmp_path / "venv")
    env = os.environ | {
        "PYTHON": str(python),
        "TORCH_INDEX_URL": "",
        "LUMEN_CACHE_DIR": str(cache_root),
    }
    run_step("install.sh", env, str(copy_sources(tmp_path / "source")))
    installed = subprocess.run(
        [python, "-P", "-c", "import litcore; print(litcore.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert installed.startswith(str(tmp_path / "venv")), installed

    warmed = run_step("prepare.sh", env)
    assert warmed.count("movies: ") == 4, warmed
    assert missing_projections(python, env) == []
    # The run's own (conftest.cache_root), which prepare.sh fills if it is empty.
    numba_cache = Path(env["NUMBA_CACHE_DIR"])
    assert any(numba_cache.glob("umap*/*.nbi")), "UMAP's compiled code was not kept"

    port = free_port()
    env |= {"PORT": str(port), "LUMEN_ADDRESS": "127.0.0.1"}
    server = start_logged_server(
        [DEPLOY / "start.sh"], env, port, tmp_path / "server.log"
    )
    try:
        # start.sh became the server (exec): its environment is public mode's.
        environ = Path(f"/proc/{server.pid}/environ").read_bytes().split(b"\0")
        assert b"LUMEN_PUBLIC=1" in environ
        command = Path(f"/proc/{server.pid}/cmdline").read_bytes().split(b"\0")
        assert command[0] == bytes(python) and b"streamlit" in command
        url = f"http://127.0.0.1:{port}"
        sidebar = shows_the_demo(page, url, demo_prepared["n_eval"])
        assert "Public server" in sidebar
    finally:
        stop_server(server)
    health = [sys.executable, DEPLOY / "healthcheck.py", "--port", str(port)]
    assert subprocess.run(health, timeout=30).returncode == 1


def test_cloud_entry_point_serves_the_app_in_public_mode(demo_prepared, tmp_path, page):
    """``deploy/cloud/streamlit_app.py`` as Community Cloud runs it: ``streamlit
    run`` from the repository root, no ``LUMEN_PUBLIC`` given."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "LUMEN_PUBLIC"}
    command = [sys.executable, "-m", "streamlit", "run"]
    command += ["deploy/cloud/streamlit_app.py", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    server = start_logged_server(command, env, port, tmp_path / "server.log")
    try:
        url = f"http://127.0.0.1:{port}"
        assert "Public server" in shows_the_demo(page, url, demo_prepared["n_eval"])
        # Every page of app.py, found through deploy/cloud/pages.
        links = page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
        assert len(links) == APP_PAGES
    finally:
        stop_server(server)
