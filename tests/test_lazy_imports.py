"""What loads torch and transformers only when a command or a model needs them."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app.py"

HEAVY = ("torch", "transformers", "sklearn", "umap")
REPORT = "import json, sys\nprint(json.dumps({m: m in sys.modules for m in HEAVY}))"


def modules_loaded_by(code: str) -> dict[str, bool]:
    """Which of ``HEAVY`` a new interpreter has imported after running ``code``."""
    probe = f"{code}\nHEAVY = {HEAVY!r}\n{REPORT}"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "code",
    [
        "import litcore.cli",
        "from litcore.cli import build_parser; build_parser()",
        "import litcore.models.training_rules",
    ],
)
def test_the_cli_starts_without_torch(code):
    assert modules_loaded_by(code) == dict.fromkeys(HEAVY, False)


def test_help_lists_the_commands_without_loading_torch():
    code = (
        "import contextlib, io\nfrom litcore.cli import main\n"
        "with contextlib.suppress(SystemExit):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        main(['--help'])"
    )
    assert modules_loaded_by(code) == dict.fromkeys(HEAVY, False)


def test_the_training_defaults_are_the_rules():
    from litcore.models import training, training_rules

    assert training.TrainConfig().learning_rate == training_rules.DEFAULT_LEARNING_RATE
    assert training.MIN_STEPS == training_rules.MIN_STEPS == 100


def test_umap_is_compiled_only_once_the_embeddings_page_opens(
    demo_prepared, monkeypatch
):
    from streamlit.testing.v1 import AppTest

    from litcore.ui import cached

    started: list[str] = []
    monkeypatch.setattr(
        cached, "_in_background", lambda name, work: started.append(name)
    )
    cached.start_umap_warm_up.clear()
    at = AppTest.from_file(str(APP), default_timeout=240).run()
    at.switch_page("pages/table.py").run()
    assert not at.exception, at.exception
    assert "lumen-umap-warm-up" not in started
    at.switch_page("pages/projection.py").run()
    assert not at.exception, at.exception
    assert started.count("lumen-umap-warm-up") == 1
    cached.start_umap_warm_up.clear()  # a later page starts a real one
