"""Shared fixtures: a cache root per run, tiny random models, the prepared demo.

Set ``LUMEN_CACHE_DIR`` before running pytest to reuse a prepared demo between
runs; otherwise the demo is prepared once per run under pytest's temp root.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from tiny_models import build_tiny_classifier

# Idle OpenMP threads sleep rather than spin, here and in the servers and CLIs
# the tests start (read when torch loads, after this file). With a core taken by
# another process, the demo's fine-tune on two threads took 1.4-2.5 s a step
# spinning and 0.62 s sleeping (one thread: 0.57-0.65 s), at load 3 on 2 cores.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory) -> Path:
    """A temp folder shared by every process of this run: with pytest-xdist each
    worker's temp root sits in the run's."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if "PYTEST_XDIST_WORKER" in os.environ else base


@pytest.fixture(scope="session", autouse=True)
def cache_root(run_folder) -> Path:
    """The run's cache root (``LUMEN_CACHE_DIR`` if set, else a temp folder that
    every worker of the run shares).

    UMAP's compiled code goes to its ``numba`` folder (unless ``NUMBA_CACHE_DIR``
    is set), as ``deploy/prepare.sh`` puts it: the tests' servers, children and
    deploy steps compile it once per run, not once per process.
    """
    if not os.environ.get("LUMEN_CACHE_DIR"):
        (run_folder / "lumen-cache").mkdir(exist_ok=True)
        os.environ["LUMEN_CACHE_DIR"] = str(run_folder / "lumen-cache")
    root = Path(os.environ["LUMEN_CACHE_DIR"])
    os.environ.setdefault("NUMBA_CACHE_DIR", str(root / "numba"))
    return root


@pytest.fixture
def spawn_context(monkeypatch):
    """multiprocessing's spawn context, with ``__main__`` a bare module meanwhile.

    An AppTest run leaves its script in ``sys.modules["__main__"]``, and spawned
    children run the parent's ``__main__`` file first: after
    ``AppTest.from_function`` they died on its ``__args`` (NameError).
    """
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    return multiprocessing.get_context("spawn")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A tiny random negative/positive classifier saved with save_pretrained."""
    return build_tiny_classifier(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="session")
def tiny_model(tiny_model_dir):
    from litcore.models.classifier import SequenceClassifier

    return SequenceClassifier.from_pretrained(tiny_model_dir)


@pytest.fixture
def bf16_anywhere(monkeypatch):
    """The bf16 paths taken on any CPU, so their tests test them everywhere.

    Where the CPU lacks bf16 matmuls PyTorch emulates them (several times slower,
    the same arithmetic: bf16 products summed in fp32).
    """
    from litcore.models import precision

    monkeypatch.setattr(precision, "bf16_supported", lambda: True)


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread() -> Iterator[int]:
    """Runs the tests' own torch work on one thread (threads started later too);
    yields torch's default thread count.

    Tests feed tiny models and small batches, where a second thread adds more
    synchronisation than work: on 2 cores, test_training.py and
    test_salience_exact.py took 33 s on one thread against 77 s on two (load
    3-11). Servers and CLIs that tests start keep their own defaults; the
    demo's fine-tune (``demo_prepared``) runs on all of them.
    """
    import torch

    default = torch.get_num_threads()
    torch.set_num_threads(1)
    yield default
    torch.set_num_threads(default)


# The demo's fine-tune took 2-4 minutes on 2 busy cores.
DEMO_TIMEOUT_S = 1_800


def needs_the_demo(item: pytest.Item) -> bool:
    return "demo_prepared" in item.fixturenames


@pytest.fixture(scope="session")
def demo_files(run_folder) -> types.SimpleNamespace:
    """The background preparation's files: ``started`` (made by the process that
    starts it), ``log`` (its output) and ``exit`` (its exit code, once done)."""
    names = ("started", "log", "exit")
    return types.SimpleNamespace(
        **{name: run_folder / f"demo-prepare.{name}" for name in names}
    )


@pytest.fixture(scope="session", autouse=True)
def demo_in_background(request, cache_root, demo_files) -> Iterator[None]:
    """Starts preparing the movie demo (``lumen-nlp prepare-demo``) in a child
    process at the first test, when any test of the run needs it; only one
    process of the run starts it.

    Tests that do not need the demo run first (``pytest_collection_modifyitems``)
    while the child fine-tunes. At the end of a run in one process a child still
    running is stopped; a pytest-xdist worker waits for it instead, as the other
    worker may still need it.
    """
    if not any(needs_the_demo(item) for item in request.session.items):
        yield
        return
    try:
        demo_files.started.touch(exist_ok=False)
    except FileExistsError:  # another worker started it
        yield
        return
    with demo_files.log.open("w") as log:
        command = [sys.executable, "-m", "litcore", "prepare-demo"]
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

        def record_exit() -> None:  # whole or absent to a reader
            written = demo_files.exit.with_suffix(".partial")
            written.write_text(str(child.wait()))
            written.rename(demo_files.exit)

        recorder = threading.Thread(target=record_exit, daemon=True)
        recorder.start()
        yield
        if "PYTEST_XDIST_WORKER" not in os.environ:
            child.terminate()
        recorder.join(timeout=600)


@pytest.fixture(scope="session")
def demo_prepared(demo_in_background, demo_files, one_torch_thread) -> dict:
    """The movie demo prepared once per run (data, fine-tuned model, predictions),
    as ``prepare-demo`` does: waits for ``demo_in_background``'s child, then
    reads the headline figures here (every step cached by then)."""
    import torch

    from litcore.session.demo import prepare_demo

    if demo_files.started.exists():
        deadline = time.monotonic() + DEMO_TIMEOUT_S
        while not demo_files.exit.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        if not demo_files.exit.exists() or demo_files.exit.read_text() != "0":
            output = demo_files.log.read_text(errors="replace")[-4000:]
            pytest.fail(f"prepare-demo failed or timed out:\n{output}")
    torch.set_num_threads(one_torch_thread)
    try:
        return prepare_demo("movies")
    finally:
        torch.set_num_threads(1)


APP = Path(__file__).resolve().parents[1] / "app.py"


def first_run_of_the_app():
    """A new AppTest (its own session) after its first run on the movie demo."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=240)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def app(demo_prepared):
    """The app (an AppTest) after its first run on the movie demo, for one test."""
    return first_run_of_the_app()


@pytest.fixture(scope="session")
def app_as_opened(demo_prepared):
    """One AppTest after its first run, shared by tests that only read it.

    A test that clicks, types, switches pages or sets session state takes
    ``app`` instead.
    """
    return first_run_of_the_app()


@pytest.fixture(scope="session", autouse=True)
def navigation_mode_as_in_a_server() -> Iterator[None]:
    """Makes AppTest run app.py on every run, as a real server does.

    AppTest resets ``PagesManager.uses_pages_directory`` before each run; with a
    ``pages/`` folder that selects Streamlit's old file-based mode, which runs
    the page file alone (no app.py, no sidebar) from the second run on. A server
    leaves the flag False once ``st.navigation`` has run, as here.

    Session-scoped, so that an AppTest shared by several tests runs the same way.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original_init = PagesManager.__init__

    def init_then_use_navigation(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PagesManager, "__init__", init_then_use_navigation)
        yield


@pytest.fixture(scope="session", autouse=True)
def component_manifests_scanned_once() -> Iterator[None]:
    """Scans the installed packages for Streamlit components once per run.

    Every new AppTest rescans the metadata of every installed distribution
    (about 0.65 s each); the packages do not change while the tests run.
    """
    from streamlit.components.v2 import manifest_scanner

    scan_once = functools.cache(manifest_scanner.scan_component_manifests)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest_scanner, "scan_component_manifests", scan_once)
        yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests in a module that runs ``app.py`` (it imports ``AppTest``) come with
    the prepared demo: app.py opens the demo when it is given no other data, and
    on a cache without the fine-tuned model it would start the demo's fine-tune in
    the background, beside the suite's own preparation of the same model.

    Then the order, and the pytest-xdist groups (``--dist loadgroup``): first the
    modules none of whose tests needs the demo, while ``demo_in_background``
    prepares it; then the other modules; each module is a group, so one worker
    runs it. Last, the browser tests, all in one group: one worker runs them one
    after another, when the other has little left to do (clicks got lost with
    two browsers and the AppTest tests on the same two cores).
    """
    for item in items:
        module = getattr(item, "module", None)
        needs_demo = module is not None and "AppTest" in vars(module)
        if needs_demo and not needs_the_demo(item):
            item.fixturenames.append("demo_prepared")
    late = {item.path for item in items if needs_the_demo(item)}
    for item in items:
        group = "browser" if is_browser_test(item) else str(item.path)
        item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: (is_browser_test(item), item.path in late))


def is_browser_test(item: pytest.Item) -> bool:
    return item.get_closest_marker("browser") is not None
